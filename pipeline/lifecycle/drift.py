"""Has what arrives changed? Two periods of complaints compared, ending in a plain retrain-or-not.

``drift(old, new, config)`` compares the mix of categories, themes, teams and outcomes (a chi-square
test per mix, Fisher's exact test per label, Benjamini-Hochberg across labels), the text (length,
share of words the old period never used, the terms that rose and fell most) and, for files written
by ``complaints score``, the model's confidence and "needs review" share. It returns tables and the
reasons behind its recommendation; :func:`html` renders them as one self-contained page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup
from scipy import stats
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from pipeline.config import DriftConfig, FeedbackConfig, Params
from pipeline.data.inputs import RecordsFile, read_records
from pipeline.data.schema import DataContractError
from pipeline.imports import STOP_WORDS
from pipeline.privacy import Redactor
from pipeline.report.build import plain_date
from pipeline.report.stats import benjamini_hochberg

WORD = re.compile(r"[a-z][a-z']+")
# A term list shows words that carry meaning: no stop words ("the", "was"), no placeholders of removed
# identifiers ("xxphone", a name written [NAME]).
NOT_TERMS = frozenset(STOP_WORDS) | ENGLISH_STOP_WORDS | {"name"}
PLACEHOLDER_WORD = re.compile(r"^xx[a-z]+$")
MIXES = {"category": "Category", "themes": "Theme", "team": "Team", "outcome": "Outcome"}
MODELLED = {"Category", "Theme"}  # the mixes the models predict
BASELINE_FOLDS = 5


@dataclass(frozen=True)
class Period:
    """One side of the comparison: validated records, and the model's scores when the file was scored."""

    name: str
    records: pd.DataFrame  # description (empty in older scored files), category, themes, team, outcome
    scores: pd.DataFrame | None = None  # probability, needs_review: one row per record
    theme_separator: str = ";"
    rows_in: int = 0  # rows of the file it came from (other years and rows set aside included)


def period(found: RecordsFile, year: str | None, file_name: str, theme_separator: str = ";") -> Period:
    """A file's records (only ``year``, when given) as a drift period. A scored file's suggested
    labels stand in for recorded ones, and its confidence and needs-review flags come along."""
    frame, scores = found.validated.frame, None
    if found.scored:
        predictions = found.predictions
        frame = frame.assign(
            category=predictions["predicted_category"].to_numpy(), themes=predictions.get("themes", pd.NA)
        )
        scores = predictions[["probability", "needs_review"]].reset_index(drop=True)
    if year is not None:
        keep = (frame["financial_year"] == year).fillna(False).to_numpy()
        if not keep.any():
            years = ", ".join(sorted(frame["financial_year"].dropna().unique()))
            raise DataContractError(f"{file_name} has no records in {year}; it holds {years or 'no dated records'}.")
        frame = frame.loc[keep].reset_index(drop=True)
        scores = scores.loc[keep].reset_index(drop=True) if scores is not None else None
    years = sorted(frame["financial_year"].dropna().unique())
    name = year or (years[0] if len(years) == 1 else file_name)
    return Period(name, frame, scores, theme_separator, found.rows_in)


def read_period(path: Path, year: str | None, params: Params) -> Period:
    """A records export or a file from ``complaints score``, read by :mod:`pipeline.data.inputs` with its
    theme labels, as a drift period (only ``year``, when given)."""
    return period(read_records(path, params, with_themes=True), year, path.name, params.themes.separator)


def _slug(name: str) -> str:
    """A period's name for a file name: anything but letters and digits becomes '-'."""
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def page_name(old: Period, new: Period) -> str:
    """The drift page's file name: drift_NEW_vs_OLD.html, e.g. drift_2015-16_vs_2014-15.html."""
    return f"drift_{_slug(new.name)}_vs_{_slug(old.name)}.html"


@dataclass(frozen=True)
class DriftReport:
    old: str
    new: str
    sizes: dict[str, int]
    mix_tests: pd.DataFrame  # mix, labels, chi-square, p, q
    mixes: dict[str, pd.DataFrame]  # mix: label, old and new counts and shares, change, p, q
    text: pd.DataFrame  # measure, old, new, p
    rising: pd.DataFrame  # term, records old/new, shares, change, q
    falling: pd.DataFrame
    scores: pd.DataFrame | None  # measure, old, new, p
    confidence_bands: pd.DataFrame | None  # band, share old, share new
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    acceptance: pd.DataFrame | None = None  # officers' decisions per model version, when any were recorded

    @property
    def retrain(self) -> bool:
        return bool(self.reasons)

    @property
    def recommendation(self) -> str:
        if self.reasons:
            return f"Retrain: {len(self.reasons)} sign(s) that {self.new} differs from {self.old} in ways the model learned."
        return (
            f"No retrain needed: what the models read and predict (words, categories, themes) in {self.new} has not "
            f"changed significantly from {self.old}."
        )


def _labels(frame: pd.DataFrame, column: str, separator: str) -> pd.Series:
    """One label per record, or (themes) one row per record and theme."""
    values = frame[column].astype("string") if column in frame.columns else pd.Series(dtype="string")
    if column == "themes":
        values = values.str.split(separator).explode().str.strip()
    values = values.dropna()
    return values[values != ""]


def _mix(old: pd.Series, new: pd.Series, old_total: int, new_total: int) -> tuple[pd.DataFrame, float, float]:
    """Per label: counts, shares of records, change, Fisher p and BH q; and the whole mix's chi-square and p."""
    counts = pd.DataFrame({"old": old.value_counts(), "new": new.value_counts()}).fillna(0).astype(int)
    counts = counts.sort_values(["new", "old"], ascending=False)
    p_values = np.array(
        [
            stats.fisher_exact([[n, new_total - n], [o, old_total - o]]).pvalue
            for o, n in zip(counts["old"], counts["new"], strict=True)
        ]
    )
    table = pd.DataFrame(
        {
            "Label": counts.index.astype(str),
            "Old": counts["old"].to_numpy(),
            "Share old": counts["old"].to_numpy() / max(old_total, 1),
            "New": counts["new"].to_numpy(),
            "Share new": counts["new"].to_numpy() / max(new_total, 1),
        }
    )
    table["Change (points)"] = 100 * (table["Share new"] - table["Share old"])
    table["p"] = p_values
    table["q"] = benjamini_hochberg(p_values) if len(p_values) else p_values
    if len(counts) < 2 or counts.to_numpy().sum(axis=0).min() == 0:
        return table, float("nan"), float("nan")
    chi2, p, _, _ = stats.chi2_contingency(counts.to_numpy().T)
    return table, float(chi2), float(p)


def _words(texts: pd.Series, redactor: Redactor) -> list[set[str]]:
    """Each record's words, identifiers masked first (so no name or reference becomes a drift term)."""
    return [set(WORD.findall(redactor.mask(str(text)).lower())) for text in texts.dropna()]


def _unseen_share(records: list[set[str]], vocabulary: set[str]) -> np.ndarray:
    return np.array([len(words - vocabulary) / len(words) if words else 0.0 for words in records])


def _unseen_against_folds(old: list[set[str]], new: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Per record, the share of words unseen in four fifths of the old period: for each old fifth
    (what no drift looks like) and for the new period, against the same vocabularies so the two are
    comparable. Empty arrays when the old period is too small to split."""
    if len(old) < BASELINE_FOLDS * 2:
        return np.array([]), np.array([])
    folds = np.arange(len(old)) % BASELINE_FOLDS
    usual, new_shares = [], []
    for fold in range(BASELINE_FOLDS):
        vocabulary = set().union(*(words for words, f in zip(old, folds, strict=True) if f != fold))
        usual.append(_unseen_share([w for w, f in zip(old, folds, strict=True) if f == fold], vocabulary))
        new_shares.append(_unseen_share(new, vocabulary))
    return np.concatenate(usual), np.mean(new_shares, axis=0)


def _terms(old: list[set[str]], new: list[set[str]], config: DriftConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Terms whose share of records changed most, each tested (Fisher, BH over every term listed)."""
    old_counts = pd.Series([w for words in old for w in words]).value_counts()
    new_counts = pd.Series([w for words in new for w in words]).value_counts()
    counts = pd.DataFrame({"old": old_counts, "new": new_counts}).fillna(0).astype(int)
    counts = counts[(counts["old"] + counts["new"]) >= config.min_term_records]
    counts = counts[[_is_term(word) for word in counts.index.astype(str)]]
    if counts.empty or not old or not new:
        empty = pd.DataFrame(columns=["Term", "Old", "New", "Share old", "Share new", "Change (points)", "q"])
        return empty, empty
    share_old, share_new = counts["old"] / len(old), counts["new"] / len(new)
    change = 100 * (share_new - share_old)
    p_values = np.array(
        [
            stats.fisher_exact([[n, len(new) - n], [o, len(old) - o]]).pvalue
            for o, n in zip(counts["old"], counts["new"], strict=True)
        ]
    )
    table = pd.DataFrame(
        {
            "Term": counts.index.astype(str),
            "Old": counts["old"].to_numpy(),
            "New": counts["new"].to_numpy(),
            "Share old": share_old.to_numpy(),
            "Share new": share_new.to_numpy(),
            "Change (points)": change.to_numpy(),
            "q": benjamini_hochberg(p_values),
        }
    )
    rising = table[table["Change (points)"] > 0].nlargest(config.top_terms, "Change (points)")
    falling = table[table["Change (points)"] < 0].nsmallest(config.top_terms, "Change (points)")
    return rising.reset_index(drop=True), falling.reset_index(drop=True)


def _is_term(word: str) -> bool:
    """A word worth listing among the terms that rose or fell: no stop word, no placeholder."""
    return word not in NOT_TERMS and not PLACEHOLDER_WORD.match(word)


def _score_drift(old: pd.DataFrame | None, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Confidence and needs-review of scored files; ``old`` may be None (only the new file was scored)."""
    bands = [0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001]
    names = ["under 40%", "40-49%", "50-59%", "60-69%", "70-79%", "80-89%", "90% or more"]

    def shares(frame: pd.DataFrame) -> np.ndarray:
        confidence = pd.to_numeric(frame["probability"], errors="coerce").dropna()
        return np.histogram(confidence, bins=bands)[0] / max(len(confidence), 1)

    frames = {name: frame for name, frame in (("new", new), ("old", old)) if frame is not None}
    review = {
        name: frame["needs_review"].astype(str).str.lower().isin(["true", "1", "yes"]) for name, frame in frames.items()
    }
    confidence = {name: pd.to_numeric(frame["probability"], errors="coerce").dropna() for name, frame in frames.items()}
    rows = [
        {
            "Measure": "Share needing review",
            "Old": review["old"].mean() if old is not None else np.nan,
            "New": review["new"].mean(),
            "p": stats.fisher_exact(
                [[review["new"].sum(), (~review["new"]).sum()], [review["old"].sum(), (~review["old"]).sum()]]
            ).pvalue
            if old is not None
            else np.nan,
        },
        {
            "Measure": "Median confidence of the first suggestion",
            "Old": confidence["old"].median() if old is not None else np.nan,
            "New": confidence["new"].median(),
            "p": stats.mannwhitneyu(confidence["old"], confidence["new"]).pvalue
            if old is not None and len(confidence["old"]) and len(confidence["new"])
            else np.nan,
        },
    ]
    bands_table = pd.DataFrame({"Confidence": names, "Share new": shares(new)})
    if old is not None:
        bands_table.insert(1, "Share old", shares(old))
    return pd.DataFrame(rows), bands_table


def measure_drift(
    old: Period,
    new: Period,
    config: DriftConfig,
    theme_names: dict[str, str] | None = None,
    redactor: Redactor | None = None,
    acceptance: pd.DataFrame | None = None,
    acceptance_warnings: Sequence[str] = (),
    min_decisions: int = FeedbackConfig.min_decisions,
) -> DriftReport:
    """Compare ``new`` with ``old``. Neither input is changed. Themes are shown by their names in
    ``theme_names`` (id: name, from the themes file), ids without one as they are. ``redactor`` (default:
    built-in formats only) takes identifiers out of the text measures; the stage passes one built from
    ``privacy.case_ref_patterns``. ``acceptance`` (decisions and the share that kept the first suggestion,
    per model version, from the feedback store) is shown when given; its warnings (confident suggestions
    below the card's promise beyond chance) are reasons to retrain; a model version with fewer than
    ``min_decisions`` decisions (feedback.min_decisions) gets a note instead, as too few to judge."""
    for period in (old, new):
        if period.records.empty:
            raise DataContractError(f"{period.name} has no usable records to compare (every row was set aside).")
    reasons, notes = [], []
    if (old.scores is None) != (new.scores is None):
        notes.append(
            "One file holds recorded categories and themes, the other the model's suggestions: differences in "
            "those mixes may be the model's mistakes rather than drift, so they are not counted as reasons."
        )
    sizes = {"old": len(old.records), "new": len(new.records)}
    tests, mixes = [], {}
    for column, title in MIXES.items():
        old_labels = _labels(old.records, column, old.theme_separator)
        new_labels = _labels(new.records, column, new.theme_separator)
        if old_labels.empty or new_labels.empty:
            continue
        table, chi2, p = _mix(old_labels, new_labels, len(old.records), len(new.records))
        if column == "themes" and theme_names:
            table["Label"] = table["Label"].map(lambda theme: theme_names.get(theme, theme))
        if column == "themes":
            # A complaint has any number of themes, so a chi-square over mentions would count it several
            # times; the mix is judged by its themes' own tests instead (the smallest BH q-value).
            chi2, p = float("nan"), float(table["q"].min()) if len(table) else float("nan")
        mixes[title] = table
        tests.append({"Mix": title, "Labels": len(table), "Chi-square": chi2, "p": p})
    mix_tests = pd.DataFrame(tests, columns=["Mix", "Labels", "Chi-square", "p"])
    mix_tests["q"] = benjamini_hochberg(mix_tests["p"].fillna(1.0).to_numpy()) if len(mix_tests) else []
    for _, test in mix_tests.iterrows():
        if test["q"] < config.fdr:
            # Teams and outcomes are not what the model reads or predicts: worth knowing, not a reason to retrain.
            same_kind = (old.scores is None) == (new.scores is None)
            found = reasons if test["Mix"] in MODELLED and same_kind else notes
            table = mixes[test["Mix"]]
            moved = table[table["q"] < config.fdr]
            moved = moved.loc[moved["Change (points)"].abs().sort_values(ascending=False).index]
            detail = "; ".join(
                f"{row['Label']} {row['Share old']:.0%} -> {row['Share new']:.0%}"
                for _, row in moved.head(3).iterrows()
            )
            found.append(
                f"The {test['Mix'].lower()} mix changed (q = {test['q']:.3g})" + (f": {detail}." if detail else ".")
            )
    for title in ("Category", "Theme"):
        if title in mixes:
            table = mixes[title]
            arrived = table[(table["Old"] == 0) & (table["New"] > 0)]["Label"].tolist()
            if arrived:
                notes.append(f"{title} label(s) {old.name} never used: {', '.join(arrived)}.")
    if "Team" in mixes:
        arrived = mixes["Team"][(mixes["Team"]["Old"] == 0) & (mixes["Team"]["New"] > 0)]["Label"].tolist()
        if arrived:
            notes.append(f"Teams new in {new.name}: {', '.join(arrived)} (renamed? add them to report.team_aliases).")

    redactor = redactor or Redactor()
    old_words, new_words = _words(old.records["description"], redactor), _words(new.records["description"], redactor)
    text_rows = []
    if old_words and new_words:
        baseline, unseen = _unseen_against_folds(old_words, new_words)
        if not len(baseline):  # too few old records to say what is usual: against all of them, untested
            unseen = _unseen_share(new_words, set().union(*old_words))
        usual = float(baseline.mean()) if len(baseline) else float("nan")
        unseen_p = float(stats.mannwhitneyu(baseline, unseen, alternative="less").pvalue) if len(baseline) else np.nan
        old_length = old.records["description"].dropna().astype(str).str.split().str.len()
        new_length = new.records["description"].dropna().astype(str).str.split().str.len()
        text_rows = [
            {
                "Measure": "Median words per complaint",
                "Old": float(old_length.median()),
                "New": float(new_length.median()),
                "p": float(stats.mannwhitneyu(old_length, new_length).pvalue),
            },
            {
                "Measure": "Share of a complaint's words the old period never used",
                "Old": usual,
                "New": float(unseen.mean()),
                "p": unseen_p,
            },
        ]
        if unseen_p < config.fdr and unseen.mean() - usual >= config.unseen_rise:
            reasons.append(
                f"Complaints use more words the old period never did: {unseen.mean():.0%} of their words on average, "
                f"against {usual:.0%} usually."
            )
        if text_rows[0]["p"] < config.fdr:
            notes.append(
                f"Complaints are {'longer' if new_length.median() > old_length.median() else 'shorter'} "
                f"(median {old_length.median():.0f} -> {new_length.median():.0f} words)."
            )
    else:
        notes.append("No complaint text on one side (an older scored file holds none): text drift is not measured.")
    rising, falling = _terms(old_words, new_words, config)
    significant_terms = rising[rising["q"] < config.fdr]["Term"].head(5).tolist()
    if significant_terms:
        notes.append(f"Terms used significantly more often: {', '.join(significant_terms)}.")

    score_table = bands = None
    if new.scores is not None:
        score_table, bands = _score_drift(old.scores, new.scores)
        row = score_table.iloc[0]
        if old.scores is not None and row["p"] < config.fdr and row["New"] - row["Old"] >= config.review_rise:
            reasons.append(
                f"More complaints need review: {row['New']:.0%} against {row['Old']:.0%} (p = {row['p']:.3g})."
            )
    if acceptance is not None:
        notes += _few_decisions(acceptance, min_decisions)
    return DriftReport(
        old=old.name,
        new=new.name,
        sizes=sizes,
        mix_tests=mix_tests,
        mixes=mixes,
        text=pd.DataFrame(text_rows, columns=["Measure", "Old", "New", "p"]),
        rising=rising,
        falling=falling,
        scores=score_table,
        confidence_bands=bands,
        reasons=[*reasons, *acceptance_warnings],
        notes=notes,
        acceptance=acceptance,
    )


def _few_decisions(acceptance: pd.DataFrame, minimum: int) -> list[str]:
    """A note per model version with too few recorded decisions to say anything about it."""
    few = acceptance[acceptance["Decisions"] < minimum]
    return [
        f"{version}: only {int(n)} officers' decision(s) recorded, too few to judge (at least {minimum}); "
        "not counted as a reason to retrain."
        for version, n in zip(few["Model version"], few["Decisions"], strict=True)
    ]


PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drift: {{ r.new }} against {{ r.old }}</title>{{ styles }}</head><body>
<header><h1>Has what arrives changed? {{ r.new }} against {{ r.old }}</h1>
<p class="meta">{{ r.sizes.old }} records in {{ r.old }}, {{ r.sizes.new }} in {{ r.new }}.{% if generated %} Produced {{ generated }}.{% endif %}</p></header>
<section><h2>Recommendation</h2><ul class="headlines"><li><strong>{{ r.recommendation }}</strong></li>
{% for line in r.reasons %}<li>{{ line }}</li>{% endfor %}</ul>
{% for line in r.notes %}<p class="note">{{ line }}</p>{% endfor %}</section>
<section><h2>Mix of categories, themes, teams and outcomes</h2>
<p class="note">Chi-square test per mix; per label, Fisher's exact test on its share of records, with Benjamini-Hochberg q-values.</p>
{{ tables.mix_tests }}
{% for title, table in tables.mixes %}<h3>{{ title }}</h3>{{ table }}{% endfor %}</section>
<section><h2>Text</h2>{{ tables.text }}
<p class="note">"Usually" is each fifth of {{ r.old }} against the other four fifths: what a period with no drift looks like.</p>
<h3>Terms used more often</h3>{{ tables.rising }}<h3>Terms used less often</h3>{{ tables.falling }}</section>
{% if tables.scores %}<section><h2>The model's confidence</h2>{{ tables.scores }}{{ tables.bands }}</section>{% endif %}
{% if tables.acceptance %}<section><h2>What officers decided</h2>
<p class="note">Decisions recorded at intake: how often the officer kept the first suggestion, per model version (complaints feedback summary has the detail).</p>{{ tables.acceptance }}</section>{% endif %}
</body></html>
"""


def html(report: DriftReport, generated: str = "") -> str:
    """The drift report as one self-contained page (styles inline, no scripts)."""
    from pipeline.report.render import html_table
    from pipeline.report.template import STYLES

    def table(frame: pd.DataFrame | None) -> Markup | None:
        return None if frame is None else html_table(frame, minimum=1)

    def measures(frame: pd.DataFrame | None) -> Markup | None:
        """Old and new values as words: a share as a percentage, a count of words as a number."""
        if frame is None:
            return None
        shown = frame.astype({"Old": object, "New": object})
        for column in ("Old", "New"):
            shown[column] = [
                "–"
                if value != value
                else (
                    f"{value:.0%}"
                    if "Share" in measure or "confidence" in measure
                    else f"{value:.2f}".rstrip("0").rstrip(".")
                )
                for measure, value in zip(frame["Measure"], frame[column], strict=True)
            ]
        return html_table(shown, minimum=1)

    tables = {
        "mix_tests": table(report.mix_tests),
        "mixes": [(title, table(frame)) for title, frame in report.mixes.items()],
        "text": measures(report.text),
        "rising": table(report.rising),
        "falling": table(report.falling),
        "scores": measures(report.scores),
        "bands": table(report.confidence_bands),
        "acceptance": table(report.acceptance),
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(PAGE).render(
        r=report, tables=tables, styles=Markup(STYLES), generated=plain_date(generated) if generated else ""
    )

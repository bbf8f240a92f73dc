"""A new year of closed complaints: add it to the history, and compare challenger and champion on it.

``combine_years`` joins the history and the new year into one set of records (the newest year is
then the holdout of a time split); ``label_changes`` says how the categories moved between what the
champion learned and what the records now hold; ``compare`` scores both models on the same holdout,
overall, per category and per team. Promotion itself is :mod:`pipeline.lifecycle.promotion`'s rule.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import EvaluateConfig, Params
from pipeline.data.schema import DataContractError, Validated
from pipeline.modelling.contract import CategoryPredictor
from pipeline.modelling.evaluate import evaluate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CombinedYears:
    frame: pd.DataFrame  # every record kept, with source_file; the new year's rows last
    set_aside: pd.DataFrame  # source_file, source_row, complaint_ref, reason_code, reason
    new_year: str


def _join_years(new_year: pd.DataFrame, history: Mapping[str, pd.DataFrame], new_file: str) -> CombinedYears:
    """The history files and the new year's file as one frame of validated records.

    The new file's latest financial year must be later than every year in the history (it is the
    year the models are judged on). A reference that appears again later (a re-exported record,
    or the new year's file repeating one) keeps only its latest version; the others are set aside.
    """
    if new_year.empty:
        raise DataContractError(
            f"{new_file} has no usable records: every row was set aside (check its columns, descriptions and "
            "categories against params.yaml)."
        )
    latest = str(new_year["financial_year"].dropna().max())
    older = {
        name: sorted(frame["financial_year"].dropna().unique().tolist())
        for name, frame in history.items()
        if len(frame)
    }
    clash = {name: years for name, years in older.items() if years and str(years[-1]) >= latest}
    if clash:
        listing = "; ".join(f"{name} holds {', '.join(map(str, years))}" for name, years in clash.items())
        raise DataContractError(
            f"The new year's file ({new_file}) ends in {latest}, but the history already reaches that year or later "
            f"({listing}). Pass last year's closed complaints as NEW_YEAR_FILE and earlier years with --history."
        )
    parts = [frame.assign(source_file=name) for name, frame in history.items()]
    parts.append(new_year.assign(source_file=new_file))
    frame = pd.concat(parts, ignore_index=True)
    # Validation names a record without a reference "row N"; only references from the files can repeat.
    made_up = frame["complaint_ref"] == "row " + frame["source_row"].astype("string")
    recorded = (frame["complaint_ref"].notna() & ~made_up).fillna(False).astype(bool)
    repeated = frame["complaint_ref"].duplicated(keep="last") & recorded
    latest_file = (
        frame[recorded].drop_duplicates("complaint_ref", keep="last").set_index("complaint_ref")["source_file"]
    )
    set_aside = frame.loc[repeated, ["source_file", "source_row", "complaint_ref"]].assign(
        reason_code="replaced_by_later_file",
        reason=lambda rows: "the same reference appears again in " + rows["complaint_ref"].map(latest_file),
    )
    return CombinedYears(frame.loc[~repeated].reset_index(drop=True), set_aside.reset_index(drop=True), latest)


@dataclass(frozen=True)
class LabelChanges:
    """How the categories moved between what the champion learned and this year's records."""

    year: str
    new: dict[str, int] = field(default_factory=dict)  # category: records this year, unknown to the champion
    untrained: dict[str, int] = field(default_factory=dict)  # category: records this year, not in training years
    retired: tuple[str, ...] = ()  # the champion's categories the challenger no longer learns
    unused: tuple[str, ...] = ()  # categories both know with no record this year
    renamed: dict[str, int] = field(default_factory=dict)  # spelling read through labels.aliases: records

    def messages(self) -> list[str]:
        """Plain sentences for the console and the comparison file; empty when nothing moved."""
        lines = []
        for label, count in self.new.items():
            lines.append(f"'{label}' is new in {self.year} ({count} records): the champion never learned it.")
        for label, count in self.untrained.items():
            lines.append(
                f"'{label}' has {count} records in {self.year} but not enough in the training years to learn, so "
                "neither model can suggest it yet; its rows count as errors for both and the comparison is also "
                "shown without them. It is learned once this year is a training year."
            )
        for label in self.retired:
            lines.append(
                f"'{label}' is retired: the champion knows it, the challenger did not learn it (no longer recorded, "
                "mapped to another category by labels.aliases, or too few records in the training years)."
            )
        for label, count in self.renamed.items():
            records = "record" if count == 1 else "records"
            lines.append(f"'{label}' ({count} {records}) was read as its national category through labels.aliases.")
        if self.unused:
            lines.append(f"No records in {self.year} for: {', '.join(self.unused)}.")
        return lines


def label_changes(
    champion_classes: Sequence[str] | None,
    challenger_classes: Sequence[str],
    new_year: pd.DataFrame,
    year: str,
    aliased: Mapping[str, int],
) -> LabelChanges:
    """Compare the labels of the two models with the categories recorded in the new year."""
    counts = new_year["category"].dropna().astype(str).value_counts()
    champion = set(champion_classes) if champion_classes is not None else set(challenger_classes)
    challenger = set(challenger_classes)
    return LabelChanges(
        year=year,
        new={label: int(n) for label, n in counts.items() if champion_classes is not None and label not in champion},
        untrained={label: int(n) for label, n in counts.items() if label not in challenger},
        retired=tuple(sorted(champion - challenger)),
        unused=tuple(sorted((champion & challenger) - set(counts.index))),
        renamed={str(spelling): int(n) for spelling, n in aliased.items()},
    )


@dataclass(frozen=True)
class Comparison:
    overall: pd.DataFrame  # one row per model and row set: n, accuracy, macro_f1, ece, coverage
    per_category: pd.DataFrame  # category, records, then recall and F1 of each model
    per_team: pd.DataFrame  # team, records, then accuracy of each model
    metrics: dict[str, dict[str, Any]]  # each model's full holdout metrics


OVERALL = ("accuracy", "macro_f1", "weighted_f1", "ece", "coverage", "selective_accuracy")


def compare_categories(
    models: Mapping[str, CategoryPredictor], holdout: pd.DataFrame, config: EvaluateConfig
) -> Comparison:
    """Score each model (e.g. champion and challenger) on the same holdout rows, each judged at its
    own suggestion threshold (from its card, or chosen in training). Rows whose category a model never
    learned count as its errors (promotion is decided on all rows); the overall table repeats the
    figures on the rows whose category every model knows, so the analyst sees how much a taxonomy
    change accounts for.
    """
    known = set.intersection(*(set(model.labels) for model in models.values()))
    common = holdout[holdout["category"].astype(str).isin(known)]
    metrics, overall = {}, []
    for name, model in models.items():
        evaluation = evaluate(model, holdout, config)
        metrics[name] = evaluation.metrics
        overall.append({"model": name, "rows": "all", "n": len(holdout)} | _pick(evaluation.metrics))
        if 0 < len(common) < len(holdout):
            shared = evaluate(model, common, config).metrics
            overall.append({"model": name, "rows": "categories both know", "n": len(common)} | _pick(shared))
    per_category = pd.DataFrame({"category": sorted(holdout["category"].astype(str).unique())})
    per_category["records"] = per_category["category"].map(holdout["category"].astype(str).value_counts())
    for name, found in metrics.items():
        scores = found["per_category"]
        per_category[f"recall {name}"] = per_category["category"].map({c: v["recall"] for c, v in scores.items()})
        per_category[f"F1 {name}"] = per_category["category"].map({c: v["f1"] for c, v in scores.items()})
    teams = sorted({team for found in metrics.values() for team in found.get("by_team", {})})
    per_team = pd.DataFrame({"team": teams})
    for index, (name, found) in enumerate(metrics.items()):
        by_team = found.get("by_team", {})
        if index == 0:
            per_team["records"] = per_team["team"].map({t: v["n"] for t, v in by_team.items()})
        per_team[f"accuracy {name}"] = per_team["team"].map({t: v["accuracy"] for t, v in by_team.items()})
    return Comparison(pd.DataFrame(overall), per_category, per_team, metrics)


def _pick(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {key: float(metrics[key]) if metrics[key] == metrics[key] else np.nan for key in OVERALL}


@dataclass(frozen=True)
class ThemeComparison:
    common: tuple[str, ...]  # themes both models learned: the comparison is made on these
    new: tuple[str, ...]  # learned by the challenger only
    retired: tuple[str, ...]  # learned by the champion only
    challenger: dict[str, Any]  # micro/macro-F1 on the common themes
    champion: dict[str, Any]  # micro/macro-F1 of the champion on the same themes

    def messages(self) -> list[str]:
        lines = [f"Theme '{theme}' is new: the champion never learned it." for theme in self.new]
        lines += [f"Theme '{theme}' is retired: the challenger no longer learns it." for theme in self.retired]
        if self.new or self.retired:
            lines.append(f"The theme models are compared on the {len(self.common)} themes both learned.")
        return lines


def compare_themes(challenger: Any, champion: Any, holdout: pd.DataFrame, targets: np.ndarray) -> ThemeComparison:
    """Both theme models (loaded or just trained) on the holdout, each at its own thresholds, over the
    themes both learned, lined up by id (``targets`` follow ``challenger.labels``)."""
    from pipeline.modelling.metrics import multilabel_metrics

    challenger_ids, champion_ids = list(challenger.labels), list(champion.labels)
    common = [theme for theme in challenger_ids if theme in champion_ids]
    mine = [challenger_ids.index(theme) for theme in common]
    theirs = [champion_ids.index(theme) for theme in common]
    truth = np.asarray(targets)[:, mine]

    def measured(model: Any, columns: list[int]) -> dict[str, Any]:
        probabilities = model.predict_proba(holdout)[:, columns]
        return multilabel_metrics(truth, probabilities, model.theme_thresholds[columns], common)

    return ThemeComparison(
        common=tuple(common),
        new=tuple(theme for theme in challenger_ids if theme not in champion_ids),
        retired=tuple(theme for theme in champion_ids if theme not in challenger_ids),
        challenger=measured(challenger, mine),
        champion=measured(champion, theirs),
    )


@dataclass(frozen=True)
class RetrainSummary:
    """Everything the analyst reads after a retrain: what changed, how the models compare, what was decided."""

    year: str
    messages: list[str]
    decisions: dict[str, str]  # head: the promotion decision in words
    category: Comparison | None
    themes: ThemeComparison | None
    champion_metrics: dict[str, dict[str, Any]]  # head: the champion's figures on the new year

    def console_tables(self) -> list[tuple[str, pd.DataFrame]]:
        tables = []
        if self.category is not None:
            tables.append((f"Categories, {self.year}: champion and challenger on the same rows", self.category.overall))
            tables.append(("Per category", self.category.per_category))
            if len(self.category.per_team):
                tables.append(("Per team", self.category.per_team))
        if self.themes is not None:
            tables.append((f"Themes, {self.year} ({len(self.themes.common)} themes both learned)", self._theme_table()))
        return tables

    def _theme_table(self) -> pd.DataFrame:
        rows = [("challenger", self.themes.challenger), ("champion", self.themes.champion)]
        return pd.DataFrame(
            [{"model": name, "micro_f1": found["micro_f1"], "macro_f1": found["macro_f1"]} for name, found in rows]
        )

    def sheets(self) -> dict[str, pd.DataFrame]:
        sheets = {"decision": pd.DataFrame({"model": list(self.decisions), "decision": list(self.decisions.values())})}
        sheets["what changed"] = pd.DataFrame({"note": self.messages or ["No category or theme changed."]})
        for title, table in self.console_tables():
            sheets[title.split(",")[0].split(" (")[0][:31]] = table
        return sheets

    def markdown(self) -> str:
        lines = [f"# Retraining with {self.year}: champion and challenger", "", "## Decision", ""]
        lines += [f"- **{head}**: {reason}" for head, reason in self.decisions.items()]
        lines += ["", "## What changed", ""]
        lines += [f"- {line}" for line in self.messages] or ["- No category or theme changed."]
        for title, table in self.console_tables():
            lines += ["", f"## {title}", "", _markdown_table(table)]
        return "\n".join(lines) + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "–" if value != value else f"{value:.3f}"
        return str(value)

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def retrain_summary(
    result: Any,
    champions: Mapping[str, Any],
    params: Any,
    year: str,
    aliased: Mapping[str, int],
    decided: Mapping[str, tuple],
) -> RetrainSummary:
    """Compare the freshly trained models (``result`` of :func:`pipeline.modelling.training_job.train_and_evaluate`) with the
    champions (tracking.Registered or None per head) on the new year, and collect what changed."""

    holdout = result.prepared.holdout
    messages: list[str] = []
    category = themes = None
    champion_metrics: dict[str, dict[str, Any]] = {}
    if result.category is not None:
        trained = result.category.trained
        champion = champions.get("category")
        models: dict[str, CategoryPredictor] = {"challenger": trained}
        if champion is not None:
            models = {f"champion v{champion.version}": champion.model, **models}
        category = compare_categories(models, holdout, params.evaluate)
        if champion is not None:
            champion_metrics["category"] = category.metrics[f"champion v{champion.version}"]
        changes = label_changes(
            list(champion.model.labels) if champion is not None else None,
            list(trained.classes),
            holdout,
            year,
            aliased,
        )
        messages += changes.messages()
    if result.themes is not None and champions.get("themes") is not None:
        themes = _theme_comparison(result, champions["themes"])
        messages += themes.messages()
        champion_metrics["themes"] = themes.champion
    decisions = {head: decision.reason for head, (decision, _) in decided.items()}
    return RetrainSummary(year, messages, decisions, category, themes, champion_metrics)


def retrain_params(params: Params) -> Params:
    """The params for a retrain: the split is by time, so the newest year is what both models are judged on."""
    return replace(params, prepare=replace(params.prepare, split="time"))


def heads(params: Params) -> list[str]:
    """The models this configuration trains: "category", "themes", or both."""
    return [head for head, on in (("category", params.train.enabled), ("themes", params.themes.enabled)) if on]


def _theme_comparison(result: Any, champion: Any) -> ThemeComparison:
    """The freshly trained theme model against the registered champion on the new holdout."""
    themes = result.themes
    return compare_themes(themes.trained, champion.model, result.prepared.holdout, themes.data.holdout_targets)


def combine_years(
    new_year: Validated, history: Mapping[str, Validated], new_file: str
) -> tuple[Validated, CombinedYears]:
    """Validated files (the history by file name, and the new year) as one set of training records,
    with every row not used listed by file: invalid, or replaced by a later copy."""
    combined = _join_years(new_year.frame, {name: v.frame for name, v in history.items()}, new_file)
    rejected = [v.rejected.assign(source_file=name) for name, v in [*history.items(), (new_file, new_year)]]
    validated = Validated(
        frame=combined.frame,
        rejected=pd.concat([*rejected, combined.set_aside], ignore_index=True),
        rows_in=new_year.rows_in + sum(v.rows_in for v in history.values()),
        labels_aliased=new_year.labels_aliased,
        theme_columns=new_year.theme_columns,
    )
    return validated, combined

"""Recurring issues per team: the year's complaints are cut into sentences, similar sentences are
grouped (k-means on TF-IDF of their lemmas), and each group is named by the phrases that set it
apart. A complaint usually raises several issues, so sentences rather than whole complaints are
grouped; a complaint counts once towards every issue it raises.

For each team an issue is reported with how many of its complaints raise it, how much more often
than in other teams (lift, one-sided Fisher's exact test, Benjamini-Hochberg), the upheld rate of
those complaints, and short redacted quotes (identifiers replaced by placeholders). Words are weighed
by what they tell of a complaint's themes and category, so boilerplate spread over every kind of
complaint (openings, closings, contact details, context) does not form the groups; no issue raised by
fewer than ``min_cell`` of a team's complaints is shown, so no quote comes from a small cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import MultiLabelBinarizer, normalize

from pipeline.config import ReportConfig
from pipeline.imports import STOP_WORDS
from pipeline.language import normalise_texts
from pipeline.privacy import Redactor
from pipeline.report.records import DECIDED, PARTIAL, UPHELD
from pipeline.report.stats import benjamini_hochberg, lift, over_representation, share_change

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(‘“])|\n+")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
MIN_WORDS = 3
PHRASE_WORDS = (1, 4)
TOKEN = r"(?u)\b[a-z][a-z'’]+\b"
GAP = "xxgap"  # stands where a name was removed, so that no phrase runs across it
# A name neither starts nor ends with a stop word, an adverb ("completely") or a verb of saying or
# wanting ("the worker said"): what is left at its edges is mostly nouns and adjectives.
EDGE_WORDS = (
    frozenset(STOP_WORDS)
    | ENGLISH_STOP_WORDS
    | {"said", "says", "told", "asked", "want", "wants", "wanted", "feel", "feels", "felt", "think", "thinks"}
    | {"like", "got", "get", "made", "make", "went", "came", "way", "things", "thing", "lot", "time"}
)
ARTICLES = frozenset({"the", "a", "an", "my", "his", "her", "their", "our"})
MIN_PHRASE_SHARE = 0.15  # a name is shared by this share of the group's typical sentences, at least
THEME_FIT = 0.6  # a theme names a group with no shared phrase when this share of its complaints carry it
LONGER_PHRASE_BONUS = 0.5  # "transport to contact" is a better name than "contact"
RANDOM_STATE = 0  # the same file gives the same groups
# Boilerplate (openings, closings, contact details, context, a regulator's standard paragraphs) is spread
# over complaints whatever they are about; an issue's words go with what the complaint is about. A word's
# weight in grouping is what it tells of a complaint's subjects (themes and category); sentences telling
# least (the lower SPECIFIC_SHARE of them) are left out of the grouping, so groups form around issues.
SUBJECT_PRIOR = 5.0  # a word's subjects are read as if it were also in this many complaints spread like all
SPECIFIC_SHARE = 0.5


@dataclass(frozen=True)
class Sentences:
    """The year's quotable sentences: which complaint each came from, as written, and redacted."""

    complaint: np.ndarray
    text: list[str]
    redacted: list[str]


def split_sentences(descriptions: pd.Series, redactor: Redactor) -> Sentences:
    """Sentences of at least three words, identifiers replaced by placeholders ([NAME_1], [PHONE])."""
    complaint, text, redacted = [], [], []
    for position, description in enumerate(descriptions.fillna("").astype(str)):
        for sentence in SENTENCE_END.split(description):
            sentence = sentence.strip()
            if len(sentence.split()) < MIN_WORDS:
                continue
            complaint.append(position)
            text.append(sentence)
            redacted.append(redactor.redact(sentence))
    return Sentences(np.asarray(complaint, dtype=int), text, redacted)


def _candidates(core: list[str]) -> dict[str, int]:
    """The 1-4 word phrases a group's typical sentences (``core``) share, with how many hold each.

    A phrase must occur in two of them, neither start nor end with a stop word ("of seven", "the
    worker"), and not span a removed name.
    """
    vectoriser = CountVectorizer(ngram_range=PHRASE_WORDS, token_pattern=TOKEN, binary=True, min_df=2)
    try:
        counts = vectoriser.fit_transform([_gapped(text) for text in core])
    except ValueError:  # no phrase occurs twice
        return {}
    held = np.asarray(counts.sum(axis=0)).ravel()
    return {
        str(phrase): int(n)
        for phrase, n in zip(vectoriser.get_feature_names_out(), held, strict=True)
        if _readable(str(phrase).split())
    }


def _gapped(text: str) -> str:
    """A sentence with each placeholder ([NAME]) as a word no phrase may hold."""
    return PLACEHOLDER.sub(f" {GAP} ", text)


def _readable(words: list[str]) -> bool:
    """A phrase that reads as a name: no removed name inside, no stop word or adverb at either end, no word
    twice."""
    return (
        GAP not in words
        and not any(word in EDGE_WORDS or word.endswith("ly") for word in (words[0], words[-1]))
        and len(set(words)) == len(words)
        # "referral the worker" runs two phrases together: an article follows a stop word ("of the")
        and not any(word in ARTICLES and words[i] not in EDGE_WORDS for i, word in enumerate(words[1:]))
    )


def _typical(members: np.ndarray, features: sparse.csr_matrix, centre: np.ndarray) -> np.ndarray:
    """The nearer half of a group's sentences to its centre, nearest first (at least one).

    A sentence at a group's edge may belong to a smaller issue the grouping merged in: names and
    quotes come from the nearer half, so they show what most of the group says.
    """
    if not len(members):
        return members
    closeness = np.asarray(features[members] @ centre).ravel()
    order = np.argsort(-closeness, kind="stable")
    return members[order[: max(1, int(np.ceil(len(members) / 2)))]]


def issue_names(
    cores: dict[int, list[str]], sizes: dict[int, int], everything: list[str], themes: dict[int, str] | None = None
) -> dict[int, str]:
    """Each group's name: the phrase of two to four words its typical sentences (``cores``) share most
    and the rest of the year's sentences (``everything``) least, e.g. "transport to contact"; else
    the group's theme (``themes``, given when most of its complaints carry one); else its most
    distinctive word shared by its typical sentences; else "".

    ``sizes`` is each group's number of sentences among ``everything``.
    """
    themes = themes or {}
    found = {group: _candidates(core) for group, core in cores.items()}
    vocabulary = sorted({phrase for phrases in found.values() for phrase in phrases})
    names = {}
    if vocabulary:  # one pass over the year's sentences for every group's candidates
        counter = CountVectorizer(ngram_range=PHRASE_WORDS, token_pattern=TOKEN, binary=True, vocabulary=vocabulary)
        totals = dict(
            zip(vocabulary, np.asarray(counter.transform(map(_gapped, everything)).sum(axis=0)).ravel(), strict=True)
        )
    for group, phrases in found.items():
        names[group] = themes.get(group, "")
        if not phrases:
            continue
        candidates = list(phrases)
        inside = np.array([phrases[p] for p in candidates]) / max(len(cores[group]), 1)
        outside = np.array([max(totals[p] - phrases[p], 0) for p in candidates]) / max(
            len(everything) - sizes[group], 1
        )
        words = np.array([p.count(" ") + 1 for p in candidates])
        content = np.array([sum(word not in EDGE_WORDS for word in p.split()) for p in candidates])
        score = (inside - outside) * (1 + LONGER_PHRASE_BONUS * (content - 1))
        for allowed in (words >= 2, words >= 1):
            chosen = np.flatnonzero(allowed & (score > 0) & (inside >= MIN_PHRASE_SHARE))
            if len(chosen):
                names[group] = candidates[chosen[np.argmax(score[chosen])]]
                break
            if group in themes:
                break
    return names


def _specificity(features: sparse.csr_matrix, complaint: np.ndarray, subjects: sparse.csr_matrix) -> np.ndarray:
    """Each word's information about the subjects of the complaints holding it: for each subject (a theme
    or category; ``subjects`` is complaints x subjects), the divergence of the share of those complaints
    carrying it from the share of all complaints, the largest over subjects. A word spread over complaints
    whatever their subjects weighs about 0. ``SUBJECT_PRIOR`` complaints spread like all are added to
    each word's, so a word seen in a couple of complaints does not look specific by chance."""
    present = features.copy()
    present.data[:] = 1.0
    holds = sparse.csr_matrix(
        (np.ones(len(complaint)), (complaint, np.arange(len(complaint)))), shape=(subjects.shape[0], len(complaint))
    )
    holds = ((holds @ present) > 0).astype(float)  # complaints x words
    words = np.asarray(holds.sum(axis=0)).ravel()
    carrying = np.asarray(subjects.sum(axis=0)).ravel()
    # A subject every complaint has, or none, tells nothing (counted, so that rounding cannot make it tell).
    telling = np.flatnonzero((carrying > 0) & (carrying < subjects.shape[0]))
    if not len(telling):
        return np.zeros(features.shape[1])
    base = carrying[telling] / subjects.shape[0]
    together = (holds.T @ subjects[:, telling]).toarray()  # words x telling subjects: complaints with both
    share = np.clip((together + SUBJECT_PRIOR * base) / (words[:, None] + SUBJECT_PRIOR), 1e-12, 1 - 1e-12)
    divergence = share * np.log(share / base) + (1 - share) * np.log((1 - share) / (1 - base))
    return np.maximum(divergence.max(axis=1), 0.0)


def _group(
    sentences: Sentences, max_clusters: int, subjects: sparse.csr_matrix | None = None
) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix, np.ndarray]:
    """(group of each sentence, -1 when it has no content word or says least of any subject; cohesion per
    group; features; centres). ``subjects`` (complaints x themes and categories), when given, weigh the
    words by what they tell of them (:func:`_specificity`)."""
    # The quotes' redaction serves the features too: names are out, and a capitalised first word such as
    # "Transport" stays a word instead of being masked with the names.
    normalised = normalise_texts(PLACEHOLDER.sub(" ", text) for text in sentences.redacted)
    vectoriser = TfidfVectorizer(
        ngram_range=(1, 2),
        stop_words="english",
        min_df=2,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-z][a-z]+\b",
    )
    labels = np.full(len(sentences.text), -1)
    try:
        features = vectoriser.fit_transform(normalised)
    except ValueError:
        return labels, np.array([]), sparse.csr_matrix((len(labels), 0)), np.zeros((0, 0))
    has_content = np.asarray(features.getnnz(axis=1) > 0)
    weights = _specificity(features, sentences.complaint, subjects) if subjects is not None else np.zeros(0)
    if weights.any():
        weighted = features @ sparse.diags(weights)
        said = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        has_content &= said > 0
        has_content &= said >= np.quantile(said[has_content], SPECIFIC_SHARE)
        features = normalize(weighted).tocsr()
    rows = np.flatnonzero(has_content)
    distinct = len({normalised[row] for row in rows})  # k-means cannot find more groups than distinct sentences
    # As many groups as the square root of the number of sentences: finer groups on more text.
    k = int(np.clip(round(np.sqrt(len(rows))), 1, min(max_clusters, distinct)))
    if len(rows) < 2 * k or k < 2:
        return labels, np.array([]), features, np.zeros((0, features.shape[1]))
    model = KMeans(n_clusters=k, n_init=3, random_state=RANDOM_STATE).fit(features[rows])
    labels[rows] = model.labels_
    centres = normalize(model.cluster_centers_)
    # sentences x groups (small), then each sentence's own group: never a dense sentences x words matrix.
    similarity = np.asarray(features[rows] @ centres.T)[np.arange(len(rows)), model.labels_]
    cohesion = np.bincount(model.labels_, weights=similarity, minlength=k) / np.maximum(
        np.bincount(model.labels_, minlength=k), 1
    )
    return labels, cohesion, features, centres


def _quotes(typical: np.ndarray, sentences: Sentences, name: str, count: int, chars: int) -> list[str]:
    """Quotes of an issue in a team: its typical sentences there (see :func:`_typical`), nearest the
    group's centre first, those holding the issue's name before the others; one per complaint, cut
    to ``chars``."""
    holds = np.array([bool(name) and name in _gapped(sentences.redacted[i]).lower() for i in typical], dtype=bool)
    quotes, seen = [], set()
    for index in np.concatenate([typical[holds], typical[~holds]]).astype(int):
        quote = sentences.redacted[index]
        if sentences.complaint[index] in seen or quote in quotes:
            continue
        seen.add(sentences.complaint[index])
        quotes.append(quote if len(quote) <= chars else quote[: chars - 1].rsplit(" ", 1)[0] + "…")
        if len(quotes) == count:
            break
    return quotes


def _group_themes(rows: pd.DataFrame, raises: sparse.csc_matrix, theme_names: dict[str, str]) -> dict[int, str]:
    """The theme most of a group's complaints carry (``THEME_FIT`` of them at least), by name."""
    if "theme_ids" not in rows.columns or not theme_names:
        return {}
    themes = {}
    for group in range(raises.shape[1]):
        complaints = raises[:, group].nonzero()[0]
        counts = pd.Series([t for ids in rows["theme_ids"].iloc[complaints] for t in ids], dtype=object).value_counts()
        if len(counts) and counts.iloc[0] >= THEME_FIT * len(complaints) and counts.index[0] in theme_names:
            themes[group] = theme_names[counts.index[0]]
    return themes


def _raises(complaint: np.ndarray, labels: np.ndarray, complaints: int, groups: int) -> sparse.csc_matrix:
    """complaints x groups: 1 where a complaint raises the issue (in one sentence or several)."""
    grouped = labels >= 0
    matrix = sparse.csr_matrix(
        (np.ones(grouped.sum()), (complaint[grouped], labels[grouped])), shape=(complaints, groups)
    )
    return (matrix > 0).astype(float).tocsc()


def _per_team(team_index: np.ndarray, teams: int, raises: sparse.csc_matrix) -> tuple[np.ndarray, np.ndarray]:
    """(teams x groups complaints raising each issue, complaints per team)."""
    membership = sparse.csr_matrix(
        (np.ones(len(team_index)), (team_index, np.arange(len(team_index)))), shape=(teams, len(team_index))
    )
    return np.asarray((membership @ raises).todense()), np.bincount(team_index, minlength=teams)


def recurring_issues(
    records: pd.DataFrame,
    year: str,
    config: ReportConfig,
    compare_to: str | None = None,
    theme_names: dict[str, str] | None = None,
    redactor: Redactor | None = None,
) -> pd.DataFrame:
    """One row per (team, recurring issue) of ``year`` worth reporting, most distinctive issues first.

    Sentences are grouped over every year up to ``year`` (more text gives steadier groups, and an
    issue keeps its group from year to year); counts, tests and quotes use ``year`` alone, and the
    trend compares each team's share of complaints raising the issue with ``compare_to`` (two-sided
    Fisher's exact test, Benjamini-Hochberg over the issues shown). ``theme_names`` (id: name) name
    a group no shared phrase names, by the theme most of its complaints carry.
    """
    columns = [
        "Team",
        "Issue",
        "Complaints",
        "Team complaints",
        "Share",
        "Lift",
        "p",
        "q",
        "Over-represented",
        "With a finding",
        "Upheld or partially upheld",
        "Complaints before",
        "Team complaints before",
        "Trend",
        "p (trend)",
        *[f"Example {n + 1}" for n in range(config.examples)],
    ]
    history = records[records["description"].notna() & (records["financial_year"] <= year)].reset_index(drop=True)
    everything = split_sentences(history["description"], redactor or Redactor())
    labels, cohesion, features, centres = _group(everything, config.max_clusters, _subjects(history))
    in_year = (history["financial_year"] == year).to_numpy()
    if not len(cohesion) or not in_year.any():
        return pd.DataFrame(columns=columns)
    groups = len(cohesion)
    team_names, team_index = np.unique(history["team"].astype(str).to_numpy(), return_inverse=True)
    raises_all = _raises(everything.complaint, labels, len(history), groups)
    before = (history["financial_year"] == compare_to).to_numpy() if compare_to else np.zeros(len(history), bool)
    hits_before, sizes_before = _per_team(team_index[before], len(team_names), raises_all[np.flatnonzero(before)])
    rows = history[in_year].reset_index(drop=True)
    # Keep the year's sentences, numbered by the year's complaints.
    kept = in_year[everything.complaint]
    renumber = np.cumsum(in_year) - 1
    sentences = Sentences(
        renumber[everything.complaint[kept]],
        [t for t, k in zip(everything.text, kept, strict=True) if k],
        [t for t, k in zip(everything.redacted, kept, strict=True) if k],
    )
    labels, features = labels[kept], features[np.flatnonzero(kept)]
    raises = raises_all[np.flatnonzero(in_year)]
    year_team = team_index[in_year]
    hits, team_sizes = _per_team(year_team, len(team_names), raises)
    group_totals = np.asarray(raises.sum(axis=0)).ravel()
    sizes = np.repeat(team_sizes[:, None], groups, axis=1)
    totals = np.repeat(group_totals[None, :], len(team_names), axis=0)
    p = over_representation(hits, sizes, totals, len(rows))
    tested = hits > 0
    q = np.full(hits.shape, np.nan)
    q[tested] = benjamini_hochberg(p[tested])
    lifts = lift(hits, sizes, totals, len(rows))
    reportable = (hits >= config.min_cell) & (cohesion[None, :] >= config.min_cohesion)
    shown = []
    for t in range(len(team_names)):
        candidates = np.flatnonzero(reportable[t])
        ranked = candidates[np.lexsort((-hits[t, candidates], p[t, candidates]))][: config.issues_per_team]
        shown += [(t, int(g)) for g in ranked]
    typical = {g: _typical(np.flatnonzero(labels == g), features, centres[g]) for g in {g for _, g in shown}}
    names = issue_names(
        {g: [sentences.redacted[i] for i in core] for g, core in typical.items()},
        {g: int((labels == g).sum()) for g in typical},
        sentences.redacted,
        _group_themes(rows, raises, dict(theme_names or {})),
    )
    decided = rows["outcome"].isin(DECIDED).to_numpy()
    found = rows["outcome"].isin([UPHELD, PARTIAL]).to_numpy()
    issues = []
    for t, g in shown:
        in_team = year_team == t
        complaints = in_team & (raises[:, g].toarray().ravel() > 0)
        with_finding = int((complaints & decided).sum())
        team_typical = typical[g][in_team[sentences.complaint[typical[g]]]]
        if not len(team_typical):  # the team's sentences are all at the group's edge: its own nearest
            team_typical = _typical(np.flatnonzero((labels == g) & in_team[sentences.complaint]), features, centres[g])
        quotes = _quotes(team_typical, sentences, names[g], config.examples, config.example_chars)
        issues.append(
            {
                "Team": team_names[t],
                "Issue": names[g],
                "Complaints": int(hits[t, g]),
                "Team complaints": int(team_sizes[t]),
                "Share": hits[t, g] / team_sizes[t],
                "Lift": float(lifts[t, g]),
                "p": float(p[t, g]),
                "q": float(q[t, g]),
                "Over-represented": bool(q[t, g] <= config.fdr and lifts[t, g] > 1),
                "With a finding": with_finding,
                "Upheld or partially upheld": (complaints & found).sum() / with_finding if with_finding else np.nan,
                "Complaints before": int(hits_before[t, g]) if compare_to else pd.NA,
                "Team complaints before": int(sizes_before[t]) if compare_to else pd.NA,
                "p (trend)": share_change(
                    int(hits[t, g]), int(team_sizes[t]), int(hits_before[t, g]), int(sizes_before[t])
                )
                if compare_to
                else np.nan,
                **{f"Example {n + 1}": quote for n, quote in enumerate(quotes)},
            }
        )
    table = pd.DataFrame(issues, columns=columns)
    table["Trend"] = _trend(table, config.fdr) if compare_to else ""
    order = pd.Series(year_team).map(dict(enumerate(team_names))).value_counts()
    table["_volume"] = table["Team"].map(order)
    return table.sort_values(["_volume", "Team"], ascending=[False, True], kind="stable").drop(columns="_volume")


def _subjects(rows: pd.DataFrame) -> sparse.csr_matrix:
    """complaints x subjects: 1 where a complaint carries the theme or has the category."""
    themes = rows["theme_ids"] if "theme_ids" in rows.columns else pd.Series([()] * len(rows), dtype=object)
    categories = rows["category"].astype(str)
    carried = [[f"theme:{t}" for t in ids] + [f"category:{c}"] for ids, c in zip(themes, categories, strict=True)]
    return MultiLabelBinarizer(sparse_output=True).fit_transform(carried).astype(float).tocsr()


def _trend(table: pd.DataFrame, fdr: float) -> pd.Series:
    """Each issue's share of its team's complaints against the comparison year: "new" (none then),
    "rising" or "falling" (beyond chance, BH over the issues shown), else "no clear change"."""
    if table.empty:
        return pd.Series(dtype=object)
    q = benjamini_hochberg(table["p (trend)"].to_numpy(dtype=float))
    before = table["Complaints before"].astype(float) / table["Team complaints before"].astype(float).where(
        lambda n: n > 0
    )
    now = table["Share"].astype(float)
    had_team = table["Team complaints before"].astype(float) > 0
    return pd.Series(
        np.select(
            [
                had_team & (table["Complaints before"].astype(float) == 0),
                (q <= fdr) & (now > before),
                (q <= fdr) & (now < before),
            ],
            ["new", "rising", "falling"],
            default="no clear change",
        ),
        index=table.index,
    )


def leading_issues(issues: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` recurring issues that matter most, one row per issue name: most complaints beyond
    what the other teams' rate would give (size and lift together), then most complaints."""
    if issues.empty:
        return issues
    lifts = issues["Lift"].astype(float)
    expected = np.where(np.isinf(lifts) | (lifts <= 0), 0.0, issues["Complaints"] / lifts.where(lifts > 0, 1))
    ranked = issues.assign(_beyond=issues["Complaints"] - expected).sort_values(
        ["_beyond", "Complaints"], ascending=False, kind="stable"
    )
    named = ranked[ranked["Issue"].astype(str) != ""]
    return named.drop_duplicates("Issue").head(count).drop(columns="_beyond").reset_index(drop=True)

"""Recurring issues per team: the year's complaints are cut into sentences, similar sentences are
grouped (k-means on TF-IDF of their lemmas), and each group is named by the phrases that set it
apart. A complaint usually raises several issues, so sentences rather than whole complaints are
grouped; a complaint counts once towards every issue it raises.

For each team an issue is reported with how many of its complaints raise it, how much more often
than in other teams (lift, one-sided Fisher's exact test, Benjamini-Hochberg), the upheld rate of
those complaints, and short redacted quotes. Sentences holding contact details (emails, phone
numbers, addresses, case numbers...) are neither grouped nor quoted, and no issue raised by fewer
than ``min_cell`` of a team's complaints is shown, so no quote comes from a small cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from pipeline.config import ReportConfig
from pipeline.language import normalise_texts
from pipeline.privacy import Redactor
from pipeline.report.records import DECIDED, PARTIAL, UPHELD
from pipeline.report.stats import benjamini_hochberg, lift, over_representation

# A quote never holds a run of four digits (a year, a reference) or two capitalised words in a row
# written in capitals (a name in capitals, "SARAH JONES"); such sentences are not quoted at all.
UNQUOTABLE = re.compile(r"\d{4}|\b[A-Z][A-Z'-]+\s+[A-Z][A-Z'-]+\b")
NAME_SPELLINGS_NEEDED = 3  # a word counts as ordinary only if this many complaints write it in lower case
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'(‘“])|\n+")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
MIN_WORDS = 3
PHRASE_WORDS = (1, 3)
LONGER_PHRASE_BONUS = 0.5  # "transport to contact" is a better name than "contact"
RANDOM_STATE = 0  # the same file gives the same groups


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


def _phrases(redacted: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Which 1-3 word phrases (not starting or ending with a stop word) each sentence holds."""
    vectoriser = CountVectorizer(
        ngram_range=PHRASE_WORDS, token_pattern=r"(?u)\b[a-z][a-z'’]+\b", binary=True, min_df=2, lowercase=True
    )
    try:
        matrix = vectoriser.fit_transform([PLACEHOLDER.sub(" ", text) for text in redacted])
    except ValueError:  # no phrase occurs twice
        return sparse.csr_matrix((len(redacted), 0)), np.array([], dtype=object)
    vocabulary = vectoriser.get_feature_names_out()
    usable = np.array(
        [p.split()[0] not in ENGLISH_STOP_WORDS and p.split()[-1] not in ENGLISH_STOP_WORDS for p in vocabulary]
    )
    return matrix[:, usable].tocsc(), vocabulary[usable]


def _name(members: np.ndarray, phrases: sparse.csc_matrix, vocabulary: np.ndarray) -> str:
    """The two phrases most typical of the group and least of the rest, longer phrases preferred."""
    if not len(vocabulary):
        return ""
    inside = np.asarray(phrases[members].mean(axis=0)).ravel()
    rest = np.ones(phrases.shape[0], dtype=bool)
    rest[members] = False
    outside = np.asarray(phrases[rest].mean(axis=0)).ravel() if rest.any() else np.zeros_like(inside)
    words = np.char.count(vocabulary.astype(str), " ") + 1
    score = (inside - outside) * (1 + LONGER_PHRASE_BONUS * (words - 1))
    chosen: list[str] = []
    for index in np.argsort(-score)[:12]:
        phrase = str(vocabulary[index])
        if score[index] > 0 and not any(phrase in other or other in phrase for other in chosen):
            chosen.append(phrase)
        if len(chosen) == 2:
            break
    return " / ".join(chosen)


def _group(sentences: Sentences, max_clusters: int) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix, np.ndarray]:
    """(group of each sentence, -1 when it has no content word; cohesion per group; features; centres)."""
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


def _quotes(
    members: np.ndarray, sentences: Sentences, features: sparse.csr_matrix, centre: np.ndarray, count: int, chars: int
) -> list[str]:
    """The sentences nearest the group's centre, one per complaint, cut to ``chars``.

    Only the nearer half of the group's sentences may be quoted: a sentence at its edge may belong to
    a smaller issue that the grouping merged in, and a quote must show what most of the group says.
    """
    closeness = np.asarray(features[members] @ centre).ravel()
    typical = closeness >= np.median(closeness)
    members, closeness = members[typical], closeness[typical]
    quotes, seen = [], set()
    for index in members[np.argsort(-closeness, kind="stable")]:
        quote = sentences.redacted[index]
        if sentences.complaint[index] in seen or quote in quotes:
            continue
        seen.add(sentences.complaint[index])
        quotes.append(quote if len(quote) <= chars else quote[: chars - 1].rsplit(" ", 1)[0] + "…")
        if len(quotes) == count:
            break
    return quotes


def recurring_issues(records: pd.DataFrame, year: str, config: ReportConfig) -> pd.DataFrame:
    """One row per (team, recurring issue) of ``year`` worth reporting, most distinctive issues first.

    Sentences are grouped over every year up to ``year`` (more text gives steadier groups, and an
    issue keeps its group from year to year); counts, tests and quotes use ``year`` alone.
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
        *[f"Example {n + 1}" for n in range(config.examples)],
    ]
    history = records[records["description"].notna() & (records["financial_year"] <= year)]
    everything = split_sentences(history["description"], Redactor())
    labels, cohesion, features, centres = _group(everything, config.max_clusters)
    in_year = (history["financial_year"] == year).to_numpy()
    if not len(cohesion) or not in_year.any():
        return pd.DataFrame(columns=columns)
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
    # complaints x groups: does the complaint raise the issue?
    grouped = labels >= 0
    raises = sparse.csr_matrix(
        (np.ones(grouped.sum()), (sentences.complaint[grouped], labels[grouped])), shape=(len(rows), len(cohesion))
    )
    raises = (raises > 0).astype(float)  # a complaint raising an issue in two sentences counts once
    teams = rows["team"].astype(str)
    team_names, team_index = np.unique(teams.to_numpy(), return_inverse=True)
    membership = sparse.csr_matrix((np.ones(len(rows)), (team_index, np.arange(len(rows)))))
    hits = np.asarray((membership @ raises).todense())  # teams x groups
    team_sizes = np.bincount(team_index, minlength=len(team_names))
    group_totals = np.asarray(raises.sum(axis=0)).ravel()
    sizes = np.repeat(team_sizes[:, None], hits.shape[1], axis=1)
    totals = np.repeat(group_totals[None, :], hits.shape[0], axis=0)
    p = over_representation(hits, sizes, totals, len(rows))
    tested = hits > 0
    q = np.full(hits.shape, np.nan)
    q[tested] = benjamini_hochberg(p[tested])
    lifts = lift(hits, sizes, totals, len(rows))
    reportable = (hits >= config.min_cell) & (cohesion[None, :] >= config.min_cohesion)
    phrases, vocabulary = _phrases(sentences.redacted)
    names: dict[int, str] = {}
    decided = rows["outcome"].isin(DECIDED).to_numpy()
    found = rows["outcome"].isin([UPHELD, PARTIAL]).to_numpy()
    raises_csc = raises.tocsc()
    issues = []
    for t, team in enumerate(team_names):
        candidates = np.flatnonzero(reportable[t])
        ranked = candidates[np.lexsort((-hits[t, candidates], p[t, candidates]))][: config.issues_per_team]
        in_team = team_index == t
        for g in ranked:
            if g not in names:
                names[g] = _name(np.flatnonzero(labels == g), phrases, vocabulary)
            complaints = in_team & (raises_csc[:, g].toarray().ravel() > 0)
            with_finding = int((complaints & decided).sum())
            members = np.flatnonzero((labels == g) & in_team[sentences.complaint])
            quotes = _quotes(members, sentences, features, centres[g], config.examples, config.example_chars)
            issues.append(
                {
                    "Team": team,
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
                    **{f"Example {n + 1}": quote for n, quote in enumerate(quotes)},
                }
            )
    table = pd.DataFrame(issues, columns=columns)
    order = teams.value_counts()
    table["_volume"] = table["Team"].map(order)
    return table.sort_values(["_volume", "Team"], ascending=[False, True], kind="stable").drop(columns="_volume")

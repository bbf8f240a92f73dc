"""Fitted model + complaints -> a new frame of suggestions; every input row comes out, in order.

Each text is read once per batch: masked, lemmatised and vectorised by the category model, and the
same TF-IDF rows serve the theme model when its features are identical (trained on the same rows),
and the explanations. Scoring is row by row in effect: a row's result does not depend on the
other rows of its batch, so a file gives the same output in one chunk or many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.data.schema import SOURCE_ROW
from pipeline.data.taxonomy import ThemeMatcher
from pipeline.modelling.contract import CATEGORY, THEMES, LoadedModel, ModelContractError
from pipeline.modelling.explain import LinearExplainer, Reading, TextReader, explainer_for, reader_for
from pipeline.modelling.model import predict_proba

# Copied from the input under our names, so one suggestion (suggest, serve) says what it is about. A scored
# file leaves them out: it keeps the input's own columns instead (pipeline.data.scored).
PASS_THROUGH = (SOURCE_ROW, "complaint_ref", "team", "date_received", "financial_year")
EMPTY_TEXT = "empty description"
SHORT_TEXT = "very short description (under {n} words)"
UNFAMILIAR_TEXT = "text unlike the training complaints (only {share:.0%} of its words were seen in training)"
LOW_CONFIDENCE = "confidence {p:.2f} below the suggestion threshold {t:.2f}"
NO_EXPLANATION = "(no explanation for this kind of model)"


@dataclass(frozen=True)
class Scorers:
    """The loaded models that score: the category model (required) and the theme model (optional).

    Each carries its own contract (input columns, labels, thresholds, card); the theme model's seed
    patterns come from the themes file saved in its card.
    """

    category: LoadedModel
    themes: LoadedModel | None = None
    matcher: ThemeMatcher | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.category.kind != CATEGORY:
            raise ModelContractError(f"{self.category.version} is a theme model: it cannot suggest categories.")
        if self.themes is not None and self.themes.kind != THEMES:
            raise ModelContractError(f"{self.themes.version} is a category model, not a theme model.")
        taxonomy = self.themes.taxonomy if self.themes is not None else None
        object.__setattr__(self, "matcher", ThemeMatcher(taxonomy) if taxonomy is not None else None)


@lru_cache(maxsize=8)
def _reads_alike(category: TextReader, themes: TextReader) -> bool:
    # Comparing two vocabularies takes milliseconds: once per pair of loaded models, not per call.
    return themes.reads_like(category)


def _join(pairs: list[tuple[str, list[str]]]) -> str:
    return " | ".join(f"{key}: {', '.join(values)}" for key, values in pairs if values)


@dataclass(frozen=True)
class _Pass:
    """One model's probabilities for the rows with text, and the reading they came from (if any)."""

    probabilities: np.ndarray
    reader: TextReader | None
    reading: Reading | None


def _probabilities(model: LoadedModel, rows: pd.DataFrame, texts: list[str], shared: _Pass | None) -> _Pass:
    """``model``'s probabilities: through this project's text features read once (and shared with
    the category model's reading when both read text the same way), or straight from the estimator."""
    reader = reader_for(model.estimator)
    if reader is None:
        return _Pass(model.predict_proba(rows), None, None)
    if shared is not None and shared.reader is not None and _reads_alike(shared.reader, reader):
        reading = shared.reading
    else:
        reading = reader.read(texts)
    matrix = reader.matrix(reading, model.inputs(rows))
    return _Pass(predict_proba(model.estimator.steps[-1][1], matrix), reader, reading)


def _explained(
    explainer: LinearExplainer | None, found: _Pass, outputs: list[list[int]], top_n: int
) -> list[list[list[str]]] | None:
    """Per row, per output, the words behind it; None when the model cannot name any."""
    if explainer is None or found.reading is None:
        return None
    return [
        [[term.text for term in terms] for terms in row]
        for row in explainer.explain_batch(found.reading, outputs, top_n)
    ]


def _score_themes(
    scorers: Scorers,
    rows: pd.DataFrame,
    texts: list[str],
    positions: np.ndarray,
    n: int,
    category: _Pass | None,
    explain: bool,
    top_n: int,
) -> dict[str, list[str]]:
    """Theme columns for the rows with text (others stay empty): the assigned themes, and apart from
    them the possible ones (over the threshold training chose for showing, under the one for assigning)."""
    model = scorers.themes
    names = ["themes", "theme_names", "theme_probabilities", "possible_themes", "possible_theme_probabilities"]
    if explain:
        names += ["theme_terms", "theme_patterns"]
    columns = {name: [""] * n for name in names}
    if len(positions):
        found = _probabilities(model, rows, texts, category)
        probabilities, assigned = found.probabilities, model.assigned(found.probabilities)
        chosen = [[k for k in np.argsort(-probabilities[p]) if assigned[p, k]] for p in range(len(positions))]
        # Themes training could not promise are shown apart, never among the assigned ones.
        possible = model.possible(found.probabilities)
        ids, readable = model.labels, model.theme_names
        words = _explained(explainer_for(model.estimator), found, chosen, top_n) if explain else None
        # Patterns are matched on the masked text, so the evidence never quotes a name or number.
        masked = found.reading.masked if found.reading is not None else None
        matched = scorers.matcher.match(masked) if explain and masked and scorers.matcher else [{}] * len(positions)
        for position, row in enumerate(positions):
            columns["themes"][row] = ";".join(ids[k] for k in chosen[position])
            columns["theme_names"][row] = "; ".join(readable[ids[k]] for k in chosen[position])
            columns["theme_probabilities"][row] = "; ".join(
                f"{ids[k]}={probabilities[position, k]:.2f}" for k in chosen[position]
            )
            shown_apart = [k for k in np.argsort(-probabilities[position]) if possible[position, k]]
            columns["possible_themes"][row] = ";".join(ids[k] for k in shown_apart)
            columns["possible_theme_probabilities"][row] = "; ".join(
                f"{ids[k]}={probabilities[position, k]:.2f}" for k in shown_apart
            )
            if explain:
                columns["theme_terms"][row] = (
                    _join([(ids[k], terms) for k, terms in zip(chosen[position], words[position], strict=True)])
                    if words is not None
                    else (NO_EXPLANATION if chosen[position] else "")
                )
                columns["theme_patterns"][row] = _join(list(matched[position].items()))
    columns["themes_model_version"] = [model.version] * n
    return columns


def _review_reasons(
    has_text: pd.Series,
    words: np.ndarray,
    known_share: np.ndarray,
    confidence: np.ndarray,
    threshold: float,
    params: Params,
) -> list[str]:
    """Why each row needs a person to check it, most basic reason first; empty when it does not."""
    reasons = []
    for present, count, share, p in zip(has_text, words, known_share, confidence, strict=True):
        if not present:
            reasons.append(EMPTY_TEXT)
        elif count < params.score.min_words:
            reasons.append(SHORT_TEXT.format(n=params.score.min_words))
        elif share < params.score.min_known_share:
            reasons.append(UNFAMILIAR_TEXT.format(share=share))
        elif p < threshold:
            reasons.append(LOW_CONFIDENCE.format(p=p, t=threshold))
        else:
            reasons.append("")
    return reasons


def score(scorers: Scorers, frame: pd.DataFrame, params: Params, explain: bool = True) -> pd.DataFrame:
    """Top-k categories with calibrated probabilities, plus ``needs_review`` and why; themes when given.

    Probabilities come from each model's estimator; with ``explain`` each suggestion also carries the
    words of the complaint that raised it (linear models; any other kind says it has none) and each
    theme the seed patterns it matched. Rows without text are kept (not scored, flagged for review)
    so rows in equals rows out. "Needs review" follows the category model's own threshold.
    """
    model, k = scorers.category, params.evaluate.top_k
    passed = frame.loc[:, [c for c in PASS_THROUGH if c in frame.columns]]
    text = frame["description"].astype("string")
    has_text = (text.notna() & (text.str.strip() != "")).fillna(False).astype(bool)
    positions = np.flatnonzero(has_text.to_numpy())
    rows = frame.iloc[positions]
    texts = text.iloc[positions].astype(str).tolist()

    classes = np.asarray(model.labels, dtype=object)
    top_labels = np.full((len(frame), k), None, dtype=object)
    top_index = np.full(len(frame), -1)
    top_probabilities = np.full((len(frame), k), np.nan)
    known_share = np.ones(len(frame))
    found = None
    if len(positions):
        found = _probabilities(model, rows, texts, None)
        order = np.argsort(-found.probabilities, axis=1, kind="stable")[:, :k]
        top_labels[positions, : order.shape[1]] = classes[order]
        top_index[positions] = order[:, 0]
        top_probabilities[positions, : order.shape[1]] = np.take_along_axis(found.probabilities, order, axis=1)
        if found.reader is not None:
            known_share[positions] = found.reader.known_share(found.reading)

    # Columns are gathered first and the frame built once: one suggestion is scored in milliseconds.
    columns: dict[str, Any] = {
        "predicted_category": pd.array(top_labels[:, 0], dtype="string"),
        "probability": top_probabilities[:, 0].round(4),
    }
    for rank in range(k):
        columns[f"suggestion_{rank + 1}"] = pd.array(top_labels[:, rank], dtype="string")
        columns[f"probability_{rank + 1}"] = top_probabilities[:, rank].round(4)
    words = np.array([len(str(value).split()) if present else 0 for value, present in zip(text, has_text, strict=True)])
    reasons = _review_reasons(has_text, words, known_share, top_probabilities[:, 0], model.suggestion_threshold, params)
    columns["review_reason"] = pd.array(reasons, dtype="string")
    columns["needs_review"] = np.array([reason != "" for reason in reasons], dtype=bool)
    columns["model_version"] = [model.version] * len(frame)
    if explain:
        terms = [""] * len(frame)
        if found is not None:
            explained = _explained(
                explainer_for(model.estimator),
                found,
                [[top_index[row]] for row in positions],
                params.score.explain_terms,
            )
            for position, row in enumerate(positions):
                terms[row] = ", ".join(explained[position][0]) if explained is not None else NO_EXPLANATION
        columns["category_terms"] = pd.array(terms, dtype="string")
    if scorers.themes is not None:
        theme_columns = _score_themes(
            scorers, rows, texts, positions, len(frame), found, explain, params.score.explain_terms
        )
        columns |= {name: pd.array(values, dtype="string") for name, values in theme_columns.items()}
    return pd.concat([passed.reset_index(drop=True), pd.DataFrame(columns)], axis=1)


def _pairs(text: object, separator: str) -> dict[str, str]:
    """'a: x, y | b: z' (or 'a=0.50; b=0.40' with separator '=') -> {'a': 'x, y', 'b': 'z'}."""
    if not isinstance(text, str) or not text:
        return {}
    delimiter = " | " if separator == ":" else "; "
    return dict(part.split(separator, 1) for part in text.split(delimiter))


def suggestion(row: pd.Series, top_k: int, names: dict[str, str] | None = None) -> dict[str, Any]:
    """One scored row as the structured suggestion shown at intake (CLI --json, HTTP API, page);
    ``names`` (theme id: name) names the possible themes."""
    names = names or {}
    theme_terms = row.get("theme_terms")
    words = _pairs(theme_terms, ":") if theme_terms != NO_EXPLANATION else {}
    patterns = _pairs(row.get("theme_patterns"), ":")
    category_words = row.get("category_terms")
    explained = category_words != NO_EXPLANATION
    theme_ids = [theme for theme in str(row.get("themes") or "").split(";") if theme]
    theme_names = dict(zip(theme_ids, str(row.get("theme_names") or "").split("; "), strict=False))
    return {
        "categories": [
            {"category": str(row[f"suggestion_{k}"]), "probability": float(row[f"probability_{k}"])}
            for k in range(1, top_k + 1)
            if pd.notna(row[f"suggestion_{k}"])
        ],
        "category_words": category_words.split(", ")
        if isinstance(category_words, str) and category_words and explained
        else [],
        "explanation": "" if explained else NO_EXPLANATION,
        "themes": [
            {
                "theme": theme,
                "name": theme_names.get(theme) or theme,
                "probability": float(probability),
                "words": words[theme].strip().split(", ") if theme in words else [],
                "patterns": patterns[theme].strip().split(", ") if theme in patterns else [],
            }
            for theme, probability in _pairs(row.get("theme_probabilities"), "=").items()
        ],
        # Possible themes (not assigned: training could not promise their precision at this probability)
        # are shown apart at intake, for the officer to tick or not.
        "possible_themes": [
            {"theme": theme, "name": names.get(theme, theme), "probability": float(probability)}
            for theme, probability in _pairs(row.get("possible_theme_probabilities"), "=").items()
        ],
        # Seed patterns that matched although the model did not suggest their theme: worth a look.
        "patterns_without_theme": {
            theme: found.strip().split(", ")
            for theme, found in patterns.items()
            if theme not in str(row.get("themes")).split(";")
        },
        "needs_review": bool(row["needs_review"]),
        "review_reason": str(row["review_reason"]),
        "model_version": str(row["model_version"]),
        "themes_model_version": str(row["themes_model_version"]) if "themes_model_version" in row else None,
    }

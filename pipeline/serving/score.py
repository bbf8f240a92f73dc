"""Fitted model + complaints -> a new frame of suggestions; every input row comes out, in order.

Each text is read once per batch: masked, lemmatised and vectorised by the category model, and the
same TF-IDF rows serve the theme model when its features are identical (trained on the same rows),
and the explanations. Scoring is row by row in effect: a row's result does not depend on the
other rows of its batch, so a file gives the same output in one chunk or many.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.data.schema import SOURCE_ROW
from pipeline.data.taxonomy import ThemeMatcher
from pipeline.modelling.explain import Explainer, Reading, explainer_for

PASS_THROUGH = (SOURCE_ROW, "complaint_ref", "team", "date_received", "financial_year")
EMPTY_TEXT = "empty description"
SHORT_TEXT = "very short description (under {n} words)"
UNFAMILIAR_TEXT = "text unlike the training complaints (only {share:.0%} of its words were seen in training)"
LOW_CONFIDENCE = "confidence {p:.2f} below the suggestion threshold {t:.2f}"


@dataclass(frozen=True)
class ThemeScorer:
    """A fitted theme model and what is needed to report its themes by name, with evidence."""

    model: Any
    theme_ids: tuple[str, ...]
    version: str
    matcher: ThemeMatcher | None = None


@lru_cache(maxsize=8)
def _shares_features(category: Explainer, themes: Explainer) -> bool:
    # Comparing two vocabularies takes milliseconds: once per pair of loaded models, not per call.
    return themes.shares_text_features_with(category)


def _join(pairs: list[tuple[str, list[str]]]) -> str:
    return " | ".join(f"{key}: {', '.join(values)}" for key, values in pairs if values)


def _score_themes(
    scorer: ThemeScorer,
    texts: list[str],
    rows: np.ndarray,
    n: int,
    category: tuple[Explainer, Reading] | None,
    explain: bool,
    top_n: int,
) -> dict[str, list[str]]:
    """Theme columns for the rows with text (others stay empty)."""
    names = (
        ("themes", "theme_probabilities", "theme_terms", "theme_patterns")
        if explain
        else ("themes", "theme_probabilities")
    )
    columns = {name: [""] * n for name in names}
    if len(rows):
        explainer = explainer_for(scorer.model)
        shared = category is not None and _shares_features(category[0], explainer)
        reading = explainer.reread(category[1]) if shared else explainer.read(texts)
        probabilities = reading.probabilities
        predicted = probabilities >= scorer.model.named_steps["classifier"].thresholds_[None, :]
        chosen = [[k for k in np.argsort(-probabilities[p]) if predicted[p, k]] for p in range(len(rows))]
        terms = explainer.explain_batch(reading, chosen, top_n) if explain else None
        # Patterns are matched on the masked text, so the evidence never quotes a name or number.
        found = scorer.matcher.match(reading.masked) if explain and scorer.matcher is not None else [{}] * len(rows)
        for position, row in enumerate(rows):
            columns["themes"][row] = ";".join(scorer.theme_ids[k] for k in chosen[position])
            columns["theme_probabilities"][row] = "; ".join(
                f"{scorer.theme_ids[k]}={probabilities[position, k]:.2f}" for k in chosen[position]
            )
            if terms is not None:
                columns["theme_terms"][row] = _join(
                    [
                        (scorer.theme_ids[k], [t.text for t in theme_terms])
                        for k, theme_terms in zip(chosen[position], terms[position], strict=True)
                    ]
                )
                columns["theme_patterns"][row] = _join(list(found[position].items()))
    columns["themes_model_version"] = [scorer.version] * n
    return columns


def _review_reasons(
    has_text: pd.Series, words: pd.Series, known_share: np.ndarray, confidence: np.ndarray, params: Params
) -> list[str]:
    """Why each row needs a person to check it, most basic reason first; empty when it does not."""
    threshold = params.evaluate.suggestion_threshold
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


def score(
    model: Any,
    frame: pd.DataFrame,
    params: Params,
    model_version: str,
    themes: ThemeScorer | None = None,
    explain: bool = True,
) -> pd.DataFrame:
    """Top-k categories with calibrated probabilities, plus ``needs_review`` and why; themes when given.

    With ``explain`` each suggestion carries the words of the complaint that raised it, and each
    theme the seed patterns it matched. Rows without text are kept (not scored, flagged for review)
    so rows in equals rows out.
    """
    k = params.evaluate.top_k
    passed = frame.loc[:, [c for c in PASS_THROUGH if c in frame.columns]]
    text = frame["description"].astype("string")
    has_text = (text.notna() & (text.str.strip() != "")).fillna(False).astype(bool)
    rows = np.flatnonzero(has_text.to_numpy())
    texts = text.iloc[rows].astype(str).tolist()

    classes = np.asarray([str(label) for label in model.classes_], dtype=object)
    top_labels = np.full((len(frame), k), None, dtype=object)
    top_index = np.full(len(frame), -1)
    top_probabilities = np.full((len(frame), k), np.nan)
    known_share = np.ones(len(frame))
    explainer, reading = explainer_for(model), None
    if len(rows):
        reading = explainer.read(texts)
        order = np.argsort(-reading.probabilities, axis=1, kind="stable")[:, :k]
        top_labels[rows, : order.shape[1]] = classes[order]
        top_index[rows] = order[:, 0]
        top_probabilities[rows, : order.shape[1]] = np.take_along_axis(reading.probabilities, order, axis=1)
        known_share[rows] = explainer.known_share(reading)

    # Columns are gathered first and the frame built once: one suggestion is scored in milliseconds.
    columns: dict[str, Any] = {
        "predicted_category": pd.array(top_labels[:, 0], dtype="string"),
        "probability": top_probabilities[:, 0].round(4),
    }
    for rank in range(k):
        columns[f"suggestion_{rank + 1}"] = pd.array(top_labels[:, rank], dtype="string")
        columns[f"probability_{rank + 1}"] = top_probabilities[:, rank].round(4)
    words = np.array([len(str(value).split()) if present else 0 for value, present in zip(text, has_text, strict=True)])
    reasons = _review_reasons(has_text, words, known_share, top_probabilities[:, 0], params)
    columns["review_reason"] = pd.array(reasons, dtype="string")
    columns["needs_review"] = np.array([reason != "" for reason in reasons], dtype=bool)
    columns["model_version"] = [model_version] * len(frame)
    if explain:
        terms = [""] * len(frame)
        if reading is not None:
            explained = explainer.explain_batch(reading, [[top_index[row]] for row in rows], params.score.explain_terms)
            for row, [row_terms] in zip(rows, explained, strict=True):
                terms[row] = ", ".join(t.text for t in row_terms)
        columns["category_terms"] = pd.array(terms, dtype="string")
    if themes is not None:
        category = (explainer, reading) if reading is not None else None
        theme_columns = _score_themes(themes, texts, rows, len(frame), category, explain, params.score.explain_terms)
        columns |= {name: pd.array(values, dtype="string") for name, values in theme_columns.items()}
    return pd.concat([passed.reset_index(drop=True), pd.DataFrame(columns)], axis=1)


def _pairs(text: object, separator: str) -> dict[str, str]:
    """'a: x, y | b: z' (or 'a=0.50; b=0.40' with separator '=') -> {'a': 'x, y', 'b': 'z'}."""
    if not isinstance(text, str) or not text:
        return {}
    delimiter = " | " if separator == ":" else "; "
    return dict(part.split(separator, 1) for part in text.split(delimiter))


def suggestion(row: pd.Series, top_k: int) -> dict[str, Any]:
    """One scored row as the structured suggestion shown at intake (CLI --json, HTTP API, page)."""
    words = _pairs(row.get("theme_terms"), ":")
    patterns = _pairs(row.get("theme_patterns"), ":")
    category_words = row.get("category_terms")
    return {
        "categories": [
            {"category": str(row[f"suggestion_{k}"]), "probability": float(row[f"probability_{k}"])}
            for k in range(1, top_k + 1)
            if pd.notna(row[f"suggestion_{k}"])
        ],
        "category_words": category_words.split(", ") if isinstance(category_words, str) and category_words else [],
        "themes": [
            {
                "theme": theme,
                "probability": float(probability),
                "words": words[theme].strip().split(", ") if theme in words else [],
                "patterns": patterns[theme].strip().split(", ") if theme in patterns else [],
            }
            for theme, probability in _pairs(row.get("theme_probabilities"), "=").items()
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

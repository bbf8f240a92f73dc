"""Fitted model + complaints -> a new frame of suggestions; every input row comes out, in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.explain import Explainer
from pipeline.schema import SOURCE_ROW
from pipeline.taxonomy import ThemeMatcher

PASS_THROUGH = (SOURCE_ROW, "complaint_ref", "team", "date_received", "financial_year")
EMPTY_TEXT = "empty description"
SHORT_TEXT = "very short description (under {n} words)"
LOW_CONFIDENCE = "confidence {p:.2f} below the suggestion threshold {t:.2f}"


@dataclass(frozen=True)
class ThemeScorer:
    """A fitted theme model and what is needed to report its themes by name, with evidence."""

    model: Any
    theme_ids: tuple[str, ...]
    version: str
    matcher: ThemeMatcher | None = None


def _join(pairs: list[tuple[str, list[str]]]) -> str:
    return " | ".join(f"{key}: {', '.join(values)}" for key, values in pairs if values)


def _score_themes(scorer: ThemeScorer, frame: pd.DataFrame, rows: np.ndarray, explain: bool, top_n: int) -> dict:
    """Theme columns for the rows with text (others stay empty)."""
    n = len(frame)
    columns = {name: [""] * n for name in ("themes", "theme_probabilities", "theme_terms", "theme_patterns")}
    if len(rows):
        texts = frame.iloc[rows]["description"].astype(str).tolist()
        probabilities = scorer.model.predict_proba(frame.iloc[rows][["description"]])
        predicted = probabilities >= scorer.model.named_steps["classifier"].thresholds_[None, :]
        explainer = Explainer(scorer.model) if explain else None
        found = scorer.matcher.match(texts) if scorer.matcher is not None else [{}] * len(rows)
        for position, row in enumerate(rows):
            chosen = [k for k in np.argsort(-probabilities[position]) if predicted[position, k]]
            ids = [scorer.theme_ids[k] for k in chosen]
            columns["themes"][row] = ";".join(ids)
            columns["theme_probabilities"][row] = "; ".join(
                f"{scorer.theme_ids[k]}={probabilities[position, k]:.2f}" for k in chosen
            )
            if explainer is not None:
                columns["theme_terms"][row] = _join(
                    [
                        (scorer.theme_ids[k], [t.text for t in explainer.explain(texts[position], k, top_n)])
                        for k in chosen
                    ]
                )
            columns["theme_patterns"][row] = _join(list(found[position].items()))
    columns["themes_model_version"] = [scorer.version] * n
    return columns


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
    threshold = params.evaluate.suggestion_threshold
    scored = frame.loc[:, [c for c in PASS_THROUGH if c in frame.columns]].copy()
    text = frame["description"].astype("string")
    has_text = text.notna() & (text.str.strip() != "")
    word_count = text.fillna("").str.split().str.len()

    classes = np.asarray([str(label) for label in model.classes_], dtype=object)
    top_labels = np.full((len(frame), k), None, dtype=object)
    top_index = np.full(len(frame), -1)
    top_probabilities = np.full((len(frame), k), np.nan)
    if has_text.any():
        rows = np.flatnonzero(has_text.to_numpy())
        probabilities = model.predict_proba(frame.iloc[rows][["description"]])
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        top_labels[rows, : order.shape[1]] = classes[order]
        top_index[rows] = order[:, 0]
        top_probabilities[rows, : order.shape[1]] = np.take_along_axis(probabilities, order, axis=1)

    scored["predicted_category"] = pd.array(top_labels[:, 0], dtype="string")
    scored["probability"] = top_probabilities[:, 0].round(4)
    for rank in range(k):
        scored[f"suggestion_{rank + 1}"] = pd.array(top_labels[:, rank], dtype="string")
        scored[f"probability_{rank + 1}"] = top_probabilities[:, rank].round(4)

    reasons = []
    for present, words, confidence in zip(has_text, word_count, top_probabilities[:, 0], strict=True):
        if not present:
            reasons.append(EMPTY_TEXT)
        elif words < params.score.min_words:
            reasons.append(SHORT_TEXT.format(n=params.score.min_words))
        elif confidence < threshold:
            reasons.append(LOW_CONFIDENCE.format(p=confidence, t=threshold))
        else:
            reasons.append("")
    scored["review_reason"] = pd.array(reasons, dtype="string")
    scored["needs_review"] = scored["review_reason"] != ""
    scored["model_version"] = model_version
    rows = np.flatnonzero(has_text.to_numpy())
    if explain:
        explainer = Explainer(model)
        terms = [""] * len(frame)
        for row in rows:
            terms[row] = ", ".join(
                t.text for t in explainer.explain(str(text.iloc[row]), top_index[row], params.score.explain_terms)
            )
        scored["category_terms"] = pd.array(terms, dtype="string")
    if themes is not None:
        for name, values in _score_themes(themes, frame, rows, explain, params.score.explain_terms).items():
            scored[name] = pd.array(values, dtype="string")
    return scored.reset_index(drop=True)

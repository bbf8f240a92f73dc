"""Fitted model + complaints -> a new frame of suggestions; every input row comes out, in order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.schema import SOURCE_ROW

PASS_THROUGH = (SOURCE_ROW, "complaint_ref", "team", "date_received", "financial_year")
EMPTY_TEXT = "empty description"
SHORT_TEXT = "very short description (under {n} words)"
LOW_CONFIDENCE = "confidence {p:.2f} below the suggestion threshold {t:.2f}"


def score(model: Any, frame: pd.DataFrame, params: Params, model_version: str) -> pd.DataFrame:
    """Top-k categories with calibrated probabilities, plus ``needs_review`` and why.

    Rows without text are kept (not scored, flagged for review) so rows in equals rows out.
    """
    k = params.evaluate.top_k
    threshold = params.evaluate.suggestion_threshold
    scored = frame.loc[:, [c for c in PASS_THROUGH if c in frame.columns]].copy()
    text = frame["description"].astype("string")
    has_text = text.notna() & (text.str.strip() != "")
    word_count = text.fillna("").str.split().str.len()

    classes = np.asarray([str(label) for label in model.classes_], dtype=object)
    top_labels = np.full((len(frame), k), None, dtype=object)
    top_probabilities = np.full((len(frame), k), np.nan)
    if has_text.any():
        rows = np.flatnonzero(has_text.to_numpy())
        probabilities = model.predict_proba(frame.iloc[rows][["description"]])
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        top_labels[rows, : order.shape[1]] = classes[order]
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
    return scored.reset_index(drop=True)

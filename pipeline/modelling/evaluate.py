"""Fitted model + labelled rows -> metrics and a confusion matrix (the figure is drawn, not saved)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import EvaluateConfig
from pipeline.data.schema import DataContractError
from pipeline.modelling.contract import CategoryPredictor
from pipeline.modelling.metrics import classification_metrics, confusion, multilabel_metrics, top_k_labels


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, Any]
    labels: tuple[str, ...]
    confusion: np.ndarray

    def figure(self, title: str = "Holdout confusion matrix"):
        """A matplotlib figure of the confusion matrix (rows: recorded, columns: predicted)."""
        from matplotlib.figure import Figure  # the object API: no pyplot, no global state

        size = max(6.0, 0.6 * len(self.labels) + 3)
        figure = Figure(figsize=(size, size))
        axes = figure.subplots()
        axes.imshow(self.confusion, cmap="Blues")
        axes.set_xticks(range(len(self.labels)), self.labels, rotation=60, ha="right", fontsize=8)
        axes.set_yticks(range(len(self.labels)), self.labels, fontsize=8)
        axes.set_xlabel("predicted category")
        axes.set_ylabel("recorded category")
        axes.set_title(title)
        peak = self.confusion.max() if self.confusion.size else 0
        for (row, column), count in np.ndenumerate(self.confusion):
            if count:
                colour = "white" if count > peak / 2 else "black"
                axes.text(column, row, str(count), ha="center", va="center", fontsize=8, color=colour)
        figure.tight_layout()
        return figure


def evaluate_themes(model: Any, frame: pd.DataFrame, targets: np.ndarray) -> dict[str, Any]:
    """Micro/macro-F1 and per-theme precision, recall and F1 of a theme model (loaded or just trained)
    on labelled rows, of the themes it assigns; ``assigned_or_possible`` counts its possible themes too.
    ``targets`` follow ``model.labels``."""
    if frame.empty:
        raise DataContractError("The holdout has no rows to evaluate the themes on.")
    probabilities = model.predict_proba(frame)
    metrics = multilabel_metrics(targets, probabilities, model.theme_thresholds, model.labels)
    # Possible themes are shown apart; this is how the two lists together would fare.
    either = multilabel_metrics(targets, probabilities, model.possible_thresholds, model.labels)
    metrics["assigned_or_possible"] = {key: either[key] for key in ("micro_f1", "macro_f1")}
    return metrics


def evaluate(model: CategoryPredictor, frame: pd.DataFrame, config: EvaluateConfig) -> Evaluation:
    """Score labelled rows with ``model`` (loaded or just trained) and measure the scores against the
    recorded categories; "needs review" is judged at the model's own suggestion threshold."""
    if frame.empty:
        raise DataContractError("The holdout has no rows to evaluate on.")
    probabilities = model.predict_proba(frame)
    classes = list(model.labels)
    y_true = frame["category"].astype(object).to_numpy()
    metrics = classification_metrics(
        y_true, probabilities, classes, config.top_k, model.suggestion_threshold, config.calibration_bins
    )
    labels = tuple(sorted(set(classes) | set(y_true)))
    predicted = top_k_labels(probabilities, classes, 1)[:, 0]
    correct = pd.Series(predicted == y_true, index=frame.index)
    metrics["by_length"] = _accuracy_by(correct, _length_band(frame["description"]))
    if "team" in frame.columns and frame["team"].notna().any():
        metrics["by_team"] = _accuracy_by(correct, frame["team"].astype("string").fillna("(no team)"))
    return Evaluation(metrics=metrics, labels=labels, confusion=confusion(y_true, predicted, labels))


LENGTH_BANDS = ((0, 20, "under 20 words"), (20, 100, "20 to 99 words"), (100, 10**9, "100 words or more"))


def _length_band(texts: pd.Series) -> pd.Series:
    words = texts.astype("string").fillna("").str.split().str.len()
    band = pd.Series("", index=texts.index, dtype="string")
    for low, high, name in LENGTH_BANDS:
        band[(words >= low) & (words < high)] = name
    return band


def _accuracy_by(correct: pd.Series, groups: pd.Series) -> dict[str, dict[str, float]]:
    """Holdout accuracy and row count for each group (a team, a band of text length)."""
    grouped = correct.groupby(groups, observed=True)
    return {str(name): {"accuracy": float(rows.mean()), "n": int(len(rows))} for name, rows in grouped}

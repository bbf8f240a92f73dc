"""Pure metric functions shared by cross-validation and holdout evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import norm
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: the gap between confidence and accuracy, averaged over equal-width bins by size."""
    if len(confidence) == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    gap = 0.0
    for bin_index in range(bins):
        in_bin = which == bin_index
        if in_bin.any():
            gap += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(gap)


def wilson_lower_bound(successes: np.ndarray, trials: np.ndarray, level: float) -> np.ndarray:
    """One-sided lower bound of a proportion at ``level`` (Wilson score interval); 0.5 gives the proportion."""
    z = float(norm.ppf(level))
    trials = np.asarray(trials, dtype=float)
    share = np.asarray(successes, dtype=float) / trials
    centre = share + z * z / (2 * trials)
    spread = z * np.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return (centre - spread) / (1 + z * z / trials)


def threshold_for_precision(
    confidence: np.ndarray, correct: np.ndarray, target: float, level: float = 0.5
) -> float | None:
    """The lowest confidence at which suggestions at or above it are right at least ``target`` of the time.

    Lower thresholds cover more complaints, so the lowest that keeps the precision is the most useful.
    With ``level`` above 0.5 the precision must be reached by its one-sided lower bound at that level,
    not just by the observed share: the lowest cut among hundreds is otherwise picked where chance was
    kind, and new complaints come out below the target. None when no threshold reaches the target.
    """
    order = np.argsort(-confidence, kind="stable")
    ranked_confidence, ranked_correct = confidence[order], correct[order].astype(float)
    precision = wilson_lower_bound(np.cumsum(ranked_correct), np.arange(1, len(ranked_correct) + 1), level)
    # A threshold keeps every row with that confidence or more: only the last row of a tie is a cut.
    last_of_tie = np.append(ranked_confidence[1:] != ranked_confidence[:-1], True)
    usable = np.flatnonzero((precision >= target - 1e-12) & last_of_tie)
    return float(ranked_confidence[usable[-1]]) if len(usable) else None


def top_k_labels(probabilities: np.ndarray, classes: Sequence[str], k: int) -> np.ndarray:
    """The k most probable labels per row, most probable first (ties broken by class order)."""
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return np.asarray(classes, dtype=object)[order]


def classification_metrics(
    y_true: Sequence[str],
    probabilities: np.ndarray,
    classes: Sequence[str],
    top_k: int = 3,
    threshold: float = 0.6,
    bins: int = 10,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-category P/R/F1, top-k accuracy, ECE, selective accuracy and coverage.

    Labels the model never saw count as errors (its probabilities cannot name them).
    """
    y_true = np.asarray(y_true, dtype=object)
    classes = list(classes)
    predicted = top_k_labels(probabilities, classes, 1)[:, 0]
    confidence = probabilities.max(axis=1)
    correct = predicted == y_true
    in_top_k = (top_k_labels(probabilities, classes, top_k) == y_true[:, None]).any(axis=1)
    confident = confidence >= threshold
    labels = sorted(set(classes) | set(y_true))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, predicted, labels=labels, zero_division=0)
    return {
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, predicted)),
        "macro_f1": float(f1_score(y_true, predicted, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(y_true, predicted, average="weighted", zero_division=0)),
        f"top_{top_k}_accuracy": float(in_top_k.mean()),
        "ece": expected_calibration_error(confidence, correct, bins),
        "suggestion_threshold": float(threshold),
        "coverage": float(confident.mean()),
        "selective_accuracy": float(correct[confident].mean()) if confident.any() else float("nan"),
        "per_category": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }


def confusion(y_true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Counts with true labels as rows and predictions as columns, in ``labels`` order."""
    return confusion_matrix(np.asarray(y_true, dtype=object), np.asarray(predicted, dtype=object), labels=list(labels))


THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def tune_thresholds(
    targets: np.ndarray, probabilities: np.ndarray, default: float = 0.5, recall: float | None = None
) -> np.ndarray:
    """Per column, the probability cut-off with the best F1 on these rows (validation rows, never test).

    With ``recall`` the cut-off is instead the highest one that still recovers that share of the
    positives: for weak labels, where unmatched rows are unknown rather than negative, so F1 against
    them would teach the model to copy the patterns. A column with no positives keeps ``default``;
    F1 ties go to the higher threshold (fewer false alarms).
    """
    targets = np.asarray(targets, dtype=bool)
    thresholds = np.full(targets.shape[1], default)
    for column in range(targets.shape[1]):
        truth = targets[:, column]
        if not truth.any():
            continue
        predicted = probabilities[:, column][:, None] >= THRESHOLD_GRID[None, :]
        true_positive = (predicted & truth[:, None]).sum(axis=0)
        if recall is not None:
            reaching = np.flatnonzero(true_positive / truth.sum() >= recall)
            thresholds[column] = THRESHOLD_GRID[reaching[-1]] if len(reaching) else THRESHOLD_GRID[0]
            continue
        f1 = 2 * true_positive / (predicted.sum(axis=0) + truth.sum())
        best = np.flatnonzero(f1 == f1.max())[-1]
        thresholds[column] = THRESHOLD_GRID[best]
    return thresholds


def multilabel_metrics(
    targets: np.ndarray, probabilities: np.ndarray, thresholds: np.ndarray, labels: Sequence[str]
) -> dict[str, Any]:
    """Micro- and macro-F1 over labels, and precision/recall/F1/support per label, at the given thresholds."""
    targets = np.asarray(targets, dtype=bool)
    predicted = probabilities >= np.asarray(thresholds)[None, :]
    precision, recall, f1, support = precision_recall_fscore_support(targets, predicted, zero_division=0)
    return {
        "n": int(len(targets)),
        "micro_f1": float(f1_score(targets, predicted, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(targets, predicted, average="macro", zero_division=0)),
        "rows_with_no_theme_predicted": float((~predicted.any(axis=1)).mean()) if len(predicted) else float("nan"),
        "per_theme": {
            label: {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
                "threshold": float(t) if np.isfinite(t) else None,  # None: never assigned (only possible)
            }
            for label, p, r, f, s, t in zip(labels, precision, recall, f1, support, thresholds, strict=True)
        },
    }

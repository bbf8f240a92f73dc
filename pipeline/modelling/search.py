"""Out-of-fold probabilities for every search candidate, at the cost of one linear fit per fold and
(C, class weight).

The saved model calibrates its linear scores by internal cross-validation (scikit-learn's
``CalibratedClassifierCV``). Nesting that inside the search's own folds would fit folds x
calibration folds x candidates linear models. Instead each fold fits its features once and one linear
model per (C, class weight), giving every training row a decision value from a model that never saw
it; each calibration method is then fitted on the *other* folds' decision values and applied to the
fold's own (cross-fitting). The probabilities compare candidates as the nested search did, and the
chosen one is then fitted, as before, with its own calibration folds on every training row.

Folds run in worker processes when the data is big enough to repay starting them.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from pipeline.config import FeaturesConfig, TextConfig
from pipeline.modelling.features import build_text_features
from pipeline.modelling.model import MIN_ROWS_PER_SIDE, linear_model

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (steps done, steps in all)
Splits = Sequence[tuple[np.ndarray, np.ndarray]]
PARALLEL_MIN_ROWS = 3_000  # below this, starting worker processes costs more than the folds they share
HALVING_FOLDS = 2  # folds every candidate is scored on before the weaker ones are set aside
KEEP_SHARE = 3  # a third of the candidates (at least two) go on to the other folds
# Below this many rows the whole search is quick, and two folds are too few rows to rank candidates reliably
# (on 1,220 CFPB rows halving set aside the point the full search chooses).
HALVING_MIN_ROWS = 5_000


def worker_count(rows: int, tasks: int) -> int:
    """Processes for ``tasks`` independent fits on ``rows`` rows: every core, unless the data is too
    small to repay starting them (then the fits run in this process)."""
    return min(tasks, os.cpu_count() or 1) if rows >= PARALLEL_MIN_ROWS else 1


class QuickStratifiedGroupKFold(StratifiedGroupKFold):
    """scikit-learn's StratifiedGroupKFold, with each group's fold chosen by one array sum over the
    folds instead of a loop: the same folds (a test compares them), in a fifth of the time. With
    thousands of groups the loop took seconds, the longest single-core step before the search."""

    def _find_best_fold(self, y_counts_per_fold: np.ndarray, y_cnt: np.ndarray, group_y_counts: np.ndarray) -> int:
        folds = len(y_counts_per_fold)
        # Every fold with this group added to it, side by side: (candidate fold, fold, class).
        proposed = np.repeat(y_counts_per_fold[None], folds, axis=0)
        proposed[np.arange(folds), np.arange(folds)] += group_y_counts
        spread = np.std(proposed / y_cnt.reshape(1, 1, -1), axis=1).mean(axis=1)
        samples = y_counts_per_fold.sum(axis=1).tolist()
        # The first fold with the least spread; near-equal spreads (np.isclose's tolerances, written out:
        # it costs more than the rest on scalars) go to the fold with fewer rows.
        best, best_spread, best_samples = 0, math.inf, math.inf
        for fold, fold_spread in enumerate(spread.tolist()):
            near = best_spread < math.inf and abs(fold_spread - best_spread) <= 1e-8 + 1e-5 * abs(best_spread)
            if fold_spread < best_spread or (near and samples[fold] < best_samples):
                best, best_spread, best_samples = fold, fold_spread, samples[fold]
        return best


class DecisionValues(ClassifierMixin, BaseEstimator):
    """A stand-in classifier whose input already *is* its decision values (rows x classes, or one
    column for two classes), so scikit-learn's own calibrators can be fitted on out-of-fold scores."""

    def __init__(self, classes: Sequence[Hashable] = ()):
        self.classes = classes

    def fit(self, X: Any = None, y: Any = None) -> DecisionValues:
        self.classes_ = np.asarray(self.classes)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        values = np.asarray(X, dtype=float)
        return values[:, 0] if values.shape[1] == 1 else values

    def predict(self, X: Any) -> np.ndarray:
        values = np.asarray(X, dtype=float)
        best = (values[:, 0] > 0).astype(int) if values.shape[1] == 1 else values.argmax(axis=1)
        return self.classes_[best]


def calibrate_out_of_fold(scores: np.ndarray, labels: np.ndarray, splits: Splits, method: str) -> np.ndarray:
    """Probabilities (rows x classes, classes sorted) for out-of-fold ``scores``: each fold's rows
    through a calibrator fitted on the other folds' rows, as ``CalibratedClassifierCV`` calibrates."""
    classes = np.unique(labels)
    stand_in = FrozenEstimator(DecisionValues(classes).fit())
    probabilities = np.zeros((len(labels), len(classes)))
    for fit_rows, test_rows in splits:
        # One "split" holding every row both ways: the frozen stand-in is never refitted, so scikit-learn's
        # check that each class can fill several folds (which small categories fail) has nothing to guard.
        every_row = np.arange(len(fit_rows))
        calibrator = CalibratedClassifierCV(stand_in, method=method, cv=[(every_row, every_row)])
        calibrated = calibrator.fit(scores[fit_rows], labels[fit_rows])
        probabilities[test_rows] = calibrated.predict_proba(scores[test_rows])
    return probabilities


def calibrate_themes_out_of_fold(
    scores: np.ndarray, targets: np.ndarray, splits: Splits, method: str, classifier: str
) -> np.ndarray:
    """Theme probabilities (rows x themes) from out-of-fold decision values (NaN where a fold could
    not learn the theme). Logistic regression's own probabilities need no calibration; a theme with
    too few rows of either kind to calibrate gets the base rate of the rows it would be fitted on."""
    probabilities = np.zeros(scores.shape)
    for theme in range(scores.shape[1]):
        for fit_rows, test_rows in splits:
            learned = ~np.isnan(scores[test_rows, theme])
            column = np.full(len(test_rows), targets[fit_rows, theme].mean())
            if classifier == "logistic_regression":
                column[learned] = expit(scores[test_rows[learned], theme])
            else:
                known = fit_rows[~np.isnan(scores[fit_rows, theme])]
                positives = int(targets[known, theme].sum())
                if learned.any() and 0 < positives < len(known):
                    calibrator = binary_calibrator(method).fit(scores[known, theme], targets[known, theme])
                    column[learned] = calibrator.predict(scores[test_rows[learned], theme])
            probabilities[test_rows, theme] = column
    return probabilities


def binary_calibrator(method: str) -> _SigmoidCalibration | IsotonicRegression:
    """The calibrator ``CalibratedClassifierCV`` fits for one theme (a two-class problem): taken
    directly, because hundreds of themes x folds x candidates make its per-call checks the cost."""
    if method == "sigmoid":
        return _SigmoidCalibration()
    if method == "isotonic":
        return IsotonicRegression(out_of_bounds="clip")
    raise ValueError(f"Theme calibration must be sigmoid or isotonic, not {method!r}.")


def category_scores(
    classifier: str,
    classes: Sequence[Hashable],
    candidate: tuple,
    fit_matrix: Any,
    labels: np.ndarray,
    test_matrix: Any,
) -> np.ndarray:
    """Decision values (test rows x ``classes``; one column for two classes) of one linear model."""
    model = linear_model(classifier, *candidate).fit(fit_matrix, labels)
    values = model.decision_function(test_matrix)
    if values.ndim == 1:
        if len(classes) == 2:
            return values[:, None]
        values = np.column_stack([-values, values])  # a fold with only two of the classes
    # A class missing from this fold's training rows (possible with grouped folds) ranks last.
    aligned = np.repeat(values.min(axis=1, keepdims=True), len(classes), axis=1)
    aligned[:, np.searchsorted(classes, model.classes_)] = values
    return aligned


def theme_scores(
    classifier: str, candidate: tuple, fit_matrix: Any, targets: np.ndarray, test_matrix: Any
) -> np.ndarray:
    """Decision values (test rows x themes) of one binary linear model per theme; NaN for a theme with
    too few positive or negative rows to learn from in this fold."""
    values = np.full((test_matrix.shape[0], targets.shape[1]), np.nan)
    for theme in range(targets.shape[1]):
        positives = int(targets[:, theme].sum())
        if min(positives, len(targets) - positives) < MIN_ROWS_PER_SIDE:
            continue
        model = linear_model(classifier, *candidate).fit(fit_matrix, targets[:, theme])
        values[:, theme] = model.decision_function(test_matrix)
    return values


def _fold_features(
    normalised: pd.DataFrame, fit_rows: np.ndarray, test_rows: np.ndarray, features: FeaturesConfig, text: TextConfig
) -> tuple[Any, Any]:
    """One fold's (fit, test) feature matrices, the features fitted on the fold's fit rows only."""
    transformer = build_text_features(features, text, normalise=False)
    return transformer.fit_transform(normalised.iloc[fit_rows]), transformer.transform(normalised.iloc[test_rows])


def out_of_fold_scores(
    normalised: pd.DataFrame,
    targets: np.ndarray,
    splits: Splits,
    candidates: Sequence[tuple],
    scorer: Callable[..., np.ndarray],
    features: FeaturesConfig,
    text: TextConfig,
    progress: Progress | None = None,
    rank: Callable[[dict[tuple, np.ndarray], Splits], list[tuple]] | None = None,
    final_inputs: pd.DataFrame | None = None,
    case_ref_patterns: Sequence[str] = (),
    final_config: FeaturesConfig | None = None,
) -> tuple[dict[tuple, np.ndarray], tuple[Any, Any] | None]:
    """Out-of-fold decision values of the (C, class weight) candidates for every row of ``normalised``
    (already masked and normalised text). ``scorer(candidate, fit_matrix, fit_targets, test_matrix)``
    fits and scores one candidate.

    Each fold's features are fitted once; then every (fold, candidate) fit is a task of its own, so
    both cores stay busy whatever the number of folds. With ``rank`` (candidates best first, judged
    on the rows of the folds scored so far) this is successive halving: every candidate is scored on
    the first ``HALVING_FOLDS`` folds, and only the best third (at least two) goes on to the rest; the
    result holds those. ``progress(done, total)`` is called as tasks finish; the total counts one more step, the
    final fit.

    With ``final_inputs`` (the raw model inputs of every row) the saved model's features are fitted on
    them as one more task beside the folds' (where a worker would otherwise wait), and returned with
    their matrix: ``(scores, (fitted features, matrix))``; otherwise ``(scores, None)``. Their masking
    carries ``case_ref_patterns`` (``privacy.case_ref_patterns``). ``final_config`` (default ``features``)
    configures them when they hold more than the folds' linear models read (sentence embeddings for a
    head of their own).
    """
    halving = (
        rank is not None and len(candidates) > 2 and len(splits) > HALVING_FOLDS and len(normalised) >= HALVING_MIN_ROWS
    )
    first = HALVING_FOLDS if halving else len(splits)
    kept = max(2, math.ceil(len(candidates) / KEEP_SHARE)) if halving else len(candidates)
    workers = worker_count(len(normalised), len(splits) * len(candidates))
    fold_tasks = [
        delayed(_fold_features)(normalised, fit_rows, test_rows, features, text) for fit_rows, test_rows in splits
    ]
    final_task = (
        []
        if final_inputs is None
        else [delayed(final_features)(final_inputs, final_config or features, text, case_ref_patterns)]
    )
    matrices = Parallel(n_jobs=workers)(fold_tasks + final_task)
    final = matrices.pop() if final_inputs is not None else None
    total = len(splits) + first * len(candidates) + (len(splits) - first) * kept + 1
    done = len(splits)
    if progress:
        progress(done, total)
    scores: dict[tuple, np.ndarray] = {}

    def run(tasks: list[tuple[int, tuple]]) -> None:
        nonlocal done
        finished = Parallel(n_jobs=workers, return_as="generator")(
            delayed(scorer)(candidate, matrices[fold][0], targets[splits[fold][0]], matrices[fold][1])
            for fold, candidate in tasks
        )
        for (fold, candidate), values in zip(tasks, finished, strict=True):
            scores.setdefault(candidate, np.zeros((len(normalised), values.shape[1])))[splits[fold][1]] = values
            done += 1
            if progress:
                progress(done, total)

    run([(fold, candidate) for fold in range(first) for candidate in candidates])
    if halving:
        best = set(rank(scores, splits[:first])[:kept])
        survivors = [candidate for candidate in candidates if candidate in best]
        log.info(
            "Set aside after %d of %d folds (behind the best third): %s",
            first,
            len(splits),
            "; ".join(f"C={c[0]}, class_weight={c[1]}" for c in candidates if c not in best),
        )
        scores = {candidate: scores[candidate] for candidate in survivors}
        run([(fold, candidate) for fold in range(first, len(splits)) for candidate in survivors])
    return scores, final


def final_features(
    inputs: pd.DataFrame, features: FeaturesConfig, text: TextConfig, case_ref_patterns: Sequence[str] = ()
) -> tuple[Any, Any]:
    """The saved model's features (masking and normalising included) fitted on every training row, and
    their matrix."""
    transformer = build_text_features(features, text, case_ref_patterns=case_ref_patterns)
    return transformer, transformer.fit_transform(inputs)


def category_ranking(labels: np.ndarray, methods: Sequence[str]) -> Callable[[dict, Splits], list[tuple]]:
    """Rank (C, class weight) candidates by their best macro-F1 over the calibration ``methods``, on
    the rows of the folds scored so far (each fold calibrated on the others)."""

    def rank(scores: dict[tuple, np.ndarray], scored: Splits) -> list[tuple]:
        tests = [test_rows for _, test_rows in scored]
        crossed = [(np.concatenate(tests[:i] + tests[i + 1 :]), test_rows) for i, test_rows in enumerate(tests)]
        rows = np.concatenate(tests)
        classes = np.unique(labels)

        def macro_f1(values: np.ndarray, method: str) -> float:
            predicted = classes[calibrate_out_of_fold(values, labels, crossed, method)[rows].argmax(axis=1)]
            return f1_score(labels[rows], predicted, average="macro", zero_division=0)

        best = {candidate: max(macro_f1(values, method) for method in methods) for candidate, values in scores.items()}
        return sorted(best, key=lambda candidate: -best[candidate])

    return rank


FUSION_STEP = 0.1  # fusion weights are searched on a grid of this step (each head's weight, summing to one)
EMBEDDING_C = (0.3, 1.0, 3.0, 10.0)  # the embedding head's regularisation, chosen out of fold


def embedding_out_of_fold(vectors: np.ndarray, labels: np.ndarray, splits: Splits) -> tuple[float, np.ndarray]:
    """The embedding head's C (best out-of-fold macro-F1) and its out-of-fold probabilities (rows x
    classes, classes sorted): a class-balanced logistic regression on the sentence embeddings, which
    learn nothing from the rows, so no features are refitted per fold."""
    classes = np.unique(labels)
    best: tuple[float, float, np.ndarray] | None = None
    for C in EMBEDDING_C:
        probabilities = np.zeros((len(labels), len(classes)))
        for fit_rows, test_rows in splits:
            model = linear_model("logistic_regression", C, "balanced").fit(vectors[fit_rows], labels[fit_rows])
            probabilities[np.ix_(test_rows, np.searchsorted(classes, model.classes_))] = model.predict_proba(
                vectors[test_rows]
            )
        found = f1_score(labels, classes[probabilities.argmax(axis=1)], average="macro", zero_division=0)
        if best is None or found > best[1] + 1e-9:
            best = (C, found, probabilities)
    return best[0], best[2]


def fusion_weights(
    heads: Sequence[np.ndarray], labels: np.ndarray, powers: Sequence[float]
) -> tuple[tuple[float, ...], float, np.ndarray]:
    """The weights of the heads' out-of-fold probabilities, and the prior power, whose fused
    suggestions have the best macro-F1 on the training rows (ties: more weight on the first head, then
    the lower power); with the fused out-of-fold probabilities."""
    from pipeline.modelling.model import prior_corrected

    classes = np.unique(labels)
    priors = np.bincount(np.searchsorted(classes, labels), minlength=len(classes)) / len(labels)
    steps = round(1 / FUSION_STEP)
    grid = [weights for weights in itertools.product(range(steps, -1, -1), repeat=len(heads)) if sum(weights) == steps]
    best: tuple[float, tuple[float, ...], float, np.ndarray] | None = None
    for weights in grid:
        mixed = sum(weight / steps * head for weight, head in zip(weights, heads, strict=True) if weight)
        for power in sorted(powers):
            fused = prior_corrected(mixed, priors, power)
            found = f1_score(labels, classes[fused.argmax(axis=1)], average="macro", zero_division=0)
            if best is None or found > best[0] + 1e-9:
                best = (found, tuple(weight / steps for weight in weights), power, fused)
    return best[1], best[2], best[3]

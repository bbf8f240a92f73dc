"""Training rows + params -> fitted pipelines, every choice made by cross-validation on those rows only.

``train`` fits the category model (one label per complaint); ``train_themes`` fits the theme model
(any number of themes per complaint) and tunes a decision threshold per theme on out-of-fold
probabilities. The holdout never reaches this module, so nothing about it can leak into a choice.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline as SkPipeline

from pipeline.config import EvaluateConfig, Params
from pipeline.data.schema import DataContractError
from pipeline.language import IdentifierMasker, normalise_texts
from pipeline.modelling.embeddings import SentenceEmbedder, embedding_columns
from pipeline.modelling.features import TEAM_COLUMN, TEXT_COLUMN, build_text_features, model_columns, model_inputs
from pipeline.modelling.metrics import (
    classification_metrics,
    multilabel_metrics,
    threshold_for_precision,
    tune_thresholds,
)
from pipeline.modelling.model import (
    ThemeCalibration,
    TopLabelCalibrated,
    build_classifier,
    build_theme_head,
    calibrated_from_out_of_fold,
    calibrated_probabilities,
    decision_columns,
    fit_calibrators,
    linear_model,
)

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (steps done, steps in all)
Candidate = tuple  # (C, class_weight) for themes; (C, class_weight, calibration) for categories


@dataclass(frozen=True)
class TrainedCategoryModel:
    model: SkPipeline
    classes: tuple[str, ...]
    chosen_C: float
    chosen_class_weight: str | None
    calibration_folds: int
    cv_folds: int
    cv_metrics: dict[str, Any]
    cv_search: dict[str, dict[str, float]] = field(default_factory=dict)
    suggestion_threshold: float = 0.6  # below it a suggestion needs review
    threshold_source: str = "params"  # params | target precision on out-of-fold predictions
    chosen_calibration: str = "isotonic"
    confidence_calibration: str = "none"  # top_label: the first suggestion's confidence is remapped
    input_columns: tuple[str, ...] = (TEXT_COLUMN,)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classes

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities (rows x categories) for the rows of ``frame``."""
        return self.model.predict_proba(model_inputs(frame, self.input_columns))


@dataclass(frozen=True)
class TrainedThemeModel:
    model: SkPipeline
    theme_ids: tuple[str, ...]
    thresholds: tuple[float, ...]
    chosen_C: float
    chosen_class_weight: str | None
    cv_folds: int
    cv_metrics: dict[str, Any]
    cv_search: dict[str, dict[str, float]] = field(default_factory=dict)
    input_columns: tuple[str, ...] = (TEXT_COLUMN,)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.theme_ids

    @property
    def theme_thresholds(self) -> np.ndarray:
        return np.asarray(self.thresholds, dtype=float)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Theme probabilities (rows x themes) for the rows of ``frame``."""
        return self.model.predict_proba(model_inputs(frame, self.input_columns))

    def predict(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Theme probabilities (rows x themes) and the themes at or above each threshold."""
        probabilities = self.predict_proba(frame)
        return probabilities, probabilities >= np.asarray(self.thresholds)[None, :]


def _calibration_folds(labels: pd.Series, wanted: int) -> int:
    """As many calibration folds as asked, but no more than the smallest category has rows."""
    return max(2, min(wanted, int(labels.value_counts().min())))


def _normalised(frame: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Mask and normalise the training texts once, for every fold and candidate.

    Masking learns only which words the training texts write in lower case (no labels), so it is
    fitted once on all training rows.
    """
    masked = IdentifierMasker(params.text.mask_identifiers, params.text.mask_names).fit_transform(frame[TEXT_COLUMN])
    normalised = pd.DataFrame({TEXT_COLUMN: normalise_texts(masked, params.text.lemmatize, params.text.batch_size)})
    if params.features.team:
        normalised[TEAM_COLUMN] = model_inputs(frame, [TEAM_COLUMN])[TEAM_COLUMN].to_numpy()
    if params.features.embeddings == "none":
        return normalised
    # Embedding is the slow step: embed every training row once, as the saved model would.
    embedder = SentenceEmbedder(params.features.embeddings, params.features.embedding_weight).fit(masked)
    vectors = pd.DataFrame(embedder.transform(masked), columns=embedding_columns(embedder.n_features_out_))
    return pd.concat([normalised, vectors], axis=1)


def _splits(frame: pd.DataFrame, labels: np.ndarray | None, n_folds: int, params: Params) -> list:
    """Cross-validation folds: stratified by category when there is one, grouped by complainant when
    the holdout is split by group (so no complainant is on both sides of a fold either)."""
    seed = params.prepare.random_state
    grouped = params.prepare.split == "group" and frame["group"].notna().all()
    groups = frame["group"].astype(object).to_numpy() if grouped else None
    if labels is not None:
        splitter = (
            StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)
            if grouped
            else StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        )
        return list(splitter.split(frame, labels, groups))
    splitter = GroupKFold(n_folds) if grouped else KFold(n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(frame, groups=groups))


FitDecisions = Callable[[Any, np.ndarray, Any], np.ndarray]  # (fit matrix, fit rows, test matrix) -> decisions


def _fold_decisions(
    normalised: pd.DataFrame, fit_rows: np.ndarray, test_rows: np.ndarray, fit_decisions: FitDecisions, params: Params
) -> np.ndarray:
    """One fold: features fitted on its fit rows (so nothing of its test rows leaks into them),
    then every candidate's decision values on its test rows."""
    features = build_text_features(params.features, params.text, normalise=False)
    fit_matrix = features.fit_transform(normalised.iloc[fit_rows])
    return fit_decisions(fit_matrix, fit_rows, features.transform(normalised.iloc[test_rows]))


def _final_features(frame: pd.DataFrame, params: Params) -> tuple[Any, Any]:
    """The saved model's features (masking and normalising included) fitted on every training row."""
    features = build_text_features(params.features, params.text)
    return features, features.fit_transform(model_inputs(frame, model_columns(params.features)))


def _out_of_fold(
    frame: pd.DataFrame,
    normalised: pd.DataFrame,
    splits: list,
    fit_decisions: FitDecisions,
    params: Params,
    progress: Progress | None,
) -> tuple[np.ndarray, tuple[Any, Any]]:
    """Out-of-fold decision values of every candidate (``fit_decisions`` stacks them in columns), and
    the final model's fitted features and training matrix.

    Features are fitted once per fold and every candidate's linear model reuses them; calibration
    is then fitted on these decision values, with no second cross-validation inside each fold. The
    folds and the final features (which do not depend on the choice) run in parallel, a process each.
    """
    jobs = [delayed(_fold_decisions)(normalised, fit, test, fit_decisions, params) for fit, test in splits]
    jobs.append(delayed(_final_features)(frame, params))
    n_jobs = max(1, min(len(jobs), joblib.cpu_count()))
    decisions = None
    final = None
    # Results come back in order, so progress is reported fold by fold as before.
    for done, result in enumerate(Parallel(n_jobs=n_jobs, return_as="generator")(jobs), start=1):
        if done > len(splits):
            final = result
            continue
        test_rows = splits[done - 1][1]
        if decisions is None:
            decisions = np.zeros((len(normalised), result.shape[1]))
        decisions[test_rows] = result
        if progress:
            progress(done, len(splits) + 1)
    return decisions, final


def _cross_fitted(
    decisions: np.ndarray,
    splits: list,
    fit: Callable[[np.ndarray], Any],
    apply: Callable[[Any, np.ndarray], np.ndarray],
    width: int,
) -> np.ndarray:
    """Out-of-fold probabilities from out-of-fold decision values: each fold's rows are calibrated by
    calibrators fitted on the other folds' rows (``fit(rows)``, ``apply(calibrators, rows)``), so the
    probabilities that judge a calibration method never come from a calibrator that saw their labels."""
    probabilities = np.zeros((len(decisions), width))
    for fit_rows, test_rows in splits:
        probabilities[test_rows] = apply(fit(fit_rows), test_rows)
    return probabilities


def _describe(candidate: Candidate) -> str:
    calibration = f", calibration={candidate[2]}" if len(candidate) > 2 else ""
    return f"C={candidate[0]}, class_weight={candidate[1]}{calibration}"


@dataclass(frozen=True)
class CategorySearch:
    """Out-of-fold probabilities of every candidate on the training rows, and the one chosen."""

    classes: list[str]
    labels: np.ndarray
    n_folds: int
    out_of_fold: dict[Candidate, np.ndarray]
    metrics: dict[Candidate, dict[str, Any]]
    chosen: Candidate
    decisions: dict[Candidate, np.ndarray]  # out-of-fold decision values per (C, class_weight)
    features: tuple[Any, Any]  # the final features fitted on every row, and their matrix


def search_categories(frame: pd.DataFrame, params: Params, progress: Progress | None = None) -> CategorySearch:
    """Cross-validate every (C, class weight, calibration) candidate on ``frame``; choose by macro-F1.

    ``progress(done, total)`` is called after each fold (the total counts one more step, the final fit).
    """
    if frame.empty:
        raise DataContractError("No training rows are left after validation and preparation.")
    labels = frame["category"].astype(object).to_numpy()
    classes = sorted(set(labels))
    n_folds = min(params.evaluate.cv_folds, int(pd.Series(labels).value_counts().min()))
    if n_folds < 2:
        raise DataContractError("Every category needs at least two training rows for cross-validation.")

    pairs = _linear_candidates(params.train.candidates())
    width = 1 if len(classes) == 2 else len(classes)

    def fit_decisions(fit_matrix, fit_rows, test_matrix) -> np.ndarray:
        # Stratified folds (no more than the smallest category has rows) give every class to every fit.
        return np.hstack(
            [
                decision_columns(
                    linear_model(params.train.classifier, C, weight, max_iter=5000).fit(fit_matrix, labels[fit_rows]),
                    test_matrix,
                )
                for C, weight in pairs
            ]
        )

    splits = _splits(frame, labels, n_folds, params)
    stacked, final = _out_of_fold(frame, _normalised(frame, params), splits, fit_decisions, params, progress)
    decisions = {pair: stacked[:, index * width : (index + 1) * width] for index, pair in enumerate(pairs)}
    out_of_fold = {
        candidate: _cross_fitted(
            decisions[candidate[:2]],
            splits,
            lambda rows, candidate=candidate: fit_calibrators(
                decisions[candidate[:2]][rows], labels[rows], np.asarray(classes), candidate[2]
            ),
            lambda calibrators, rows, candidate=candidate: calibrated_probabilities(
                calibrators, decisions[candidate[:2]][rows], len(classes)
            ),
            len(classes),
        )
        for candidate in params.train.candidates()
    }
    evaluate = params.evaluate
    metrics = {
        candidate: classification_metrics(
            labels, proba, classes, evaluate.top_k, evaluate.suggestion_threshold, evaluate.calibration_bins
        )
        for candidate, proba in out_of_fold.items()
    }
    for candidate, found in metrics.items():
        log.info(
            "%s: cross-validated macro-F1 %.3f, accuracy %.3f",
            _describe(candidate),
            found["macro_f1"],
            found["accuracy"],
        )
    chosen = max(metrics, key=lambda candidate: metrics[candidate]["macro_f1"])
    return CategorySearch(classes, labels, n_folds, out_of_fold, metrics, chosen, decisions, final)


def train(frame: pd.DataFrame, params: Params, progress: Progress | None = None) -> TrainedCategoryModel:
    """Pick C, class weighting and calibration by stratified cross-validation (macro-F1) on ``frame``,
    then fit on all of it. With ``train.confidence_calibration: top_label`` the first suggestion's
    confidence is then remapped to the chosen candidate's out-of-fold accuracy.

    ``progress(done, total)`` is called after each cross-validation fold and after the final fit.
    """
    searched = search_categories(frame, params, progress)
    labels, classes, chosen, search = searched.labels, searched.classes, searched.chosen, searched.metrics
    evaluate = params.evaluate
    chosen_probabilities = searched.out_of_fold[chosen]
    calibration_folds = _calibration_folds(frame["category"], params.train.calibration_folds)
    model = _fit_category_model(searched, params, calibration_folds)
    if params.train.confidence_calibration == "top_label":
        correct = np.asarray(classes, dtype=object)[chosen_probabilities.argmax(axis=1)] == labels
        head = TopLabelCalibrated.from_out_of_fold(
            model.named_steps["classifier"], chosen_probabilities.max(axis=1), correct
        )
        model.steps[-1] = ("classifier", head)
        chosen_probabilities = head.remap(chosen_probabilities)
    threshold, source = _suggestion_threshold(labels, chosen_probabilities, classes, evaluate)
    if progress:
        progress(searched.n_folds + 1, searched.n_folds + 1)
    return TrainedCategoryModel(
        model=model,
        classes=tuple(str(label) for label in model.classes_),
        chosen_C=chosen[0],
        chosen_class_weight=chosen[1],
        chosen_calibration=chosen[2],
        confidence_calibration=params.train.confidence_calibration,
        calibration_folds=calibration_folds,
        cv_folds=searched.n_folds,
        cv_metrics=search[chosen],
        cv_search={
            _describe(candidate): {key: metrics[key] for key in ("macro_f1", "accuracy", "ece")}
            for candidate, metrics in search.items()
        },
        suggestion_threshold=threshold,
        threshold_source=source,
        input_columns=model_columns(params.features),
    )


def _fit_category_model(searched: CategorySearch, params: Params, calibration_folds: int) -> SkPipeline:
    """The chosen candidate on every training row, on the final features the search already fitted.

    Without a fold ensemble the linear model is fitted once and calibrated on the search's
    out-of-fold decision values (what CalibratedClassifierCV(ensemble=False) does with an inner
    cross-validation of its own); with one, CalibratedClassifierCV fits its fold models as before.
    """
    features, matrix = searched.features
    head = build_classifier(params.train, *searched.chosen, calibration_folds)
    if params.train.calibration_ensemble:
        head.fit(matrix, searched.labels)
    else:
        fitted = clone(head.estimator).fit(matrix, searched.labels)
        head = calibrated_from_out_of_fold(head, fitted, searched.decisions[searched.chosen[:2]], searched.labels)
    return SkPipeline([("features", features), ("classifier", head)])


def _linear_candidates(candidates: Sequence[Candidate]) -> list[tuple[float, str | None]]:
    """The distinct (C, class_weight) pairs: one linear model each per fold, whatever the calibration."""
    return list(dict.fromkeys(candidate[:2] for candidate in candidates))


def _suggestion_threshold(
    labels: np.ndarray, out_of_fold: np.ndarray, classes: Sequence[str], config: EvaluateConfig
) -> tuple[float, str]:
    """The configured threshold, or with ``target_precision`` the one out-of-fold predictions support."""
    if config.target_precision is None:
        return config.suggestion_threshold, "params"
    predicted = np.asarray(classes, dtype=object)[out_of_fold.argmax(axis=1)]
    found = threshold_for_precision(
        out_of_fold.max(axis=1), predicted == labels, config.target_precision, config.target_precision_level
    )
    if found is None:
        log.warning(
            "No threshold makes %.0f%% of out-of-fold suggestions right; using suggestion_threshold %.2f.",
            100 * config.target_precision,
            config.suggestion_threshold,
        )
        return config.suggestion_threshold, "params (target precision not reachable)"
    certainty = f" ({config.target_precision_level:.0%} lower bound)" if config.target_precision_level > 0.5 else ""
    # Rounded down: remapped confidences share a few values, and rounding up would drop a whole level.
    return math.floor(
        found * 10_000
    ) / 10_000, f"{config.target_precision:.0%} of out-of-fold suggestions right{certainty}"


def _theme_decisions(
    params: Params, C: float, class_weight: str | None, fit_matrix: Any, fit_targets: np.ndarray, test_matrix: Any
) -> np.ndarray:
    """Decision values (test rows x themes) of one linear model per theme fitted on the fit rows; a
    theme the fit rows never (or always) carry scores 0 (its calibration then gives it its base rate)."""
    decisions = np.zeros((test_matrix.shape[0], fit_targets.shape[1]))
    for column in range(fit_targets.shape[1]):
        target = fit_targets[:, column]
        if 0 < target.sum() < len(target):
            model = linear_model(params.themes.classifier, C, class_weight).fit(fit_matrix, target)
            decisions[:, column] = decision_columns(model, test_matrix)[:, 0]
    return decisions


def train_themes(
    frame: pd.DataFrame,
    targets: np.ndarray,
    theme_ids: Sequence[str],
    params: Params,
    progress: Progress | None = None,
    target_recall: float | None = None,
) -> TrainedThemeModel:
    """Fit one calibrated linear model per theme on ``targets`` (rows x themes, 0/1).

    C and class weighting are chosen, and a threshold per theme tuned, on out-of-fold probabilities
    from cross-validation inside ``frame``: the validation data is always training data. With
    ``target_recall`` (weak labels) each threshold recovers that share of the labelled positives
    instead of maximising F1 against labels that are only partly known.
    """
    targets = np.asarray(targets, dtype=int)
    if frame.empty or targets.shape != (len(frame), len(theme_ids)):
        raise DataContractError("Theme training needs one row of theme labels per training complaint.")
    n_folds = params.evaluate.cv_folds

    candidates = params.themes.candidates()
    width = len(theme_ids)

    def fit_decisions(fit_matrix, fit_rows, test_matrix) -> np.ndarray:
        return np.hstack(
            [
                _theme_decisions(params, *candidate, fit_matrix, targets[fit_rows], test_matrix)
                for candidate in candidates
            ]
        )

    splits = _splits(frame, None, n_folds, params)
    stacked, (features, matrix) = _out_of_fold(
        frame, _normalised(frame, params), splits, fit_decisions, params, progress
    )
    decisions = {
        candidate: stacked[:, index * width : (index + 1) * width] for index, candidate in enumerate(candidates)
    }
    out_of_fold = {
        candidate: _cross_fitted(
            decisions[candidate],
            splits,
            lambda rows, candidate=candidate: ThemeCalibration.fit(
                build_theme_head(params.themes, *candidate), decisions[candidate][rows], targets[rows]
            ),
            lambda calibration, rows, candidate=candidate: calibration.probabilities(decisions[candidate][rows]),
            width,
        )
        for candidate in candidates
    }
    search = {}
    for candidate, proba in out_of_fold.items():
        thresholds = tune_thresholds(targets, proba, recall=target_recall)
        search[candidate] = (multilabel_metrics(targets, proba, thresholds, theme_ids), thresholds)
        log.info(
            "themes %s: cross-validated micro-F1 %.3f, macro-F1 %.3f",
            _describe(candidate),
            search[candidate][0]["micro_f1"],
            search[candidate][0]["macro_f1"],
        )
    chosen = max(search, key=lambda candidate: search[candidate][0]["macro_f1"])
    cv_metrics, thresholds = search[chosen]

    head = build_theme_head(params.themes, *chosen).fit_from_out_of_fold(matrix, targets, decisions[chosen])
    model = SkPipeline([("features", features), ("classifier", head.set_thresholds(thresholds))])
    if progress:
        progress(len(splits) + 1, len(splits) + 1)
    return TrainedThemeModel(
        model=model,
        theme_ids=tuple(theme_ids),
        thresholds=tuple(float(t) for t in thresholds),
        chosen_C=chosen[0],
        chosen_class_weight=chosen[1],
        cv_folds=n_folds,
        cv_metrics=cv_metrics,
        cv_search={
            _describe(candidate): {key: metrics[key] for key in ("micro_f1", "macro_f1")}
            for candidate, (metrics, _) in search.items()
        },
        input_columns=model_columns(params.features),
    )

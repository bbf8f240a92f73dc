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

import numpy as np
import pandas as pd
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
    TopLabelCalibrated,
    build_category_model,
    build_classifier,
    build_theme_head,
    build_theme_model,
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


def _out_of_fold(
    normalised: pd.DataFrame,
    splits: list,
    candidates: Sequence[Candidate],
    fit_predict: Callable[[Candidate, Any, np.ndarray, Any], np.ndarray],
    width: int,
    params: Params,
    progress: Progress | None,
) -> dict[Candidate, np.ndarray]:
    """Out-of-fold probabilities (rows x ``width``) for every candidate.

    Features are fitted once per fold and only the head is refitted per candidate: the same
    computation as fitting the whole pipeline each time, several times faster.
    """
    probabilities = {candidate: np.zeros((len(normalised), width)) for candidate in candidates}
    for done, (fit_rows, test_rows) in enumerate(splits, start=1):
        features = build_text_features(params.features, params.text, normalise=False)
        fit_matrix = features.fit_transform(normalised.iloc[fit_rows])
        test_matrix = features.transform(normalised.iloc[test_rows])
        for candidate in candidates:
            probabilities[candidate][test_rows] = fit_predict(candidate, fit_matrix, fit_rows, test_matrix)
        if progress:
            progress(done, len(splits) + 1)
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

    def fit_predict(candidate: Candidate, fit_matrix, fit_rows, test_matrix) -> np.ndarray:
        folds = _calibration_folds(pd.Series(labels[fit_rows]), params.train.calibration_folds)
        head = build_classifier(params.train, *candidate, folds).fit(fit_matrix, labels[fit_rows])
        aligned = np.zeros((test_matrix.shape[0], len(classes)))
        aligned[:, [classes.index(label) for label in head.classes_]] = head.predict_proba(test_matrix)
        return aligned

    splits = _splits(frame, labels, n_folds, params)
    out_of_fold = _out_of_fold(
        _normalised(frame, params), splits, params.train.candidates(), fit_predict, len(classes), params, progress
    )
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
    return CategorySearch(classes, labels, n_folds, out_of_fold, metrics, chosen)


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
    columns = model_columns(params.features)
    model = build_category_model(params, *chosen, calibration_folds).fit(model_inputs(frame, columns), labels)
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
        input_columns=columns,
    )


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

    def fit_predict(candidate: Candidate, fit_matrix, fit_rows, test_matrix) -> np.ndarray:
        head = build_theme_head(params.themes, *candidate).fit(fit_matrix, targets[fit_rows])
        return head.predict_proba(test_matrix)

    splits = _splits(frame, None, n_folds, params)
    out_of_fold = _out_of_fold(
        _normalised(frame, params), splits, params.themes.candidates(), fit_predict, len(theme_ids), params, progress
    )
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

    columns = model_columns(params.features)
    model = build_theme_model(params, *chosen).fit(model_inputs(frame, columns), targets)
    model.named_steps["classifier"].set_thresholds(thresholds)
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
        input_columns=columns,
    )

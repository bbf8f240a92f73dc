"""Training rows + params -> the fitted category pipeline, chosen by cross-validation on those rows only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline as SkPipeline

from pipeline.config import Params
from pipeline.features import build_text_features
from pipeline.metrics import classification_metrics
from pipeline.model import build_category_model, build_classifier
from pipeline.schema import DataContractError
from pipeline.text import IdentifierMasker, normalise_texts

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (steps done, steps in all)


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


def _calibration_folds(labels: pd.Series, wanted: int) -> int:
    """As many calibration folds as asked, but no more than the smallest category has rows."""
    return max(2, min(wanted, int(labels.value_counts().min())))


def _cross_validated_probabilities(
    frame: pd.DataFrame, params: Params, progress: Progress | None
) -> tuple[dict[tuple[float, str | None], np.ndarray], list[str], int]:
    """Out-of-fold probabilities for every (C, class_weight) in the search, on ``frame`` only.

    The text is normalised once and the features fitted once per fold; only the classifier is
    refitted per candidate. That is the same computation as fitting the whole pipeline each time.
    """
    labels = frame["category"].astype(object).to_numpy()
    classes = sorted(set(labels))
    n_folds = min(params.evaluate.cv_folds, int(pd.Series(labels).value_counts().min()))
    if n_folds < 2:
        raise DataContractError("Every category needs at least two training rows for cross-validation.")
    # Masking learns only which words the training texts write in lower case (no labels), so it is
    # fitted once on all training rows; the holdout is never seen here.
    masked = IdentifierMasker(params.text.mask_identifiers, params.text.mask_names).fit_transform(frame["description"])
    normalised = pd.DataFrame({"description": normalise_texts(masked, params.text.lemmatize, params.text.batch_size)})
    candidates = params.train.candidates()
    probabilities = {candidate: np.zeros((len(frame), len(classes))) for candidate in candidates}
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=params.prepare.random_state)
    for done, (fit_rows, test_rows) in enumerate(splitter.split(normalised, labels), start=1):
        features = build_text_features(params.features, params.text, normalise=False)
        fit_matrix = features.fit_transform(normalised.iloc[fit_rows])
        test_matrix = features.transform(normalised.iloc[test_rows])
        folds = _calibration_folds(pd.Series(labels[fit_rows]), params.train.calibration_folds)
        for C, class_weight in candidates:
            classifier = build_classifier(params.train, C, class_weight, folds).fit(fit_matrix, labels[fit_rows])
            columns = [classes.index(label) for label in classifier.classes_]
            probabilities[C, class_weight][np.ix_(test_rows, columns)] = classifier.predict_proba(test_matrix)
        if progress:
            progress(done, n_folds + 1)
    return probabilities, classes, n_folds


def train(frame: pd.DataFrame, params: Params, progress: Progress | None = None) -> TrainedCategoryModel:
    """Pick C and class weighting by stratified cross-validation (macro-F1) on ``frame``, then fit on all of it.

    The holdout never reaches this function, so nothing about it can leak into the choice.
    ``progress(done, total)`` is called after each cross-validation fold and after the final fit.
    """
    if frame.empty:
        raise DataContractError("No training rows are left after validation and preparation.")
    labels = frame["category"].astype(object)
    probabilities, classes, n_folds = _cross_validated_probabilities(frame, params, progress)
    evaluate = params.evaluate
    search = {
        candidate: classification_metrics(
            labels, proba, classes, evaluate.top_k, evaluate.suggestion_threshold, evaluate.calibration_bins
        )
        for candidate, proba in probabilities.items()
    }
    for (C, weight), metrics in search.items():
        log.info(
            "C=%s, class_weight=%s: cross-validated macro-F1 %.3f, accuracy %.3f",
            C,
            weight,
            metrics["macro_f1"],
            metrics["accuracy"],
        )
    chosen = max(search, key=lambda candidate: search[candidate]["macro_f1"])
    chosen_C, chosen_weight = chosen

    calibration_folds = _calibration_folds(frame["category"], params.train.calibration_folds)
    model = build_category_model(params, chosen_C, chosen_weight, calibration_folds)
    model.fit(frame[["description"]], labels)
    if progress:
        progress(n_folds + 1, n_folds + 1)
    return TrainedCategoryModel(
        model=model,
        classes=tuple(str(label) for label in model.classes_),
        chosen_C=chosen_C,
        chosen_class_weight=chosen_weight,
        calibration_folds=calibration_folds,
        cv_folds=n_folds,
        cv_metrics=search[chosen],
        cv_search={
            f"C={C}, class_weight={weight}": {key: metrics[key] for key in ("macro_f1", "accuracy", "ece")}
            for (C, weight), metrics in search.items()
        },
    )

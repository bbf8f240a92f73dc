"""Build the category estimator: shared text features -> calibrated linear classifier."""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.svm import LinearSVC

from pipeline.config import Params, TrainConfig
from pipeline.features import build_text_features


def build_classifier(
    train: TrainConfig, C: float, class_weight: str | None, calibration_folds: int
) -> CalibratedClassifierCV:
    """Unfitted linear classifier whose probabilities are calibrated by internal cross-validation.

    ``C`` and ``class_weight`` come from the search; ``calibration_folds`` is passed in because the
    smallest category in the data bounds it.
    """
    if train.classifier == "linear_svc":
        base = LinearSVC(C=C, class_weight=class_weight)
    else:
        base = LogisticRegression(C=C, class_weight=class_weight, max_iter=5000)
    return CalibratedClassifierCV(
        base, method=train.calibration, cv=calibration_folds, ensemble=train.calibration_ensemble
    )


def build_category_model(
    params: Params, C: float, class_weight: str | None, calibration_folds: int, normalise: bool = True
) -> SkPipeline:
    """Unfitted pipeline: DataFrame with ``description`` -> calibrated probabilities per category."""
    return SkPipeline(
        [
            ("features", build_text_features(params.features, params.text, normalise)),
            ("classifier", build_classifier(params.train, C, class_weight, calibration_folds)),
        ]
    )

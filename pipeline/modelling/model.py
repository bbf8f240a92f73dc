"""Build the estimators: shared text features -> calibrated linear heads (one category, or many themes)."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.svm import LinearSVC

from pipeline.config import Params, ThemesConfig, TrainConfig
from pipeline.modelling.features import build_text_features


def build_classifier(
    train: TrainConfig, C: float, class_weight: str | None, calibration: str, calibration_folds: int
) -> CalibratedClassifierCV:
    """Unfitted linear classifier whose probabilities are calibrated by internal cross-validation.

    ``C``, ``class_weight`` and ``calibration`` come from the search; ``calibration_folds`` is passed
    in because the smallest category in the data bounds it.
    """
    base = linear_model(train.classifier, C, class_weight)
    return CalibratedClassifierCV(base, method=calibration, cv=calibration_folds, ensemble=train.calibration_ensemble)


def build_fused_head(linear: CalibratedClassifierCV, features: Any, fusion: Any) -> FusedHeads:
    """Unfitted late fusion of ``linear`` (the calibrated TF-IDF head) and the other heads in
    ``fusion.heads``, with ``fusion``'s weights and prior power. ``features`` is the fitted feature
    step: each head reads its own block of its output (the linear head every block but the embeddings)."""
    blocks = features.output_indices_
    embedding = blocks.get("embedding", slice(0, 0))
    width = max(block.stop for block in blocks.values())
    linear_columns = np.setdiff1d(np.arange(width), np.arange(embedding.start, embedding.stop))
    heads, columns = [linear], [linear_columns]
    if "embedding" in fusion.heads:
        heads.append(linear_model("logistic_regression", fusion.embedding_C, "balanced"))
        columns.append(np.arange(embedding.start, embedding.stop))
    return FusedHeads(tuple(heads), tuple(columns), tuple(fusion.weights), fusion.prior_power)


def linear_model(classifier: str, C: float, class_weight: str | None) -> LinearSVC | LogisticRegression:
    """The unfitted linear model under every head: ``linear_svc`` or ``logistic_regression``.

    Seeded: liblinear shuffles rows with the global random state otherwise, so the same data would
    give slightly different models in different processes.
    """
    if classifier == "linear_svc":
        return LinearSVC(C=C, class_weight=class_weight, random_state=0)
    return LogisticRegression(C=C, class_weight=class_weight, max_iter=5000, random_state=0)


def build_theme_head(themes: ThemesConfig, C: float, class_weight: str | None) -> MultiLabelLinear:
    """Unfitted multi-label head: one calibrated linear model per theme."""
    return MultiLabelLinear(C, class_weight, themes.calibration, themes.calibration_folds, themes.classifier)


def build_theme_model(params: Params, C: float, class_weight: str | None) -> SkPipeline:
    """Unfitted pipeline: DataFrame with ``description`` -> a probability per theme."""
    return SkPipeline(
        [
            ("features", build_text_features(params.features, params.text, True, params.privacy.case_ref_patterns)),
            ("classifier", build_theme_head(params.themes, C, class_weight)),
        ]
    )


def build_category_model(
    params: Params,
    C: float,
    class_weight: str | None,
    calibration: str,
    calibration_folds: int,
    normalise: bool = True,
) -> SkPipeline:
    """Unfitted pipeline: DataFrame with ``description`` -> calibrated probabilities per category."""
    return SkPipeline(
        [
            (
                "features",
                build_text_features(params.features, params.text, normalise, params.privacy.case_ref_patterns),
            ),
            ("classifier", build_classifier(params.train, C, class_weight, calibration, calibration_folds)),
        ]
    )


MIN_ROWS_PER_SIDE = 2  # a theme is learned only with this many positive and negative rows (and calibration folds)

# Isotonic regression gives 1.0 wherever every out-of-fold suggestion happened to be right; no
# suggestion is certain, and a cap keeps the runners-up above zero so their order survives.
MAX_CONFIDENCE = 0.99


class TopLabelCalibrated(ClassifierMixin, BaseEstimator):
    """A fitted category classifier whose top probability is remapped to how often it is right.

    Per-category calibration (isotonic or sigmoid one-vs-rest, or one temperature) is fitted for
    every category at once and, with many small categories, the confidence of the first suggestion
    drifts from its real accuracy. An isotonic regression of out-of-fold correctness on out-of-fold
    top probability fixes that one number. The other probabilities are rescaled to sum to one and the
    order of the suggestions never changes, so the first suggestion, its rank and the top 3 are the
    base classifier's.
    """

    def __init__(self, estimator: Any = None):
        self.estimator = estimator

    def fit(self, X, y) -> TopLabelCalibrated:
        """Fit a copy of ``estimator`` on ``X`` and the remapping on its out-of-fold predictions
        (stratified folds, up to 5). Training does not call this: it already has out-of-fold
        predictions from its search and uses :meth:`from_out_of_fold`."""
        from sklearn.base import clone
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        smallest = int(np.unique(y, return_counts=True)[1].min())
        if smallest < 2:
            raise ValueError("Every class needs at least two rows for out-of-fold confidences.")
        folds = StratifiedKFold(min(5, smallest), shuffle=True, random_state=0)
        out_of_fold = cross_val_predict(clone(self.estimator), X, y, cv=folds, method="predict_proba")
        fitted = clone(self.estimator).fit(X, y)
        correct = fitted.classes_[out_of_fold.argmax(axis=1)] == np.asarray(y)
        return self._set(fitted, out_of_fold.max(axis=1), correct)

    @classmethod
    def from_out_of_fold(cls, fitted: Any, confidence: np.ndarray, correct: np.ndarray) -> TopLabelCalibrated:
        """Wrap an already fitted classifier, remapping with out-of-fold (top probability, right or not)
        pairs computed on its training rows (training has them from its cross-validated search)."""
        return cls(fitted)._set(fitted, confidence, correct)

    def _set(self, fitted: Any, confidence: np.ndarray, correct: np.ndarray) -> TopLabelCalibrated:
        self.estimator_ = fitted
        self.classes_ = fitted.classes_
        self.calibrator_ = centred_isotonic(np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float))
        return self

    def remap(self, probabilities: np.ndarray) -> np.ndarray:
        """Base probabilities -> the same with each row's top probability recalibrated.

        Within a row the order never changes. Across rows it can, slightly, at low confidence: a
        recalibrated top is raised where needed to stay above its own runner-up.
        """
        probabilities = np.asarray(probabilities, dtype=float)
        if probabilities.shape[1] == 1:
            return np.ones_like(probabilities)
        rows = np.arange(len(probabilities))
        order = np.argsort(-probabilities, axis=1, kind="stable")
        top = probabilities[rows, order[:, 0]]
        second = probabilities[rows, order[:, 1]]
        recalibrated = _calibrate(self.calibrator_, top)
        rest = probabilities.sum(axis=1) - top
        certain = rest < 1e-9  # the base gave the others nothing: share what is freed among them equally
        others = probabilities.shape[1] - 1
        # Never down to the level at which the rescaled runner-up would tie or overtake it.
        floor = np.where(certain, 1.0 / (others + 1), second / np.maximum(rest + second, 1e-12)) + 1e-9
        recalibrated = np.clip(np.maximum(recalibrated, floor), 0.0, MAX_CONFIDENCE)
        scaled = np.where(
            certain[:, None],
            ((1.0 - recalibrated) / others)[:, None],
            probabilities * ((1.0 - recalibrated) / np.maximum(rest, 1e-12))[:, None],
        )
        scaled[rows, order[:, 0]] = recalibrated
        return scaled

    def predict_proba(self, X) -> np.ndarray:
        return self.remap(predict_proba(self.estimator_, X))

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def centred_isotonic(x: np.ndarray, y: np.ndarray) -> IsotonicRegression:
    """Isotonic regression of ``y`` on ``x`` with each constant step replaced by a line through the
    steps' centres (centred isotonic regression, Oron and Flournoy 2017).

    A plain isotonic fit on a thousand rows has a few wide steps, so a tiny change in a text (a name
    swapped) can jump its confidence by twenty points; joining the centres keeps the fit monotone
    and its levels, without the jumps.
    """
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, y)
    levels = fitted.predict(x)
    steps = np.unique(levels)
    centres = np.array([x[levels == level].mean() for level in steps])
    fitted.X_thresholds_, fitted.y_thresholds_ = centres, steps
    fitted.X_min_, fitted.X_max_ = float(centres.min()), float(centres.max())
    fitted._build_f(centres, steps)  # what predict interpolates (scikit-learn rebuilds it so on loading)
    return fitted


def base_head(head: Any) -> Any:
    """The linear TF-IDF head inside a :class:`TopLabelCalibrated` wrapper and a :class:`FusedHeads`
    (or the head itself): the head whose weights explain a suggestion."""
    head = head.estimator_ if isinstance(head, TopLabelCalibrated) else head
    return head.heads_[0] if isinstance(head, FusedHeads) else head


class FusedHeads(ClassifierMixin, BaseEstimator):
    """Late fusion: a weighted average of several heads' calibrated probabilities, each head reading
    its own columns of the feature matrix, then divided by each category's share of the training rows
    to ``prior_power`` (0: unchanged; higher favours rare categories) and rescaled to sum to one.

    The first head is the calibrated linear head on the TF-IDF (and team) columns: explanations come
    from its weights (:func:`base_head`), since the others (sentence embeddings) name no words. The
    weights and the power are chosen out of fold by training; this class only applies them.
    """

    def __init__(
        self,
        heads: tuple = (),
        columns: tuple = (),
        weights: tuple[float, ...] = (),
        prior_power: float = 0.0,
        n_jobs: int | None = None,
    ):
        self.heads = heads
        self.columns = columns  # per head: the feature-matrix column indices it reads
        self.weights = weights
        self.prior_power = prior_power
        self.n_jobs = n_jobs  # the linear head's calibration fits side by side (training only)

    def fit(self, X, y) -> FusedHeads:
        from sklearn.base import clone

        self.heads_ = []
        for position, (head, columns) in enumerate(zip(self.heads, self.columns, strict=True)):
            fitted = clone(head)
            if position == 0 and "n_jobs" in fitted.get_params():
                fitted.set_params(n_jobs=self.n_jobs)
            self.heads_.append(fitted.fit(_columns(X, columns), y))
            if position == 0 and "n_jobs" in fitted.get_params():
                fitted.set_params(n_jobs=None)
        self.classes_ = self.heads_[0].classes_
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        self.priors_ = counts[np.searchsorted(labels, self.classes_)] / counts.sum()
        return self

    def predict_proba(self, X) -> np.ndarray:
        mixed = sum(
            weight * predict_proba(head, _columns(X, columns))
            for head, columns, weight in zip(self.heads_, self.columns, self.weights, strict=True)
            if weight > 0
        )
        return prior_corrected(mixed, self.priors_, self.prior_power)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _columns(X: Any, columns: Any) -> Any:
    """The columns of ``X`` a head reads (all of them when ``columns`` is None)."""
    if columns is None:
        return X
    columns = np.asarray(columns, dtype=np.int64)
    if len(columns) == X.shape[1] and (columns == np.arange(X.shape[1])).all():
        return X
    return X[:, columns]


def prior_corrected(probabilities: np.ndarray, priors: np.ndarray, power: float) -> np.ndarray:
    """Probabilities divided by each category's training share to ``power``, rescaled to sum to one:
    the decision moves toward rare categories (macro-F1) at some cost in accuracy; 0 changes nothing."""
    if power == 0:
        return probabilities
    adjusted = probabilities / np.power(np.maximum(priors, 1e-12), power)[None, :]
    return adjusted / np.maximum(adjusted.sum(axis=1, keepdims=True), 1e-12)


class MultiLabelLinear(ClassifierMixin, BaseEstimator):
    """One calibrated linear SVM per theme: a probability per theme, any number of themes per text.

    A theme with too few positive (or negative) rows to calibrate gets its base rate as probability,
    so it is never predicted above a sensible threshold; ``learned_`` says which themes were learned.
    """

    def __init__(
        self,
        C: float = 0.3,
        class_weight: str | None = "balanced",
        calibration: str = "sigmoid",
        calibration_folds: int = 3,
        classifier: str = "linear_svc",
        n_jobs: int | None = None,
    ):
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.classifier = classifier
        self.n_jobs = n_jobs  # processes fitting themes side by side (training only; scoring is one product)

    def fit(self, X, Y) -> MultiLabelLinear:
        Y = np.asarray(Y, dtype=int)
        self.base_rate_ = Y.mean(axis=0)
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(self._fit_theme)(X, Y[:, column]) for column in range(Y.shape[1])
        )
        self.learned_ = np.array([estimator is not None for estimator in self.estimators_])
        self.__dict__.pop("_stacked_weights", None)
        self.thresholds_ = np.full(Y.shape[1], 0.5)
        return self

    def _fit_theme(self, X, target: np.ndarray) -> Any:
        """One theme's calibrated model, or None when it has too few rows of either kind to calibrate."""
        folds = min(self.calibration_folds, int(target.sum()), int(len(target) - target.sum()))
        if folds < MIN_ROWS_PER_SIDE:
            return None
        estimator = linear_model(self.classifier, self.C, self.class_weight)
        if self.classifier != "logistic_regression":  # logistic regression has probabilities of its own
            estimator = CalibratedClassifierCV(estimator, method=self.calibration, cv=folds)
        return estimator.fit(X, target)

    def set_thresholds(self, thresholds) -> MultiLabelLinear:
        """Store the per-theme cut-offs tuned on validation rows, so the saved model carries them
        (infinite for a theme that is never assigned, only shown as possible)."""
        self.thresholds_ = np.asarray(thresholds, dtype=float)
        return self

    def predict(self, X) -> np.ndarray:
        """0/1 per theme: probability at or above the theme's threshold."""
        return (self.predict_proba(X) >= self.thresholds_[None, :]).astype(int)

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each theme, shape (rows, themes); columns do not sum to one.

        Every linear score (theme x calibration fold) comes from one matrix product, then each
        fold's calibrator maps its column: the same numbers as asking each calibrated model in
        turn, without dozens of separate passes over the rows (what makes one suggestion slow).
        """
        weights, intercepts, parts = self._stacked()
        scores = np.asarray(X @ weights) + intercepts if parts else np.zeros((X.shape[0], 0))
        probabilities = np.tile(self.base_rate_, (X.shape[0], 1))
        for column, estimator in enumerate(self.estimators_):
            if estimator is None:
                continue
            if isinstance(estimator, LogisticRegression):
                probabilities[:, column] = expit(scores[:, parts[column][0]])
                continue
            folds = [
                _calibrate(calibrated.calibrators[0], scores[:, index])
                for calibrated, index in zip(estimator.calibrated_classifiers_, parts[column], strict=True)
            ]
            probabilities[:, column] = np.mean(folds, axis=0)
        # As scikit-learn does: calibrators can overshoot 1 by rounding.
        probabilities[(probabilities > 1.0) & (probabilities <= 1.0 + 1e-5)] = 1.0
        return probabilities

    def _stacked(self) -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
        """(features x linear models) weights, their intercepts, and each theme's columns; built once."""
        cached = self.__dict__.get("_stacked_weights")
        if cached is None:
            columns, parts = [], {}
            for theme, estimator in enumerate(self.estimators_):
                if estimator is None:
                    continue
                linear = (
                    [estimator]
                    if isinstance(estimator, LogisticRegression)
                    else [calibrated.estimator for calibrated in estimator.calibrated_classifiers_]
                )
                parts[theme] = list(range(len(columns), len(columns) + len(linear)))
                columns += linear
            weights = np.column_stack([model.coef_.ravel() for model in columns]) if columns else np.zeros((0, 0))
            intercepts = np.array([float(np.ravel(model.intercept_)[0]) for model in columns])
            cached = self.__dict__["_stacked_weights"] = (weights, intercepts, parts)
        return cached

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_stacked_weights", None)  # derived from the estimators; rebuilt on first use
        return state


_STACKED_CATEGORY_WEIGHTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _calibrate(calibrator: Any, scores: np.ndarray) -> np.ndarray:
    """``calibrator.predict(scores)`` computed directly for scikit-learn's two calibrators, without the
    input checks that cost more than the arithmetic when a single complaint is scored."""
    if isinstance(calibrator, _SigmoidCalibration):
        return expit(-(calibrator.a_ * scores + calibrator.b_))
    if isinstance(calibrator, IsotonicRegression) and calibrator.out_of_bounds == "clip":
        clipped = np.clip(scores, calibrator.X_min_, calibrator.X_max_)
        return np.interp(clipped, calibrator.X_thresholds_, calibrator.y_thresholds_)
    return calibrator.predict(scores)


def predict_proba(head: Any, X: Any) -> np.ndarray:
    """``head.predict_proba(X)`` for the linear heads built here, with all linear scores from one
    matrix product (scikit-learn scores each calibration fold separately, which dominates the time
    of a single suggestion). Same numbers; other heads are asked directly."""
    if isinstance(head, TopLabelCalibrated):
        return head.predict_proba(X)
    if not (isinstance(head, CalibratedClassifierCV) and head.method in ("sigmoid", "isotonic")):
        return head.predict_proba(X)
    stacked = _STACKED_CATEGORY_WEIGHTS.get(head)
    if stacked is None or stacked[2] is not head.calibrated_classifiers_:  # new, or refitted since
        folds = [calibrated.estimator for calibrated in head.calibrated_classifiers_]
        weights = np.column_stack([row for estimator in folds for row in np.atleast_2d(estimator.coef_)])
        intercepts = np.concatenate([np.ravel(estimator.intercept_) for estimator in folds])
        stacked = _STACKED_CATEGORY_WEIGHTS[head] = (weights, intercepts, head.calibrated_classifiers_)
    weights, intercepts, _ = stacked
    scores = np.asarray(X @ weights) + intercepts
    n_classes = len(head.classes_)
    mean = np.zeros((X.shape[0], n_classes))
    start = 0
    for calibrated in head.calibrated_classifiers_:
        fold_classes = calibrated.estimator.classes_
        width = 1 if len(fold_classes) == 2 else len(fold_classes)
        fold_scores, start = scores[:, start : start + width], start + width
        proba = np.zeros((X.shape[0], n_classes))
        positions = np.searchsorted(head.classes_, fold_classes)
        for position, column, calibrator in zip(positions, fold_scores.T, calibrated.calibrators, strict=False):
            proba[:, position + (1 if n_classes == 2 else 0)] = _calibrate(calibrator, column)
        if n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        mean += proba
    return mean / len(head.calibrated_classifiers_)


def linear_weights(head: Any) -> np.ndarray:
    """Feature weights per output (rows: categories or themes), averaged over calibration folds.

    Used to explain a prediction: weight times feature value is each feature's contribution.
    """
    head = base_head(head)
    if isinstance(head, LogisticRegression):
        return head.coef_
    if isinstance(head, MultiLabelLinear):
        rows = [linear_weights(estimator)[-1] if estimator is not None else None for estimator in head.estimators_]
        width = next((len(row) for row in rows if row is not None), 0)
        return np.vstack([row if row is not None else np.zeros(width) for row in rows])
    coefficients = np.mean([calibrated.estimator.coef_ for calibrated in head.calibrated_classifiers_], axis=0)
    return coefficients

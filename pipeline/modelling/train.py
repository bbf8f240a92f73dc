"""Training rows + params -> fitted pipelines, every choice made by cross-validation on those rows only.

``train`` fits the category model (one label per complaint); ``train_themes`` fits the theme model
(any number of themes per complaint) and tunes a decision threshold per theme on out-of-fold
probabilities. The holdout never reaches this module, so nothing about it can leak into a choice.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline as SkPipeline

from pipeline.config import EvaluateConfig, Params
from pipeline.data.schema import DataContractError
from pipeline.language import IdentifierMasker, normalise_texts
from pipeline.modelling.embeddings import ENCODERS, SentenceEmbedder, embedding_columns
from pipeline.modelling.features import TEAM_COLUMN, TEXT_COLUMN, model_columns, model_inputs
from pipeline.modelling.metrics import (
    classification_metrics,
    multilabel_metrics,
    threshold_for_precision,
    tune_thresholds,
    wilson_lower_bound,
)
from pipeline.modelling.model import (
    TopLabelCalibrated,
    build_classifier,
    build_fused_head,
    build_theme_head,
)
from pipeline.modelling.search import (
    Progress,
    QuickStratifiedGroupKFold,
    calibrate_out_of_fold,
    calibrate_themes_out_of_fold,
    category_ranking,
    category_scores,
    embedding_out_of_fold,
    fusion_weights,
    out_of_fold_scores,
    theme_scores,
    worker_count,
)

log = logging.getLogger(__name__)
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
    heads: tuple[str, ...] = ("linear",)  # fused heads (train.heads), the linear TF-IDF head first
    head_weights: tuple[float, ...] = (1.0,)  # their fusion weights, chosen out of fold
    prior_power: float = 0.0  # fused probabilities divided by category shares to this power

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classes

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities (rows x categories) for the rows of ``frame``."""
        return self.model.predict_proba(model_inputs(frame, self.input_columns))


@dataclass(frozen=True)
class ThemeThresholds:
    """Per theme, where it is assigned and where it is only "possible", with the out-of-fold evidence.

    ``assign`` is infinite for a theme whose out-of-fold precision cannot reach the target: it is never
    assigned, only shown as possible from ``possible`` up. ``precision`` and ``recall`` are out of fold
    at the assign threshold (at the possible one for a possible-only theme). ``shrinkage`` is the
    pseudo-count of positives with which each theme's own thresholds were blended with the global ones.
    """

    assign: np.ndarray
    possible: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    shrinkage: float
    source: str

    @property
    def assigned(self) -> np.ndarray:
        return np.isfinite(self.assign)


@dataclass(frozen=True)
class TrainedThemeModel:
    model: SkPipeline
    theme_ids: tuple[str, ...]
    thresholds: tuple[float, ...]  # assign thresholds; inf: the theme is only ever "possible"
    chosen_C: float
    chosen_class_weight: str | None
    cv_folds: int
    cv_metrics: dict[str, Any]
    cv_search: dict[str, dict[str, float]] = field(default_factory=dict)
    input_columns: tuple[str, ...] = (TEXT_COLUMN,)
    possible: tuple[float, ...] = ()  # per theme, the probability from which it is shown as possible
    threshold_detail: ThemeThresholds | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return self.theme_ids

    @property
    def theme_thresholds(self) -> np.ndarray:
        return np.asarray(self.thresholds, dtype=float)

    @property
    def possible_thresholds(self) -> np.ndarray:
        return np.asarray(self.possible or self.thresholds, dtype=float)

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
    masked = IdentifierMasker(
        params.text.mask_identifiers, params.text.mask_names, tuple(params.privacy.case_ref_patterns)
    ).fit_transform(frame[TEXT_COLUMN])
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
            QuickStratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)
            if grouped
            else StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        )
        return list(splitter.split(frame, labels, groups))
    splitter = GroupKFold(n_folds) if grouped else KFold(n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(frame, groups=groups))


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
    final_features: tuple[Any, Any] | None = None  # with_final_features: (fitted features, their matrix)
    fusion: Fusion | None = None  # train.heads beyond linear, or prior powers: how they were fused


@dataclass(frozen=True)
class Fusion:
    """How the heads' out-of-fold probabilities were combined: chosen on the training rows only."""

    heads: tuple[str, ...]
    weights: tuple[float, ...]
    prior_power: float
    embedding_C: float | None
    probabilities: np.ndarray  # fused, out of fold
    metrics: dict[str, Any]

    def describe(self) -> str:
        weights = ", ".join(f"{head} {weight:.1f}" for head, weight in zip(self.heads, self.weights, strict=True))
        return f"fused ({weights}; prior power {self.prior_power:g})"


def search_categories(
    frame: pd.DataFrame, params: Params, progress: Progress | None = None, with_final_features: bool = False
) -> CategorySearch:
    """Cross-validate every (C, class weight, calibration) candidate on ``frame``; choose by macro-F1.

    ``progress(done, total)`` is called as folds and fits finish (the total counts one more step, the final fit).
    ``with_final_features`` also fits the saved model's features on every row, beside the folds'.
    """
    if frame.empty:
        raise DataContractError("No training rows are left after validation and preparation.")
    labels = frame["category"].astype(object).to_numpy()
    classes = sorted(set(labels))
    n_folds = min(params.evaluate.cv_folds, int(pd.Series(labels).value_counts().min()))
    if n_folds < 2:
        raise DataContractError("Every category needs at least two training rows for cross-validation.")

    splits = _splits(frame, labels, n_folds, params)
    scorer = partial(category_scores, params.train.classifier, classes)
    linear = list(dict.fromkeys(candidate[:2] for candidate in params.train.candidates()))
    rank = category_ranking(labels, params.train.calibration)
    final_inputs = model_inputs(frame, model_columns(params.features)) if with_final_features else None
    normalised = _normalised(frame, params)
    embedding_head = "embedding" in params.train.heads
    # With a head of their own, sentence embeddings are not also appended to the linear head's features.
    linear_features = replace(params.features, embeddings="none") if embedding_head else params.features
    scores, final_features = out_of_fold_scores(
        normalised,
        labels,
        splits,
        linear,
        scorer,
        linear_features,
        params.text,
        progress,
        rank,
        final_inputs,
        params.privacy.case_ref_patterns,
        final_config=params.features,
    )
    out_of_fold = {
        candidate: calibrate_out_of_fold(scores[candidate[:2]], labels, splits, candidate[2])
        for candidate in params.train.candidates()
        if candidate[:2] in scores
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
    fusion = None
    if len(params.train.heads) > 1 or params.train.prior_power != (0.0,):
        fusion = _fuse(out_of_fold[chosen], normalised, labels, splits, params)
        log.info(
            "%s: cross-validated macro-F1 %.3f, accuracy %.3f",
            fusion.describe(),
            fusion.metrics["macro_f1"],
            fusion.metrics["accuracy"],
        )
    return CategorySearch(classes, labels, n_folds, out_of_fold, metrics, chosen, final_features, fusion)


def _fuse(linear: np.ndarray, normalised: pd.DataFrame, labels: np.ndarray, splits: list, params: Params) -> Fusion:
    """The chosen linear candidate's out-of-fold probabilities fused with the other heads' (weights and
    prior power chosen by out-of-fold macro-F1)."""
    heads, embedding_C = [linear], None
    if "embedding" in params.train.heads:
        vectors = normalised[embedding_columns(ENCODERS[params.features.embeddings])].to_numpy()
        embedding_C, probabilities = embedding_out_of_fold(vectors, labels, splits)
        heads.append(probabilities)
    weights, power, fused = fusion_weights(heads, labels, params.train.prior_power)
    evaluate = params.evaluate
    found = classification_metrics(
        labels, fused, sorted(set(labels)), evaluate.top_k, evaluate.suggestion_threshold, evaluate.calibration_bins
    )
    return Fusion(tuple(params.train.heads), weights, power, embedding_C, fused, found)


def train(frame: pd.DataFrame, params: Params, progress: Progress | None = None) -> TrainedCategoryModel:
    """Pick C, class weighting and calibration by stratified cross-validation (macro-F1) on ``frame``,
    then fit on all of it. With ``train.confidence_calibration: top_label`` the first suggestion's
    confidence is then remapped to the chosen candidate's out-of-fold accuracy.

    ``progress(done, total)`` is called as the search's folds and fits finish, and after the final fit.
    """
    searched = search_categories(frame, params, progress, with_final_features=True)
    labels, classes, chosen, search = searched.labels, searched.classes, searched.chosen, searched.metrics
    evaluate, fusion = params.evaluate, searched.fusion
    chosen_probabilities = searched.out_of_fold[chosen] if fusion is None else fusion.probabilities
    calibration_folds = _calibration_folds(frame["category"], params.train.calibration_folds)
    columns = model_columns(params.features)
    head = build_classifier(params.train, *chosen, calibration_folds)
    if fusion is not None:
        head = build_fused_head(head, searched.final_features[0], fusion)
    model = _fit_head(*searched.final_features, head, labels, calibration_folds)
    if params.train.confidence_calibration == "top_label":
        correct = np.asarray(classes, dtype=object)[chosen_probabilities.argmax(axis=1)] == labels
        head = TopLabelCalibrated.from_out_of_fold(
            model.named_steps["classifier"], chosen_probabilities.max(axis=1), correct
        )
        model.steps[-1] = ("classifier", head)
        chosen_probabilities = head.remap(chosen_probabilities)
    threshold, source = _suggestion_threshold(labels, chosen_probabilities, classes, evaluate)
    if progress:
        progress(1, 1)  # the final fit: done
    return TrainedCategoryModel(
        model=model,
        classes=tuple(str(label) for label in model.classes_),
        chosen_C=chosen[0],
        chosen_class_weight=chosen[1],
        chosen_calibration=chosen[2],
        confidence_calibration=params.train.confidence_calibration,
        calibration_folds=calibration_folds,
        cv_folds=searched.n_folds,
        cv_metrics=search[chosen] if fusion is None else fusion.metrics,
        cv_search={
            _describe(candidate): {key: metrics[key] for key in ("macro_f1", "accuracy", "ece")}
            for candidate, metrics in search.items()
        }
        | (
            {}
            if fusion is None
            else {fusion.describe(): {k: fusion.metrics[k] for k in ("macro_f1", "accuracy", "ece")}}
        ),
        heads=tuple(params.train.heads) if fusion is not None else ("linear",),
        head_weights=fusion.weights if fusion is not None else (1.0,),
        prior_power=fusion.prior_power if fusion is not None else 0.0,
        suggestion_threshold=threshold,
        threshold_source=source,
        input_columns=columns,
    )


def _fit_head(features: Any, matrix: Any, head: Any, targets: np.ndarray, fits: int) -> SkPipeline:
    """The saved pipeline: ``features`` (fitted on every training row, giving ``matrix``) and ``head``
    fitted on that matrix, as ``Pipeline.fit`` would, with the head's ``fits`` independent fits
    (calibration folds, or themes) in worker processes. The saved model keeps no worker count, so it
    behaves the same on any machine."""
    head.set_params(n_jobs=worker_count(matrix.shape[0], fits))
    head.fit(matrix, targets)
    head.set_params(n_jobs=None)
    return SkPipeline([("features", features), ("classifier", head)])


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

    splits = _splits(frame, None, n_folds, params)
    themes = params.themes
    scorer = partial(theme_scores, themes.classifier)
    columns = model_columns(params.features)
    scores, final_features = out_of_fold_scores(
        _normalised(frame, params),
        targets,
        splits,
        themes.candidates(),
        scorer,
        params.features,
        params.text,
        progress,
        final_inputs=model_inputs(frame, columns),
        case_ref_patterns=params.privacy.case_ref_patterns,
    )
    out_of_fold = {
        candidate: calibrate_themes_out_of_fold(values, targets, splits, themes.calibration, themes.classifier)
        for candidate, values in scores.items()
    }
    # Each candidate is judged as it would be shown: the themes it assigns, at the thresholds it would get.
    search = {}
    for candidate, proba in out_of_fold.items():
        found = theme_thresholds(
            targets, proba, splits, themes.target_precision, params.evaluate.target_precision_level, target_recall
        )
        search[candidate] = (multilabel_metrics(targets, proba, found.assign, theme_ids), found)
        log.info(
            "themes %s: cross-validated micro-F1 %.3f, macro-F1 %.3f (assigned themes)",
            _describe(candidate),
            search[candidate][0]["micro_f1"],
            search[candidate][0]["macro_f1"],
        )
    chosen = max(search, key=lambda candidate: search[candidate][0]["macro_f1"])
    cv_metrics, found = search[chosen]
    cv_metrics["assigned_or_possible"] = _headline(
        multilabel_metrics(targets, out_of_fold[chosen], found.possible, theme_ids)
    )
    log.info(
        "themes: %d of %d assigned (out-of-fold precision %s), the rest only possible; shrinkage %g",
        int(found.assigned.sum()),
        len(theme_ids),
        found.source,
        found.shrinkage,
    )

    model = _fit_head(*final_features, build_theme_head(themes, *chosen), targets, len(theme_ids))
    model.named_steps["classifier"].set_thresholds(found.assign)
    if progress:
        progress(1, 1)  # the final fit: done
    return TrainedThemeModel(
        model=model,
        theme_ids=tuple(theme_ids),
        thresholds=tuple(float(t) for t in found.assign),
        chosen_C=chosen[0],
        chosen_class_weight=chosen[1],
        cv_folds=n_folds,
        cv_metrics=cv_metrics,
        cv_search={
            _describe(candidate): {key: metrics[key] for key in ("micro_f1", "macro_f1")}
            for candidate, (metrics, _) in search.items()
        },
        input_columns=columns,
        possible=tuple(float(t) for t in found.possible),
        threshold_detail=found,
    )


def _headline(metrics: dict[str, Any]) -> dict[str, float]:
    return {key: metrics[key] for key in ("micro_f1", "macro_f1", "rows_with_no_theme_predicted")}


# Pseudo-counts of positives tried when blending each theme's own thresholds with the global ones: a
# theme with n positive rows keeps n / (n + m) of its own threshold. Chosen by cross-fitting.
SHRINKAGE_GRID = (0.0, 5.0, 10.0, 20.0, 40.0, 80.0)


def theme_thresholds(
    targets: np.ndarray,
    out_of_fold: np.ndarray,
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    target_precision: float | None,
    level: float,
    target_recall: float | None = None,
) -> ThemeThresholds:
    """Assign and "possible" thresholds per theme from out-of-fold probabilities of the training rows.

    A theme is assigned from the lowest probability at which its out-of-fold predictions are right
    ``target_precision`` of the time, by the lower bound of a one-sided Wilson interval at ``level``;
    a theme that cannot promise that is only ever possible. Its possible threshold is the one with the
    best F1. Each theme's own thresholds are blended with the global ones (all themes' rows pooled) in
    proportion to its positives, so a rare theme's thresholds are not fitted to a handful of rows; the
    blend's strength is chosen by cross-fitting: thresholds fitted on the other folds' rows, applied to
    each fold's rows, micro-F1 of the assigned themes compared. An assign threshold is never set below
    the lowest one the theme's own rows support, and a theme is assigned only if its own out-of-fold
    precision reaches the target at the threshold finally chosen.

    With ``target_recall`` (weak labels from patterns, where precision against partial labels means
    little) every theme is assigned at the threshold recovering that share of its labelled rows.
    With ``target_precision`` None every theme is assigned at its (blended) best-F1 threshold.
    """
    targets = np.asarray(targets, dtype=bool)
    if target_recall is not None:
        recovered = tune_thresholds(targets, out_of_fold, recall=target_recall)
        precision, recall = _precision_recall(targets, out_of_fold, recovered)
        return ThemeThresholds(recovered, recovered, precision, recall, 0.0, f"recovers {target_recall:.0%} of matches")
    rows = np.arange(len(targets))
    folds = [(fit, test) for fit, test in splits] if len(splits) > 1 else [(rows, rows)]

    fitted = [_OwnAndGlobal.fit(targets[fit], out_of_fold[fit], target_precision, level) for fit, _ in folds]

    def held_out_f1(strength: float) -> float:
        predicted = np.zeros_like(targets)
        for (fit, test), found in zip(folds, fitted, strict=True):
            assign, _ = _blended(found, targets[fit], out_of_fold[fit], target_precision, level, strength)
            predicted[test] = out_of_fold[test] >= assign[None, :]
        hits = (predicted & targets).sum()
        return 2 * hits / max(predicted.sum() + targets.sum(), 1)

    scored = {strength: held_out_f1(strength) for strength in SHRINKAGE_GRID}
    best = max(scored.values())
    strength = max(m for m, f1 in scored.items() if f1 >= best - 1e-9)  # ties: the more shrinkage
    every_row = _OwnAndGlobal.fit(targets, out_of_fold, target_precision, level)
    assign, possible = _blended(every_row, targets, out_of_fold, target_precision, level, strength)
    precision, recall = _precision_recall(targets, out_of_fold, np.where(np.isfinite(assign), assign, possible))
    if target_precision is None:
        source = "best F1 per theme"
    else:
        certainty = f" ({level:.0%} lower bound)" if level > 0.5 else ""
        source = f"{target_precision:.0%} of out-of-fold assignments right{certainty}"
    return ThemeThresholds(assign, possible, precision, recall, strength, source)


def _precision_recall(targets: np.ndarray, probabilities: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    predicted = probabilities >= cut[None, :]
    hits = (predicted & targets).sum(axis=0)
    precision = np.divide(hits, predicted.sum(axis=0), out=np.full(len(cut), np.nan), where=predicted.sum(axis=0) > 0)
    recall = np.divide(hits, targets.sum(axis=0), out=np.full(len(cut), np.nan), where=targets.sum(axis=0) > 0)
    return precision, recall


def _best_f1_threshold(truth: np.ndarray, probabilities: np.ndarray) -> float:
    return float(tune_thresholds(truth[:, None], probabilities[:, None])[0])


@dataclass(frozen=True)
class _OwnAndGlobal:
    """Thresholds fitted on some rows before blending: each theme's own (NaN: precision not reachable)
    and the pooled one, for assigning and for "possible"."""

    own_assign: np.ndarray
    global_assign: float | None
    own_possible: np.ndarray
    global_possible: float

    @classmethod
    def fit(cls, targets: np.ndarray, probabilities: np.ndarray, target: float | None, level: float) -> _OwnAndGlobal:
        pooled_truth, pooled = targets.ravel(), probabilities.ravel()
        own_assign = np.full(targets.shape[1], np.nan)
        global_assign = None
        if target is not None:
            global_assign = threshold_for_precision(pooled, pooled_truth, target, level)
            for k in range(targets.shape[1]):
                found = threshold_for_precision(probabilities[:, k], targets[:, k], target, level)
                own_assign[k] = np.nan if found is None else found
        own_possible = np.array(
            [_best_f1_threshold(targets[:, k], probabilities[:, k]) for k in range(targets.shape[1])]
        )
        return cls(own_assign, global_assign, own_possible, _best_f1_threshold(pooled_truth, pooled))


def _blended(
    fitted: _OwnAndGlobal,
    targets: np.ndarray,
    probabilities: np.ndarray,
    target: float | None,
    level: float,
    strength: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(assign, possible) thresholds per theme on these rows, each theme's own blended with the pooled
    one by ``strength`` pseudo-positives; assign is inf where the theme's precision cannot reach ``target``."""
    positives = targets.sum(axis=0).astype(float)
    weight = positives / np.maximum(positives + strength, 1e-12)
    possible = weight * fitted.own_possible + (1 - weight) * fitted.global_possible
    if target is None:
        return possible.copy(), possible
    assign = np.full(targets.shape[1], np.inf)
    for k in np.flatnonzero(~np.isnan(fitted.own_assign)):
        own = fitted.own_assign[k]
        blended = own if fitted.global_assign is None else weight[k] * own + (1 - weight[k]) * fitted.global_assign
        cut = max(own, blended)  # never below what the theme's own rows support
        chosen = probabilities[:, k] >= cut
        right = int((chosen & targets[:, k]).sum())
        if chosen.any() and wilson_lower_bound(right, int(chosen.sum()), level) >= target - 1e-12:
            assign[k] = cut
    possible = np.where(np.isfinite(assign), np.minimum(possible, assign), possible)
    return assign, possible

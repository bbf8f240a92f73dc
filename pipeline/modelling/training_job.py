"""The training job as one pure function: validated rows -> split -> category and theme models, evaluated.

The CLI reads the files and writes the results; everything between is here, so the same job runs
from a notebook or a test without touching disk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.data.prepare import Prepared, ThemeData, prepare, prepare_themes
from pipeline.data.schema import Validated
from pipeline.data.taxonomy import Taxonomy, ThemeMatcher
from pipeline.modelling.evaluate import Evaluation, evaluate, evaluate_themes
from pipeline.modelling.train import Progress, TrainedCategoryModel, TrainedThemeModel, train, train_themes


@dataclass(frozen=True)
class CategoryResult:
    trained: TrainedCategoryModel
    evaluation: Evaluation


@dataclass(frozen=True)
class ThemeResult:
    trained: TrainedThemeModel
    holdout_metrics: dict[str, Any]
    data: ThemeData
    names: Mapping[str, str]
    pattern_coverage: dict[str, dict[str, int]]  # weak labels: per theme, matched and added by the model


@dataclass(frozen=True)
class TrainingResult:
    prepared: Prepared
    category: CategoryResult | None
    themes: ThemeResult | None


def pattern_coverage(
    trained: TrainedThemeModel, train: pd.DataFrame, pattern_targets: np.ndarray
) -> dict[str, dict[str, int]]:
    """Per theme: training texts the patterns matched, and how many more the model finds beyond them."""
    _, predicted = trained.predict(train)
    matched = np.asarray(pattern_targets, dtype=bool)
    return {
        theme: {
            "matched_by_patterns": int(matched[:, k].sum()),
            "added_by_model": int((predicted[:, k] & ~matched[:, k]).sum()),
        }
        for k, theme in enumerate(trained.theme_ids)
    }


def fit_all(
    validated: Validated,
    params: Params,
    taxonomy: Taxonomy | None = None,
    progress: Progress | None = None,
    prepared: Prepared | None = None,
) -> TrainingResult:
    """Split once (or take the split ``prepared`` by an earlier ``complaints prepare``), then train and
    evaluate each enabled model on the same training and holdout rows."""
    if prepared is None:
        prepared = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    category = None
    if params.train.enabled:
        trained = train(prepared.train, params, progress)
        # The holdout is judged at the threshold the model will use when scoring.
        config = dataclasses.replace(params.evaluate, suggestion_threshold=trained.suggestion_threshold)
        category = CategoryResult(trained, evaluate(trained.model, prepared.holdout, config))
    themes = None
    if params.themes.enabled:
        matcher = ThemeMatcher(taxonomy) if taxonomy is not None and params.themes.labels == "patterns" else None
        data = prepare_themes(prepared, params.themes, matcher)
        weak = params.themes.labels == "patterns"
        trained_themes = train_themes(
            prepared.train,
            data.train_targets,
            data.theme_ids,
            params,
            progress,
            target_recall=params.themes.weak_recall if weak else None,
        )
        holdout = evaluate_themes(
            trained_themes.model, prepared.holdout, data.holdout_targets, trained_themes.thresholds, data.theme_ids
        )
        names = {theme: validated.theme_columns.get(theme, theme) for theme in data.theme_ids}
        if taxonomy is not None:
            names |= {theme: taxonomy.name_of(theme) for theme in data.theme_ids if theme in taxonomy.ids}
        coverage = pattern_coverage(trained_themes, prepared.train, data.train_targets) if matcher is not None else {}
        themes = ThemeResult(trained_themes, holdout, data, names, coverage)
    return TrainingResult(prepared, category, themes)

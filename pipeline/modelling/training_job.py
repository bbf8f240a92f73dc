"""The training job as one pure function: validated rows -> split -> category and theme models, evaluated.

The CLI reads the files and writes the results; everything between is here, so the same job runs
from a notebook or a test without touching disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params
from pipeline.data.prepare import Prepared, ThemeData, prepare, prepare_themes
from pipeline.data.schema import Validated
from pipeline.data.taxonomy import Taxonomy, ThemeMatcher
from pipeline.errors import DataContractError
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


def train_and_evaluate(
    validated: Validated,
    params: Params,
    taxonomy: Taxonomy | None = None,
    progress: Progress | None = None,
    prepared: Prepared | None = None,
) -> TrainingResult:
    """Split once (or take the split ``prepared`` by an earlier ``complaints prepare``), then train and
    evaluate each enabled model on the same training and holdout rows."""
    if prepared is None:
        try:
            prepared = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
        except DataContractError as error:
            # Too few rows is often the labels' fault: say so first, with the spellings to map.
            raise DataContractError(validated.too_few_rows(error, params.labels.categories)) from error
    category = None
    if params.train.enabled:
        trained = train(prepared.train, params, progress)
        # The holdout is judged at the threshold the model chose and will use when scoring.
        category = CategoryResult(trained, evaluate(trained, prepared.holdout, params.evaluate))
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
        holdout = evaluate_themes(trained_themes, prepared.holdout, data.holdout_targets)
        names = {theme: validated.theme_columns.get(theme, theme) for theme in data.theme_ids}
        if taxonomy is not None:
            names |= {theme: taxonomy.name_of(theme) for theme in data.theme_ids if theme in taxonomy.ids}
        coverage = pattern_coverage(trained_themes, prepared.train, data.train_targets) if matcher is not None else {}
        themes = ThemeResult(trained_themes, holdout, data, names, coverage)
    return TrainingResult(prepared, category, themes)


def summary_tables(validated: Validated, result: TrainingResult, top_k: int) -> dict[str, dict[str, str]]:
    """What a training run tells the analyst, as titled tables of plain values."""
    prepared = result.prepared
    summary = {**validated.summary(), **prepared.summary()}
    tables = {
        "Rows": {
            "read": str(validated.rows_in),
            "rejected": f"{len(validated.rejected)} {summary['rejected_by_reason']}",
            "excluded": f"{len(prepared.excluded)} {summary['excluded_by_reason']}",
            "training": str(len(prepared.train)),
            "holdout": f"{len(prepared.holdout)} ({prepared.holdout_name})",
            "dates read": validated.dates_read_as,
        }
    }
    if result.category is not None:
        metrics, trained = result.category.evaluation.metrics, result.category.trained
        shown = ("accuracy", "macro_f1", f"top_{top_k}_accuracy", "ece", "selective_accuracy", "coverage")
        tables["Category model, holdout"] = {
            **{key: f"{metrics[key]:.3f}" for key in shown},
            "cross-validated macro-F1": f"{trained.cv_metrics['macro_f1']:.3f}",
            "chosen C, class weight, calibration": f"{trained.chosen_C}, {trained.chosen_class_weight}, "
            f"{trained.chosen_calibration}",
            "suggestion threshold": f"{trained.suggestion_threshold:.2f} ({trained.threshold_source})",
            "input columns": ", ".join(trained.input_columns),
        }
    if result.themes is not None:
        themes = result.themes
        rows = {
            "themes learned": str(len(themes.data.theme_ids)),
            "labels from": str(themes.data.source.get("labels", "")),
            "micro-F1": f"{themes.holdout_metrics['micro_f1']:.3f}",
            "macro-F1": f"{themes.holdout_metrics['macro_f1']:.3f}",
            "cross-validated macro-F1": f"{themes.trained.cv_metrics['macro_f1']:.3f}",
        }
        if themes.data.too_rare:
            rows["too rare to learn"] = ", ".join(f"{t} ({n})" for t, n in themes.data.too_rare.items())
        tables["Theme model, holdout"] = rows
        if themes.pattern_coverage:
            tables["Seed patterns: training texts matched, and more found by the model"] = {
                themes.names[t]: f"{c['matched_by_patterns']} matched, +{c['added_by_model']} by the model"
                for t, c in themes.pattern_coverage.items()
            }
    return tables

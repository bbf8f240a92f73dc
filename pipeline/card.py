"""The model card: what a saved model is, what it learned from, how well it did, and its limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.config import Params
from pipeline.evaluate import Evaluation
from pipeline.prepare import Prepared
from pipeline.train import TrainedCategoryModel, TrainedThemeModel

INTENDED_USE = (
    "Suggests one of the recorded complaint categories for a complaint's free-text description, with the "
    "top three and calibrated probabilities, to help a complaints officer categorise at intake and an analyst "
    "review a year's records. A person makes the final decision; suggestions under the suggestion threshold "
    "are marked 'needs review'. Not for decisions about individuals, and not for complaints outside the "
    "service and period it was trained on."
)


def data_fingerprint(frame: pd.DataFrame) -> str:
    """A stable hash of the rows a model learned from (text and label), independent of file format."""
    hashed = pd.util.hash_pandas_object(frame[["description", "category"]].astype(str), index=False)
    return f"{int(hashed.sum()) & 0xFFFFFFFFFFFFFFFF:016x}-{len(frame)}"


def _weaknesses(trained: TrainedCategoryModel, evaluation: Evaluation, prepared: Prepared) -> list[str]:
    notes = []
    excluded = prepared.excluded[prepared.excluded["reason_code"].isin(["rare_category", "too_few_in_training"])]
    if len(excluded):
        names = sorted(set(excluded["reason"].str.extract(r"category '([^']+)'")[0].dropna()))
        notes.append(f"Never suggested (too few training examples): {', '.join(names)}.")
    for label, scores in evaluation.metrics["per_category"].items():
        if 0 < scores["support"] < 10:
            notes.append(f"'{label}' has only {scores['support']} holdout examples; its figures are uncertain.")
        elif scores["support"] and scores["f1"] < 0.5:
            notes.append(f"'{label}' is often confused (holdout F1 {scores['f1']:.2f}).")
    notes.append("Very short descriptions carry little evidence and are flagged for review.")
    return notes


def build_model_card(
    params: Params,
    trained: TrainedCategoryModel,
    evaluation: Evaluation,
    prepared: Prepared,
    data_summary: Mapping[str, Any],
    versions: Mapping[str, str],
    commit: str,
    created_utc: str,
) -> dict[str, Any]:
    """Everything needed to trust, reproduce or retire the model (the file hash is added on save)."""
    return {
        "model": params.tracking.registered_model,
        "task": "complaint category (single label)",
        "created_utc": created_utc,
        "intended_use": INTENDED_USE,
        "labels": list(trained.classes),
        "label_vocabulary": list(params.labels.categories) if params.labels.categories else None,
        "alias_table": dict(params.labels.aliases),
        "thresholds": {"suggestion_threshold": params.evaluate.suggestion_threshold, "top_k": params.evaluate.top_k},
        "training": {
            "chosen_C": trained.chosen_C,
            "chosen_class_weight": trained.chosen_class_weight,
            "cv_folds": trained.cv_folds,
            "calibration_folds": trained.calibration_folds,
            "cv_search_macro_f1": {name: round(s["macro_f1"], 4) for name, s in trained.cv_search.items()},
        },
        "data": {
            **data_summary,
            "training_rows_fingerprint": data_fingerprint(prepared.train),
            "holdout": prepared.holdout_name,
        },
        "metrics": {"holdout": evaluation.metrics, "cross_validation": trained.cv_metrics},
        "known_weaknesses": _weaknesses(trained, evaluation, prepared),
        "params": params.as_dict(),
        "versions": dict(versions),
        "git_commit": commit,
    }


THEMES_INTENDED_USE = (
    "Suggests the root-cause themes of a complaint (any number, possibly none) with a probability each and "
    "the words behind them, so that service leads can count and follow recurring causes per team. A theme "
    "is suggested when its probability reaches the theme's threshold. Themes describe why complaints arise; "
    "they are not findings about any person and should be read in aggregate."
)


def build_theme_card(
    params: Params,
    trained: TrainedThemeModel,
    holdout_metrics: Mapping[str, Any],
    theme_names: Mapping[str, str],
    label_source: Mapping[str, Any],
    data_summary: Mapping[str, Any],
    versions: Mapping[str, str],
    commit: str,
    created_utc: str,
) -> dict[str, Any]:
    """The theme model's card: themes, thresholds, where the labels came from, metrics and limits."""
    weak = [theme for theme, scores in holdout_metrics["per_theme"].items() if scores["support"] and scores["f1"] < 0.4]
    rare = [theme for theme, scores in holdout_metrics["per_theme"].items() if scores["support"] < 10]
    weaknesses = [f"Low holdout F1 (< 0.4): {', '.join(weak)}."] if weak else []
    if rare:
        weaknesses.append(f"Fewer than 10 holdout examples, so uncertain figures: {', '.join(rare)}.")
    if label_source.get("labels") == "patterns":
        weaknesses.append(
            "Trained on weak labels from seed patterns: its metrics measure agreement with the "
            "patterns, not with a person's judgement."
        )
    return {
        "model": params.themes.registered_model,
        "task": "complaint themes (multi-label)",
        "created_utc": created_utc,
        "intended_use": THEMES_INTENDED_USE,
        "themes": [
            {"id": t, "name": theme_names.get(t, t), "threshold": th}
            for t, th in zip(trained.theme_ids, trained.thresholds, strict=True)
        ],
        "labels": dict(label_source),
        "training": {
            "chosen_C": trained.chosen_C,
            "chosen_class_weight": trained.chosen_class_weight,
            "cv_folds": trained.cv_folds,
            "cv_search": trained.cv_search,
            "thresholds": "tuned per theme on out-of-fold probabilities of the training rows",
        },
        "data": dict(data_summary),
        "metrics": {"holdout": dict(holdout_metrics), "cross_validation": trained.cv_metrics},
        "known_weaknesses": weaknesses,
        "params": params.as_dict(),
        "versions": dict(versions),
        "git_commit": commit,
    }

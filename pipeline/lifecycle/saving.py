"""A training job's results on disk: each model with its card, metrics and the rows not used.

The training job (:mod:`pipeline.modelling.training_job`) returns values; this is where they become
files, through :mod:`pipeline.data.files`, so train and retrain save models the same way.

A new model is saved in its challenger folder (``output.challenger_dir``/category, /themes) and moved to
the champion's folder (``output.model_dir``, ``output.themes_model_dir``) only when it is promoted (or when
nothing is tracked), so the champion's folder never holds a model the registry did not make champion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Params
from pipeline.data import files
from pipeline.data.inputs import data_issues
from pipeline.data.schema import Validated
from pipeline.data.taxonomy import Taxonomy
from pipeline.lifecycle import provenance
from pipeline.modelling import card as model_card
from pipeline.modelling.training_job import TrainingResult


@dataclass(frozen=True)
class SavedModel:
    """One saved model: its card (with the file's hash) and the files written, by what they are."""

    card: dict[str, Any]
    artefacts: dict[str, Path]


def champion_folder(params: Params, head: str) -> Path:
    """Where the champion of ``head`` ("category" or "themes") is kept."""
    return Path(params.output.model_dir if head == "category" else params.output.themes_model_dir)


def challenger_folder(params: Params, head: str) -> Path:
    """Where a new model of ``head`` is saved until it is promoted."""
    return Path(params.output.challenger_dir) / head


def install_champion(params: Params, head: str, saved: SavedModel) -> SavedModel:
    """Move a promoted model's folder from its challenger folder to the champion's; the files it lists follow."""
    source, target = challenger_folder(params, head), champion_folder(params, head)
    if source.resolve() == target.resolve():
        return saved
    files.replace_folder(source, target)
    moved = {
        name: target / path.relative_to(source) if path.is_relative_to(source) else path
        for name, path in saved.artefacts.items()
    }
    return SavedModel(saved.card, moved)


def save_models(
    params: Params,
    data_file: Path,
    validated: Validated,
    result: TrainingResult,
    taxonomy: Taxonomy | None,
    history: Sequence[Path] = (),
) -> dict[str, SavedModel]:
    """Save each trained model ("category", "themes") in its challenger folder (emptied first); ``history``:
    the earlier years' files of a retrain, named with their hashes in the card too."""
    prepared = result.prepared
    summary = {
        "file": data_file.name,
        "file_sha256": files.sha256_of(data_file),
        **({"history_files": {path.name: files.sha256_of(path) for path in history}} if history else {}),
        **validated.summary(),
        **prepared.summary(),
    }
    context = (provenance.library_versions(), provenance.git_commit(), provenance.now_utc())
    benchmark_file = params.evaluate.benchmark_file
    benchmarks = files.read_json(benchmark_file) if benchmark_file and Path(benchmark_file).is_file() else None
    issues = data_issues(validated, prepared)
    saved = {}
    if result.category is not None:
        out, trained, evaluation = (
            challenger_folder(params, "category"),
            result.category.trained,
            result.category.evaluation,
        )
        files.clear_folder(out)
        card = model_card.build_model_card(params, trained, evaluation, prepared, summary, *context, benchmarks)
        card = files.save_model(trained.model, card, out)
        metrics = {"holdout": evaluation.metrics, "cross_validation": trained.cv_metrics}
        saved["category"] = SavedModel(
            card,
            {
                "model": out / files.MODEL_FILE,
                "card": out / files.CARD_FILE,
                "card in plain words": files.write_text(model_card.plain_text(card), out / "model_card.md"),
                "metrics": files.write_json(metrics, out / "metrics.json"),
                "figure": files.write_figure(
                    evaluation.figure(f"Holdout: {prepared.holdout_name}"), out / "confusion_matrix.png"
                ),
                "rows not used": files.write_table(issues, out / "data_issues.csv"),
            },
        )
    if result.themes is not None:
        out, themes = challenger_folder(params, "themes"), result.themes
        files.clear_folder(out)
        source = {
            **themes.data.source,
            "too_rare_to_learn": themes.data.too_rare,
            "taxonomy_version": taxonomy.version if taxonomy else None,
            "pattern_coverage": themes.pattern_coverage,
        }
        card = model_card.build_theme_card(
            params,
            themes.trained,
            themes.holdout_metrics,
            themes.names,
            source,
            summary,
            *context,
            benchmarks,
            taxonomy=taxonomy,
        )
        card = files.save_model(themes.trained.model, card, out)
        metrics = {"holdout": themes.holdout_metrics, "cross_validation": themes.trained.cv_metrics}
        saved["themes"] = SavedModel(
            card,
            {
                "theme model": out / files.MODEL_FILE,
                "theme card": out / files.CARD_FILE,
                "theme card in plain words": files.write_text(model_card.plain_text(card), out / "model_card.md"),
                "theme metrics": files.write_json(metrics, out / "metrics.json"),
                "rows not used": files.write_table(issues, out / "data_issues.csv"),
            },
        )
    return saved

"""The ``complaints`` command: each command wires load -> stage -> write -> log, nothing more."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress
from rich.table import Table

from pipeline import io
from pipeline.config import ConfigError, Params, load_params
from pipeline.schema import DataContractError, validate

# Tracebacks never show local variables: they could hold complaint text.
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False)
console = Console(stderr=True)
log = logging.getLogger("complaints")

USER_ERRORS = (ConfigError, DataContractError, io.InputFileError)
EXIT_USER_ERROR, EXIT_UNTRUSTED_MODEL = 2, 3
ParamsOption = typer.Option(Path("params.yaml"), "--params", "-p", help="Params file (see params.yaml).")
ModelDirOption = typer.Option(None, "--model-dir", help="Folder with model.joblib and model_card.json.")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logging.")) -> None:
    """Categorise children's social care complaints: train, evaluate, score."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=False)],
        force=True,
    )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors an analyst can fix into a plain message and exit code 2 (nothing is written)."""
    try:
        yield
    except io.ModelIntegrityError as error:
        console.print(f"[bold red]Refused:[/] {error}")
        raise typer.Exit(EXIT_UNTRUSTED_MODEL) from error
    except USER_ERRORS as error:
        console.print(f"[bold red]Cannot continue:[/] {error}")
        raise typer.Exit(EXIT_USER_ERROR) from error


def _summary_table(title: str, rows: dict[str, object]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in rows.items():
        table.add_row(key, str(value))
    return table


def _data_issues(validated_rejected: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([validated_rejected, excluded], ignore_index=True).sort_values("source_row")


@app.command()
def train(
    params_file: Path = ParamsOption,
    data: Path | None = typer.Option(None, "--data", help="Labelled complaints; default data.train_file."),
    track: bool = typer.Option(True, "--track/--no-track", help="Log the run and register the model in MLflow."),
) -> None:
    """Validate, split, train, evaluate on the holdout, save the model and card, and track it."""
    with user_errors():
        params = load_params(params_file)
        data_file = data or Path(params.data.train_file)
        result = _fit_and_evaluate(params, data_file)
    card, artefacts = _write_training_outputs(params, data_file, *result)
    _print_training_summary(params, *result)
    if track:
        _track(params, result, card, artefacts)
    console.print("\n".join(f"{name + ':':<14} {path}" for name, path in artefacts.items()))


def _fit_and_evaluate(params: Params, data_file: Path) -> tuple:
    from pipeline.evaluate import evaluate
    from pipeline.prepare import prepare
    from pipeline.train import train as train_model

    raw = io.read_table(data_file, params.data.sheet)
    validated = validate(raw, params.data, params.labels, purpose="train", need_dates=params.prepare.split == "time")
    prepared = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Cross-validated search, then final fit", total=None)
        trained = train_model(
            prepared.train, params, progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
    return validated, prepared, trained, evaluate(trained.model, prepared.holdout, params.evaluate)


def _write_training_outputs(
    params: Params, data_file: Path, validated, prepared, trained, evaluation
) -> tuple[dict, dict[str, Path]]:
    """Save the model with its card, metrics, figure and the rows not used; return the card and paths."""
    from pipeline import card as model_card
    from pipeline import provenance

    out = Path(params.output.model_dir)
    summary = {
        "file": data_file.name,
        "file_sha256": io.sha256_of(data_file),
        **validated.summary(),
        **prepared.summary(),
    }
    card = model_card.build_model_card(
        params,
        trained,
        evaluation,
        prepared,
        summary,
        provenance.library_versions(),
        provenance.git_commit(),
        provenance.now_utc(),
    )
    card = io.save_model(trained.model, card, out)
    metrics = {"holdout": evaluation.metrics, "cross_validation": trained.cv_metrics}
    return card, {
        "model": out / io.MODEL_FILE,
        "card": out / io.CARD_FILE,
        "metrics": io.write_json(metrics, out / "metrics.json"),
        "figure": io.write_figure(evaluation.figure(f"Holdout: {prepared.holdout_name}"), out / "confusion_matrix.png"),
        "rows not used": io.write_table(_data_issues(validated.rejected, prepared.excluded), out / "data_issues.csv"),
    }


def _print_training_summary(params: Params, validated, prepared, trained, evaluation) -> None:
    summary = {**validated.summary(), **prepared.summary()}
    console.print(
        _summary_table(
            "Rows",
            {
                "read": validated.rows_in,
                "rejected": f"{len(validated.rejected)} {summary['rejected_by_reason']}",
                "excluded": f"{len(prepared.excluded)} {summary['excluded_by_reason']}",
                "training": len(prepared.train),
                "holdout": f"{len(prepared.holdout)} ({prepared.holdout_name})",
            },
        )
    )
    shown = ("accuracy", "macro_f1", f"top_{params.evaluate.top_k}_accuracy", "ece", "selective_accuracy", "coverage")
    console.print(
        _summary_table(
            "Holdout metrics",
            {
                **{key: f"{evaluation.metrics[key]:.3f}" for key in shown},
                "cross-validated macro-F1": f"{trained.cv_metrics['macro_f1']:.3f}",
                "chosen C, class weight": f"{trained.chosen_C}, {trained.chosen_class_weight}",
            },
        )
    )


def _track(params: Params, result: tuple, card: dict, artefacts: dict[str, Path]) -> None:
    """Log the run, register the model, and give it the champion alias only if it beats the champion."""
    from pipeline import tracking
    from pipeline.lifecycle import comparison_tags, decide_promotion

    _, prepared, trained, evaluation = result
    scalar = {f"holdout_{k}": v for k, v in evaluation.metrics.items() if isinstance(v, (int, float))}
    scalar |= {f"cv_{k}": v for k, v in trained.cv_metrics.items() if isinstance(v, (int, float))}
    # Rows not used stay local: they carry complaint references, which MLflow need not hold.
    files = {name: path for name, path in artefacts.items() if name not in ("model", "rows not used")}
    split_tags = comparison_tags(prepared, params.prepare.split, card["data"]["file_sha256"])
    tags = {"git_commit": card["git_commit"], "model_sha256": card["model_sha256"], **split_tags}
    champion = tracking.load_alias(params.tracking, tracking.CHAMPION)
    run = tracking.log_training_run(params.tracking, trained.model, params.as_dict(), scalar, files, tags)
    decision = decide_promotion(params, evaluation.metrics, prepared.holdout, split_tags, champion)
    alias = tracking.CHAMPION if decision.promote else tracking.CHALLENGER
    tracking.set_alias(params.tracking, run.model_version, alias, run.run_id, decision.reason)
    console.print(
        f"MLflow:  run {run.run_id} in {run.tracking_uri} (experiment '{params.tracking.experiment}')\n"
        f"Registry: {run.model_name} v{run.model_version} is now '{alias}': {decision.reason}"
    )


@app.command()
def evaluate(
    data: Path = typer.Argument(..., help="Labelled complaints to measure the saved model on."),
    params_file: Path = ParamsOption,
    model_dir: Path | None = ModelDirOption,
    out: Path | None = typer.Option(None, "--out", help="Write the metrics here as JSON."),
) -> None:
    """Measure a saved model on another labelled file (all rows are used as the test set)."""
    from pipeline.evaluate import evaluate as evaluate_model

    with user_errors():
        params = load_params(params_file)
        model, _ = io.load_model(model_dir or params.output.model_dir)
        validated = validate(io.read_table(data, params.data.sheet), params.data, params.labels, purpose="train")
        evaluation = evaluate_model(model, validated.frame, params.evaluate)
    metrics = evaluation.metrics
    console.print(
        _summary_table(
            f"{data.name}: {metrics['n']} rows ({len(validated.rejected)} not usable)",
            {key: f"{metrics[key]:.3f}" for key in ("accuracy", "macro_f1", "ece", "selective_accuracy", "coverage")},
        )
    )
    if out:
        io.write_json(metrics, out)
        console.print(f"Metrics: {out}")


@app.command()
def score(
    data: Path = typer.Argument(..., help="Complaints to score (CSV, XLSX or Parquet)."),
    out: Path | None = typer.Option(None, "--out", help="Scored file; default output.scored_file."),
    params_file: Path = ParamsOption,
    model_dir: Path | None = ModelDirOption,
) -> None:
    """Suggest categories (top 3 with probabilities) for every row, flagging those that need review."""
    from pipeline.score import score as score_frame

    with user_errors():
        params = load_params(params_file)
        model, card = io.load_model(model_dir or params.output.model_dir)
        validated = validate(io.read_table(data, params.data.sheet), params.data, params.labels, purpose="score")
        scored = score_frame(
            model, validated.frame, params, model_version=f"{card['model']}@{card['model_sha256'][:12]}"
        )
    target = io.write_table(scored, out or params.output.scored_file)
    console.print(
        _summary_table(
            f"Scored {data.name}",
            {
                "rows in": validated.rows_in,
                "rows out": len(scored),
                "needs review": int(scored["needs_review"].sum()),
                "suggested with confidence": int((~scored["needs_review"]).sum()),
            },
        )
    )
    console.print(f"Scored file: {target}")


@app.command("generate-sample")
def generate_sample(
    out: Path = typer.Option(Path("data/sample"), "--out", help="Folder for the three CSV files."),
    seed: int = typer.Option(2015, "--seed", help="Random seed (the bundled files use 2015)."),
) -> None:
    """Regenerate the bundled synthetic sample (deterministic for a given seed)."""
    from pipeline.sample import generate_sample as generate

    sample = generate(seed)
    for name, frame in (
        ("complaints", sample.complaints),
        ("new_complaints", sample.new_complaints),
        ("generator_truth", sample.truth),
    ):
        console.print(f"{io.write_table(frame, out / f'{name}.csv')}: {len(frame)} rows")

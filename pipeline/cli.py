"""The ``complaints`` command: each command wires load -> stage -> write -> log, nothing more."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress
from rich.table import Table

from pipeline.config import CANONICAL_COLUMNS, ConfigError, Params, load_params
from pipeline.data import files
from pipeline.data.schema import DataContractError, intake_frame, validate
from pipeline.data.taxonomy import TaxonomyError
from pipeline.lifecycle.tracking import RegistryError
from pipeline.modelling.evaluate import evaluate as evaluate_model
from pipeline.report.records import ReportError
from pipeline.serving.batch import Scorers

# Tracebacks never show local variables: they could hold complaint text.
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_show_locals=False)
console = Console(stderr=True)
log = logging.getLogger("complaints")

USER_ERRORS = (ConfigError, DataContractError, files.InputFileError, TaxonomyError, RegistryError, ReportError)
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
    except files.ModelIntegrityError as error:
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
    prepared_dir: Path | None = typer.Option(
        None, "--prepared", help="Train on the split written by `complaints prepare` (its folder) instead."
    ),
    track: bool = typer.Option(True, "--track/--no-track", help="Log the runs and register the models in MLflow."),
) -> None:
    """Validate, split, train the category and theme models, evaluate on the holdout, save, and track."""
    from pipeline.modelling.training_job import fit_all

    with user_errors():
        params = load_params(params_file)
        taxonomy = files.read_taxonomy(params.themes.taxonomy_file) if params.themes.enabled else None
        if prepared_dir is not None:
            data_file = prepared_dir / PREPARED_TRAIN
            validated, prepared = _read_prepared(prepared_dir, params)
        else:
            data_file = data or Path(params.data.train_file)
            validated, prepared = _validate_training_file(data_file, params), None
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Cross-validated search, then final fit", total=None)
            result = fit_all(
                validated,
                params,
                taxonomy,
                lambda done, total: progress.update(task, completed=done, total=total),
                prepared,
            )
    outputs = _write_training_outputs(params, data_file, validated, result, taxonomy)
    _print_training_summary(params, validated, result)
    if track:
        for head, (card, artefacts) in outputs.items():
            _track(params, head, result, card, artefacts)
    for _, artefacts in outputs.values():
        console.print("\n".join(f"{name + ':':<14} {path}" for name, path in artefacts.items()))


PREPARED_TRAIN, PREPARED_HOLDOUT, PREPARED_SUMMARY = "train.csv", "holdout.csv", "prepare.json"


def _validate_training_file(data_file: Path, params: Params):
    return validate(
        files.read_table(data_file, params.data.sheet),
        params.data,
        params.labels,
        purpose="train",
        need_dates=params.prepare.split == "time",
        require_category=params.train.enabled,
        themes=params.themes,
    )


@app.command("prepare")
def prepare_split(
    params_file: Path = ParamsOption,
    data: Path | None = typer.Option(None, "--data", help="Labelled complaints; default data.train_file."),
    out: Path = typer.Option(Path("data/prepared"), "--out", help="Folder for train.csv, holdout.csv and the rest."),
) -> None:
    """Validate and split the training data once (the first stage of dvc.yaml): train.csv, holdout.csv,
    the rows not used and a summary. `complaints train --prepared FOLDER` trains on exactly this split."""
    from pipeline.data.prepare import prepare as split

    with user_errors():
        params = load_params(params_file)
        data_file = data or Path(params.data.train_file)
        validated = _validate_training_file(data_file, params)
        prepared = split(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    columns = ["source_row", *CANONICAL_COLUMNS]
    written = [
        files.write_table(prepared.train[columns], out / PREPARED_TRAIN),
        files.write_table(prepared.holdout[columns], out / PREPARED_HOLDOUT),
        files.write_table(_data_issues(validated.rejected, prepared.excluded), out / "data_issues.csv"),
        files.write_json({"file": data_file.name, **validated.summary(), **prepared.summary()}, out / PREPARED_SUMMARY),
    ]
    console.print(
        f"{validated.rows_in} rows in: {len(prepared.train)} to train on, {len(prepared.holdout)} held out "
        f"({prepared.holdout_name}), {len(validated.rejected) + len(prepared.excluded)} not used."
    )
    console.print("\n".join(f"Written: {path}" for path in written))


def _read_labelled(path: Path, params: Params):
    """Labelled records from an export (params' column names), or from `complaints prepare` (ours),
    keeping the prepared file's original row numbers."""
    from pipeline.data.schema import SOURCE_ROW

    raw = files.read_table(path, params.data.sheet)
    if SOURCE_ROW not in raw.columns:
        return validate(raw, params.data, params.labels, purpose="train")
    identity = replace(params.data, columns={c: c for c in raw.columns if c in CANONICAL_COLUMNS})
    themes = replace(params.themes, labels="column") if params.themes.labels == "one_hot" else params.themes
    validated = validate(raw, identity, params.labels, purpose="train", require_category=False, themes=themes)
    original = pd.to_numeric(raw[SOURCE_ROW], errors="coerce").to_numpy()
    return replace(validated, frame=validated.frame.assign(source_row=original[validated.frame[SOURCE_ROW] - 2]))


def _read_prepared(folder: Path, params: Params):
    """The split `complaints prepare` wrote: (validated rows, Prepared)."""
    from pipeline.data.prepare import Prepared
    from pipeline.data.schema import Validated

    summary_file = folder / PREPARED_SUMMARY
    if not summary_file.is_file():
        raise files.InputFileError(
            f"{folder} holds no prepared split ({PREPARED_SUMMARY} is missing): run complaints prepare."
        )
    summary = files.read_json(summary_file)
    train_rows, holdout_rows = (
        _read_labelled(folder / PREPARED_TRAIN, params),
        _read_labelled(folder / PREPARED_HOLDOUT, params),
    )
    issues = files.read_table(folder / "data_issues.csv") if (folder / "data_issues.csv").is_file() else pd.DataFrame()
    validated = Validated(
        frame=pd.concat([train_rows.frame, holdout_rows.frame], ignore_index=True),
        rejected=pd.concat([train_rows.rejected, holdout_rows.rejected, issues], ignore_index=True),
        rows_in=int(summary.get("rows_in", len(train_rows.frame) + len(holdout_rows.frame))),
    )
    prepared = Prepared(
        train=train_rows.frame,
        holdout=holdout_rows.frame,
        excluded=pd.DataFrame(columns=["source_row", "complaint_ref", "reason_code", "reason"]),
        holdout_name=str(summary["holdout"]),
    )
    return validated, prepared


def _write_training_outputs(
    params: Params, data_file: Path, validated, result, taxonomy, history: list[Path] | None = None
) -> dict[str, tuple]:
    """Save each model with its card and metrics, plus the rows not used; return (card, paths) per model.

    ``history``: the earlier years' files of a retrain, named with their hashes in the card too.
    """
    from pipeline.lifecycle import provenance
    from pipeline.modelling import card as model_card

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
    issues = _data_issues(validated.rejected, prepared.excluded)
    outputs = {}
    if result.category is not None:
        out, trained, evaluation = Path(params.output.model_dir), result.category.trained, result.category.evaluation
        card = model_card.build_model_card(params, trained, evaluation, prepared, summary, *context, benchmarks)
        card = files.save_model(trained.model, card, out)
        metrics = {"holdout": evaluation.metrics, "cross_validation": trained.cv_metrics}
        outputs["category"] = (
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
        out, themes = Path(params.output.themes_model_dir), result.themes
        source = {
            **themes.data.source,
            "too_rare_to_learn": themes.data.too_rare,
            "taxonomy_version": taxonomy.version if taxonomy else None,
            "pattern_coverage": themes.pattern_coverage,
        }
        card = model_card.build_theme_card(
            params, themes.trained, themes.holdout_metrics, themes.names, source, summary, *context, benchmarks
        )
        card = files.save_model(themes.trained.model, card, out)
        metrics = {"holdout": themes.holdout_metrics, "cross_validation": themes.trained.cv_metrics}
        outputs["themes"] = (
            card,
            {
                "theme model": out / files.MODEL_FILE,
                "theme card": out / files.CARD_FILE,
                "theme card in plain words": files.write_text(model_card.plain_text(card), out / "model_card.md"),
                "theme metrics": files.write_json(metrics, out / "metrics.json"),
                "rows not used": files.write_table(issues, out / "data_issues.csv"),
            },
        )
    return outputs


def _print_training_summary(params: Params, validated, result) -> None:
    prepared = result.prepared
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
    if result.category is not None:
        metrics, trained = result.category.evaluation.metrics, result.category.trained
        shown = (
            "accuracy",
            "macro_f1",
            f"top_{params.evaluate.top_k}_accuracy",
            "ece",
            "selective_accuracy",
            "coverage",
        )
        console.print(
            _summary_table(
                "Category model, holdout",
                {
                    **{key: f"{metrics[key]:.3f}" for key in shown},
                    "cross-validated macro-F1": f"{trained.cv_metrics['macro_f1']:.3f}",
                    "chosen C, class weight, calibration": f"{trained.chosen_C}, {trained.chosen_class_weight}, "
                    f"{trained.chosen_calibration}",
                },
            )
        )
    if result.themes is not None:
        themes = result.themes
        rows = {
            "themes learned": len(themes.data.theme_ids),
            "labels from": params.themes.labels,
            "micro-F1": f"{themes.holdout_metrics['micro_f1']:.3f}",
            "macro-F1": f"{themes.holdout_metrics['macro_f1']:.3f}",
            "cross-validated macro-F1": f"{themes.trained.cv_metrics['macro_f1']:.3f}",
        }
        if themes.data.too_rare:
            rows["too rare to learn"] = ", ".join(f"{t} ({n})" for t, n in themes.data.too_rare.items())
        console.print(_summary_table("Theme model, holdout", rows))
        if themes.pattern_coverage:
            console.print(
                _summary_table(
                    "Seed patterns: training texts matched, and more found by the model",
                    {
                        themes.names[t]: f"{c['matched_by_patterns']} matched, +{c['added_by_model']} by the model"
                        for t, c in themes.pattern_coverage.items()
                    },
                )
            )


def _registry(params: Params, head: str):
    from pipeline.lifecycle.tracking import registry_config

    return registry_config(params, head)


def _track(
    params: Params,
    head: str,
    result,
    card: dict,
    artefacts: dict[str, Path],
    champion=None,
    decided: tuple | None = None,
    extra_tags: dict[str, str] | None = None,
):
    """Log one model's run and register it: champion only if it beats the champion fairly, else challenger.

    ``champion`` and ``decided`` (from :func:`_decide`) may be passed in when already known.
    Returns the logged run and the decision.
    """
    from pipeline.lifecycle import tracking
    from pipeline.lifecycle.retrain import decide

    config = _registry(params, head)
    if decided is None:
        champion = tracking.load_with_card(config)
        decided = decide(params, head, result, card["data"]["file_sha256"], champion)
    decision, split_tags = decided
    trained = result.category.trained if head == "category" else result.themes.trained
    new_metrics = result.category.evaluation.metrics if head == "category" else result.themes.holdout_metrics
    scalar = {f"holdout_{k}": v for k, v in new_metrics.items() if isinstance(v, (int, float))}
    scalar |= {f"cv_{k}": v for k, v in trained.cv_metrics.items() if isinstance(v, (int, float))}
    # Rows not used stay local: they carry complaint references, which MLflow need not hold.
    files = {name: path for name, path in artefacts.items() if name not in ("model", "theme model", "rows not used")}
    tags = {"git_commit": card["git_commit"], "model_sha256": card["model_sha256"], "head": head, **split_tags}
    run = tracking.log_training_run(config, trained.model, params.as_dict(), scalar, files, tags | (extra_tags or {}))
    alias = tracking.CHAMPION if decision.promote else tracking.CHALLENGER
    tracking.set_alias(config, run.model_version, alias, run.run_id, decision.reason)
    console.print(
        f"MLflow:  run {run.run_id} in {run.tracking_uri} (experiment '{config.experiment}')\n"
        f"Registry: {run.model_name} v{run.model_version} is now '{alias}': {decision.reason}"
    )
    return run, decision


@app.command()
def retrain(
    new_year: Path = typer.Argument(..., help="Last year's closed complaints (CSV, XLSX or Parquet)."),
    history: list[Path] = typer.Option(
        None, "--history", help="Earlier years' files (repeat the option); default data.train_file."
    ),
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the champion/challenger comparison."),
    params_file: Path = ParamsOption,
) -> None:
    """Add a new year to the history, train a challenger, compare it with the champion on the new year,
    and promote it only if it is better by tracking.promotion_margin."""
    from pipeline.data.schema import Validated
    from pipeline.lifecycle import retrain as stage
    from pipeline.lifecycle import tracking
    from pipeline.modelling.training_job import fit_all

    with user_errors():
        params = stage.retrain_params(load_params(params_file))  # split by time: the new year is the holdout
        taxonomy = files.read_taxonomy(params.themes.taxonomy_file) if params.themes.enabled else None

        def read(path: Path) -> Validated:
            try:
                return _validate_training_file(path, params)  # split by time, so dates are needed
            except DataContractError as error:
                raise DataContractError(f"{path.name}: {error}") from error

        latest = read(new_year)
        earlier = {path.name: read(path) for path in history or [Path(params.data.train_file)]}
        if len(earlier) < len(history or [None]):
            raise DataContractError("Two --history files share a name; give each year's file its own name.")
        validated, combined = stage.combined_records(latest, earlier, new_year.name)
        champions = tracking.load_champions(params)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"Training the challenger on years up to {combined.new_year}", total=None)
            result = fit_all(
                validated, params, taxonomy, lambda done, total: progress.update(task, completed=done, total=total)
            )
    history_files = history or [Path(params.data.train_file)]
    outputs = _write_training_outputs(params, new_year, validated, result, taxonomy, history_files)
    heads = [head for head in stage.heads(params) if head in outputs]
    decided = {
        head: stage.decide(params, head, result, outputs[head][0]["data"]["file_sha256"], champions[head])
        for head in heads
    }
    summary = stage.retrain_summary(result, champions, params, combined.new_year, latest.labels_aliased, decided)
    for line in summary.messages:
        console.print(f"[yellow]•[/] {line}")
    for title, table in summary.console_tables():
        console.print(_frame_table(title, table))
    stem = f"retrain_{combined.new_year.replace('/', '-')}"
    written = [
        files.write_workbook(summary.sheets(), out / f"{stem}.xlsx"),
        files.write_text(summary.markdown(), out / f"{stem}.md"),
    ]
    for head in heads:
        champion = champions[head]
        extra = {"new_year": combined.new_year, "retrain_comparison": written[1].name}
        if champion is not None:
            extra |= {"compared_with_version": champion.version, "compared_with_run_id": champion.run_id}
        card, artefacts = outputs[head]
        run, _ = _track(
            params,
            head,
            result,
            card,
            {**artefacts, "comparison": written[0], "comparison notes": written[1]},
            champion,
            decided[head],
            extra,
        )
        if champion is not None and head in summary.champion_metrics:
            evaluation_run = tracking.log_comparison_run(
                _registry(params, head),
                f"champion v{champion.version} on {combined.new_year}",
                {f"holdout_{k}": v for k, v in summary.champion_metrics[head].items() if isinstance(v, int | float)},
                {
                    "kind": "champion evaluation",
                    "head": head,
                    "evaluates_version": champion.version,
                    "champion_run_id": champion.run_id,
                    "challenger_run_id": run.run_id,
                    "new_year": combined.new_year,
                },
                written,
            )
            tracking.tag_run(_registry(params, head), run.run_id, {"champion_evaluation_run_id": evaluation_run})
    console.print("\n".join(f"Comparison:    {path}" for path in written))


@app.command()
def drift(
    old_file: Path = typer.Argument(
        ..., help="The earlier period: complaint records, or a file from complaints score."
    ),
    new_file: Path = typer.Argument(..., help="The later period (the same kinds of file)."),
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the HTML drift report."),
    old_year: str | None = typer.Option(None, "--old-year", help="Only this financial year of OLD_FILE."),
    new_year: str | None = typer.Option(None, "--new-year", help="Only this financial year of NEW_FILE."),
    params_file: Path = ParamsOption,
) -> None:
    """Compare two periods (mix, text, confidence) and recommend whether to retrain."""
    from pipeline.lifecycle import provenance
    from pipeline.lifecycle.drift import drift as measure_drift
    from pipeline.lifecycle.drift import html as drift_page

    with user_errors():
        params = load_params(params_file)
        old, old_rows = _drift_period(old_file, old_year, params)
        new, new_rows = _drift_period(new_file, new_year, params)
        report = measure_drift(old, new, params.drift)
    stem = f"drift_{_slug(new.name)}_vs_{_slug(old.name)}"
    page = files.write_text(drift_page(report, generated=provenance.now_utc()), out / f"{stem}.html")
    for name, (rows_in, used) in ((old.name, old_rows), (new.name, new_rows)):
        console.print(f"{name}: {rows_in} rows in, {used} compared, {rows_in - used} set aside or in other years.")
    console.print(f"[bold]{report.recommendation}[/]")
    for line in [*report.reasons, *report.notes]:
        console.print(f"• {line}")
    console.print(f"Drift report: {page}")


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def _drift_period(path: Path, year: str | None, params: Params):
    """A file as a drift Period (records, and scores for a scored file); and (rows in, rows used)."""
    from pipeline.lifecycle.drift import Period
    from pipeline.report.records import split_scored_file

    raw = files.read_table(path, params.data.sheet)
    scored = split_scored_file(raw)
    if scored is not None:  # written by `complaints score`: the model's labels stand in for recorded ones
        records, predictions = scored
        data_config = replace(params.data, columns={c: c for c in records.columns if c in CANONICAL_COLUMNS})
        frame = validate(records, data_config, params.labels, purpose="score").frame
        frame = frame.assign(
            category=predictions["predicted_category"].to_numpy(), themes=predictions.get("themes", pd.NA)
        )
        scores = predictions[["probability", "needs_review"]].reset_index(drop=True)
    else:
        frame = validate(
            raw, params.data, params.labels, purpose="train", require_category=False, themes=params.themes
        ).frame
        scores = None
    if year is not None:
        keep = (frame["financial_year"] == year).fillna(False).to_numpy()
        if not keep.any():
            years = ", ".join(sorted(frame["financial_year"].dropna().unique()))
            raise DataContractError(f"{path.name} has no records in {year}; it holds {years or 'no dated records'}.")
        frame = frame.loc[keep].reset_index(drop=True)
        scores = scores.loc[keep].reset_index(drop=True) if scores is not None else None
    years = sorted(frame["financial_year"].dropna().unique())
    name = year or (years[0] if len(years) == 1 else f"{path.name}")
    return Period(name, frame, scores, params.themes.separator), (len(raw), len(frame))


def _frame_table(title: str, frame: pd.DataFrame) -> Table:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), justify="left" if frame[column].dtype == object else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{value:.3f}" if isinstance(value, float) else str(value) for value in row))
    return table


@app.command()
def evaluate(
    data: Path = typer.Argument(..., help="Labelled complaints to measure the saved model on."),
    params_file: Path = ParamsOption,
    model_dir: Path | None = ModelDirOption,
    out: Path | None = typer.Option(None, "--out", help="Write the metrics here as JSON."),
) -> None:
    """Measure a saved model on another labelled file (all rows are used as the test set)."""
    from pipeline.modelling import card as model_card

    with user_errors():
        params = load_params(params_file)
        model, card = files.load_model(model_dir or params.output.model_dir)
        validated = _read_labelled(data, params)
        # Judged at the threshold the model uses when scoring (chosen in training, saved in its card).
        threshold = model_card.suggestion_threshold(card, params.evaluate.suggestion_threshold)
        evaluation = evaluate_model(model, validated.frame, replace(params.evaluate, suggestion_threshold=threshold))
    metrics = evaluation.metrics
    console.print(
        _summary_table(
            f"{data.name}: {metrics['n']} rows ({len(validated.rejected)} not usable)",
            {key: f"{metrics[key]:.3f}" for key in ("accuracy", "macro_f1", "ece", "selective_accuracy", "coverage")},
        )
    )
    if out:
        files.write_json(metrics, out)
        console.print(f"Metrics: {out}")


def _load_one(params: Params, reference: str) -> tuple[object, dict, str]:
    """(model, card, version label) from a registry address or a model folder."""
    from pipeline.lifecycle import tracking

    if reference.startswith("models:/"):
        return tracking.load_registered(params.tracking, reference)
    model, card = files.load_model(reference)
    return model, card, f"{card['model']}@{card['model_sha256'][:12]}"


def load_scorers(params: Params, model: str | None, themes_model: str | None) -> Scorers:
    """The category model and, unless switched off, the theme model with the taxonomy's matcher.

    A theme model named on the command line must load; the default one may be missing (a council
    that has not trained themes yet), and then categories are scored alone, with a warning.
    """
    from pipeline.data.taxonomy import ThemeMatcher
    from pipeline.serving.score import ThemeScorer

    category_model, card, version = _load_one(params, model or params.score.model)
    threshold = card.get("thresholds", {}).get("suggestion_threshold")  # None: Scorers keeps params' own
    reference = themes_model or params.score.themes_model
    if not params.themes.enabled or not reference:
        return Scorers(category_model, version, suggestion_threshold=threshold)
    try:
        theme_model, theme_card, theme_version = _load_one(params, reference)
    except (RegistryError, files.InputFileError) as error:
        if themes_model:
            raise
        log.warning("No theme model (%s): scoring categories only.", error)
        return Scorers(category_model, version, suggestion_threshold=threshold)
    if "themes" not in theme_card:
        raise files.InputFileError(f"{reference} holds a category model, not a theme model (--themes-model).")
    taxonomy = files.read_taxonomy(params.themes.taxonomy_file) if Path(params.themes.taxonomy_file).is_file() else None
    themes = ThemeScorer(
        theme_model,
        tuple(theme["id"] for theme in theme_card["themes"]),
        theme_version,
        ThemeMatcher(taxonomy) if taxonomy is not None else None,
    )
    return Scorers(category_model, version, themes, threshold)


ModelOption = typer.Option(
    None, "--model", help="Registry address (models:/NAME@ALIAS) or model folder; default score.model."
)
ThemesModelOption = typer.Option(
    None, "--themes-model", help="Registry address or folder of the theme model; default score.themes_model."
)


def _rejects_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}_rejects.csv")


@app.command()
def score(
    data: Path = typer.Argument(..., help="Complaints to score (CSV, XLSX or Parquet)."),
    out: Path | None = typer.Option(
        None, "--out", help="Scored file (.csv, .xlsx, .parquet); default output.scored_file."
    ),
    params_file: Path = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
    explain: bool | None = typer.Option(None, "--explain/--no-explain", help="Words behind each suggestion."),
    summary_json: Path | None = typer.Option(None, "--summary-json", help="Also write the summary as JSON here."),
) -> None:
    """Score every row of a file in chunks: top 3 categories, themes, the words behind them, and what needs review.

    Rows that cannot be read go to OUT_rejects.csv with the reason; rows in = rows scored + rows rejected.
    """
    from pipeline.serving.batch import score_chunks

    with user_errors():
        params = load_params(params_file)
        scorers = load_scorers(params, model, themes_model)
        params = scorers.params_for(params)  # the threshold chosen in training
        target = Path(out or params.output.scored_file)
        chunks = files.iter_table(data, params.score.chunk_rows, params.data.sheet)
        with (
            files.TableWriter(target) as scored_out,
            files.TableWriter(_rejects_path(target)) as rejects_out,
            Progress(console=console, transient=True) as bar,
        ):
            task = bar.add_task(f"Scoring {data.name}", total=None)
            summary = score_chunks(
                chunks,
                scorers,
                params,
                scored_out.write,
                rejects_out.write,
                params.score.explain if explain is None else explain,
                progress=lambda rows: bar.advance(task, rows),
            )
    rows = summary.as_dict()
    console.print(_summary_table(f"Scored {data.name}", {k.replace("_", " "): v for k, v in rows.items()}))
    console.print(f"Scored file: {target}\nRejected rows: {_rejects_path(target)}")
    if summary_json:
        files.write_json(rows, summary_json)


@app.command()
def suggest(
    text: str = typer.Argument(..., help="The complaint, as recorded at intake."),
    team: str | None = typer.Option(None, "--team", help="The team the complaint is about (shown with the result)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    params_file: Path = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
) -> None:
    """Suggest the category (top 3 with probabilities) and themes for one complaint, with the words behind them."""
    from pipeline.serving.score import score as score_frame
    from pipeline.serving.score import suggestion as as_suggestion

    with user_errors():
        params = load_params(params_file)
        scorers = load_scorers(params, model, themes_model)
        params = scorers.params_for(params)  # the threshold chosen in training
        frame = intake_frame([text], params.data, [team])
        row = score_frame(scorers.model, frame, params, scorers.version, scorers.themes).iloc[0]
    suggestion = as_suggestion(row, params.evaluate.top_k) | {"team": team}
    if as_json:
        typer.echo(json.dumps(suggestion, indent=2))
        return
    table = Table(title="Suggested categories", title_justify="left")
    for column in ("category", "probability"):
        table.add_column(column)
    for item in suggestion["categories"]:
        table.add_row(item["category"], f"{item['probability']:.2f}  {'█' * round(20 * item['probability'])}")
    console.print(table)
    details = {"words behind the top category": ", ".join(suggestion["category_words"])}
    for theme in suggestion["themes"]:
        evidence = ", ".join(theme["words"]) + (
            f" (pattern: {', '.join(theme['patterns'])})" if theme["patterns"] else ""
        )
        details[f"theme {theme['theme']} {theme['probability']:.2f}"] = evidence
    if not suggestion["themes"]:
        details["themes"] = "none"
    console.print(_summary_table("Why", {k: v or "-" for k, v in details.items()}))
    badge = (
        f"[bold yellow]NEEDS REVIEW[/]: {suggestion['review_reason']}"
        if suggestion["needs_review"]
        else "[green]confident[/]"
    )
    console.print(badge)


@app.command()
def serve(
    params_file: Path = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
    host: str | None = typer.Option(None, "--host", help="Address to listen on; default service.host (127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Port; default service.port (8000)."),
) -> None:
    """Serve the intake page (GET /) and the JSON API (POST /suggest, POST /score, GET /health, /docs)."""
    import os

    import uvicorn

    from pipeline.serving.service import create_app

    with user_errors():
        params = load_params(params_file)
        scorers = load_scorers(params, model, themes_model)
        params = scorers.params_for(params)  # the threshold chosen in training
    token = os.environ.get(params.service.token_variable) or None
    host, port = host or params.service.host, port or params.service.port
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("Listening beyond this machine without a token: set %s.", params.service.token_variable)
    where = f"http://{host}:{port}/"
    console.print(f"Intake page: {where}  (API docs: {where}docs; bearer token {'required' if token else 'off'})")
    uvicorn.run(create_app(scorers, params, token), host=host, port=port)


@app.command()
def report(
    data: Path = typer.Argument(..., help="Complaint records (CSV, XLSX or Parquet) with the year(s) to report."),
    year: str | None = typer.Option(None, "--year", help="Financial year, e.g. 2013/14; default the latest."),
    compare_to: str | None = typer.Option(
        None, "--compare-to", help="Year to compare with; default the year before ('none' for no comparison)."
    ),
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the HTML report and the workbook."),
    labels: str | None = typer.Option(
        None, "--labels", help="recorded, predicted (the model's) or both; default report.labels."
    ),
    params_file: Path = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
) -> None:
    """Write the root-cause report for service leads: one self-contained HTML page and an XLSX workbook."""
    from pipeline.lifecycle import provenance
    from pipeline.report import render, report_records
    from pipeline.report import report as build_report
    from pipeline.report.records import split_scored_file
    from pipeline.serving.score import score as score_frame

    with user_errors():
        params = load_params(params_file)
        settings = replace(
            params.report,
            year=year or params.report.year,
            compare_to=compare_to or params.report.compare_to,
            labels=_choice("--labels", labels or params.report.labels, ("recorded", "predicted", "both")),
        )
        raw = files.read_table(data, params.data.sheet)
        scored_file = split_scored_file(raw)
        if scored_file is not None:  # written by `complaints score`: our column names, the model's labels
            raw, predictions = scored_file
            settings = replace(settings, labels=_only_predicted(labels))
            data_config = replace(params.data, columns={c: c for c in raw.columns if c in CANONICAL_COLUMNS})
            versions = sorted(
                {
                    str(v)
                    for c in ("model_version", "themes_model_version")
                    if c in predictions
                    for v in predictions[c].dropna()
                }
            )
        else:
            predictions, versions, data_config = None, [], params.data
        validated = validate(raw, data_config, params.labels, purpose="score")
        if settings.labels != "recorded" and predictions is None:
            scorers = load_scorers(params, model, themes_model)
            params = scorers.params_for(params)  # the threshold chosen in training
            predictions = score_frame(
                scorers.model, validated.frame, params, scorers.version, scorers.themes, explain=False
            )
            versions = [scorers.version] + ([scorers.themes.version] if scorers.themes else [])
        records = report_records(
            validated.frame, params.labels, settings, theme_separator=params.themes.separator, predictions=predictions
        )
        taxonomy_file = Path(params.themes.taxonomy_file)
        names = files.read_taxonomy(taxonomy_file).name_of if params.themes.enabled and taxonomy_file.is_file() else None
        theme_ids = {t for ids in records.frame["theme_ids"] for t in ids}
        published = files.read_yaml(settings.published_file) if settings.published_file else None
        with Progress(console=console, transient=True) as bar:
            bar.add_task("Building the report", total=None)
            built = build_report(
                records,
                settings,
                params.labels,
                theme_names={t: names(t) for t in theme_ids} if names else {},
                published=published,
                model_versions=versions,
                suggestion_threshold=params.evaluate.suggestion_threshold,
            )
    stem = f"complaints_report_{built.year.replace('/', '-')}"
    page = files.write_text(render.html(built, generated=provenance.now_utc()), out / f"{stem}.html")
    workbook = files.write_workbook(render.sheets(built), out / f"{stem}.xlsx")
    console.print("\n".join(f"• {line}" for line in built.headlines))
    console.print(f"Report:   {page}\nWorkbook: {workbook}")


@app.command("label-issues")
def label_issues(
    data: Path = typer.Argument(..., help="Complaint records with a recorded category (CSV, XLSX or Parquet)."),
    out: Path = typer.Option(Path("label_issues.csv"), "--out", help="CSV of records to re-read, likeliest first."),
    params_file: Path = ParamsOption,
) -> None:
    """List records whose recorded category is probably wrong (confident learning on out-of-fold predictions)."""
    from pipeline.lifecycle.label_issues import find_label_issues

    with user_errors():
        params = load_params(params_file)
        validated = validate(files.read_table(data, params.data.sheet), params.data, params.labels, purpose="train")
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Scoring every record with a model that never saw it", total=None)
            found = find_label_issues(
                validated.frame, params, lambda done, total: progress.update(task, completed=done, total=total)
            )
    written = files.write_table(found.issues, out)
    set_aside = pd.concat([validated.rejected, found.set_aside], ignore_index=True)
    console.print(
        f"{validated.rows_in} rows in: {found.rows_checked} checked, {len(set_aside)} set aside. "
        f"{len(found.issues)} records look mislabelled; re-read them before changing anything."
    )
    if len(set_aside):
        console.print(f"Set aside:    {files.write_table(set_aside, _rejects_path(out))}")
    console.print(f"Label issues: {written}")


def _only_predicted(labels: str | None) -> str:
    if labels not in (None, "predicted"):
        raise ConfigError(
            "This is a scored file: it holds the model's suggestions but not the recorded labels or the text. "
            "Use --labels predicted, or report on the records file (with --labels both to compare)."
        )
    return "predicted"


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{option} is '{value}'; choose one of: {', '.join(allowed)}.")
    return value

"""The ``complaints`` command: each command loads its inputs, calls one stage, writes the results and
says where they are. The work itself lives in the modules each command names."""

from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import Progress

from pipeline import console_views as views
from pipeline.config import load_params
from pipeline.errors import USER_ERRORS, ModelIntegrityError

# Only typer, rich, yaml and the config load at start-up (`complaints --help` answers in well under a
# second); each command imports the libraries it needs (pandas, scikit-learn, spaCy, MLflow) itself.
# Tracebacks never show local variables: they could hold complaint text.
app = typer.Typer(no_args_is_help=True, help=views.COMMAND_HELP, pretty_exceptions_show_locals=False)
console = Console(stderr=True)
log = logging.getLogger("complaints")

EXIT_USER_ERROR, EXIT_UNTRUSTED_MODEL = 2, 3
ParamsOption = typer.Option(
    None,
    "--params",
    "-p",
    help="Your config (complaints init writes one); default ./params.yaml, else the packaged defaults.",
)
ModelOption = typer.Option(
    None, "--model", help="Registry address (models:/NAME@ALIAS) or model folder; default score.model."
)
ThemesModelOption = typer.Option(
    None, "--themes-model", help="Registry address or folder of the theme model; default score.themes_model."
)
EngineOption = typer.Option(
    "pandas", "--engine", help="pandas (this process) or spark (PySpark, pip install '.[spark]'; national volumes)."
)
MasterOption = typer.Option(
    None, "--master", help="Spark only: local[*] (default), spark://HOST:PORT, yarn or k8s://...; see the README."
)


def _show_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"complaints {version('complaints-pipeline')}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logging."),
    show_version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=False)],
        force=True,
    )
    _end_cleanly_when_stopped()
    # Nothing is written outside the working folder: matplotlib (the confusion-matrix figure) would cache
    # its fonts under ~/.config or ~/.cache; a temporary folder is used unless the user chose one.
    os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "complaints-matplotlib"))


def _stopped(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def _end_cleanly_when_stopped() -> None:
    """A command told to stop (kill, a closed terminal) ends as an error would: files half written are
    removed and an MLflow run under way is marked FAILED, instead of the process vanishing mid-way."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stopped)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors an analyst can fix into a plain message and exit code 2 (nothing is written)."""
    try:
        yield
    except ModelIntegrityError as error:
        console.print(f"[bold red]Refused:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_UNTRUSTED_MODEL) from error
    except USER_ERRORS as error:
        # Escaped: a message may hold square brackets (an extra such as [postgres], a placeholder) Rich would eat.
        console.print(f"[bold red]Cannot continue:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_USER_ERROR) from error


@contextmanager
def progress_bar(title: str) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar; yields ``update(done, total)`` for the stage to call."""
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(title, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def init(
    export: Path = typer.Argument(..., help="Your council's export of complaints (CSV or XLSX)."),
    out: Path = typer.Option(Path("council.yaml"), "--out", help="The config to write."),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX: the sheet to read; default the first with a table."),
    header_row: int | None = typer.Option(None, "--header-row", help="Row of the column names; default found."),
    force: bool = typer.Option(
        False, "--force", help="Replace the config if it exists (an existing themes file is always kept)."
    ),
) -> None:
    """Read your export and write a config for it: which column is which, how your categories, outcomes and
    stages map to the national lists, and an editable copy of the themes. Nothing is guessed silently."""
    from pipeline.data import files
    from pipeline.data.proposal import propose_config
    from pipeline.defaults import PARAMS_NAME, THEMES_NAME, default_file

    with user_errors():
        if out.exists() and not force:
            raise files.InputFileError(f"{out} already exists: add --force to replace it, or --out another name.")
        layout = files.describe_table(export, sheet, header_row)
        frame = files.read_table(export, layout=layout)
        # Proposed against the packaged defaults, which the config inherits (not a local params.yaml).
        defaults = load_params(default_file(PARAMS_NAME))
        found = propose_config(frame, defaults, export.as_posix(), layout.config_values())
    console.print(f"Read as: {layout.summary()}")
    for view in views.proposal(found):
        console.print(view)
    # One editable themes file beside the configs: a second export's config shares it, edits and all, so
    # it is never replaced (delete it for a fresh copy of the packaged themes).
    themes_copy = out.with_name(THEMES_NAME)
    keep_themes = themes_copy.exists()
    if not keep_themes:
        files.write_text(default_file(THEMES_NAME).read_text(encoding="utf-8"), themes_copy)
    themes_name = Path(os.path.relpath(themes_copy)).as_posix()
    files.write_text(found.config_text(date.today(), themes_name), out)
    for ours, candidates in found.missing().items():
        log.warning("No column found for %s; name it under data.columns in %s (unused: %s).", ours, out, candidates)
    for value in found.unmatched():
        log.warning(
            "%s '%s' (%d rows) matches nothing we know: decide it in %s.",
            value.column,
            value.spelling,
            value.count,
            out,
        )
    kept = " (yours, kept: delete it for a fresh copy of the packaged themes)" if keep_themes else ""
    console.print(f"Config: {out}\nThemes: {themes_copy}{kept}\nNext:   complaints check {export} --params {out}")


@app.command()
def check(
    export: Path = typer.Argument(..., help="The export to check (CSV, XLSX or Parquet)."),
    params_file: Path | None = ParamsOption,
    out: Path = typer.Option(Path("check_set_aside.csv"), "--out", help="CSV of the rows that would be set aside."),
) -> None:
    """A dry run of train, score and report on EXPORT: rows used and set aside (by row, in a CSV), labels per
    year, categories too small to learn, where themes come from, and report sections that would be empty.
    Exit 0 when everything would run, 2 when something must be fixed first."""
    from pipeline.data import files, inputs
    from pipeline.lifecycle.check import check_export

    with user_errors():
        params = load_params(params_file)
        taxonomy = inputs.read_taxonomy(params.themes)
        raw = files.read_table(export, params.data.sheet, params.data.header_row, params.data.max_text_chars)
        found = check_export(raw, params, taxonomy, date.today())
    for view in views.check_result(found):
        console.print(view)
    if len(found.set_aside):  # nothing to list when the file could not be read as complaints at all
        console.print(f"Rows set aside: {files.write_table(found.set_aside, out)}")
    if not found.runs:
        raise typer.Exit(EXIT_USER_ERROR)


@app.command()
def train(
    params_file: Path | None = ParamsOption,
    data: Path | None = typer.Option(None, "--data", help="Labelled complaints; default data.train_file."),
    prepared_dir: Path | None = typer.Option(
        None, "--prepared", help="Train on the split written by `complaints prepare` (its folder) instead."
    ),
    track: bool = typer.Option(True, "--track/--no-track", help="Log the runs and register the models in MLflow."),
) -> None:
    """Validate, split, train the category and theme models, evaluate on the holdout, save, and track."""
    from pipeline.data import inputs
    from pipeline.lifecycle import promotion, saving, tracking
    from pipeline.modelling.training_job import summary_tables, train_and_evaluate

    with user_errors():
        params = load_params(params_file)
        taxonomy = inputs.read_taxonomy(params.themes)
        data_file, validated, prepared = inputs.read_training_input(params, data, prepared_dir, date.today())
        for line in validated.warnings():
            log.warning(line)
        for line in tracking.close_interrupted_runs(params.tracking) if track else ():
            log.warning(line)
        with progress_bar("Cross-validated search, then final fit") as update:
            result = train_and_evaluate(validated, params, taxonomy, update, prepared)
    saved = saving.save_models(params, data_file, validated, result, taxonomy)
    for title, rows in summary_tables(validated, result, params.evaluate.top_k).items():
        console.print(views.table(title, rows))
    for head, model in saved.items():
        promoted = True  # untracked: nothing to compare with, the new model is the folder's
        if track:
            run, decision = promotion.register_trained(params, head, result, model)
            console.print(views.registration(params, head, run, decision))
            promoted = decision.promote
        model = saving.install_champion(params, head, model) if promoted else model
        console.print(_model_folder(params, head, promoted))
        console.print(views.artefacts(model.artefacts))


def _model_folder(params, head: str, promoted: bool) -> str:
    from pipeline.lifecycle import saving

    champion = saving.champion_folder(params, head)
    return views.model_folder(champion if promoted else saving.challenger_folder(params, head), champion, promoted)


@app.command("prepare")
def prepare_split(
    params_file: Path | None = ParamsOption,
    data: Path | None = typer.Option(None, "--data", help="Labelled complaints; default data.train_file."),
    out: Path = typer.Option(Path("data/prepared"), "--out", help="Folder for train.csv, holdout.csv and the rest."),
) -> None:
    """Validate and split the training data once (the first stage of dvc.yaml): train.csv, holdout.csv,
    the rows not used and a summary. `complaints train --prepared FOLDER` trains on exactly this split."""
    from pipeline.data import inputs
    from pipeline.data.prepare import prepare

    with user_errors():
        params = load_params(params_file)
        data_file = inputs.training_file(params, data)
        validated = inputs.read_training_file(data_file, params, date.today())
        prepared = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    written = inputs.write_prepared(validated, prepared, data_file, out)
    console.print(views.prepared_split(validated, prepared))
    console.print("\n".join(f"Written: {path}" for path in written))


@app.command()
def retrain(
    new_year: Path = typer.Argument(..., help="Last year's closed complaints (CSV, XLSX or Parquet)."),
    history: list[Path] = typer.Option(
        None, "--history", help="Earlier years' files (repeat the option); default data.train_file."
    ),
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the champion/challenger comparison."),
    params_file: Path | None = ParamsOption,
) -> None:
    """Add a new year to the history, train a challenger, compare it with the champion on the new year,
    and promote it only if it is better by tracking.promotion_margin."""
    from pipeline.data import files, inputs
    from pipeline.lifecycle import promotion, saving, tracking
    from pipeline.lifecycle import retrain as stage
    from pipeline.modelling.training_job import train_and_evaluate

    with user_errors():
        params = stage.retrain_params(load_params(params_file))  # split by time: the new year is the holdout
        taxonomy = inputs.read_taxonomy(params.themes)
        history_files = history or [inputs.training_file(params, None)]
        latest, earlier = inputs.read_years(new_year, history_files, params, date.today())
        validated, combined = stage.combine_years(latest, earlier, new_year.name)
        champions = tracking.load_champions(params)
        for line in tracking.close_interrupted_runs(params.tracking):
            log.warning(line)
        with progress_bar(f"Training the challenger on years up to {combined.new_year}") as update:
            result = train_and_evaluate(validated, params, taxonomy, update)
    saved = saving.save_models(params, new_year, validated, result, taxonomy, history_files)
    decided = promotion.decide_each(params, result, saved, champions)
    summary = stage.retrain_summary(result, champions, params, combined.new_year, latest.labels_aliased, decided)
    for line in summary.messages:
        console.print(f"[yellow]•[/] {line}")
    for title, table in summary.console_tables():
        console.print(views.table(title, table))
    stem = f"retrain_{combined.new_year.replace('/', '-')}"
    written = [
        files.write_workbook(summary.sheets(), out / f"{stem}.xlsx"),
        files.write_text(summary.markdown(), out / f"{stem}.md"),
    ]
    runs = promotion.record_retrain(params, result, saved, champions, decided, summary, written, combined.new_year)
    for head, (run, decision) in runs.items():
        console.print(views.registration(params, head, run, decision))
        if decision.promote:
            saving.install_champion(params, head, saved[head])
        console.print(_model_folder(params, head, decision.promote))
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
    params_file: Path | None = ParamsOption,
) -> None:
    """Compare two periods (mix, text, confidence) and recommend whether to retrain."""
    from pipeline.data import files, inputs
    from pipeline.lifecycle import drift as stage
    from pipeline.lifecycle import provenance
    from pipeline.privacy import Redactor

    with user_errors():
        params = load_params(params_file)
        periods = [stage.read_period(old_file, old_year, params), stage.read_period(new_file, new_year, params)]
        taxonomy = inputs.read_taxonomy(params.themes)
        theme_names = {theme.id: theme.name for theme in taxonomy.themes} if taxonomy else None
        redactor = Redactor(params.privacy.case_ref_patterns)
        acceptance, warnings = _acceptance(params, redactor)
        found = stage.measure_drift(
            *periods, params.drift, theme_names, redactor, acceptance, warnings, params.feedback.min_decisions
        )
    page = files.write_text(stage.html(found, generated=provenance.now_utc()), out / stage.page_name(*periods))
    for line in views.drift_summary(periods, found):
        console.print(line)
    console.print(f"Drift report: {page}")


@app.command()
def evaluate(
    data: Path = typer.Argument(..., help="Labelled complaints to measure the saved model on."),
    params_file: Path | None = ParamsOption,
    model: str | None = typer.Option(
        None, "--model", "--model-dir", help="Model folder or registry address; default output.model_dir."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the metrics here as JSON."),
) -> None:
    """Measure a saved model on another labelled file (all rows are the test set), at its own threshold."""
    from pipeline.data import files, inputs
    from pipeline.lifecycle.tracking import load_model
    from pipeline.modelling.evaluate import evaluate as measure

    with user_errors():
        params = load_params(params_file)
        loaded = load_model(params.tracking, model or params.output.model_dir)
        validated = inputs.read_labelled(data, params)
        metrics = measure(loaded, validated.frame, params.evaluate).metrics
    console.print(views.evaluation(data.name, metrics, len(validated.rejected)))
    if out:
        console.print(f"Metrics: {files.write_json(metrics, out)}")


@app.command()
def score(
    data: Path = typer.Argument(..., help="Complaints to score (CSV, XLSX or Parquet)."),
    out: Path | None = typer.Option(
        None, "--out", help="Scored file (.csv, .xlsx, .parquet); default output.scored_file."
    ),
    params_file: Path | None = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
    explain: bool | None = typer.Option(None, "--explain/--no-explain", help="Words behind each suggestion."),
    summary_json: Path | None = typer.Option(None, "--summary-json", help="Also write the summary as JSON here."),
    engine: str = EngineOption,
    master: str | None = MasterOption,
) -> None:
    """Score every row of a file in chunks: top 3 categories, themes, the words behind them, and what needs review.

    Rows that cannot be read go to OUT_rejects.csv with the reason; rows in = rows scored + rows rejected.
    With --engine spark, DATA may be a folder or a glob of files, and OUT a Parquet folder by financial year.
    """
    from pipeline.data import files
    from pipeline.serving.batch import score_chunks
    from pipeline.serving.models import load_scorers

    with user_errors():
        params = load_params(params_file)
        scorers = load_scorers(params, model, themes_model)
        if engine not in ("pandas", "spark"):
            raise files.InputFileError(f"--engine is '{engine}'; choose pandas or spark.")
        if engine == "spark":
            from pipeline.spark.job import score_files

            explained = params.score.explain if explain is None else explain
            found = score_files(str(data), out, params, scorers, explained, master)
    if engine == "spark":
        rows = found.summary.as_dict()
        console.print(views.table(f"Scored {data.name}", {k.replace("_", " "): v for k, v in rows.items()}))
        console.print(views.table("By file", found.per_file))
        for name, why in found.unreadable_files:
            log.warning("Not read: %s (%s)", name, why)
        console.print(f"Scored rows: {found.scored_path}\nRejected rows: {found.rejects_path}")
        if summary_json:
            files.write_json(found.as_dict(), summary_json)
        return
    with user_errors():
        target = Path(out or params.output.scored_file)
        chunks = files.iter_table(
            data, params.score.chunk_rows, params.data.sheet, params.data.header_row, params.data.max_text_chars
        )
        explained = params.score.explain if explain is None else explain
        with (
            files.TableWriter(target) as scored_out,
            files.TableWriter(files.rejects_path(target)) as rejects_out,
            progress_bar(f"Scoring {data.name}") as update,
        ):
            summary = score_chunks(
                chunks,
                scorers,
                params,
                scored_out.write,
                rejects_out.write,
                explained,
                lambda rows: update(rows, None),
                date.today(),
            )
    rows = summary.as_dict()
    console.print(views.table(f"Scored {data.name}", {k.replace("_", " "): v for k, v in rows.items()}))
    console.print(f"Scored file: {target}\nRejected rows: {files.rejects_path(target)}")
    if summary_json:
        files.write_json(rows, summary_json)


@app.command()
def suggest(
    text: str = typer.Argument(..., help="The complaint, as recorded at intake."),
    team: str | None = typer.Option(None, "--team", help="The team the complaint is about (shown with the result)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    params_file: Path | None = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
) -> None:
    """Suggest the category (top 3 with probabilities) and themes for one complaint, with the words behind them."""
    from pipeline.data.schema import intake_frame
    from pipeline.serving.models import load_scorers
    from pipeline.serving.score import score as score_frame
    from pipeline.serving.score import suggestion as as_suggestion

    with user_errors():
        params = load_params(params_file)
        scorers = load_scorers(params, model, themes_model)
        row = score_frame(scorers, intake_frame([text], params.data, [team]), params).iloc[0]
    suggestion = as_suggestion(row, params.evaluate.top_k) | {"team": team}
    if as_json:
        typer.echo(json.dumps(suggestion, indent=2))
        return
    for view in views.suggestion(suggestion):
        console.print(view)


@app.command()
def serve(
    params_file: Path | None = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
    host: str | None = typer.Option(None, "--host", help="Address to listen on; default service.host (127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Port; default service.port (8000)."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Server processes, each with its own copy of the models; default service.workers.",
    ),
) -> None:
    """Serve the intake page (GET /) and the JSON API (POST /suggest, POST /score, POST /feedback, GET /health,
    /docs); officers' decisions go to feedback.database_url."""
    import dataclasses

    import uvicorn

    from pipeline.serving.models import load_scorers
    from pipeline.serving.service import SERVE_ARGUMENTS, create_app

    with user_errors():
        params = load_params(params_file)
        scorers = load_scorers(params, model, themes_model)  # in this process too, so a bad model is reported here
        store = _decision_store(params)  # likewise a store that cannot be opened
    token = os.environ.get(params.service.token_variable) or None
    host, port = host or params.service.host, port or params.service.port
    workers = workers or params.service.workers
    if not token and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("Listening beyond this machine without a token: set %s.", params.service.token_variable)
    # The address given is a name clients may use; a wildcard address is not.
    named = () if host in ("0.0.0.0", "::", "") else (host.strip("[]").lower(),)
    allowed = tuple(dict.fromkeys(params.service.allowed_hosts + named))
    params = dataclasses.replace(params, service=dataclasses.replace(params.service, allowed_hosts=allowed))
    where = f"http://{host}:{port}/"
    console.print(
        f"Intake page: {where}  (API docs: {where}docs; bearer token {'required' if token else 'off'}; "
        f"{workers} worker{'s' if workers > 1 else ''})"
    )
    if workers == 1:
        uvicorn.run(create_app(scorers, params, token, store), host=host, port=port)
        return
    del scorers  # each worker process loads its own
    store.close()
    arguments = {"params": params.source, "model": model, "themes_model": themes_model, "allowed_hosts": allowed}
    os.environ[SERVE_ARGUMENTS] = json.dumps(arguments)
    uvicorn.run("pipeline.serving.service:app_from_environment", factory=True, workers=workers, host=host, port=port)


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
    audience: str | None = typer.Option(
        None, "--audience", help="public (small counts withheld) or internal (exact); default report.audience."
    ),
    params_file: Path | None = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
    engine: str = EngineOption,
    master: str | None = MasterOption,
) -> None:
    """Write the root-cause report for service leads: one self-contained HTML page and an XLSX workbook.

    With --engine spark (a folder or glob of records or of scored files), only the counted tables are
    made, on Spark, and written as a workbook; see the README's "Scoring at national scale"."""
    from pipeline.data import files, inputs
    from pipeline.lifecycle import provenance
    from pipeline.report import render
    from pipeline.report.build import build_report_from_records, report_settings
    from pipeline.serving.models import report_suggestions

    if engine == "spark":
        from pipeline.spark.job import report_files

        with user_errors():
            params = load_params(params_file)
            counted = report_files(str(data), params, year, compare_to, labels, audience, master)
        stem = f"complaints_report_{counted.year.replace('/', '-')}_counts"
        console.print(f"{counted.complaints:,} complaints in {counted.year} of {counted.rows:,} counted.")
        console.print(f"Counted tables: {files.write_workbook(counted.sheets(), out / f'{stem}.xlsx')}")
        return
    with user_errors():
        params = load_params(params_file)
        found = inputs.read_records(data, params, today=date.today())
        settings = report_settings(params.report, year, compare_to, labels, found.scored, audience)
        suggestions = report_suggestions(params, found, settings.labels, model, themes_model)
        taxonomy, published = inputs.read_report_references(params.themes, settings.published_file)
        with progress_bar("Building the report"):
            built = build_report_from_records(
                found.validated.frame, params, settings, suggestions, taxonomy, published, found.validated.unmapped
            )
    for line in built.warnings:
        log.warning(line)
    stem = f"complaints_report_{built.year.replace('/', '-')}"
    page = files.write_text(render.html(built, generated=provenance.now_utc()), out / f"{stem}.html")
    book = render.workbook(built)
    workbook = files.write_workbook(book.sheets, out / f"{stem}.xlsx", formats=book.formats, banner=book.banner)
    console.print("\n".join(f"• {line}" for line in built.headlines))
    console.print(f"Report:   {page}\nWorkbook: {workbook}")


@app.command("spark-job")
def spark_job(
    data: str = typer.Argument(..., help="Complaints to score: a file, a folder of files or a glob."),
    out: Path = typer.Option(
        Path("outputs/spark-job"), "--out", help="Folder for scored.parquet, rejects and the counted tables."
    ),
    master: str = typer.Option("local[*]", "--master", help="spark://HOST:PORT, yarn, k8s://... or local[N]."),
    wheel: Path | None = typer.Option(None, "--wheel", help="This project's wheel; default built from the source."),
    params_file: Path | None = ParamsOption,
    model: str | None = ModelOption,
    themes_model: str | None = ThemesModelOption,
    explain: bool = typer.Option(True, "--explain/--no-explain", help="Words behind each suggestion."),
    year: str | None = typer.Option(None, "--year", help="Financial year of the counted tables; default the latest."),
) -> None:
    """Score then count the report on a Spark cluster: build the project's wheel and spark-submit the job."""
    import subprocess

    from pipeline.spark import job

    with user_errors(), tempfile.TemporaryDirectory() as folder:
        shipped = wheel or job.project_wheel(Path(folder))
        arguments = [data, str(out)] + (["--params", str(params_file)] if params_file else [])
        arguments += (["--model", model] if model else []) + (["--themes-model", themes_model] if themes_model else [])
        arguments += ([] if explain else ["--no-explain"]) + (["--year", year] if year else [])
        command = job.submit_command(master, shipped, arguments)
        log.info("Running: %s", " ".join(command))
        code = subprocess.run(command, env=job.submit_environment(master)).returncode
    if code:
        raise typer.Exit(code)
    console.print(f"Scored rows, rejects and counted tables: {out}")


@app.command("label-issues")
def label_issues(
    data: Path = typer.Argument(..., help="Complaint records with a recorded category (CSV, XLSX or Parquet)."),
    out: Path = typer.Option(Path("label_issues.csv"), "--out", help="CSV of records to re-read, likeliest first."),
    params_file: Path | None = ParamsOption,
) -> None:
    """List records whose recorded category is probably wrong (confident learning on out-of-fold predictions)."""
    import pandas as pd

    from pipeline.data import files, inputs
    from pipeline.lifecycle.label_issues import find_label_issues

    with user_errors():
        params = load_params(params_file)
        validated = inputs.read_labelled(data, params)
        with progress_bar("Scoring every record with a model that never saw it") as update:
            found = find_label_issues(validated.frame, params, update)
    written = files.write_table(found.issues, out)
    set_aside = pd.concat([validated.rejected, found.set_aside], ignore_index=True)
    console.print(views.label_issues_summary(validated.rows_in, found, len(set_aside)))
    if len(set_aside):
        console.print(f"Set aside:    {files.write_table(set_aside, files.rejects_path(out))}")
    console.print(f"Label issues: {written}")


@app.command()
def redact(
    data: Path = typer.Argument(..., help="A table of complaints (CSV, XLSX or Parquet)."),
    column: str = typer.Option("description", "--column", help="The text column to redact."),
    out: Path | None = typer.Option(None, "--out", help="Where to write (default: FILE_redacted.csv beside it)."),
    params_file: Path | None = ParamsOption,
) -> None:
    """Replace names, phone numbers, emails, addresses and other identifiers in one text column; keep every other column."""
    from pipeline.data import files
    from pipeline.errors import DataContractError
    from pipeline.privacy import Redactor

    with user_errors():
        params = load_params(params_file)
        frame = files.read_table(data, params.data.sheet, params.data.header_row, params.data.max_text_chars)
        if column not in frame.columns:
            raise DataContractError(
                f"{data} has no column {column!r}. Its columns: {', '.join(map(str, frame.columns))}."
            )
        frame[column] = Redactor(params.privacy.case_ref_patterns).redact_all(frame[column])
        written = files.write_table(frame, out or data.with_name(f"{data.stem}_redacted.csv"))
    console.print(f"Redacted {len(frame):,} rows ({column}): {written}")


# --- complaints feedback: what the officers decided at intake ------------------------------------------

feedback_app = typer.Typer(
    no_args_is_help=True,
    help="The officers' decisions at intake: live accuracy (summary), labelled records for retraining "
    "(export), and decisions from the case system joined to scored output (import).",
)
app.add_typer(feedback_app, name="feedback")
SinceOption = typer.Option(None, "--since", help="Only decisions recorded on or after this date (YYYY-MM-DD).")


def _since(since: str | None) -> date | None:
    from pipeline.errors import ConfigError

    try:
        return date.fromisoformat(since) if since else None
    except ValueError:
        raise ConfigError(f"--since {since!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-04-01.") from None


def _decision_store(params):
    from pipeline.feedback import store

    url = store.database_url(params.feedback, os.environ)
    log.info("Decision store: %s", store.shown_url(url))
    return store.open_store(url)


def _theme_names(params) -> dict[str, str]:
    """Theme id -> name from the themes file (read directly: the training modules take seconds to import)."""
    from pipeline.data import files
    from pipeline.defaults import THEMES_NAME, default_file

    if not params.themes.enabled:
        return {}
    taxonomy = files.read_taxonomy(params.themes.taxonomy_file or default_file(THEMES_NAME))
    return {theme.id: theme.name for theme in taxonomy.themes}


def _acceptance(params, redactor):
    """The officers' acceptance rate per model version, and any broken promise, when decisions exist (drift)."""
    from pipeline.errors import ConfigError
    from pipeline.feedback import store, summary

    url = store.database_url(params.feedback, os.environ)
    if not store.has_store(url):
        return None, []
    try:
        opened = store.open_store(url)
    except ConfigError as error:
        log.warning("The drift report leaves out the officers' decisions: %s", error)
        return None, []
    decisions = opened.frame(with_text=False, with_suggestion=False)
    opened.close()
    if decisions.empty:
        return None, []
    found = summary.summarise(
        decisions,
        params.evaluate.target_precision or summary.DEFAULT_TARGET,
        redactor=redactor,
        min_decisions=params.feedback.min_decisions,
    )
    return found.by_model, found.warnings


@feedback_app.command("summary")
def feedback_summary(
    since: str | None = SinceOption,
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the page and the workbook."),
    params_file: Path | None = ParamsOption,
) -> None:
    """How often the first suggestion is kept, per week, category, team and model version; whether the
    confident suggestions keep the model card's promise; the commonest corrections; theme precision and recall."""
    from datetime import UTC, datetime

    from pipeline.data import files
    from pipeline.feedback import summary as stage
    from pipeline.lifecycle import provenance
    from pipeline.privacy import Redactor
    from pipeline.report.published import INTERNAL_BANNER

    with user_errors():
        params = load_params(params_file)
        start = _since(since)
        store = _decision_store(params)
        decisions = store.frame(
            datetime.combine(start, datetime.min.time(), UTC) if start else None, with_text=False, with_suggestion=False
        )
        total = store.count()
        store.close()
        names = _theme_names(params)
        target = params.evaluate.target_precision or stage.DEFAULT_TARGET
        redactor = Redactor(params.privacy.case_ref_patterns)
        found = stage.summarise(
            decisions, target, names, since, redactor, min_decisions=params.feedback.min_decisions, total=total
        )
    written = [
        files.write_text(stage.html(found, provenance.now_utc()), out / "feedback_summary.html"),
        files.write_workbook(
            found.sheets(), out / "feedback_summary.xlsx", formats=found.formats(), banner=INTERNAL_BANNER
        ),
    ]
    console.print(found.headline())
    for warning in found.warnings:
        console.print(f"[bold yellow]Warning:[/] {warning}")
    console.print("\n".join(f"Summary:  {path}" for path in written))


@feedback_app.command("export")
def feedback_export(
    out: Path = typer.Option(Path("decisions.csv"), "--out", help="The labelled records (CSV, XLSX or Parquet)."),
    texts: Path | None = typer.Option(
        None, "--texts", help="A table of complaint_ref and description, for decisions stored without their text."
    ),
    since: str | None = SinceOption,
    params_file: Path | None = ParamsOption,
) -> None:
    """Write the decisions as labelled complaint records (the officer's category and themes), which
    complaints retrain takes as a --history file and complaints label-issues reads."""
    from datetime import UTC, datetime

    from pipeline.data import files
    from pipeline.feedback import exchange
    from pipeline.privacy import Redactor

    with user_errors():
        params = load_params(params_file)
        start = _since(since)
        given = None
        if texts is not None:
            table = files.read_table(texts, params.data.sheet, params.data.header_row, params.data.max_text_chars)
            given = exchange.by_reference(table, params)
        store = _decision_store(params)
        decisions = store.frame(datetime.combine(start, datetime.min.time(), UTC) if start else None)
        store.close()
        exported = exchange.export_records(decisions, Redactor(params.privacy.case_ref_patterns), given)
        # In the council's own column names (data.columns), so the same --params reads it back.
        written = files.write_table(exported.records.rename(columns=dict(params.data.columns)), out)
    console.print(f"Exported {len(exported.records):,} decisions as labelled records: {written}")
    if exported.without_text:
        console.print(
            f"[yellow]•[/] {exported.without_text:,} decisions have no text (feedback.store_text is off and no "
            "--texts file gave it by case reference): they were left out."
        )
    if exported.dated_by_decision:
        console.print(
            f"[yellow]•[/] {exported.dated_by_decision:,} records are dated by the day the decision was recorded: "
            "the complaint's received date was not stored with it and no --texts file gave it (a date_received "
            "column). Their financial year may be off near 1 April."
        )


@feedback_app.command("import")
def feedback_import(
    decisions_file: Path = typer.Argument(..., help="Final decisions: case reference, category and (optional) themes."),
    scored: Path = typer.Option(..., "--scored", help="The file complaints score wrote for the same complaints."),
    ref_column: str | None = typer.Option(
        None, "--complaint-ref-column", help="The decisions file's case reference column (default: data.columns)."
    ),
    category_column: str | None = typer.Option(
        None, "--category-column", help="The decisions file's final category column (default: data.columns)."
    ),
    themes_column: str | None = typer.Option(
        None, "--themes-column", help="The decisions file's final themes column, ids or names (default: data.columns)."
    ),
    params_file: Path | None = ParamsOption,
) -> None:
    """Record decisions made in the case system, joined by case reference to the suggestions scored for them.

    Importing the same file again records nothing new. Rows that cannot be joined go to
    outputs/DECISIONS_rejects.csv with the reason.
    """
    from pipeline.data import files, inputs
    from pipeline.feedback import exchange

    with user_errors():
        params = load_params(params_file)
        read = [
            files.read_table(path, params.data.sheet, params.data.header_row, params.data.max_text_chars)
            for path in (decisions_file, scored)
        ]
        taxonomy = inputs.read_taxonomy(params.themes)
        named = {"complaint_ref": ref_column, "category": category_column, "themes": themes_column}
        joined = exchange.join_decisions(
            read[0],
            read[1],
            params,
            theme_names={theme.id: theme.name for theme in taxonomy.themes} if taxonomy else None,
            columns={ours: theirs for ours, theirs in named.items() if theirs},
        )
        store = _decision_store(params)
        recorded = store.record_all(joined.decisions)
        store.close()
    again = len(joined.decisions) - recorded
    console.print(
        f"Recorded {recorded:,} of {len(read[0]):,} decisions"
        + (f" ({again:,} were recorded before: imported already)." if again else ".")
    )
    if len(joined.set_aside):
        # With the outputs (beside the scored file's default place), not beside the case system's export.
        rejects = files.rejects_path(Path(params.output.scored_file).parent / decisions_file.name)
        path = files.write_table(joined.set_aside, rejects)
        console.print(f"[yellow]•[/] {len(joined.set_aside):,} set aside (see the problem column): {path}")

"""What the ``complaints`` command shows on the console, built from what a stage returned.

Pure: each function returns a Rich renderable or a string and prints nothing; :mod:`pipeline.cli`
prints them to stderr.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table

from pipeline.config import Params

if TYPE_CHECKING:  # the CLI imports this module at start-up; these would bring in pandas, the models and SciPy
    import pandas as pd

    from pipeline.data.prepare import Prepared
    from pipeline.data.proposal import Proposal
    from pipeline.data.schema import Validated
    from pipeline.lifecycle import tracking
    from pipeline.lifecycle.check import CheckResult
    from pipeline.lifecycle.drift import DriftReport, Period
    from pipeline.lifecycle.label_issues import LabelIssues
    from pipeline.lifecycle.promotion import PromotionDecision


# Paragraphs are single lines: the help is wrapped to the terminal, and a line break inside one shows.
COMMAND_HELP = "\n\n".join(
    [
        "Suggest the national category and the root-cause themes of children's social care complaints, learned "
        "from your council's past complaints, and report what keeps going wrong, team by team.",
        "Train on your labelled export (complaints train), then score a file (complaints score FILE) or one "
        'complaint (complaints suggest "TEXT"), and write the report for service leads (complaints report FILE). '
        "Each command's --help says what it reads and what it writes.",
        "Exit codes: 0 done; 2 a problem with an input file or the params file (the message names it and the fix, "
        "and nothing was written); 3 a model file refused because it does not match its model card.",
    ]
)


def table(title: str, rows: Mapping[str, object] | pd.DataFrame) -> Table:
    """A frame as a table with a header (floats to 3 places; text columns left-aligned), or a mapping as two
    unheaded columns."""
    if hasattr(rows, "itertuples"):  # a DataFrame
        from pandas.api.types import is_numeric_dtype

        shown = Table(title=title)
        for column in rows.columns:
            shown.add_column(str(column), justify="right" if is_numeric_dtype(rows[column]) else "left")
        for row in rows.itertuples(index=False):
            shown.add_row(*(f"{value:.3f}" if isinstance(value, float) else str(value) for value in row))
        return shown
    shown = Table(title=title, show_header=False, title_justify="left")
    for key, value in rows.items():
        shown.add_row(key, str(value))
    return shown


def artefacts(saved: Mapping[str, Path]) -> str:
    """One line per file a saved model wrote: its name, then its path."""
    return "\n".join(f"{name + ':':<14} {path}" for name, path in saved.items())


def model_folder(folder: Path, champion_folder: Path, promoted: bool) -> str:
    """Where a new model's folder is: the champion's, or its challenger folder beside the champion's."""
    if promoted:
        return f"Folder:  {folder} (the champion's)"
    return f"Folder:  {folder} (challenger; {champion_folder} still holds the champion)"


def evaluation(file_name: str, metrics: Mapping[str, Any], not_usable: int) -> Table:
    """A saved model's headline metrics on a labelled file, to 3 places."""
    shown = ("accuracy", "macro_f1", "ece", "selective_accuracy", "coverage")
    return table(
        f"{file_name}: {metrics['n']} rows ({not_usable} not usable)", {key: f"{metrics[key]:.3f}" for key in shown}
    )


def prepared_split(validated: Validated, prepared: Prepared) -> str:
    """Where the rows of a prepared split went: to train on, held out, or not used."""
    return (
        f"{validated.rows_in} rows in: {len(prepared.train)} to train on, {len(prepared.holdout)} held out "
        f"({prepared.holdout_name}), {len(validated.rejected) + len(prepared.excluded)} not used."
    )


def registration(params: Params, head: str, run: tracking.LoggedRun, decision: PromotionDecision) -> str:
    """Where a model's run was logged, and the alias its registered version now holds, and why."""
    from pipeline.lifecycle import tracking

    alias = tracking.CHAMPION if decision.promote else tracking.CHALLENGER
    experiment = tracking.registry_config(params, head).experiment
    return (
        f"MLflow:  run {run.run_id} in {run.tracking_uri} (experiment '{experiment}')\n"
        f"Registry: {run.model_name} v{run.model_version} is now '{alias}': {decision.reason}"
    )


def suggestion(suggested: Mapping[str, Any]) -> list[RenderableType]:
    """One complaint's suggestion (from :func:`pipeline.serving.score.suggestion`): the categories with
    bars, the words and themes behind them ("Why"), then whether it needs review."""
    categories = Table(title="Suggested categories", title_justify="left")
    for column in ("category", "probability"):
        categories.add_column(column)
    for item in suggested["categories"]:
        categories.add_row(item["category"], f"{item['probability']:.2f}  {'█' * round(20 * item['probability'])}")
    why = {"words behind the top category": ", ".join(suggested["category_words"]) or suggested["explanation"]}
    for theme in suggested["themes"]:
        patterns = f" (pattern: {', '.join(theme['patterns'])})" if theme["patterns"] else ""
        why[f"theme {theme['name']} {theme['probability']:.2f}"] = ", ".join(theme["words"]) + patterns
    if not suggested["themes"]:
        why["themes"] = "none"
    if suggested.get("possible_themes"):
        why["possible themes (not assigned)"] = ", ".join(
            f"{theme['name']} {theme['probability']:.2f}" for theme in suggested["possible_themes"]
        )
    review = (
        f"[bold yellow]NEEDS REVIEW[/]: {suggested['review_reason']}"
        if suggested["needs_review"]
        else "[green]confident[/]"
    )
    return [categories, table("Why", {key: value or "-" for key, value in why.items()}), review]


def drift_summary(periods: Sequence[Period], found: DriftReport) -> list[str]:
    """The rows each period compared, then the recommendation and the reasons and notes behind it."""
    sizes = [
        f"{period.name}: {period.rows_in} rows in, {len(period.records)} compared, "
        f"{period.rows_in - len(period.records)} set aside or in other years."
        for period in periods
    ]
    return [*sizes, f"[bold]{found.recommendation}[/]", *(f"• {line}" for line in [*found.reasons, *found.notes])]


def label_issues_summary(rows_in: int, found: LabelIssues, set_aside: int) -> str:
    """How many records were checked and set aside, and how many look mislabelled."""
    return (
        f"{rows_in} rows in: {found.rows_checked} checked, {set_aside} set aside. "
        f"{len(found.issues)} records look mislabelled; re-read them before changing anything."
    )


def proposal(found: Proposal) -> list[RenderableType]:
    """What init found in an export: where the table is, each column's match, and each spelling's."""
    where = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in found.layout.items() if value is not None)
    shown: list[RenderableType] = [f"{found.source}: {found.rows} rows" + (f" ({where})" if where else "")]
    columns = Table(title="Columns: ours <- yours", title_justify="left")
    for name in ("ours", "yours", "because", "e.g."):
        columns.add_column(name, overflow="fold")
    for match in found.columns:
        columns.add_row(match.ours, match.theirs, match.basis, "; ".join(match.examples))
    shown.append(columns)
    if found.unused:
        shown.append(f"Not used: {', '.join(found.unused)}")
    values = Table(title="Values: your spelling -> national", title_justify="left")
    for name in ("column", "spelling", "rows", "proposed", "because"):
        values.add_column(name, overflow="fold")
    for value in found.values:
        proposed = value.proposed if value.proposed is not None else "[bold red]not matched[/]"
        values.add_row(value.column, value.spelling, str(value.count), proposed, value.basis)
    if found.values:
        shown.append(values)
    years = ", ".join(f"{year} ({count})" for year, count in found.years.items()) or "none (no dates or years)"
    shown.append(f"Dates: {'day' if found.date_dayfirst else 'month'} first ({found.date_basis}). Years: {years}.")
    shown.append(
        "Themes: from the themes column."
        if found.themes_from == "column"
        else "Themes: no theme column, so the themes file's seed patterns will label the training texts."
    )
    return shown


def check_result(found: CheckResult) -> list[RenderableType]:
    """What a dry run of train, score and report found, problems first."""
    from pipeline.data.schema import SOURCE_ROW

    shown: list[RenderableType] = [
        table(
            "Rows",
            {
                "in the file": found.rows_in,
                "would be trained on (with the holdout)": found.rows_for_training,
                "would be scored": found.rows_to_score,
                "set aside (by row and reason in the CSV)": found.set_aside[SOURCE_ROW].nunique()
                if len(found.set_aside)
                else 0,
            },
        )
    ]
    if len(found.labels_by_year):
        shown.append(table("Labelled rows per category and financial year", found.labels_by_year.reset_index()))
    if found.themes_learnable:
        learnable = ", ".join(f"{theme} ({n})" for theme, n in found.themes_learnable.items())
        shown.append(f"Themes from {found.themes_from}: {len(found.themes_learnable)} learnable: {learnable}.")
    sections = Table(title="Report sections", title_justify="left")
    sections.add_column("section")
    sections.add_column("would show", overflow="fold")
    for name, why in found.report_sections.items():
        sections.add_row(name, "data" if not why else f"[yellow]nothing[/]: {why}")
    shown.append(sections)
    style = {"problem": "[bold red]Problem:[/]", "warning": "[yellow]Warning:[/]", "ok": "[green]OK:[/]"}
    order = {"problem": 0, "warning": 1, "ok": 2}
    shown += [f"{style[f.level]} {f.message}" for f in sorted(found.findings, key=lambda f: order[f.level])]
    shown.append(
        "[green]Train, score and report would run.[/]" if found.runs else "[bold red]Fix the problems above first.[/]"
    )
    return shown

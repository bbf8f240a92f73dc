"""A :class:`~pipeline.report.build.Report` -> one self-contained HTML page and the workbook's sheets.

The page has its charts inline as SVG and its styles inline, so it opens offline, can be emailed
as one file, and prints cleanly. Every value is escaped by the template engine.
"""

from __future__ import annotations

import math
import re

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline.report import charts, tables
from pipeline.report.build import Report, chance, how_often, plain_date
from pipeline.report.template import PAGE, SECTIONS

PERCENT_COLUMNS = {"Share", "Agreement", "Upheld or partially upheld", "Share within timescale"}
PROBABILITY_COLUMNS = {"p", "q", "p (Mann-Whitney)", "p (trend)"}
HIDDEN_COLUMNS = {"Small cell", "theme_id", "Theme total", "Kind", "reason_code"}
NOT_COUNTS = {"Stage", "source_row"}
# A rate or average is as small as the count it is computed from.
DENOMINATORS = {
    "Share": "Team complaints",
    "Lift": "Complaints",
    "Upheld or partially upheld": "With a finding",
    "Agreement": "Recorded",
    "Share within timescale": "Responses",
    "Mean working days": "Responses",
    "Median working days": "Responses",
}
HEAT_MAP_TEAMS = 12
SHEET_NAME_LIMIT = 31


def _format(column: str, value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if column in PERCENT_COLUMNS or column.startswith("Share "):
        return f"{float(value):.0%}"
    if column in PROBABILITY_COLUMNS:
        return f"{float(value):.3f}" if float(value) >= 0.001 else "<0.001"
    if column == "Lift":
        return "∞" if math.isinf(float(value)) else f"{float(value):.1f}x"
    if column == "Change (points)":
        return f"{float(value):+.1f}"
    if isinstance(value, float | np.floating):
        return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"
    return str(value)


def html_table(frame: pd.DataFrame, minimum: int, caption: str = "") -> Markup:
    """An escaped HTML table with every small count marked.

    A count (an integer column other than the stage) from 1 to ``minimum - 1`` gets an asterisk, and
    so does a rate or average computed from such a count (see ``DENOMINATORS``).
    """
    columns = [c for c in frame.columns if c not in HIDDEN_COLUMNS]
    counts = {c for c in columns if pd.api.types.is_integer_dtype(frame[c]) and c not in NOT_COUNTS}
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = []
    for _, row in frame[columns].iterrows():
        cells = []
        for column in columns:
            value = row[column]
            text = escape(_format(str(column), value))
            numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            base = column if column in counts else DENOMINATORS.get(str(column))
            if base in row.index and _is_small(row[base], minimum):
                text = Markup(f'<span class="small" title="fewer than {minimum} complaints">{text}*</span>')
            css = ' class="num"' if numeric else ""
            cells.append(f"<td{css}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Markup(f"<table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _is_small(value: object, minimum: int) -> bool:
    return isinstance(value, int | np.integer) and 0 < value < minimum


def _category_chart(report: Report) -> str:
    table = report.categories[report.categories["Category"] != tables.TOTAL]
    series = {report.year: table[report.year].tolist()}
    if report.compare_to:
        series = {report.compare_to: table[report.compare_to].tolist(), **series}
    return charts.bar_chart(table["Category"].tolist(), series, f"Complaints by category, {report.year}")


def _heat_map(report: Report) -> str:
    cells = report.theme_team
    if cells.empty:
        return ""
    teams = [t for t in report.team_order if t in set(cells[tables.TEAM])][:HEAT_MAP_TEAMS]
    # Rows by theme id (two ids may share a display name), labelled by name.
    themes = cells.groupby("theme_id")["Complaints"].sum().sort_values(ascending=False).index.tolist()
    names = dict(zip(cells["theme_id"], cells["Theme"], strict=True))
    pick = cells.set_index(["theme_id", tables.TEAM])

    def grid(column: str) -> list[list]:
        return [[pick.at[(theme, team), column] for team in teams] for theme in themes]

    return charts.heat_map(
        [names[theme] for theme in themes],
        teams,
        grid("Share"),
        f"Themes by team, {report.year} (largest {len(teams)} teams)",
        counts=grid("Complaints"),
        flagged=grid("Over-represented"),
        small=grid("Small cell"),
    )


def _trend_charts(report: Report) -> list[str]:
    found = []
    for title, frame in (("Categories", report.yearly_categories), ("Themes", report.yearly_themes)):
        if frame.shape[1] >= 2 and len(frame):
            series = {str(label): frame.loc[label].tolist() for label in frame.index}
            found.append(charts.line_chart(list(frame.columns), series, f"{title}: complaints per year"))
    return found


def _sentence_case(name: str) -> str:
    return name[:1].upper() + name[1:]


def _trend_words(row: pd.Series, report: Report) -> str:
    """An issue's change against the comparison year in words, with its counts."""
    if not report.compare_to or pd.isna(row.get("Team complaints before")) or not row["Team complaints before"]:
        return ""
    before, of = int(row["Complaints before"]), int(row["Team complaints before"])
    then = f"{before} of {of} in {report.compare_to}"
    return {
        "new": f"New: none of its {of} complaints in {report.compare_to} raised it.",
        "rising": f"Rising: up from {then} (unlikely to be chance).",
        "falling": f"Falling: down from {then} (unlikely to be chance).",
    }.get(str(row["Trend"]), f"No clear change: {then}.")


def _leading(report: Report) -> list[dict]:
    """The first screen's recurring issues: name, team, size, how often against other teams in words,
    trend and one quote (already redacted by :mod:`pipeline.report.clusters`)."""
    found = []
    for _, row in report.leading_issues.iterrows():
        quote = row.get("Example 1")
        found.append(
            {
                "name": _sentence_case(str(row["Issue"])),
                "team": row["Team"],
                "complaints": int(row["Complaints"]),
                "team_complaints": int(row["Team complaints"]),
                "how_often": how_often(float(row["Lift"])),
                "chance": chance(float(row["q"]), report.settings.fdr),
                "trend": _trend_words(row, report),
                "quote": quote if isinstance(quote, str) else "",
            }
        )
    return found


def _issues_table(report: Report, minimum: int) -> Markup:
    """Every shown team's recurring issues as one table, with one quote each (all in the workbook)."""
    issues = report.issues
    teams = [t for t in report.team_order if t in set(issues["Team"])][: report.settings.top_teams]
    shown = issues[issues["Team"].isin(teams)].copy()
    if shown.empty:
        return Markup('<p class="note">No issue is raised by enough of one team\'s complaints to show.</p>')
    shown["Issue"] = shown["Issue"].map(lambda name: _sentence_case(str(name)) or "(unnamed group)")
    columns = [tables.TEAM, "Issue", "Complaints", "Team complaints", "Share", "Lift", "q"]
    columns += ["Upheld or partially upheld", "With a finding"]
    if report.compare_to:
        before = f"Complaints {report.compare_to}"
        shown[before] = shown["Complaints before"].astype(int)
        columns += [before, "Trend"]
    if "Example 1" in shown.columns:
        shown["Example"] = shown["Example 1"].map(lambda quote: f"“{quote}”" if isinstance(quote, str) else "")
        columns.append("Example")
    return html_table(shown[columns], minimum)


def _moved(report: Report, minimum: int) -> Markup | None:
    """The trend rows that moved: rising, falling or new."""
    if report.trends is None:
        return None
    moved = report.trends[report.trends["Verdict"] != "no clear change"]
    return html_table(moved, minimum) if len(moved) else None


def _contents(report: Report) -> list[tuple[str, str]]:
    """The page's sections, in order: (anchor, title)."""
    return [(anchor, title) for anchor, title in SECTIONS if anchor != "agreement" or report.agreement is not None]


def html(report: Report, generated: str = "") -> str:
    """The report as one self-contained HTML page; ``generated`` (a date or an ISO timestamp) is shown
    as a plain UK date."""
    top = report.settings.top_teams
    minimum = report.settings.min_cell
    flagged = report.theme_team[report.theme_team["Over-represented"]].sort_values("q")

    def table(frame: pd.DataFrame) -> Markup:
        return html_table(frame, minimum)

    agreement = report.agreement
    sections = {
        "categories": table(report.categories),
        "team_outcomes": [
            (category, table(tables.collapse(frame, tables.TEAM, top)))
            for category, frame in report.team_outcomes.items()
        ],
        "flagged": table(flagged[[tables.TEAM, "Theme", "Complaints", "Team complaints", "Share", "Lift", "q"]]),
        "upheld_by_theme": table(report.upheld_by_theme),
        "upheld_by_team": table(tables.collapse(report.upheld_by_team, tables.TEAM, top, minimum)),
        "issues": _issues_table(report, minimum),
        "moved": _moved(report, minimum),
        "trends": [
            (title, table(report.trends[report.trends["Kind"] == kind]))
            for kind, title in (("category", "Categories"), ("theme", "Themes"))
        ]
        if report.trends is not None
        else None,
        "by_stage": table(report.timeliness.by_stage),
        "by_quarter": table(report.timeliness.by_quarter),
        "by_team": table(report.timeliness.by_team.head(top)),
        "by_team_and_quarter": _team_quarter_grid(report, minimum),
        "change": table(pd.DataFrame([report.timeliness.change.as_row()])) if report.timeliness.change else None,
        # Row numbers and reasons only: complaint references stay in the workbook, for the analyst.
        "excluded": table(report.excluded[["source_row", "reason"]].head(50).rename(columns=str.capitalize)),
        "agreement": {
            "rate": _format("Agreement", agreement.rate),
            "by_category": table(agreement.by_category),
            "swaps": table(agreement.swaps.head(15)),
            "themes": table(agreement.themes),
        }
        if agreement is not None
        else None,
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(PAGE)
    contents = _contents(report)
    return template.render(
        report=report,
        generated=plain_date(generated) if generated else "",
        change_date=plain_date(report.settings.change_date),
        contents=[(anchor, f"{n}. {title}") for n, (anchor, title) in enumerate(contents, start=1)],
        heading={anchor: f"{n}. {title}" for n, (anchor, title) in enumerate(contents, start=1)},
        leading=_leading(report),
        sections=sections,
        charts={
            "categories": Markup(_category_chart(report)),
            "heat_map": Markup(_heat_map(report)),
            "trends": [Markup(svg) for svg in _trend_charts(report)],
        },
        hidden_teams=max(len(report.team_order) - top, 0),
    )


def _team_quarter_grid(report: Report, minimum: int) -> Markup:
    """Share within timescale, largest teams by quarter: each cell "86% of 14", small ones marked."""
    long = report.timeliness.by_team_and_quarter
    if long.empty:
        return Markup("")
    teams = [t for t in report.team_order if t in set(long["Team"])][: report.settings.top_teams]
    quarters = sorted(long["Quarter"].unique())
    cell = long.set_index(["Team", "Quarter"])
    rows = []
    for team in teams:
        cells = [f"<td>{escape(team)}</td>"]
        for quarter in quarters:
            if (team, quarter) not in cell.index:
                cells.append('<td class="num">–</td>')
                continue
            n, share = int(cell.at[(team, quarter), "Responses"]), cell.at[(team, quarter), "Share within timescale"]
            text = f"{_format('Share', share)} of {n}" + ("*" if _is_small(n, minimum) else "")
            css = "num small" if _is_small(n, minimum) else "num"
            cells.append(f'<td class="{css}">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "<th>Team</th>" + "".join(f"<th>{escape(q)}</th>" for q in quarters)
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _sheet_name(name: str, used: set[str]) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", name)[:SHEET_NAME_LIMIT]
    candidate, n = cleaned, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = cleaned[: SHEET_NAME_LIMIT - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def sheets(report: Report) -> dict[str, pd.DataFrame]:
    """One sheet per table, every team listed (nothing collapsed), plus the notes and excluded rows."""
    named: list[tuple[str, pd.DataFrame]] = [
        ("Summary", pd.DataFrame({"Headline": list(report.headlines)})),
        ("Categories", report.categories),
        *[(f"{c} by team", frame) for c, frame in report.team_outcomes.items()],
        ("Themes by team", report.theme_team.drop(columns=["theme_id"])),
        ("Upheld by theme", report.upheld_by_theme),
        ("Upheld by team", report.upheld_by_team),
        ("Recurring issues", report.issues),
    ]
    if report.trends is not None:
        named.append(("Trends", report.trends))
    named += [
        ("Categories by year", report.yearly_categories.rename_axis("Category").reset_index()),
        ("Themes by year", report.yearly_themes.rename_axis("Theme").reset_index()),
        ("Response times by stage", report.timeliness.by_stage),
        ("Response times by quarter", report.timeliness.by_quarter),
        ("Response times by team", report.timeliness.by_team),
        ("Response times team x quarter", report.timeliness.by_team_and_quarter),
    ]
    if report.timeliness.change is not None:
        named.append(("Before and after", pd.DataFrame([report.timeliness.change.as_row()])))
    if report.agreement is not None:
        named += [
            ("Agreement by category", report.agreement.by_category),
            ("Recorded vs suggested", report.agreement.swaps),
            ("Agreement by theme", report.agreement.themes),
        ]
    named += [("Notes", pd.DataFrame({"Note": list(report.notes)})), ("Excluded rows", report.excluded)]
    used: set[str] = set()
    # A spreadsheet has no infinity: a lift with no complaints elsewhere is left blank.
    return {_sheet_name(name, used): frame.replace([np.inf, -np.inf], np.nan) for name, frame in named}

"""A :class:`~pipeline.report.build.Report` -> one self-contained HTML page and the workbook's sheets.

The page has its charts inline as SVG and its styles inline, so it opens offline, can be emailed
as one file, and prints cleanly. Every value is escaped by the template engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from importlib import resources

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline.report import charts, tables
from pipeline.report.build import Report

PERCENT_COLUMNS = {"Share", "Agreement", "Upheld or partially upheld", "Share within timescale"}
PROBABILITY_COLUMNS = {"p", "q", "p (Mann-Whitney)"}
HIDDEN_COLUMNS = {"Small cell", "theme_id", "Theme total", "Kind"}
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


def html_table(frame: pd.DataFrame, *, small_columns: Iterable[str] = (), caption: str = "") -> Markup:
    """An escaped HTML table; where the row's 'Small cell' is true, the ``small_columns`` get a '*'."""
    small = frame["Small cell"].to_numpy() if "Small cell" in frame.columns else np.zeros(len(frame), dtype=bool)
    columns = [c for c in frame.columns if c not in HIDDEN_COLUMNS]
    marked = set(small_columns)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = []
    for row, is_small in zip(frame[columns].itertuples(index=False), small, strict=True):
        cells = []
        for column, value in zip(columns, row, strict=True):
            text = escape(_format(str(column), value))
            numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            css = ' class="num"' if numeric else ""
            if is_small and column in marked:
                text = Markup(f'<span class="small" title="fewer than the minimum cell size">{text}*</span>')
            cells.append(f"<td{css}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Markup(f"<table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


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
    themes = cells.groupby("Theme")["Complaints"].sum().sort_values(ascending=False).index.tolist()
    pick = cells.set_index(["Theme", tables.TEAM])

    def grid(column: str) -> list[list]:
        return [[pick.at[(theme, team), column] for team in teams] for theme in themes]

    return charts.heat_map(
        themes,
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


def _issues_by_team(report: Report) -> list[dict]:
    issues = report.issues
    teams = [t for t in report.team_order if t in set(issues["Team"])][: report.settings.top_teams]
    examples = [c for c in issues.columns if c.startswith("Example")]
    grouped = []
    for team in teams:
        rows = issues[issues["Team"] == team]
        grouped.append(
            {
                "team": team,
                "issues": [
                    {
                        "name": row["Issue"] or "(unnamed group)",
                        "complaints": int(row["Complaints"]),
                        "share": _format("Share", row["Share"]),
                        "lift": _format("Lift", row["Lift"]),
                        "flagged": bool(row["Over-represented"]),
                        "upheld": _format("Share", row["Upheld or partially upheld"]),
                        "with_finding": int(row["With a finding"]),
                        "quotes": [row[c] for c in examples if isinstance(row[c], str) and row[c]],
                    }
                    for _, row in rows.iterrows()
                ],
            }
        )
    return grouped


def html(report: Report, generated: str = "") -> str:
    """The report as one self-contained HTML page."""
    top = report.settings.top_teams
    minimum = report.settings.min_cell
    flagged = report.theme_team[report.theme_team["Over-represented"]].sort_values("q")
    sections = {
        "categories": html_table(report.categories),
        "team_outcomes": [
            (category, html_table(tables.collapse(frame, tables.TEAM, top)))
            for category, frame in report.team_outcomes.items()
        ],
        "flagged": html_table(
            flagged[[tables.TEAM, "Theme", "Complaints", "Team complaints", "Share", "Lift", "q", "Small cell"]],
            small_columns=["Complaints"],
        ),
        "upheld_by_theme": html_table(report.upheld_by_theme, small_columns=["With a finding"]),
        "upheld_by_team": html_table(
            tables.collapse(report.upheld_by_team, tables.TEAM, top, minimum), small_columns=["With a finding"]
        ),
        "trends": [
            (title, html_table(report.trends[report.trends["Kind"] == kind]))
            for kind, title in (("category", "Categories"), ("theme", "Themes"))
        ]
        if report.trends is not None
        else None,
        "by_stage": html_table(report.timeliness.by_stage),
        "by_quarter": html_table(report.timeliness.by_quarter),
        "by_team": html_table(report.timeliness.by_team.head(top)),
        "change": html_table(pd.DataFrame([report.timeliness.change.as_row()])) if report.timeliness.change else None,
        "excluded": html_table(report.excluded.drop(columns=["reason_code"]).head(50)),
        "agreement": None,
    }
    if report.agreement is not None:
        sections["agreement"] = {
            "rate": f"{report.agreement.rate:.0%}" if report.agreement.rate == report.agreement.rate else "–",
            "by_category": html_table(report.agreement.by_category),
            "swaps": html_table(report.agreement.swaps.head(15)),
            "themes": html_table(report.agreement.themes),
        }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(
        resources.files("pipeline.report").joinpath("template.html").read_text(encoding="utf-8")
    )
    return template.render(
        report=report,
        generated=generated,
        sections=sections,
        charts={
            "categories": Markup(_category_chart(report)),
            "heat_map": Markup(_heat_map(report)),
            "trends": [Markup(svg) for svg in _trend_charts(report)],
        },
        issues=_issues_by_team(report),
        hidden_teams=max(len(report.team_order) - top, 0),
    )


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

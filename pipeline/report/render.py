"""A :class:`~pipeline.report.build.Report` -> one self-contained HTML page and the workbook's sheets.

The page has its charts inline as SVG and its styles inline, so it opens offline, can be emailed
as one file, and prints cleanly. Every value is escaped by the template engine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline.report import charts, tables
from pipeline.report.build import Report, chance, how_often, plain_date
from pipeline.report.disclosure import WITHHELD_MARK, is_mark
from pipeline.report.published import INTERNAL_BANNER, Published, published
from pipeline.report.template import PAGE, SECTIONS

PERCENT_COLUMNS = {"Share", "Agreement", "Upheld or partially upheld", "Share within timescale"}
# The officers' decisions (complaints feedback summary, the drift report): shares of decisions.
PERCENT_COLUMNS |= {"Acceptance", "Accuracy", "Interval low", "Interval high", "Promised", "Precision", "Recall"}
PROBABILITY_COLUMNS = {"p", "q", "p (Mann-Whitney)", "p (trend)"}
HIDDEN_COLUMNS = {"Small cell", "theme_id", "Theme total", "Kind", "reason_code"}
HEAT_MAP_TEAMS = 12
SHEET_NAME_LIMIT = 31


def _format(column: str, value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, str):
        return value
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
    """An escaped HTML table of published values: a suppression mark ("<5", "[c]") is set in italics.

    ``minimum`` is kept for callers that show other tables (drift); counts are suppressed before they
    reach here (:mod:`pipeline.report.published`), so none is marked with a star.
    """
    columns = [c for c in frame.columns if c not in HIDDEN_COLUMNS]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = []
    for _, row in frame[columns].iterrows():
        cells = []
        for column in columns:
            value = row[column]
            text = escape(_format(str(column), value))
            numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            if is_mark(value):
                text = Markup(
                    f'<span class="small" title="{escape(MARK_TITLES[value == WITHHELD_MARK])}">{text}</span>'
                )
                numeric = True
            css = ' class="num"' if numeric else ""
            cells.append(f"<td{css}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Markup(f"<table>{caption_html}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


MARK_TITLES = {
    False: "fewer complaints than the minimum cell size",
    True: "withheld so that a small count cannot be worked out from the totals",
}


def marks_legend(minimum: int) -> str:
    """What the suppression marks mean, in one line."""
    return (
        f"<{minimum}: fewer than {minimum} complaints. {WITHHELD_MARK}: withheld so that a small count cannot be "
        "worked out from the totals."
    )


def _category_chart(report: Report, shown: Published) -> str:
    """This year's (and the comparison year's) complaints by category, largest first; categories whose
    counts are all suppressed are merged into one bar (drawn only when it holds ``min_cell`` or more)."""
    table = shown.categories[shown.categories["Category"] != tables.TOTAL]
    raw = report.categories[report.categories["Category"] != tables.TOTAL]
    years = [report.compare_to, report.year] if report.compare_to else [report.year]
    drawn = table[years].map(charts.is_count).any(axis=1).to_numpy()
    nonzero = (raw[years] > 0).any(axis=1).to_numpy()
    kept = table[drawn & nonzero].copy()
    kept["_order"] = [v if charts.is_count(v) else -1 for v in kept[report.year]]
    kept = kept.sort_values("_order", ascending=False, kind="stable")
    labels = kept["Category"].tolist()
    series = {year: kept[year].tolist() for year in years}
    merged = raw[~drawn & nonzero]
    if len(merged):
        minimum = shown.min_cell
        labels.append(f"Other {len(merged)} categories (fewer than {minimum} each, or withheld)")
        for year in years:
            total = int(merged[year].sum())
            series[year].append(total if total >= minimum or total == 0 else f"<{minimum}")
    return charts.bar_chart(labels, series, f"Complaints by category, {report.year}")


def _heat_map(report: Report, shown: Published) -> str:
    cells = shown.theme_team
    if cells.empty:
        return ""
    raw = report.theme_team
    teams = [t for t in report.team_order if t in set(cells[tables.TEAM])][:HEAT_MAP_TEAMS]
    # Rows by theme id (two ids may share a display name), labelled by name.
    themes = raw.groupby("theme_id")["Complaints"].sum().sort_values(ascending=False).index.tolist()
    names = dict(zip(raw["theme_id"], raw["Theme"], strict=True))
    pick = cells.set_index(["theme_id", tables.TEAM])
    flags = raw.set_index(["theme_id", tables.TEAM])

    def grid(frame: pd.DataFrame, column: str) -> list[list]:
        return [[frame.at[(theme, team), column] for team in teams] for theme in themes]

    shares = [[v if charts.is_count(v) else float("nan") for v in row] for row in grid(pick, "Share")]
    return charts.heat_map(
        [names[theme] for theme in themes],
        teams,
        shares,
        f"Themes by team, {report.year} (largest {len(teams)} teams)",
        counts=grid(pick, "Complaints"),
        flagged=grid(flags, "Over-represented"),
        legend=marks_legend(shown.min_cell) if shown.audience == "public" else "",
    )


def _trend_charts(shown: Published) -> list[str]:
    """Complaints per year for the commonest categories and themes; a label with no year to draw is left out."""
    found = []
    for title, frame in (("Categories", shown.yearly_categories), ("Themes", shown.yearly_themes)):
        key, years = frame.columns[0], list(frame.columns[1:])
        if len(years) < 2 or not len(frame):
            continue
        series = {str(row[key]): [row[year] for year in years] for _, row in frame.iterrows()}
        series = {name: values for name, values in series.items() if any(charts.is_count(v) for v in values)}
        latest = {name: next((v for v in reversed(values) if charts.is_count(v)), 0) for name, values in series.items()}
        ordered = dict(sorted(series.items(), key=lambda item: -float(latest[item[0]])))
        if ordered:
            found.append(charts.line_chart(years, ordered, f"{title}: complaints per year"))
    return found


def _sentence_case(name: str) -> str:
    return name[:1].upper() + name[1:]


def _trend_words(row: pd.Series, report: Report) -> str:
    """An issue's change against the comparison year in words, with its counts as published."""
    of = row.get("Team complaints before")
    if not report.compare_to or pd.isna(of) or not of:
        return ""
    before = row["Complaints before"]
    then = f"{before} of {of} in {report.compare_to}"
    return {
        "new": f"New: none of its {of} complaints in {report.compare_to} raised it.",
        "rising": f"Rising: up from {then} (unlikely to be chance).",
        "falling": f"Falling: down from {then} (unlikely to be chance).",
    }.get(str(row["Trend"]), f"No clear change: {then}.")


def _leading(report: Report, shown: Published) -> list[dict]:
    """The first screen's recurring issues: name, team, size, how often against other teams in words,
    trend and one quote (already redacted by :mod:`pipeline.report.clusters`), counts as published."""
    found = []
    for index, exact in report.leading_issues.iterrows():
        row = shown.issues.loc[index] if index in shown.issues.index else exact
        quote = row.get("Example 1")
        found.append(
            {
                "name": _sentence_case(str(row["Issue"])),
                "team": row["Team"],
                "complaints": row["Complaints"],
                "team_complaints": row["Team complaints"],
                "how_often": "" if is_mark(row["Lift"]) else how_often(float(row["Lift"])),
                "chance": "" if is_mark(row["q"]) else chance(float(row["q"]), report.settings.fdr),
                "trend": _trend_words(row, report),
                "quote": quote if isinstance(quote, str) else "",
            }
        )
    return found


def _issues_table(report: Report, published_tables: Published) -> Markup:
    """Every shown team's recurring issues as one table, with one quote each (all in the workbook)."""
    issues = published_tables.issues
    teams = [t for t in report.team_order if t in set(issues["Team"])][: report.settings.top_teams]
    shown = issues[issues["Team"].isin(teams)].copy()
    if shown.empty:
        return Markup('<p class="note">No issue is raised by enough of one team\'s complaints to show.</p>')
    shown["Issue"] = shown["Issue"].map(lambda name: _sentence_case(str(name)) or "(unnamed group)")
    columns = [tables.TEAM, "Issue", "Complaints", "Team complaints", "Share", "Lift", "q"]
    columns += ["Upheld or partially upheld", "With a finding"]
    if report.compare_to:
        before = f"Complaints {report.compare_to}"
        shown[before] = shown["Complaints before"]
        columns += [before, "Trend"]
    if "Example 1" in shown.columns:
        shown["Example"] = shown["Example 1"].map(lambda quote: f"“{quote}”" if isinstance(quote, str) else "")
        columns.append("Example")
    return html_table(shown[columns], report.settings.min_cell)


def _moved(shown: Published, minimum: int) -> Markup | None:
    """The trend rows that moved: rising, falling or new."""
    if shown.trends is None:
        return None
    moved = shown.trends[shown.trends["Verdict"] != "no clear change"]
    return html_table(moved, minimum) if len(moved) else None


def _contents(report: Report) -> list[tuple[str, str]]:
    """The page's sections, in order: (anchor, title)."""
    return [(anchor, title) for anchor, title in SECTIONS if anchor != "agreement" or report.agreement is not None]


def _banner(page: str, banner: str | None) -> str:
    """The internal banner at the top of the page and of every section (the template is left as it is)."""
    if not banner:
        return page
    mark = f'<p class="internal" style="{BANNER_STYLE}" role="note">{escape(banner)}</p>'
    page = page.replace("<body>", "<body>\n" + mark, 1)
    return re.sub(r"(<section\b[^>]*>)", lambda found: found.group(1) + mark, page)


BANNER_STYLE = "background:#b3261e;color:#fff;font-weight:700;padding:.3rem .6rem;margin:.4rem 0"


def html(report: Report, generated: str = "") -> str:
    """The report as one self-contained HTML page, its tables as published for ``report.settings.audience``;
    ``generated`` (a date or an ISO timestamp) is shown as a plain UK date."""
    shown = published(report)
    top = report.settings.top_teams
    minimum = report.settings.min_cell

    def table(frame: pd.DataFrame) -> Markup:
        return html_table(frame, minimum)

    theme_team = shown.theme_team
    visible = theme_team["Complaints"].map(charts.is_count) if len(theme_team) else theme_team["Complaints"]
    flagged = theme_team[report.theme_team["Over-represented"].to_numpy() & visible.astype(bool).to_numpy()]
    flagged = flagged.assign(_q=report.theme_team.loc[flagged.index, "q"]).sort_values("_q")
    sections = {
        "categories": table(shown.categories),
        "team_outcomes": [(category, table(frame.page)) for category, frame in shown.team_outcomes.items()],
        "flagged": table(flagged[[tables.TEAM, "Theme", "Complaints", "Team complaints", "Share", "Lift", "q"]]),
        "upheld_by_theme": table(shown.upheld_by_theme),
        "upheld_by_team": table(shown.upheld_by_team.page),
        "issues": _issues_table(report, shown),
        "moved": _moved(shown, minimum),
        "trends": [
            (title, table(shown.trends[shown.trends["Kind"] == kind]))
            for kind, title in (("category", "Categories"), ("theme", "Themes"))
        ]
        if shown.trends is not None
        else None,
        "by_stage": table(shown.by_stage),
        "by_quarter": table(shown.by_quarter),
        "by_team": table(shown.by_team.head(report.settings.top_teams)),
        "by_team_and_quarter": _team_quarter_grid(report, shown),
        "change": table(shown.change) if shown.change is not None else None,
        # Row numbers and reasons only: complaint references stay in the workbook, for the analyst.
        "excluded": table(report.excluded[["source_row", "reason"]].head(50).rename(columns=str.capitalize)),
        "agreement": {
            "rate": _format("Agreement", report.agreement.rate),
            "by_category": table(shown.agreement_by_category),
            "swaps": table(shown.agreement_swaps.head(15)),
            "themes": table(shown.agreement_themes),
        }
        if report.agreement is not None
        else None,
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(PAGE)
    contents = _contents(report)
    page = template.render(
        report=report,
        generated=plain_date(generated) if generated else "",
        change_date=plain_date(report.settings.change_date),
        contents=[(anchor, f"{n}. {title}") for n, (anchor, title) in enumerate(contents, start=1)],
        heading={anchor: f"{n}. {title}" for n, (anchor, title) in enumerate(contents, start=1)},
        leading=_leading(report, shown),
        sections=sections,
        charts={
            "categories": Markup(_category_chart(report, shown)),
            "heat_map": Markup(_heat_map(report, shown)),
            "trends": [Markup(svg) for svg in _trend_charts(shown)],
        },
        hidden_teams=max(len(report.team_order) - top, 0),
    )
    return _banner(page, shown.banner)


def _team_quarter_grid(report: Report, shown: Published) -> Markup:
    """Share within timescale, largest teams by quarter: each cell "86% of 14"; a withheld one its mark."""
    long = shown.by_team_and_quarter
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
            n, share = cell.at[(team, quarter), "Responses"], cell.at[(team, quarter), "Share within timescale"]
            if is_mark(n):
                cells.append(f'<td class="num small">{escape(n)}</td>')
                continue
            text = f"{_format('Share', share)} of {int(n)}"
            cells.append(f'<td class="num">{escape(text)}</td>')
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


def _p_value(value: object) -> object:
    """A p- or q-value to three significant figures, or "<0.001"; a mark or a gap as it is."""
    if not charts.is_count(value):
        return value
    number = float(value)  # type: ignore[arg-type]
    return "<0.001" if number < 0.001 else float(f"{number:.3g}")


def _for_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a sheet holds it: no infinity (a lift with no complaints elsewhere is left blank), p-values
    to three significant figures."""
    sheet = frame.replace([np.inf, -np.inf], np.nan)
    for column in sheet.columns:
        if column in PROBABILITY_COLUMNS:
            sheet[column] = [_p_value(v) for v in sheet[column]]
    return sheet


def sheets(report: Report) -> dict[str, pd.DataFrame]:
    """One sheet per table as published for the report's audience, every team listed (nothing collapsed),
    plus the notes, the excluded rows and, for an internal audience, one row per complaint."""
    shown = published(report)
    named: list[tuple[str, pd.DataFrame]] = [
        ("Summary", pd.DataFrame({"Headline": list(report.headlines)})),
        ("Categories", shown.categories),
        *[(f"{c} by team", frame.full) for c, frame in shown.team_outcomes.items()],
        ("Themes by team", shown.theme_team.drop(columns=["theme_id"])),
        ("Upheld by theme", shown.upheld_by_theme),
        ("Upheld by team", shown.upheld_by_team.full),
        ("Recurring issues", shown.issues),
    ]
    if shown.trends is not None:
        named.append(("Trends", shown.trends))
    named += [
        ("Categories by year", shown.yearly_categories),
        ("Themes by year", shown.yearly_themes),
        ("Response times by stage", shown.by_stage),
        ("Response times by quarter", shown.by_quarter),
        ("Response times by team", shown.by_team),
        ("Response times team x quarter", shown.by_team_and_quarter),
    ]
    if shown.change is not None:
        named.append(("Before and after", shown.change))
    if shown.agreement_by_category is not None:
        named += [
            ("Agreement by category", shown.agreement_by_category),
            ("Recorded vs suggested", shown.agreement_swaps),
            ("Agreement by theme", shown.agreement_themes),
        ]
    notes = list(report.notes)
    if shown.audience == "public":
        notes.append(marks_legend(shown.min_cell))
    named += [("Notes", pd.DataFrame({"Note": notes})), ("Excluded rows", report.excluded)]
    if shown.audience == "internal":
        # Record-level rows would let anyone count any cell: they go only into an internal workbook.
        named.append(("Records", report.records))
    used: set[str] = set()
    return {_sheet_name(name, used): _for_sheet(frame) for name, frame in named}


def sheet_formats(book: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """Excel number formats by sheet and column: whole percentages for shares, one decimal for lifts and
    averages, whole numbers for counts."""
    formats: dict[str, dict[str, str]] = {}
    for name, frame in book.items():
        chosen = {}
        for column in map(str, frame.columns):
            if column in PERCENT_COLUMNS or column.startswith("Share "):
                chosen[column] = "0%"
            elif column in {"Lift", "Change (points)"} or column.startswith("Mean working days"):
                chosen[column] = "0.0"
        formats[name] = chosen
    return formats


@dataclass(frozen=True)
class Workbook:
    """The workbook to write: its sheets, their number formats, and the banner each opens with (internal)."""

    sheets: dict[str, pd.DataFrame]
    formats: dict[str, dict[str, str]]
    banner: str | None


def workbook(report: Report) -> Workbook:
    """The report's workbook for :func:`pipeline.data.files.write_workbook`."""
    book = sheets(report)
    return Workbook(book, sheet_formats(book), INTERNAL_BANNER if report.settings.audience == "internal" else None)

"""Every table the report publishes, as its reader sees it: small counts suppressed for a public
audience (:mod:`pipeline.report.disclosure`), exact counts under a banner for an internal one.

The page and the workbook both read these frames, so what one withholds the other withholds too. A
count shown in two tables (a team's complaints, a category's in a year) is withheld in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.report import tables
from pipeline.report.build import Report
from pipeline.report.disclosure import SHOWN, WITHHELD_MARK, primary, shown, suppress, suppress_frame, under, withheld
from pipeline.report.records import PARTIAL, UPHELD

INTERNAL_BANNER = "INTERNAL: exact small counts; do not publish"
OTHER = "Other {n} teams"
SHARE_COLUMNS = ("Share", "Agreement", tables.UPHELD_RATE, "Share within timescale")


@dataclass(frozen=True)
class TeamTable:
    """A team table twice: every team and the total (the workbook), and the largest teams, the rest added
    up into one row, and the total (the page); withheld alike."""

    full: pd.DataFrame
    page: pd.DataFrame


@dataclass(frozen=True)
class Published:
    """The report's tables as published for ``audience`` (public or internal)."""

    audience: str
    min_cell: int
    categories: pd.DataFrame
    team_outcomes: Mapping[str, TeamTable]
    theme_team: pd.DataFrame
    upheld_by_theme: pd.DataFrame
    upheld_by_team: TeamTable
    issues: pd.DataFrame
    trends: pd.DataFrame | None
    yearly_categories: pd.DataFrame
    yearly_themes: pd.DataFrame
    by_stage: pd.DataFrame
    by_quarter: pd.DataFrame
    by_team: pd.DataFrame
    by_team_and_quarter: pd.DataFrame
    change: pd.DataFrame | None
    agreement_by_category: pd.DataFrame | None
    agreement_swaps: pd.DataFrame | None
    agreement_themes: pd.DataFrame | None

    @property
    def banner(self) -> str | None:
        """The line every section and sheet opens with for an internal audience."""
        return INTERNAL_BANNER if self.audience == "internal" else None


def _rate(numerator: pd.Series, base: pd.Series) -> pd.Series:
    numerator, base = numerator.astype(float), base.astype(float)
    return pd.Series(np.where(base > 0, numerator / base.where(base > 0, 1), np.nan), index=base.index)


def _team_rows(
    frame: pd.DataFrame, key: str, columns: Sequence[str], top: int
) -> tuple[pd.DataFrame, list[int], int | None]:
    """Every row, then (when more than ``top + 1``) an 'Other N teams' row adding up the rest, then 'Total'."""
    body = frame.reset_index(drop=True)
    rows = [body]
    rest: list[int] = []
    other_position = None
    if len(body) > top + 1:
        rest = list(range(top, len(body)))
        other = {key: OTHER.format(n=len(rest)), **body.iloc[top:][list(columns)].sum().to_dict()}
        rows.append(pd.DataFrame([other]))
        other_position = len(body)
    rows.append(pd.DataFrame([{key: tables.TOTAL, **body[list(columns)].sum().to_dict()}]))
    combined = pd.concat(rows, ignore_index=True)
    combined[list(columns)] = combined[list(columns)].astype(int)
    return combined, rest, other_position


def _split(display: pd.DataFrame, top: int, other: int | None) -> TeamTable:
    """The workbook's rows (every team and the total) and the page's (top teams, the rest, the total)."""
    positions = np.arange(len(display))
    full = display[positions != other] if other is not None else display
    page = display[(positions < top) | (positions >= len(display) - (2 if other is not None else 1))]
    return TeamTable(full=full.reset_index(drop=True), page=page.reset_index(drop=True))


def _team_outcomes(frame: pd.DataFrame, min_cell: int, top: int, public: bool) -> TeamTable:
    columns = [c for c in frame.columns if c != tables.TEAM]
    combined, rest, other = _team_rows(frame, tables.TEAM, columns, top)
    if not public:
        return _split(combined, top, other)
    codes = suppress_frame(
        combined,
        columns,
        min_cell,
        row_total=tables.RECEIVED,
        total_rows=[len(combined) - 1],
        groups=[(rest, other)] if other is not None else (),
    )
    return _split(shown(combined, codes, min_cell), top, other)


def _upheld_by_team(
    frame: pd.DataFrame, complaints: int, min_cell: int, top: int, public: bool
) -> tuple[TeamTable, pd.Series]:
    """The team table of upheld rates, and each team's complaints withheld or not (for the other tables)."""
    counts = ["Complaints", "With a finding", UPHELD, PARTIAL]
    combined, rest, other = _team_rows(frame.drop(columns=["Small cell"]), tables.TEAM, counts, top)
    combined[tables.UPHELD_RATE] = _rate(combined[UPHELD] + combined[PARTIAL], combined["With a finding"])
    if not public:
        return _split(combined, top, other), pd.Series(False, index=frame[tables.TEAM])
    codes = suppress_frame(
        combined,
        counts,
        min_cell,
        total_rows=[len(combined) - 1],
        groups=[(rest, other)] if other is not None else (),
        known_totals=None if complaints == combined["Complaints"].iloc[-1] else {"Complaints": complaints},
    )
    hide = withheld(codes, "With a finding", UPHELD, PARTIAL) | under(combined, "With a finding", min_cell)
    display = shown(combined, codes, min_cell, {tables.UPHELD_RATE: hide})
    teams = codes["Complaints"].iloc[: len(frame)].to_numpy() != SHOWN
    return _split(display, top, other), pd.Series(teams, index=frame[tables.TEAM].to_numpy())


def _theme_team(frame: pd.DataFrame, team_withheld: pd.Series, min_cell: int, public: bool) -> pd.DataFrame:
    """Team x theme cells, protected against each theme's total (shown in the workbook)."""
    display = frame.drop(columns=["Small cell"])
    if not public or frame.empty:
        return display
    grid = frame.pivot_table(index=tables.TEAM, columns="theme_id", values="Complaints", aggfunc="sum", fill_value=0)
    themes = list(grid.columns)
    with_total = pd.concat([grid, grid.sum().to_frame().T], ignore_index=True)
    codes = suppress_frame(with_total, themes, min_cell, total_rows=[len(with_total) - 1])
    body = codes.iloc[:-1].set_axis(grid.index)
    cell = [int(body.at[team, theme]) for team, theme in zip(frame[tables.TEAM], frame["theme_id"], strict=True)]
    total = [int(codes.iloc[-1][theme]) for theme in frame["theme_id"]]
    team = frame[tables.TEAM].map(team_withheld).fillna(False).astype(bool).to_numpy()
    small_team = under(frame, "Team complaints", min_cell).to_numpy()
    team_codes = np.where(team | small_team, np.where(small_team & (frame["Team complaints"] > 0), 1, 2), SHOWN)
    codes = pd.DataFrame({"Complaints": cell, "Theme total": total, "Team complaints": team_codes}, index=frame.index)
    hide = (codes["Complaints"] != SHOWN) | (codes["Team complaints"] != SHOWN)
    return shown(display, codes, min_cell, dict.fromkeys(["Share", "Lift", "p", "q"], hide))


def _upheld_by_theme(frame: pd.DataFrame, min_cell: int, public: bool) -> pd.DataFrame:
    display = frame.drop(columns=["Small cell"])
    if not public:
        return display
    codes = primary(display, ["Complaints", "With a finding", UPHELD, PARTIAL], min_cell)
    hide = withheld(codes, "With a finding", UPHELD, PARTIAL) | under(display, "With a finding", min_cell)
    return shown(display, codes, min_cell, {tables.UPHELD_RATE: hide})


def _issues(frame: pd.DataFrame, team_withheld: pd.Series, min_cell: int, public: bool) -> pd.DataFrame:
    if not public or frame.empty:
        return frame
    before = [column for column in ("Complaints before", "Team complaints before") if column in frame.columns]
    codes = primary(frame, ["Complaints", "With a finding", "Team complaints", *before], min_cell)
    team = frame["Team"].map(team_withheld).fillna(False).astype(bool).to_numpy()
    codes.loc[team & (codes["Team complaints"] == SHOWN).to_numpy(), "Team complaints"] = 2
    hide = withheld(codes, "Complaints", "Team complaints")
    rate = withheld(codes, "With a finding") | under(frame, "With a finding", min_cell)
    hidden = {**dict.fromkeys(["Share", "Lift", "p", "q"], hide), tables.UPHELD_RATE: rate}
    if before and "p (trend)" in frame.columns:  # the trend's test rests on last year's counts too
        hidden["p (trend)"] = hide | withheld(codes, *before)
    return shown(frame, codes, min_cell, hidden)


def _categories(frame: pd.DataFrame, min_cell: int, public: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The category table with its total row, and its codes by category (for the trends and year tables)."""
    if not public:
        return frame, None
    years = [c for c in frame.columns if c != "Category"]
    codes = suppress_frame(frame, years, min_cell, total_rows=[len(frame) - 1])
    return shown(frame, codes, min_cell), codes.set_axis(frame["Category"].to_numpy())


def _carried(
    frame: pd.DataFrame, labels: pd.Series, columns: Sequence[str], by_label: pd.DataFrame | None, min_cell: int
) -> pd.DataFrame:
    """Codes for counts also shown in the category table: its codes where it has them, else small ones withheld."""
    codes = primary(frame, columns, min_cell)
    if by_label is None:
        return codes
    for column in columns:
        if column in by_label.columns:
            carried = labels.map(by_label[column]).to_numpy()
            known = ~pd.isna(carried)
            values = codes[column].to_numpy().copy()
            values[known] = carried[known].astype(int)
            codes[column] = values
    return codes


def _trends(
    frame: pd.DataFrame | None, report: Report, by_label: pd.DataFrame | None, min_cell: int, public: bool
) -> pd.DataFrame | None:
    if frame is None or not public:
        return frame
    year, before = report.year, report.compare_to or ""
    codes = _carried(frame, frame["Label"].where(frame["Kind"] == "category"), [before, year], by_label, min_cell)
    either = withheld(codes, before, year)
    hide = {
        f"Share {before}": withheld(codes, before),
        f"Share {year}": withheld(codes, year),
        "Change (points)": either,
        "p": either,
        "q": either,
    }
    return shown(frame, codes, min_cell, hide)


def _yearly(frame: pd.DataFrame, by_label: pd.DataFrame | None, min_cell: int, public: bool, key: str) -> pd.DataFrame:
    table = frame.rename_axis(key).reset_index()
    table.columns = [str(c) for c in table.columns]
    if not public:
        return table
    years = [c for c in table.columns if c != key]
    return shown(table, _carried(table, table[key], years, by_label, min_cell), min_cell)


def _timeliness(report: Report, min_cell: int, public: bool) -> tuple[pd.DataFrame, ...]:
    """By stage, quarter, team and team x quarter, protected together: each adds up to the year's responses."""
    timed = report.timeliness
    frames = (timed.by_stage, timed.by_quarter, timed.by_team, timed.by_team_and_quarter)
    if not public:
        return frames
    stage, quarter, team, grid_long = (frame.reset_index(drop=True) for frame in frames)
    teams, quarters = list(team["Team"]), list(quarter["Quarter"])
    grid = (
        grid_long.pivot_table(index="Team", columns="Quarter", values="Responses", aggfunc="sum", fill_value=0)
        .reindex(index=teams, columns=quarters, fill_value=0)
        .to_numpy(dtype=float)
    )
    n_t, n_q, n_s = len(teams), len(quarters), len(stage)
    values = [*grid.ravel(), *team["Responses"], *quarter["Responses"], *stage["Responses"], float(timed.responded)]
    team_at, quarter_at, stage_at, grand = n_t * n_q, n_t * n_q + n_t, n_t * n_q + n_t + n_q, len(values) - 1
    sums = [[t * n_q + q for q in range(n_q)] + [team_at + t] for t in range(n_t)]
    sums += [[t * n_q + q for t in range(n_t)] + [quarter_at + q] for q in range(n_q)]
    sums += [[team_at + t for t in range(n_t)] + [grand], [quarter_at + q for q in range(n_q)] + [grand]]
    sums += [[stage_at + s for s in range(n_s)] + [grand]]
    is_total = [False] * (n_t * n_q) + [True] * (n_t + n_q) + [False] * n_s + [True]
    code = suppress(values, sums, min_cell, fixed=[False] * grand + [True], totals=is_total)
    grid_codes = {(teams[t], quarters[q]): code[t * n_q + q] for t in range(n_t) for q in range(n_q)}
    rates = ["Mean working days", "Median working days", "Share within timescale"]

    def show(frame: pd.DataFrame, codes: np.ndarray) -> pd.DataFrame:
        table_codes = pd.DataFrame({"Responses": codes}, index=frame.index)
        hide = withheld(table_codes, "Responses") | under(frame, "Responses", min_cell)
        return shown(frame, table_codes, min_cell, dict.fromkeys(rates, hide))

    long_codes = np.array(
        [grid_codes.get((t, q), SHOWN) for t, q in zip(grid_long["Team"], grid_long["Quarter"], strict=True)], dtype=int
    )
    return (
        show(stage, code[stage_at:grand]),
        show(quarter, code[quarter_at:stage_at]),
        show(team, code[team_at:quarter_at]),
        show(grid_long, long_codes),
    )


def _change(report: Report, min_cell: int, public: bool) -> pd.DataFrame | None:
    if report.timeliness.change is None:
        return None
    row = pd.DataFrame([report.timeliness.change.as_row()])
    if not public:
        return row
    codes = primary(row, ["Responses before", "Responses after"], min_cell)
    hide = {
        "Mean working days before": withheld(codes, "Responses before"),
        "Mean working days after": withheld(codes, "Responses after"),
        "p (Mann-Whitney)": withheld(codes, "Responses before", "Responses after"),
    }
    return shown(row, codes, min_cell, hide)


def _agreement(report: Report, min_cell: int, public: bool) -> tuple[pd.DataFrame | None, ...]:
    found = report.agreement
    if found is None:
        return None, None, None
    if not public:
        return found.by_category, found.swaps, found.themes
    codes = primary(found.by_category, ["Recorded", "Predicted", "Agree"], min_cell)
    hide = withheld(codes, "Recorded", "Agree") | under(found.by_category, "Recorded", min_cell)
    by_category = shown(found.by_category, codes, min_cell, {"Agreement": hide})
    swaps = shown(found.swaps, primary(found.swaps, ["Complaints"], min_cell), min_cell)
    themes = shown(found.themes, primary(found.themes, ["Recorded", "Predicted", "Both"], min_cell), min_cell)
    return by_category, swaps, themes


def _whole_percent(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """Shares rounded to whole percentages (a public table claims no more precision than it has)."""
    if frame is None:
        return None
    rounded = frame.copy()
    for column in rounded.columns:
        if column in SHARE_COLUMNS or str(column).startswith("Share "):
            rounded[column] = [
                round(float(v), 2) if isinstance(v, float | np.floating) and v == v else v for v in rounded[column]
            ]
    return rounded


def published(report: Report) -> Published:
    """The report's tables for its audience (``report.settings.audience``)."""
    settings = report.settings
    public, minimum, top = settings.audience != "internal", settings.min_cell, settings.top_teams
    categories, by_label = _categories(report.categories, minimum, public)
    upheld_by_team, team_withheld = _upheld_by_team(report.upheld_by_team, report.complaints, minimum, top, public)
    by_stage, by_quarter, by_team, by_team_and_quarter = _timeliness(report, minimum, public)
    agreement = _agreement(report, minimum, public)
    round_shares = _whole_percent if public else (lambda frame: frame)
    return Published(
        audience="public" if public else "internal",
        min_cell=minimum,
        categories=categories,
        team_outcomes={
            category: _team_outcomes(frame, minimum, top, public) for category, frame in report.team_outcomes.items()
        },
        theme_team=round_shares(_theme_team(report.theme_team, team_withheld, minimum, public)),
        upheld_by_theme=round_shares(_upheld_by_theme(report.upheld_by_theme, minimum, public)),
        upheld_by_team=TeamTable(round_shares(upheld_by_team.full), round_shares(upheld_by_team.page)),
        issues=round_shares(_issues(report.issues, team_withheld, minimum, public)),
        trends=round_shares(_trends(report.trends, report, by_label, minimum, public)),
        yearly_categories=_yearly(report.yearly_categories, by_label, minimum, public, "Category"),
        yearly_themes=_yearly(report.yearly_themes, None, minimum, public, "Theme"),
        by_stage=round_shares(by_stage),
        by_quarter=round_shares(by_quarter),
        by_team=round_shares(by_team),
        by_team_and_quarter=round_shares(by_team_and_quarter),
        change=_change(report, minimum, public),
        agreement_by_category=round_shares(agreement[0]),
        agreement_swaps=agreement[1],
        agreement_themes=agreement[2],
    )


__all__ = ["INTERNAL_BANNER", "WITHHELD_MARK", "Published", "TeamTable", "published"]

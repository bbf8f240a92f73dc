"""Small counts suppressed, not starred: no count from 1 to min_cell - 1 is published as a number (page,
workbook, charts), no suppressed count can be worked out from the totals shown, and an internal
report shows exact counts under a banner."""

from __future__ import annotations

import dataclasses
import math
import re
from html.parser import HTMLParser

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.optimize import linprog

from pipeline.data import files
from pipeline.report import build_report, render, report_records
from pipeline.report.disclosure import SHOWN, SMALL, WITHHELD, WITHHELD_MARK, suppress, suppress_frame
from pipeline.report.published import INTERNAL_BANNER, published
from tests.conftest import complaint_records

MINIMUM = 5
# Columns holding counts of complaints (or responses), in any published table.
COUNT_COLUMNS = {
    "Complaints received", "Upheld", "Partially Upheld", "Not Upheld", "No Finding", "Withdrawn", "Open", "Other",
    "Complaints", "Team complaints", "Theme total", "With a finding", "Responses", "Responses before",
    "Responses after", "Recorded", "Predicted", "Agree", "Both",
}  # fmt: skip
YEAR = re.compile(r"^\d{4}/\d{2}$")


def _is_count_column(name: object) -> bool:
    return str(name) in COUNT_COLUMNS or bool(YEAR.match(str(name)))


def _small(value: object) -> bool:
    if isinstance(value, str):
        return value.strip() in {str(n) for n in range(1, MINIMUM)}
    return isinstance(value, int | float | np.integer | np.floating) and 0 < float(value) < MINIMUM


def determined(values: list[float], codes: list[int], sums: list[list[int]], minimum: int = MINIMUM) -> list[int]:
    """The withheld cells a reader can work out exactly from the shown cells and the sums (an LP bound per cell)."""
    hidden = [i for i, code in enumerate(codes) if code != SHOWN]
    if not hidden:
        return []
    where = {cell: k for k, cell in enumerate(hidden)}
    rows, rhs = [], []
    for cells in sums:
        *parts, total = cells
        row = np.zeros(len(hidden))
        known = 0.0
        for cell, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if cell in where:
                row[where[cell]] += sign
            else:
                known += sign * values[cell]
        if row.any():
            rows.append(row)
            rhs.append(-known)
    bounds = [(1, minimum - 1) if codes[cell] == SMALL else (0, None) for cell in hidden]
    found = []
    for k, cell in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[k] = 1
        low = linprog(objective, A_eq=rows or None, b_eq=rhs or None, bounds=bounds)
        high = linprog(-objective, A_eq=rows or None, b_eq=rhs or None, bounds=bounds)
        upper = -high.fun if high.status == 0 else math.inf
        if low.status == 0 and upper < math.inf and math.ceil(low.fun - 1e-6) >= math.floor(upper + 1e-6):
            found.append(cell)
    return found


def frame_sums(n_rows: int, n_columns: int, row_total: int | None, total_row: int | None) -> list[list[int]]:
    """The sums a table with a total column (by position) and a total row (by position) shows."""
    sums = []
    if row_total is not None:
        for r in range(n_rows):
            sums.append([r * n_columns + c for c in range(n_columns) if c != row_total] + [r * n_columns + row_total])
    if total_row is not None:
        for c in range(n_columns):
            sums.append([r * n_columns + c for r in range(n_rows) if r != total_row] + [total_row * n_columns + c])
    return sums


def check_table(display: pd.DataFrame, raw: pd.DataFrame, columns: list[str], row_total: str | None = None) -> None:
    """No small count shown, and no withheld count determined by the row and column totals (the last row)."""
    shown = display[columns].to_numpy(dtype=object)
    values = raw[columns].to_numpy(dtype=float)
    assert not any(_small(v) for v in shown.ravel()), display
    codes = [SMALL if v == f"<{MINIMUM}" else WITHHELD if v == WITHHELD_MARK else SHOWN for v in shown.ravel()]
    position = columns.index(row_total) if row_total else None
    sums = frame_sums(len(display), len(columns), position, len(display) - 1)
    assert determined(values.ravel().tolist(), codes, sums) == []


def test_a_lone_small_count_in_a_row_takes_the_next_smallest_with_it():
    # Delay by team: 14 = 6 + 4 + 3 + 1 could give the 1 away; here one row with its total.
    codes = suppress([6, 4, 3, 1, 14], [[0, 1, 2, 3, 4]], MINIMUM, totals=[False] * 4 + [True])
    assert codes.tolist() == [SHOWN, SMALL, SMALL, SMALL, SHOWN]  # three withheld at once: none determined
    codes = suppress([9, 7, 1, 17], [[0, 1, 2, 3]], MINIMUM, totals=[False, False, False, True])
    assert codes.tolist() == [SHOWN, WITHHELD, SMALL, SHOWN]


def test_zeros_are_passed_over_and_a_total_is_withheld_only_when_nothing_else_can_be():
    assert suppress([0, 3, 0, 3], [[0, 1, 2, 3]], MINIMUM, totals=[0, 0, 0, 1]).tolist() == [0, 1, 0, 1]
    assert suppress([0, 3, 8, 11], [[0, 1, 2, 3]], MINIMUM, totals=[0, 0, 0, 1]).tolist() == [0, 1, 2, 0]


def test_secondary_suppression_in_a_grid_leaves_no_cell_determined():
    grid = pd.DataFrame(
        {"A": [12, 3, 7, 9, 31], "B": [8, 10, 2, 6, 26], "C": [1, 14, 11, 20, 46], "Total": [21, 27, 20, 35, 103]}
    )
    codes = suppress_frame(grid, ["A", "B", "C", "Total"], MINIMUM, row_total="Total", total_rows=[4])
    flat = codes.to_numpy().ravel().tolist()
    assert flat.count(SMALL) == 3 and flat.count(WITHHELD) >= 3
    sums = frame_sums(5, 4, 3, 4)
    assert determined(grid.to_numpy(dtype=float).ravel().tolist(), flat, sums) == []
    for row in codes.to_numpy():  # every row and column withholds none or at least two of its cells
        assert (row != SHOWN).sum() != 1
    for column in codes.to_numpy().T:
        assert (column != SHOWN).sum() != 1


def test_the_checker_finds_a_count_given_away_by_its_total():
    values = [6, 4, 3, 1, 14]
    starred = [SHOWN, SMALL, SMALL, SMALL, SHOWN]  # the old report: every small count printed, only starred
    assert determined(values, [SHOWN, SHOWN, SHOWN, SMALL, SHOWN], [[0, 1, 2, 3, 4]]) == [3]
    assert determined(values, starred, [[0, 1, 2, 3, 4]]) == []  # three hidden at once: not determined


def _small_cells_report(params, audience: str = "public"):
    """A hand-made year with deliberate 1-4 cells: teams of 12, 9, 3 and 1 complaints, two categories."""
    rows = (
        [{"team": "Family Support", "category": "Delay/Failed Service", "themes": "delay"}] * 8
        + [{"team": "Family Support", "category": "Staff Attitude/Conduct", "outcome": "Upheld", "themes": "delay"}] * 4
        + [{"team": "Fostering", "category": "Delay/Failed Service", "outcome": "Upheld"}] * 6
        + [{"team": "Fostering", "category": "Staff Attitude/Conduct", "themes": "communication"}] * 3
        + [{"team": "Adoption", "category": "Delay/Failed Service", "outcome": "Partially Upheld"}] * 3
        + [{"team": "Leaving Care", "category": "Delay/Failed Service", "date_responded": "2013-06-10"}]
        + [{"team": "Family Support", "date_received": "2012-06-03", "themes": "delay"}] * 7
        + [{"team": "Fostering", "date_received": "2012-06-03", "category": "Staff Attitude/Conduct"}] * 2
    )
    settings = dataclasses.replace(params.report, change_date=None, audience=audience, labels="recorded")
    records = report_records(complaint_records(rows, params), params.labels, settings)
    return build_report(records, settings, params.labels)


@pytest.fixture(scope="module")
def small_report(params):
    return _small_cells_report(params)


@pytest.fixture(scope="module", params=["sample", "small"])
def any_report(request, sample_report, small_report):
    return sample_report if request.param == "sample" else small_report


def test_no_published_table_shows_a_small_count_as_a_number(any_report):
    book = render.sheets(any_report)
    for name, frame in book.items():
        if name in {"Summary", "Notes", "Excluded rows"}:
            continue
        for column in frame.columns:
            if _is_count_column(column):
                assert not any(_small(v) for v in frame[column]), (name, column)
    assert "Records" not in book  # one row per complaint would let anyone count any cell


def test_no_suppressed_count_can_be_worked_out_from_the_totals_shown(any_report):
    shown = published(any_report)
    raw_categories = any_report.categories
    check_table(shown.categories, raw_categories, [c for c in raw_categories.columns if c != "Category"])
    for category, table in shown.team_outcomes.items():
        raw = render.published(dataclasses.replace(any_report, settings=_internal(any_report))).team_outcomes[category]
        columns = [c for c in table.full.columns if c != "Team"]
        check_table(table.full, raw.full, columns, row_total="Complaints received")
        check_table(table.page, raw.page, columns, row_total="Complaints received")
    raw_upheld = published(dataclasses.replace(any_report, settings=_internal(any_report))).upheld_by_team
    counts = ["Complaints", "With a finding", "Upheld", "Partially Upheld"]
    check_table(shown.upheld_by_team.full, raw_upheld.full, counts)
    check_table(shown.upheld_by_team.page, raw_upheld.page, counts)
    cells = shown.theme_team
    if len(cells):  # each theme's count in every team against the theme's total
        raw = any_report.theme_team
        grid = raw.pivot_table(index="Team", columns="theme_id", values="Complaints", aggfunc="sum", fill_value=0)
        marks = cells.pivot_table(index="Team", columns="theme_id", values="Complaints", aggfunc="first")
        marks = marks.reindex(index=grid.index, columns=grid.columns)
        totals = cells.drop_duplicates("theme_id").set_index("theme_id")["Theme total"].reindex(grid.columns)
        check_table(
            pd.concat([marks, totals.to_frame().T], ignore_index=True),
            pd.concat([grid, grid.sum().to_frame().T], ignore_index=True),
            list(grid.columns),
        )


def _internal(report):
    return dataclasses.replace(report.settings, audience="internal")


class _Text(HTMLParser):
    """The page's table cells by column header, and its SVG text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.headers: list[str] = []
        self.row: list[str] = []
        self.tag = ""
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag in {"th", "td"}:
            self.tag, self.text = tag, ""
        if tag == "thead":
            self.headers = []

    def handle_data(self, data):
        self.text += data

    def handle_endtag(self, tag):
        if tag == "th":
            self.headers.append(self.text.strip())
        elif tag == "td":
            self.row.append(self.text.strip())
        elif tag == "tr" and self.row:
            self.cells += [(h, v) for h, v in zip(self.headers, self.row, strict=False)]
            self.row = []


def test_the_page_and_its_charts_show_no_small_count(any_report):
    page = render.html(any_report)
    reader = _Text()
    reader.feed(page)
    assert reader.cells and not [(h, v) for h, v in reader.cells if _is_count_column(h) and _small(v)]
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        labels = re.findall(r'font-size="1[01]"[^>]*>([^<]*)<', svg)  # bar and heat map cell labels
        tips = re.findall(r": ([^<:]*?)(?: complaints)?(?: \(|</title>)", svg)
        assert not any(_small(v) for v in labels + tips), [v for v in labels + tips if _small(v)]


def test_charts_are_sorted_with_whole_number_ticks_and_axis_titles(sample_report):
    page = render.html(sample_report)
    bars = re.search(r"<svg.*?</svg>", page, flags=re.S).group(0)
    labels = re.findall(r"<title>([^<]*), 2013/14: (\d+)</title>", bars)
    counts = [int(n) for _, n in labels]
    assert counts == sorted(counts, reverse=True) and len(counts) >= 5
    ticks = re.findall(r'text-anchor="middle" fill="#555">([^<]*)<', bars)
    assert ticks and all(tick.isdigit() for tick in ticks)
    assert ">Complaints</text>" in bars and "…" not in page.split("</header>")[1]


def test_an_internal_report_shows_exact_counts_under_a_banner(params, tmp_path):
    report = _small_cells_report(params, audience="internal")
    page = render.html(report)
    assert page.count(f'role="note">{INTERNAL_BANNER}') == page.count("<section") + 1
    assert "&lt;5" not in page and WITHHELD_MARK not in page
    book = render.workbook(report)
    assert book.banner == INTERNAL_BANNER and "Records" in book.sheets
    records = book.sheets["Records"]
    assert list(records.columns) == [
        "Reference", "Team", "Financial year", "Category", "Themes", "Outcome", "Working days to respond"
    ]  # fmt: skip
    assert "description" not in " ".join(records.columns).lower() and len(records) == report.complaints
    path = files.write_workbook(book.sheets, tmp_path / "internal.xlsx", formats=book.formats, banner=book.banner)
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        assert sheet["A1"].value == INTERNAL_BANNER
    categories = list(workbook["Categories"].iter_rows(min_row=3, values_only=True))
    assert ("Staff Attitude/Conduct", 7, 2) in categories  # exact, small ones included


def test_the_public_workbook_has_tables_filters_percentages_and_p_values(sample_report, tmp_path):
    book = render.workbook(sample_report)
    path = files.write_workbook(book.sheets, tmp_path / "public.xlsx", formats=book.formats, banner=book.banner)
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        assert sheet.tables or sheet.max_row <= 1, sheet.title
    themes = workbook["Themes by team"]
    header = [cell.value for cell in themes[1]]
    share = header.index("Share") + 1
    assert themes.cell(row=2, column=share).number_format == "0%"
    p_values = [themes.cell(row=r, column=header.index("p") + 1).value for r in range(2, themes.max_row + 1)]
    numbers = [v for v in p_values if isinstance(v, float)]
    assert numbers and all(float(f"{v:.3g}") == v for v in numbers)
    assert all(v >= 0.001 for v in numbers) and "<0.001" in p_values
    assert themes.column_dimensions["B"].width >= 12

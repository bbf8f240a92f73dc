"""Statistical disclosure control of the report's tables: small counts suppressed, not starred.

Every count from 1 to ``min_cell - 1`` is *primary* suppressed (shown as "<5"). A suppressed count
that is the only one withheld in a row, column or other sum whose total is shown could be worked
out by subtraction, so a second cell of that sum is *secondarily* suppressed (shown as "[c]"): the
smallest non-zero part, else the total itself. This repeats until every sum with a shown total
withholds none or at least two of its cells. Rates, shares and tests computed from a withheld count
or on a base under ``min_cell`` are withheld too.

:func:`suppress` is the one rule, on cells and sums; :func:`suppress_frame` applies it to a frame
with its totals. Pure: counts in, codes out (0 shown, 1 small, 2 withheld to protect another).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linprog

SHOWN, SMALL, WITHHELD = 0, 1, 2
WITHHELD_MARK = "[c]"  # the Government Statistical Service's mark for a confidential (withheld) value


def small_mark(min_cell: int) -> str:
    """How a suppressed small count is shown: "<5" for the default minimum cell."""
    return f"<{min_cell}"


def suppress(
    values: Sequence[float],
    sums: Sequence[Sequence[int]],
    min_cell: int,
    *,
    fixed: Sequence[bool] | None = None,
    totals: Sequence[bool] | None = None,
) -> np.ndarray:
    """The code of each cell: shown, small (1 to ``min_cell - 1``) or withheld to protect a small one.

    ``sums`` lists the cells of each sum whose total is known: parts first, the total last. ``fixed``
    cells are known to the reader whatever this table shows (a total published elsewhere): never
    withheld. ``totals`` marks cells that are totals, withheld only when no part can be.
    """
    value = np.asarray(values, dtype=float)
    fixed_cell = np.zeros(len(value), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    is_total = np.zeros(len(value), dtype=bool) if totals is None else np.asarray(totals, dtype=bool)
    code = np.where((value > 0) & (value < min_cell) & ~fixed_cell, SMALL, SHOWN)

    def withhold_beside(cell: int, members: list[int]) -> bool:
        candidates = [other for other in members if code[other] == SHOWN and not fixed_cell[other]]
        if not candidates:
            return False  # a lone cell whose total is published elsewhere: nothing left to withhold
        # The smallest non-zero part first (a zero withheld beside a "<5" would give it away), totals last.
        chosen = min(candidates, key=lambda other: (bool(is_total[other]), value[other] == 0, value[other], other))
        code[chosen] = WITHHELD
        return True

    for _ in range(AUDIT_ROUNDS):
        changed = True
        while changed:
            changed = False
            for cells in sums:
                members = list(cells)
                if sum(code[cell] != SHOWN for cell in members) == 1:
                    changed |= withhold_beside(next(c for c in members if code[c] != SHOWN), members)
        # Two or more withheld per sum is not always enough: "<5" bounds and crossing sums can still pin a
        # cell down (four parts of at least 1 in a row of fewer than 5). Withhold beside any cell that is.
        found = pinned(value, code, sums, min_cell)
        if not found:
            break
        beside = [withhold_beside(cell, [c for cells in sums if cell in cells for c in cells]) for cell in found]
        if not any(beside):
            # Nothing left to withhold: the "<5" bounds themselves pin it, so its sums' small counts are shown
            # as withheld ("[c]", any size) instead.
            for cell in found:
                for cells in sums:
                    if cell in cells:
                        code[[c for c in cells if code[c] == SMALL]] = WITHHELD
    return code


AUDIT_ROUNDS = 20
AUDIT_LIMIT = 300  # withheld cells beyond which the exact audit is skipped (it solves two programmes a cell)


def pinned(values: Sequence[float], codes: Sequence[int], sums: Sequence[Sequence[int]], min_cell: int) -> list[int]:
    """The withheld cells a reader could work out exactly from the shown cells, the sums, and the marks'
    bounds (1 to ``min_cell - 1`` for a small count, at least 0 for a withheld one): a linear programme
    per cell gives its least and greatest possible value."""
    hidden = [cell for cell, code in enumerate(codes) if code != SHOWN]
    if not hidden or len(hidden) > AUDIT_LIMIT:
        return []
    where = {cell: k for k, cell in enumerate(hidden)}
    rows, rhs = [], []
    for cells in sums:
        *parts, total = cells
        row = np.zeros(len(hidden))
        known = 0.0
        for cell, sign in [*((part, 1.0) for part in parts), (total, -1.0)]:
            if cell in where:
                row[where[cell]] += sign
            else:
                known += sign * float(values[cell])
        if row.any():
            rows.append(row)
            rhs.append(-known)
    if not rows:
        return []
    bounds = [(1, min_cell - 1) if codes[cell] == SMALL else (0, None) for cell in hidden]
    found = []
    for k, cell in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[k] = 1.0
        low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
        if low.status != 0:
            continue
        upper = -high.fun if high.status == 0 else np.inf
        if np.ceil(low.fun - 1e-6) >= np.floor(upper + 1e-6):
            found.append(cell)
    return found


def suppress_frame(
    frame: pd.DataFrame,
    columns: Sequence[str],
    min_cell: int,
    *,
    row_total: str | None = None,
    total_rows: Sequence[int] = (),
    known_totals: Mapping[str, float] | None = None,
    groups: Sequence[tuple[Sequence[int], int]] = (),
) -> pd.DataFrame:
    """The codes of ``frame[columns]`` (positional rows), protected against the totals the reader has.

    ``row_total``: a column holding each row's sum of the other ``columns``. ``total_rows``: rows (by
    position) holding each column's sum of every other row that is not a total row. ``known_totals``:
    a column's sum over all non-total rows published elsewhere (the year's complaints, say). ``groups``:
    (rows, row) pairs where ``row`` holds the sum of ``rows`` in every column ("Other 9 teams").
    """
    columns = list(columns)
    n_rows, n_columns = len(frame), len(columns)
    values = frame[columns].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(dtype=float).ravel().tolist()
    fixed = [False] * len(values)
    totals = [False] * len(values)

    def cell(row: int, column: int) -> int:
        return row * n_columns + column

    grand_rows = set(total_rows) | {row for _, row in groups}
    sums: list[list[int]] = []
    part_columns = [c for c, name in enumerate(columns) if name != row_total]
    if row_total is not None:
        total_column = columns.index(row_total)
        for row in range(n_rows):
            sums.append([cell(row, c) for c in part_columns] + [cell(row, total_column)])
            totals[cell(row, total_column)] = True
    body = [row for row in range(n_rows) if row not in grand_rows]
    for total_row in total_rows:
        for c in range(n_columns):
            sums.append([cell(row, c) for row in body] + [cell(total_row, c)])
            totals[cell(total_row, c)] = True
    for rows, other in groups:
        for c in range(n_columns):
            sums.append([cell(row, c) for row in rows] + [cell(other, c)])
    for name, total in (known_totals or {}).items():
        values.append(float(total))
        fixed.append(True)
        totals.append(True)
        sums.append([cell(row, columns.index(name)) for row in body] + [len(values) - 1])
    code = suppress(values, sums, min_cell, fixed=fixed, totals=totals)[: n_rows * n_columns]
    return pd.DataFrame(code.reshape(n_rows, n_columns), columns=columns, index=frame.index)


def primary(frame: pd.DataFrame, columns: Sequence[str], min_cell: int) -> pd.DataFrame:
    """Codes for counts with no total shown anywhere: only the small ones withheld."""
    return suppress_frame(frame, columns, min_cell)


def shown(
    frame: pd.DataFrame, codes: pd.DataFrame, min_cell: int, hide: Mapping[str, pd.Series] | None = None
) -> pd.DataFrame:
    """``frame`` with withheld counts replaced by their marks ("<5", "[c]"), and each column of ``hide``
    (a rate, share or test) withheld where its mask is true."""
    display = frame.astype({column: object for column in codes.columns} | dict.fromkeys(hide or {}, object))
    for column in codes.columns:
        code = codes[column].to_numpy()
        values = display[column].to_numpy(dtype=object).copy()
        values[code == SMALL] = small_mark(min_cell)
        values[code == WITHHELD] = WITHHELD_MARK
        display[column] = values
    for column, mask in (hide or {}).items():
        if column in display.columns:
            values = display[column].to_numpy(dtype=object).copy()
            values[np.asarray(mask, dtype=bool)] = WITHHELD_MARK
            display[column] = values
    return display


def withheld(codes: pd.DataFrame, *columns: str) -> pd.Series:
    """Rows where any of ``columns`` is withheld."""
    return (codes[list(columns)] != SHOWN).any(axis=1)


def under(frame: pd.DataFrame, column: str, min_cell: int) -> pd.Series:
    """Rows whose base (``column``) is under ``min_cell``: a rate on it is not shown."""
    return pd.to_numeric(frame[column], errors="coerce").fillna(0) < min_cell


def is_mark(value: object) -> bool:
    """Whether a displayed value is a suppression mark rather than a figure."""
    return isinstance(value, str) and (value == WITHHELD_MARK or value.startswith("<") and value[1:].isdigit())

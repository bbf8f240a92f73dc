"""The layout of a scored file: the council's rows as they came, then what scoring added.

A case system takes a scored file back by joining on its own case reference, so every input column
stays as read (the council's spelling and order, every value as text), followed by ``source_row`` (the
row's number in the file scored, header = row 1) and the suggestion columns. An added column whose
name is already an input column's (ignoring case and surrounding spaces, as many databases do) is
written as ``suggested_<name>`` (again, until the name is free), so no input column is ever
overwritten or doubled. Everything here takes frames and returns new ones; nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np
import pandas as pd

from pipeline.data.schema import SOURCE_ROW

SUGGESTED_PREFIX = "suggested_"
# The scorer's category suggestion: with source_row before it, it marks a scored file.
CATEGORY_SUGGESTION = "predicted_category"


def _key(name: object) -> str:
    return str(name).strip().casefold()


def added_names(input_columns: Iterable[object], added: Sequence[str]) -> list[str]:
    """The names ``added`` columns are written under after ``input_columns``: each as it is, or with
    ``suggested_`` in front (repeated until the name is free) when an input column has that name."""
    taken = {_key(name) for name in input_columns}
    names = []
    for name in added:
        if name.startswith(SUGGESTED_PREFIX):
            # The prefix is only ever added here, so split_scored can take it off again unambiguously.
            raise ValueError(f"An added column may not start with '{SUGGESTED_PREFIX}': '{name}'.")
        while _key(name) in taken:
            name = SUGGESTED_PREFIX + name
        taken.add(_key(name))
        names.append(name)
    return names


def scored_rows(
    raw: pd.DataFrame,
    source_rows: Sequence[int] | np.ndarray,
    scored: pd.DataFrame,
    *,
    left_out: Collection[str] = (),
) -> pd.DataFrame:
    """The scored file's rows: ``raw``'s rows that were scored (matched on ``source_row``, in ``scored``'s
    order) with every column as text, then ``source_row``, then ``scored``'s other columns.

    ``raw`` is the table as read, its rows numbered ``source_rows``; ``scored`` has a ``source_row``
    column. ``left_out`` names columns of ``scored`` that only repeat the input under the schema's
    names (the scorer's pass-through): they are not written unless the input has them itself.
    """
    if len(source_rows) != len(raw):
        raise ValueError(f"{len(raw)} rows but {len(source_rows)} row numbers.")
    positions = pd.Index(np.asarray(source_rows, dtype=np.int64)).get_indexer(scored[SOURCE_ROW].to_numpy())
    if (positions < 0).any():
        missing = scored[SOURCE_ROW].to_numpy()[positions < 0]
        raise ValueError(f"Scored rows {missing[:5].tolist()} are not rows of the table read.")
    inputs = raw.iloc[positions].reset_index(drop=True).astype("string")
    suggestions = scored.drop(columns=[c for c in left_out if c in scored.columns and c != SOURCE_ROW])
    suggestions = suggestions.loc[:, [SOURCE_ROW, *(c for c in suggestions.columns if c != SOURCE_ROW)]]
    suggestions = suggestions.reset_index(drop=True)
    suggestions.columns = added_names(inputs.columns, list(suggestions.columns))
    return pd.concat([inputs, suggestions], axis=1)


def _plain_name(name: str) -> str:
    while name.startswith(SUGGESTED_PREFIX):
        name = name[len(SUGGESTED_PREFIX) :]
    return name


def split_scored(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A table in the layout of :func:`scored_rows` -> (its input columns as written; the added columns
    under their own names, ``suggested_`` taken off). None when ``frame`` is not in that layout.

    The added columns start at the last ``source_row`` (prefixed or not) with a category suggestion
    after it: an input's own ``source_row`` always comes before that one. Input columns come before
    it (a scorer needs at least the text); a file scored before scored files kept them begins with
    ``source_row`` and is not in this layout.
    """
    names = [str(name) for name in frame.columns]
    plain = [_plain_name(name) for name in names]
    starts = [position for position in range(1, len(names)) if plain[position] == SOURCE_ROW]
    if not starts or CATEGORY_SUGGESTION not in plain[starts[-1] :]:
        return None
    start = starts[-1]
    inputs = frame.iloc[:, :start].copy()
    added = frame.iloc[:, start:].copy()
    added.columns = plain[start:]
    return inputs, added

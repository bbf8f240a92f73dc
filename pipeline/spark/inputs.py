"""What a Spark job reads: a file, a folder of files or a glob, checked file by file on the driver.

Only each file's header (CSV, XLSX) or footer (Parquet) is read here; the rows are read by the executors,
with the same readers as the pandas engine (:mod:`pipeline.data.files`), so every row is read, numbered
and set aside in the same way. A Parquet file is split into its row groups, one task each; a CSV or XLSX
file is one task (split a large CSV into several files, or convert it to Parquet, to spread it).
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import Params
from pipeline.data import files
from pipeline.data.files import Chunk
from pipeline.errors import DataContractError, InputFileError

TABLE_NAMES = ("*.csv", "*.csv.gz", "*.xlsx", "*.parquet")


@dataclass(frozen=True)
class InputFile:
    """One readable file: where it is, the name its rows are labelled with, its layout and its parts."""

    path: str
    name: str
    format: str
    columns: tuple[str, ...]
    # (row group, first row number, rows): Parquet; ((-1, first row number, -1),) otherwise
    parts: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class Inputs:
    """The files to score, in order, and those that could not be read, each with the reason."""

    files: tuple[InputFile, ...]
    unreadable: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.files[0].columns


def _candidates(source: str) -> tuple[list[Path], Path | None]:
    """The table files ``source`` names (a file, a folder, or a glob) and the folder names are relative to."""
    path = Path(source)
    if path.is_dir():
        found = sorted({p for pattern in TABLE_NAMES for p in path.rglob(pattern) if not p.name.startswith((".", "_"))})
        if not found:
            raise InputFileError(f"{path} holds no CSV, XLSX or Parquet file to score (the folder is empty of tables).")
        return found, path
    if any(character in source for character in "*?["):
        found = sorted(Path(p) for p in glob.glob(source, recursive=True) if Path(p).is_file())
        if not found:
            raise InputFileError(f"No file matches {source}.")
        return found, None
    if not path.is_file():
        raise InputFileError(f"File not found: {path}")
    return [path], None


def _describe(path: Path, name: str, params: Params) -> InputFile:
    layout = files.describe_table(path, params.data.sheet, params.data.header_row)
    parts: tuple[tuple[int, int, int], ...] = ((-1, layout.first_data_row, -1),)
    if layout.format == "parquet":
        metadata = files.parquet_file(path).metadata
        first, found = layout.first_data_row, []
        for group in range(metadata.num_row_groups):
            rows = metadata.row_group(group).num_rows
            found.append((group, first, rows))
            first += rows
        parts = tuple(found) or parts
    columns = tuple(str(column).strip().lstrip("\ufeff") for column in layout.columns)
    return InputFile(str(path.resolve()), name, layout.format, columns, parts)


def find_inputs(source: str, params: Params) -> Inputs:
    """Every table file of ``source``, described. A file that cannot be read is set aside with its reason
    while others can be; none readable, a file without the description column, or files whose columns
    differ are errors (nothing is scored): a column missing from some files would score them differently."""
    paths, base = _candidates(source)
    readable, unreadable = [], []
    for path in paths:
        name = path.relative_to(base).as_posix() if base else path.name
        try:
            readable.append(_describe(path, name, params))
        except InputFileError as error:
            unreadable.append((name, str(error)))
    if not readable:
        reasons = "; ".join(f"{name}: {why}" for name, why in unreadable)
        raise InputFileError(f"No file of {source} could be read. {reasons}")
    text = params.data.columns.get("description", "description")
    for found in readable:
        if text not in found.columns:
            raise DataContractError(
                f"{found.name} has no column '{text}' (the complaint text; data.columns.description). Its "
                f"columns: {', '.join(found.columns)}. Fix or remove that file; nothing was scored."
            )
    first = readable[0]
    for found in readable[1:]:
        if set(found.columns) != set(first.columns):
            extra = sorted(set(found.columns) - set(first.columns))
            missing = sorted(set(first.columns) - set(found.columns))
            raise DataContractError(
                f"{found.name} does not have the columns of {first.name}: "
                + "; ".join(
                    part
                    for part in (
                        f"it lacks {', '.join(missing)}" if missing else "",
                        f"it adds {', '.join(extra)}" if extra else "",
                    )
                    if part
                )
                + ". Score files of one layout together (or separately); nothing was scored."
            )
    return Inputs(tuple(readable), tuple(unreadable))


def work_units(inputs: Inputs) -> pd.DataFrame:
    """One row per task: a Parquet row group, or a whole CSV or XLSX file (path, name, format, part,
    first_row, rows), the table Spark spreads over its executors."""
    rows = [
        {"path": f.path, "name": f.name, "format": f.format, "part": part, "first_row": first, "rows": count}
        for f in inputs.files
        for part, first, count in f.parts
    ]
    return pd.DataFrame(rows)


def unit_chunks(unit: Any, params: Params) -> Iterator[Chunk]:
    """The rows of one work unit (a row of :func:`work_units`) as the pandas engine reads them: one Parquet
    row group in chunks of score.chunk_rows, numbered on from the rows before it, or a whole CSV or XLSX file."""
    data = params.data
    if unit.format == "parquet":
        return files.parquet_row_group(unit.path, int(unit.part), int(unit.first_row), params.score.chunk_rows)
    return files.iter_table(unit.path, params.score.chunk_rows, data.sheet, data.header_row, data.max_text_chars)

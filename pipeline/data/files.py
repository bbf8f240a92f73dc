"""Every file read and write: tables in three formats (CSV in four encodings and three delimiters, found wherever
the table starts), JSON, figures, models.

Writes are atomic (a temporary file in the same folder, then a rename), so an interrupted run
never leaves half a file. Text cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import codecs
import csv
import glob
import gzip
import hashlib
import hmac
import json
import os
import re
import shutil
import statistics
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, time
from io import BytesIO, TextIOWrapper
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import joblib
import numpy as np
import pandas as pd
import yaml

from pipeline.errors import InputFileError, ModelIntegrityError

if TYPE_CHECKING:  # spaCy's matcher loads with the taxonomy: only reading a themes file needs it
    from pipeline.data.taxonomy import Taxonomy

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A signed number, thousands grouped or not: "-123", "+44", "-1,234.50", "-.5", "+1e6".
PLAIN_NUMBER = r"[+-](?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
# Rows read from the top of a table to find its header: a title block above the header is a few rows.
SAMPLE_ROWS = 30
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}  # in order of preference when two fit equally
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "cp1252": "Windows-1252"}
BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
NOT_TEXT = "not UTF-8, UTF-16 or Windows-1252 text. Save it from Excel as 'CSV UTF-8'."
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
MAX_COLUMNS = 1000  # a header wider than this is not a complaints export (junk would take pandas minutes)
LINE_ALLOWANCE = 65_536  # bytes of a CSV line beyond the description's (see max_line_bytes)
SAMPLE_LINE_BYTES = 1 << 20  # the longest line read when finding the header; longer ones read as blank
DEFAULT_MAX_TEXT_CHARS = 50_000  # data.max_text_chars' default


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputFileError(f"{path}: use a .csv, .xlsx or .parquet file (got '{suffix or 'no extension'}').")
    return suffix


def _table_format(path: Path) -> str:
    """csv, xlsx or parquet. A gzipped CSV (as public datasets ship) is a CSV, read as it is."""
    return "csv" if path.name.lower().endswith(".csv.gz") else _suffix(path).lstrip(".")


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"File not found: {path}")
    return path


@dataclass(frozen=True)
class TableLayout:
    """Where the table sits in its file: the format, how a CSV is encoded and delimited, which sheet of a
    workbook, and the row holding the column names (numbered from 1, as a spreadsheet or text editor shows)."""

    format: str  # csv | xlsx | parquet
    encoding: str | None = None  # CSV: a codec of ENCODING_NAMES
    delimiter: str | None = None  # CSV: one of DELIMITERS
    sheets: tuple[str, ...] = ()  # XLSX: every worksheet, in order
    sheet: str | None = None  # XLSX: the sheet read
    header_row: int = 1
    columns: tuple[str, ...] = ()

    @property
    def rows_above_header(self) -> int:
        return self.header_row - 1

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def summary(self) -> str:
        """One line for an analyst, e.g. "CSV, Windows-1252, semicolon-delimited, column names in row 1"."""
        if self.format == "parquet":
            return "Parquet, column names in the file"
        parts = [self.format.upper()]
        if self.format == "csv":
            parts += [ENCODING_NAMES.get(str(self.encoding), str(self.encoding))]
            parts += [f"{DELIMITERS.get(str(self.delimiter), repr(self.delimiter))}-delimited"]
        else:
            among = f" (of {', '.join(self.sheets)})" if len(self.sheets) > 1 else ""
            parts.append(f"sheet '{self.sheet}'{among}")
        return ", ".join([*parts, f"column names in row {self.header_row}"])

    def config_values(self) -> dict[str, object]:
        """The data.sheet and data.header_row worth writing into a config: those a reader of the file would
        not assume (a sheet other than the first, column names below row 1), so the config pins them."""
        values: dict[str, object] = {}
        if len(self.sheets) > 1 and self.sheet != self.sheets[0]:
            values["sheet"] = self.sheet
        if self.header_row != 1:
            values["header_row"] = self.header_row
        return values


def describe_table(path: str | Path, sheet: str | None = None, header_row: int | None = None) -> TableLayout:
    """Find where the table in a CSV, XLSX or Parquet file is, from its first rows.

    A CSV's encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252) and delimiter (comma,
    semicolon or tab); a workbook's sheet (the one that looks most like a table: most column names with
    rows below); the row of column names (title rows and blank rows above it are passed over).
    ``sheet`` and ``header_row`` (data.sheet, data.header_row) override what would be found.
    """
    path = _existing(path)
    if header_row is not None and header_row < 1:
        raise InputFileError(
            f"data.header_row is {header_row}: give the row of the column names as a spreadsheet numbers it "
            "(1 is the first row), or leave it empty to find it."
        )
    kind = _table_format(path)
    if kind == "parquet":
        return TableLayout("parquet", columns=_parquet_columns(path))
    if kind == "xlsx":
        return _describe_xlsx(path, sheet or None, header_row)
    return _describe_csv(path, header_row)


def _cell_text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def _filled(row: Sequence[Any]) -> int:
    """How many cells of a row hold something other than spaces."""
    return sum(1 for cell in row if _cell_text(cell))


def _is_word(cell: Any) -> bool:
    """Text with a letter in it, as column names are (numbers and dates are data)."""
    return isinstance(cell, str) and any(character.isalpha() for character in cell)


def _span(row: Sequence[Any]) -> int:
    """How far along a row its filled cells reach: the position of the last one (0 for a blank row)."""
    return next((len(row) - index for index, cell in enumerate(reversed(row)) if _cell_text(cell)), 0)


def _find_header(rows: Sequence[Sequence[Any]]) -> int | None:
    """The index of the first row that reaches as far across as most rows below it, and is mostly words.

    A title (one cell, or one cell and the empty ones Excel pads a CSV row with), a line such as "Run on
    01/04/2015" and blank rows above the table fall short and are passed over; a header that leaves a
    column unnamed still reaches across. Failing that, the first of the widest rows; None when all are blank.
    """
    spans = [_span(row) for row in rows]
    for index, span in enumerate(spans):
        below = [width for width in spans[index + 1 :] if width]
        words = sum(_is_word(cell) for cell in rows[index])
        if span and below and span >= statistics.median_low(below) and 2 * words >= _filled(rows[index]):
            return index
    widest = max(spans, default=0)
    return spans.index(widest) if widest else None


def _header_index(rows: Sequence[Sequence[Any]], header_row: int | None, where: str) -> int:
    """The index among ``rows`` of the column names: ``header_row`` when given (checked), else found."""
    if header_row is None:
        found = _find_header(rows)
        if found is None:
            raise InputFileError(f"{where} is empty: it has no header row and no complaints.")
        return found
    if header_row > len(rows):
        raise InputFileError(
            f"data.header_row is {header_row}, but {where} has only {len(rows)} rows: give the row of the "
            "column names, or leave data.header_row empty to find it."
        )
    if not _filled(rows[header_row - 1]):
        raise InputFileError(
            f"data.header_row is {header_row}, but that row of {where} is blank: give the row of the column "
            "names, or leave data.header_row empty to find it."
        )
    return header_row - 1


def _column_names(cells: Sequence[Any]) -> tuple[str, ...]:
    """The header's cells as column names: an empty one is "column N", a repeat gets ".1", ".2" (as pandas does)."""
    names: list[str] = []
    taken: set[str] = set()
    copies: Counter[str] = Counter()
    for number, cell in enumerate(cells, start=1):
        base = str(cell) if _cell_text(cell) else f"column {number}"
        name = base
        while name in taken:
            copies[base] += 1
            name = f"{base}.{copies[base]}"
        names.append(name)
        taken.add(name)
    return tuple(names)


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")  # type: ignore[return-value]


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file is text in ``encoding`` (read in blocks, so any size fits in memory)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with _open_bytes(path) as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError) as error:  # a damaged .gz
        raise InputFileError(f"{path} could not be read ({error}).") from error
    return True


def _not_a_text_table(path: Path, start: bytes) -> str | None:
    """Why the file's first bytes show it is no CSV at all (a workbook or other binary file), or None."""
    if start.startswith(ZIP_MAGIC):
        return (
            f"{path} is an Excel workbook (or another zipped file) with a .csv name. Rename it to .xlsx, "
            "or open it in Excel and save it as 'CSV UTF-8'."
        )
    if start.startswith(OLE_MAGIC):
        return (
            f"{path} is an old Excel (.xls) or other Office file with a .csv name. Save it from Excel as 'CSV UTF-8'."
        )
    controls = sum(1 for byte in start if byte < 32 and byte not in (9, 10, 13))
    if start and controls > len(start) // 50:
        return f"{path} holds binary data, not a table of text: {NOT_TEXT}"
    return None


def _csv_encoding(path: Path) -> str:
    """UTF-8 or UTF-16 by the byte-order mark; without one, UTF-8 when every byte reads as UTF-8, else
    Windows-1252 (what Excel's plain 'Save as CSV' writes in the UK). A CSV read as Windows-1252 is
    decoded line by line (:func:`_decoded_line`): a line that is UTF-8 is read as UTF-8."""
    try:
        with _open_bytes(path) as handle:
            start = handle.read(4096)
    except (OSError, EOFError) as error:  # a damaged .gz
        raise InputFileError(f"{path} could not be read ({error}).") from error
    marked = [encoding for mark, encoding in BYTE_ORDER_MARKS if start.startswith(mark)]
    if not marked and b"\x00" in start[:4]:
        raise InputFileError(
            f"{path} looks like UTF-16 text without a byte-order mark, which cannot be read reliably. "
            "Save it from Excel as 'CSV UTF-8'."
        )
    if not marked and (why := _not_a_text_table(path, start)):
        raise InputFileError(why)
    for encoding in marked or ["utf-8", "cp1252"]:
        if _decodes(path, encoding):
            return encoding
    raise InputFileError(f"{path}: {NOT_TEXT}")


def max_line_bytes(max_text_chars: int) -> int:
    """The longest line a CSV row may be: room for a description of ``max_text_chars`` characters (up to 4
    bytes each in UTF-8) and the other columns. Longer lines are set aside unread (pandas would take
    minutes and gigabytes over a junk line of megabytes)."""
    return 4 * max_text_chars + LINE_ALLOWANCE


@dataclass(frozen=True)
class _Line:
    """One physical line of a CSV file: its text (empty when it was too long to read) and whether it was."""

    text: str
    too_long: int = 0  # its length in bytes when over the limit, else 0


def _decoded_line(raw: bytes, encoding: str) -> str:
    """A line as text: UTF-8 first, Windows-1252 when the line is not UTF-8 (a file edited in two programs
    mixes them, and "worker’s café" must not become mojibake)."""
    if encoding in ("utf-8", "utf-8-sig", "cp1252"):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")
    return raw.decode(encoding)


def _physical_lines(path: Path, encoding: str, limit: int) -> Iterator[_Line]:
    """The file's lines (line endings kept), each at most ``limit`` bytes read: a longer one is skipped to
    its end and given as an empty line marked too long, so no line of junk can exhaust memory or time."""
    if encoding == "utf-16":
        with _open_bytes(path) as handle, TextIOWrapper(handle, encoding=encoding, newline="") as text:
            while line := text.readline(limit + 1):
                if len(line) > limit and not line.endswith("\n"):
                    size = len(line)
                    while (rest := text.readline(1 << 20)) and not rest.endswith("\n"):
                        size += len(rest)
                    yield _Line("\n", 2 * (size + len(rest)))
                else:
                    yield _Line(line)
        return
    with _open_bytes(path) as handle:
        newline = _newline(handle)
        first = True
        for raw, too_long in _bounded_lines(handle, newline, limit):
            if first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            first = False
            if too_long:
                yield _Line("\n", too_long)
                continue
            text = _decoded_line(raw, encoding)
            # An old Mac file ends its lines with CR alone: read as the LF the rest of the reader expects.
            yield _Line(text[:-1] + "\n" if newline == b"\r" and text.endswith("\r") else text)


def _newline(handle: IO[bytes]) -> bytes:
    """CR when the file's first block has carriage returns and no line feed (old Mac files), else LF."""
    head = handle.read(1 << 16)
    handle.seek(0)
    return b"\r" if b"\r" in head and b"\n" not in head else b"\n"


def _bounded_lines(handle: IO[bytes], newline: bytes, limit: int) -> Iterator[tuple[bytes, int]]:
    """Each line (its ending kept) with 0, or b"" with its length when it is longer than ``limit`` bytes:
    a longer line is skipped to its end, never held whole in memory."""
    buffer, skipped = b"", 0
    while block := handle.read(1 << 20):
        buffer += block
        start = 0
        while (end := buffer.find(newline, start)) >= 0:
            line, start = buffer[start : end + 1], end + 1
            if skipped or len(line) > limit:
                yield b"", skipped + len(line)
                skipped = 0
            else:
                yield line, 0
        buffer = buffer[start:]
        if len(buffer) > limit:  # the line so far is already too long: count it, do not keep it
            skipped += len(buffer)
            buffer = b""
    if skipped or len(buffer) > limit:
        yield b"", skipped + len(buffer)
    elif buffer:
        yield buffer, 0


@dataclass(frozen=True)
class _Record:
    """One record of a CSV file: its fields (None when it could not be read) or why not."""

    fields: list[str] | None
    reason: str | None = None


def _fields(line: str, delimiter: str) -> list[str]:
    """A single line split as the csv module would, alone."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _csv_records(path: Path, layout: TableLayout, limit: int) -> Iterator[_Record]:
    """Every record below the header, one per row a spreadsheet would show, each read or set aside.

    Set aside: a line longer than ``limit`` bytes; a record with more fields than the header; and a quote
    left open, which would swallow the records below it into one field: when a record runs over several
    lines, does not have the header's number of fields, and one of the later lines is a whole record by
    itself, each of those lines is its own row, set aside, so the rows in are the file's records and the
    rows below keep their numbers.
    """
    delimiter, _width = str(layout.delimiter), len(layout.columns)
    lines = _physical_lines(path, str(layout.encoding), limit)
    taken: list[_Line] = []

    def feed() -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line.text

    previous_limit = csv.field_size_limit()
    csv.field_size_limit(limit)
    try:
        reader = csv.reader(feed(), delimiter=delimiter)
        for _ in range(layout.header_row):  # the title rows and the header, as the layout counted them
            with suppress(csv.Error):
                next(reader, None)
        while True:
            taken.clear()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                fields = None
            yield from _records_of(fields, list(taken), layout, limit)
    finally:
        csv.field_size_limit(previous_limit)


def _records_of(fields: list[str] | None, lines: list[_Line], layout: TableLayout, limit: int) -> Iterator[_Record]:
    """The record(s) the csv module's one record stands for (see :func:`_csv_records`)."""
    delimiter, width = str(layout.delimiter), len(layout.columns)
    too_long = max((line.too_long for line in lines), default=0)
    if too_long:
        yield _Record(
            None,
            f"unreadable: a line of {too_long:,} bytes, longer than any complaint row (over {limit:,} bytes; "
            "data.max_text_chars sets it)",
        )
        for _ in lines[1:]:
            yield _Record(None, "unreadable: part of the overlong row above")
        return
    # A quoted text over several lines gives the header's number of fields; a quote left open gives another
    # number (the open field runs on to the end of the file, or to some later quote), over lines that are
    # whole records themselves.
    swallowed = (
        len(lines) > 1
        and fields is not None
        and len(fields) != width
        and any(len(_fields(line.text, delimiter)) == width > 1 for line in lines[1:])
    )
    if fields is None or swallowed:
        yield _Record(
            None,
            f"unclosed quote: a double quote opened in this row is never closed, and swallows the next "
            f"{len(lines) - 1} line(s) into one field; close the quote in the file",
        )
        for _ in lines[1:]:
            yield _Record(None, "swallowed by an unclosed quote in a row above (see that row)")
        return
    if len(fields) > width:
        yield _Record(
            None, f"unreadable: {len(fields)} fields where the header has {width} (unquoted {_delimiters(layout)}?)"
        )
        return
    if not fields:
        yield _Record([None] * width)  # type: ignore[list-item]
        return
    yield _Record([field if field != "" else None for field in fields] + [None] * (width - len(fields)))  # type: ignore[misc]


def _csv_rows(path: Path, encoding: str, delimiter: str, limit: int) -> list[list[str]]:
    """The first ``limit`` rows as the csv module splits them (quoted text may hold delimiters and line breaks).

    Lines read are bounded (:func:`_physical_lines`); a header wider than MAX_COLUMNS is refused here.
    """
    rows: list[list[str]] = []
    lines = (line.text for line in _physical_lines(path, encoding, SAMPLE_LINE_BYTES))
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(SAMPLE_LINE_BYTES)
    try:
        for row in islice(csv.reader(lines, delimiter=delimiter), limit):
            rows.append(row)
    except csv.Error:
        pass  # e.g. a quote left open under a delimiter that does not fit: the rows so far decide
    finally:
        csv.field_size_limit(previous_limit)
    return rows


def _fit(rows: Sequence[Sequence[str]]) -> tuple[int, int]:
    """How well a delimiter splits rows into a table: how many rows share the commonest number of fields
    (more than one), then that number. Text that holds the wrong delimiter splits unevenly."""
    widths = Counter(len(row) for row in rows if len(row) > 1 and _filled(row))
    width, rows_of_width = max(widths.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
    return rows_of_width, width


def _describe_csv(path: Path, header_row: int | None) -> TableLayout:
    encoding = _csv_encoding(path)
    delimiter = max(DELIMITERS, key=lambda candidate: _fit(_csv_rows(path, encoding, candidate, SAMPLE_ROWS)))
    rows = _csv_rows(path, encoding, delimiter, SAMPLE_ROWS + (header_row or 0))
    index = _header_index(rows, header_row, str(path))
    if len(rows[index]) > MAX_COLUMNS:
        raise InputFileError(
            f"{path}: row {index + 1}, taken as the column names, has {len(rows[index]):,} columns (at most "
            f"{MAX_COLUMNS} are read). Is this the complaints export? Save the table alone as 'CSV UTF-8'."
        )
    return TableLayout("csv", encoding, delimiter, header_row=index + 1, columns=_column_names(rows[index]))


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """An openpyxl workbook, read-only (rows stream from the file), closed after use."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise InputFileError(f"{path} is not a readable Excel workbook ({error}). Save it again from Excel.") from error
    try:
        yield workbook
    finally:
        workbook.close()


def _table_score(rows: Sequence[Sequence[Any]], header_row: int | None) -> tuple[bool, int]:
    """How much a sheet looks like a table of records: rows below its header, then how many distinct names
    the header has (a notes sheet has one or two)."""
    index = _find_header(rows) if header_row is None else header_row - 1
    if index is None or index >= len(rows):
        return False, 0
    names = {cell.strip() for cell in rows[index] if _is_word(cell)}
    return any(_filled(row) for row in rows[index + 1 :]), len(names)


def _describe_xlsx(path: Path, sheet: str | None, header_row: int | None) -> TableLayout:
    with _workbook(path) as workbook:
        sheets = tuple(worksheet.title for worksheet in workbook.worksheets)
        if sheet is not None and sheet not in sheets:
            raise InputFileError(f"{path} has no sheet '{sheet}' (data.sheet); its sheets: {', '.join(sheets)}.")
        limit = SAMPLE_ROWS + (header_row or 0)
        tops = {
            name: list(islice(workbook[name].iter_rows(values_only=True), limit))
            for name in ([sheet] if sheet else sheets)
        }
    # With header_row given, the sheet whose row it is looks most like a table; equals are told apart as if it
    # were not given, then the first is taken.
    chosen = sheet or max(tops, key=lambda name: (_table_score(tops[name], header_row), _table_score(tops[name], None)))
    index = _header_index(tops[chosen], header_row, f"sheet '{chosen}' of {path}")
    columns = _column_names(tops[chosen][index])
    return TableLayout("xlsx", sheets=sheets, sheet=chosen, header_row=index + 1, columns=columns)


def parquet_file(path: str | Path) -> Any:
    """The Parquet file at ``path`` opened (its footer read: schema, row groups), or an InputFileError that
    names the file when it is not Parquet or is damaged."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise InputFileError(f"{path} is not a readable Parquet file ({error}).") from error


def _parquet_columns(path: Path) -> tuple[str, ...]:
    names = parquet_file(path).schema_arrow.names
    return tuple(name for name in names if not name.startswith("__index_level_"))  # a saved pandas index


def read_table(
    path: str | Path,
    sheet: str | None = None,
    header_row: int | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    layout: TableLayout | None = None,
) -> pd.DataFrame:
    """Read CSV, XLSX or Parquet wherever its table starts (see :func:`describe_table`; a caller that has
    already described the file passes its ``layout``), every column of a CSV or XLSX as text.

    ``frame.attrs["first_data_row"]`` is the file's row number of the first record, ``attrs["source_rows"]``
    each row's number (rows that could not be read are not in the frame), and ``attrs["unreadable"]`` the
    rows that could not be read (``source_row``, ``reason``): :func:`pipeline.data.schema.validate` sets
    them aside, so every record of the file is accounted for.
    """
    layout = layout or describe_table(path, sheet, header_row)
    path = Path(path)
    if layout.format == "parquet":
        frame = pd.read_parquet(path)
        numbers = np.arange(layout.first_data_row, layout.first_data_row + len(frame), dtype=np.int64)
        unreadable = _nothing_unreadable()
    else:
        chunks = list(
            _xlsx_chunks(path, 1 << 30, layout, keep_blank=True)
            if layout.format == "xlsx"
            else _csv_chunks(path, 1 << 30, layout, max_text_chars)
        )
        frame = pd.concat([chunk.frame for chunk in chunks], ignore_index=True)
        numbers = np.concatenate([chunk.source_rows for chunk in chunks])
        unreadable = pd.concat([chunk.unreadable for chunk in chunks], ignore_index=True)
        kept = _without_trailing_blank_rows(frame)
        frame, numbers = kept, numbers[: len(kept)]
    frame.attrs["first_data_row"] = layout.first_data_row
    frame.attrs["source_rows"] = numbers
    frame.attrs["unreadable"] = unreadable
    return frame


def _without_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank rows inside the table stay (the rows below keep their numbers); those after it (formatted but
    empty rows, which Excel keeps many of) go."""
    filled = np.flatnonzero(frame.notna().to_numpy().any(axis=1))
    return frame.iloc[: filled[-1] + 1 if len(filled) else 0]


def _delimiters(layout: TableLayout) -> str:
    """The delimiter's plural in an analyst's words: commas, semicolons, tabs."""
    return f"{DELIMITERS.get(str(layout.delimiter), 'delimiter')}s"


@dataclass(frozen=True)
class Chunk:
    """Part of a table: its rows (every column text), their row numbers as a spreadsheet shows them
    (the header's row and any title rows above it counted), and the rows of this part that could not be
    read, with the reason."""

    frame: pd.DataFrame
    source_rows: np.ndarray
    unreadable: pd.DataFrame  # columns source_row, reason


def _nothing_unreadable() -> pd.DataFrame:
    return pd.DataFrame({"source_row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="string")})


def _csv_chunks(path: Path, chunk_rows: int, layout: TableLayout, max_text_chars: int) -> Iterator[Chunk]:
    """The records of :func:`_csv_records` in chunks of ``chunk_rows`` rows read (set-aside rows counted)."""
    records = enumerate(_csv_records(path, layout, max_line_bytes(max_text_chars)), start=layout.first_data_row)
    rows = (
        (number, record.fields, None if record.fields is not None else str(record.reason)) for number, record in records
    )
    return _chunked(rows, list(layout.columns), chunk_rows)


def _chunked(
    rows: Iterator[tuple[int, list[str | None] | None, str | None]], columns: list[str], chunk_rows: int
) -> Iterator[Chunk]:
    """Numbered rows (cells, or why they could not be read) as chunks of ``chunk_rows`` rows read; a table
    with a header and no rows gives one empty chunk, so its columns are known."""
    yielded = False
    while batch := list(islice(rows, chunk_rows)):
        good = [(number, cells) for number, cells, why in batch if why is None]
        bad = [(number, why) for number, _, why in batch if why is not None]
        frame = pd.DataFrame([cells for _, cells in good], columns=columns, dtype="string")
        unreadable = pd.DataFrame(
            {
                "source_row": pd.Series([n for n, _ in bad], dtype="int64"),
                "reason": pd.Series([r for _, r in bad], dtype="string"),
            }
        )
        yield Chunk(frame, np.array([n for n, _ in good], dtype=np.int64), unreadable)
        yielded = True
    if not yielded:
        yield _numbered_chunk(pd.DataFrame(columns=columns, dtype="string"), [])


def _text_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2.0 stored for a whole number reads "2", as pandas reads Excel
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()  # an Excel date (stored as midnight) reads as the date it shows
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)


def _column_number(letters: str) -> int:
    """A spreadsheet column's number from its letters: A is 1, Z 26, AA 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


_MERGED = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>', re.S)


@dataclass(frozen=True)
class _SheetExtras:
    """What a read-only pass over a sheet does not give: merged ranges (filled from their top-left cell) and
    formula cells without a saved value (an export written by a program that never calculated them)."""

    merged: tuple[tuple[int, int, int, int], ...] = ()  # first row, first column, last row, last column
    unsaved_formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column)


def _sheet_extras(worksheet: Any) -> _SheetExtras:
    path = getattr(worksheet, "_worksheet_path", None)
    if path is None:
        return _SheetExtras()
    with worksheet.parent._archive.open(path) as handle:
        xml = handle.read()
    merged = tuple(
        (int(top), _column_number(left.decode()), int(bottom), _column_number(right.decode()))
        for left, top, right, bottom in _MERGED.findall(xml)
    )
    unsaved = frozenset()
    if b"<f" in xml:
        unsaved = frozenset(
            (int(match.group(2)), _column_number(match.group(1).decode()))
            for match in _FORMULA_CELL.finditer(xml)
            if not re.search(rb"<v>[^<]", match.group(0))
        )
    return _SheetExtras(merged, unsaved)


UNSAVED_FORMULA = "formula with no saved value: open and save the file in Excel"


def _xlsx_rows(path: Path, layout: TableLayout) -> Iterator[tuple[int, list[str | None], str | None]]:
    """Every row below the header (blank ones too) with its row number, cells as text, header-wide, and why
    the row cannot be read (a formula with no saved value), or None. A merged range's cells all hold its
    top-left value, as the eye reads them."""
    width = len(layout.columns)
    with _workbook(path) as workbook:
        worksheet = workbook[layout.sheet]
        extras = _sheet_extras(worksheet)
        fills: dict[tuple[int, int], tuple[int, int]] = {}
        for top, left, bottom, right in extras.merged:
            for row in range(max(top, layout.first_data_row), bottom + 1):
                for column in range(left, min(right, width) + 1):
                    if (row, column) != (top, left):
                        fills[row, column] = (top, left)
        wanted = {origin for origin in fills.values()}
        origins: dict[tuple[int, int], str | None] = {}
        if any(row < layout.first_data_row for row, _ in wanted):  # a range starting in the header or above
            for number, values in enumerate(worksheet.iter_rows(max_row=layout.first_data_row, values_only=True), 1):
                for column, value in enumerate(values, 1):
                    if (number, column) in wanted:
                        origins[number, column] = _text_cell(value)
        rows = worksheet.iter_rows(min_row=layout.first_data_row, values_only=True)
        for number, values in enumerate(rows, start=layout.first_data_row):
            cells = [_text_cell(value) for value in values[:width]]
            cells += [None] * (width - len(cells))
            for column, cell in enumerate(cells, 1):
                if (number, column) in wanted:
                    origins[number, column] = cell
            for column in range(1, width + 1):
                if (number, column) in fills:
                    cells[column - 1] = origins.get(fills[number, column])
            unsaved = [
                layout.columns[column - 1]
                for row, column in extras.unsaved_formulas
                if row == number and column <= width and cells[column - 1] is None
            ]
            reason = f"{UNSAVED_FORMULA} (column {', '.join(unsaved)})" if unsaved else None
            yield number, cells, reason


def _xlsx_chunks(path: Path, chunk_rows: int, layout: TableLayout, keep_blank: bool = False) -> Iterator[Chunk]:
    """The sheet's rows in chunks; formatted but empty rows (Excel keeps many) are not complaints unless
    ``keep_blank`` (inside a table read whole, they keep the rows below in step), and the rest keep their
    row numbers. A row with a formula that has no saved value is unreadable, with that reason."""
    rows = (
        (number, cells, why) for number, cells, why in _xlsx_rows(path, layout) if keep_blank or _filled(cells) or why
    )
    return _chunked(rows, list(layout.columns), chunk_rows)


def _parquet_chunks(path: Path, chunk_rows: int, layout: TableLayout) -> Iterator[Chunk]:
    first = layout.first_data_row
    parquet = parquet_file(path)
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas()
        yield _numbered_chunk(frame, range(first, first + len(frame)))
        first += len(frame)
    if first == layout.first_data_row:  # no rows: one empty chunk, so the columns are known
        yield _numbered_chunk(parquet.schema_arrow.empty_table().to_pandas(), [])


def parquet_row_group(path: str | Path, group: int, first_row: int, chunk_rows: int) -> Iterator[Chunk]:
    """One row group of a Parquet file in chunks of ``chunk_rows``, numbered on from ``first_row`` (the
    row number its first row has when the whole file is read): a Spark task reads one row group. A row
    group that cannot be read raises an InputFileError naming the file, the group and the reason."""
    try:
        table = parquet_file(path).read_row_group(group)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        reason = " ".join(str(error).split())
        raise InputFileError(f"{Path(path).name}: row group {group} is not readable Parquet ({reason}).") from error
    for start in range(0, max(table.num_rows, 1), chunk_rows):
        frame = table.slice(start, chunk_rows).to_pandas()
        yield _numbered_chunk(frame, range(first_row + start, first_row + start + len(frame)))


def _numbered_chunk(frame: pd.DataFrame, numbers: Sequence[int]) -> Chunk:
    return Chunk(frame, np.asarray(numbers, dtype=np.int64), _nothing_unreadable())


def iter_table(
    path: str | Path,
    chunk_rows: int = 10_000,
    sheet: str | None = None,
    header_row: int | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Iterator[Chunk]:
    """Read a CSV, XLSX or Parquet file a chunk at a time, so any size of file fits in memory, wherever
    its table starts (see :func:`describe_table`; ``sheet`` and ``header_row`` override what is found).

    CSV rows that cannot be read (more fields than the header, a line far longer than ``max_text_chars``
    allows, a quote left open) do not stop the read: each is reported in its chunk's ``unreadable`` with its
    row number and the reason. A file with a header and no rows gives one empty chunk with the file's columns.
    """
    layout = describe_table(path, sheet, header_row)
    path = Path(path)
    if layout.format == "parquet":
        return _parquet_chunks(path, chunk_rows, layout)
    if layout.format == "xlsx":
        return _xlsx_chunks(path, chunk_rows, layout)
    return _csv_chunks(path, chunk_rows, layout, max_text_chars)


class TableWriter:
    """Write a table a chunk at a time (CSV, XLSX or Parquet by extension), atomically.

    Rows go to a temporary file beside the target, renamed over it only when the ``with`` block
    ends without an error: an interrupted run leaves the old file, or none, never half a file.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.suffix = _suffix(self.path)
        self.rows = 0

    def __enter__(self) -> TableWriter:
        self._atomic = atomic_path(self.path)
        self._temporary = self._atomic.__enter__()
        self._handle: Any = None
        return self

    def write(self, frame: pd.DataFrame) -> None:
        """Append ``frame``'s rows (the first call also sets the columns)."""
        first = self._handle is None
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = None if first else self._handle.schema
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            if first:
                self._handle = pq.ParquetWriter(self._temporary, table.schema)
            self._handle.write_table(table)
        elif self.suffix == ".xlsx":
            if first:
                from openpyxl import Workbook

                self._handle = Workbook(write_only=True)
                self._sheet = self._handle.create_sheet()
                self._sheet.append(list(frame.columns))
            for values in neutralise_formulas(frame).astype(object).itertuples(index=False):
                self._sheet.append([_excel_cell(value) for value in values])
        else:
            if first:
                self._handle = self._temporary.open("w", encoding="utf-8-sig", newline="")
            neutralise_formulas(frame).to_csv(self._handle, index=False, header=first)
        self.rows += len(frame)

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if self._handle is None and error is None:  # nothing was written: an empty table
                self.write(pd.DataFrame())
            if self._handle is not None:
                if self.suffix == ".xlsx":
                    self._handle.save(self._temporary)
                else:
                    self._handle.close()
        finally:
            self._atomic.__exit__(kind, error, traceback)


def _excel_cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _yaml_file(path: Path, not_found: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputFileError(not_found) from error
    except yaml.YAMLError as error:
        raise InputFileError(f"{path} is not valid YAML: {error}") from error


def read_taxonomy(path: str | Path) -> Taxonomy:
    """Read and check the themes file (YAML)."""
    path = Path(path)
    raw = _yaml_file(
        path,
        f"Themes file not found: {Path(path).resolve()} (themes.taxonomy_file in your params file, "
        "read from the folder you run complaints in). Correct the path, or set it to null for the packaged themes.",
    )
    from pipeline.data.taxonomy import taxonomy_from_dict

    return taxonomy_from_dict(raw, str(path))


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells starting with = + - @ get a leading apostrophe, so Excel shows them as text.

    A plain signed number ("-123", "+44", "-1,234.50") is left as it is: a spreadsheet reads it as a
    number, never as a formula, and an apostrophe would stop a case reference or amount joining back.
    """
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_string_dtype(safe[column]) or safe[column].dtype == object:
            text = safe[column].astype("string")
            risky = text.str.startswith(FORMULA_PREFIXES) & ~text.str.fullmatch(PLAIN_NUMBER)
            risky = risky.fillna(False).astype(bool)
            if risky.any():
                safe[column] = text.where(~risky, "'" + text)
    return safe


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp's temporary beside a target: ".NAME." + eight random characters + ".part".
PARTIAL_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.part")


def _hold(handle: int) -> bool:
    """Hold a lock on an open temporary for as long as it is open, so another run can tell it is in use; the
    system lets it go when the process ends, however it ends. False when another process holds it."""
    if os.name != "posix":  # Windows: a file open in another process cannot be removed, which is enough
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_partials(path: str | Path) -> list[Path]:
    """Remove the temporaries an interrupted write of ``path`` left beside it (a run killed mid-way): those no
    running process holds. Returns what was removed."""
    path = Path(path)
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        found = PARTIAL_NAME.fullmatch(candidate.name)
        if not found or found["target"] != path.name or not candidate.is_file():
            continue
        try:
            handle = os.open(candidate, os.O_RDWR)
        except OSError:
            continue
        try:
            if not _hold(handle):
                continue
            os.remove(candidate)  # on Windows this fails while a live writer has it open
            removed.append(candidate)
        except OSError:
            continue
        finally:
            os.close(handle)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with the characters a glob pattern treats specially made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only if the block succeeds.

    The temporary is named after the target (``.NAME.xxxxxxxx.part``) and locked while the block runs, so
    the next write of the same target removes one a killed run left behind (:func:`remove_stale_partials`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    held = True
    try:
        _hold(handle)
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual permissions
        yield Path(temporary)
        os.close(handle)  # before the rename: Windows renames no file that is open
        held = False
        os.replace(temporary, path)
    finally:
        if held:
            os.close(handle)
        if os.path.exists(temporary):
            os.remove(temporary)


def replace_folder(source: str | Path, target: str | Path) -> Path:
    """Put the folder ``source`` where ``target`` is (a model promoted from its challenger folder): the old
    folder is moved aside, the new one renamed into place, then the old one removed."""
    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = target.with_name(f".{target.name}.replaced")
    if aside.exists():
        shutil.rmtree(aside)
    if target.exists():
        os.replace(target, aside)
    os.replace(source, target)
    shutil.rmtree(aside, ignore_errors=True)
    return target


def clear_folder(folder: str | Path) -> Path:
    """Empty ``folder`` (created if missing): a challenger folder before a new challenger is saved in it."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def rejects_path(out: str | Path) -> Path:
    """Where the rows a command set aside go: OUT_rejects.csv beside OUT."""
    out = Path(out)
    return out.with_name(f"{out.stem}_rejects.csv")


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (UTF-8 with BOM, so Excel reads it right), XLSX or Parquet by extension, atomically."""
    path = Path(path)
    suffix = _suffix(path)
    with atomic_path(path) as temporary:
        if suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        elif suffix == ".xlsx":
            neutralise_formulas(frame).to_excel(temporary, index=False, engine="openpyxl")
        else:
            neutralise_formulas(frame).to_csv(temporary, index=False, encoding="utf-8-sig")
    return path


def write_workbook(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    formats: Mapping[str, Mapping[str, str]] | None = None,
    banner: str | None = None,
) -> Path:
    """Write several tables to one XLSX file, one sheet each (names at most 31 characters), atomically.

    Each sheet with rows is an Excel table with filters; columns are as wide as their longest value
    (within reason); ``formats`` gives number formats by sheet and column ("0%"); ``banner``, when
    given, is the first row of every sheet, above the table.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    start = 1 if banner else 0
    with atomic_path(path) as temporary, pd.ExcelWriter(temporary, engine="openpyxl") as workbook:
        for number, (name, frame) in enumerate(sheets.items(), start=1):
            headers = _unique_headers(frame.columns)
            safe = neutralise_formulas(frame).set_axis(headers, axis=1)
            safe.to_excel(workbook, sheet_name=name, index=False, startrow=start)
            sheet = workbook.sheets[name]
            if banner:
                sheet.cell(row=1, column=1, value=banner).font = Font(bold=True, color="B3261E")
            chosen = (formats or {}).get(name, {})
            for index, header in enumerate(headers, start=1):
                letter = get_column_letter(index)
                values = [header, *(str(v) for v in frame.iloc[:200, index - 1].tolist())]
                sheet.column_dimensions[letter].width = min(max(max(len(v) for v in values) + 2, 10), 60)
                if header in chosen:
                    for row in range(start + 2, start + 2 + len(frame)):
                        sheet.cell(row=row, column=index).number_format = chosen[header]
            if len(frame) and len(headers):
                reference = f"A{start + 1}:{get_column_letter(len(headers))}{start + 1 + len(frame)}"
                table = Table(displayName=f"Table{number}", ref=reference)
                table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
                sheet.add_table(table)
            sheet.freeze_panes = f"A{start + 2}"
    return Path(path)


def _unique_headers(columns: pd.Index) -> list[str]:
    """Column names as text, each once (an Excel table needs distinct text headers)."""
    seen: set[str] = set()
    headers = []
    for column in columns:
        header, n = str(column), 2
        while header in seen:
            header, n = f"{column} ({n})", n + 1
        seen.add(header)
        headers.append(header)
    return headers


def write_text(text: str, path: str | Path) -> Path:
    """Write a text file (UTF-8), atomically: an HTML report, for example."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping (such as the published tables a report reconciles with)."""
    path = Path(path)
    raw = _yaml_file(path, f"File not found: {path}")
    if not isinstance(raw, dict):
        raise InputFileError(f"{path} must hold a mapping (key: value lines) at the top level.")
    return raw


def _json_safe(value: Any) -> Any:
    """NaN and infinity (a metric with nothing to measure) as null: strict JSON, readable by DVC and browsers."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, Mapping):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def write_json(payload: Mapping[str, Any], path: str | Path) -> Path:
    text = json.dumps(_json_safe(payload), indent=2, sort_keys=False, default=str, allow_nan=False)
    with atomic_path(path) as temporary:
        temporary.write_text(text + "\n", encoding="utf-8")
    return Path(path)


def read_json(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_figure(figure: Any, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=120, bbox_inches="tight")
    return Path(path)


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MODEL_FILE = "model.joblib"
CARD_FILE = "model_card.json"
# Optional: with a secret in this variable, saved models are signed and unsigned ones are refused,
# so replacing both the model and its card in a shared folder is no longer enough to run code.
SIGNING_KEY_VARIABLE = "COMPLAINTS_MODEL_KEY"


def _signature(data: bytes) -> str | None:
    key = os.environ.get(SIGNING_KEY_VARIABLE)
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest() if key else None


def save_model(model: Any, card: Mapping[str, Any], model_dir: str | Path) -> dict[str, Any]:
    """Save the fitted pipeline with joblib and its card (with the file's SHA-256) beside it."""
    model_dir = Path(model_dir)
    buffer = BytesIO()
    joblib.dump(model, buffer, compress=3)
    data = buffer.getvalue()
    with atomic_path(model_dir / MODEL_FILE) as temporary:
        temporary.write_bytes(data)
    full_card = {**card, "model_file": MODEL_FILE, "model_sha256": hashlib.sha256(data).hexdigest()}
    signature = _signature(data)
    if signature:
        full_card["model_hmac_sha256"] = signature
    write_json(full_card, model_dir / CARD_FILE)
    return full_card


def load_model(model_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    """Load a saved model after checking its SHA-256 against the card; refuse it if they differ.

    The file is read once, checked, and loaded from memory, so it cannot change in between.
    """
    model_dir = Path(model_dir)
    card_path, model_path = model_dir / CARD_FILE, model_dir / MODEL_FILE
    if not card_path.is_file() or not model_path.is_file():
        raise InputFileError(
            f"No trained model in {model_dir} (expected {MODEL_FILE} and {CARD_FILE}). Run `complaints train` first."
        )
    try:
        card = read_json(card_path)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputFileError(f"{card_path} is not a readable model card ({error}). Retrain the model.") from error
    data = model_path.read_bytes()
    check_model_bytes(data, card.get("model_sha256"), card.get("model_hmac_sha256"), str(model_path), str(card_path))
    return joblib.load(BytesIO(data)), card


def model_digests(data: bytes) -> dict[str, str]:
    """What is recorded of a model file so that it can be checked before it is loaded: its SHA-256 and, when
    COMPLAINTS_MODEL_KEY is set, its HMAC-SHA256 signature with that key."""
    signature = _signature(data)
    return {"sha256": hashlib.sha256(data).hexdigest(), **({"hmac_sha256": signature} if signature else {})}


def check_model_bytes(data: bytes, sha256: Any, signature: Any, model: str, recorded_in: str) -> None:
    """Refuse (ModelIntegrityError) a model file's bytes unless they match the SHA-256 recorded in
    ``recorded_in`` and, when COMPLAINTS_MODEL_KEY is set, the signature made with that key. Nothing is
    deserialised before this passes."""
    actual = hashlib.sha256(data).hexdigest()
    if not sha256:
        raise ModelIntegrityError(
            f"{recorded_in} records no SHA-256 for {model}, so it cannot be checked and was not loaded. "
            "Retrain (complaints train) to save a model with its hash."
        )
    if not hmac.compare_digest(actual.encode(), str(sha256).encode()):
        raise ModelIntegrityError(
            f"{model} does not match the SHA-256 in {recorded_in} (file {actual[:12]}…, recorded "
            f"{str(sha256)[:12]}…). It was changed or replaced after training, and loading it "
            "could run untrusted code, so it was not loaded. Retrain, or restore the original file."
        )
    expected_signature = _signature(data)
    if expected_signature and not hmac.compare_digest(expected_signature.encode(), str(signature).encode()):
        raise ModelIntegrityError(
            f"{model} is not signed with the key in {SIGNING_KEY_VARIABLE}, so it was not loaded. "
            "Retrain with the key set, or unset the variable to rely on the recorded SHA-256 alone."
        )

"""Every file read and write: tables in three formats and three encodings, JSON, figures, models.

Writes are atomic (a temporary file in the same folder, then a rename), so an interrupted run
never leaves half a file. Text cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import json
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import pandas as pd
import yaml

from pipeline.data.schema import FIRST_DATA_ROW
from pipeline.errors import InputFileError, ModelIntegrityError

if TYPE_CHECKING:  # spaCy's matcher loads with the taxonomy: only reading a themes file needs it
    from pipeline.data.taxonomy import Taxonomy

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A signed number, thousands grouped or not: "-123", "+44", "-1,234.50", "-.5", "+1e6".
PLAIN_NUMBER = r"[+-](?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
CSV_ENCODINGS = ("utf-8-sig", "cp1252")


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputFileError(f"{path}: use a .csv, .xlsx or .parquet file (got '{suffix or 'no extension'}').")
    return suffix


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read CSV (UTF-8, UTF-8 with BOM or Windows-1252), XLSX or Parquet, every column as text."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"File not found: {path}")
    # A gzipped CSV (as public datasets ship) is read as it is; pandas decompresses it by its name.
    suffix = ".csv" if path.name.lower().endswith(".csv.gz") else _suffix(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".xlsx":
        return pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
    for encoding in CSV_ENCODINGS:
        try:
            # A row with more fields than the header must fail, not shift into an index or be cut short.
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return pd.read_csv(
                    path, dtype=str, encoding=encoding, keep_default_na=False, na_values=[""], index_col=False
                )
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as error:
            raise InputFileError(f"{path} is empty: it has no header row and no complaints.") from error
        except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
            raise InputFileError(
                f"{path} is not a well-formed CSV file ({error}). A row probably has more commas than the header: "
                "put text that contains commas in double quotes (Excel's 'Save as CSV' does this)."
            ) from error
    raise InputFileError(f"{path}: not UTF-8 or Windows-1252 text. Save it from Excel as 'CSV UTF-8'.")


@dataclass(frozen=True)
class Chunk:
    """Part of a table: its rows (every column text), their row numbers as a spreadsheet shows them
    (header = row 1), and the rows of this part that could not be read, with the reason."""

    frame: pd.DataFrame
    source_rows: np.ndarray
    unreadable: pd.DataFrame  # columns source_row, reason


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, decided by reading the file once in blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


_BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields?, saw (\d+)")


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    encoding = _csv_encoding(path)
    try:
        reader = pd.read_csv(
            path,
            dtype=str,
            encoding=encoding,
            keep_default_na=False,
            na_values=[""],
            index_col=False,
            chunksize=chunk_rows,
            on_bad_lines="warn",
            skip_blank_lines=False,  # a blank line is a row too, so row numbers match the file's
        )
    except pd.errors.EmptyDataError as error:
        raise InputFileError(f"{path} is empty: it has no header row and no complaints.") from error
    next_row, columns = FIRST_DATA_ROW, None
    with reader:
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                try:
                    frame = next(reader)
                except StopIteration:
                    frame = None
                except pd.errors.ParserError as error:
                    raise InputFileError(f"{path} is not a well-formed CSV file ({error}).") from error
            bad = {}
            for warning in caught:
                if not issubclass(warning.category, pd.errors.ParserWarning):
                    continue
                found = _BAD_LINE.findall(str(warning.message))
                if not found:  # e.g. the first row is longer than the header: pandas would drop fields
                    raise InputFileError(
                        f"{path}: the first complaint row has more fields than the header ({warning.message}). "
                        "Put text that contains commas in double quotes (Excel's 'Save as CSV' does this)."
                    )
                for line, expected, saw in found:
                    bad[int(line)] = f"unreadable: {saw} fields where the header has {expected} (unquoted commas?)"
            if frame is None and not bad:
                return
            # Only unreadable rows left: an empty chunk that still has the file's columns.
            frame = frame if frame is not None else pd.DataFrame(columns=columns, dtype="string")
            columns = list(frame.columns)
            rows = []
            while len(rows) < len(frame):
                if next_row not in bad:
                    rows.append(next_row)
                next_row += 1
            while next_row in bad:
                next_row += 1
            unreadable = pd.DataFrame({"source_row": sorted(bad), "reason": [bad[row] for row in sorted(bad)]})
            yield Chunk(frame.reset_index(drop=True), np.array(rows, dtype=np.int64), unreadable)


def _text_cell(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)


def _xlsx_chunks(path: Path, chunk_rows: int, sheet: str | None) -> Iterator[Chunk]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise InputFileError(f"{path} is not a readable Excel workbook ({error}). Save it again from Excel.") from error
    try:
        if sheet and sheet not in workbook.sheetnames:
            raise InputFileError(
                f"{path} has no sheet '{sheet}' (data.sheet); its sheets: {', '.join(workbook.sheetnames)}."
            )
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header = [str(cell) if cell is not None else f"column {i + 1}" for i, cell in enumerate(next(rows, ()))]
        if not header:
            raise InputFileError(f"{path} is empty: it has no header row and no complaints.")
        batch: list[list[str | None]] = []
        numbers: list[int] = []
        yielded = False
        for number, values in enumerate(rows, start=FIRST_DATA_ROW):
            cells = [_text_cell(value) for value in values[: len(header)]]
            if all(cell is None or not cell.strip() for cell in cells):
                continue  # formatted but empty rows (Excel keeps many) are not complaints
            batch.append(cells + [None] * (len(header) - len(cells)))
            numbers.append(number)
            if len(batch) == chunk_rows:
                yield _numbered_chunk(pd.DataFrame(batch, columns=header, dtype="string"), numbers)
                batch, numbers, yielded = [], [], True
        if batch or not yielded:  # a header and no rows: one empty chunk, so the columns are known
            yield _numbered_chunk(pd.DataFrame(batch, columns=header, dtype="string"), numbers)
    finally:
        workbook.close()


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    first = FIRST_DATA_ROW
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise InputFileError(f"{path} is not a readable Parquet file ({error}).") from error
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas()
        yield _numbered_chunk(frame, range(first, first + len(frame)))
        first += len(frame)
    if first == FIRST_DATA_ROW:  # no rows: one empty chunk, so the columns are known
        yield _numbered_chunk(parquet.schema_arrow.empty_table().to_pandas(), [])


def _numbered_chunk(frame: pd.DataFrame, numbers: Sequence[int]) -> Chunk:
    nothing_unreadable = pd.DataFrame({"source_row": pd.Series(dtype="int64"), "reason": pd.Series(dtype="string")})
    return Chunk(frame, np.asarray(numbers, dtype=np.int64), nothing_unreadable)


def iter_table(path: str | Path, chunk_rows: int = 10_000, sheet: str | None = None) -> Iterator[Chunk]:
    """Read a CSV, XLSX or Parquet file a chunk at a time, so any size of file fits in memory.

    CSV rows that cannot be parsed (more fields than the header) do not stop the read: each is
    reported in its chunk's ``unreadable`` with its row number and the reason. A file with a header
    and no rows gives one empty chunk with the file's columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"File not found: {path}")
    suffix = _suffix(path)
    if suffix == ".parquet":
        return _parquet_chunks(path, chunk_rows)
    if suffix == ".xlsx":
        return _xlsx_chunks(path, chunk_rows, sheet)
    return _csv_chunks(path, chunk_rows)


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
    raw = _yaml_file(path, f"Themes file not found: {path} (themes.taxonomy_file in params.yaml).")
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


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


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


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables to one XLSX file, one sheet each (names at most 31 characters), atomically."""
    with atomic_path(path) as temporary, pd.ExcelWriter(temporary, engine="openpyxl") as workbook:
        for name, frame in sheets.items():
            neutralise_formulas(frame).to_excel(workbook, sheet_name=name, index=False)
            sheet = workbook.sheets[name]
            for column, header in zip(sheet.iter_cols(max_row=1), frame.columns, strict=False):
                sheet.column_dimensions[column[0].column_letter].width = min(max(len(str(header)) + 2, 10), 60)
            sheet.freeze_panes = "A2"
    return Path(path)


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
    actual = hashlib.sha256(data).hexdigest()
    if actual != card.get("model_sha256"):
        raise ModelIntegrityError(
            f"{model_path} does not match the SHA-256 in {card_path} (file {actual[:12]}…, card "
            f"{str(card.get('model_sha256'))[:12]}…). It was changed or replaced after training, and loading it "
            "could run untrusted code, so it was not loaded. Retrain, or restore the original file."
        )
    expected_signature = _signature(data)
    if expected_signature and not hmac.compare_digest(expected_signature, str(card.get("model_hmac_sha256"))):
        raise ModelIntegrityError(
            f"{model_path} is not signed with the key in {SIGNING_KEY_VARIABLE}, so it was not loaded. "
            "Retrain with the key set, or unset the variable to rely on the card's SHA-256 alone."
        )
    return joblib.load(BytesIO(data)), card

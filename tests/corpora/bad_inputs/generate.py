"""Bad input files, written at test time (nothing binary is committed): each case knows how many records
it wrote, so that rows in = scored + rejected is checked against the file, not against the reader.

``CASES`` lists them with what each command should do: exit code and a fragment of what it says (or of a
rejected row's reason). The records are council complaints in the params' column names (params.yaml).
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ["complaint_ref", "date_received", "stage", "team", "description", "category", "outcome"]
CATEGORIES = ["Delay/Failed Service", "Staff Attitude/Conduct", "Lack of /Incorrect Information"]
TEXTS = {
    "Delay/Failed Service": "the assessment is months late and nothing has happened, visit {n} was cancelled",
    "Staff Attitude/Conduct": "the social worker was rude and shouted at me during visit {n}",
    "Lack of /Incorrect Information": "nobody told me the meeting {n} had moved and the letter was wrong",
}
# Three financial years of 20 records each: enough for prepare's split by time (the last year held out).
YEARS = ((2012, 20), (2013, 20), (2014, 20))


def records(count: int = 60) -> list[list[str]]:
    """``count`` good records, dated across three financial years (dd/mm/yyyy), categories in turn."""
    rows = []
    for n in range(count):
        year = YEARS[min(n * len(YEARS) // count, len(YEARS) - 1)][0]
        category = CATEGORIES[n % len(CATEGORIES)]
        day, month = 1 + n % 27, 4 + n % 9
        rows.append(
            [
                f"R{n + 1}",
                f"{day:02d}/{month:02d}/{year}",
                "1",
                "Family Support",
                TEXTS[category].format(n=n + 1),
                category,
                "Upheld",
            ]
        )
    return rows


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n;') else cell


def csv_text(rows: list[list[str]], header: list[str] = COLUMNS, delimiter: str = ",") -> str:
    return "\n".join(delimiter.join(_quoted(c) for c in row) for row in [header, *rows]) + "\n"


@dataclass(frozen=True)
class Outcome:
    """What a command should do with a case: its exit code and a fragment of its output (or of a reason
    in the rejected rows); ``rejected`` rows at least, when it runs."""

    code: int
    says: str = ""
    rejected: int = 0


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path], int]  # writes the file at the path, returns the records it holds (None: no table)
    suffix: str
    score: Outcome
    prepare: Outcome
    report: Outcome


def _csv(rows: list[list[str]], *, records: int | None = None, **options) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        path.write_text(csv_text(rows, **options), encoding="utf-8")
        return len(rows) if records is None else records

    return write


def _raw(data: bytes, count: int) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        path.write_bytes(data)
        return count

    return write


def _with(rows: list[list[str]], index: int, column: str, value: str) -> list[list[str]]:
    changed = [row[:] for row in rows]
    changed[index][COLUMNS.index(column)] = value
    return changed


def _xlsx(build: Callable[[object], int]) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Complaints"
        sheet.append(COLUMNS)
        count = build(sheet)
        workbook.save(path)
        return count

    return write


def _merged(sheet) -> int:
    rows = records()
    for row in rows:
        sheet.append(row)
    # The team written once over rows 2-11 (merged), as a hand-made sheet does.
    for number in range(3, 12):
        sheet.cell(number, COLUMNS.index("team") + 1).value = None
    sheet.merge_cells(start_row=2, end_row=11, start_column=4, end_column=4)
    return len(rows)


def _formulas(sheet) -> int:
    rows = records()
    for row in rows:
        sheet.append(row)
    sheet.cell(5, COLUMNS.index("description") + 1).value = '=CONCATENATE("late ", "visit")'  # never calculated
    return len(rows)


def _junk_line(size: int) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        alphabet = b"abc,;\t x" * 32  # each random byte picks one
        line = random.Random(size).randbytes(size).translate(alphabet)
        path.write_bytes(csv_text(records()).encode() + line + b"\n")
        return 61

    return write


def _big_cell(size: int) -> Callable[[Path], int]:
    def write(path: Path) -> int:
        rows = records()
        with path.open("w", encoding="utf-8") as handle:
            handle.write(csv_text(rows[:30]))
            handle.write(f"R99,01/05/2013,1,Family Support,{'x' * size},Delay/Failed Service,Upheld\n")
            handle.write(csv_text(rows[30:]).split("\n", 1)[1])
        return 61

    return write


def _unclosed_quote(path: Path) -> int:
    lines = csv_text(records()).splitlines()
    assert lines[29].count(",the social worker") == 1  # record 29, its text unquoted
    lines[29] = lines[29].replace(",the social worker", ',"the social worker')  # opened, never closed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 60


def _mixed_encoding(path: Path) -> int:
    rows = records()
    text = csv_text(rows).splitlines(keepends=True)
    data = b"".join(
        (line.replace("rude", "worker’s café rude").encode("cp1252") if n == 5 else line.encode("utf-8"))
        for n, line in enumerate(text)
    )
    data += "R61,01/05/2013,1,Family Support,the worker’s café visit was late,Delay/Failed Service,Upheld\n".encode()
    path.write_bytes(data)
    return 61


def _repeated_header(path: Path) -> int:
    rows = records()
    path.write_text(csv_text(rows[:30] + [COLUMNS] + rows[30:]), encoding="utf-8")
    return 61


OK = Outcome(0)
ROWS = records()


def _binary(path: Path) -> int:
    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(20_000)))
    return 0


def _binary_cp1252(path: Path) -> int:
    rng = random.Random(8)  # bytes Windows-1252 can all decode, control characters among them
    allowed = [b for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)]
    path.write_bytes(bytes(rng.choice(allowed) for _ in range(20_000)))
    return 0


def _xlsx_named_csv(path: Path) -> int:
    _xlsx(lambda sheet: [sheet.append(row) for row in ROWS] and len(ROWS))(path)
    return 0


def _wide_header(path: Path) -> int:
    path.write_text(",".join(f"c{n}" for n in range(5000)) + "\n" + ",".join("x" for _ in range(5000)) + "\n")
    return 0


def _utf16(path: Path) -> int:
    path.write_bytes(codecs.BOM_UTF16_LE + csv_text(ROWS).encode("utf-16-le"))
    return 60


def _bom(path: Path) -> int:
    path.write_bytes(codecs.BOM_UTF8 + csv_text(ROWS).encode("utf-8"))
    return 60


NO = "Cannot continue"
CASES: list[Case] = [
    # Files that are no table: every command stops with exit 2 and says why.
    Case("binary junk", _binary, ".csv", Outcome(2, NO), Outcome(2, NO), Outcome(2, NO)),
    Case("binary junk Windows-1252 can decode", _binary_cp1252, ".csv", Outcome(2, NO), Outcome(2, NO), Outcome(2, NO)),
    Case("a workbook named .csv", _xlsx_named_csv, ".csv", *[Outcome(2, "Rename it to .xlsx")] * 3),
    Case("an empty file", _raw(b"", 0), ".csv", *[Outcome(2, "is empty")] * 3),
    Case("a header of 5000 columns", _wide_header, ".csv", *[Outcome(2, "5,000 columns")] * 3),
    Case(
        "UTF-16 without a byte-order mark",
        _raw(csv_text(ROWS).encode("utf-16-le"), 0),
        ".csv",
        *[Outcome(2, "byte-order mark")] * 3,
    ),
    Case(
        "a text file that is no workbook",
        _raw(b"hello", 0),
        ".xlsx",
        *[Outcome(2, "not a readable Excel workbook")] * 3,
    ),
    Case("a text file that is no Parquet", _raw(b"hello", 0), ".parquet", *[Outcome(2, "not a readable Parquet")] * 3),
    Case(
        "no description column",
        _csv([r[:4] for r in ROWS], header=COLUMNS[:4]),
        ".csv",
        *[Outcome(2, "has no column 'description'")] * 3,
    ),
    Case(
        "two category columns",
        _csv([[*r, r[5]] for r in ROWS], header=[*COLUMNS, "category"]),
        ".csv",
        *[Outcome(2, "more than one column")] * 3,
    ),
    # Files that read: every record is scored or rejected with its reason.
    Case("a clean file", _csv(ROWS), ".csv", OK, OK, OK),
    Case("UTF-8 with a byte-order mark", _bom, ".csv", OK, OK, OK),
    Case("UTF-16 with a byte-order mark", _utf16, ".csv", OK, OK, OK),
    Case("semicolons", _csv(ROWS, delimiter=";"), ".csv", OK, OK, OK),
    Case("tabs", _csv(ROWS, delimiter="\t"), ".csv", OK, OK, OK),
    Case(
        "Windows-1252 throughout",
        _raw(csv_text(_with(ROWS, 3, "description", "the café was shut")).encode("cp1252"), 60),
        ".csv",
        OK,
        OK,
        OK,
    ),
    Case("UTF-8 and Windows-1252 lines mixed", _mixed_encoding, ".csv", OK, OK, OK),
    Case(
        "a 1 MB line of junk",
        _junk_line(1_000_000),
        ".csv",
        Outcome(0, "longer than any complaint row", 1),
        Outcome(0, "longer than any complaint row", 1),
        OK,
    ),
    Case(
        "a 10 MB line of junk",
        _junk_line(10_000_000),
        ".csv",
        Outcome(0, "longer than any complaint row", 1),
        Outcome(0, "longer than any complaint row", 1),
        OK,
    ),
    Case(
        "a 60,000 character description",
        _big_cell(60_000),
        ".csv",
        Outcome(0, "more than data.max_text_chars", 1),
        Outcome(0, "more than data.max_text_chars", 1),
        OK,
    ),
    Case(
        "a 50 MB description",
        _big_cell(50_000_000),
        ".csv",
        Outcome(0, "longer than any complaint row", 1),
        Outcome(0, "longer than any complaint row", 1),
        OK,
    ),
    Case(
        "an unclosed quote",
        _unclosed_quote,
        ".csv",
        Outcome(0, "unclosed quote", 3),
        Outcome(0, "unclosed quote", 3),
        OK,
    ),
    Case(
        "a row with an extra comma",
        _raw(
            csv_text(ROWS)
            .replace(
                "Family Support,the social worker was rude and shouted at me during visit 8",
                "Family, Support,the social worker was rude and shouted at me during visit 8",
            )
            .encode(),
            60,
        ),
        ".csv",
        Outcome(0, "unquoted commas", 1),
        Outcome(0, "unquoted commas", 1),
        OK,
    ),
    Case(
        "a short row",
        _csv([*ROWS[:10], ROWS[10][:3], *ROWS[11:]]),
        ".csv",
        Outcome(0),
        Outcome(0, "description is empty", 1),
        OK,
    ),
    Case(
        "a repeated header row",
        _repeated_header,
        ".csv",
        Outcome(0, "a repeated header row", 1),
        Outcome(0, "a repeated header row", 1),
        OK,
    ),
    Case(
        "a blank line in the middle",
        _csv([*ROWS[:20], [""], *ROWS[20:]]),
        ".csv",
        Outcome(0),
        Outcome(0, "description is empty", 1),
        OK,
    ),
    Case("a title above the header", _raw(("Complaints export\n\n" + csv_text(ROWS)).encode(), 60), ".csv", OK, OK, OK),
    Case("a header and no rows", _csv([]), ".csv", OK, Outcome(2), Outcome(2)),
    Case("an ISO date ending in Z", _csv(_with(ROWS, 4, "date_received", "2013-05-01T10:00:00Z")), ".csv", OK, OK, OK),
    Case(
        "dates with offsets mixed",
        _csv(
            _with(
                _with(ROWS, 4, "date_received", "2013-05-01T10:00:00+01:00"), 5, "date_received", "2013-05-02T10:00:00Z"
            )
        ),
        ".csv",
        OK,
        OK,
        OK,
    ),
    Case("a yyyymmdd date", _csv(_with(ROWS, 2, "date_received", "20120407")), ".csv", OK, OK, OK),
    Case(
        "a date in 2099",
        _csv(_with(ROWS, 50, "date_received", "01/05/2099")),
        ".csv",
        OK,
        Outcome(0, "after today", 1),
        OK,
    ),
    Case(
        "a date of 31/12/1899",
        _csv(_with(ROWS, 3, "date_received", "31/12/1899")),
        ".csv",
        OK,
        Outcome(0, "before data.earliest_date", 1),
        OK,
    ),
    Case(
        "a date that is no date",
        _csv(_with(ROWS, 3, "date_received", "soon")),
        ".csv",
        OK,
        Outcome(0, "'soon' is not a date", 1),
        OK,
    ),
    Case(
        "stages in words and roman numerals",
        _csv(_with(_with(_with(ROWS, 1, "stage", "one"), 2, "stage", "Stage 2"), 3, "stage", "III")),
        ".csv",
        OK,
        OK,
        OK,
    ),
    Case("team names in two spellings", _csv(_with(ROWS, 1, "team", "family  support")), ".csv", OK, OK, OK),
    Case(
        "an empty description",
        _csv(_with(ROWS, 9, "description", "")),
        ".csv",
        OK,
        Outcome(0, "description is empty", 1),
        OK,
    ),
    Case(
        "an unknown category",
        _csv(_with(ROWS, 9, "category", "Parking")),
        ".csv",
        OK,
        Outcome(0, "not a known category", 1),
        OK,
    ),
    Case("a workbook", _xlsx(lambda sheet: [sheet.append(row) for row in ROWS] and len(ROWS)), ".xlsx", OK, OK, OK),
    Case("a workbook with merged team cells", _xlsx(_merged), ".xlsx", OK, OK, OK),
    Case(
        "a workbook with an uncalculated formula",
        _xlsx(_formulas),
        ".xlsx",
        Outcome(0, "formula with no saved value", 1),
        Outcome(0, "formula with no saved value", 1),
        OK,
    ),
    Case("a gzipped CSV", None, ".csv.gz", OK, OK, OK),  # type: ignore[arg-type]  (written below)
]


def _gzipped(path: Path) -> int:
    import gzip

    path.write_bytes(gzip.compress(csv_text(ROWS).encode("utf-8")))
    return 60


CASES[-1] = Case("a gzipped CSV", _gzipped, ".csv.gz", OK, OK, OK)


def write_case(case: Case, folder: Path) -> tuple[Path, int]:
    """The case's file in ``folder`` and the records it holds."""
    path = folder / (case.name.replace(" ", "_").replace("/", "_") + case.suffix)
    return path, case.write(path)

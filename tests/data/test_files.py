import os
import signal
import subprocess
import sys
from pathlib import Path

import joblib
import pandas as pd
import pytest

from pipeline.data import files
from tests.conftest import REPO

TEXT = "Mum says the social worker’s visit – due 3 March – never happened. Café meeting £5."


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_each_encoding_reads_the_same(tmp_path: Path, encoding: str):
    path = tmp_path / "export.csv"
    pd.DataFrame({"description": [TEXT], "category": ["Other"]}).to_csv(path, index=False, encoding=encoding)
    frame = files.read_table(path)
    assert list(frame.columns) == ["description", "category"]
    assert frame.loc[0, "description"] == TEXT


def test_xlsx_and_parquet_round_trip(tmp_path: Path):
    frame = pd.DataFrame({"description": [TEXT, "Second"], "stage": ["1", "2"]})
    for suffix in (".xlsx", ".parquet"):
        path = files.write_table(frame, tmp_path / f"t{suffix}")
        assert files.read_table(path)["description"].tolist() == [TEXT, "Second"]


def test_unsupported_file_type_is_explained(tmp_path: Path):
    path = tmp_path / "export.txt"
    path.write_text("x")
    with pytest.raises(files.InputFileError, match=r"use a \.csv, \.xlsx or \.parquet"):
        files.read_table(path)


def test_formula_cells_are_neutralised(tmp_path: Path):
    frame = pd.DataFrame({"description": ['=HYPERLINK("http://x")', "+44 7700", "-1+2", "@SUM(A1)", "fine"]})
    path = files.write_table(frame, tmp_path / "out.csv")
    written = pd.read_csv(path, dtype=str, encoding="utf-8-sig")["description"].tolist()
    assert written == ['\'=HYPERLINK("http://x")', "'+44 7700", "'-1+2", "'@SUM(A1)", "fine"]
    assert frame["description"].iloc[0].startswith("=")  # the caller's frame is untouched


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_plain_numbers_and_dates_are_written_as_they_came_so_they_join_back(tmp_path: Path, suffix: str):
    values = ["-123", "+44", "-1,234.50", "-.5", "02/04/2015", "2015-04-02", "CSC-150001", "007"]
    path = files.write_table(pd.DataFrame({"Case Ref": values}), tmp_path / f"out{suffix}")
    assert files.read_table(path)["Case Ref"].tolist() == values


def test_atomic_write_leaves_no_partial_file(tmp_path: Path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), files.atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("interrupted")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_partial_file_a_killed_write_left_is_removed_by_the_next_write_of_its_target(tmp_path: Path):
    leftover, other = tmp_path / ".out.csv.k1ll3d_x.part", tmp_path / ".other.csv.k1ll3d_x.part"
    leftover.write_text("half of an earlier run")
    other.write_text("another target's")
    files.write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "out.csv"]


def test_a_partial_file_a_write_under_way_holds_is_kept(tmp_path: Path):
    with files.atomic_path(tmp_path / "out.csv") as temporary:
        temporary.write_text("being written")
        assert files.remove_stale_partials(tmp_path / "out.csv") == [] and temporary.is_file()
    assert list(tmp_path.iterdir()) == [tmp_path / "out.csv"]


@pytest.mark.skipif(os.name != "posix", reason="the write is killed with SIGKILL")
def test_a_write_killed_mid_way_leaves_only_a_partial_that_the_rerun_removes(tmp_path: Path):
    killed = (
        "import os, signal, pandas as pd\n"
        "from pipeline.data import files\n"
        "with files.TableWriter('scored.csv') as out:\n"
        "    out.write(pd.DataFrame({'a': range(1000)}))\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.run([sys.executable, "-c", killed], cwd=tmp_path, env=environment, check=False)
    assert process.returncode == -signal.SIGKILL
    [partial] = tmp_path.iterdir()
    assert partial.name.startswith(".scored.csv.") and partial.suffix == ".part"
    with files.TableWriter(tmp_path / "scored.csv") as out:
        out.write(pd.DataFrame({"a": [1, 2]}))
    assert list(tmp_path.iterdir()) == [tmp_path / "scored.csv"]


def test_model_is_refused_when_its_file_changes(tmp_path: Path):
    files.save_model({"weights": [1, 2, 3]}, {"model": "demo"}, tmp_path)
    model, card = files.load_model(tmp_path)
    assert model == {"weights": [1, 2, 3]} and len(card["model_sha256"]) == 64
    joblib.dump({"weights": [6, 6, 6]}, tmp_path / files.MODEL_FILE)
    with pytest.raises(files.ModelIntegrityError, match="does not match the SHA-256"):
        files.load_model(tmp_path)


def test_missing_model_says_to_train(tmp_path: Path):
    with pytest.raises(files.InputFileError, match="Run `complaints train`"):
        files.load_model(tmp_path)


def test_signed_models_need_the_key(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(files.SIGNING_KEY_VARIABLE, "secret")
    files.save_model({"weights": [1]}, {"model": "demo"}, tmp_path / "signed")
    assert files.load_model(tmp_path / "signed")[0] == {"weights": [1]}
    monkeypatch.setenv(files.SIGNING_KEY_VARIABLE, "other")
    with pytest.raises(files.ModelIntegrityError, match="not signed with the key"):
        files.load_model(tmp_path / "signed")
    monkeypatch.delenv(files.SIGNING_KEY_VARIABLE)
    files.save_model({"weights": [2]}, {"model": "demo"}, tmp_path / "unsigned")
    monkeypatch.setenv(files.SIGNING_KEY_VARIABLE, "secret")
    with pytest.raises(files.ModelIntegrityError):
        files.load_model(tmp_path / "unsigned")


def test_corrupt_card_is_explained(tmp_path: Path):
    files.save_model({"weights": [1]}, {"model": "demo"}, tmp_path)
    (tmp_path / files.CARD_FILE).write_text("{not json")
    with pytest.raises(files.InputFileError, match="not a readable model card"):
        files.load_model(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        "description,category\nrude, shouted,Staff Attitude\nlate again,Other\n",
        "description,category\nlate again,Other\nrude, shouted,Staff Attitude\n",
    ],
)
def test_a_row_with_an_extra_comma_is_set_aside_not_shifted(tmp_path: Path, content: str):
    path = tmp_path / "export.csv"
    path.write_text(content)
    frame = files.read_table(path)
    assert frame["description"].tolist() == ["late again"] and frame["category"].tolist() == ["Other"]
    unreadable = frame.attrs["unreadable"]
    assert len(unreadable) == 1 and "3 fields where the header has 2 (unquoted commas?)" in unreadable["reason"][0]


def test_empty_file_is_explained(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("")
    with pytest.raises(files.InputFileError, match="is empty"):
        files.read_table(path)


def test_excel_dates_and_typed_parquet_validate(tmp_path: Path, params):
    from datetime import datetime

    from pipeline.data.schema import validate

    frame = pd.DataFrame(
        {"description": ["Late visit."], "category": ["Other"], "date_received": [datetime(2014, 4, 3)], "stage": [2]}
    )
    for suffix in (".xlsx", ".parquet"):
        path = tmp_path / f"typed{suffix}"
        frame.to_excel(path, index=False) if suffix == ".xlsx" else frame.to_parquet(path, index=False)
        validated = validate(files.read_table(path), params.data, params.labels, need_dates=True).frame
        assert validated.loc[0, "date_received"] == pd.Timestamp("2014-04-03"), suffix
        assert validated.loc[0, "financial_year"] == "2014/15" and validated.loc[0, "stage"] == 2


def chunked(path: Path, rows: int, **kwargs) -> list[files.Chunk]:
    return list(files.iter_table(path, rows, **kwargs))


@pytest.mark.parametrize("rows", [1, 2, 3, 100])
def test_unreadable_csv_rows_are_reported_with_their_row_numbers_across_chunks(tmp_path: Path, rows: int):
    path = tmp_path / "export.csv"
    lines = ["ref,description", "A,first", "B,bad,row", 'C,"multi\nline text"', "D,fourth", "E,x,y,z", "F,last"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = chunked(path, rows)
    numbers = [n for chunk in chunks for n in chunk.source_rows]
    refs = [ref for chunk in chunks for ref in chunk.frame["ref"]]
    unreadable = pd.concat([chunk.unreadable for chunk in chunks])
    assert refs == ["A", "C", "D", "F"] and numbers == [2, 4, 5, 7]
    assert unreadable["source_row"].tolist() == [3, 6]
    assert unreadable["reason"].iloc[0] == "unreadable: 3 fields where the header has 2 (unquoted commas?)"


def test_chunks_of_each_format_hold_every_row_once(tmp_path: Path):
    frame = pd.DataFrame({"description": [f"text {i}" for i in range(7)], "stage": [str(i % 2) for i in range(7)]})
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = files.write_table(frame, tmp_path / f"t{suffix}")
        chunks = chunked(path, 3)
        assert [len(chunk.frame) for chunk in chunks] == [3, 3, 1], suffix
        assert [n for chunk in chunks for n in chunk.source_rows] == list(range(2, 9))
        assert pd.concat([c.frame for c in chunks])["description"].tolist() == frame["description"].tolist()


def test_cp1252_csv_streams_too(tmp_path: Path):
    path = tmp_path / "export.csv"
    pd.DataFrame({"description": [TEXT] * 5}).to_csv(path, index=False, encoding="cp1252")
    assert [t for chunk in chunked(path, 2) for t in chunk.frame["description"]] == [TEXT] * 5


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_table_writer_appends_chunks_and_neutralises_formulas(tmp_path: Path, suffix: str):
    target = tmp_path / f"out{suffix}"
    with files.TableWriter(target) as writer:
        writer.write(pd.DataFrame({"description": ["=1+1", "fine"], "probability": [0.5, float("nan")]}))
        writer.write(pd.DataFrame({"description": ["@SUM(A1)", None], "probability": [0.25, 1.0]}))
    written = files.read_table(target)
    assert len(written) == 4 and writer.rows == 4
    expected = ["'=1+1", "fine", "'@SUM(A1)"] if suffix != ".parquet" else ["=1+1", "fine", "@SUM(A1)"]
    assert written["description"].tolist()[:3] == expected


def test_an_interrupted_table_writer_leaves_no_file(tmp_path: Path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), files.TableWriter(target) as writer:
        writer.write(pd.DataFrame({"description": ["one"]}))
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_a_long_first_row_is_set_aside_not_truncated(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("ref,description\nA,text,extra\nB,fine\n", encoding="utf-8")
    [chunk] = chunked(path, 10)
    assert chunk.frame["ref"].tolist() == ["B"] and chunk.unreadable["source_row"].tolist() == [2]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_header_only_file_gives_one_empty_chunk_with_its_columns(tmp_path: Path, suffix: str):
    path = files.write_table(
        pd.DataFrame({"Case Ref": pd.Series(dtype="string"), "Details": []}), tmp_path / f"h{suffix}"
    )
    chunks = chunked(path, 10)
    assert len(chunks) == 1 and list(chunks[0].frame.columns) == ["Case Ref", "Details"]
    assert chunks[0].frame.empty and len(chunks[0].source_rows) == 0 and chunks[0].unreadable.empty


def test_unreadable_rows_alone_in_the_last_chunk_keep_the_columns(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("ref,description\nA,one\nB,two\nC,x,y\n", encoding="utf-8")
    last = chunked(path, 2)[-1]
    assert list(last.frame.columns) == ["ref", "description"] and last.frame.empty
    assert last.unreadable["source_row"].tolist() == [4]


def test_blank_lines_keep_row_numbers_in_step(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("ref,description\nA,one\n\nB,two,x\nC,three\n", encoding="utf-8")
    chunks = chunked(path, 10)
    frame = pd.concat([c.frame for c in chunks])
    numbers = [n for c in chunks for n in c.source_rows]
    assert dict(zip(frame["ref"].fillna("(blank)"), numbers, strict=True)) == {"A": 2, "(blank)": 3, "C": 5}
    assert chunks[0].unreadable["source_row"].tolist() == [4]


def test_empty_spreadsheet_rows_are_not_complaints(tmp_path: Path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["ref", "description"])
    sheet.append(["A", "one"])
    sheet.append([None, None])
    sheet.append(["B", "two"])
    sheet.append([None, "  "])
    book.save(tmp_path / "export.xlsx")
    [chunk] = chunked(tmp_path / "export.xlsx", 10)
    assert chunk.frame["ref"].tolist() == ["A", "B"] and chunk.source_rows.tolist() == [2, 4]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_a_corrupt_workbook_or_parquet_file_is_explained(tmp_path: Path, suffix: str):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(b"not really a table")
    with pytest.raises(files.InputFileError, match="is not a readable"):
        chunked(path, 10)


def test_a_missing_sheet_is_named(tmp_path: Path):
    files.write_table(pd.DataFrame({"description": ["one"]}), tmp_path / "export.xlsx")
    with pytest.raises(files.InputFileError, match="has no sheet 'Complaints'"):
        chunked(tmp_path / "export.xlsx", 10, sheet="Complaints")


def test_rejected_rows_go_beside_the_output_whatever_its_type():
    assert files.rejects_path(Path("out/scored.xlsx")) == Path("out/scored_rejects.csv")
    assert files.rejects_path("label_issues.csv") == Path("label_issues_rejects.csv")


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An XLSX file with these sheets, each given as its rows from row 1 (None: an empty cell)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


TITLED = [
    ["Complaints export – Anytown Council"],
    [None, None, None],
    ["ref", "description", "category"],
    ["A", "The bin was not collected.", "Delay/Failed Service"],
    ["B", None, "Other"],
    ["C", "Rude on the phone.", "Staff Attitude/Conduct"],
]
NOTES = [["About this file"], ["Exported from the case system."], ["Do not edit the Complaints sheet."]]


def test_a_title_and_a_blank_row_above_the_header_are_found_and_rows_keep_their_numbers(tmp_path: Path, params):
    from pipeline.data.schema import validate

    path = workbook(tmp_path / "export.xlsx", {"Complaints": TITLED})
    layout = files.describe_table(path)
    assert (layout.header_row, layout.rows_above_header, layout.first_data_row) == (3, 2, 4)
    assert layout.columns == ("ref", "description", "category")
    [chunk] = chunked(path, 10)
    assert chunk.frame["ref"].tolist() == ["A", "B", "C"] and chunk.source_rows.tolist() == [4, 5, 6]
    frame = files.read_table(path)
    assert frame["ref"].tolist() == ["A", "B", "C"] and frame.attrs["first_data_row"] == 4
    rejected = validate(frame, params.data, params.labels).rejected
    assert rejected["source_row"].tolist() == [5]  # B, with no description, as the spreadsheet numbers it


def test_the_data_sheet_is_chosen_over_a_notes_sheet_before_it(tmp_path: Path):
    path = workbook(tmp_path / "export.xlsx", {"Notes": NOTES, "Complaints": TITLED})
    layout = files.describe_table(path)
    assert layout.sheets == ("Notes", "Complaints") and layout.sheet == "Complaints" and layout.header_row == 3
    assert files.read_table(path)["category"].tolist()[0] == "Delay/Failed Service"


def test_a_given_sheet_and_header_row_override_what_is_found(tmp_path: Path):
    path = workbook(tmp_path / "export.xlsx", {"Notes": NOTES, "Complaints": TITLED})
    notes = files.describe_table(path, sheet="Notes")
    assert (notes.sheet, notes.header_row, notes.columns) == ("Notes", 1, ("About this file",))
    frame = files.read_table(path, sheet="Complaints", header_row=4)
    assert list(frame.columns) == ["A", "The bin was not collected.", "Delay/Failed Service"]
    [chunk] = chunked(path, 10, sheet="Complaints", header_row=4)
    assert frame.attrs["first_data_row"] == 5 and chunk.source_rows.tolist() == [5, 6]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"header_row": 40}, r"data\.header_row is 40, but sheet 'Complaints' of .* has only 6 rows"),
        (
            {"sheet": "Complaints", "header_row": 2},
            r"data\.header_row is 2, but that row of sheet 'Complaints' .* is blank",
        ),
        ({"header_row": 0}, r"data\.header_row is 0: give the row of the column names"),
        ({"sheet": "Data"}, r"has no sheet 'Data' \(data\.sheet\); its sheets: Notes, Complaints\."),
    ],
)
def test_a_header_row_or_sheet_that_is_not_there_is_named(tmp_path: Path, option: dict, message: str):
    path = workbook(tmp_path / "export.xlsx", {"Notes": NOTES, "Complaints": TITLED})
    for read in (files.describe_table, files.read_table, files.iter_table):
        with pytest.raises(files.InputFileError, match=message):
            read(path, **option)


def test_a_header_row_past_the_end_of_a_csv_is_named(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("ref,description\nA,one\n", encoding="utf-8")
    with pytest.raises(files.InputFileError, match=r"data\.header_row is 5, but .*export\.csv has only 2 rows"):
        files.read_table(path, header_row=5)


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize(
    ("lines", "encoding", "delimiter"),
    [
        (["ref;description;category", "A;Late, again;Other", "B;Rude;Other"], "utf-8-sig", ";"),
        (["ref\tdescription\tcategory", "A\tLate, again; twice\tOther", "B\tRude\tOther"], "utf-8", "\t"),
        (["ref,description,category", 'A,"Late; again; twice",Other', 'B,"Rude; loud",Other'], "utf-8", ","),
        (["ref,description,category", f"A,{TEXT.replace(',', '')},Other", "B,Rude,Other"], "utf-16", ","),
        (["ref,description,category", "A,The officer’s “advice” cost me £40.,Other", "B,Rude,Other"], "cp1252", ","),
    ],
    ids=["semicolons with a BOM", "tabs", "commas around quoted semicolons", "UTF-16 with a BOM", "Windows-1252"],
)
def test_each_encoding_and_delimiter_is_found(tmp_path: Path, lines: list[str], encoding: str, delimiter: str):
    path = write_csv(tmp_path / "export.csv", lines, encoding)
    layout = files.describe_table(path)
    assert (layout.encoding, layout.delimiter, layout.header_row) == (encoding, delimiter, 1)
    frame = files.read_table(path)
    assert list(frame.columns) == ["ref", "description", "category"] == list(layout.columns)
    assert frame["category"].tolist() == ["Other", "Other"]
    assert frame.loc[0, "description"] == lines[1].split(delimiter, 1)[1].rsplit(delimiter, 1)[0].strip('"')
    assert [n for chunk in chunked(path, 1) for n in chunk.source_rows] == [2, 3]


def test_a_title_line_above_a_csv_header_is_passed_over(tmp_path: Path):
    lines = [
        "Complaints export – Anytown Council,,",
        "",
        "ref,description,category",
        "A,one,Other",
        "B,two,x,y",
        "C,three,Other",
    ]
    path = write_csv(tmp_path / "export.csv", lines)
    layout = files.describe_table(path)
    assert layout.header_row == 3 and layout.columns == ("ref", "description", "category")
    chunks = chunked(path, 10)
    assert chunks[0].frame["ref"].tolist() == ["A", "C"] and chunks[0].source_rows.tolist() == [4, 6]
    assert chunks[0].unreadable["source_row"].tolist() == [5]
    assert files.read_table(path).attrs["unreadable"]["source_row"].tolist() == [5]


@pytest.mark.parametrize(
    ("lines", "header_row"),
    [
        (["Complaints,,", "Run on,01/04/2015,", "ref,date,description", "A,1,x", "B,2,y", "C,3,z"], 3),
        (["ref,,description", "A,1,x", "B,2,y"], 1),  # a column left unnamed is still the header
        ([",,Complaints report,,", "ref,a,b,c,d", "1,2,3,4,5"], 2),  # a title centred over the table
        (["description", "late", "rude"], 1),
    ],
    ids=["a run-date line", "an unnamed column", "a centred title", "one column"],
)
def test_the_header_is_the_first_row_reaching_across_the_table(tmp_path: Path, lines: list[str], header_row: int):
    assert files.describe_table(write_csv(tmp_path / "export.csv", lines)).header_row == header_row


def test_the_summary_says_where_the_table_was_found(tmp_path: Path):
    book = workbook(tmp_path / "export.xlsx", {"Notes": NOTES, "Complaints": TITLED})
    summary = files.describe_table(book).summary()
    assert summary == "XLSX, sheet 'Complaints' (of Notes, Complaints), column names in row 3"
    text = write_csv(tmp_path / "export.csv", ["ref;description", "A;£5 fee"], "cp1252")
    assert files.describe_table(text).summary() == "CSV, Windows-1252, semicolon-delimited, column names in row 1"


def test_a_config_records_only_the_layout_a_reader_would_not_assume(tmp_path: Path):
    titled = files.describe_table(workbook(tmp_path / "a.xlsx", {"Notes": NOTES, "Complaints": TITLED}))
    assert titled.config_values() == {"sheet": "Complaints", "header_row": 3}
    first = files.describe_table(workbook(tmp_path / "b.xlsx", {"Complaints": TITLED[2:], "Notes": NOTES}))
    assert first.config_values() == {}


def test_a_blank_row_inside_a_read_table_keeps_the_rows_below_numbered(tmp_path: Path, params):
    from pipeline.data.schema import validate

    rows = [*TITLED[2:4], [None, None, None], TITLED[5], [None, None, None], [None, None, None]]
    frame = files.read_table(workbook(tmp_path / "export.xlsx", {"Complaints": rows}))
    assert len(frame) == 3  # the blank rows after the table are not complaints
    validated = validate(frame, params.data, params.labels)
    assert validated.frame["source_row"].tolist() == [2, 4] and validated.rejected["source_row"].tolist() == [3]


@pytest.mark.parametrize(
    ("name", "summary", "columns"),
    [
        ("anytown.csv", "CSV, Windows-1252, comma-delimited, column names in row 1", ("Case Ref", "Ward")),
        ("borough.csv", "CSV, UTF-8 with BOM, semicolon-delimited, column names in row 1", ("Reference", "Extension")),
        (
            "county.xlsx",
            "XLSX, sheet 'Complaints' (of Notes, Complaints), column names in row 3",
            ("ID", "Complainant"),
        ),
        ("city.csv", "CSV, UTF-8, tab-delimited, column names in row 1", ("Complaint No", "Outcome")),
        ("district.xlsx", "XLSX, sheet 'Export', column names in row 1", ("Ref", "Date of response")),
    ],
)
def test_each_council_export_is_read_from_where_its_table_starts(tmp_path: Path, name, summary, columns):
    from tests.council_exports import write_export

    path = write_export(name, tmp_path)
    layout = files.describe_table(path)
    assert layout.summary() == summary
    frame = files.read_table(path)
    assert (frame.columns[0], frame.columns[-1]) == columns and tuple(frame.columns) == layout.columns
    assert len(frame) == 482 and frame.iloc[:, 0].notna().all()
    assert frame.attrs["first_data_row"] == layout.first_data_row


def test_a_file_with_old_mac_line_endings_reads_row_by_row(tmp_path: Path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b'complaint_ref,description\r1,"The worker, never called"\r2,Second complaint\r')
    frame = files.read_table(path)
    assert frame["description"].tolist() == ["The worker, never called", "Second complaint"]
    [chunk] = list(files.iter_table(path))
    assert chunk.source_rows.tolist() == [2, 3]

from pathlib import Path

import joblib
import pandas as pd
import pytest

from pipeline.data import files

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
def test_a_row_with_an_extra_comma_is_refused_not_shifted(tmp_path: Path, content: str):
    path = tmp_path / "export.csv"
    path.write_text(content)
    with pytest.raises(files.InputFileError, match="more commas than the header"):
        files.read_table(path)


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


def test_a_long_first_row_is_refused_not_truncated(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("ref,description\nA,text,extra\nB,fine\n", encoding="utf-8")
    with pytest.raises(files.InputFileError, match="first complaint row has more fields than the header"):
        chunked(path, 10)


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

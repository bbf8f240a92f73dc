from pathlib import Path

import joblib
import pandas as pd
import pytest

from pipeline import io

TEXT = "Mum says the social worker’s visit – due 3 March – never happened. Café meeting £5."


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_in_each_encoding_reads_the_same(tmp_path: Path, encoding: str):
    path = tmp_path / "export.csv"
    pd.DataFrame({"description": [TEXT], "category": ["Other"]}).to_csv(path, index=False, encoding=encoding)
    frame = io.read_table(path)
    assert list(frame.columns) == ["description", "category"]
    assert frame.loc[0, "description"] == TEXT


def test_xlsx_and_parquet_round_trip(tmp_path: Path):
    frame = pd.DataFrame({"description": [TEXT, "Second"], "stage": ["1", "2"]})
    for suffix in (".xlsx", ".parquet"):
        path = io.write_table(frame, tmp_path / f"t{suffix}")
        assert io.read_table(path)["description"].tolist() == [TEXT, "Second"]


def test_unsupported_file_type_is_explained(tmp_path: Path):
    path = tmp_path / "export.txt"
    path.write_text("x")
    with pytest.raises(io.InputFileError, match=r"use a \.csv, \.xlsx or \.parquet"):
        io.read_table(path)


def test_formula_cells_are_neutralised(tmp_path: Path):
    frame = pd.DataFrame({"description": ['=HYPERLINK("http://x")', "+44 7700", "-1", "@SUM(A1)", "fine"]})
    path = io.write_table(frame, tmp_path / "out.csv")
    written = pd.read_csv(path, dtype=str, encoding="utf-8-sig")["description"].tolist()
    assert written == ['\'=HYPERLINK("http://x")', "'+44 7700", "'-1", "'@SUM(A1)", "fine"]
    assert frame["description"].iloc[0].startswith("=")  # the caller's frame is untouched


def test_atomic_write_leaves_no_partial_file(tmp_path: Path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), io.atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("interrupted")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_model_is_refused_when_its_file_changes(tmp_path: Path):
    io.save_model({"weights": [1, 2, 3]}, {"model": "demo"}, tmp_path)
    model, card = io.load_model(tmp_path)
    assert model == {"weights": [1, 2, 3]} and len(card["model_sha256"]) == 64
    joblib.dump({"weights": [6, 6, 6]}, tmp_path / io.MODEL_FILE)
    with pytest.raises(io.ModelIntegrityError, match="does not match the SHA-256"):
        io.load_model(tmp_path)


def test_missing_model_says_to_train(tmp_path: Path):
    with pytest.raises(io.InputFileError, match="Run `complaints train`"):
        io.load_model(tmp_path)


def test_signed_models_need_the_key(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(io.SIGNING_KEY_VARIABLE, "secret")
    io.save_model({"weights": [1]}, {"model": "demo"}, tmp_path / "signed")
    assert io.load_model(tmp_path / "signed")[0] == {"weights": [1]}
    monkeypatch.setenv(io.SIGNING_KEY_VARIABLE, "other")
    with pytest.raises(io.ModelIntegrityError, match="not signed with the key"):
        io.load_model(tmp_path / "signed")
    monkeypatch.delenv(io.SIGNING_KEY_VARIABLE)
    io.save_model({"weights": [2]}, {"model": "demo"}, tmp_path / "unsigned")
    monkeypatch.setenv(io.SIGNING_KEY_VARIABLE, "secret")
    with pytest.raises(io.ModelIntegrityError):
        io.load_model(tmp_path / "unsigned")


def test_corrupt_card_is_explained(tmp_path: Path):
    io.save_model({"weights": [1]}, {"model": "demo"}, tmp_path)
    (tmp_path / io.CARD_FILE).write_text("{not json")
    with pytest.raises(io.InputFileError, match="not a readable model card"):
        io.load_model(tmp_path)


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
    with pytest.raises(io.InputFileError, match="more commas than the header"):
        io.read_table(path)


def test_empty_file_is_explained(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("")
    with pytest.raises(io.InputFileError, match="is empty"):
        io.read_table(path)


def test_excel_dates_and_typed_parquet_validate(tmp_path: Path, params):
    from datetime import datetime

    from pipeline.schema import validate

    frame = pd.DataFrame(
        {"description": ["Late visit."], "category": ["Other"], "date_received": [datetime(2014, 4, 3)], "stage": [2]}
    )
    for suffix in (".xlsx", ".parquet"):
        path = tmp_path / f"typed{suffix}"
        frame.to_excel(path, index=False) if suffix == ".xlsx" else frame.to_parquet(path, index=False)
        validated = validate(io.read_table(path), params.data, params.labels, need_dates=True).frame
        assert validated.loc[0, "date_received"] == pd.Timestamp("2014-04-03"), suffix
        assert validated.loc[0, "financial_year"] == "2014/15" and validated.loc[0, "stage"] == 2

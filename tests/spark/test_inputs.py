"""What a Spark job reads is checked file by file before any work starts: a clear message for an empty
folder, a file without the text column, files of different layouts, or nothing readable; an unreadable
file among readable ones is set aside with its name and reason. (No Spark session is needed here.)"""

import pandas as pd
import pytest

from pipeline.errors import DataContractError, InputFileError
from pipeline.spark.inputs import find_inputs


def write(path, **columns):
    pd.DataFrame(columns).to_parquet(path, row_group_size=2)
    return path


def test_a_folder_with_no_table_is_refused(tmp_path, params):
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    with pytest.raises(InputFileError, match="holds no CSV, XLSX or Parquet file"):
        find_inputs(str(tmp_path), params)


def test_a_glob_matching_nothing_is_refused(tmp_path, params):
    with pytest.raises(InputFileError, match="No file matches"):
        find_inputs(str(tmp_path / "*.parquet"), params)


def test_a_corrupt_parquet_file_alone_is_refused_with_its_name(tmp_path, params):
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputFileError, match=r"broken\.parquet.*not a readable Parquet file"):
        find_inputs(str(tmp_path), params)


def test_an_unreadable_file_among_others_is_set_aside_with_its_reason(tmp_path, params):
    write(tmp_path / "a.parquet", description=["late visit", "rude worker", "no reply"])
    (tmp_path / "b.parquet").write_bytes(b"PAR1 not really")
    found = find_inputs(str(tmp_path), params)
    assert [f.name for f in found.files] == ["a.parquet"]
    assert found.files[0].parts == ((0, 2, 2), (1, 4, 1))  # two row groups, numbered on as a spreadsheet would
    assert found.unreadable[0][0] == "b.parquet" and "not a readable Parquet file" in found.unreadable[0][1]


def test_a_file_without_the_text_column_stops_the_job_naming_it(tmp_path, params):
    write(tmp_path / "a.parquet", description=["late visit"])
    write(tmp_path / "b.parquet", details=["late visit"])
    with pytest.raises(DataContractError, match=r"b\.parquet has no column 'description'"):
        find_inputs(str(tmp_path), params)


def test_files_of_different_layouts_are_not_scored_together(tmp_path, params):
    write(tmp_path / "a.parquet", description=["late visit"], team=["North"])
    write(tmp_path / "b.parquet", description=["late visit"], ward=["North"])
    with pytest.raises(
        DataContractError, match=r"b\.parquet does not have the columns of a\.parquet: it lacks team; it adds ward"
    ):
        find_inputs(str(tmp_path / "*.parquet"), params)

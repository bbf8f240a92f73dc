"""The Spark engine through the command line: exit code 2 with a plain message for bad input (an empty
folder, a file without the text column, files of different layouts, a job that fails on the executors),
damaged Parquet files among good ones named and the rest scored, and the whole job (score then report)
under spark-submit."""

import json

import pandas as pd
import pytest

from tests.conftest import REPO, run_cli

SAMPLE = REPO / "data" / "sample" / "new_complaints.csv"
BROKEN = "CSC-BAD,01/05/2015,2015/16,1,Family Support,parent,too,many,fields,here,and,more\n"


def sample_rows(n: int) -> pd.DataFrame:
    return pd.read_csv(SAMPLE, dtype=str, encoding="utf-8-sig").head(n)


def damaged_row_group(path) -> None:
    """A Parquet file of two row groups whose first group's pages are overwritten (the footer still reads)."""
    sample_rows(6).to_parquet(path, row_group_size=3)
    data = bytearray(path.read_bytes())
    data[4:40] = b"\xff" * 36  # just after the leading magic bytes: the first column chunk's page header
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    """Twelve of the sample's new complaints as two Parquet files, three as a CSV file with an unreadable row,
    and three damaged Parquet files: one not Parquet at all, one cut short in transfer, one whose first row
    group cannot be read."""
    folder = tmp_path_factory.mktemp("spark_cli")
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    (folder / "march.csv").write_text("".join(lines[:3]) + BROKEN + lines[3], encoding="utf-8")
    frame = sample_rows(12)
    frame.iloc[:8].to_parquet(folder / "april.parquet", row_group_size=3)
    frame.iloc[8:].to_parquet(folder / "may.parquet")
    (folder / "june.parquet").write_bytes(b"PAR1 damaged in transfer")
    whole = (folder / "may.parquet").read_bytes()
    (folder / "july.parquet").write_bytes(whole[: len(whole) // 2])
    damaged_row_group(folder / "august.parquet")
    return folder


def flat(text: str) -> str:
    return " ".join(text.split())


def test_an_empty_folder_exits_2_with_a_plain_message(workspace, tmp_path):
    (tmp_path / "in").mkdir()
    result = run_cli(["score", tmp_path / "in", "--engine", "spark", "--out", tmp_path / "o.parquet"], workspace)
    assert result.returncode == 2 and "holds no CSV, XLSX or Parquet file" in flat(result.stderr)
    assert "Traceback" not in result.stderr and not (tmp_path / "o.parquet").exists()


def test_a_csv_output_name_is_refused_for_the_spark_engine(workspace, tmp_path):
    result = run_cli(["score", SAMPLE, "--engine", "spark", "--out", tmp_path / "o.csv"], workspace)
    assert result.returncode == 2 and "ending .parquet" in result.stderr


def test_a_file_missing_the_text_column_exits_2_naming_it_and_nothing_is_scored(workspace, tmp_path):
    sample_rows(3).to_parquet(tmp_path / "a.parquet")
    sample_rows(3).drop(columns="description").to_parquet(tmp_path / "b.parquet")
    result = run_cli(["score", tmp_path, "--engine", "spark", "--out", tmp_path / "o.parquet"], workspace)
    assert result.returncode == 2 and "b.parquet has no column 'description'" in flat(result.stderr)
    assert "Traceback" not in result.stderr and not (tmp_path / "o.parquet").exists()


def test_files_of_mixed_layouts_exit_2_saying_what_differs(workspace, tmp_path):
    sample_rows(3).to_parquet(tmp_path / "a.parquet")
    sample_rows(3).rename(columns={"team": "ward"}).to_parquet(tmp_path / "b.parquet")
    result = run_cli(
        ["score", f"{tmp_path}/*.parquet", "--engine", "spark", "--out", tmp_path / "o.parquet"], workspace
    )
    message = flat(result.stderr)
    assert result.returncode == 2 and "b.parquet does not have the columns of a.parquet" in message
    assert "it lacks team; it adds ward" in message and not (tmp_path / "o.parquet").exists()


def test_damaged_parquet_files_among_good_ones_are_named_and_the_others_scored(
    spark, workspace, small_folder, tiny_scorers, monkeypatch, tmp_path
):
    # The session's tiny models instead of the workspace's: what is read, rejected and counted does not
    # depend on the model, and the executors need not load a second, larger pair.
    monkeypatch.setattr("pipeline.serving.models.load_scorers", lambda *args, **kwargs: tiny_scorers)
    out, summary = tmp_path / "scored.parquet", tmp_path / "summary.json"
    args = ["score", small_folder, "--engine", "spark", "--out", out, "--summary-json", summary, "--no-explain"]
    result = run_cli(args, workspace)
    assert result.returncode == 0, result.stderr
    message = flat(result.stderr)
    assert "june.parquet" in message and "july.parquet" in message and "not a readable Parquet file" in message
    counts = json.loads(summary.read_text())
    assert sorted(row["file"] for row in counts["files_not_read"]) == ["july.parquet", "june.parquet"]
    per_file = {row["file"]: row for row in counts["files"]}
    assert sorted(per_file) == ["april.parquet", "august.parquet", "march.csv", "may.parquet"]
    # august's first row group (rows 2-4) could not be read: rejected with the reason; its second is scored.
    assert (per_file["august.parquet"]["rows scored"], per_file["august.parquet"]["rows rejected"]) == (3, 3)
    assert (per_file["march.csv"]["rows in"], per_file["march.csv"]["rows rejected"]) == (4, 1)
    assert counts["rows_in"] == 12 + 6 + 4 and counts["rows_scored"] == 12 + 3 + 3
    scored = pd.read_parquet(out)
    assert len(scored) == counts["rows_scored"]
    # april's three row groups are numbered on from each other, as the whole file reads: rows 2 to 9.
    assert sorted(scored.loc[scored["source_file"] == "april.parquet", "source_row"]) == list(range(2, 10))
    rejects = pd.read_parquet(tmp_path / "scored_rejects.parquet")
    assert rejects[["source_file", "source_row"]].values.tolist() == [
        ["august.parquet", 2],
        ["august.parquet", 3],
        ["august.parquet", 4],
        ["march.csv", 4],
    ]
    assert rejects["reason"].iloc[:3].str.contains("august.parquet: row group 0 is not readable Parquet").all()
    assert "12 fields where the header has 9" in rejects["reason"].iloc[3]


@pytest.mark.spark_job
def test_spark_submit_scores_then_counts_the_report(workspace, small_folder, tmp_path):
    """The one test that starts a process of its own: spark-submit --master local[2] with the built wheel."""
    out = tmp_path / "job"
    files = f"{small_folder}/*a[py]*.parquet"  # april and may, not the damaged ones
    result = run_cli(["spark-job", files, "--out", out, "--master", "local[2]", "--no-explain"], workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows_in"] == summary["rows_scored"] == 12 == len(pd.read_parquet(out / "scored.parquet"))
    workbooks = list(out.glob("complaints_report_*_counts.xlsx"))
    assert len(workbooks) == 1 and pd.read_excel(workbooks[0], sheet_name="Categories")["Category"].iloc[-1] == "Total"

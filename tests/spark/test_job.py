"""The Spark engine through the command line: exit code 2 with a plain message for bad input, a corrupt file
among good ones named and the rest scored, and the whole job (score then report) under spark-submit."""

import json

import pandas as pd
import pytest

from tests.conftest import REPO, run_cli

SAMPLE = REPO / "data" / "sample" / "new_complaints.csv"


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    """Twenty of the sample's new complaints as two Parquet files, and a third file that is not Parquet."""
    folder = tmp_path_factory.mktemp("spark_cli")
    frame = pd.read_csv(SAMPLE, dtype=str, encoding="utf-8-sig").head(20)
    frame.iloc[:12].to_parquet(folder / "april.parquet", row_group_size=6)
    frame.iloc[12:].to_parquet(folder / "may.parquet")
    (folder / "june.parquet").write_bytes(b"PAR1 damaged in transfer")
    return folder


def test_an_empty_folder_exits_2_with_a_plain_message(spark, workspace, tmp_path):
    (tmp_path / "in").mkdir()
    result = run_cli(["score", tmp_path / "in", "--engine", "spark", "--out", tmp_path / "o.parquet"], workspace)
    assert result.returncode == 2 and "holds no CSV, XLSX or Parquet file" in " ".join(result.stderr.split())
    assert not (tmp_path / "o.parquet").exists()


def test_a_csv_output_name_is_refused_for_the_spark_engine(spark, workspace, tmp_path):
    result = run_cli(["score", SAMPLE, "--engine", "spark", "--out", tmp_path / "o.csv"], workspace)
    assert result.returncode == 2 and "ending .parquet" in result.stderr


def test_a_corrupt_file_among_good_ones_is_named_and_the_others_scored(spark, workspace, small_folder, tmp_path):
    out, summary = tmp_path / "scored.parquet", tmp_path / "summary.json"
    args = ["score", small_folder, "--engine", "spark", "--out", out, "--summary-json", summary, "--no-explain"]
    result = run_cli(args, workspace)
    assert result.returncode == 0, result.stderr
    assert "june.parquet" in result.stderr and "not a readable Parquet file" in " ".join(result.stderr.split())
    counts = json.loads(summary.read_text())
    assert counts["rows_in"] == counts["rows_scored"] == 20 == len(pd.read_parquet(out))
    assert [row["file"] for row in counts["files"]] == ["april.parquet", "may.parquet"]
    assert counts["files_not_read"][0]["file"] == "june.parquet"


@pytest.mark.slow
def test_spark_submit_scores_then_counts_the_report(workspace, small_folder, tmp_path):
    """The one test that starts a process of its own: spark-submit --master local[2] with the built wheel."""
    out = tmp_path / "job"
    files = f"{small_folder}/*a[py]*.parquet"  # april and may, not the damaged june
    result = run_cli(["spark-job", files, "--out", out, "--master", "local[2]", "--no-explain"], workspace)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows_in"] == summary["rows_scored"] == 20 == len(pd.read_parquet(out / "scored.parquet"))
    workbooks = list(out.glob("complaints_report_*_counts.xlsx"))
    assert len(workbooks) == 1 and pd.read_excel(workbooks[0], sheet_name="Categories")["Category"].iloc[-1] == "Total"

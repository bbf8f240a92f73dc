"""Scoring on Spark gives the pandas engine's output row for row, rejects included, and accounts for every
row of every file; nothing is written unless the whole job succeeds."""

import pandas as pd
import pytest

from pipeline.data import files
from pipeline.errors import InputFileError
from pipeline.serving.batch import score_chunks
from pipeline.spark.inputs import find_inputs
from pipeline.spark.score import PARTITION, SOURCE_FILE, rejects_folder, score_on_spark
from tests.conftest import REPO

SAMPLE = REPO / "data" / "sample" / "new_complaints.csv"
ROWS = len(pd.read_csv(SAMPLE, dtype=str, encoding="utf-8-sig"))  # the sample's new complaints
BROKEN = "CSC-BAD,01/05/2015,2015/16,1,Family Support,parent,too,many,fields,here,and,more\n"


def pandas_engine(path, scorers, params):
    scored, rejected = [], []
    summary = score_chunks(
        files.iter_table(path, params.score.chunk_rows), scorers, params, scored.append, rejected.append
    )
    return summary, pd.concat(scored, ignore_index=True), pd.concat(rejected, ignore_index=True)


@pytest.fixture(scope="module")
def sample_with_bad_rows(tmp_path_factory):
    """The sample's new complaints with one unreadable row and one row without text: both are rejected or flagged."""
    folder = tmp_path_factory.mktemp("spark_sample")
    text = SAMPLE.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    path = folder / "new_complaints.csv"
    path.write_text("".join(lines[:10]) + BROKEN + "".join(lines[10:]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scored_both_ways(spark, sample_with_bad_rows, tiny_scorers, tiny_params, tmp_path_factory):
    out = tmp_path_factory.mktemp("spark_out") / "scored.parquet"
    found = score_on_spark(spark, find_inputs(str(sample_with_bad_rows), tiny_params), tiny_scorers, tiny_params, out)
    return found, pandas_engine(sample_with_bad_rows, tiny_scorers, tiny_params)


def test_spark_output_equals_the_pandas_engine_row_for_row_rejects_included(scored_both_ways):
    found, (summary, scored, rejected) = scored_both_ways
    spark_scored = pd.read_parquet(found.scored_path)
    assert set(spark_scored[SOURCE_FILE]) == {"new_complaints.csv"}
    spark_scored = spark_scored.drop(columns=[SOURCE_FILE, PARTITION]).sort_values("complaint_ref", ignore_index=True)
    expected = scored.sort_values("complaint_ref", ignore_index=True)
    pd.testing.assert_frame_equal(spark_scored, expected, check_dtype=False)
    spark_rejected = pd.read_parquet(found.rejects_path)
    assert spark_rejected["source_row"].tolist() == rejected["source_row"].tolist() == [11]
    assert spark_rejected["reason"].tolist() == rejected["reason"].astype(str).tolist()
    assert found.summary.rows_in == summary.rows_in == ROWS + 1
    assert (found.summary.rows_scored, found.summary.rows_rejected) == (summary.rows_scored, summary.rows_rejected)
    assert (found.summary.needs_review, found.summary.with_a_theme) == (summary.needs_review, summary.with_a_theme)


def test_rows_are_partitioned_by_financial_year(scored_both_ways):
    found, _ = scored_both_ways
    assert sorted(p.name for p in found.scored_path.iterdir() if p.is_dir()) == [f"{PARTITION}=2015%2F16"]


def test_a_job_failing_on_the_executors_is_a_plain_error_and_leaves_nothing_at_the_output(
    spark, tiny_scorers, tiny_params, tmp_path
):
    path = tmp_path / "gone.csv"
    pd.read_csv(SAMPLE, dtype=str, encoding="utf-8-sig").head(3).to_csv(path, index=False)
    inputs = find_inputs(str(path), tiny_params)
    path.unlink()  # vanishes between the check and the job: the executors fail
    out = tmp_path / "o.parquet"
    with pytest.raises(InputFileError, match=r"The Spark job stopped, so nothing was written at .*gone\.csv"):
        score_on_spark(spark, inputs, tiny_scorers, tiny_params, out, explain=False)
    assert not out.exists() and not rejects_folder(out).exists()
    assert list(tmp_path.iterdir()) == []

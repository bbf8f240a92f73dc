"""Batch scoring: every row scored or rejected, counted, and an empty file still gives a readable output."""

import pandas as pd

from pipeline.data import files
from pipeline.serving.batch import score_chunks
from pipeline.serving.score import Scorers
from tests.conftest import loaded_category


def run(path, tiny_params, scorers, chunk_rows=2):
    scored, rejected = [], []
    summary = score_chunks(
        files.iter_table(path, chunk_rows),
        scorers,
        tiny_params,
        scored.append,
        rejected.append,
    )
    return summary, pd.concat(scored, ignore_index=True), pd.concat(rejected, ignore_index=True)


def test_rows_in_equal_rows_scored_plus_rows_rejected(tmp_path, tiny_params, tiny_scorers):
    path = tmp_path / "new.csv"
    lines = ["complaint_ref,description", "A,the visit was late again", "B,bad,row", "C,", "D,the worker was rude"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary, scored, rejected = run(path, tiny_params, tiny_scorers)
    assert (summary.rows_in, summary.rows_scored, summary.rows_rejected) == (4, 3, 1)
    assert scored["complaint_ref"].tolist() == ["A", "C", "D"] and rejected["source_row"].tolist() == [3]
    assert summary.needs_review >= 1 and summary.with_a_theme is not None


def test_a_file_with_no_rows_still_writes_the_columns(tmp_path, tiny_params, tiny_scorers):
    path = tmp_path / "new.csv"
    path.write_text("complaint_ref,description\n", encoding="utf-8")
    summary, scored, rejected = run(path, tiny_params, tiny_scorers)
    assert summary.rows_in == 0 and scored.empty and rejected.empty
    assert {"predicted_category", "needs_review", "themes"} <= set(scored.columns)
    assert list(rejected.columns) == ["source_row", "reason"]


def test_the_models_own_threshold_decides_what_needs_review(tmp_path, tiny_category_model, tiny_params):
    path = tmp_path / "new.csv"
    path.write_text("complaint_ref,description\nA,the visit was late again and the plan is delayed\n", encoding="utf-8")
    loose = run(path, tiny_params, Scorers(loaded_category(tiny_category_model, threshold=0.01)))[1]
    strict = run(path, tiny_params, Scorers(loaded_category(tiny_category_model, threshold=0.999)))[1]
    assert (
        loose.loc[0, "review_reason"] == "" and "below the suggestion threshold 1.00" in strict.loc[0, "review_reason"]
    )

"""Batch scoring: every row scored or rejected, counted, and an empty file still gives a readable output."""

import dataclasses

import pandas as pd
import pytest

from pipeline.data import files, inputs
from pipeline.serving.batch import score_chunks
from pipeline.serving.score import Scorers
from tests.conftest import loaded_category

COUNCIL_HEADER = "Ward,Case Ref,Details,themes"
SUGGESTIONS_START = ["source_row", "predicted_category", "probability", "suggestion_1"]


@pytest.fixture
def council_params(tiny_params):
    """The tiny params for a council whose export calls the reference 'Case Ref' and the text 'Details'."""
    columns = {**tiny_params.data.columns, "complaint_ref": "Case Ref", "description": "Details"}
    return dataclasses.replace(tiny_params, data=dataclasses.replace(tiny_params.data, columns=columns))


def council_export(tmp_path, suffix=".csv"):
    """A council export with its own spelling, an extra column, a themes column of its own and an
    unreadable row (row 3)."""
    path = tmp_path / f"export{suffix}"
    lines = [
        COUNCIL_HEADER,
        "North,-123,the visit was late again,delay",
        "South,X-1,bad,row,extra",
        "East,0042,,",
        "West,+44,the worker was rude,",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


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


def test_the_scored_rows_keep_the_councils_columns_then_source_row_then_the_suggestions(
    tmp_path, council_params, tiny_scorers
):
    summary, scored, rejected = run(council_export(tmp_path), council_params, tiny_scorers)
    columns = list(scored.columns)
    assert columns[:4] == ["Ward", "Case Ref", "Details", "themes"] and columns[4:8] == SUGGESTIONS_START
    assert scored["Case Ref"].tolist() == ["-123", "0042", "+44"]
    assert scored["Ward"].tolist() == ["North", "East", "West"]
    assert scored["source_row"].tolist() == [2, 4, 5] and rejected["source_row"].tolist() == [3]
    assert "X-1" not in scored["Case Ref"].tolist() and summary.rows_scored == 3
    # The schema's names are not added: the council's columns already hold reference and text.
    assert not {"complaint_ref", "description", "team", "date_received", "financial_year"} & set(columns)


def test_suggested_themes_do_not_overwrite_the_councils_themes_and_carry_their_names(
    tmp_path, council_params, tiny_scorers
):
    _, scored, _ = run(council_export(tmp_path), council_params, tiny_scorers)
    assert scored["themes"].tolist()[0] == "delay"  # the council's own value
    assert columns_after(scored, "suggested_themes") == ["theme_names", "theme_probabilities"]
    themed = scored[scored["suggested_themes"].fillna("") != ""]
    names = {"delay": "Delay", "staff_attitude": "Staff attitude"}
    for ids, readable in zip(themed["suggested_themes"], themed["theme_names"], strict=True):
        assert readable == "; ".join(names[theme] for theme in ids.split(";"))


def columns_after(frame: pd.DataFrame, column: str, n: int = 2) -> list[str]:
    position = list(frame.columns).index(column)
    return list(frame.columns)[position + 1 : position + 1 + n]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_header_only_file_writes_the_councils_columns_and_the_suggestion_columns(
    tmp_path, council_params, tiny_scorers, suffix
):
    source = files.write_table(pd.DataFrame(columns=COUNCIL_HEADER.split(",")), tmp_path / f"empty{suffix}")
    summary, scored, _ = run(source, council_params, tiny_scorers)
    assert summary.rows_in == 0 and scored.empty
    assert list(scored.columns)[:8] == [*COUNCIL_HEADER.split(","), *SUGGESTIONS_START]


def test_no_chunks_at_all_still_writes_the_text_column_and_the_suggestion_columns(council_params, tiny_scorers):
    written = []
    score_chunks([], tiny_scorers, council_params, written.append, lambda frame: None)
    assert list(written[0].columns)[:5] == ["Details", *SUGGESTIONS_START]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_scored_file_reads_back_as_records_through_the_councils_column_names(
    tmp_path, council_params, tiny_scorers, suffix
):
    target = tmp_path / f"scored{suffix}"
    with files.TableWriter(target) as writer:
        score_chunks(
            files.iter_table(council_export(tmp_path), 2),
            tiny_scorers,
            council_params,
            writer.write,
            lambda frame: None,
        )
    written = files.read_table(target)
    assert written["Case Ref"].tolist() == ["-123", "0042", "+44"]  # no apostrophe: it still joins back
    found = inputs.read_records(target, council_params)
    records = found.validated.frame
    assert found.scored and found.rows_in == 3 and found.versions == ("t1", "v1")
    assert records["complaint_ref"].tolist() == ["-123", "0042", "+44"]
    assert records["source_row"].tolist() == [2, 4, 5]
    assert records["description"].tolist()[0] == "the visit was late again" and pd.isna(records["description"][1])
    assert found.predictions["predicted_category"].notna().tolist() == [True, False, True]
    assert "themes" in found.predictions and "suggested_themes" not in found.predictions
    again = inputs.read_records(target, council_params, with_themes=True)
    assert again.validated.frame["complaint_ref"].tolist() == records["complaint_ref"].tolist()


def test_a_scored_file_of_the_earlier_layout_still_reads_back(tmp_path, params):
    path = tmp_path / "earlier.csv"
    earlier = pd.DataFrame(
        {
            "source_row": [2, 3],
            "complaint_ref": ["A", "B"],
            "team": ["Fostering", None],
            "date_received": ["2015-04-02", "2015-05-01"],
            "financial_year": ["2015/16", "2015/16"],
            "predicted_category": ["Other", "About Policy"],
            "probability": [0.9, 0.4],
            "needs_review": [False, True],
            "model_version": ["v1", "v1"],
        }
    )
    files.write_table(earlier, path)
    found = inputs.read_records(path, params)
    assert found.scored and found.validated.frame["complaint_ref"].tolist() == ["A", "B"]
    assert found.validated.frame["description"].isna().all() and found.versions == ("v1",)

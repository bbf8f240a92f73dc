"""The scored file's layout: the council's columns as they came, then source_row and the suggestions."""

import numpy as np
import pandas as pd
import pytest

from pipeline.data.scored import SUGGESTED_PREFIX, added_names, scored_rows, split_scored


def council_chunk() -> pd.DataFrame:
    """A chunk as read from a council export: its own spelling and order, an extra column, every value text."""
    return pd.DataFrame(
        {
            "Ward": ["North", "South", "East"],
            "Case Ref": ["-123", "CSC-2", "0042"],
            "Details": ["The visit was late.", "", "The worker was rude."],
            "themes": ["delay", None, "staff_attitude"],
        },
        dtype="string",
    )


def scorer_output(rows: list[int]) -> pd.DataFrame:
    """What the scorer returns for those rows: its pass-through copies under our names, then suggestions."""
    n = len(rows)
    return pd.DataFrame(
        {
            "source_row": rows,
            "complaint_ref": ["copied"] * n,
            "predicted_category": ["Delay/Failed Service"] * n,
            "probability": [0.8] * n,
            "needs_review": [False] * n,
            "themes": ["delay;staff_attitude"] * n,
            "theme_names": ["Delay; Staff attitude"] * n,
            "model_version": ["v1"] * n,
        }
    )


def test_input_columns_come_first_in_order_with_the_councils_spelling_then_source_row_then_suggestions():
    raw = council_chunk()
    out = scored_rows(raw, np.array([2, 3, 4]), scorer_output([2, 3, 4]), left_out=("source_row", "complaint_ref"))
    assert list(out.columns) == [
        "Ward",
        "Case Ref",
        "Details",
        "themes",
        "source_row",
        "predicted_category",
        "probability",
        "needs_review",
        "suggested_themes",
        "theme_names",
        "model_version",
    ]
    assert out["Case Ref"].tolist() == ["-123", "CSC-2", "0042"] and out["Ward"].tolist() == ["North", "South", "East"]
    assert out["source_row"].tolist() == [2, 3, 4]
    assert raw.columns.tolist() == ["Ward", "Case Ref", "Details", "themes"]  # the caller's frame is untouched


def test_a_suggestion_named_like_an_input_column_gets_suggested_in_front_and_the_input_keeps_its_values():
    out = scored_rows(council_chunk(), [2, 3, 4], scorer_output([2, 3, 4]), left_out=("complaint_ref",))
    assert out["themes"].tolist()[0] == "delay" and out["suggested_themes"].tolist()[0] == "delay;staff_attitude"


def test_theme_names_sit_beside_the_theme_ids():
    columns = list(scored_rows(council_chunk(), [2, 3, 4], scorer_output([2, 3, 4])).columns)
    assert columns.index("theme_names") == columns.index("suggested_themes") + 1


def test_a_clash_ignores_case_and_spaces_and_the_prefix_repeats_until_the_name_is_free():
    assert added_names([" Probability ", "suggested_probability", "Ward"], ["source_row", "probability"]) == [
        "source_row",
        "suggested_suggested_probability",
    ]
    with pytest.raises(ValueError, match=SUGGESTED_PREFIX):
        added_names([], ["suggested_category"])


def test_schema_named_copies_are_left_out_unless_the_input_has_them():
    raw = council_chunk().rename(columns={"Case Ref": "complaint_ref"})
    out = scored_rows(raw, [2, 3, 4], scorer_output([2, 3, 4]), left_out=("complaint_ref", "team"))
    assert out["complaint_ref"].tolist() == ["-123", "CSC-2", "0042"]  # the input's own column, not the copy
    assert "suggested_complaint_ref" not in out and "team" not in out


def test_only_the_rows_scored_are_written_matched_on_their_row_numbers():
    raw = council_chunk()
    out = scored_rows(raw, [2, 4, 5], scorer_output([2, 5]), left_out=("complaint_ref",))
    assert out["Case Ref"].tolist() == ["-123", "0042"] and out["source_row"].tolist() == [2, 5]
    with pytest.raises(ValueError, match="not rows of the table"):
        scored_rows(raw, [2, 4, 5], scorer_output([3]))


def test_input_values_are_written_as_text():
    raw = pd.DataFrame({"Case Ref": [123, 456], "Details": ["late", None]})
    out = scored_rows(raw, [2, 3], scorer_output([2, 3]))
    assert out["Case Ref"].tolist() == ["123", "456"] and pd.isna(out["Details"].iloc[1])
    assert pd.api.types.is_string_dtype(out["Details"])


def test_an_empty_chunk_still_gives_every_column():
    raw = council_chunk().iloc[:0]
    out = scored_rows(raw, [], scorer_output([]), left_out=("complaint_ref",))
    assert out.empty and list(out.columns)[:5] == ["Ward", "Case Ref", "Details", "themes", "source_row"]


def test_split_scored_gives_back_the_input_columns_and_the_suggestions_under_their_own_names():
    written = scored_rows(council_chunk(), [2, 3, 4], scorer_output([2, 3, 4]), left_out=("complaint_ref",))
    inputs, added = split_scored(written)
    assert list(inputs.columns) == ["Ward", "Case Ref", "Details", "themes"]
    assert list(added.columns) == [
        "source_row",
        "predicted_category",
        "probability",
        "needs_review",
        "themes",
        "theme_names",
        "model_version",
    ]
    assert added["themes"].tolist()[0] == "delay;staff_attitude" and inputs["themes"].tolist()[0] == "delay"


def test_a_scored_file_scored_again_splits_at_the_last_suggestions():
    once = scored_rows(council_chunk(), [2, 3, 4], scorer_output([2, 3, 4]))
    twice = scored_rows(once, [2, 3, 4], scorer_output([2, 3, 4]))
    inputs, added = split_scored(twice)
    assert list(inputs.columns) == list(once.columns)
    assert added.columns[0] == "source_row" and "predicted_category" in added


def test_a_table_not_in_the_layout_is_not_split():
    assert split_scored(council_chunk()) is None
    earlier = pd.DataFrame(columns=["source_row", "complaint_ref", "team", "predicted_category"])
    assert split_scored(earlier) is None

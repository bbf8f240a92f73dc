"""Data contract: good and bad frames, each bad input giving the message an analyst needs."""

import dataclasses

import pandas as pd
import pytest

from pipeline.data.schema import (
    DataContractError,
    build_label_lookup,
    financial_year,
    intake_frame,
    label_key,
    normalise_label,
    theme_sets,
    validate,
)
from tests.conftest import raw_frame


def test_good_frame_keeps_every_row_with_our_names_and_types(params, good_rows):
    result = validate(raw_frame(good_rows), params.data, params.labels, purpose="train", need_dates=True)
    assert len(result.frame) == 3 and result.rejected.empty
    assert result.frame["date_received"].tolist() == list(pd.to_datetime(["2013-04-03", "2013-05-15", "2014-04-20"]))
    assert result.frame["financial_year"].tolist() == ["2013/14", "2013/14", "2014/15"]
    assert result.frame["source_row"].tolist() == [2, 3, 4]


def test_validate_does_not_mutate_its_input(params, good_rows):
    raw = raw_frame(good_rows)
    before = raw.copy()
    validate(raw, params.data, params.labels)
    pd.testing.assert_frame_equal(raw, before)


def test_missing_column_names_it_and_lists_those_found(params, good_rows):
    raw = raw_frame(good_rows).drop(columns=["description"])
    with pytest.raises(DataContractError) as error:
        validate(raw, params.data, params.labels)
    message = str(error.value)
    assert "no column 'description'" in message
    assert "data.columns.description" in message
    assert "'complaint_ref', 'date_received', 'team', 'category', 'outcome'" in message


def test_scoring_needs_only_the_text(params):
    result = validate(raw_frame([{"description": "Late again."}]), params.data, params.labels, purpose="score")
    assert result.frame["description"].tolist() == ["Late again."]


def test_columns_are_mapped_from_params(params):
    from dataclasses import replace

    data = replace(params.data, columns={"description": "Details", "category": "Nature of Complaint"})
    raw = raw_frame([{"Details": "Rude worker.", "Nature of Complaint": "Staff Attitude/Conduct"}])
    result = validate(raw, data, params.labels)
    assert result.frame.loc[0, "category"] == "Staff Attitude/Conduct"


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("Staff Conduct/Attitude", "Staff Attitude/Conduct"),
        ("Delayed/Failed Service", "Delay/Failed Service"),
        ("Lack of/Incorrect Information", "Lack of /Incorrect Information"),
        ("lack of / incorrect information", "Lack of /Incorrect Information"),
        ("  NOT TO  STANDARD ", "Not to Standard"),
        ("Staff Atitude", None),
    ],
)
def test_alias_table_normalises_spelling_variants(params, recorded, expected):
    assert normalise_label(recorded, build_label_lookup(params.labels)) == expected


def test_label_key_ignores_case_spacing_and_slash_spaces():
    assert label_key(" Lack of /Incorrect  Information") == label_key("lack of/incorrect information")


def test_unknown_labels_are_rejected_with_row_numbers(params, good_rows):
    good_rows[1]["category"] = "Staff Atitude"
    result = validate(raw_frame(good_rows), params.data, params.labels)
    assert len(result.frame) == 2
    rejected = result.rejected.set_index("source_row")
    assert rejected.loc[3, "reason_code"] == "unknown_category"
    assert "'Staff Atitude'" in rejected.loc[3, "reason"]
    assert result.summary()["rejected_by_reason"] == {"unknown_category": 1}


def test_unknown_labels_can_stop_the_run(params, good_rows):
    from dataclasses import replace

    good_rows[0]["category"] = "Weird"
    good_rows[2]["category"] = "Weird"
    with pytest.raises(DataContractError, match=r"'Weird' in rows 2, 4.*labels\.aliases"):
        validate(raw_frame(good_rows), params.data, replace(params.labels, unknown="error"))


def test_empty_descriptions_are_excluded_and_counted(params, good_rows):
    good_rows[0]["description"] = "   "
    result = validate(raw_frame(good_rows), params.data, params.labels)
    assert len(result.frame) == 2
    assert result.summary()["rejected_by_reason"] == {"empty_description": 1}


def test_undated_rows_are_rejected_only_when_the_split_needs_dates(params, good_rows):
    good_rows[2]["date_received"] = "not a date"
    assert len(validate(raw_frame(good_rows), params.data, params.labels).frame) == 3
    result = validate(raw_frame(good_rows), params.data, params.labels, need_dates=True)
    assert result.rejected["reason_code"].tolist() == ["bad_date"]


def test_aliased_labels_are_counted(params, good_rows):
    good_rows[0]["category"] = "Staff Conduct/Attitude"
    result = validate(raw_frame(good_rows), params.data, params.labels)
    assert result.labels_aliased == {"Staff Conduct/Attitude": 1}
    assert result.frame.loc[0, "category"] == "Staff Attitude/Conduct"


def test_open_vocabulary_keeps_labels_as_recorded(params, good_rows):
    from dataclasses import replace

    good_rows[0]["category"] = "Credit card"
    result = validate(raw_frame(good_rows), params.data, replace(params.labels, categories=None))
    assert result.frame.loc[0, "category"] == "Credit card"


def test_financial_year_runs_april_to_march():
    dates = pd.Series(pd.to_datetime(["2014-03-31", "2014-04-01", "2010-01-15"]))
    assert financial_year(dates).tolist() == ["2013/14", "2014/15", "2009/10"]
    # A missing date makes pandas' years floats; the labels must still read 2013/14, not 2013.0/14.0.
    with_gap = pd.Series(pd.to_datetime(["2014-03-31", None]))
    assert financial_year(with_gap).tolist()[0] == "2013/14" and pd.isna(financial_year(with_gap).iloc[1])


def test_aliases_must_point_at_a_category(params):
    from dataclasses import replace

    with pytest.raises(DataContractError, match="not in labels.categories"):
        build_label_lookup(replace(params.labels, aliases={"Rude": "Rudeness"}))


def test_dates_in_the_forms_exports_use(params):
    rows = [
        {"description": "x", "category": "Other", "date_received": value}
        for value in ("03/04/2014", "2014/04/03", "2014-04-03 00:00:00", "41732", "3 April 2014", "soon")
    ]
    parsed = validate(raw_frame(rows), params.data, params.labels).frame["date_received"]
    assert parsed.iloc[:5].tolist() == [pd.Timestamp("2014-04-03")] * 5
    assert pd.isna(parsed.iloc[5])


@pytest.mark.parametrize("extra", ["category ", "category.1"])
def test_repeated_column_names_are_refused(params, good_rows, extra):
    raw = raw_frame(good_rows)
    raw[extra] = "Other"
    with pytest.raises(DataContractError, match="more than one column called 'category'"):
        validate(raw, params.data, params.labels)


def test_one_hot_theme_columns_become_theme_ids(params):
    from dataclasses import replace

    themes = replace(params.themes, labels="one_hot", one_hot_exclude=("date_received", "team", "outcome"))
    raw = raw_frame(
        [
            {"description": "Late again.", "category": "Other", "Timeliness of care": "1", "Staff manner": "0"},
            {"description": "Rude nurse.", "category": "Other", "Timeliness of care": "", "Staff manner": "1"},
            {"description": "Both.", "category": "Other", "Timeliness of care": "1.0", "Staff manner": "1"},
        ]
    )
    result = validate(raw, params.data, params.labels, themes=themes)
    assert result.frame["themes"].tolist() == ["timeliness_of_care", "staff_manner", "timeliness_of_care;staff_manner"]
    assert result.theme_columns == {"timeliness_of_care": "Timeliness of care", "staff_manner": "Staff manner"}


def test_mapped_one_hot_column_must_exist(params):
    from dataclasses import replace

    themes = replace(params.themes, labels="one_hot", one_hot_columns={"delay": "Delay flag"})
    with pytest.raises(DataContractError, match="Delay flag"):
        validate(raw_frame([{"description": "x", "category": "Other"}]), params.data, params.labels, themes=themes)


def test_theme_sets_split_ids():
    assert theme_sets(pd.Series(["a;b", None, " c ;", ""], dtype="string")) == [
        frozenset({"a", "b"}),
        frozenset(),
        frozenset({"c"}),
        frozenset(),
    ]


def test_intake_frame_cleans_text_as_validate_does(params):
    texts = ["  The visit was late.  ", "", "Did not answer", "...", "\u200b\u200b", "\u3000Ωμέγα\x85", "日本語", "_"]
    teams = ["Fostering", None, " ", "\xa0Adoption\xa0", "", None, "Leaving Care", "x"]
    data = dataclasses.replace(params.data, missing_text_values=("did not answer",))
    frame = intake_frame(texts, data, teams)
    validated = validate(pd.DataFrame({"description": texts, "team": teams}), data, params.labels, purpose="score")
    for column in ("source_row", "description", "team"):
        assert frame[column].tolist() == validated.frame[column].tolist()


def test_council_spellings_of_stages_are_read_and_the_rest_named():
    from pipeline.data.schema import parse_stages

    spellings = pd.Series(
        ["1", "Stage 2", "Stage 1 - Local Resolution", "stage one", "Investigation", "Review Panel", "2.0", None]
        + ["Informal", "Informal", "Stage X", "Early resolution"]
    )
    stages, unmapped = parse_stages(spellings, {"Early Resolution": 1})
    assert stages.tolist()[:8] == [1, 2, 1, 1, 2, 3, 2, pd.NA]
    assert stages.tolist()[-1] == 1  # through the alias, whatever its case
    assert unmapped == {"Informal": 2, "Stage X": 1}


def test_unrecognised_stages_are_counted_and_warned_about(params, good_rows):
    rows = [
        dict(row, stage=stage)
        for row, stage in zip(good_rows, ["Stage 1 - Local Resolution", "Informal", "Informal"], strict=True)
    ]
    validated = validate(raw_frame(rows), params.data, params.labels, purpose="score")
    assert len(validated.frame) == 3 and validated.frame["stage"].tolist()[0] == 1  # kept, not dropped
    assert validated.unmapped == {"stage": {"Informal": 2}}
    [warning] = validated.warnings()
    assert "'Informal' (2)" in warning and "data.stage_aliases" in warning


def test_text_with_no_letter_or_digit_is_no_text(params):
    raw = pd.DataFrame({"description": ["\u200b\u200b", "...", "The worker never called.", "Café 1"]}, dtype="string")
    validated = validate(raw, params.data, params.labels, purpose="score")
    assert validated.frame["description"].isna().tolist() == [True, True, False, False]


def test_the_summary_says_how_ambiguous_dates_were_read(params):
    raw = pd.DataFrame({"description": ["A complaint"], "date_received": ["07/04/2014"]}, dtype="string")
    validated = validate(raw, params.data, params.labels, purpose="score")
    assert validated.summary()["dates_read_as"].startswith("day first (07/04/2014 is 7 April)")
    by_format = dataclasses.replace(params.data, date_format="%m/%d/%Y")
    assert validate(raw, by_format, params.labels, purpose="score").dates_read_as == "as data.date_format %m/%d/%Y"

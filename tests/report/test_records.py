import dataclasses

import pandas as pd
import pytest

from pipeline.report.records import OPEN, OTHER_OUTCOME, ReportError, report_records, year_label
from tests.conftest import complaint_records


def test_year_labels_are_normalised_and_checked():
    assert year_label("2013-14") == "2013/14" == year_label("2013/2014") == year_label(" 2013 / 14 ")
    with pytest.raises(ReportError, match="2013/14"):
        year_label("2013/15")


def test_outcomes_are_matched_ignoring_case_through_aliases(params):
    frame = complaint_records(
        [{"outcome": "upheld"}, {"outcome": "Partly Upheld"}, {"outcome": None}, {"outcome": "Escalated"}], params
    )
    records = report_records(frame, params.labels, params.report)
    assert records.frame["outcome"].tolist() == ["Upheld", "Partially Upheld", OPEN, OTHER_OUTCOME]
    assert records.unrecognised_outcomes == {"Escalated": 1}


def test_every_row_is_counted_or_set_aside_with_a_reason(params):
    rows = [
        {"category": "Staff Conduct/Attitude"},  # an alias: counted as Staff Attitude/Conduct
        {"category": "Complaint about parking"},  # unknown: set aside, named
        {"date_received": None},  # no year
        {"description": "Same text", "team": "Fostering"},
        {"description": "Same text", "team": "Fostering"},  # logged twice
        {"description": "Same text", "team": "Adoption"},  # another team: a different complaint
    ]
    records = report_records(complaint_records(rows, params), params.labels, params.report)
    assert len(records.frame) + len(records.excluded) == len(rows)
    assert records.frame["category"].iloc[0] == "Staff Attitude/Conduct"
    reasons = dict(zip(records.excluded["complaint_ref"], records.excluded["reason_code"], strict=True))
    assert reasons == {"R1": "unknown_category", "R2": "no_year", "R4": "duplicate"}
    assert "Complaint about parking" in records.excluded.set_index("complaint_ref").at["R1", "reason"]
    assert "as row 5" in records.excluded.set_index("complaint_ref").at["R4", "reason"]  # R3 is row 5


def test_duplicates_are_kept_when_switched_off(params):
    rows = [{"description": "Same text"}, {"description": "Same text"}]
    settings = dataclasses.replace(params.report, drop_duplicates=False)
    assert len(report_records(complaint_records(rows, params), params.labels, settings).frame) == 2


def test_predicted_labels_replace_the_recorded_ones_and_need_predictions(params):
    frame = complaint_records([{"category": "Other", "themes": "delay"}, {"category": "Made up label"}], params)
    predictions = pd.DataFrame(
        {
            "predicted_category": ["Not to Standard", "Other"],
            "probability": [0.9, 0.4],
            "needs_review": [False, True],
            "themes": ["communication;delay", ""],
        }
    )
    settings = dataclasses.replace(params.report, labels="predicted")
    with pytest.raises(ReportError, match="predictions"):
        report_records(frame, params.labels, settings)
    records = report_records(frame, params.labels, settings, predictions=predictions)
    assert records.frame["category"].tolist() == ["Not to Standard", "Other"]  # the unknown recorded label is moot
    assert records.frame["theme_ids"].tolist() == [("communication", "delay"), ()]
    both = report_records(frame, params.labels, dataclasses.replace(settings, labels="both"), predictions=predictions)
    assert both.frame["category"].tolist() == ["Other"] and both.frame["predicted_category"].tolist() == [
        "Not to Standard"
    ]


def test_the_input_frame_is_not_changed(params):
    frame = complaint_records([{"team": "Family Support", "outcome": "upheld"}], params)
    before = frame.copy()
    report_records(frame, params.labels, dataclasses.replace(params.report, team_aliases={"Family Support": "FS"}))
    pd.testing.assert_frame_equal(frame, before)


def test_a_malformed_financial_year_sets_its_row_aside_and_the_rest_are_counted(params):
    frame = complaint_records([{"financial_year": "2013/15"}, {"financial_year": "2013-14"}, {}], params)
    records = report_records(frame, params.labels, params.report)
    assert len(records.frame) == 2 and records.frame["financial_year"].tolist() == ["2013/14", "2013/14"]
    assert "financial year '2013/15' is not a year such as 2013/14" in records.excluded["reason"].iloc[0]


def test_a_copy_of_a_row_set_aside_is_counted_once(params):
    rows = [{"description": "Same text", "category": "Not a category"}, {"description": "Same text"}]
    records = report_records(complaint_records(rows, params), params.labels, params.report)
    assert records.frame["complaint_ref"].tolist() == ["R1"]
    assert records.excluded["reason_code"].tolist() == ["unknown_category"]

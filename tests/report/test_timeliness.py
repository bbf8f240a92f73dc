import pandas as pd
import pytest

from pipeline.report.records import report_records
from pipeline.report.timeliness import WITHIN, before_after, quarter, response_times, summarise, timeliness
from tests.conftest import complaint_records

TIMESCALES = {1: (10, 20), 2: (25, 65), 3: (50, 50)}


def _timed(rows, params):
    frame = report_records(complaint_records(rows, params), params.labels, params.report).frame
    return response_times(frame, TIMESCALES)


def test_working_days_skip_easter_and_christmas_bank_holidays(params):
    timed = _timed(
        [
            # Thursday 17 April 2014 -> Tuesday 6 May 2014: Good Friday, Easter Monday and 5 May are holidays.
            {"date_received": "2014-04-17", "date_responded": "2014-05-06"},
            # Friday 20 December 2013 -> Friday 3 January 2014: Christmas, Boxing Day and New Year's Day.
            {"date_received": "2013-12-20", "date_responded": "2014-01-03"},
            # Monday 2 June 2014 -> Monday 16 June 2014: no holiday, ten working days.
            {"date_received": "2014-06-02", "date_responded": "2014-06-16"},
        ],
        params,
    )
    assert timed["working_days"].tolist() == [10, 7, 10]


def test_the_timescale_depends_on_stage_and_an_agreed_extension(params):
    timed = _timed(
        [
            {"stage": "1", "date_received": "2014-06-02", "date_responded": "2014-06-16"},  # 10 days: in time
            {"stage": "1", "date_received": "2014-06-02", "date_responded": "2014-06-17"},  # 11: late
            {"stage": "1", "date_received": "2014-06-02", "date_responded": "2014-06-17", "extension_agreed": "Yes"},
            {"stage": "2", "date_received": "2014-06-02", "date_responded": "2014-06-17"},
            {"stage": None, "date_received": "2014-06-02", "date_responded": "2014-06-17"},  # no stage: no verdict
            {"stage": "1", "date_received": "2014-06-02"},  # open: not in the table
        ],
        params,
    )
    assert timed["allowed"].tolist()[:4] == [10, 10, 20, 25]
    assert timed[WITHIN].tolist()[:4] == [True, False, True, True]
    assert pd.isna(timed[WITHIN].iloc[4]) and len(timed) == 5


def test_quarters_follow_the_financial_year():
    dates = pd.Series(pd.to_datetime(["2014-04-01", "2014-06-30", "2014-07-01", "2014-12-31", "2015-01-01"]))
    assert quarter(dates).tolist() == ["Q1", "Q1", "Q2", "Q3", "Q4"]


def test_summary_and_before_after_a_date(params):
    rows = [{"date_received": "2014-05-01", "date_responded": "2014-05-22"}] * 4  # 14 working days (5 May off)
    rows += [{"date_received": "2014-06-02", "date_responded": "2014-06-09"}] * 4  # 5 working days
    timed = _timed(rows, params)
    change = before_after(timed, "2014-05-21", "workshop")
    assert (change.before_n, change.before_mean, change.after_n, change.after_mean) == (4, 14.0, 4, 5.0)
    assert change.p_value < 0.05
    by_stage = summarise(timed, "stage", "Stage")
    assert by_stage.iloc[0].tolist() == [1, 8, 9.5, 9.5, pytest.approx(0.5)]


def test_a_response_dated_before_the_complaint_is_left_out_and_counted(params):
    rows = [
        {"date_received": "2014-06-16", "date_responded": "2014-06-02"},
        {"date_received": "2014-06-02", "date_responded": "2014-06-09"},
        {"date_received": "2014-06-02"},
    ]
    frame = report_records(complaint_records(rows, params), params.labels, params.report).frame
    found = timeliness(frame, "2014/15", TIMESCALES, None, "")
    assert (found.responded, found.impossible, found.within_share) == (1, 1, 1.0)
    assert found.change is None


def test_the_within_timescale_share_leaves_out_stages_without_a_timescale(params):
    rows = [{"stage": "1", "date_received": "2014-06-02", "date_responded": "2014-06-09"}] * 2
    rows += [{"stage": None, "date_received": "2014-06-02", "date_responded": "2014-06-09"}] * 2
    frame = report_records(complaint_records(rows, params), params.labels, params.report).frame
    assert timeliness(frame, "2014/15", TIMESCALES, None, "").within_share == 1.0


def test_team_by_quarter_shares(params):
    rows = [{"team": "Fostering", "date_received": "2014-06-02", "date_responded": "2014-06-09"}] * 3
    rows += [{"team": "Fostering", "date_received": "2014-07-01", "date_responded": "2014-08-01"}]
    frame = report_records(complaint_records(rows, params), params.labels, params.report).frame
    grid = timeliness(frame, "2014/15", TIMESCALES, None, "").by_team_and_quarter.set_index(["Team", "Quarter"])
    assert grid.loc[("Fostering", "2014/15 Q1"), "Responses"] == 3
    assert grid.loc[("Fostering", "2014/15 Q1"), "Share within timescale"] == 1.0
    assert grid.loc[("Fostering", "2014/15 Q2"), "Share within timescale"] == 0.0  # 23 working days at stage 1

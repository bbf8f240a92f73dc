import pandas as pd

from pipeline.report.workdays import add_working_days, england_holidays, working_days_between


def dates(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)))


def test_easter_bank_holidays_are_skipped():
    # Thursday 17 April 2014; Good Friday 18th and Easter Monday 21st are not working days.
    assert working_days_between(dates("2014-04-17"), dates("2014-04-22")).tolist() == [1]


def test_christmas_and_boxing_day_are_skipped():
    assert working_days_between(dates("2013-12-20"), dates("2013-12-31")).tolist() == [5]


def test_substitute_days_and_one_off_holidays_are_in_the_calendar():
    calendar = set(england_holidays(2011, 2012).astype(str))
    assert {"2011-12-27", "2012-06-05", "2011-04-29"} <= calendar  # Christmas substitute, Jubilee, Royal Wedding


def test_weekend_receipt_counts_from_monday():
    assert working_days_between(dates("2014-06-07"), dates("2014-06-09")).tolist() == [1]


def test_open_complaints_have_no_working_days():
    result = working_days_between(dates("2014-06-02", "2014-06-02"), pd.Series([pd.Timestamp("2014-06-04"), pd.NaT]))
    assert result.iloc[0] == 2 and result.isna().iloc[1]


def test_adding_working_days_inverts_the_count():
    received = pd.Series(pd.bdate_range("2012-03-01", "2016-03-31", freq="7D"))
    days = pd.Series(range(1, len(received) + 1)) % 60 + 1
    responded = add_working_days(received, days)
    assert working_days_between(received, responded).tolist() == days.tolist()

"""Working days in England: weekends, bank holidays, Good Friday, Christmas and Boxing Day excluded.

The holiday calendar comes from the ``holidays`` package (computed, no download), so substitute
days and one-off holidays such as the 2012 Diamond Jubilee are included.

Convention: the day a complaint arrives is day 0; a response on the next working day took 1
working day. A complaint arriving on a Saturday is answered in 1 working day on the Monday.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd


@lru_cache(maxsize=32)
def england_holidays(first_year: int, last_year: int) -> np.ndarray:
    """Bank holidays in England between two calendar years inclusive, as datetime64[D]."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(calendar.keys()), dtype="datetime64[D]")


def _calendar(*dates: pd.Series) -> np.ndarray:
    years = [series.dropna().dt.year for series in dates if series.notna().any()]
    if not years:
        return np.array([], dtype="datetime64[D]")
    combined = pd.concat(years)
    return england_holidays(int(combined.min()), int(combined.max()) + 1)


def working_days_between(received: pd.Series, responded: pd.Series) -> pd.Series:
    """Working days from receipt to response (receipt day excluded, response day included); NA if open."""
    both = received.notna() & responded.notna()
    result = pd.Series(pd.NA, index=received.index, dtype="Int64")
    if both.any():
        start = received[both].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")
        end = responded[both].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")
        result[both] = np.busday_count(start, end, holidays=_calendar(received, responded))
    return result


def add_working_days(received: pd.Series, days: pd.Series) -> pd.Series:
    """The date that is ``days`` working days after ``received`` (inverse of working_days_between)."""
    start = received.to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")
    calendar = _calendar(received, received + pd.Timedelta(days=366))
    offsets = days.to_numpy(dtype="int64") - 1
    responded = np.busday_offset(start, offsets, roll="forward", holidays=calendar)
    return pd.Series(pd.to_datetime(responded), index=received.index)

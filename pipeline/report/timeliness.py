"""Response times in working days (England's calendar), against the statutory timescale of each
stage, by team and by quarter, and before and after a date (such as a managers' workshop)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.report.stats import shift_in_days
from pipeline.report.workdays import working_days_between

WITHIN = "Within timescale"


@dataclass(frozen=True)
class BeforeAfter:
    """Mean working days to respond before and after a date, and whether the change is more than noise."""

    date: str
    label: str
    before_n: int
    before_mean: float
    after_n: int
    after_mean: float
    p_value: float

    def as_row(self) -> dict[str, object]:
        return {
            "Change": f"{self.label} ({self.date})",
            "Responses before": self.before_n,
            "Mean working days before": round(self.before_mean, 1),
            "Responses after": self.after_n,
            "Mean working days after": round(self.after_mean, 1),
            "p (Mann-Whitney)": self.p_value,
        }


def response_times(records: pd.DataFrame, timescales: Mapping[int, tuple[int, int]]) -> pd.DataFrame:
    """Each responded complaint's working days, the days its stage allows, and whether it was in time.

    An agreed extension allows the stage's extended timescale; an unknown stage has no timescale.
    """
    days = working_days_between(records["date_received"], records["date_responded"])
    stage = records["stage"].astype("Int64")
    standard = stage.map({s: d[0] for s, d in timescales.items()}).astype("Int64")
    extended = stage.map({s: d[1] for s, d in timescales.items()}).astype("Int64")
    allowed = extended.where(records["extension_agreed"].astype(bool), standard)
    timed = pd.DataFrame(
        {
            "team": records["team"],
            "stage": stage,
            "financial_year": records["financial_year"],
            "date_received": records["date_received"],
            "working_days": days,
            "allowed": allowed,
        }
    )
    # A response dated before the complaint arrived is a typing error, not a fast response.
    timed = timed[timed["working_days"].notna() & (timed["working_days"] >= 0)].copy()
    timed[WITHIN] = (timed["working_days"] <= timed["allowed"]).astype("boolean").where(timed["allowed"].notna())
    return timed


def quarter(dates: pd.Series) -> pd.Series:
    """Quarter of the financial year: April-June is Q1, January-March Q4."""
    return ("Q" + (((dates.dt.month - 4) % 12) // 3 + 1).astype("string")).astype("string")


COUNTED_KEYS = ["team", "stage", "Quarter", "working_days", WITHIN]


def response_counts(in_year: pd.DataFrame) -> pd.DataFrame:
    """The year's responses (from :func:`response_times`, with a Quarter) counted by team, stage, quarter,
    working days and whether in time (column ``n``): all the response-time tables need."""
    return in_year.groupby(COUNTED_KEYS, observed=True, dropna=False).size().rename("n").reset_index()


def summarise(timed: pd.DataFrame, by: str | list[str], label: str | list[str]) -> pd.DataFrame:
    """Responses, mean and median working days and share within timescale for each value of ``by``."""
    keys = [by] if isinstance(by, str) else list(by)
    counted = timed.groupby([*keys, "working_days", WITHIN], observed=True, dropna=False).size()
    return summarise_counts(counted.rename("n").reset_index(), by, label)


def summarise_counts(counted: pd.DataFrame, by: str | list[str], label: str | list[str]) -> pd.DataFrame:
    """:func:`summarise` from responses counted by ``by``, working days and whether in time (column ``n``,
    as :func:`response_counts` counts them): the median of counted days is the median of the days, each
    repeated as often as counted."""
    keys = [by] if isinstance(by, str) else list(by)
    n = counted["n"]
    timed = counted[WITHIN].notna()
    weighted = counted.assign(
        _days=counted["working_days"].astype(float) * n,
        _timed=timed * n,
        _within=counted[WITHIN].fillna(False).astype(bool) * n,
    )
    grouped = weighted.groupby(by, observed=True, dropna=False)
    responses, in_time = grouped["n"].sum(), grouped["_timed"].sum()
    # The median: the middle one or two of each group's days in order, found on the running count.
    ordered = weighted.sort_values([*keys, "working_days"], kind="stable")
    running = ordered.groupby(keys, observed=True, dropna=False)["n"].cumsum()
    total = ordered.groupby(keys, observed=True, dropna=False)["n"].transform("sum")

    def first_day(reached: pd.Series) -> pd.Series:
        return ordered[reached].groupby(by, observed=True, dropna=False)["working_days"].first().astype(float)

    table = pd.DataFrame(
        {
            "Responses": responses,
            "Mean working days": (grouped["_days"].sum() / responses).astype(float).round(1),
            "Median working days": (first_day(running >= (total + 1) // 2) + first_day(running >= total // 2 + 1)) / 2,
            "Share within timescale": (grouped["_within"].sum() / in_time).where(in_time > 0).astype(float),
        }
    )
    return table.rename_axis(label).reset_index()


def timeliness_from_counts(counted: pd.DataFrame, change: BeforeAfter | None, impossible: int) -> Timeliness:
    """Every response-time table of the year from its responses counted (:func:`response_counts`)."""
    by_team = summarise_counts(counted, "team", "Team").sort_values("Responses", ascending=False, ignore_index=True)
    timed = counted[counted[WITHIN].notna()]
    within = (timed[WITHIN].astype(bool) * timed["n"]).sum() / timed["n"].sum() if len(timed) else float("nan")
    return Timeliness(
        by_stage=summarise_counts(counted, "stage", "Stage"),
        by_team=by_team,
        by_quarter=summarise_counts(counted, "Quarter", "Quarter"),
        by_team_and_quarter=summarise_counts(counted, ["team", "Quarter"], ["Team", "Quarter"]),
        change=change,
        within_share=float(within),
        responded=int(counted["n"].sum()),
        impossible=impossible,
    )


def before_after(timed: pd.DataFrame, date: str, label: str) -> BeforeAfter:
    """Every responded complaint in the file, split by whether it arrived before ``date``."""
    after = timed["date_received"] >= pd.Timestamp(date)
    before_days = timed.loc[~after, "working_days"].to_numpy(dtype=float)
    after_days = timed.loc[after, "working_days"].to_numpy(dtype=float)
    return BeforeAfter(
        date=date,
        label=label,
        before_n=len(before_days),
        before_mean=float(np.mean(before_days)) if len(before_days) else float("nan"),
        after_n=len(after_days),
        after_mean=float(np.mean(after_days)) if len(after_days) else float("nan"),
        p_value=shift_in_days(before_days, after_days),
    )


@dataclass(frozen=True)
class Timeliness:
    """Response times of the reported year by stage, team and quarter, and the before/after comparison."""

    by_stage: pd.DataFrame
    by_team: pd.DataFrame
    by_quarter: pd.DataFrame
    by_team_and_quarter: pd.DataFrame  # long form: Team, Quarter, Responses, ...
    change: BeforeAfter | None
    within_share: float  # of the year's responses whose stage has a timescale (NaN: none)
    responded: int  # the year's complaints with a usable response date
    impossible: int  # the year's responses dated before the complaint arrived: left out


def timeliness(
    records: pd.DataFrame,
    year: str,
    timescales: Mapping[int, tuple[int, int]],
    change_date: str | None,
    change_label: str,
) -> Timeliness:
    """Every response-time table of the report; the before/after comparison uses all years in ``records``."""
    timed = response_times(records, timescales)
    in_year = timed[timed["financial_year"] == year].assign(Quarter=lambda t: year + " " + quarter(t["date_received"]))
    year_rows = records[records["financial_year"] == year]
    days = working_days_between(year_rows["date_received"], year_rows["date_responded"])
    change = before_after(timed, change_date, change_label) if change_date and len(timed) else None
    return timeliness_from_counts(response_counts(in_year), change, int((days < 0).sum()))

"""The report's tables, each a pure function of the year's records: the seed's Tables 1-3, themes
by team with significance, upheld rates, trends against the comparison year, and, when the
model's labels are beside the recorded ones, where the two disagree.

Teams beyond ``top_teams`` are collapsed into one row in tables meant for reading; the long-form
tables (the workbook's) keep every team.

Each counted table is finished by a ``*_from_counts`` function from small count tables (a column ``n``
beside the keys), so the Spark engine, which counts on its executors, finishes them with the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.report.records import DECIDED, NO_PREDICTION, NOT_RECORDED, OUTCOME_ORDER, PARTIAL, UPHELD
from pipeline.report.stats import benjamini_hochberg, lift, over_representation, share_change
from pipeline.report.workdays import working_days_between

TEAM, RECEIVED, TOTAL = "Team", "Complaints received", "Total"


def category_order(counts: pd.Series, national: Sequence[str] | None) -> list[str]:
    """The national categories in their published order (zeros included), then any others by count."""
    listed = list(national or [])
    others = [c for c in counts.sort_values(ascending=False).index if c not in listed]
    return listed + others


def category_table(
    year_rows: pd.DataFrame, compare_rows: pd.DataFrame | None, year: str, compare_to: str | None, order: list[str]
) -> pd.DataFrame:
    """Complaints by category for the year, with the comparison year beside it (the seed's Table 1)."""
    compared = compare_rows["category"].value_counts() if compare_rows is not None and compare_to else None
    return category_table_from_counts(year_rows["category"].value_counts(), compared, year, compare_to, order)


def category_table_from_counts(
    year_counts: pd.Series, compare_counts: pd.Series | None, year: str, compare_to: str | None, order: list[str]
) -> pd.DataFrame:
    """:func:`category_table` from complaints per category (index) in the year and the comparison year."""
    table = pd.DataFrame({"Category": order})
    table[year] = table["Category"].map(year_counts).fillna(0).astype(int)
    if compare_counts is not None and compare_to:
        table[compare_to] = table["Category"].map(compare_counts).fillna(0).astype(int)
    total = {"Category": TOTAL, **{column: int(table[column].sum()) for column in table.columns[1:]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


UPHELD_RATE = "Upheld or partially upheld"


def collapse(table: pd.DataFrame, key: str, top: int, min_cell: int = 0) -> pd.DataFrame:
    """Keep the first ``top`` rows and add up the rest into one 'Other N teams' row.

    Counts are summed; the upheld rate is recomputed from the summed counts (a sum of rates means nothing).
    """
    if len(table) <= top + 1:
        return table.reset_index(drop=True)
    head, rest = table.iloc[:top], table.iloc[top:]
    other = {key: f"Other {len(rest)} teams", **rest.select_dtypes("number").sum().to_dict()}
    if UPHELD_RATE in table.columns:
        with_finding = other["With a finding"]
        other[UPHELD_RATE] = (other[UPHELD] + other[PARTIAL]) / with_finding if with_finding else np.nan
    if "Small cell" in table.columns:
        other["Small cell"] = other.get("With a finding", other.get(RECEIVED, 0)) < min_cell
    return pd.concat([head, pd.DataFrame([other])], ignore_index=True).astype(table.dtypes.to_dict())


def outcome_columns(rows: pd.DataFrame) -> list[str]:
    """The seed's four outcome columns, plus Withdrawn, Open and Other only when some row has them."""
    present = set(rows["outcome"].unique())
    return [o for o in OUTCOME_ORDER if o in DECIDED or o in present]


def team_outcomes(year_rows: pd.DataFrame, category: str, columns: Sequence[str]) -> pd.DataFrame:
    """Team by outcome for one category: received, upheld, partially upheld... (the seed's Tables 2, 3)."""
    rows = year_rows[year_rows["category"] == category]
    return team_outcomes_from_counts(pd.crosstab(rows["team"], rows["outcome"]), columns)


def team_outcomes_from_counts(crossed: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """:func:`team_outcomes` from one category's complaints counted by team (rows) and outcome (columns)."""
    counts = crossed.reindex(columns=list(columns), fill_value=0)
    counts.insert(0, RECEIVED, crossed.sum(axis=1))  # every complaint, whichever outcome columns are shown
    table = counts.rename_axis(TEAM).reset_index().rename_axis(None, axis=1)
    return table.sort_values([RECEIVED, TEAM], ascending=[False, True], ignore_index=True)


def theme_pairs(rows: pd.DataFrame, column: str = "theme_ids") -> pd.DataFrame:
    """One row per (complaint, theme)."""
    pairs = rows[["team", "outcome", column]].explode(column).dropna(subset=[column])
    return pairs.rename(columns={column: "theme"})


THEME_TEAM_COLUMNS = [
    TEAM,
    "Theme",
    "theme_id",
    "Complaints",
    "Team complaints",
    "Theme total",
    "Share",
    "Lift",
    "p",
    "q",
    "Over-represented",
    "Small cell",
]


def theme_by_team(year_rows: pd.DataFrame, theme_names: Mapping[str, str], min_cell: int, fdr: float) -> pd.DataFrame:
    """Every team x theme cell: count, share of the team's complaints, lift over the other teams, and a
    one-sided Fisher's exact test with Benjamini-Hochberg q-values over all cells; over-represented
    themes (q <= fdr and lift > 1) are flagged, cells under ``min_cell`` complaints marked."""
    pairs = theme_pairs(year_rows)
    cells = pairs.groupby(["team", "theme"]).size().rename("n").reset_index()
    teams, themes = year_rows["team"].value_counts(), pairs["theme"].value_counts()
    return theme_by_team_from_counts(cells, teams, themes, len(year_rows), theme_names, min_cell, fdr)


def theme_by_team_from_counts(
    cells: pd.DataFrame,
    teams: pd.Series,
    themes: pd.Series,
    total: int,
    theme_names: Mapping[str, str],
    min_cell: int,
    fdr: float,
) -> pd.DataFrame:
    """:func:`theme_by_team` from counts: ``cells`` (team, theme, n: complaints of the team with the theme),
    complaints per team and per theme (commonest first: the table's order) and the year's total."""
    if themes.empty:  # typed, so that filters on the flags still work on no rows
        counts = {"Complaints": int, "Team complaints": int, "Theme total": int}
        flags = {"Over-represented": bool, "Small cell": bool}
        return pd.DataFrame(columns=THEME_TEAM_COLUMNS).astype({**counts, **flags})
    crossed = cells.pivot_table(index="team", columns="theme", values="n", aggfunc="sum", fill_value=0)
    counts = crossed.reindex(index=teams.index, columns=themes.index, fill_value=0).astype(int)
    long = counts.stack().rename("Complaints").reset_index().rename(columns={"team": TEAM, "theme": "theme_id"})
    long["Team complaints"] = long[TEAM].map(teams).astype(int)
    long["Theme total"] = long["theme_id"].map(themes).astype(int)
    long["Share"] = long["Complaints"] / long["Team complaints"]
    long["Lift"] = lift(long["Complaints"], long["Team complaints"], long["Theme total"], total)
    long["p"] = over_representation(long["Complaints"], long["Team complaints"], long["Theme total"], total)
    long["q"] = benjamini_hochberg(long["p"].to_numpy())
    long["Over-represented"] = (long["q"] <= fdr) & (long["Lift"] > 1)
    long["Small cell"] = long["Complaints"] < min_cell
    long.insert(1, "Theme", long["theme_id"].map(lambda t: theme_names.get(t, t)))
    return long[THEME_TEAM_COLUMNS].sort_values(
        ["Team complaints", TEAM, "Complaints"], ascending=[False, True, False], ignore_index=True
    )


def upheld_from_counts(counts: pd.DataFrame, key: str, min_cell: int) -> pd.DataFrame:
    """Complaints, those with a finding, upheld, partially upheld and the upheld rate per ``key``, from
    complaints counted by (``key``, outcome) in a column ``n``; cells under ``min_cell`` findings marked."""
    decided = counts[counts["outcome"].isin(DECIDED)]

    def summed(rows: pd.DataFrame) -> pd.Series:
        return rows.groupby(key, observed=True)["n"].sum()

    table = pd.DataFrame({"Complaints": summed(counts)})
    table["With a finding"] = summed(decided).reindex(table.index, fill_value=0)
    table[UPHELD] = summed(decided[decided["outcome"] == UPHELD]).reindex(table.index, fill_value=0)
    table[PARTIAL] = summed(decided[decided["outcome"] == PARTIAL]).reindex(table.index, fill_value=0)
    found = table[UPHELD] + table[PARTIAL]
    table[UPHELD_RATE] = np.where(table["With a finding"] > 0, found / table["With a finding"], np.nan)
    table["Small cell"] = table["With a finding"] < min_cell
    return table.sort_values("Complaints", ascending=False).reset_index()


def upheld_rates(
    year_rows: pd.DataFrame, theme_names: Mapping[str, str], min_cell: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Upheld-or-partially-upheld rate among complaints with a finding, per theme and per team."""
    by_theme = theme_pairs(year_rows).groupby(["theme", "outcome"], dropna=False).size().rename("n").reset_index()
    by_team = year_rows.groupby(["team", "outcome"], dropna=False).size().rename("n").reset_index()
    return upheld_rates_from_counts(by_theme, by_team, theme_names, min_cell)


def upheld_rates_from_counts(
    by_theme: pd.DataFrame, by_team: pd.DataFrame, theme_names: Mapping[str, str], min_cell: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`upheld_rates` from complaints counted by (theme, outcome) and by (team, outcome), column ``n``."""
    themes = upheld_from_counts(by_theme, "theme", min_cell)
    themes.insert(0, "Theme", themes.pop("theme").map(lambda t: theme_names.get(t, t)))
    return themes, upheld_from_counts(by_team, "team", min_cell).rename(columns={"team": TEAM})


def _label_counts(rows: pd.DataFrame, kind: str) -> pd.Series:
    if kind == "category":
        return rows["category"].value_counts()
    return theme_pairs(rows)["theme"].value_counts()


def trends(
    records: pd.DataFrame,
    year: str,
    compare_to: str,
    theme_names: Mapping[str, str],
    fdr: float,
) -> pd.DataFrame:
    """Change of each category's and theme's share of complaints against the comparison year.

    Shares, not counts, are compared (Fisher's exact test, two-sided, BH-corrected over the table),
    so a year with more complaints overall does not make every label look like it is rising.
    """
    now, before = records[records["financial_year"] == year], records[records["financial_year"] == compare_to]
    counts_now = {kind: _label_counts(now, kind) for kind in ("category", "theme")}
    counts_before = {kind: _label_counts(before, kind) for kind in ("category", "theme")}
    return trends_from_counts(counts_now, counts_before, len(now), len(before), year, compare_to, theme_names, fdr)


def trends_from_counts(
    now: Mapping[str, pd.Series],
    before: Mapping[str, pd.Series],
    n_now: int,
    n_before: int,
    year: str,
    compare_to: str,
    theme_names: Mapping[str, str],
    fdr: float,
) -> pd.DataFrame:
    """:func:`trends` from complaints per label (``now`` and ``before``: 'category' and 'theme' each to a
    Series of counts by label) and the complaints of each year."""
    parts = []
    for kind in ("category", "theme"):
        counts_now, counts_before = now[kind], before[kind]
        labels = counts_now.index.union(counts_before.index)
        part = pd.DataFrame({"Kind": kind, "label": labels})
        part["Label"] = part["label"].map(lambda t: theme_names.get(t, t)) if kind == "theme" else part["label"]
        part[compare_to] = part["label"].map(counts_before).fillna(0).astype(int)
        part[year] = part["label"].map(counts_now).fillna(0).astype(int)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table[f"Share {compare_to}"] = table[compare_to] / max(n_before, 1)
    table[f"Share {year}"] = table[year] / max(n_now, 1)
    table["Change (points)"] = 100 * (table[f"Share {year}"] - table[f"Share {compare_to}"])
    table["p"] = [share_change(a, n_now, b, n_before) for a, b in zip(table[year], table[compare_to], strict=True)]
    table["q"] = benjamini_hochberg(table["p"].to_numpy())
    significant = table["q"] <= fdr
    table["Verdict"] = np.select(
        [
            (table[compare_to] == 0) & (table[year] > 0),
            significant & (table["Change (points)"] > 0),
            significant & (table["Change (points)"] < 0),
        ],
        ["new", "rising", "falling"],
        default="no clear change",
    )
    return table.drop(columns="label").sort_values(["Kind", year], ascending=[True, False], ignore_index=True)


def yearly_counts(records: pd.DataFrame, up_to: str, labels: Sequence[str], kind: str) -> pd.DataFrame:
    """Complaints per financial year (columns) for each label (rows), for the trend lines."""
    rows = records[records["financial_year"] <= up_to]
    if kind == "category":
        pairs = rows[["financial_year", "category"]].rename(columns={"category": "label"})
    else:
        pairs = rows[["financial_year", "theme_ids"]].explode("theme_ids").dropna()
        pairs = pairs.rename(columns={"theme_ids": "label"})
    years = sorted(rows["financial_year"].unique())
    counts = pairs.groupby(["financial_year", "label"]).size().rename("n").reset_index()
    return yearly_from_counts(counts, years, labels)


def yearly_from_counts(counts: pd.DataFrame, years: Sequence[str], labels: Sequence[str]) -> pd.DataFrame:
    """:func:`yearly_counts` from complaints counted by (financial_year, label) in a column ``n``."""
    crossed = counts.pivot_table(index="label", columns="financial_year", values="n", aggfunc="sum", fill_value=0)
    table = crossed.reindex(index=list(labels), columns=list(years)).rename_axis(
        index="label", columns="financial_year"
    )
    return table.fillna(0).astype(int)


RECORD_COLUMNS = ["Reference", "Team", "Financial year", "Category", "Themes", "Outcome", "Working days to respond"]


def record_rows(year_rows: pd.DataFrame, theme_names: Mapping[str, str]) -> pd.DataFrame:
    """One row per complaint of the year: reference, team, year, category, themes, outcome and working
    days to respond; never the complaint's text."""
    if year_rows.empty:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    days = working_days_between(year_rows["date_received"], year_rows["date_responded"])
    reference = (
        year_rows["complaint_ref"] if "complaint_ref" in year_rows.columns else pd.Series(pd.NA, index=year_rows.index)
    )
    return pd.DataFrame(
        {
            "Reference": reference.to_numpy(),
            "Team": year_rows["team"].to_numpy(),
            "Financial year": year_rows["financial_year"].to_numpy(),
            "Category": year_rows["category"].to_numpy(),
            "Themes": ["; ".join(theme_names.get(t, t) for t in ids) for ids in year_rows["theme_ids"]],
            "Outcome": year_rows["outcome"].to_numpy(),
            "Working days to respond": pd.array(np.asarray(days, dtype=float), dtype="Float64").astype("Int64")
            if len(days)
            else [],
        }
    )


@dataclass(frozen=True)
class Agreement:
    """Recorded against suggested labels: per category, the commonest swaps, per theme, and overall."""

    by_category: pd.DataFrame
    swaps: pd.DataFrame
    themes: pd.DataFrame
    rate: float  # share of compared complaints whose suggestion is the recorded category (NaN: none compared)


def agreement(year_rows: pd.DataFrame, theme_names: Mapping[str, str]) -> Agreement:
    """Recorded against predicted labels: per category how often they agree, the commonest swaps, themes.

    Only complaints with both a recorded category and a suggestion (they have text) are compared.
    """
    scored = year_rows[
        (year_rows["recorded_category"] != NOT_RECORDED) & (year_rows["predicted_category"] != NO_PREDICTION)
    ]
    same = scored["recorded_category"] == scored["predicted_category"]
    per_category = pd.DataFrame(
        {
            "Recorded": scored["recorded_category"].value_counts(),
            "Predicted": scored["predicted_category"].value_counts(),
            "Agree": scored.loc[same, "recorded_category"].value_counts(),
        }
    ).fillna(0)
    per_category = per_category.astype(int).rename_axis("Category").reset_index()
    per_category["Agreement"] = np.where(
        per_category["Recorded"] > 0, per_category["Agree"] / per_category["Recorded"].clip(lower=1), np.nan
    )
    swaps = (
        scored[~same]
        .groupby(["recorded_category", "predicted_category"])
        .size()
        .rename("Complaints")
        .reset_index()
        .rename(columns={"recorded_category": "Recorded", "predicted_category": "Suggested by the model"})
        .sort_values("Complaints", ascending=False, ignore_index=True)
    )
    themes = []
    for theme in sorted({t for ids in year_rows["recorded_themes"] for t in ids} | _all(year_rows["predicted_themes"])):
        recorded = year_rows["recorded_themes"].map(lambda ids, t=theme: t in ids)
        predicted = year_rows["predicted_themes"].map(lambda ids, t=theme: t in ids)
        themes.append(
            {
                "Theme": theme_names.get(theme, theme),
                "Recorded": int(recorded.sum()),
                "Predicted": int(predicted.sum()),
                "Both": int((recorded & predicted).sum()),
            }
        )
    return Agreement(
        by_category=per_category.sort_values("Recorded", ascending=False, ignore_index=True),
        swaps=swaps,
        themes=pd.DataFrame(themes, columns=["Theme", "Recorded", "Predicted", "Both"]),
        rate=float(same.mean()) if len(same) else float("nan"),
    )


def _all(series: pd.Series) -> set[str]:
    return {item for items in series for item in items}

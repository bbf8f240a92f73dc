"""``complaints report --engine spark``: the report's counting as Spark aggregations; only the small counted
tables come to the driver, where the same statistics as the pandas engine finish them.

Records are normalised on the executors by the pandas engine's own code (validation, then
:func:`pipeline.report.records.report_records`) a partition at a time. The two steps that look across
rows are made global first: a team's commonest spelling is counted over the whole input (and each row
given it before normalising), and rows that share a text land in one partition, in file order, so the
first of a set of duplicates is the one kept, as on one machine. Then four groupings are counted:
complaints by (year, team, category, outcome), by (year, team, theme, outcome), and response times
by (team, quarter, stage, working days, within timescale) for the year. Every table below is finished
from those counts with :mod:`pipeline.report.stats` (lift, Fisher's exact test, Benjamini-Hochberg).

Tables produced: categories by year, team by outcome for the commonest categories, themes by team
(with lift, p, q and flags), upheld rates by theme and by team, trends against the comparison year,
yearly counts of the leading categories and themes, and response times by stage, team, quarter, and
team and quarter. Not produced here: recurring issues (they read the complaints' sentences), the
per-complaint list and the page itself; the agreement of recorded and suggested labels (``--labels
both``); and the before/after comparison of response times around report.change_date.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Params, ReportConfig
from pipeline.data import files
from pipeline.data.schema import SOURCE_ROW, spelling_key, validate
from pipeline.data.scored import split_scored
from pipeline.errors import ReportError
from pipeline.report.build import choose_years
from pipeline.report.records import DECIDED, NOT_RECORDED, OUTCOME_ORDER, PARTIAL, UPHELD, report_records
from pipeline.report.stats import benjamini_hochberg, lift, over_representation, share_change
from pipeline.report.tables import RECEIVED, TEAM, THEME_TEAM_COLUMNS, TOTAL, UPHELD_RATE, category_order
from pipeline.report.timeliness import WITHIN, quarter, response_times
from pipeline.report.workdays import working_days_between
from pipeline.spark.inputs import Inputs, unit_chunks, work_units
from pipeline.spark.session import spark_failures

UNIT, ROW = "_unit", "_row"
THEME_JOIN = "\x1f"  # between a record's theme ids (a character no theme id holds)
NORMALISED = (
    "kind string, financial_year string, team string, category string, outcome string, theme_ids string, "
    "stage long, working_days long, within boolean, quarter string, needs_review boolean, source_file string, "
    "source_row long, complaint_ref string, reason_code string, reason string, column string, written string, "
    "count long"
)


NORMALISED_COLUMNS = [part.strip().split(" ")[0] for part in NORMALISED.split(",")]


def _plain(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Every column as Python objects with None for missing (what PySpark's Arrow conversion takes),
    in the order of ``columns`` (default: the normalised records' layout)."""
    frame = frame.reindex(columns=NORMALISED_COLUMNS if columns is None else columns).astype(object)
    return frame.where(frame.notna(), None)


def _read_units(units: Iterator[pd.DataFrame], params: Params, columns: list[str]) -> Iterator[pd.DataFrame]:
    """mapInPandas body: each file part's rows as text, as the pandas engine reads them, numbered."""
    for batch in units:
        for unit in batch.itertuples(index=False):
            for chunk in unit_chunks(unit, params):
                frame = chunk.frame.astype("string")
                frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
                frame = frame.reindex(columns=columns)
                frame[UNIT], frame[ROW] = unit.name, chunk.source_rows
                yield _plain(frame, [*columns, UNIT, ROW])


def read_inputs(spark: Any, inputs: Inputs, params: Params) -> Any:
    """The rows of every input file (records, or files written by ``complaints score`` on either engine),
    every column as text, with the file's name and each row's number."""
    columns = list(inputs.columns)
    schema = ", ".join(f"`{c}` string" for c in columns) + f", {UNIT} string, {ROW} long"
    units = work_units(inputs)
    work = spark.createDataFrame(units).repartition(len(units))
    return work.mapInPandas(lambda batches: _read_units(batches, params, columns), schema)


def team_spellings(teams: pd.DataFrame, config: ReportConfig) -> dict[str, str]:
    """Each written team name -> the name the report uses (aliases, then the commonest spelling of
    names that differ only in case or spacing), from the names and their counts over the whole input:
    :func:`pipeline.data.schema.one_spelling` on counted names."""
    written = teams.iloc[:, 0].astype("string")
    text = written.str.strip().mask(written.str.strip() == "", pd.NA)
    team = text.replace(dict(config.team_aliases))
    counted = pd.DataFrame({"key": team.map(spelling_key, na_action="ignore"), "name": team, "n": teams["count"]})
    totals = counted.dropna().groupby(["key", "name"])["n"].sum().sort_values(ascending=False)
    commonest = {key: name for (key, name) in totals.index[::-1]}
    return {
        str(w): commonest[k]
        for w, k in zip(written, team.map(spelling_key, na_action="ignore"), strict=True)
        if pd.notna(w) and pd.notna(k)
    }


def _normalise(
    batches: Iterator[pd.DataFrame],
    params: Params,
    settings: ReportConfig,
    teams: Mapping[str, str],
    today: date | None,
) -> Iterator[pd.DataFrame]:
    """mapInPandas body: one partition's rows (all of it, in file order) as the report's records, the
    rows it set aside, and the values it could not map; each file's rows apart (row numbers are a file's)."""
    parts = [batch for batch in batches if len(batch)]
    if not parts:
        return
    frame = pd.concat(parts, ignore_index=True).astype("string")
    team_column = params.data.columns.get("team", "team")
    if team_column in frame.columns:
        frame[team_column] = frame[team_column].map(teams, na_action="ignore").fillna(frame[team_column])
    name_of = frame["source_file"].fillna(frame[UNIT]) if "source_file" in frame.columns else frame[UNIT]
    for name, rows in frame.groupby(name_of, sort=False):
        yield from _normalise_file(rows.drop(columns=[UNIT]), str(name), params, settings, today)


def _normalise_file(
    frame: pd.DataFrame, name: str, params: Params, settings: ReportConfig, today: date | None
) -> Iterator[pd.DataFrame]:
    rows = pd.to_numeric(frame.pop(ROW)).astype("int64").to_numpy()
    frame = frame.reset_index(drop=True)
    layout = split_scored(frame)
    predictions = None
    if layout is not None:
        records, predictions = layout
        numbers = pd.to_numeric(predictions[SOURCE_ROW], errors="coerce").astype("int64").to_numpy()
        validated = validate(records, params.data, params.labels, purpose="score", source_rows=numbers, today=today)
    else:
        validated = validate(frame, params.data, params.labels, purpose="score", source_rows=rows, today=today)
    found = report_records(
        validated.frame,
        params.labels,
        settings,
        theme_separator=params.themes.separator,
        predictions=predictions,
        unmapped=validated.unmapped,
    )
    kept = found.frame
    if len(kept):
        timed = response_times(kept, settings.timescales)
        out = pd.DataFrame(
            {
                "kind": "record",
                "financial_year": kept["financial_year"],
                "team": kept["team"],
                "category": kept["category"],
                "outcome": kept["outcome"],
                "theme_ids": [THEME_JOIN.join(ids) for ids in kept["theme_ids"]],
                "stage": kept["stage"].astype("Int64"),
                "working_days": working_days_between(kept["date_received"], kept["date_responded"]),
                "within": timed[WITHIN].reindex(kept.index),
                "quarter": quarter(kept["date_received"]),
                "needs_review": kept.get("needs_review"),
                "source_file": name,
                "source_row": kept[SOURCE_ROW],
            }
        )
        yield _plain(out)
    excluded = found.excluded
    if len(excluded):
        yield _plain(excluded.rename(columns={SOURCE_ROW: "source_row"}).assign(kind="excluded", source_file=name))
    unmapped = {**found.unmapped, "outcome": found.unrecognised_outcomes}
    lines = [(column, value, n) for column, values in unmapped.items() for value, n in values.items()]
    if lines:
        yield _plain(pd.DataFrame(lines, columns=["column", "written", "count"]).assign(kind="unmapped"))


def normalise(spark: Any, rows: Any, params: Params, settings: ReportConfig, today: date | None = None) -> Any:
    """The report's records of ``rows`` (from :func:`read_inputs`), normalised on the executors."""
    from pyspark.sql import functions as F

    if settings.labels == "both":
        raise ReportError(
            "The Spark engine reports one set of labels (recorded, or predicted on a scored file); the comparison "
            "of both is made on one machine: complaints report FILE --labels both."
        )
    team_column = params.data.columns.get("team", "team")
    teams = {}
    if team_column in rows.columns:
        teams = team_spellings(rows.groupBy(team_column).count().toPandas(), settings)
    text = params.data.columns.get("description", "description")
    order_file = F.coalesce(F.col("source_file"), F.col(UNIT)) if "source_file" in rows.columns else F.col(UNIT)
    order_row = F.col(SOURCE_ROW).cast("long") if SOURCE_ROW in rows.columns else F.col(ROW)
    # Rows with one text (spaces aside) meet in one partition, in file order: the first of duplicates is kept.
    key = F.regexp_replace(F.coalesce(F.col(f"`{text}`"), F.lit("")), r"^\s+|\s+$", "")
    partitions = max(int(spark.sparkContext.defaultParallelism) * 2, 2)
    arranged = rows.repartition(partitions, key).sortWithinPartitions(order_file, order_row)
    return arranged.mapInPandas(lambda batches: _normalise(batches, params, settings, teams, today), NORMALISED)


@dataclass(frozen=True)
class Counts:
    """What comes to the driver: counted groups, never a row per complaint."""

    by_year: pd.Series  # complaints per financial year
    labels: pd.DataFrame  # financial_year, team, category, outcome, n
    themes: pd.DataFrame  # financial_year, team, theme, outcome, n
    times: pd.DataFrame  # the year's responses: team, quarter, stage, working_days, within, n
    impossible: int  # the year's responses dated before the complaint arrived
    excluded: pd.DataFrame
    unmapped: dict[str, dict[str, int]]
    year: str
    compare_to: str | None

    @property
    def rows(self) -> int:
        return int(self.by_year.sum())


def count(normalised: Any, settings: ReportConfig) -> Counts:
    """The groupings every table is finished from (Spark aggregations; small results)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    normalised = normalised.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        records = normalised.filter(F.col("kind") == "record")
        labels = records.groupBy("financial_year", "team", "category", "outcome").agg(F.count(F.lit(1)).alias("n"))
        labels = labels.toPandas()
        by_year = labels.groupby("financial_year")["n"].sum()
        year, compare_to = choose_years(by_year.to_dict(), settings.year, settings.compare_to)
        themes = (
            records.withColumn("theme", F.explode(F.split(F.col("theme_ids"), THEME_JOIN)))
            .filter(F.col("theme") != "")
            .groupBy("financial_year", "team", "theme", "outcome")
            .agg(F.count(F.lit(1)).alias("n"))
            .toPandas()
        )
        in_year = records.filter(F.col("financial_year") == year)
        times = (
            in_year.filter(F.col("working_days") >= 0)
            .groupBy("team", "quarter", "stage", "working_days", "within")
            .agg(F.count(F.lit(1)).alias("n"))
            .toPandas()
        )
        impossible = in_year.filter(F.col("working_days") < 0).count()
        excluded = (
            normalised.filter(F.col("kind") == "excluded")
            .select("source_file", "source_row", "complaint_ref", "reason_code", "reason")
            .toPandas()
            .sort_values(["source_file", "source_row"], ignore_index=True)
        )
        unmapped: dict[str, dict[str, int]] = {}
        found = (
            normalised.filter(F.col("kind") == "unmapped").groupBy("column", "written").agg(F.sum("count").alias("n"))
        )
        for row in found.collect():
            unmapped.setdefault(row["column"], {})[row["written"]] = int(row["n"])
    finally:
        normalised.unpersist()
    return Counts(by_year, labels, themes, times, int(impossible), excluded, unmapped, year, compare_to)


# --- Tables finished from the counts: the pandas engine's (pipeline.report.tables, .timeliness) ---------


def _counts(frame: pd.DataFrame, key: str | list[str]) -> pd.Series:
    """Counts by ``key``, commonest first (ties by name), as value_counts gives them."""
    summed = frame.groupby(key, observed=True)["n"].sum()
    order = sorted(summed.index, key=lambda k: (-summed[k], k))
    return summed.reindex(order).astype(int)


def _category_table(counts: Counts, order: list[str]) -> pd.DataFrame:
    labels = counts.labels
    table = pd.DataFrame({"Category": order})
    for year in [counts.year, *([counts.compare_to] if counts.compare_to else [])]:
        found = _counts(labels[labels["financial_year"] == year], "category")
        table[year] = table["Category"].map(found).fillna(0).astype(int)
    total = {"Category": TOTAL, **{column: int(table[column].sum()) for column in table.columns[1:]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def _team_outcomes(year_labels: pd.DataFrame, category: str, columns: list[str]) -> pd.DataFrame:
    rows = year_labels[year_labels["category"] == category]
    crossed = rows.pivot_table(index="team", columns="outcome", values="n", aggfunc="sum", fill_value=0)
    counts = crossed.reindex(columns=columns, fill_value=0).astype(int)
    counts.insert(0, RECEIVED, crossed.sum(axis=1).astype(int))
    table = counts.rename_axis(TEAM).reset_index().rename_axis(None, axis=1)
    return table.sort_values([RECEIVED, TEAM], ascending=[False, True], ignore_index=True)


def _theme_by_team(counts: Counts, theme_names: Mapping[str, str], min_cell: int, fdr: float) -> pd.DataFrame:
    year_labels = counts.labels[counts.labels["financial_year"] == counts.year]
    pairs = counts.themes[counts.themes["financial_year"] == counts.year]
    teams, themes = _counts(year_labels, "team"), _counts(pairs, "theme")
    if themes.empty:
        typed = {
            "Complaints": int,
            "Team complaints": int,
            "Theme total": int,
            "Over-represented": bool,
            "Small cell": bool,
        }
        return pd.DataFrame(columns=THEME_TEAM_COLUMNS).astype(typed)
    crossed = pairs.pivot_table(index="team", columns="theme", values="n", aggfunc="sum", fill_value=0)
    crossed = crossed.reindex(index=teams.index, columns=themes.index, fill_value=0).astype(int)
    long = crossed.stack().rename("Complaints").reset_index().rename(columns={"team": TEAM, "theme": "theme_id"})
    long["Team complaints"] = long[TEAM].map(teams).astype(int)
    long["Theme total"] = long["theme_id"].map(themes).astype(int)
    total = int(year_labels["n"].sum())
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


def _upheld(frame: pd.DataFrame, key: str, min_cell: int) -> pd.DataFrame:
    grouped = frame.groupby(key, observed=True)["n"].sum()
    table = pd.DataFrame({"Complaints": grouped.astype(int)})
    decided = frame[frame["outcome"].isin(DECIDED)]
    table["With a finding"] = decided.groupby(key)["n"].sum().reindex(table.index, fill_value=0).astype(int)
    for outcome in (UPHELD, PARTIAL):
        chosen = decided[decided["outcome"] == outcome]
        table[outcome] = chosen.groupby(key)["n"].sum().reindex(table.index, fill_value=0).astype(int)
    found = table[UPHELD] + table[PARTIAL]
    table[UPHELD_RATE] = np.where(table["With a finding"] > 0, found / table["With a finding"], np.nan)
    table["Small cell"] = table["With a finding"] < min_cell
    return table.sort_values("Complaints", ascending=False, kind="stable").reset_index()


def _trends(counts: Counts, theme_names: Mapping[str, str], fdr: float) -> pd.DataFrame:
    year, compare_to = counts.year, str(counts.compare_to)
    parts = []
    for kind, frame, key in (("category", counts.labels, "category"), ("theme", counts.themes, "theme")):
        now = _counts(frame[frame["financial_year"] == year], key)
        before = _counts(frame[frame["financial_year"] == compare_to], key)
        part = pd.DataFrame({"Kind": kind, "label": now.index.union(before.index)})
        part["Label"] = part["label"].map(lambda t: theme_names.get(t, t)) if kind == "theme" else part["label"]
        part[compare_to] = part["label"].map(before).fillna(0).astype(int)
        part[year] = part["label"].map(now).fillna(0).astype(int)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    n_now, n_before = int(counts.by_year.get(year, 0)), int(counts.by_year.get(compare_to, 0))
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


def _yearly(frame: pd.DataFrame, key: str, up_to: str, labels: list[str], years: list[str]) -> pd.DataFrame:
    rows = frame[frame["financial_year"] <= up_to]
    table = rows.pivot_table(index=key, columns="financial_year", values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(index=labels, columns=years).rename_axis(index="label", columns="financial_year")
    return table.fillna(0).astype(int)


def _weighted_median(days: np.ndarray, weights: np.ndarray) -> float:
    """The median of ``days`` each repeated ``weights`` times (the mean of the two middle ones when even)."""
    order = np.argsort(days, kind="stable")
    days, cumulative = days[order], np.cumsum(weights[order])
    total = cumulative[-1]
    low = days[np.searchsorted(cumulative, (total + 1) // 2)]
    high = days[np.searchsorted(cumulative, total // 2 + 1)]
    return float((low + high) / 2)


def _summarise(times: pd.DataFrame, by: str | list[str], label: str | list[str]) -> pd.DataFrame:
    keys = [by] if isinstance(by, str) else by
    rows = []
    for group, part in times.groupby(keys, dropna=False, sort=True):
        n, days = part["n"].to_numpy(), part["working_days"].to_numpy(dtype=float)
        timed = part[part["within"].notna()]
        rows.append(
            {
                **dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True)),
                "Responses": int(n.sum()),
                "Mean working days": round(float((days * n).sum() / n.sum()), 1),
                "Median working days": _weighted_median(days, n),
                "Share within timescale": float((timed["within"].astype(bool) * timed["n"]).sum() / timed["n"].sum())
                if len(timed)
                else float("nan"),
            }
        )
    columns = [*keys, "Responses", "Mean working days", "Median working days", "Share within timescale"]
    table = pd.DataFrame(rows, columns=columns)
    names = [label] if isinstance(label, str) else label
    return table.rename(columns=dict(zip(keys, names, strict=True)))


@dataclass(frozen=True)
class SparkReport:
    """The report's counted tables for ``year`` (against ``compare_to``), named as the pandas engine's."""

    year: str
    compare_to: str | None
    complaints: int
    rows: int
    categories: pd.DataFrame
    team_outcomes: Mapping[str, pd.DataFrame]
    theme_team: pd.DataFrame
    upheld_by_theme: pd.DataFrame
    upheld_by_team: pd.DataFrame
    trends: pd.DataFrame | None
    yearly_categories: pd.DataFrame
    yearly_themes: pd.DataFrame
    times_by_stage: pd.DataFrame
    times_by_team: pd.DataFrame
    times_by_quarter: pd.DataFrame
    times_by_team_and_quarter: pd.DataFrame
    within_share: float
    responded: int
    impossible: int
    excluded: pd.DataFrame
    unmapped: Mapping[str, Mapping[str, int]]

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The workbook: one sheet per table (names at most 31 characters)."""
        found = {"Categories": self.categories}
        for number, (category, table) in enumerate(self.team_outcomes.items(), start=1):
            found[re.sub(r"[\[\]:*?/\\]", " ", f"Outcomes {number} {category}")[:31]] = table
        found |= {
            "Themes by team": self.theme_team,
            "Upheld by theme": self.upheld_by_theme,
            "Upheld by team": self.upheld_by_team,
            **({"Trends": self.trends} if self.trends is not None else {}),
            "Categories by year": self.yearly_categories.reset_index(),
            "Themes by year": self.yearly_themes.reset_index(),
            "Response times by stage": self.times_by_stage,
            "Response times by team": self.times_by_team,
            "Response times by quarter": self.times_by_quarter,
            "Response times team quarter": self.times_by_team_and_quarter,
            "Excluded rows": self.excluded,
        }
        return found


def tables(
    counts: Counts, config: ReportConfig, categories: list[str] | None, theme_names: Mapping[str, str]
) -> SparkReport:
    """Every counted table of the report, from the counts: the pandas engine's tables, finished alike."""
    year, compare_to = counts.year, counts.compare_to
    labels = counts.labels
    year_labels = labels[labels["financial_year"] == year]
    year_counts = _counts(year_labels, "category")
    order = category_order(year_counts, categories)
    if compare_to:
        order += [
            c for c in _counts(labels[labels["financial_year"] == compare_to], "category").index if c not in order
        ]
    present = set(year_labels["outcome"])
    outcome_columns = [o for o in OUTCOME_ORDER if o in DECIDED or o in present]
    commonest = [c for c in year_counts.index if c != NOT_RECORDED][: config.top_categories]
    year_themes = counts.themes[counts.themes["financial_year"] == year]
    by_theme = _upheld(year_themes, "theme", config.min_cell)
    by_theme.insert(0, "Theme", by_theme.pop("theme").map(lambda t: theme_names.get(t, t)))
    years = sorted(y for y in counts.by_year.index if y <= year)
    shown_themes = _counts(year_themes, "theme").index[:6].tolist()
    times = counts.times.copy()
    times["Quarter"] = year + " " + times["quarter"]
    by_team = _summarise(times, "team", "Team").sort_values(
        "Responses", ascending=False, kind="stable", ignore_index=True
    )
    timed = times[times["within"].notna()]
    return SparkReport(
        year=year,
        compare_to=compare_to,
        complaints=int(year_labels["n"].sum()),
        rows=counts.rows,
        categories=_category_table(counts, order),
        team_outcomes={c: _team_outcomes(year_labels, c, outcome_columns) for c in commonest},
        theme_team=_theme_by_team(counts, theme_names, config.min_cell, config.fdr),
        upheld_by_theme=by_theme,
        upheld_by_team=_upheld(year_labels, "team", config.min_cell).rename(columns={"team": TEAM}),
        trends=_trends(counts, theme_names, config.fdr) if compare_to else None,
        yearly_categories=_yearly(labels, "category", year, year_counts.index[:6].tolist(), years),
        yearly_themes=_yearly(counts.themes, "theme", year, shown_themes, years).rename(index=theme_names),
        times_by_stage=_summarise(times, "stage", "Stage"),
        times_by_team=by_team,
        times_by_quarter=_summarise(times, "Quarter", "Quarter"),
        times_by_team_and_quarter=_summarise(times, ["team", "Quarter"], ["Team", "Quarter"]),
        within_share=float((timed["within"].astype(bool) * timed["n"]).sum() / timed["n"].sum())
        if len(timed)
        else float("nan"),
        responded=int(times["n"].sum()),
        impossible=counts.impossible,
        excluded=counts.excluded,
        unmapped=counts.unmapped,
    )


def report_on_spark(
    spark: Any,
    inputs: Inputs,
    params: Params,
    settings: ReportConfig,
    theme_names: Mapping[str, str] | None = None,
    today: date | None = None,
) -> SparkReport:
    """Read, normalise and count ``inputs`` on Spark, and finish every counted table on the driver."""
    normalised = normalise(spark, read_inputs(spark, inputs, params), params, settings, today)
    with spark_failures("The Spark job stopped before the report's tables were counted"):
        counts = count(normalised, settings)
    return tables(counts, settings, params.labels.categories, dict(theme_names or {}))


def write_workbook(report: SparkReport, path: Any) -> Any:
    """The counted tables as one XLSX workbook (atomically)."""
    return files.write_workbook(report.sheets(), path)


def with_year(settings: ReportConfig, year: str | None, compare_to: str | None) -> ReportConfig:
    return dataclasses.replace(settings, year=year or settings.year, compare_to=compare_to or settings.compare_to)

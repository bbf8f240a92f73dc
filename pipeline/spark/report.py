"""``complaints report --engine spark``: the report's counting as Spark aggregations; only the small counted
tables come to the driver, where the pandas engine's own functions finish them.

Records are normalised on the executors by the pandas engine's own code (validation, then
:func:`pipeline.report.records.report_records`) a partition at a time. The two steps that look across
rows are made global first: a team's commonest spelling is counted over the whole input (and each row
given it before normalising), and rows that share a text land in one partition, in file order, so the
first of a set of duplicates is the one kept, as on one machine. Then four groupings are counted:
complaints by (year, team, category, outcome), by (year, team, theme, outcome), and response times
by (team, quarter, stage, working days, within timescale) for the year. Every table is finished from
those counts by the ``*_from_counts`` functions of :mod:`pipeline.report.tables` and
:mod:`pipeline.report.timeliness`, which the pandas engine finishes its own counts with (shares, lift,
Fisher's exact test, Benjamini-Hochberg, trends, working days).

Tables produced: categories by year, team by outcome for the commonest categories, themes by team
(with lift, p, q and flags), upheld rates by theme and by team, trends against the comparison year,
yearly counts of the leading categories and themes, and response times by stage, team, quarter, and
team and quarter. Not produced here: recurring issues (they read the complaints' sentences), the
per-complaint list and the page itself; the agreement of recorded and suggested labels (``--labels
both``); and the before/after comparison of response times around report.change_date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from pipeline.config import Params, ReportConfig
from pipeline.data.schema import SOURCE_ROW, spelling_key, validate
from pipeline.data.scored import split_scored
from pipeline.errors import ReportError
from pipeline.report.build import choose_years
from pipeline.report.records import NOT_RECORDED, report_records
from pipeline.report.tables import (
    category_order,
    category_table_from_counts,
    outcome_columns,
    team_outcomes_from_counts,
    theme_by_team_from_counts,
    trends_from_counts,
    upheld_rates_from_counts,
    yearly_from_counts,
)
from pipeline.report.timeliness import WITHIN, Timeliness, quarter, response_times, timeliness_from_counts
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


# --- Tables finished from the counts by the pandas engine's own functions (pipeline.report) ------------


def _counts(frame: pd.DataFrame, key: str) -> pd.Series:
    """Complaints by ``key`` from counted groups, commonest first, as value_counts gives them (ties by name:
    counted groups have no file order to break them by)."""
    summed = frame.groupby(key, observed=True)["n"].sum()
    order = sorted(summed.index, key=lambda k: (-summed[k], k))
    return summed.reindex(order).astype(int)


def _response_counts(counts: Counts) -> pd.DataFrame:
    """The year's responses counted as :func:`pipeline.report.timeliness.response_counts` counts them."""
    times = counts.times
    return pd.DataFrame(
        {
            "team": times["team"],
            "stage": times["stage"].astype("Int64"),
            "Quarter": counts.year + " " + times["quarter"],
            "working_days": times["working_days"].astype("Int64"),
            WITHIN: times["within"].astype("boolean"),
            "n": times["n"].astype("int64"),
        }
    )


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
    timeliness: Timeliness  # without the before/after comparison (see the module's docstring)
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
            "Response times by stage": self.timeliness.by_stage,
            "Response times by team": self.timeliness.by_team,
            "Response times by quarter": self.timeliness.by_quarter,
            "Response times team quarter": self.timeliness.by_team_and_quarter,
            "Excluded rows": self.excluded,
        }
        return found


def tables(
    counts: Counts, config: ReportConfig, categories: list[str] | None, theme_names: Mapping[str, str]
) -> SparkReport:
    """Every counted table of the report, finished from the counts by the pandas engine's functions."""
    year, compare_to = counts.year, counts.compare_to
    labels, themes = counts.labels, counts.themes
    year_labels, year_themes = labels[labels["financial_year"] == year], themes[themes["financial_year"] == year]
    year_counts = _counts(year_labels, "category")
    order = category_order(year_counts, categories)
    compared = None
    if compare_to:
        compared = _counts(labels[labels["financial_year"] == compare_to], "category")
        order += [c for c in compared.index if c not in order]
    outcomes = outcome_columns(year_labels)
    commonest = [c for c in year_counts.index if c != NOT_RECORDED][: config.top_categories]
    crossed = {
        c: year_labels[year_labels["category"] == c].pivot_table(
            index="team", columns="outcome", values="n", aggfunc="sum", fill_value=0
        )
        for c in commonest
    }
    complaints = int(year_labels["n"].sum())
    teams, theme_counts = _counts(year_labels, "team"), _counts(year_themes, "theme")
    by_theme, by_team = upheld_rates_from_counts(year_themes, year_labels, theme_names, config.min_cell)
    trend = None
    if compare_to:
        before_labels, before_themes = (frame[frame["financial_year"] == compare_to] for frame in (labels, themes))
        now = {"category": year_counts, "theme": theme_counts}
        before = {"category": compared, "theme": _counts(before_themes, "theme")}
        n_before = int(before_labels["n"].sum())
        trend = trends_from_counts(now, before, complaints, n_before, year, compare_to, theme_names, config.fdr)
    years = sorted(y for y in counts.by_year.index if y <= year)
    return SparkReport(
        year=year,
        compare_to=compare_to,
        complaints=complaints,
        rows=counts.rows,
        categories=category_table_from_counts(year_counts, compared, year, compare_to, order),
        team_outcomes={c: team_outcomes_from_counts(crossed[c], outcomes) for c in commonest},
        theme_team=theme_by_team_from_counts(
            year_themes, teams, theme_counts, complaints, theme_names, config.min_cell, config.fdr
        ),
        upheld_by_theme=by_theme,
        upheld_by_team=by_team,
        trends=trend,
        yearly_categories=yearly_from_counts(
            labels.rename(columns={"category": "label"}), years, year_counts.index[:6]
        ),
        yearly_themes=yearly_from_counts(
            themes.rename(columns={"theme": "label"}), years, theme_counts.index[:6]
        ).rename(index=theme_names),
        timeliness=timeliness_from_counts(_response_counts(counts), None, counts.impossible),
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

"""The report's counting on Spark gives every table the pandas engine gives, on the bundled sample and on
the Housing Ombudsman's determinations (574 landlords; skipped when ../shared/data is absent)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_params
from pipeline.data import files
from pipeline.data.schema import validate
from pipeline.report import report_records, tables
from pipeline.report.build import choose_years
from pipeline.report.records import NOT_RECORDED
from pipeline.report.timeliness import timeliness
from pipeline.spark.inputs import find_inputs
from pipeline.spark.report import report_on_spark
from tests.conftest import REPO, needs_shared

SAMPLE = REPO / "data" / "sample" / "complaints.csv"


def pandas_tables(path, params, settings, theme_names):
    """The tables as `complaints report` counts them on one machine (pipeline.report.build's calls)."""
    frame = validate(files.read_table(path), params.data, params.labels, purpose="score").frame
    records = report_records(frame, params.labels, settings, theme_separator=params.themes.separator)
    counts = records.frame["financial_year"].value_counts().to_dict()
    year, compare_to = choose_years(counts, settings.year, settings.compare_to)
    every = records.frame
    year_rows = every[every["financial_year"] == year]
    compare_rows = every[every["financial_year"] == compare_to] if compare_to else None
    order = tables.category_order(year_rows["category"].value_counts(), params.labels.categories)
    if compare_rows is not None:
        order += [c for c in compare_rows["category"].value_counts().index if c not in order]
    columns = tables.outcome_columns(year_rows)
    commonest = [c for c in year_rows["category"].value_counts().index if c != NOT_RECORDED][: settings.top_categories]
    by_theme, by_team = tables.upheld_rates(year_rows, theme_names, settings.min_cell)
    shown = year_rows["category"].value_counts().index[:6].tolist()
    themes = tables.theme_pairs(year_rows)["theme"].value_counts().index[:6].tolist()
    timed = timeliness(every, year, settings.timescales, None, "")
    return {
        "year": year,
        "complaints": len(year_rows),
        "categories": tables.category_table(year_rows, compare_rows, year, compare_to, order),
        "team_outcomes": {c: tables.team_outcomes(year_rows, c, columns) for c in commonest},
        "theme_team": tables.theme_by_team(year_rows, theme_names, settings.min_cell, settings.fdr),
        "upheld_by_theme": by_theme,
        "upheld_by_team": by_team,
        "trends": tables.trends(every, year, compare_to, theme_names, settings.fdr) if compare_to else None,
        "yearly_categories": tables.yearly_counts(every, year, shown, "category"),
        "yearly_themes": tables.yearly_counts(every, year, themes, "theme").rename(index=theme_names),
        "timeliness": timed,
        "excluded": len(records.excluded),
    }


def same_rows(ours: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
    """Equal tables; rows whose sort keys tie may come in either order (a count has no order of its own)."""
    assert list(ours.columns) == list(theirs.columns), what
    keys = [c for c in theirs.columns if theirs[c].dtype == object or pd.api.types.is_string_dtype(theirs[c])]
    keys = keys or list(theirs.columns)

    def arranged(frame):
        return frame.astype({c: str for c in keys}).sort_values(keys, ignore_index=True)

    pd.testing.assert_frame_equal(arranged(ours), arranged(theirs), check_dtype=False, obj=what)


def assert_same_report(spark_report, expected) -> None:
    assert spark_report.year == expected["year"] and spark_report.complaints == expected["complaints"]
    for name in ("categories", "theme_team", "upheld_by_theme", "upheld_by_team", "trends"):
        if expected[name] is not None:
            same_rows(getattr(spark_report, name), expected[name], name)
    timed, expected_timed = spark_report.timeliness, expected["timeliness"]
    for name in ("by_stage", "by_team", "by_quarter", "by_team_and_quarter"):
        same_rows(getattr(timed, name), getattr(expected_timed, name), f"response times {name}")
    assert spark_report.team_outcomes.keys() == expected["team_outcomes"].keys()
    for category, table in expected["team_outcomes"].items():
        same_rows(spark_report.team_outcomes[category], table, f"team outcomes: {category}")
    for name in ("yearly_categories", "yearly_themes"):
        pd.testing.assert_frame_equal(getattr(spark_report, name), expected[name], check_dtype=False, obj=name)
    assert np.isclose(timed.within_share, expected_timed.within_share, equal_nan=True)
    assert (timed.responded, timed.impossible) == (expected_timed.responded, expected_timed.impossible)
    assert len(spark_report.excluded) == expected["excluded"]


def test_every_counted_table_equals_the_pandas_engines_on_the_sample(spark, params):
    settings = dataclasses.replace(params.report, year="2013/14", compare_to="2012/13")
    taxonomy = files.read_taxonomy(REPO / "themes.yaml")
    names = {theme.id: theme.name for theme in taxonomy.themes}
    found = report_on_spark(spark, find_inputs(str(SAMPLE), params), params, settings, names)
    expected = pandas_tables(SAMPLE, params, settings, names)
    assert len(found.theme_team) and found.trends is not None and len(found.timeliness.by_team)
    assert_same_report(found, expected)


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.spark_job
def test_every_counted_table_equals_the_pandas_engines_on_the_housing_ombudsman_data(spark):
    path = needs_shared("housing-ombudsman", "complaint_findings.csv.gz")
    params = load_params(REPO / "configs" / "housing_ombudsman.yaml")
    settings = dataclasses.replace(params.report, year="2024/25")
    found = report_on_spark(spark, find_inputs(str(path), params), params, settings)
    assert found.theme_team["Team"].nunique() > 300
    assert_same_report(found, pandas_tables(path, params, settings, {}))

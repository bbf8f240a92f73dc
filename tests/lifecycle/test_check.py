"""complaints check: what train, score and report would do with an export, and what to fix first."""

import dataclasses

import pandas as pd
import pytest

from pipeline.data import files, inputs
from pipeline.lifecycle.check import check_export
from tests.conftest import REPO


@pytest.fixture(scope="module")
def sample_raw() -> pd.DataFrame:
    return files.read_table(REPO / "data" / "sample" / "complaints.csv")


@pytest.fixture(scope="module")
def taxonomy(params):
    return inputs.read_taxonomy(params.themes)


def test_the_sample_would_run_and_every_row_set_aside_is_named_with_its_reason(sample_raw, params, taxonomy):
    found = check_export(sample_raw, params, taxonomy)
    assert found.runs and found.rows_in == len(sample_raw) == found.rows_to_score
    train_set_aside = found.set_aside[found.set_aside["used_by"] == "train"]
    assert found.rows_for_training + train_set_aside["source_row"].nunique() == found.rows_in
    assert set(train_set_aside["reason_code"]) == {"duplicate", "empty_description"}
    assert found.set_aside["source_row"].between(2, len(sample_raw) + 1).all()
    assert found.labels_by_year.loc["all", "all"] == found.rows_for_training
    assert found.themes_from == "column" and sum(found.themes_learnable.values()) > 0
    assert found.report_sections["Responding in time"] == ""
    assert "report.change_date" in found.report_sections["Before and after a change"]  # not asked for


def test_unknown_category_spellings_are_a_problem_that_names_them_and_the_fix(sample_raw, params, taxonomy):
    renamed = sample_raw.assign(category="Quality of Service")
    renamed.loc[:3, "category"] = "Staff Attitude/Conduct"
    found = check_export(renamed, params, taxonomy)
    assert not found.runs
    [problem] = [finding for finding in found.findings if finding.level == "problem"]
    assert "'Quality of Service'" in problem.message and "labels.aliases" in problem.message
    assert "complaints init" in problem.message
    assert any("Quality of Service" in finding.message for finding in found.findings if finding.level == "warning")


def test_no_theme_labels_names_the_patterns_route(sample_raw, params, taxonomy):
    found = check_export(sample_raw.assign(themes=""), params, taxonomy)
    [problem] = [finding for finding in found.findings if finding.level == "problem"]
    assert problem.topic == "themes" and "themes.labels: patterns" in problem.message
    patterns = dataclasses.replace(params, themes=dataclasses.replace(params.themes, labels="patterns"))
    found = check_export(sample_raw.head(120).assign(themes=""), patterns, taxonomy)
    assert found.themes_from == "patterns" and found.runs


def test_report_sections_the_data_cannot_fill_say_why(sample_raw, params, taxonomy):
    columns = {k: v for k, v in params.data.columns.items() if k != "date_responded"}
    no_responses = dataclasses.replace(params, data=dataclasses.replace(params.data, columns=columns))
    found = check_export(sample_raw.drop(columns="date_responded"), no_responses, taxonomy)
    assert found.runs
    assert found.report_sections["Responding in time"] == "no date_responded column in data.columns"
    one_year = sample_raw[sample_raw["financial_year"] == "2013/14"]
    found = check_export(one_year, params, taxonomy)
    assert found.report_sections["Compared with the year before"] == "the file holds one financial year (2013/14)"


def test_a_missing_text_column_is_a_problem_not_a_crash(sample_raw, params, taxonomy):
    found = check_export(sample_raw.drop(columns="description"), params, taxonomy)
    assert not found.runs and found.rows_for_training == 0
    assert any("description" in finding.message for finding in found.findings if finding.level == "problem")


def test_a_config_that_shows_the_models_labels_is_checked_without_a_model(sample_raw, params, taxonomy):
    both = dataclasses.replace(params, report=dataclasses.replace(params.report, labels="both"))
    found = check_export(sample_raw.assign(themes=""), both, taxonomy)
    assert found.report_sections["Themes"] == ""  # the trained model's themes will be shown

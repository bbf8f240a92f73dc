import dataclasses

import pandas as pd
import pytest

from pipeline.config import ConfigError
from pipeline.data import files
from pipeline.data.schema import validate
from pipeline.report import ReportError, build_report, render, report_records
from pipeline.report.build import (
    Suggestions,
    build_report_from_records,
    check_published,
    choose_years,
    report_settings,
)
from tests.conftest import REPO, complaint_records

PUBLISHED = {
    "year": "2013/14",
    "categories": {"Other": 6},
    "total": 6,
    "team_outcomes": {"Other": {"Fostering": [6, 0, 0, 6, 0]}},
}


def _records(rows, params, labels="recorded", predictions=None):
    settings = dataclasses.replace(params.report, labels=labels)
    return report_records(complaint_records(rows, params), params.labels, settings, predictions=predictions)


def test_years_default_to_the_latest_and_the_one_before_and_are_checked():
    years = {"2012/13": 40, "2013/14": 50}
    assert choose_years(years, None, None) == ("2013/14", "2012/13")
    assert choose_years(years, "2012-13", None) == ("2012/13", None)
    assert choose_years(years, "2013/14", "none") == ("2013/14", None)
    with pytest.raises(ReportError, match="earlier year"):
        choose_years(years, "2012/13", "2013/14")
    with pytest.raises(ReportError, match="no complaints in 2019/20; it has 2012/13, 2013/14"):
        choose_years(years, "2019/20", None)


def test_a_year_without_themes_or_response_dates_still_makes_a_report(params):
    rows = [{"category": "Other", "team": f"Team {n % 2}", "outcome": "Not Upheld"} for n in range(8)]
    built = build_report(_records(rows, params), dataclasses.replace(params.report, change_date=None), params.labels)
    assert built.theme_team.empty and built.issues.empty and built.timeliness.responded == 0
    page = render.html(built)
    assert "cannot be measured" in page and "No themes in this year" in page
    assert set(render.sheets(built)) >= {"Categories", "Themes by team", "Notes"}


def test_the_published_tables_are_reconciled_for_recorded_labels_only(params):
    rows = [{"category": "Other", "team": "Fostering"}] * 6
    records = _records(rows, params)
    notes = build_report(records, params.report, params.labels, published=PUBLISHED).notes
    assert any("Every one of the 3 figures and rows" in note for note in notes)
    predictions = pd.DataFrame(
        {"predicted_category": ["Other"] * 6, "probability": [0.9] * 6, "needs_review": [False] * 6}
    )
    predicted = _records(rows, params, "predicted", predictions)
    notes = build_report(predicted, params.report, params.labels, published=PUBLISHED).notes
    assert not any("figures and rows" in note for note in notes)


@pytest.mark.parametrize(
    ("published", "message"),
    [
        ({"year": "2013/14", "categories": ["Other"]}, "must be mappings"),
        ({"year": "2013/14", "categories": {"Other": "six"}}, "categories: Other is 'six'"),
        ({"year": "2013/14", "team_outcomes": {"Other": {"Fostering": [6, 0]}}}, "must list 5 figures"),
    ],
)
def test_malformed_published_tables_say_what_is_wrong(published, message):
    with pytest.raises(ReportError, match=message):
        check_published(published)


def test_new_labels_reach_the_headlines_only_from_enough_complaints(params):
    before = [{"date_received": "2012-06-01", "category": "Other"}] * 10
    now = [{"category": "Other"}] * 10 + [{"category": "About Policy"}] * 2 + [{"category": "Not to Standard"}] * 6
    built = build_report(_records(before + now, params), params.report, params.labels)
    trend = built.trends.set_index(["Kind", "Label"])
    assert trend.loc[("category", "About Policy"), "Verdict"] == "new"  # a fact in the table...
    headline = " ".join(built.headlines)
    assert "New since 2012/13: Not to Standard (6 complaints)." in headline and "About Policy (2 compl" not in headline


def test_the_page_lists_excluded_rows_by_number_without_references(params):
    rows = [{"complaint_ref": "CSC-123456", "date_received": None}] + [{"team": "Fostering"}] * 6
    page = render.html(build_report(_records(rows, params), params.report, params.labels))
    assert "CSC-123456" not in page and "no financial year" in page


def test_two_themes_with_the_same_name_keep_their_own_heat_map_rows(params):
    rows = [{"themes": "delay"}] * 6 + [{"themes": "late"}] * 6
    built = build_report(
        _records(rows, params), params.report, params.labels, theme_names={"delay": "Delay", "late": "Delay"}
    )
    assert render.html(built).count(">Delay<title>") == 2


def test_a_report_of_validated_records_names_the_themes_and_shows_the_suggestions(params):
    rows = [{"themes": "staff_conduct", "team": "Fostering"}] * 6 + [{"themes": "delay"}] * 6
    frame = complaint_records(rows, params)
    taxonomy = files.read_taxonomy(REPO / "themes.yaml")
    built = build_report_from_records(frame, params, params.report, Suggestions(), taxonomy, PUBLISHED)
    expected = build_report(
        report_records(frame, params.labels, params.report),
        params.report,
        params.labels,
        theme_names={"staff_conduct": "Staff conduct and attitude", "delay": "Delay"},
        published=PUBLISHED,
    )
    assert built.headlines == expected.headlines and built.notes == expected.notes
    assert set(built.yearly_themes.index) == {"Staff conduct and attitude", "Delay"}
    assert set(
        build_report_from_records(frame, params, params.report, Suggestions(), None, None).yearly_themes.index
    ) == {
        "staff_conduct",
        "delay",
    }
    predictions = pd.DataFrame(
        {"predicted_category": ["Other"] * 12, "probability": [0.9] * 12, "needs_review": [False] * 12}
    )
    predicted = dataclasses.replace(params.report, labels="predicted")
    suggestions = Suggestions(predictions, ["complaints-category v7"], 0.6)
    built = build_report_from_records(frame, params, predicted, suggestions, None, None)
    assert built.label_source == "predicted" and "Model: complaints-category v7." in built.notes
    assert any("need review (confidence under 0.60" in note for note in built.notes)
    assert built.categories.set_index("Category").at["Other", "2013/14"] == 12


def test_every_value_the_report_cannot_map_is_named_in_its_notes_and_warnings(params):
    rows = [{"stage": "Informal", "outcome": "Escalated", "date_responded": "next Tuesday"}] * 3
    rows += [{"category": "Weather", "team": "Fostering"}] * 2 + [{"team": "Fostering"}] * 6
    raw = pd.DataFrame(
        [
            {"complaint_ref": f"R{n}", "description": f"Complaint {n}", "date_received": "2013-06-03", **row}
            for n, row in enumerate(rows)
        ]
    ).astype("string")
    validated = validate(raw, params.data, params.labels, purpose="score")
    built = build_report_from_records(
        validated.frame, params, params.report, Suggestions(), None, None, validated.unmapped
    )
    expected = {
        "stage": "'Informal' (3)",
        "outcome": "'Escalated' (3)",
        "date_responded": "'next Tuesday' (3)",
        "category": "'Weather' (2)",
        "team": "'(empty)' (3)",
    }
    for column, spelling in expected.items():
        [line] = [line for line in built.warnings if f"a {column} that is not recognised" in line]
        assert spelling in line and line in built.notes


def test_a_stray_row_in_a_later_year_does_not_become_the_year_reported(params):
    assert choose_years({"2012/13": 40, "2013/14": 50, "2019/20": 1}, None, None) == ("2013/14", "2012/13")
    rows = [{"date_received": "2013-06-03"}] * 8 + [{"date_received": "2012-06-03"}] * 8
    rows += [{"date_received": "2019-06-03"}]
    built = build_report(_records(rows, params), params.report, params.labels)
    assert built.year == "2013/14" and built.complaints == 8
    assert any("2019/20: 1" in note and "--year" in note for note in built.notes)


def test_team_names_differing_only_in_case_or_spacing_are_one_team(params):
    rows = [{"team": "Looked After Children"}] * 3 + [{"team": "looked after  children"}] + [{"team": "Fostering"}]
    records = _records(rows, params)
    assert records.frame["team"].value_counts().to_dict() == {"Looked After Children": 4, "Fostering": 1}


def test_the_audience_is_chosen_on_the_command_line_or_in_the_params(params):
    assert params.report.audience == "public"
    assert report_settings(params.report, None, None, None, False).audience == "public"
    assert report_settings(params.report, None, None, None, False, "internal").audience == "internal"
    with pytest.raises(ConfigError, match="--audience is 'everyone'"):
        report_settings(params.report, None, None, None, False, "everyone")


def test_a_published_headline_never_quotes_a_small_count(params):
    rows = [{"category": "Other"}] * 6 + [{"category": "About Policy"}] * 2
    public = build_report(_records(rows, params), params.report, params.labels)
    assert "Commonest categories: Other (6)." in public.headlines
    internal = dataclasses.replace(params.report, audience="internal")
    built = build_report(_records(rows, params), internal, params.labels)
    assert "Commonest categories: Other (6), About Policy (2)." in built.headlines

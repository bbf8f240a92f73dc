import numpy as np
import pandas as pd
import pytest

from pipeline.report import tables
from pipeline.report.records import NO_PREDICTION, report_records
from tests.conftest import complaint_records


def _records(rows, params):
    return report_records(complaint_records(rows, params), params.labels, params.report).frame


def test_category_table_counts_both_years_in_the_national_order(params):
    rows = [{"category": "Not to Standard"}] * 2 + [{"category": "Other", "date_received": "2012-06-01"}]
    frame = _records(rows, params)
    now, before = frame[frame["financial_year"] == "2013/14"], frame[frame["financial_year"] == "2012/13"]
    order = tables.category_order(now["category"].value_counts(), params.labels.categories)
    table = tables.category_table(now, before, "2013/14", "2012/13", order).set_index("Category")
    assert table.index[0] == "About Legislation" and table.index[-1] == "Total"
    assert table.loc["Not to Standard"].tolist() == [2, 0]
    assert table.loc["Other"].tolist() == [0, 1]
    assert table.loc["Total"].tolist() == [2, 1]


def test_team_outcomes_count_each_outcome_and_show_withdrawn_only_when_present(params):
    rows = [
        {"team": "Fostering", "outcome": "Upheld"},
        {"team": "Fostering", "outcome": "Partially Upheld"},
        {"team": "Fostering", "outcome": "Withdrawn"},
        {"team": "Adoption", "outcome": "No Finding"},
        {"team": "Adoption", "category": "Other", "outcome": "Upheld"},
    ]
    frame = _records(rows, params)
    table = tables.team_outcomes(frame, "Delay/Failed Service", tables.outcome_columns(frame)).set_index("Team")
    assert list(table.columns) == [
        tables.RECEIVED,
        "Upheld",
        "Partially Upheld",
        "Not Upheld",
        "No Finding",
        "Withdrawn",
    ]
    assert table.loc["Fostering"].tolist() == [3, 1, 1, 0, 0, 1]
    assert table.loc["Adoption"].tolist() == [1, 0, 0, 0, 1, 0]
    assert "Withdrawn" not in tables.outcome_columns(frame[frame["outcome"] != "Withdrawn"])
    # Received counts every complaint, even one whose outcome has no column of its own.
    shown = tables.team_outcomes(frame, "Delay/Failed Service", ["Upheld"]).set_index("Team")
    assert shown.loc["Fostering", tables.RECEIVED] == 3


def test_theme_by_team_flags_a_planted_over_representation_and_marks_small_cells(params):
    rows = [{"team": "Looked After Children", "themes": "contact_arrangements;delay"}] * 12
    rows += [{"team": "Family Support", "themes": "delay"}] * 12 + [{"team": "Fostering", "themes": "delay"}] * 12
    rows += [{"team": "Fostering", "themes": "contact_arrangements"}] * 1
    cells = tables.theme_by_team(_records(rows, params), {"delay": "Delay"}, min_cell=5, fdr=0.05)
    cell = cells.set_index(["Team", "theme_id"])
    planted = cell.loc[("Looked After Children", "contact_arrangements")]
    assert planted["Complaints"] == 12 and planted["Share"] == 1.0 and bool(planted["Over-represented"])
    assert planted["Lift"] == pytest.approx(1.0 / (1 / 25))
    assert bool(cell.loc[("Fostering", "contact_arrangements"), "Small cell"])
    assert not cell.xs("delay", level="theme_id")["Over-represented"].any()
    assert set(cells["Theme"]) == {"Delay", "contact_arrangements"}  # unnamed ids shown as they are


def test_upheld_rates_leave_out_withdrawn_and_open_complaints(params):
    rows = [
        {"team": "Fostering", "themes": "delay", "outcome": "Upheld"},
        {"team": "Fostering", "themes": "delay", "outcome": "Not Upheld"},
        {"team": "Fostering", "themes": "delay", "outcome": "Withdrawn"},
        {"team": "Fostering", "themes": "delay", "outcome": None},
    ]
    by_theme, by_team = tables.upheld_rates(_records(rows, params), {}, min_cell=5)
    row = by_theme.iloc[0]
    assert (row["Complaints"], row["With a finding"], row["Upheld or partially upheld"]) == (4, 2, 0.5)
    assert bool(row["Small cell"]) and by_team.iloc[0]["With a finding"] == 2


def test_collapsing_teams_sums_counts_and_recomputes_the_rate():
    table = pd.DataFrame(
        {
            "Team": ["A", "B", "C", "D"],
            "Complaints": [10, 6, 4, 2],
            "With a finding": [10, 6, 4, 2],
            "Upheld": [5, 3, 1, 0],
            "Partially Upheld": [0, 0, 1, 0],
            "Upheld or partially upheld": [0.5, 0.5, 0.5, 0.0],
            "Small cell": [False, False, True, True],
        }
    )
    collapsed = tables.collapse(table, "Team", 2, min_cell=5)
    other = collapsed.iloc[-1]
    assert other["Team"] == "Other 2 teams" and other["Complaints"] == 6
    assert other["Upheld or partially upheld"] == pytest.approx(2 / 6) and not other["Small cell"]
    assert tables.collapse(table, "Team", 3).equals(table)  # one team left over is shown, not collapsed


def test_trends_call_new_and_rising_only_beyond_chance(params):
    before = [{"date_received": "2012-06-01", "category": "Other", "themes": "delay"}] * 40
    before += [{"date_received": "2012-06-01", "category": "Not to Standard"}] * 40
    now = [{"category": "Other", "themes": "delay"}] * 70 + [{"category": "Not to Standard"}] * 10
    now += [{"category": "About Policy", "themes": "financial_support"}] * 1
    frame = _records([dict(r, description=f"text {n}") for n, r in enumerate(before + now)], params)
    trend = tables.trends(frame, "2013/14", "2012/13", {}, fdr=0.05).set_index(["Kind", "Label"])
    assert trend.loc[("category", "Other"), "Verdict"] == "rising"
    assert trend.loc[("category", "Not to Standard"), "Verdict"] == "falling"
    assert trend.loc[("category", "About Policy"), "Verdict"] == "new"
    assert trend.loc[("theme", "delay"), "Change (points)"] == pytest.approx(100 * (70 / 81 - 40 / 80))
    yearly = tables.yearly_counts(frame, "2013/14", ["Other"], "category")
    assert yearly.loc["Other"].tolist() == [40, 70]


def test_agreement_counts_where_recorded_and_suggested_labels_differ(params):
    frame = _records([{"category": "Other"}, {"category": "Other"}, {"category": "Not to Standard"}], params)
    frame = frame.assign(
        predicted_category=["Other", "Not to Standard", "Not to Standard"],
        predicted_themes=[("delay",), (), ()],
        recorded_themes=[("delay",), ("delay",), ()],
    )
    found = tables.agreement(frame, {})
    row = found.by_category.set_index("Category").loc["Other"]
    assert (row["Recorded"], row["Predicted"], row["Agree"], row["Agreement"]) == (2, 1, 1, 0.5)
    assert found.swaps.iloc[0].tolist() == ["Other", "Not to Standard", 1]
    assert found.themes.iloc[0].tolist() == ["delay", 2, 1, 1]
    assert found.rate == pytest.approx(2 / 3)


def test_agreement_leaves_out_complaints_without_a_suggestion_or_a_recorded_label(params):
    frame = _records([{"category": "Other"}, {"category": "Other"}, {"category": None}], params)
    frame = frame.assign(
        predicted_category=["Other", NO_PREDICTION, "Other"],
        predicted_themes=[(), (), ()],
        recorded_themes=[(), (), ()],
    )
    found = tables.agreement(frame, {})
    assert found.rate == 1.0 and found.by_category["Recorded"].sum() == 1
    assert np.isnan(tables.agreement(frame.iloc[1:2], {}).rate)

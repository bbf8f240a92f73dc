"""The 2013/14 report of the bundled sample reproduces the seed report's tables (shared/domain.md).

The figures below are the published ones, typed from the seed; the assertions read the report's
own tables, so a change to the sample, the normalisation or the tables that breaks them fails here.
"""

import pytest

from pipeline.report.tables import RECEIVED, TEAM, TOTAL
from tests.conftest import SEED_TABLE_1

pytestmark = pytest.mark.slow

SEED_TABLE_2 = {  # received, upheld, partially upheld, not upheld, no finding
    "Looked After Children": [14, 6, 4, 3, 1],
    "Family Support": [11, 3, 4, 4, 0],
    "Referral & Assessment": [7, 3, 3, 1, 0],
}
SEED_TABLE_3 = {
    "Looked After Children": [2, 2, 0, 1, 0],  # as published: 2 received, outcomes adding to 3
    "Family Support": [25, 5, 9, 11, 0],
    "Referral & Assessment": [4, 1, 1, 1, 1],
}
COLUMNS = [RECEIVED, "Upheld", "Partially Upheld", "Not Upheld", "No Finding"]


def test_table_1_is_reproduced_exactly(sample_report):
    table = sample_report.categories.set_index("Category")["2013/14"]
    assert {category: int(table[category]) for category in SEED_TABLE_1} == SEED_TABLE_1
    assert table[TOTAL] == 116 == sample_report.complaints


def test_table_2_delay_by_team_is_reproduced_exactly(sample_report):
    table = sample_report.team_outcomes["Delay/Failed Service"].set_index(TEAM)[COLUMNS]
    assert {team: table.loc[team].tolist() for team in SEED_TABLE_2} == SEED_TABLE_2
    assert table[RECEIVED].sum() - sum(row[0] for row in SEED_TABLE_2.values()) == 15  # "the other 15"


def test_table_3_staff_attitude_matches_except_the_noted_inconsistency(sample_report):
    table = sample_report.team_outcomes["Staff Attitude/Conduct"].set_index(TEAM)[COLUMNS]
    assert table.loc["Family Support"].tolist() == SEED_TABLE_3["Family Support"]
    assert table.loc["Referral & Assessment"].tolist() == SEED_TABLE_3["Referral & Assessment"]
    published = SEED_TABLE_3["Looked After Children"]
    assert table.loc["Looked After Children"].tolist() == [sum(published[1:]), *published[1:]]  # 3, not 2
    note = " ".join(sample_report.notes)
    assert "Looked After Children is given 2 complaints received, but its outcome columns add up to 3" in note
    assert "16 of its 17 figures and rows match" in note  # 10 categories, the total, 6 team rows


def test_not_to_standard_none_upheld_four_partially(sample_report):
    table = sample_report.team_outcomes["Not to Standard"]
    assert table[RECEIVED].sum() == 14 and table["Upheld"].sum() == 0 and table["Partially Upheld"].sum() == 4


def test_response_times_before_and_after_the_workshop(sample_report):
    change = sample_report.timeliness.change
    assert round(change.before_mean) == 20 and round(change.after_mean) == 17
    assert change.p_value < 0.05


def test_the_seeds_recurring_issues_surface(sample_report):
    issues = sample_report.issues
    looked_after = issues[issues["Team"] == "Looked After Children"]
    text = " ".join(looked_after["Issue"]).lower() + " " + " ".join(looked_after["Example 1"]).lower()
    assert "transport to contact" in text


def test_theme_over_representation_finds_the_teams_recurring_themes(sample_report):
    flagged = sample_report.theme_team[sample_report.theme_team["Over-represented"]]
    pairs = set(zip(flagged["Team"], flagged["theme_id"], strict=True))
    assert ("Looked After Children", "contact_arrangements") in pairs
    assert ("Family Support", "staff_conduct") in pairs

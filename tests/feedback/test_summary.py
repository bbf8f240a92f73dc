"""Live accuracy from small hand-made decision frames: rates, the confident promise, corrections, themes."""

from __future__ import annotations

import pandas as pd

from pipeline.feedback.summary import html, summarise, wilson_interval
from pipeline.report.render import sheet_formats


def decisions(rows: list[dict]) -> pd.DataFrame:
    """Decisions as the store returns them; each row gives what it cares about."""
    defaults = {
        "recorded_at": pd.Timestamp("2025-06-02 10:00", tz="UTC"),
        "team": "Family Support",
        "model_version": "complaints-category v3",
        "suggested_category": "Delay/Failed Service",
        "chosen_category": "Delay/Failed Service",
        "needs_review": False,
        "suggested_themes": [],
        "chosen_themes": [],
    }
    frame = pd.DataFrame([defaults | row for row in rows])
    frame["accepted"] = frame["suggested_category"] == frame["chosen_category"]
    return frame


def test_rates_per_week_category_team_and_model_count_each_decision_once():
    frame = decisions(
        [{}, {"chosen_category": "Other"}, {"recorded_at": pd.Timestamp("2025-06-10", tz="UTC"), "team": "Fostering"}]
    )
    found = summarise(frame, 0.9)
    assert (found.decisions, found.accepted) == (3, 2)
    assert found.weeks["Decisions"].tolist() == [2, 1] and str(found.weeks["Week starting"][0]) == "2025-06-02"
    assert found.by_team.set_index("Team")["Accepted"].to_dict() == {"Family Support": 1, "Fostering": 1}
    assert found.corrections.to_dict("records") == [
        {"Suggested": "Delay/Failed Service", "Officer chose": "Other", "Times": 1}
    ]


def test_a_broken_promise_is_warned_only_beyond_chance():
    kept = [{}] * 70 + [{"chosen_category": "Other"}] * 30  # 70% right, far under 90%
    assert summarise(decisions(kept), 0.9).warnings
    close = [{}] * 34 + [{"chosen_category": "Other"}] * 6  # 85% of 40: within chance of 90%
    found = summarise(decisions(close), 0.9)
    assert not found.warnings and found.confident["Verdict"][0] == "Below the target, within chance"
    flagged = summarise(decisions([{"needs_review": True, "chosen_category": "Other"}] * 50), 0.9)
    assert flagged.confident.empty and not flagged.warnings  # flagged suggestions promise nothing


def test_the_wilson_interval_holds_the_share_and_narrows_with_more_decisions():
    low, high = wilson_interval(9, 10)
    assert low < 0.9 < high
    wide, narrow = wilson_interval(90, 100), wilson_interval(900, 1000)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert wilson_interval(0, 0) != wilson_interval(0, 0)  # nan: no decisions, no interval


def test_theme_precision_and_recall_compare_suggested_with_ticked():
    suggested = ["delay", "contact"]
    frame = decisions(
        [
            {"suggested_themes": suggested, "chosen_themes": ["delay"]},
            {"suggested_themes": suggested, "chosen_themes": ["delay", "staff"]},
        ]
    )
    themes = summarise(frame, 0.9, {"delay": "Delay"}).themes.set_index("Theme")
    assert themes.loc["Delay", ["Precision", "Recall"]].tolist() == [1.0, 1.0]
    assert themes.loc["contact", "Precision"] == 0.0 and themes.loc["staff", "Recall"] == 0.0


def test_teams_typed_freely_are_redacted_and_the_page_is_marked_internal():
    found = summarise(decisions([{"team": "ask jo.bloggs@example.com"}]), 0.9)
    assert "example.com" not in found.by_team["Team"][0]
    page = html(found)
    assert "do not publish" in page and "example.com" not in page


def test_no_decisions_gives_an_empty_summary_not_an_error():
    empty = decisions([{}]).iloc[0:0]
    found = summarise(empty, 0.9)
    assert found.decisions == 0 and found.headline() == "No decisions recorded yet." and "<table>" in html(found)


def test_a_handful_of_decisions_is_shown_but_too_few_to_judge_the_promise():
    few = decisions([{"chosen_category": "Other"}] * 2)  # 0 of 2 kept: would be "broken beyond chance"
    found = summarise(few, 0.9)
    assert not found.warnings
    assert found.confident["Verdict"][0] == "Too few decisions to judge (2 of at least 30)"
    assert found.confident["Kept"][0] == 0 and "too few decisions to judge (2 of at least 30)" in found.notes[0]
    assert "too few decisions to judge" in html(found) and "Warning:" not in html(found)
    assert summarise(few, 0.9, min_decisions=2).warnings  # feedback.min_decisions sets the line


def test_shares_are_whole_percentages_on_the_page_and_percent_formatted_in_the_workbook():
    frame = decisions([{}] * 110 + [{"chosen_category": "Other"}] * 6)  # 110 of 116 kept: 94.8%
    found = summarise(frame, 0.9)
    page = html(found)
    assert '<td class="num">95%</td>' in page and '<td class="num">90%</td>' in page  # kept against promised
    assert '<td class="num">0.9</td>' not in page
    formats = found.formats()
    assert formats == sheet_formats(found.sheets())
    for sheet, column in [
        ("Confident suggestions", "Accuracy"),
        ("Confident suggestions", "Promised"),
        ("Overall", "Acceptance"),
        ("Per team", "Acceptance"),
        ("Themes", "Recall"),
    ]:
        assert formats[sheet][column] == "0%"
    assert "Kept" not in formats["Confident suggestions"]  # counts stay counts


def test_an_empty_period_says_how_many_decisions_came_before_it():
    empty = decisions([{}]).iloc[0:0]
    found = summarise(empty, 0.9, since="2027-01-01", total=212)
    assert found.headline() == "No decisions recorded since 1 January 2027 (212 recorded before it)."
    assert summarise(empty, 0.9, since="2027-01-01").headline() == "No decisions recorded since 1 January 2027."
    assert summarise(empty, 0.9, since="2027-01-01", total=0).headline() == "No decisions recorded yet."
    assert "Decisions since" not in html(found)

"""complaints init's proposal: columns by name and content, every spelling placed or named, dates read."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import load_params
from pipeline.data.proposal import propose_config
from tests.conftest import raw_frame

TEXT = "My social worker has not returned my calls for three weeks and nobody tells me why."


@pytest.fixture
def export() -> pd.DataFrame:
    """Six complaints as another council's system writes them (its names, spellings and day-first dates)."""
    return raw_frame(
        [
            {
                "Case Ref": f"AB{i:03d}",
                "Logged": logged,
                "Service Area": team,
                "Notes": f"{TEXT} ({i})",
                "Category": category,
                "Stage": stage,
                "Outcome": outcome,
                "Ward": "Ward 3",
            }
            for i, (logged, team, category, stage, outcome) in enumerate(
                [
                    (
                        "03/04/2019",
                        "Assessment Team",
                        "Quality of Service",
                        "Stage 1 - Local Resolution",
                        "Partly Upheld",
                    ),
                    ("25/05/2019", "assessment  team", "Staff Attitude", "Stage 2 - Investigation", "Not upheld"),
                    ("01/06/2019", "Fostering", "Delay/Failed Service", "Stage 1 - Local Resolution", "Upheld"),
                    ("14/07/2020", "Fostering", "Weather", "Informal", "Escalated"),
                    ("02/02/2020", "Assessment Team", "Not to Standard", "1", "Withdrawn"),
                    ("11/11/2020", "Fostering", "NOT TO STANDARD", "1", "Upheld"),
                ]
            )
        ]
    )


@pytest.fixture
def proposal(export, params):
    return propose_config(export, params, "export.csv")


def test_columns_are_matched_by_name_and_by_content(proposal):
    assert proposal.mapping() == {
        "complaint_ref": "Case Ref",
        "date_received": "Logged",
        "stage": "Stage",
        "team": "Service Area",
        "description": "Notes",  # no name hint: the long free text
        "category": "Category",
        "outcome": "Outcome",
    }
    assert proposal.unused == ("Ward",)
    by_ours = {match.ours: match for match in proposal.columns}
    assert "longest text" in by_ours["description"].basis
    assert by_ours["category"].examples[:2] == ("Quality of Service", "Staff Attitude")


def test_a_short_column_is_never_the_complaint_text_whatever_its_name(params):
    frame = raw_frame([{"Description": "Fostering", "Complaint details": f"{TEXT} {i}"} for i in range(4)])
    assert propose_config(frame, params, "x.csv").mapping()["description"] == "Complaint details"


def _proposed(proposal, column: str) -> dict[str, str | None]:
    return {value.spelling: value.proposed for value in proposal.values if value.column == column}


def test_every_category_spelling_is_placed_with_its_reason_or_named_as_unmatched(proposal):
    assert _proposed(proposal, "category") == {
        "Quality of Service": "Not to Standard",  # keyword
        "Staff Attitude": "Staff Attitude/Conduct",  # an alias in the defaults
        "Delay/Failed Service": "Delay/Failed Service",
        "Weather": None,
        "Not to Standard": "Not to Standard",  # with "NOT TO STANDARD": spellings differing in case are one
    }
    [standard] = [
        value for value in proposal.values if value.proposed == "Not to Standard" and value.basis != "keyword 'quality'"
    ]
    assert standard.count == 2
    assert [(value.spelling, value.count) for value in proposal.unmatched()] == [
        ("Weather", 1),
        ("Escalated", 1),
        ("Informal", 1),
    ]


def test_outcomes_and_stages_are_read_from_council_wordings(proposal):
    assert _proposed(proposal, "outcome") == {
        "Upheld": "Upheld",
        "Partly Upheld": "Partially Upheld",
        "Not upheld": "Not Upheld",
        "Escalated": None,
        "Withdrawn": "Withdrawn",
    }
    assert _proposed(proposal, "stage") == {
        "Stage 1 - Local Resolution": "1",
        "1": "1",
        "Stage 2 - Investigation": "2",
        "Informal": None,
    }


def test_day_first_dates_are_recognised_from_a_day_over_twelve(proposal, export, params):
    assert proposal.date_dayfirst and "25/05/2019" in proposal.date_basis
    assert proposal.years == {"2019/20": 4, "2020/21": 2}
    assert proposal.split == "time"
    month_first = export.assign(
        Logged=["04/03/2019", "05/25/2019", "06/01/2019", "07/14/2020", "02/02/2020", "11/11/2020"]
    )
    found = propose_config(month_first, params, "us.csv")
    assert not found.date_dayfirst and "05/25/2019" in found.date_basis


def test_an_export_without_dates_or_themes_gets_a_random_holdout_and_pattern_themes(export, params):
    found = propose_config(export.drop(columns="Logged"), params, "x.csv")
    assert found.split == "stratified" and found.years == {}
    assert found.themes_from == "patterns"


def test_team_spellings_that_differ_only_in_case_and_spaces_are_one_team(proposal):
    assert dict(proposal.team_aliases) == {"assessment  team": "Assessment Team"}


def test_the_config_written_reads_back_as_the_proposal_and_names_what_it_could_not_place(proposal, tmp_path: Path):
    text = proposal.config_text(date(2026, 12, 3), "themes.yaml")
    assert "# 'Weather': ?" in text and "# 'Escalated': ?" in text and "# 'Informal': ?" in text
    assert "change_date: 2024" not in text.replace("# change_date: 2024", "")  # only ever a commented example
    (tmp_path / "council.yaml").write_text(text, encoding="utf-8")
    council = load_params(tmp_path / "council.yaml")
    assert dict(council.data.columns) == proposal.mapping()
    assert council.data.date_dayfirst and council.prepare.split == "time"
    assert council.labels.aliases["Quality of Service"] == "Not to Standard"
    assert council.data.stage_aliases["Stage 1 - Local Resolution"] == 1
    assert council.themes.labels == "patterns" and council.report.labels == "both"
    assert council.themes.taxonomy_file == "themes.yaml"
    assert council.report.team_aliases["assessment  team"] == "Assessment Team"
    assert council.report.change_date is None and council.report.published_file is None


def test_spellings_holding_quotes_colons_and_hashes_survive_the_config(export, params, tmp_path: Path):
    odd = export.assign(Category=["Service: quality #1", "It's rude"] * 3)
    text = propose_config(odd, params, "odd.csv").config_text(date(2026, 12, 3))
    (tmp_path / "odd.yaml").write_text(text, encoding="utf-8")
    aliases = load_params(tmp_path / "odd.yaml").labels.aliases
    assert aliases["Service: quality #1"] == "Not to Standard"


def test_a_category_column_under_another_name_is_found_or_left_for_the_analyst(export, params):
    assert (
        propose_config(export.rename(columns={"Category": "Complaint Reason"}), params, "x.csv").mapping()["category"]
        == "Complaint Reason"
    )
    own_words = export.assign(Category=["Rude staff", "Too slow", "Lost paperwork"] * 2)
    found = propose_config(own_words.rename(columns={"Category": "Classification"}), params, "x.csv")
    assert "category" not in found.mapping()
    assert found.missing() == {"category": "'Classification', 'Ward'"}
    text = found.config_text(date(2026, 12, 3))
    assert "    # category: ?   # the recorded category (needed to train): not found" in text


def test_common_council_wordings_are_placed_and_iso_dates_need_no_day_first_guess(export, params):
    worded = export.assign(
        Category=["Service stopped or changed"] * 6,
        Outcome=["No case to answer"] * 6,
        Logged=["2019-04-03", "2019-05-25", "2019-06-01", "2020-07-14", "2020-02-02", "2020-11-11"],
    )
    found = propose_config(worded, params, "x.csv")
    assert _proposed(found, "category") == {"Service stopped or changed": "Denial/Withdrawal/Change Service"}
    assert _proposed(found, "outcome") == {"No case to answer": "Not Upheld"}
    assert "year first" in found.date_basis

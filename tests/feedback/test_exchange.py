"""Decisions in and out in bulk, on small in-memory frames: the join to scored output, and the export."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from pipeline.errors import DataContractError
from pipeline.feedback.exchange import CaseFile, export_records, join_decisions, text_hash
from pipeline.privacy import Redactor


def scored_file() -> pd.DataFrame:
    """Two complaints as complaints score writes them: the input's columns, then source_row and the suggestions."""
    return pd.DataFrame(
        {
            "complaint_ref": ["C1", "C2"],
            "team": ["Fostering", "Family Support"],
            "date_received": ["2015-06-01", "not a date"],
            "description": ["The visit was late again.", "The worker was rude."],
            "source_row": ["2", "3"],
            "predicted_category": ["Delay/Failed Service", "Staff Attitude/Conduct"],
            "suggestion_1": ["Delay/Failed Service", "Staff Attitude/Conduct"],
            "probability_1": ["0.8", "0.55"],
            "suggestion_2": ["Other", "Not to Standard"],
            "probability_2": ["0.1", "0.3"],
            "needs_review": ["False", "True"],
            "review_reason": ["", "confidence 0.55 below the suggestion threshold 0.60"],
            "model_version": ["complaints-category v2", "complaints-category v2"],
            "themes": ["delay", ""],
            "theme_probabilities": ["delay=0.71", pd.NA],
        }
    ).astype("string")


def test_decisions_join_by_reference_with_the_suggestion_they_were_made_on(params):
    decisions = pd.DataFrame(
        {"complaint_ref": ["C2", "C1"], "category": ["Staff Conduct/Attitude", "Other"], "themes": ["", "delay"]}
    )
    joined = join_decisions(decisions, scored_file(), params)
    second, first = joined.decisions
    assert joined.set_aside.empty
    assert second.chosen_category == "Staff Attitude/Conduct"  # the alias read as validation reads it
    assert second.row()["accepted"] and second.suggestion["needs_review"] and second.team == "Family Support"
    assert first.row()["accepted"] is False and first.chosen_themes == ("delay",)
    assert first.suggestion["themes"] == [{"theme": "delay", "probability": 0.71, "assigned": True}]
    assert first.text is None and first.text_sha256 == text_hash("The visit was late again.")
    assert first.date_received == date(2015, 6, 1) and second.date_received is None  # unreadable: none kept
    keeping = dataclasses.replace(params, feedback=dataclasses.replace(params.feedback, store_text=True))
    assert join_decisions(decisions, scored_file(), keeping).decisions[1].text == "The visit was late again."


def test_a_reference_twice_in_the_scored_file_or_a_file_that_was_not_scored_is_refused(params):
    decisions = pd.DataFrame({"complaint_ref": ["C1"], "category": ["Other"]})
    scored_twice = pd.concat([scored_file(), scored_file().iloc[:1]], ignore_index=True)
    with pytest.raises(DataContractError, match="rows 2, 4"):
        join_decisions(decisions, scored_twice, params)
    with pytest.raises(DataContractError, match="score the complaints first"):
        join_decisions(decisions, scored_file().drop(columns="source_row"), params)


def test_themes_are_read_by_id_or_name_and_an_import_has_a_stable_id(params):
    names = {"delay": "Delay in service", "staff_attitude": "Staff attitude"}
    decisions = pd.DataFrame(
        {"complaint_ref": ["C1", "C2"], "category": ["Other", "Other"], "themes": ["delay in SERVICE; delay", "rude"]}
    )
    joined = join_decisions(decisions, scored_file(), params, theme_names=names)
    [first] = joined.decisions
    assert first.chosen_themes == ("delay",) and "'rude' is not in the themes file" in joined.set_aside["problem"][0]
    again = join_decisions(decisions, scored_file(), params, theme_names=names).decisions[0]
    assert again.decision_id == first.decision_id  # the same file imported twice: the same decision
    changed = join_decisions(decisions.assign(category="About Policy"), scored_file(), params, theme_names=names)
    assert changed.decisions[0].decision_id != first.decision_id


def test_a_decisions_columns_may_be_named_for_the_import(params):
    decisions = pd.DataFrame({"Case": ["C1"], "Outcome category": ["Other"]})
    with pytest.raises(DataContractError, match="--complaint-ref-column"):
        join_decisions(decisions, scored_file(), params, columns={})
    named = {"complaint_ref": "Case", "category": "Outcome category"}
    assert join_decisions(decisions, scored_file(), params, columns=named).decisions[0].case_ref == "C1"


def stored(rows: list[dict]) -> pd.DataFrame:
    defaults = {"case_ref": None, "text": None, "team": "Fostering", "chosen_category": "Other", "chosen_themes": []}
    frame = pd.DataFrame([defaults | row for row in rows])
    frame["recorded_at"] = pd.to_datetime([f"2025-0{3 + n}-10" for n in range(len(frame))], utc=True)
    return frame


def test_the_export_keeps_each_cases_latest_decision_and_redacts_the_text():
    frame = stored(
        [
            {"case_ref": "C1", "text": "First thought.", "chosen_category": "Other"},
            {"case_ref": "C1", "text": "Rang Sarah Jackson on 07700 900123.", "chosen_category": "Not to Standard"},
            {"case_ref": None, "text": "No reference, text kept.", "chosen_themes": ["delay", "contact"]},
            {"case_ref": "C3"},
        ]
    )
    exported = export_records(frame, Redactor(), CaseFile({"C3": "Text from the case system."}, {}))
    records = exported.records
    assert exported.without_text == 0 and len(records) == 3
    latest = records.set_index("complaint_ref").loc["C1"]
    assert latest["category"] == "Not to Standard" and "07700" not in latest["description"]
    assert records["themes"].tolist() == ["", "delay;contact", ""]
    assert records["financial_year"].tolist() == ["2025/26", "2025/26", "2025/26"]
    assert records["date_received"].tolist()[0] == "2025-04-10"  # no received date known: the decision's day
    assert exported.dated_by_decision == 3
    assert export_records(frame, Redactor(), None).without_text == 1  # C3 has no text without the file


def test_the_export_dates_records_by_when_the_complaint_was_received_not_when_it_was_decided():
    frame = stored([{"case_ref": "C1", "text": "Stored text."}, {"case_ref": "C2", "text": "Stored too."}, {}])
    frame["text"] = frame["text"].fillna("No reference.")
    frame["date_received"] = pd.to_datetime(["2025-03-28", None, None])  # decided 10 March, 10 April, 10 May
    exported = export_records(frame, Redactor(), CaseFile({}, {"C2": date(2025, 3, 31)}))
    records = exported.records.set_index("description")
    assert records.loc["Stored text.", "date_received"] == "2025-03-28"
    assert records.loc["Stored too.", "financial_year"] == "2024/25"  # received 31 March, decided in April
    assert records.loc["No reference.", "date_received"] == "2025-05-10" and exported.dated_by_decision == 1

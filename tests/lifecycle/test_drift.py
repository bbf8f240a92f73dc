"""Drift between two periods: found where it was planted, not found between two halves of one year."""

import numpy as np
import pandas as pd
import pytest

from pipeline.data import files
from pipeline.lifecycle.drift import Period, html, measure_drift, page_name, read_period
from pipeline.privacy import Redactor
from tests.conftest import REPO


@pytest.fixture(scope="module")
def year_2014(sample_validated) -> pd.DataFrame:
    frame = sample_validated.frame
    return frame[frame["financial_year"] == "2014/15"].reset_index(drop=True)


def test_two_random_halves_of_one_year_do_not_call_for_retraining(year_2014, params):
    shuffled = year_2014.sample(frac=1.0, random_state=0).reset_index(drop=True)
    half = len(shuffled) // 2
    report = measure_drift(
        Period("first half", shuffled.iloc[:half]), Period("second half", shuffled.iloc[half:]), params.drift
    )
    assert report.reasons == [] and not report.retrain
    assert (report.mix_tests["q"] >= params.drift.fdr).all()


def test_a_planted_shift_in_words_and_categories_is_found(year_2014, sample_validated, params):
    # Another year of the same generator (no drift of its own), with more delay complaints and a few
    # words in each that the sample never uses.
    year_2013 = sample_validated.frame[sample_validated.frame["financial_year"] == "2013/14"]
    delay = year_2013[year_2013["category"] == "Delay/Failed Service"]
    shifted = pd.concat([year_2013, delay, delay, delay], ignore_index=True)
    pool = [
        "minibus",
        "rota",
        "hub",
        "tribunal",
        "ombudsman",
        "portal",
        "chaperone",
        "timetable",
        "webcam",
        "broadband",
        "laptop",
        "voucher",
    ]
    rng = np.random.default_rng(1)
    extra = [" ".join(rng.choice(pool, 5, replace=False)) for _ in range(len(shifted))]
    shifted["description"] = shifted["description"] + " The " + pd.Series(extra, dtype="string") + " again."
    before = year_2014.copy()
    report = measure_drift(Period("2014/15", year_2014), Period("next year", shifted), params.drift)
    pd.testing.assert_frame_equal(year_2014, before)  # inputs are not changed
    assert report.retrain
    text = " ".join(report.reasons)
    assert "The category mix changed" in text and "Delay/Failed Service" in text
    assert "words the old period never did" in text
    assert {"minibus", "webcam", "tribunal"} <= set(report.rising["Term"])
    page = html(report)
    assert "Retrain:" in page and "<script" not in page and "minibus" in page


def test_more_complaints_needing_review_is_a_reason_on_scored_files(params):
    rng = np.random.default_rng(0)
    records = pd.DataFrame({"description": [pd.NA] * 200, "category": ["Other"] * 200})

    def scores(review_share: float) -> pd.DataFrame:
        review = rng.random(200) < review_share
        return pd.DataFrame({"probability": np.where(review, 0.4, 0.85), "needs_review": review})

    calm = measure_drift(Period("old", records, scores(0.15)), Period("new", records, scores(0.17)), params.drift)
    worse = measure_drift(Period("old", records, scores(0.15)), Period("new", records, scores(0.45)), params.drift)
    assert calm.reasons == [] and any("need review" in reason for reason in worse.reasons)
    assert "text drift is not measured" in " ".join(worse.notes)
    assert worse.confidence_bands is not None and worse.confidence_bands["Share new"].sum() == pytest.approx(1.0)


def test_an_empty_period_is_refused_and_mixed_file_kinds_are_not_reasons(year_2014, params):
    from pipeline.data.schema import DataContractError

    with pytest.raises(DataContractError, match="no usable records"):
        measure_drift(Period("old", year_2014), Period("new", year_2014.iloc[:0]), params.drift)
    suggested = year_2014.assign(category="Delay/Failed Service", description=pd.NA)
    scores = pd.DataFrame({"probability": [0.9] * len(year_2014), "needs_review": [False] * len(year_2014)})
    report = measure_drift(Period("recorded", year_2014), Period("scored", suggested, scores), params.drift)
    assert report.reasons == []  # the category mix moved, but one side is the model's suggestions
    assert any("the model's mistakes rather than drift" in note for note in report.notes)


def test_another_year_of_the_same_kind_is_not_drift(year_2014, sample_validated, params):
    year_2013 = sample_validated.frame[sample_validated.frame["financial_year"] == "2013/14"]
    report = measure_drift(Period("2014/15", year_2014), Period("2013/14", year_2013), params.drift)
    unseen = report.text.set_index("Measure").iloc[1]
    assert unseen["New"] < unseen["Old"] + params.drift.unseen_rise  # words: as usual
    assert not any("never did" in reason for reason in report.reasons)


def test_a_period_is_read_from_a_file_and_one_year_of_it_kept(params):
    found = read_period(REPO / "data" / "sample" / "complaints.csv", "2014/15", params)
    assert found.name == "2014/15" and found.rows_in == 482 and found.scores is None
    assert set(found.records["financial_year"]) == {"2014/15"} and 0 < len(found.records) < 482
    assert found.records["themes"].notna().any()  # theme labels are read too
    whole = read_period(REPO / "data" / "sample" / "closed_2015_16.csv", None, params)
    assert whole.name == "2015/16"  # one year in the file: named after it


def test_the_page_is_named_after_both_periods_with_only_letters_and_digits(year_2014):
    assert page_name(Period("2014/15", year_2014), Period("2015/16", year_2014)) == "drift_2015-16_vs_2014-15.html"
    assert page_name(Period("old file.csv", year_2014), Period("./new.xlsx", year_2014)) == (
        "drift_new-xlsx_vs_old-file-csv.html"
    )


def test_the_drift_page_names_themes_and_lists_no_stop_words_or_placeholders(year_2014, sample_validated, params):
    year_2013 = sample_validated.frame[sample_validated.frame["financial_year"] == "2013/14"].reset_index(drop=True)
    padded = year_2013.assign(description=year_2013["description"] + " The and was [NAME] rang 07700 900123 again.")
    names = {theme.id: theme.name for theme in files.read_taxonomy(REPO / "themes.yaml").themes}
    report = measure_drift(Period("2014/15", year_2014), Period("padded", padded), params.drift, names)
    themes = set(report.mixes["Theme"]["Label"])
    assert themes and themes <= set(names.values())
    terms = set(report.rising["Term"]) | set(report.falling["Term"])
    assert terms and not terms & {"the", "and", "was", "name", "again", "xxphone"}
    assert all(not term.startswith("xx") for term in terms)
    assert "Produced 3 December 2026." in html(report, generated="2026-12-03T09:00:00Z")


def test_the_configured_case_reference_formats_never_become_drift_terms(year_2014, sample_validated, params):
    # XY/123 is no built-in format: only privacy.case_ref_patterns keeps its letters out of the terms.
    year_2013 = sample_validated.frame[sample_validated.frame["financial_year"] == "2013/14"].reset_index(drop=True)
    padded = year_2013.assign(
        description=year_2013["description"] + " Quote XY/" + (year_2013.index % 900 + 100).astype(str)
    )

    def terms(redactor):
        report = measure_drift(Period("2014/15", year_2014), Period("padded", padded), params.drift, redactor=redactor)
        return set(report.rising["Term"]) | set(report.falling["Term"])

    assert "xy" in terms(None)
    configured = terms(Redactor([r"\bXY/\d{3}\b"]))
    assert "xy" not in configured and not any(term.startswith("xx") for term in configured)


def test_the_officers_acceptance_rate_is_shown_and_a_broken_promise_is_a_reason(year_2014, params):
    acceptance = pd.DataFrame({"Model version": ["complaints-category v3"], "Decisions": [40], "Accepted": [25]})
    halves = Period("first", year_2014.iloc[::2]), Period("second", year_2014.iloc[1::2])
    broken = "complaints-category v3: suggestions shown as confident were right 60% of the time"
    report = measure_drift(*halves, params.drift, acceptance=acceptance, acceptance_warnings=[broken])
    assert report.retrain and broken in report.reasons
    page = html(report)
    assert "What officers decided" in page and "complaints-category v3" in page
    assert "What officers decided" not in html(measure_drift(*halves, params.drift))


def test_a_model_with_a_handful_of_decisions_gets_a_note_not_a_reason_to_retrain(year_2014, params):
    acceptance = pd.DataFrame({"Model version": ["complaints-category v4"], "Decisions": [5], "Accepted": [0]})
    halves = Period("first", year_2014.iloc[::2]), Period("second", year_2014.iloc[1::2])
    report = measure_drift(*halves, params.drift, acceptance=acceptance)
    assert not any("v4" in reason for reason in report.reasons)
    assert any("v4: only 5" in note and "too few to judge (at least 30)" in note for note in report.notes)
    assert "too few to judge" in html(report)
    allowed = measure_drift(*halves, params.drift, acceptance=acceptance, min_decisions=5)
    assert not any("v4" in note for note in allowed.notes)

"""Confident learning: planted label noise is found, clean labels are left alone, every row is accounted for."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline.data.schema import DataContractError
from pipeline.lifecycle.label_issues import ISSUE_COLUMNS, confident_issues, find_label_issues
from tests.conftest import REPO


def test_a_record_is_flagged_when_another_category_clears_its_bar():
    classes = ["a", "b", "c"]
    probabilities = np.array(
        [
            [0.8, 0.1, 0.1],  # a, right
            [0.7, 0.2, 0.1],  # a, right
            [0.1, 0.8, 0.1],  # b, right
            [0.2, 0.7, 0.1],  # b, right
            [0.1, 0.1, 0.8],  # c, right
            [0.85, 0.05, 0.1],  # recorded c, looks like a: flagged
            [0.4, 0.35, 0.25],  # recorded b, unsure: a does not clear its bar, b does not either
        ]
    )
    labels = ["a", "a", "b", "b", "c", "c", "b"]
    flagged, suggested, thresholds = confident_issues(labels, probabilities, classes)
    assert flagged.tolist() == [False, False, False, False, False, True, False]
    assert suggested[5] == 0 and suggested[6] == -1
    np.testing.assert_allclose(thresholds, [0.75, (0.8 + 0.7 + 0.35) / 3, (0.8 + 0.1) / 2])


def test_planted_noise_is_found_in_separable_texts(tiny_params):
    rng = np.random.default_rng(0)
    words = {
        "Delay/Failed Service": ["late", "waiting", "months", "delay", "slow", "overdue"],
        "Staff Attitude/Conduct": ["rude", "shouted", "dismissive", "unprofessional", "manner", "tone"],
        "Breach of Confidentiality": ["shared", "address", "disclosed", "consent", "private", "leaked"],
    }
    rows = []
    for category, vocabulary in words.items():
        for i in range(40):
            text = " ".join(rng.choice(vocabulary, 6)) + f" complaint {i}"
            rows.append({"description": text, "category": category})
    frame = pd.DataFrame(rows)
    planted = rng.choice(len(frame), 12, replace=False)
    categories = list(words)
    for row in planted:  # record it under the next category
        frame.loc[row, "category"] = categories[(categories.index(frame.loc[row, "category"]) + 1) % 3]
    frame = frame.assign(
        source_row=np.arange(2, len(frame) + 2),
        complaint_ref=[f"C-{i}" for i in range(len(frame))],
        financial_year="2014/15",
        team="Family Support",
    ).astype({"description": "string", "category": "string"})
    before = frame.copy()
    found = find_label_issues(frame, tiny_params)
    pd.testing.assert_frame_equal(frame, before)  # the input is not changed
    flagged_refs = set(found.issues["complaint_ref"])
    planted_refs = {f"C-{row}" for row in planted}
    assert len(flagged_refs & planted_refs) >= 10  # recall at least 10 of 12
    assert len(flagged_refs - planted_refs) <= 3
    assert list(found.issues.columns) == ISSUE_COLUMNS
    assert found.issues["margin"].is_monotonic_decreasing
    assert found.rows_checked == len(frame) and found.set_aside.empty


def test_categories_too_small_to_check_are_set_aside_with_a_reason(tiny_params, tiny_training_frame):
    frame = tiny_training_frame.assign(
        source_row=range(2, len(tiny_training_frame) + 2),
        complaint_ref=[f"C-{i}" for i in range(len(tiny_training_frame))],
        financial_year="2014/15",
        team="Family Support",
    )
    extra = frame.iloc[[0]].assign(category="About Legislation", complaint_ref="C-odd", source_row=99)
    params = dataclasses.replace(tiny_params, evaluate=dataclasses.replace(tiny_params.evaluate, cv_folds=3))
    found = find_label_issues(pd.concat([frame, extra], ignore_index=True), params)
    assert found.rows_checked == len(frame)
    assert found.set_aside["complaint_ref"].tolist() == ["C-odd"]
    assert "too few to check" in found.set_aside["reason"].iloc[0]
    with pytest.raises(DataContractError, match="No category has at least 5 records"):
        find_label_issues(frame, tiny_params)  # 4 records a category, 5 folds


@pytest.mark.slow
def test_most_flipped_sample_labels_are_found(sample_validated, params):
    truth = pd.read_csv(REPO / "data" / "sample" / "generator_truth.csv", encoding="utf-8-sig")
    # Only the labelled years' records are checked: the truth file also covers the new year.
    flipped = set(truth.loc[truth["label_flipped"], "complaint_ref"]) & set(sample_validated.frame["complaint_ref"])
    # params.yaml's whole search, as `complaints label-issues` runs it (about ten seconds on the sample).
    found = find_label_issues(sample_validated.frame, params)
    flagged = set(found.issues["complaint_ref"])
    recall = len(flagged & flipped) / len(flipped)
    precision = len(flagged & flipped) / max(len(flagged), 1)
    # Measured 16 of the 29 flipped records among 41 flags: recall 0.55, precision 0.39, on the sample as widened
    # in issue 20 (short notes, letters from MPs and advocates, complaints mixing issues: harder to tell a wrong
    # label from an ambiguous text). Before it, 16 of 28 among 26 flags (recall 0.57, precision 0.62). Training
    # is seeded; the floors leave room for library versions, not for chance.
    assert recall >= 0.5 and precision >= 0.35, (recall, precision)


def test_one_category_cannot_be_checked(tiny_params, tiny_training_frame):
    frame = tiny_training_frame.assign(
        category="Delay/Failed Service",
        source_row=range(2, len(tiny_training_frame) + 2),
        complaint_ref=[f"C-{i}" for i in range(len(tiny_training_frame))],
        financial_year="2014/15",
        team="Family Support",
    )
    params = dataclasses.replace(tiny_params, evaluate=dataclasses.replace(tiny_params.evaluate, cv_folds=3))
    with pytest.raises(DataContractError, match="needs at least two"):
        find_label_issues(frame, params)

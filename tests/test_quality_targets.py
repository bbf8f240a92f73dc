"""The redrawn-split summary of benchmarks.quality: means, spreads and targets judged on the means."""

import pytest

from benchmarks.quality import markdown, redrawn_summary, target_checks


def _split(reference: tuple[float, float], ours: tuple[float, float]) -> dict:
    return {
        "models": [
            {"model": "TF-IDF + LinearSVC (reference)", "accuracy": reference[0], "macro_f1": reference[1]},
            {
                "model": "this pipeline",
                "accuracy": ours[0],
                "macro_f1": ours[1],
                "ece": 0.04,
                "selective_accuracy": 0.92,
                "coverage": 0.6,
            },
        ]
    }


@pytest.fixture
def task() -> dict:
    splits = {"1": _split((0.80, 0.60), (0.84, 0.71)), "2": _split((0.78, 0.62), (0.81, 0.67))}
    return {"dataset": "CFPB", "task": "Product", **_split((0.79, 0.61), (0.80, 0.64)), "redrawn": splits}


def test_the_summary_is_the_mean_and_spread_of_the_redrawn_splits_only(task):
    summary = redrawn_summary(task)
    mean, spread = summary["this pipeline"]["macro_f1"]
    assert mean == pytest.approx(0.69) and spread == pytest.approx(0.0283, abs=1e-4)
    assert summary["TF-IDF + LinearSVC (reference)"]["ece"] is None


def test_targets_are_judged_on_the_means_against_the_best_reference(task):
    checks = " ".join(target_checks("cfpb_product", redrawn_summary(task)))
    assert "macro-F1 0.03 above TF-IDF + LinearSVC (reference) (0.610): 0.690 met" in checks
    assert "accuracy >= 0.82: 0.825 met" in checks and "macro-f1 >= 0.68: 0.690 met" in checks
    task["redrawn"]["2"]["models"][1]["accuracy"] = 0.70
    checks = " ".join(target_checks("cfpb_product", redrawn_summary(task)))
    assert "accuracy >= 0.82: 0.770 **missed**" in checks


def test_the_results_page_shows_the_redrawn_section_only_when_there_are_redrawn_splits(task):
    results = {"mode": "full", "started": "now", "machine": "here", "tasks": {"cfpb_product": task}}
    for row in task["models"]:
        row |= {"train_seconds": 1.0, "score_rows_per_second": 10}
    assert "## Redrawn splits (seeds 1, 2)" in markdown(results)
    task["redrawn"] = {}
    assert "Redrawn splits" not in markdown(results)

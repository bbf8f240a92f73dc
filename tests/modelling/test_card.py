import pandas as pd

from pipeline.modelling.card import data_fingerprint


def test_fingerprint_is_stable_and_changes_with_the_rows():
    frame = pd.DataFrame({"description": ["a", "b"], "category": ["x", "y"], "team": ["t", "u"]})
    assert data_fingerprint(frame) == data_fingerprint(frame.copy())
    assert data_fingerprint(frame) == data_fingerprint(frame.assign(team="other"))  # only text and label count
    assert data_fingerprint(frame) != data_fingerprint(frame.assign(category=["x", "x"]))
    assert data_fingerprint(frame).endswith("-2")


def test_card_from_the_trained_sample_names_its_contents(trained_sample, fast_params):
    from pipeline.modelling.card import build_model_card
    from pipeline.modelling.evaluate import evaluate

    prepared, trained = trained_sample
    evaluation = evaluate(trained, prepared.holdout, fast_params.evaluate)
    card = build_model_card(
        fast_params, trained, evaluation, prepared, {"rows_in": 1}, {"python": "3"}, "abc", "2026-01-01T00:00:00+00:00"
    )
    assert card["labels"] == list(trained.classes)
    assert card["alias_table"]["Staff Conduct/Attitude"] == "Staff Attitude/Conduct"
    assert card["thresholds"]["suggestion_threshold"] == trained.suggestion_threshold
    assert set(card["metrics"]) == {"holdout", "cross_validation"}
    assert card["git_commit"] == "abc" and card["known_weaknesses"]


BENCHMARKS = {
    "mode": "full",
    "started": "2026-11-29 22:30:00",
    "tasks": {
        "cfpb_product": {
            "dataset": "CFPB",
            "task": "Product (9 classes)",
            "weak_labels": False,
            "models": [
                {"model": "TF-IDF + LinearSVC (reference)", "accuracy": 0.78, "macro_f1": 0.62, "ece": None},
                {"model": "TF-IDF + logistic regression", "accuracy": 0.75, "macro_f1": 0.55, "ece": 0.3},
                {"model": "this pipeline", "accuracy": 0.80, "macro_f1": 0.66, "ece": 0.04},
            ],
        },
        "housing_category": {"skipped": "not present"},
    },
}


def test_benchmark_summary_sets_the_pipeline_beside_the_best_reference():
    from pipeline.modelling.card import benchmark_summary

    [row] = benchmark_summary(BENCHMARKS)
    assert row["task"] == "CFPB: Product (9 classes)" and row["measure"] == "accuracy"
    assert row["this_pipeline"] == {"accuracy": 0.80, "macro_f1": 0.66, "ece": 0.04}
    assert row["best_reference"]["model"] == "TF-IDF + LinearSVC (reference)"
    assert benchmark_summary(None) == []


def test_weak_groups_are_named_only_when_large_and_well_below_overall():
    from pipeline.modelling.card import _gaps

    groups = {
        "Fostering": {"accuracy": 0.55, "n": 30},  # 0.25 below: named
        "Adoption": {"accuracy": 0.40, "n": 8},  # too few rows to say
        "Leaving Care": {"accuracy": 0.75, "n": 40},  # within 0.10
    }
    notes = _gaps("complaints about", groups, 0.80)
    assert notes == ["Less accurate for complaints about Fostering: 55% on 30 holdout complaints, against 80% overall."]


def test_the_plain_card_reads_as_sentences(trained_sample, fast_params):
    from pipeline.modelling.card import build_model_card, plain_text
    from pipeline.modelling.evaluate import evaluate

    prepared, trained = trained_sample
    evaluation = evaluate(trained, prepared.holdout, fast_params.evaluate)
    assert set(evaluation.metrics["by_length"]) <= {"under 20 words", "20 to 99 words", "100 words or more"}
    assert "Family Support" in evaluation.metrics["by_team"]
    card = build_model_card(
        fast_params, trained, evaluation, prepared, {"file": "c.csv", "rows_valid": 9}, {}, "abc", "now", BENCHMARKS
    )
    text = plain_text(card)
    for heading in ("## What it does", "## How well it works", "## Where it is weak", "## Personal data", "## Not for"):
        assert heading in text
    assert f"{evaluation.metrics['accuracy']:.0%} of the time" in text
    assert "| CFPB: Product (9 classes) | accuracy 0.80, macro-F1 0.66 | accuracy 0.78, macro-F1 0.62 |" in text

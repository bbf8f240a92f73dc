import pandas as pd

from pipeline.card import data_fingerprint


def test_fingerprint_is_stable_and_changes_with_the_rows():
    frame = pd.DataFrame({"description": ["a", "b"], "category": ["x", "y"], "team": ["t", "u"]})
    assert data_fingerprint(frame) == data_fingerprint(frame.copy())
    assert data_fingerprint(frame) == data_fingerprint(frame.assign(team="other"))  # only text and label count
    assert data_fingerprint(frame) != data_fingerprint(frame.assign(category=["x", "x"]))
    assert data_fingerprint(frame).endswith("-2")


def test_card_from_the_trained_sample_names_its_contents(trained_sample, fast_params):
    from pipeline.card import build_model_card
    from pipeline.evaluate import evaluate

    prepared, trained = trained_sample
    evaluation = evaluate(trained.model, prepared.holdout, fast_params.evaluate)
    card = build_model_card(
        fast_params, trained, evaluation, prepared, {"rows_in": 1}, {"python": "3"}, "abc", "2026-01-01T00:00:00+00:00"
    )
    assert card["labels"] == list(trained.classes)
    assert card["alias_table"]["Staff Conduct/Attitude"] == "Staff Attitude/Conduct"
    assert card["thresholds"]["suggestion_threshold"] == fast_params.evaluate.suggestion_threshold
    assert set(card["metrics"]) == {"holdout", "cross_validation"}
    assert card["git_commit"] == "abc" and card["known_weaknesses"]

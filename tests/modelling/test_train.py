import dataclasses

import pandas as pd
import pytest

from pipeline.data.schema import DataContractError
from pipeline.modelling.train import train

TEXTS = {
    "Delay/Failed Service": "the assessment is months late and nothing has happened yet",
    "Staff Attitude/Conduct": "the social worker was rude and shouted at me",
    "Breach of Confidentiality": "my address was shared with my ex partner without consent",
}


def tiny_frame(per_class: dict[str, int]) -> pd.DataFrame:
    rows = []
    for category, count in per_class.items():
        rows += [{"description": f"{TEXTS[category]} note {i}", "category": category} for i in range(count)]
    return pd.DataFrame(rows).astype("string")


@pytest.fixture
def small_params(params):
    return dataclasses.replace(
        params,
        train=dataclasses.replace(params.train, C=(0.1, 1.0), class_weight=("balanced",), calibration=("isotonic",)),
        features=dataclasses.replace(params.features, word_min_df=1, char_min_df=1),
    )


def test_search_picks_the_best_cross_validated_candidate(small_params):
    trained = train(
        tiny_frame({"Delay/Failed Service": 8, "Staff Attitude/Conduct": 8, "Breach of Confidentiality": 8}),
        small_params,
    )
    scores = {name: s["macro_f1"] for name, s in trained.cv_search.items()}
    assert set(scores) == {
        "C=0.1, class_weight=balanced, calibration=isotonic",
        "C=1.0, class_weight=balanced, calibration=isotonic",
    }
    assert scores[f"C={trained.chosen_C}, class_weight=balanced, calibration=isotonic"] == max(scores.values())
    assert set(trained.classes) == set(TEXTS)


def test_calibration_methods_are_searched_and_the_confidence_remapped(small_params):
    from pipeline.modelling.model import TopLabelCalibrated

    params = dataclasses.replace(
        small_params, train=dataclasses.replace(small_params.train, C=(0.3,), calibration=("sigmoid", "temperature"))
    )
    trained = train(
        tiny_frame({"Delay/Failed Service": 8, "Staff Attitude/Conduct": 8, "Breach of Confidentiality": 8}), params
    )
    assert set(trained.cv_search) == {
        "C=0.3, class_weight=balanced, calibration=sigmoid",
        "C=0.3, class_weight=balanced, calibration=temperature",
    }
    assert trained.chosen_calibration in {"sigmoid", "temperature"}
    head = trained.model.named_steps["classifier"]
    assert isinstance(head, TopLabelCalibrated) and trained.confidence_calibration == "top_label"
    assert head.estimator_.method == trained.chosen_calibration


def test_confidence_calibration_can_be_switched_off(small_params):
    params = dataclasses.replace(
        small_params, train=dataclasses.replace(small_params.train, C=(0.3,), confidence_calibration="none")
    )
    trained = train(tiny_frame({"Delay/Failed Service": 6, "Staff Attitude/Conduct": 6}), params)
    assert type(trained.model.named_steps["classifier"]).__name__ == "CalibratedClassifierCV"


def test_folds_shrink_to_fit_the_smallest_category(small_params):
    trained = train(
        tiny_frame({"Delay/Failed Service": 9, "Staff Attitude/Conduct": 9, "Breach of Confidentiality": 3}),
        small_params,
    )
    assert trained.cv_folds == 3 and trained.calibration_folds == 3


def test_progress_climbs_through_every_fold_and_fit_then_the_final_fit(small_params):
    calls = []
    train(
        tiny_frame({"Delay/Failed Service": 6, "Staff Attitude/Conduct": 6}),
        small_params,
        progress=lambda done, total: calls.append((done, total)),
    )
    *search, final = calls
    folds, total = small_params.evaluate.cv_folds, search[0][1]
    linear = {candidate[:2] for candidate in small_params.train.candidates()}
    assert total == folds + folds * len(linear) + 1  # features per fold, one fit per fold and candidate, final
    assert search == [(done, total) for done in range(folds, total)]
    assert final[0] == final[1]


def test_no_rows_is_a_clear_error(small_params):
    with pytest.raises(DataContractError, match="No training rows"):
        train(tiny_frame({}).reindex(columns=["description", "category"]), small_params)


def test_the_suggestion_threshold_comes_from_out_of_fold_precision(trained_sample, fast_params):
    from pipeline.modelling.evaluate import evaluate

    prepared, trained = trained_sample
    assert fast_params.evaluate.target_precision == 0.9
    assert trained.threshold_source.startswith("90% of out-of-fold suggestions right")
    assert 0 < trained.suggestion_threshold < 1
    # Judged on the holdout, which the choice never saw: near the target, and honest about coverage.
    metrics = evaluate(trained, prepared.holdout, fast_params.evaluate).metrics
    assert metrics["suggestion_threshold"] == trained.suggestion_threshold and metrics["coverage"] > 0.25


def test_without_a_target_the_configured_threshold_is_kept(small_params):
    params = dataclasses.replace(
        small_params, evaluate=dataclasses.replace(small_params.evaluate, target_precision=None)
    )
    trained = train(tiny_frame({"Delay/Failed Service": 6, "Staff Attitude/Conduct": 6}), params)
    assert (trained.suggestion_threshold, trained.threshold_source) == (params.evaluate.suggestion_threshold, "params")


@pytest.mark.parametrize("in_workers", [False, True])
def test_the_saved_model_is_its_pipeline_fitted_in_one_go(small_params, monkeypatch, in_workers):
    import numpy as np

    from pipeline.modelling import search
    from pipeline.modelling.model import build_category_model

    if in_workers:  # the final features then come back from a worker process
        monkeypatch.setattr(search, "PARALLEL_MIN_ROWS", 0)
    params = dataclasses.replace(
        small_params, train=dataclasses.replace(small_params.train, C=(0.3,), confidence_calibration="none")
    )
    frame = tiny_frame({"Delay/Failed Service": 8, "Staff Attitude/Conduct": 8, "Breach of Confidentiality": 8})
    trained = train(frame, params)
    expected = build_category_model(params, 0.3, "balanced", "isotonic", trained.calibration_folds)
    expected.fit(frame[["description"]], frame["category"].to_numpy())
    unseen = pd.DataFrame({"description": ["my address was late and rude", "nothing happened", ""]})
    np.testing.assert_array_equal(trained.model.predict_proba(unseen), expected.predict_proba(unseen))

from functools import partial

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC

from pipeline.modelling import search
from pipeline.modelling.search import (
    calibrate_out_of_fold,
    calibrate_themes_out_of_fold,
    category_scores,
    out_of_fold_scores,
    theme_scores,
)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("method", ["sigmoid", "isotonic", "temperature"])
def test_calibrating_decision_values_gives_scikit_learns_probabilities(n_classes, method):
    X, y = make_classification(600, 20, n_informative=8, n_classes=n_classes, random_state=0)
    labels = np.array(["abcd"[i] for i in y], dtype=object)
    model = LinearSVC().fit(X[:300], labels[:300])
    expected = CalibratedClassifierCV(FrozenEstimator(model), method=method).fit(X[300:450], labels[300:450])
    scores = model.decision_function(X[300:])
    scores = scores[:, None] if scores.ndim == 1 else scores
    # Rows 0-149 calibrate, rows 150-299 are calibrated: the second fold's probabilities are the expected ones.
    split = [(np.arange(150), np.arange(150, 300))]
    found = calibrate_out_of_fold(scores, labels[300:], split, method)
    np.testing.assert_allclose(found[150:], expected.predict_proba(X[450:]), atol=1e-12)


def test_folds_in_worker_processes_give_the_same_scores_as_in_process(tiny_params, tiny_training_frame, monkeypatch):
    labels = tiny_training_frame["category"].astype(object).to_numpy()
    normalised = tiny_training_frame[["description"]].astype(object).apply(lambda column: column.str.lower())
    splits = list(StratifiedKFold(2, shuffle=True, random_state=0).split(normalised, labels))
    scorer = partial(category_scores, "linear_svc", sorted(set(labels)))
    arguments = (normalised, labels, splits, [(1.0, "balanced"), (0.1, None)], scorer)
    in_process, _ = out_of_fold_scores(*arguments, tiny_params.features, tiny_params.text)
    monkeypatch.setattr(search, "PARALLEL_MIN_ROWS", 0)
    in_workers, _ = out_of_fold_scores(*arguments, tiny_params.features, tiny_params.text)
    assert in_process.keys() == in_workers.keys()
    for candidate, values in in_process.items():
        assert values.shape == (len(labels), len(set(labels)))
        np.testing.assert_allclose(in_workers[candidate], values)


def test_a_theme_too_rare_to_learn_in_a_fold_gets_the_base_rate(tiny_params, tiny_training_frame):
    normalised = tiny_training_frame[["description"]].astype(object)
    targets = np.zeros((len(normalised), 2), dtype=int)
    targets[::2, 0] = 1  # learnable: half the rows
    targets[0, 1] = 1  # one positive: never learnable
    splits = list(KFold(3, shuffle=True, random_state=0).split(normalised))
    scores = out_of_fold_scores(
        normalised,
        targets,
        splits,
        [(1.0, "balanced")],
        partial(theme_scores, "linear_svc"),
        tiny_params.features,
        tiny_params.text,
    )[0][(1.0, "balanced")]
    assert np.isnan(scores[:, 1]).all() and not np.isnan(scores[:, 0]).any()
    probabilities = calibrate_themes_out_of_fold(scores, targets, splits, "sigmoid", "linear_svc")
    for fit_rows, test_rows in splits:
        np.testing.assert_allclose(probabilities[test_rows, 1], targets[fit_rows, 1].mean())
    assert ((probabilities[:, 0] > 0) & (probabilities[:, 0] < 1)).all()


def test_category_scores_rank_a_class_missing_from_the_fold_last():
    fit = pd.Series(["a", "b", "a", "b"])
    matrix = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.9]])
    values = category_scores("linear_svc", ["a", "b", "c"], (1.0, None), matrix, fit.to_numpy(), matrix)
    assert values.shape == (4, 3)
    assert (values[:, 2] <= values[:, :2].min(axis=1)).all()


def test_quick_group_folds_are_scikit_learns_folds():
    from sklearn.model_selection import StratifiedGroupKFold

    from pipeline.modelling.search import QuickStratifiedGroupKFold

    rng = np.random.default_rng(0)
    for seed in range(12):
        # Small groups of few classes: many folds tie, so the tie-break is compared too.
        labels = np.repeat(np.arange(4), 30)
        groups = rng.integers(0, 50, len(labels))
        theirs = StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(labels, labels, groups)
        ours = QuickStratifiedGroupKFold(5, shuffle=True, random_state=seed).split(labels, labels, groups)
        for (_, expected), (_, got) in zip(theirs, ours, strict=True):
            np.testing.assert_array_equal(got, expected)


def test_fusion_weights_go_to_the_head_that_helps_and_ties_keep_the_first_head():
    labels = np.array(["a", "b"] * 20)
    right = np.column_stack([labels == "a", labels == "b"]).astype(float) * 0.8 + 0.1
    noise = np.random.default_rng(0).dirichlet([1, 1], size=len(labels))
    weights, power, fused = search.fusion_weights([noise, right], labels, [0.0, 0.5])
    assert weights[1] > weights[0] and sum(weights) == pytest.approx(1.0)
    assert (fused.argmax(axis=1) == (labels == "b")).all()
    weights, power, _ = search.fusion_weights([right, right], labels, [0.0, 0.5])
    assert weights == (1.0, 0.0) and power == 0.0


def test_the_embedding_head_is_scored_only_on_rows_it_did_not_learn_from():
    vectors, labels = make_classification(120, 8, n_informative=4, n_classes=3, random_state=0)
    labels = np.array(["x", "y", "z"])[labels]
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(vectors, labels))
    C, probabilities = search.embedding_out_of_fold(vectors, labels, splits)
    assert C in search.EMBEDDING_C
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    # A row's probabilities come from the model fitted on the other folds.
    fit_rows, test_rows = splits[0]
    from pipeline.modelling.model import linear_model

    own = linear_model("logistic_regression", C, "balanced").fit(vectors[fit_rows], labels[fit_rows])
    np.testing.assert_allclose(probabilities[test_rows], own.predict_proba(vectors[test_rows]), atol=1e-8)

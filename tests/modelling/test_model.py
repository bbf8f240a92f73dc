"""The linear heads: stacked scores equal each calibrated model's own; the top-label confidence remap."""

import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.svm import LinearSVC

from pipeline.modelling.model import MultiLabelLinear


@pytest.mark.parametrize(
    ("classifier", "calibration"),
    [("linear_svc", "sigmoid"), ("linear_svc", "isotonic"), ("logistic_regression", "sigmoid")],
)
def test_stacked_probabilities_equal_each_models_own(classifier: str, calibration: str):
    rng = np.random.default_rng(0)
    X = sparse.random(120, 40, density=0.2, random_state=1, format="csr")
    Y = (rng.random((120, 4)) < [0.3, 0.5, 0.1, 0.0]).astype(int)
    Y[:1, 3] = 1  # too few positives to calibrate: the theme gets its base rate
    head = MultiLabelLinear(C=1.0, classifier=classifier, calibration=calibration).fit(X, Y)
    expected = np.tile(head.base_rate_, (X.shape[0], 1))
    for column, estimator in enumerate(head.estimators_):
        if estimator is not None:
            expected[:, column] = estimator.predict_proba(X)[:, 1]
    np.testing.assert_allclose(head.predict_proba(X), expected, atol=1e-12)
    assert not head.learned_[3]
    restored = pickle.loads(pickle.dumps(head))
    assert "_stacked_weights" not in restored.__dict__
    np.testing.assert_allclose(restored.predict_proba(X), expected, atol=1e-12)


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_stacked_category_probabilities_equal_scikit_learns(calibration: str, n_classes: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from pipeline.modelling.model import predict_proba

    rng = np.random.default_rng(1)
    X = sparse.random(150, 30, density=0.3, random_state=2, format="csr")
    y = np.array(["a", "b", "c", "d"][:n_classes])[rng.integers(n_classes, size=150)]
    head = CalibratedClassifierCV(LinearSVC(C=0.5), method=calibration, cv=3).fit(X, y)
    np.testing.assert_allclose(predict_proba(head, X), head.predict_proba(X), atol=1e-12)


def test_refitting_a_head_is_noticed_by_the_fast_path():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from pipeline.modelling.model import predict_proba

    X = sparse.random(90, 20, density=0.4, random_state=3, format="csr")
    y = np.array(["a", "b", "c"])[np.arange(90) % 3]
    head = CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=3).fit(X, y)
    predict_proba(head, X)
    head.fit(X, y[::-1])
    np.testing.assert_allclose(predict_proba(head, X), head.predict_proba(X), atol=1e-12)


def _overconfident(rows: int = 600, classes: int = 4, seed: int = 0):
    """Probabilities that say 0.9 for the first choice when it is right half of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, classes, rows)
    top = np.where(rng.random(rows) < 0.5, truth, (truth + 1) % classes)
    probabilities = np.full((rows, classes), 0.1 / (classes - 1))
    probabilities[np.arange(rows), top] = 0.9
    probabilities += rng.uniform(0, 0.01, probabilities.shape)
    return probabilities / probabilities.sum(axis=1, keepdims=True), top == truth


def test_top_label_remap_makes_confidence_honest_and_keeps_the_order():
    from pipeline.modelling.metrics import expected_calibration_error
    from pipeline.modelling.model import TopLabelCalibrated

    fitted = LinearSVC().fit(np.eye(4), np.arange(4))  # any fitted classifier: only classes_ is read here
    probabilities, correct = _overconfident()
    head = TopLabelCalibrated.from_out_of_fold(fitted, probabilities.max(axis=1), correct)
    fresh, fresh_correct = _overconfident(seed=1)
    remapped = head.remap(fresh)
    assert expected_calibration_error(fresh.max(axis=1), fresh_correct) > 0.3
    assert expected_calibration_error(remapped.max(axis=1), fresh_correct) < 0.1
    np.testing.assert_allclose(remapped.sum(axis=1), 1.0)
    np.testing.assert_array_equal(remapped.argmax(axis=1), fresh.argmax(axis=1))
    np.testing.assert_array_equal(np.argsort(-remapped, axis=1), np.argsort(-fresh, axis=1))


def test_top_label_remap_never_lets_the_runner_up_overtake():
    from pipeline.modelling.model import TopLabelCalibrated

    fitted = LinearSVC().fit(np.eye(3), np.arange(3))
    # Out of fold, confident first choices were mostly wrong: the map pulls them far below the runner-up's level.
    head = TopLabelCalibrated.from_out_of_fold(fitted, np.array([0.5, 0.9, 0.95]), np.array([1, 0, 0]))
    remapped = head.remap(np.array([[0.9, 0.08, 0.02], [1.0, 0.0, 0.0]]))
    assert remapped[0, 0] >= remapped[0, 1] and remapped[1, 0] >= remapped[1, 2]
    np.testing.assert_allclose(remapped.sum(axis=1), 1.0)


def test_top_label_fit_follows_the_estimator_contract():
    from sklearn.calibration import CalibratedClassifierCV

    from pipeline.modelling.model import TopLabelCalibrated

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)]
    template = CalibratedClassifierCV(LinearSVC(), cv=3)
    head = TopLabelCalibrated(template).fit(X, y)
    assert head.estimator is template and not hasattr(template, "classes_")  # parameters are not touched
    proba = head.predict_proba(X)
    assert proba.shape == (120, 3) and list(head.classes_) == ["a", "b", "c"]
    assert (head.predict(X) == y).mean() > 0.8


def test_prior_power_zero_changes_nothing_and_a_higher_one_favours_rare_categories():
    from pipeline.modelling.model import prior_corrected

    probabilities = np.array([[0.55, 0.45], [0.9, 0.1]])
    priors = np.array([0.9, 0.1])
    assert prior_corrected(probabilities, priors, 0.0) is probabilities
    corrected = prior_corrected(probabilities, priors, 0.5)
    np.testing.assert_allclose(corrected.sum(axis=1), 1.0)
    assert corrected.argmax(axis=1).tolist() == [1, 0]  # the close call goes to the rare category


def test_fused_heads_average_each_heads_probabilities_on_its_own_columns():
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from pipeline.modelling.model import FusedHeads, base_head, linear_weights

    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 6))
    y = np.array(["a", "b", "c"])[(X[:, 0] + X[:, 4] > 0).astype(int) + (X[:, 1] > 1).astype(int)]
    first, second = LogisticRegression(C=1.0), LogisticRegression(C=0.5)
    fused = FusedHeads((first, second), (np.arange(3), np.arange(3, 6)), (0.7, 0.3)).fit(X, y)
    expected = 0.7 * clone(first).fit(X[:, :3], y).predict_proba(X[:, :3]) + 0.3 * clone(second).fit(
        X[:, 3:], y
    ).predict_proba(X[:, 3:])
    np.testing.assert_allclose(fused.predict_proba(X), expected, atol=1e-10)
    assert fused.predict(X).tolist() == fused.classes_[expected.argmax(axis=1)].tolist()
    # Explanations read the first (linear TF-IDF) head's weights only.
    assert base_head(fused) is fused.heads_[0]
    assert linear_weights(fused).shape == (3, 3)
    restored = pickle.loads(pickle.dumps(fused))
    np.testing.assert_allclose(restored.predict_proba(X), expected, atol=1e-10)

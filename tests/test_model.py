"""The theme head: one matrix product gives exactly what each calibrated model would."""

import pickle

import numpy as np
import pytest
from scipy import sparse

from pipeline.model import MultiLabelLinear


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

    from pipeline.model import predict_proba

    rng = np.random.default_rng(1)
    X = sparse.random(150, 30, density=0.3, random_state=2, format="csr")
    y = np.array(["a", "b", "c", "d"][:n_classes])[rng.integers(n_classes, size=150)]
    head = CalibratedClassifierCV(LinearSVC(C=0.5), method=calibration, cv=3).fit(X, y)
    np.testing.assert_allclose(predict_proba(head, X), head.predict_proba(X), atol=1e-12)


def test_refitting_a_head_is_noticed_by_the_fast_path():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from pipeline.model import predict_proba

    X = sparse.random(90, 20, density=0.4, random_state=3, format="csr")
    y = np.array(["a", "b", "c"])[np.arange(90) % 3]
    head = CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=3).fit(X, y)
    predict_proba(head, X)
    head.fit(X, y[::-1])
    np.testing.assert_allclose(predict_proba(head, X), head.predict_proba(X), atol=1e-12)

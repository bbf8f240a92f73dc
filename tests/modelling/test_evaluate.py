import numpy as np
import pandas as pd

from pipeline.modelling.evaluate import evaluate


class FixedModel:
    """A category predictor with fixed answers: what evaluate needs of a loaded or trained model."""

    labels = ("a", "b")
    suggestion_threshold = 0.6

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.array([[0.9, 0.1] if "alpha" in text else [0.2, 0.8] for text in frame["description"]])


def test_metrics_and_confusion_include_labels_the_model_never_saw(params):
    holdout = pd.DataFrame({"description": ["alpha", "beta", "alpha", "gamma"], "category": ["a", "b", "b", "z"]})
    result = evaluate(FixedModel(), holdout, params.evaluate)
    assert result.labels == ("a", "b", "z")
    assert result.confusion.tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 0]]
    assert result.metrics["accuracy"] == 0.5 and result.metrics["n"] == 4


def test_confusion_figure_is_drawn(params):
    holdout = pd.DataFrame({"description": ["alpha", "beta"], "category": ["a", "b"]})
    figure = evaluate(FixedModel(), holdout, params.evaluate).figure("t")
    assert figure.axes[0].get_title() == "t"

"""The whole training job: holdout labels never influence what is learned or tuned."""

import dataclasses

import numpy as np
import pytest

from pipeline.modelling.training_job import train_and_evaluate

pytestmark = pytest.mark.slow


def test_holdout_labels_do_not_change_training_choices(sample_validated, theme_params):
    params = dataclasses.replace(theme_params, train=dataclasses.replace(theme_params.train, enabled=False))
    frame = sample_validated.frame
    holdout = frame["financial_year"] == "2014/15"
    scrambled = frame.copy()
    scrambled.loc[holdout, "themes"] = scrambled.loc[holdout, "themes"].sample(frac=1, random_state=1).to_numpy()
    first = train_and_evaluate(sample_validated, params)
    second = train_and_evaluate(dataclasses.replace(sample_validated, frame=scrambled), params)
    assert first.themes.trained.thresholds == second.themes.trained.thresholds
    assert first.themes.trained.cv_metrics == second.themes.trained.cv_metrics
    assert first.themes.holdout_metrics["micro_f1"] != second.themes.holdout_metrics["micro_f1"]
    assert np.array_equal(first.themes.data.train_targets, second.themes.data.train_targets)

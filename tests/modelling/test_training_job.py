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


def test_too_few_rows_because_of_unknown_labels_names_the_spellings_and_the_fix(params, good_rows):
    from pipeline.data.schema import DataContractError, validate
    from tests.conftest import raw_frame

    council = ["Quality of Service", "Quality of Service", "Attitude of Staff"]
    rows = [dict(row, category=label) for row, label in zip(good_rows, council, strict=True)] * 4
    validated = validate(raw_frame(rows), params.data, params.labels, purpose="train", need_dates=True)
    with pytest.raises(DataContractError) as raised:
        train_and_evaluate(validated, params)
    message = str(raised.value)
    assert message.startswith("12 of the file's 12 rows have a category that is neither a national category")
    assert "'Quality of Service' (8), 'Attitude of Staff' (4)" in message and "labels.aliases" in message

"""Generality on real data: the same pipeline trains on US CFPB complaints through configs/cfpb.yaml."""

import dataclasses

import pytest

from pipeline.config import load_params
from pipeline.data import files
from pipeline.data.prepare import prepare
from pipeline.data.schema import validate
from pipeline.modelling.evaluate import evaluate
from tests.conftest import REPO, needs_shared

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="session")  # session: made once even when other tests run between this module's
def cfpb():
    needs_shared("cfpb-sample", "complaints_sample.csv")
    params = load_params(REPO / "configs" / "cfpb.yaml")
    raw = files.read_table(REPO / params.data.train_file)
    validated = validate(raw, params.data, params.labels, purpose="train")
    return params, validated, prepare(validated.frame, params.prepare, params.train.calibration_folds)


def test_config_reproduces_the_standard_split(cfpb):
    _, validated, prepared = cfpb
    # SOURCE.md: 1,532 narratives; Product classes with >= 10 rows leave 1,526 rows in 9 classes.
    assert validated.rows_in == 6623 and len(validated.frame) == 1532
    assert len(prepared.train) + len(prepared.holdout) == 1526
    assert len(prepared.holdout) == 306 and prepared.train["category"].nunique() == 9


def test_pipeline_learns_products_with_calibrated_probabilities(cfpb):
    from pipeline.modelling.train import train

    params, _, prepared = cfpb
    # The full search of configs/cfpb.yaml (3 C x 2 class weights x 3 calibrations) chose C=0.3, balanced,
    # sigmoid on this split (benchmarks/results.json, cfpb_product). Training that one candidate with the same
    # folds gives the same model, out-of-fold confidence remap and threshold, in a fraction of the time;
    # the search itself is tested in tests/modelling/test_train.py.
    chosen = dataclasses.replace(params.train, C=(0.3,), class_weight=("balanced",), calibration=("sigmoid",))
    trained = train(prepared.train, dataclasses.replace(params, train=chosen))
    metrics = evaluate(trained, prepared.holdout, params.evaluate).metrics
    # Regression floors just under the measured 0.794 / 0.636 / 0.047 (reference: 0.788 / 0.617);
    # the targets (0.81 / 0.65) are reported by benchmarks/cfpb_category.py, not asserted.
    assert metrics["accuracy"] > 0.78 and metrics["macro_f1"] > 0.60
    assert metrics["ece"] < 0.06

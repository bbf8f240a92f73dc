"""Model behaviour on the synthetic sample: invariance and directional expectations, not accuracy."""

import re

import numpy as np
import pandas as pd
import pytest

from pipeline.modelling.evaluate import evaluate
from tools.sample.generate import FIRST_NAMES, SURNAMES

pytestmark = pytest.mark.slow
UNSEEN_NAMES = ["Zebedee", "Ottoline", "Barnaby", "Philippa", "Cosmo", "Henrietta", "Algernon", "Marigold"]
NAME = re.compile(r"\b(" + "|".join(FIRST_NAMES + SURNAMES) + r")\b")


def probabilities(model, texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(model.predict_proba(pd.DataFrame({"description": texts})), columns=model.classes_)


def test_model_learns_something_on_the_holdout_year(trained_sample, params):
    prepared, trained = trained_sample
    metrics = evaluate(trained, prepared.holdout, params.evaluate).metrics
    majority = prepared.holdout["category"].value_counts(normalize=True).iloc[0]
    assert metrics["accuracy"] > majority + 0.1
    assert 0.0 <= metrics["ece"] <= 0.2


def test_replacing_names_leaves_the_prediction_unchanged(trained_sample):
    prepared, trained = trained_sample
    texts = [t for t in prepared.holdout["description"] if NAME.search(t)][:60]
    renamed = [NAME.sub(lambda m: UNSEEN_NAMES[len(m.group(0)) % len(UNSEEN_NAMES)], t) for t in texts]
    assert len(texts) >= 40 and renamed != texts
    before, after = probabilities(trained.model, texts), probabilities(trained.model, renamed)
    assert (before.idxmax(axis=1) == after.idxmax(axis=1)).all()
    shift = (before - after).abs().to_numpy()
    assert shift.mean() < 0.01 and shift.max() < 0.1


def test_rude_staff_wording_raises_staff_attitude(trained_sample):
    _, trained = trained_sample
    base = [
        "I am complaining because the assessment has taken months and nothing has happened.",
        "Mum rang to say the contact session was cancelled again and nobody told her why.",
        "The foster carer says the allowance has not been paid since the summer.",
    ]
    rude = [t + " The social worker was rude, shouted at me and was dismissive and aggressive." for t in base]
    before, after = probabilities(trained.model, base), probabilities(trained.model, rude)
    assert (after["Staff Attitude/Conduct"] > before["Staff Attitude/Conduct"] + 0.1).all()


def test_probabilities_are_a_distribution(trained_sample):
    _, trained = trained_sample
    proba = probabilities(trained.model, ["Transport to contact was not arranged.", "x"])
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba.to_numpy() >= 0).all()

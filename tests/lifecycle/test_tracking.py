"""MLflow: a run with params, metrics, artefacts and a registered model that loads back through skops."""

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.lifecycle import tracking

pytestmark = pytest.mark.slow


def test_logged_model_round_trips_and_aliases_move(tmp_path: Path, monkeypatch, trained_sample, params):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    monkeypatch.chdir(tmp_path)
    _, trained = trained_sample
    artefact = tmp_path / "model_card.json"
    card = {"labels": list(trained.classes), "thresholds": {"suggestion_threshold": 0.42}}
    artefact.write_text(json.dumps(card))
    assert tracking.load_with_card(params.tracking) is None

    run = tracking.log_training_run(
        params.tracking,
        trained.model,
        {"train": {"C": 0.3}},
        {"acc": 0.5},
        {"card": artefact},
        tags={"purpose": "test"},
    )
    tracking.set_alias(params.tracking, run.model_version, tracking.CHAMPION, run.run_id, "first")
    champion = tracking.load_with_card(params.tracking)
    assert champion.tags["purpose"] == "test"
    assert champion.version == run.model_version == "1"
    # The loaded model carries its card's contract: the threshold comes back with it.
    assert champion.model.suggestion_threshold == 0.42 and champion.model.labels == trained.classes
    texts = pd.DataFrame({"description": ["The taxi to contact never came.", "The worker was rude."]})
    assert (champion.model.predict_proba(texts) == trained.model.predict_proba(texts)).all()

    import mlflow

    logged = mlflow.get_run(run.run_id)
    assert logged.data.params["train.C"] == "0.3" and logged.data.metrics["acc"] == 0.5
    assert logged.data.tags["registry.alias"] == "champion"
    # The logged environment names what the model loads with, pinned, and nothing of the test run's.
    pinned = {
        line.split("==")[0]
        for line in Path(mlflow.pyfunc.get_model_dependencies(run.model_uri)).read_text().splitlines()
        if "==" in line
    }
    assert {"complaints-pipeline", "scikit-learn", "spacy", "spacy-lookups-data", "skops"} <= pinned
    assert "pytest" not in pinned

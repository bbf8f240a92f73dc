"""MLflow: a run with params, metrics, artefacts and a registered model that loads back through skops."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.data import files
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


def a_finished_process_id() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_runs_a_stopped_command_left_running_are_marked_failed_and_others_left(tmp_path: Path, monkeypatch, params):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    import mlflow

    client = mlflow.MlflowClient()
    experiment = client.create_experiment(params.tracking.experiment)
    host = socket.gethostname()
    owners = {
        "stopped": {tracking.PROCESS_TAG: f"{host}:{a_finished_process_id()}"},
        "alive": {tracking.PROCESS_TAG: f"{host}:{os.getppid()}"},
        "another machine": {tracking.PROCESS_TAG: f"not-{host}:1"},
        "an older version's": {},
    }
    runs = {name: client.create_run(experiment, tags=tags).info.run_id for name, tags in owners.items()}
    closed = tracking.close_interrupted_runs(params.tracking, started_ms=int(time.time() * 1000) + 1000)
    status = {name: client.get_run(run_id).info.status for name, run_id in runs.items()}
    assert status == {
        "stopped": "FAILED",
        "alive": "RUNNING",
        "another machine": "RUNNING",
        "an older version's": "FAILED",
    }
    assert len(closed) == 2 and all("marked FAILED" in line for line in closed)


def test_a_model_registered_with_the_key_set_loads_only_with_that_key(
    tmp_path: Path, monkeypatch, tiny_category_model, params
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model_card.json").write_text(json.dumps({"labels": list(tiny_category_model.classes_)}))
    monkeypatch.setenv(files.SIGNING_KEY_VARIABLE, "secret")
    run = tracking.log_training_run(
        params.tracking, tiny_category_model, {}, {}, {"card": tmp_path / "model_card.json"}, tags={}
    )
    import mlflow

    version = mlflow.MlflowClient().get_model_version(run.model_name, run.model_version)
    assert {tracking.SHA256_TAG, tracking.SIGNATURE_TAG} <= set(version.tags)
    assert list(tracking.load_model(params.tracking, run.model_uri).labels) == list(tiny_category_model.classes_)
    monkeypatch.setenv(files.SIGNING_KEY_VARIABLE, "another")
    with pytest.raises(files.ModelIntegrityError, match="not signed with the key"):
        tracking.load_model(params.tracking, run.model_uri)


@pytest.fixture
def champion_copy(tmp_path: Path, monkeypatch, tiny_category_model, params):
    """A tiny model registered and made champion in a fresh SQLite registry, which keeps a local copy."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model_card.json").write_text(json.dumps({"labels": list(tiny_category_model.classes_)}))
    run = tracking.log_training_run(
        params.tracking, tiny_category_model, {}, {}, {"card": tmp_path / "model_card.json"}, tags={}
    )
    tracking.set_alias(params.tracking, run.model_version, tracking.CHAMPION, run.run_id, "first")
    copy = tmp_path / "mlruns.db.models" / run.model_name / run.model_version
    return f"models:/{run.model_name}@{tracking.CHAMPION}", copy


def test_a_champion_loads_from_its_verified_local_copy_without_asking_mlflow(
    champion_copy, monkeypatch, tiny_category_model, params
):
    uri, copy = champion_copy
    assert {tracking.COPY_FILE, tracking.SKOPS_FILE, files.CARD_FILE} <= {path.name for path in copy.iterdir()}

    def no_mlflow(config):
        raise AssertionError("MLflow was asked although a verified copy was there")

    monkeypatch.setattr(tracking, "_mlflow", no_mlflow)
    loaded = tracking.load_model(params.tracking, uri)
    texts = pd.DataFrame({"description": ["The taxi to contact never came.", "The worker was rude."]})
    assert loaded.version.endswith("(champion)") and list(loaded.labels) == list(tiny_category_model.classes_)
    assert (loaded.predict_proba(texts) == tiny_category_model.predict_proba(texts)).all()


def test_a_local_copy_changed_after_it_was_written_is_refused(champion_copy, params):
    uri, copy = champion_copy
    model_file = copy / tracking.SKOPS_FILE
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(files.ModelIntegrityError, match="SHA-256"):
        tracking.load_model(params.tracking, uri)


def test_a_stale_local_copy_falls_back_to_the_registry_and_is_renewed(champion_copy, params, caplog):
    uri, copy = champion_copy
    pointer = json.loads((copy / tracking.COPY_FILE).read_text())
    (copy / tracking.COPY_FILE).write_text(json.dumps(pointer | {tracking.SHA256_TAG: "0" * 64}))
    with caplog.at_level("INFO", logger=tracking.__name__):
        loaded = tracking.load_model(params.tracking, uri)
    assert "stale" in caplog.text and loaded.version.endswith("(champion)")
    assert json.loads((copy / tracking.COPY_FILE).read_text())[tracking.SHA256_TAG] == pointer[tracking.SHA256_TAG]

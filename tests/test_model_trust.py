"""A registered model is checked before it is loaded, as a model folder is: its file against the SHA-256
recorded at registration, its signature when COMPLAINTS_MODEL_KEY is set, and its format (skops only).

Each test tampers with its own copy of the session's trained workspace and scores with the champion.
"""

import pickle
from pathlib import Path

import pytest
import yaml

from pipeline.data import files
from pipeline.lifecycle import tracking
from tests.conftest import CliResult, copy_workspace, run_cli

pytestmark = pytest.mark.slow

SCORE = ["score", "data/sample/new_complaints.csv", "--out", "scored.csv"]


class CreatesFile:
    """A pickle that creates a file when it is loaded: what a malicious model would do instead."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


@pytest.fixture
def copied(workspace: Path, tmp_path: Path) -> Path:
    return copy_workspace(workspace, tmp_path / "copy")


def champion_files(folder: Path, name: str = "complaints-category") -> Path:
    """The folder of the registered champion's MLflow model files (MLmodel, model.skops) in ``folder``."""
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlruns.db'}")
    version = mlflow.MlflowClient().get_model_version_by_alias(name, "champion")
    [found] = folder.glob(f"mlruns/*/models/{version.source.removeprefix('models:/')}/artifacts")
    return found


def refused(result: CliResult) -> bool:
    return result.returncode == 3 and "Refused:" in result.stderr and "Traceback" not in result.stderr


def test_a_registered_model_with_a_flipped_byte_is_refused(copied: Path):
    model_file = champion_files(copied) / "model.skops"
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_file.write_bytes(bytes(data))
    result = run_cli(SCORE, copied)
    assert refused(result), result.stderr
    assert "does not match the SHA-256" in result.stderr and not (copied / "scored.csv").exists()


def test_a_registered_model_rewritten_as_cloudpickle_is_refused_without_running_it(copied: Path, tmp_path: Path):
    marker = tmp_path / "payload_ran"
    payload = pickle.dumps(CreatesFile(marker))
    pickle.loads(payload)  # the payload is real: loading it creates the file
    assert marker.is_file()
    marker.unlink()
    artefacts = champion_files(copied)
    (artefacts / "model.pkl").write_bytes(payload)
    mlmodel = yaml.safe_load((artefacts / "MLmodel").read_text(encoding="utf-8"))
    mlmodel["flavors"]["sklearn"] |= {"serialization_format": "cloudpickle", "pickled_model": "model.pkl"}
    mlmodel["flavors"]["python_function"]["model_path"] = "model.pkl"
    (artefacts / "MLmodel").write_text(yaml.safe_dump(mlmodel), encoding="utf-8")
    result = run_cli(SCORE, copied)
    assert refused(result), result.stderr
    assert "stored as cloudpickle" in result.stderr and not marker.exists()


def test_with_the_key_set_an_unsigned_champion_is_refused(copied: Path):
    result = run_cli(SCORE, copied, env={files.SIGNING_KEY_VARIABLE: "our council's secret"})
    assert refused(result), result.stderr
    assert "not signed with the key in COMPLAINTS_MODEL_KEY" in result.stderr


def test_a_run_address_loads_the_version_it_registered_after_the_same_checks(copied: Path):
    import mlflow

    champion_files(copied)  # points MLflow at the copy's registry
    version = mlflow.MlflowClient().get_model_version_by_alias("complaints-category", "champion")
    model = ["--model", f"runs:/{version.run_id}/model"]
    result = run_cli([*SCORE, *model], copied)
    assert result.returncode == 0, result.stderr
    (champion_files(copied) / "model.skops").write_bytes(b"not a model")
    assert refused(run_cli([*SCORE, *model], copied))


def test_a_folder_model_that_is_not_the_champion_is_named_in_a_warning(copied: Path, fast_params, caplog):
    files.save_model({"weights": [1]}, {"model": "complaints-category", "labels": ["a"]}, copied / "elsewhere")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copied)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{copied / 'mlruns.db'}")
        tracking.load_model(fast_params.tracking, "elsewhere")
        tracking.load_model(fast_params.tracking, "models/category")
    [warning] = [record.getMessage() for record in caplog.records if "not the champion" in record.getMessage()]
    assert warning.startswith("elsewhere holds a model that was never registered, not the champion")
    assert "models:/complaints-category@champion" in warning

"""dvc.yaml on the bundled sample, in a temporary copy of the repository: repro, rerun nothing, rerun one stage.

The copy's params.yaml is the test profile (tests/params_fast.yaml written over params.yaml, comments kept),
so its train stage fits one search point; the stages import the copy's pipeline package.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, workspace_params_text

pytestmark = pytest.mark.slow
DVC = Path(sys.executable).with_name("dvc")


def _copy_repository(target: Path) -> None:
    """The files git tracks (what a clean clone holds), or the working tree's sources when not a git checkout."""
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    files = listed.stdout.split() if listed.returncode == 0 and listed.stdout else []
    if not files:
        ignore = shutil.ignore_patterns(".venv", "models", "outputs", "reports", "mlruns*", ".git", "__pycache__")
        shutil.copytree(REPO, target, ignore=ignore, dirs_exist_ok=True)
        return
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target / name)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{cwd / 'mlruns.db'}"  # nothing should be logged; never the real store
    env["PYTHONPATH"] = os.pathsep.join([str(cwd), *filter(None, [os.environ.get("PYTHONPATH")])])  # the copy's code
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)


@pytest.mark.skipif(not DVC.exists(), reason='DVC is an optional extra: pip install ".[dvc]"')
def test_dvc_repro_runs_every_stage_then_only_what_changed(tmp_path: Path):
    _copy_repository(tmp_path)
    (tmp_path / "params.yaml").write_text(workspace_params_text(), encoding="utf-8")
    git = ["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci"]
    assert _run(["git", "init", "-q"], tmp_path).returncode == 0
    if not (tmp_path / ".dvc").is_dir():
        assert _run([str(DVC), "init", "-q"], tmp_path).returncode == 0

    first = _run([str(DVC), "repro"], tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    for stage in ("prepare", "train", "evaluate", "score", "report"):
        assert f"Running stage '{stage}'" in first.stdout
    for path in ("data/prepared/train.csv", "models/category/model.joblib", "metrics/holdout.json"):
        assert (tmp_path / path).is_file(), path
    assert (tmp_path / "reports" / "complaints_report_2013-14.html").is_file()
    assert not (tmp_path / "mlruns.db").exists()  # the DVC pipeline saves models to folders, not to MLflow

    _run(["git", "add", "-A"], tmp_path)
    assert _run([*git, "commit", "-qm", "first run"], tmp_path).returncode == 0
    again = _run([str(DVC), "repro"], tmp_path)
    assert again.returncode == 0 and "Data and pipelines are up to date" in again.stdout

    params = (tmp_path / "params.yaml").read_text(encoding="utf-8")
    (tmp_path / "params.yaml").write_text(params.replace("  min_words: 3 ", "  min_words: 7 "), encoding="utf-8")
    diff = _run([str(DVC), "params", "diff"], tmp_path)
    assert "score.min_words" in diff.stdout and "7" in diff.stdout
    changed = _run([str(DVC), "repro"], tmp_path)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "Running stage 'score'" in changed.stdout
    assert "Stage 'train' didn't change, skipping" in changed.stdout
    assert "Running stage 'train'" not in changed.stdout
    metrics = _run([str(DVC), "metrics", "diff"], tmp_path)
    assert metrics.returncode == 0 and "metrics/scoring.json" in metrics.stdout

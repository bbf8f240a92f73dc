"""The one test through a real process: complaints built as a wheel, installed into a fresh virtual
environment outside the repository, and run there as an analyst would on their own export.

The wheel is built from a copy of the sources (nothing is written into the checkout). Its dependencies
come from this environment's site-packages by a ``.pth`` line, which adds the folder to the path without
running that folder's own ``.pth`` files, so the checkout's editable install cannot stand in for the wheel.
The same interpreter start-up turns the network guard on (tests/network_guard.py): outbound connections
are refused and recorded, and the test asserts there were none.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import FAST_PARAMS_FILE, REPO
from tests.council_exports import write_export
from tests.network_guard import LOG_VARIABLE

pytestmark = pytest.mark.slow
SOURCES = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "params.yaml",
    "themes.yaml",
    "pipeline",
)


def _build_wheel(folder: Path) -> Path:
    source = folder / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "packaged"))
        else:
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", folder / "dist", source],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (folder / "dist").glob("complaints_pipeline-*.whl")
    return wheel


def _fresh_venv(folder: Path, wheel: Path) -> Path:
    """A venv with the wheel installed, this environment's packages for its dependencies, and the guard."""
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    shutil.copy2(REPO / "tests" / "network_guard.py", purelib / "complaints_network_guard.py")
    (purelib / "zz_dependencies.pth").write_text(
        "import complaints_network_guard; complaints_network_guard.install_from_environment()\n"
        + sysconfig.get_paths()["purelib"]
        + "\n",
        encoding="utf-8",
    )
    return folder / "bin"


def test_the_built_wheel_runs_init_train_score_and_report_outside_the_repository(tmp_path: Path):
    bin_dir = _fresh_venv(tmp_path / "venv", _build_wheel(tmp_path))
    work = tmp_path / "council"
    work.mkdir()
    export = write_export("anytown.csv", work)
    network_log = tmp_path / "network.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "MLFLOW_", "VIRTUAL_ENV"))}
    env |= {"COLUMNS": "200", LOG_VARIABLE: str(network_log), "HOME": str(tmp_path / "home")}

    def complaints(*args: object) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [bin_dir / "complaints", *map(str, args)], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"complaints {' '.join(map(str, args))}:\n{done.stderr}"
        return done

    where = subprocess.run(
        [bin_dir / "python", "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout  # the wheel, not the checkout
    probe = subprocess.run(
        [bin_dir / "python", "-c", "import urllib.request; urllib.request.urlopen('http://example.com', timeout=5)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0 and "Outbound network is blocked" in probe.stderr  # the guard is on
    network_log.unlink()

    shown = complaints("--help")
    assert "Exit codes: 0 done; 2 a problem with an input file" in shown.stdout
    assert "--install-completion" in shown.stdout and "init" in shown.stdout
    complaints("init", export.name)
    fast = yaml.safe_load(FAST_PARAMS_FILE.read_text(encoding="utf-8")) | {"inherit": "council.yaml"}
    (work / "fast.yaml").write_text(yaml.safe_dump(fast), encoding="utf-8")
    complaints("check", export.name, "--params", "council.yaml")
    complaints("train", "--params", "fast.yaml")
    complaints("score", export.name, "--params", "fast.yaml", "--out", "scored.csv", "--no-explain")
    complaints("report", export.name, "--params", "fast.yaml", "--out", "report")

    scored = pd.read_csv(work / "scored.csv")
    assert len(scored) + len(pd.read_csv(work / "scored_rejects.csv")) == 482
    assert len(list((work / "report").glob("*.html"))) == 1
    assert not network_log.exists(), network_log.read_text(encoding="utf-8")
    assert not (tmp_path / "home").exists()  # nothing written outside the working folder (temp aside)

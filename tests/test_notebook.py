"""The analyst notebook: stored without outputs, and it runs top to bottom on the sample beside a champion."""

import json
import os
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_workspace

NOTEBOOK = REPO / "notebooks" / "new_year_retraining.ipynb"


def test_the_notebook_is_stored_without_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)


def test_the_notebook_defines_no_pipeline_logic():
    source = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"])
    assert "def " not in source and "class " not in source and "import sklearn" not in source


@pytest.mark.slow
def test_the_notebook_runs_on_the_sample(workspace: Path, tmp_path: Path, monkeypatch):
    nbclient = pytest.importorskip("nbclient", reason='running notebooks needs pip install ".[notebook]"')
    nbformat = pytest.importorskip("nbformat")
    copy_workspace(workspace, tmp_path)  # the sample beside a champion (v1) just trained by `complaints train`
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    # The kernel imports this checkout's pipeline, wherever the package is installed from.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.chdir(tmp_path)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = "\n".join(
        str(output.get("text", "")) + json.dumps(output.get("data", {}))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "champion v1" in outputs  # the comparison found the champion trained just before
    assert "Retrain" in outputs or "No retrain needed" in outputs
    assert (tmp_path / "reports" / "notebook" / "complaints_report.html").is_file()

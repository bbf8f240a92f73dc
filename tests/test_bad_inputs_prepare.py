"""The bad-input suite through `complaints prepare` (no model needed): exit code and message, and for every file that reads, rows in = the records the generator wrote = used + set aside."""

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.bad_inputs_common import IDS, reasons, said
from tests.conftest import make_workspace, run_cli
from tests.corpora.bad_inputs.generate import CASES, Case, write_case

pytestmark = pytest.mark.slow  # the command end to end on 42 files


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("bad_inputs"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_prepare_uses_or_sets_aside_every_record(case: Case, workdir: Path, tmp_path: Path):
    path, records = write_case(case, tmp_path)
    out = tmp_path / "prepared"
    result = run_cli(["prepare", "--data", path, "--out", out], workdir)
    assert result.returncode == case.prepare.code, said(result, case.prepare)
    assert "Traceback" not in result.stderr
    if case.prepare.code:
        assert case.prepare.says in " ".join(result.stderr.split()), result.stderr
        return
    summary = json.loads((out / "prepare.json").read_text())
    used = len(pd.read_csv(out / "train.csv")) + len(pd.read_csv(out / "holdout.csv"))
    issues = reasons(out / "data_issues.csv")
    assert summary["rows_in"] == records == used + len(issues)
    assert summary["rows_rejected"] == case.prepare.rejected, issues
    assert any(case.prepare.says in reason for reason in issues) if case.prepare.says else True

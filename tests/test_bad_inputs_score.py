"""The bad-input suite through `complaints score` on the session's trained workspace: exit code and message,
and for every file that reads, rows in = the records the generator wrote = scored + rejected."""

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.bad_inputs_common import IDS, reasons, said
from tests.conftest import copy_workspace, run_cli
from tests.corpora.bad_inputs.generate import CASES, Case, write_case

pytestmark = pytest.mark.slow


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40 and len(set(IDS)) == len(IDS)


@pytest.fixture(scope="module")
def workdir(workspace: Path, tmp_path_factory) -> Path:
    return copy_workspace(workspace, tmp_path_factory.mktemp("bad_inputs"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_score_scores_or_rejects_every_record(case: Case, workdir: Path, tmp_path: Path):
    path, records = write_case(case, tmp_path)
    out, summary = tmp_path / "scored.csv", tmp_path / "summary.json"
    result = run_cli(["score", path, "--out", out, "--summary-json", summary, "--no-explain"], workdir)
    assert result.returncode == case.score.code, said(result, case.score)
    assert "Traceback" not in result.stderr
    if case.score.code:
        assert case.score.says in " ".join(result.stderr.split()), result.stderr
        return
    counts = json.loads(summary.read_text())
    rejected = reasons(tmp_path / "scored_rejects.csv")
    assert counts["rows_in"] == records == counts["rows_scored"] + counts["rows_rejected"]
    assert len(pd.read_csv(out)) == counts["rows_scored"] and len(rejected) == counts["rows_rejected"]
    assert counts["rows_rejected"] == case.score.rejected, rejected
    assert any(case.score.says in reason for reason in rejected) if case.score.says else True

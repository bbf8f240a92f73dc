"""The bad-input suite through `complaints report` (no model needed): exit code and message, and every record
of a file that reports is counted, set aside by the report, or rejected by the reader with its reason."""

from datetime import date
from pathlib import Path

import pytest

from pipeline.config import load_params
from pipeline.data import inputs
from pipeline.report import report_records
from tests.bad_inputs_common import IDS, said
from tests.conftest import make_workspace, run_cli
from tests.corpora.bad_inputs.generate import CASES, Case, write_case

pytestmark = pytest.mark.slow  # the command end to end on 42 files


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("bad_inputs"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_report_runs_or_says_why(case: Case, workdir: Path, tmp_path: Path):
    path, records = write_case(case, tmp_path)
    result = run_cli(["report", path, "--out", tmp_path / "report", "--labels", "recorded"], workdir)
    assert result.returncode == case.report.code, said(result, case.report)
    assert "Traceback" not in result.stderr
    assert case.report.says in " ".join(result.stderr.split()), result.stderr
    if result.returncode == 0:
        params = load_params(workdir / "params.yaml")
        read = inputs.read_records(path, params, today=date.today())
        counted = report_records(read.validated.frame, params.labels, params.report)
        accounted = len(counted.frame) + len(counted.excluded) + len(read.validated.rejected)
        assert accounted == read.rows_in == records, (len(counted.frame), len(counted.excluded), read.rows_in)

"""A council's first hour: five other councils' exports of the sample (tests/council_exports.py) each go
init -> check -> train -> score -> report with no edit beyond accepting init's proposal, with outbound
network blocked throughout.

Training uses the test profile (tests/params_fast.yaml's search points) layered over the config init
wrote, so the test is about reading the export, not about the search.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import FAST_PARAMS_FILE, run_cli
from tests.council_exports import EXPORTS, write_export
from tests.network_guard import NetworkGuard

pytestmark = pytest.mark.slow

# What the page says when a section has no data, and the exports that rightly have none for it: city's
# export has no dates, so response times cannot be measured. Every other section must be filled.
EMPTY_SECTIONS = {
    "Root-cause themes": ("No themes in this year's complaints", ()),
    "Trends": ("No comparison year in the file", ()),
    "Responding in time": ("times cannot be measured", ("city.csv",)),
}


def _test_profile(council: Path) -> Path:
    """The accepted config with the test profile's modelling settings on top (nothing about the data)."""
    profile = yaml.safe_load(FAST_PARAMS_FILE.read_text(encoding="utf-8"))
    profile["inherit"] = council.name
    fast = council.with_name("fast.yaml")
    fast.write_text(yaml.safe_dump(profile), encoding="utf-8")
    return fast


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_goes_from_init_to_report_with_only_inits_proposal(name: str, tmp_path: Path):
    export = write_export(name, tmp_path)
    with NetworkGuard.installed() as guard:
        init = run_cli(["init", export.name], tmp_path)
        assert init.returncode == 0, init.stderr
        assert "matches nothing we know" not in init.stderr  # every spelling of the fixtures is placed
        council = tmp_path / "council.yaml"
        assert (tmp_path / "themes.yaml").is_file()
        assert "sample" not in council.read_text(encoding="utf-8").lower()

        check = run_cli(["check", export.name, "--params", council], tmp_path)
        assert check.returncode == 0, check.stderr
        set_aside = pd.read_csv(tmp_path / "check_set_aside.csv")
        assert set(set_aside["reason_code"]) <= {"duplicate", "empty_description", "no_year"}

        params = _test_profile(council)
        train = run_cli(["train", "--params", params], tmp_path)
        assert train.returncode == 0, train.stderr
        score = run_cli(["score", export.name, "--params", params, "--out", "scored.csv", "--no-explain"], tmp_path)
        assert score.returncode == 0, score.stderr
        report = run_cli(["report", export.name, "--params", params, "--out", "report"], tmp_path)
        assert report.returncode == 0, report.stderr
    assert guard.attempts == []

    page = next((tmp_path / "report").glob("*.html")).read_text(encoding="utf-8")
    assert "workshop" not in page and "published" not in page.lower()  # no borrowed facts
    assert "Before and after" not in page
    for section, (says_empty, rightly_empty) in EMPTY_SECTIONS.items():
        assert (says_empty in page) == (name in rightly_empty), section
    assert "not recognised" not in page  # every value of the export was mapped by init's proposal
    rows = len(pd.read_csv(tmp_path / "scored.csv")) + len(pd.read_csv(tmp_path / "scored_rejects.csv"))
    assert rows == 482

"""The report at scale on real data: UK Housing Ombudsman determinations through configs/housing_ombudsman.yaml.

Landlords are the teams (574 of them), findings the outcomes. Its speed (target: under 60 seconds
for one year) is measured by ``python -m benchmarks.report_scale``, not here.
"""

import dataclasses

import openpyxl
import pytest

from pipeline.config import load_params
from pipeline.data import files
from pipeline.data.schema import validate
from pipeline.report import build_report, render, report_records
from tests.conftest import REPO, needs_shared

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="session")  # session: made once even when other tests run between this module's
def housing_report():
    path = needs_shared("housing-ombudsman", "complaint_findings.csv.gz")
    params = load_params(REPO / "configs" / "housing_ombudsman.yaml")
    frame = validate(files.read_table(path), params.data, params.labels, purpose="score").frame
    records = report_records(frame, params.labels, params.report)
    settings = dataclasses.replace(params.report, year="2024/25")
    return params, records, build_report(records, settings, params.labels)


def test_every_row_is_counted_and_findings_map_to_outcomes(housing_report):
    _, records, built = housing_report
    assert len(records.frame) + len(records.excluded) == 33_096
    assert records.unrecognised_outcomes == {}
    assert set(records.excluded["reason_code"]) == {"no_year"}  # 109 determinations have no decision date
    assert records.frame["team"].nunique() > 560  # 573 landlords (and a few rows naming none)
    assert built.compare_to == "2023/24" and built.complaints > 5_000


def test_the_page_stays_readable_with_hundreds_of_landlords(housing_report, tmp_path):
    params, _, built = housing_report
    page = render.html(built)
    assert page.count("Other ") >= 3 and "teams</td>" in page  # the rest collapsed into one row per table
    first_table = page[page.index('id="team-outcomes"') : page.index('id="themes"')]
    # the largest teams, one row for the rest, the total, the header
    assert first_table.count("<tr>") <= len(built.team_outcomes) * (params.report.top_teams + 3)
    path = files.write_workbook(render.sheets(built), tmp_path / "housing.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True)
    themes = list(workbook["Themes by team"].iter_rows(values_only=True))
    landlords = built.theme_team["Team"].nunique()
    assert landlords > 300 and len({row[0] for row in themes[1:]}) == landlords  # every landlord of the year

"""`complaints feedback import|summary|export` on the trained workspace: the sample's closed 2015/16 year
replayed as officers' decisions (the officer chose the recorded label), then summarised and exported."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import load_params
from pipeline.data import inputs
from pipeline.data.schema import build_label_lookup, normalise_label, parse_dates
from tests.conftest import copy_workspace, run_cli

pytestmark = pytest.mark.slow
CLOSED = "data/sample/closed_2015_16.csv"


@pytest.fixture(scope="module")
def replayed(workspace, tmp_path_factory, params):
    """The closed year scored by the trained champion, its recorded labels imported as decisions."""
    folder = copy_workspace(workspace, tmp_path_factory.mktemp("feedback"))
    scored = run_cli(["score", CLOSED, "--out", "outputs/closed_scored.csv", "--no-explain"], folder)
    assert scored.returncode == 0, scored.stderr
    closed = pd.read_csv(folder / CLOSED, dtype=str, encoding="utf-8-sig")
    decisions = closed[["complaint_ref", "category", "themes"]]
    decisions.to_csv(folder / "decisions_from_case_system.csv", index=False)
    imported = run_cli(
        ["feedback", "import", "decisions_from_case_system.csv", "--scored", "outputs/closed_scored.csv"], folder
    )
    assert imported.returncode == 0, imported.stderr
    return folder, closed, imported


def test_every_closed_decision_is_imported(replayed):
    folder, closed, imported = replayed
    assert f"Recorded {len(closed)} of {len(closed)} decisions." in imported.stdout + imported.stderr
    assert not (folder / "decisions_from_case_system_rejects.csv").exists()


def test_the_summary_reports_the_acceptance_rate_computed_by_hand_from_the_scored_file(replayed, params):
    folder, closed, _ = replayed
    result = run_cli(["feedback", "summary", "--out", "reports"], folder)
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(folder / "outputs" / "closed_scored.csv", dtype=str, encoding="utf-8-sig")
    lookup = build_label_lookup(params.labels)  # the officer's label as validation reads it (aliases)
    recorded = closed.set_index("complaint_ref")["category"].map(lambda label: normalise_label(label, lookup))
    by_hand = scored.set_index("complaint_ref")["predicted_category"] == recorded
    overall = pd.read_excel(folder / "reports" / "feedback_summary.xlsx", sheet_name="Overall", header=1)
    assert overall.loc[0, "Decisions"] == len(closed) == 200  # the sample's closed year holds 200 complaints
    assert overall.loc[0, "Accepted"] == by_hand.sum() and 0 < by_hand.sum() < len(closed)
    assert overall.loc[0, "Acceptance"] == round(by_hand.mean(), 3)
    assert f"({by_hand.mean():.1%}," in " ".join(result.stderr.split())
    page = (folder / "reports" / "feedback_summary.html").read_text(encoding="utf-8")
    assert "do not publish" in page and "Suggestions shown as confident" in page
    for text in closed["description"].head(20):
        assert text[:40] not in page  # no complaint text on the page


def test_the_export_is_a_history_file_retrain_reads(replayed, fast_params, params):
    folder, closed, _ = replayed
    result = run_cli(["feedback", "export", "--out", "decisions.csv", "--texts", CLOSED], folder)
    assert result.returncode == 0, result.stderr
    exported = pd.read_csv(folder / "decisions.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert len(exported) == len(closed)
    lookup = build_label_lookup(params.labels)
    officer = sorted(normalise_label(label, lookup) for label in closed["category"])
    assert sorted(exported["category"]) == officer  # the officer's choice is the label
    assert "Sarah Jackson" not in " ".join(exported["description"])  # redacted like every file that leaves
    # Dated by when each complaint was received (carried from the scored file), not when it was decided.
    received = parse_dates(closed["date_received"], params.data.date_dayfirst, params.data.date_format)
    expected = dict(zip(closed["complaint_ref"], received.dt.strftime("%Y-%m-%d"), strict=True))
    assert dict(zip(exported["complaint_ref"], exported["date_received"], strict=True)) == expected
    assert set(exported["financial_year"]) == {"2015/16"} and "dated by the day" not in result.stderr
    latest, earlier = inputs.read_years(folder / CLOSED, [folder / "decisions.csv"], fast_params)
    history = earlier["decisions.csv"]
    assert len(history.frame) == len(closed) and history.rows_in == len(closed)


def test_without_text_the_export_says_how_many_were_left_out(replayed):
    folder, closed, _ = replayed
    result = run_cli(["feedback", "export", "--out", "no_text.csv"], folder)
    assert result.returncode == 0, result.stderr
    assert f"{len(closed)} decisions have no text" in " ".join(result.stderr.split())


def test_rows_that_cannot_be_joined_are_set_aside_with_the_reason(replayed):
    folder, closed, _ = replayed
    refs = closed["complaint_ref"].tolist()
    pd.DataFrame(
        {
            "complaint_ref": [refs[0], "NOPE-1", refs[1], refs[1], refs[2]],
            "category": ["Mystery", "Other", "Other", "About Policy", "Other"],
            "themes": ["", "", "", "", "parking_fines"],
        }
    ).to_csv(folder / "odd.csv", index=False)
    result = run_cli(["feedback", "import", "odd.csv", "--scored", "outputs/closed_scored.csv"], folder)
    assert result.returncode == 0, result.stderr
    assert "Recorded 0 of 5 decisions." in result.stdout + result.stderr
    rejects = pd.read_csv(folder / "outputs" / "odd_rejects.csv")  # with the outputs, not beside the input
    assert rejects["row"].tolist() == [2, 3, 4, 5, 6]
    problems = rejects["problem"].tolist()
    assert "Mystery" in problems[0] and "labels.aliases" in problems[0] and "not in the scored file" in problems[1]
    assert "more than one row" in problems[2] == problems[3] and "parking_fines" in problems[4]


def test_importing_the_same_decisions_again_in_a_council_s_own_columns_records_nothing_new(replayed):
    folder, closed, _ = replayed
    taxonomy = inputs.read_taxonomy(load_params(None).themes)
    names = {theme.id: theme.name for theme in taxonomy.themes}
    council = pd.DataFrame(
        {
            "Case Ref": closed["complaint_ref"],
            "Final Category": closed["category"],
            # Themes by name, as a case system shows them: read as the same ids.
            "Final Themes": [
                "; ".join(names[theme] for theme in str(themes).split(";") if theme) if pd.notna(themes) else ""
                for themes in closed["themes"]
            ],
        }
    )
    council.to_csv(folder / "case_system.csv", index=False)
    columns = ["--complaint-ref-column", "Case Ref", "--category-column", "Final Category"]
    columns += ["--themes-column", "Final Themes"]
    result = run_cli(
        ["feedback", "import", "case_system.csv", "--scored", "outputs/closed_scored.csv", *columns], folder
    )
    assert result.returncode == 0, result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert f"Recorded 0 of {len(closed)} decisions ({len(closed)} were recorded before: imported already)." in said


def test_a_bad_since_date_is_a_user_error(replayed):
    folder, _, _ = replayed
    result = run_cli(["feedback", "summary", "--since", "last week"], folder)
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_the_drift_report_gains_the_acceptance_rate_once_decisions_exist(replayed):
    folder, _, _ = replayed
    result = run_cli(["drift", "data/sample/complaints.csv", CLOSED, "--old-year", "2014/15"], folder)
    assert result.returncode == 0, result.stderr
    page = (folder / "reports" / "drift_2015-16_vs_2014-15.html").read_text(encoding="utf-8")
    assert "What officers decided" in page and "complaints-category v" in page


def test_a_store_without_its_driver_says_how_to_install_it_brackets_and_all(tmp_path):
    result = run_cli(
        ["feedback", "summary"], tmp_path, env={"COMPLAINTS_FEEDBACK_DATABASE_URL": "mysql+nodriver://u@h/db"}
    )
    assert result.returncode == 2
    assert "pip install -e '.[postgres]'" in " ".join(result.stderr.split())  # Rich did not eat "[postgres]"


def test_a_summary_of_a_period_without_decisions_says_how_many_came_before(replayed):
    folder, closed, _ = replayed
    result = run_cli(["feedback", "summary", "--since", "2099-01-01", "--out", "later"], folder)
    assert result.returncode == 0, result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert f"No decisions recorded since 1 January 2099 ({len(closed)} recorded before it)." in said

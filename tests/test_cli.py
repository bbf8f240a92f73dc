"""End to end: the `complaints` command on the bundled sample, in a temporary folder.

The commands run in this process (conftest.run_cli) on a copy of the session's trained workspace (the test
profile, tests/params_fast.yaml); tests/test_installed_wheel.py runs a built wheel as a process.
"""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import REPO, CliResult, copy_workspace, run_cli

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path) -> CliResult:
    return run_cli(args, cwd)


@pytest.fixture(scope="module")
def workdir(workspace: Path, tmp_path_factory) -> Path:
    """This module's copy of the trained workspace (a first training that succeeded), which its tests change."""
    return copy_workspace(workspace, tmp_path_factory.mktemp("demo"))


def test_train_writes_model_card_metrics_and_an_mlflow_run(trained_workspace):
    workdir, result = trained_workspace  # the first training, before any test trains again
    assert result.returncode == 0, result.stderr
    model_dir = workdir / "models" / "category"
    for name in ("model.joblib", "model_card.json", "metrics.json", "confusion_matrix.png", "data_issues.csv"):
        assert (model_dir / name).is_file(), name
    for name in ("model.joblib", "model_card.json", "model_card.md", "metrics.json"):
        assert (workdir / "models" / "themes" / name).is_file(), name
    plain = (model_dir / "model_card.md").read_text(encoding="utf-8")
    assert "## Where it is weak" in plain and "## Personal data" in plain
    theme_card = pd.read_json(workdir / "models" / "themes" / "model_card.json", typ="series")
    assert len(theme_card["themes"]) == 17 and all(0 < t["possible_threshold"] < 1 for t in theme_card["themes"])
    # Assigned themes have a threshold; the others (null) are only ever shown as possible.
    assert all((0 < t["threshold"] < 1) == t["assigned"] for t in theme_card["themes"] if t["threshold"] is not None)
    assert all(t["assigned"] == (t["threshold"] is not None) for t in theme_card["themes"])
    card = pd.read_json(model_dir / "model_card.json", typ="series")
    assert len(card["model_sha256"]) == 64 and card["data"]["rows_in"] == 482
    issues = pd.read_csv(model_dir / "data_issues.csv")
    assert sorted(issues["reason_code"].value_counts().items()) == [("duplicate", 3), ("empty_description", 2)]
    assert "is now 'champion'" in result.stderr

    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns.db'}")
    runs = mlflow.search_runs(experiment_names=["complaints-category"], output_format="list")
    assert sorted(r.data.tags["head"] for r in runs) == ["category", "themes"]
    [run_info] = [r for r in runs if r.data.tags["head"] == "category"]
    assert run_info.data.metrics["holdout_accuracy"] > 0.5
    assert {a.path for a in mlflow.MlflowClient().list_artifacts(run_info.info.run_id)} >= {
        "model_card.json",
        "metrics.json",
        "confusion_matrix.png",
    }
    version = mlflow.MlflowClient().get_model_version_by_alias("complaints-category", "champion")
    assert str(version.version) == "1"


def test_retraining_the_same_model_does_not_displace_the_champion(workdir: Path):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("complaints-category").experiment_id
    killed = client.create_run(experiment, tags={"head": "category"}).info.run_id  # a training that was killed
    champion_card = (workdir / "models" / "category" / "model_card.json").read_text(encoding="utf-8")
    result = run(["train"], workdir)
    assert result.returncode == 0, result.stderr
    assert f"MLflow run {killed} was left running by a command that stopped: marked FAILED" in result.stderr
    assert client.get_run(killed).info.status == "FAILED"
    assert "complaints-category v2 is now 'challenger'" in result.stderr
    assert "complaints-themes v2 is now 'challenger'" in result.stderr
    # The challenger has its own folder; the champion's is untouched.
    assert "models/challenger/category (challenger; models/category still holds the champion)" in result.stderr
    assert (workdir / "models" / "challenger" / "category" / "model_card.json").is_file()
    assert (workdir / "models" / "category" / "model_card.json").read_text(encoding="utf-8") == champion_card


def test_score_keeps_every_row_and_flags_review(workdir: Path):
    result = run(["score", "data/sample/new_complaints.csv", "--out", "out/scored.xlsx"], workdir)
    assert result.returncode == 0, result.stderr
    scored = pd.read_excel(workdir / "out" / "scored.xlsx")
    source = pd.read_csv(workdir / "data" / "sample" / "new_complaints.csv")
    assert scored["complaint_ref"].tolist() == source["complaint_ref"].tolist()
    # The input's columns as they came, then the row number and the suggestions: it joins back on the reference.
    assert list(scored.columns[: len(source.columns) + 2]) == [*source.columns, "source_row", "predicted_category"]
    empty = scored["review_reason"] == "empty description"
    assert empty.sum() == 1 and scored.loc[empty, "predicted_category"].isna().all()
    assert scored["needs_review"].sum() >= 2  # the empty and the two-word complaint at least
    assert (scored["themes"].fillna("") != "").mean() > 0.5 and scored["category_terms"].notna().mean() > 0.9


def test_score_streams_chunks_and_accounts_for_unreadable_rows(workdir: Path):
    source = (workdir / "data" / "sample" / "new_complaints.csv").read_text(encoding="utf-8").splitlines()
    header, rows = source[0], source[1:40]
    broken = [header, *rows[:10], rows[10] + ",extra,fields", *rows[11:]]
    (workdir / "broken.csv").write_text("\n".join(broken) + "\n", encoding="utf-8")
    params = (workdir / "params.yaml").read_text(encoding="utf-8").replace("chunk_rows: 5000", "chunk_rows: 7")
    assert "chunk_rows: 7" in params
    (workdir / "small_chunks.yaml").write_text(params, encoding="utf-8")
    result = run(
        ["score", "broken.csv", "--out", "out/broken.parquet", "-p", "small_chunks.yaml", "--summary-json", "s.json"],
        workdir,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["rows_in"] == 39 and summary["rows_scored"] == 38 and summary["rows_rejected"] == 1
    assert summary["model_version"] == "complaints-category v1 (champion)"
    scored = pd.read_parquet(workdir / "out" / "broken.parquet")
    rejects = pd.read_csv(workdir / "out" / "broken_rejects.csv")
    assert rejects["source_row"].tolist() == [12] and "fields where the header has" in rejects["reason"][0]
    assert scored["source_row"].tolist() == [n for n in range(2, 41) if n != 12]
    assert (
        scored["complaint_ref"].tolist()[:3] == pd.read_csv(workdir / "broken.csv", nrows=3)["complaint_ref"].tolist()
    )


def test_suggest_gives_categories_themes_and_words(workdir: Path):
    text = "The taxi to contact never turned up and the social worker was rude and shouted at me."
    result = run(["suggest", text, "--json"], workdir)
    assert result.returncode == 0, result.stderr
    suggestion = json.loads(result.stdout)
    assert len(suggestion["categories"]) == 3
    assert abs(sum(c["probability"] for c in suggestion["categories"]) - 1) < 0.2
    patterns = {t["theme"]: t["patterns"] for t in suggestion["themes"]} | suggestion["patterns_without_theme"]
    assert "taxi to contact" in str(patterns["contact_arrangements"])
    assert suggestion["category_words"] and all(w.lower() in text.lower() for w in suggestion["category_words"])
    assert all(
        set(w.lower().split()) <= set(text.lower().strip(".").split()) for t in suggestion["themes"] for w in t["words"]
    )


def test_evaluate_measures_a_saved_model_on_another_file(workdir: Path):
    result = run(["evaluate", "data/sample/complaints.csv", "--out", "eval.json"], workdir)
    assert result.returncode == 0, result.stderr
    metrics = pd.read_json(workdir / "eval.json", typ="series")
    assert metrics["n"] == 480 and 0 < metrics["accuracy"] <= 1


def test_missing_column_exits_2_and_writes_nothing(workdir: Path, tmp_path: Path):
    bad = pd.read_csv(workdir / "data" / "sample" / "complaints.csv").drop(columns=["description"])
    bad.to_csv(tmp_path / "bad.csv", index=False)
    shutil.copy(workdir / "params.yaml", tmp_path / "params.yaml")
    shutil.copy(workdir / "themes.yaml", tmp_path / "themes.yaml")
    result = run(["train", "--data", "bad.csv"], tmp_path)
    assert result.returncode == 2
    assert (
        "no column 'description'" in result.stderr
        and "Columns found (the names in row 1 of the file):" in result.stderr
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "params.yaml", "themes.yaml"]
    models = ["--model", str(workdir / "models" / "category"), "--themes-model", str(workdir / "models" / "themes")]
    result = run(["score", "bad.csv", "--out", "never.csv", *models], tmp_path)
    assert result.returncode == 2 and "no column 'description'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "params.yaml", "themes.yaml"]


def test_a_tampered_model_is_refused(workdir: Path):
    target = workdir / "tampered"
    shutil.copytree(workdir / "models" / "category", target)
    with open(target / "model.joblib", "ab") as handle:
        handle.write(b"\0")
    result = run(["score", "data/sample/new_complaints.csv", "--model", "tampered", "--out", "x.csv"], workdir)
    assert result.returncode == 3 and "does not match the SHA-256" in result.stderr


def test_report_writes_the_page_and_workbook_with_suggested_labels_beside_recorded(workdir: Path):
    result = run(
        ["report", "data/sample/complaints.csv", "-p", "configs/sample.yaml", "--year", "2013/14", "--labels", "both"],
        workdir,
    )
    assert result.returncode == 0, result.stderr
    page = (workdir / "reports" / "complaints_report_2013-14.html").read_text(encoding="utf-8")
    # The sample council's own facts, from its own config: the workshop, and its published tables reconciled.
    assert (
        "Before and after May 2014 managers&#39; workshop" in page
        or "Before and after May 2014 managers' workshop" in page
    )
    assert "figures and rows match the records" in page
    assert "Recorded and suggested labels" in page and "suggestions in 2013/14 need review" in page
    assert "complaints-category v" in page  # the model version behind the suggestions
    workbook = pd.ExcelFile(workdir / "reports" / "complaints_report_2013-14.xlsx")
    assert {"Agreement by category", "Recorded vs suggested"} <= set(workbook.sheet_names)
    categories = workbook.parse("Categories").set_index("Category")
    assert categories.at["Total", "2013/14"] == 116 and categories.at["Delay/Failed Service", "2013/14"] == 47
    assert "116 complaints in 2013/14" in result.stderr


def test_report_for_a_year_the_file_lacks_exits_2_with_the_years_it_has(workdir: Path):
    result = run(["report", "data/sample/complaints.csv", "--year", "2019/20", "--out", "other"], workdir)
    assert result.returncode == 2
    assert "no complaints in 2019/20" in result.stderr and "2011/12, 2012/13, 2013/14, 2014/15" in result.stderr
    assert not (workdir / "other").exists()


def test_a_report_on_another_councils_export_borrows_none_of_the_samples_facts(workdir: Path):
    export = REPO / "tests" / "corpora" / "independent_complaints" / "complaints.csv"
    result = run(["report", export, "--out", "independent"], workdir)  # params.yaml: the defaults
    assert result.returncode == 0, result.stderr
    [page_file] = (workdir / "independent").glob("*.html")
    page = page_file.read_text(encoding="utf-8")
    assert "workshop" not in page and "Before and after" not in page
    assert "match the records" not in page and "published" not in page.lower()
    workbook = pd.ExcelFile(next((workdir / "independent").glob("*.xlsx")))
    assert "Before and after" not in workbook.sheet_names


def test_report_on_a_scored_file_uses_its_suggestions(workdir: Path):
    scored = run(["score", "data/sample/new_complaints.csv", "--out", "out/new_scored.csv", "--no-explain"], workdir)
    assert scored.returncode == 0, scored.stderr
    result = run(["report", "out/new_scored.csv", "--out", "scored_report"], workdir)
    assert result.returncode == 0, result.stderr
    sheets = pd.read_excel(workdir / "scored_report" / "complaints_report_2015-16.xlsx", sheet_name=None)
    assert sheets["Categories"].set_index("Category").at["Total", "2015/16"] == 200  # every row, text or not
    assert "model's suggestions, not recorded decisions" in " ".join(sheets["Notes"]["Note"])
    refused = run(["report", "out/new_scored.csv", "--labels", "both", "--out", "x"], workdir)
    assert refused.returncode == 2 and "scored file" in refused.stderr


def test_retrain_compares_with_the_champion_and_links_the_runs(workdir: Path):
    result = run(
        ["retrain", "data/sample/closed_2015_16.csv", "--history", "data/sample/complaints.csv", "--out", "retrain"],
        workdir,
    )
    assert result.returncode == 0, result.stderr
    notes = (workdir / "retrain" / "retrain_2015-16.md").read_text(encoding="utf-8")
    assert "## Decision" in notes and "champion v1" in notes and "## Per team" in notes
    assert "was read as its national category through labels.aliases" in notes
    sheets = pd.read_excel(workdir / "retrain" / "retrain_2015-16.xlsx", sheet_name=None)
    assert {"decision", "what changed", "Categories", "Per category", "Per team"} <= set(sheets)
    national = set(yaml.safe_load((workdir / "params.yaml").read_text(encoding="utf-8"))["labels"]["categories"])
    assert len(sheets["Per category"]) >= 5 and set(sheets["Per category"]["category"]) <= national

    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns.db'}")
    runs = mlflow.search_runs(experiment_names=["complaints-category"], output_format="list")
    evaluations = [r for r in runs if r.data.tags.get("kind") == "champion evaluation"]
    [evaluation] = [r for r in evaluations if r.data.tags["head"] == "category"]
    assert evaluation.data.tags["evaluates_version"] == "1" and "holdout_macro_f1" in evaluation.data.metrics
    challenger = mlflow.get_run(evaluation.data.tags["challenger_run_id"])
    assert challenger.data.tags["champion_evaluation_run_id"] == evaluation.info.run_id
    assert challenger.data.tags["compared_with_version"] == "1" and challenger.data.tags["new_year"] == "2015/16"


def test_label_issues_lists_suspect_records_with_redacted_text(workdir: Path):
    result = run(["label-issues", "data/sample/complaints.csv", "--out", "out/label_issues.csv"], workdir)
    assert result.returncode == 0, result.stderr
    issues = pd.read_csv(workdir / "out" / "label_issues.csv")
    assert len(issues) > 5 and (issues["recorded_category"] != issues["suggested_category"]).all()
    assert not issues["redacted_text"].str.contains(r"\bMs [A-Z][a-z]+ [A-Z][a-z]+", regex=True).any()
    assert "482 rows in:" in result.stderr and "set aside" in result.stderr


def test_drift_writes_a_page_and_says_whether_to_retrain(workdir: Path):
    result = run(
        [
            "drift",
            "data/sample/complaints.csv",
            "data/sample/closed_2015_16.csv",
            "--old-year",
            "2014/15",
            "--out",
            "drift",
        ],
        workdir,
    )
    assert result.returncode == 0, result.stderr
    page = (workdir / "drift" / "drift_2015-16_vs_2014-15.html").read_text(encoding="utf-8")
    assert "Recommendation" in page and "<script" not in page
    assert "retrain" in result.stderr.lower() and "First Response" in result.stderr  # the renamed team is noticed
    missing = run(
        ["drift", "data/sample/complaints.csv", "data/sample/closed_2015_16.csv", "--old-year", "2019/20"], workdir
    )
    assert missing.returncode == 2 and "has no records in 2019/20" in missing.stderr


def test_version_is_the_installed_package_version(tmp_path: Path):
    from importlib.metadata import version

    result = run(["--version"], tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"complaints {version('complaints-pipeline')}"

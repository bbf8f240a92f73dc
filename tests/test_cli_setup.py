"""`complaints init` and `complaints check` in this process: a council's first two commands (no training)."""

from pathlib import Path

import pandas as pd
import pytest

from pipeline.defaults import THEMES_NAME, default_file
from tests.conftest import run_cli
from tests.council_exports import write_export


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_export("anytown.csv", tmp_path)
    return tmp_path


def test_init_never_overwrites_a_config_without_force_nor_an_edited_themes_file(folder: Path):
    first = run_cli(["init", "anytown.csv"], folder)
    assert first.returncode == 0, first.stderr
    assert "Read as: CSV, Windows-1252, comma-delimited, column names in row 1" in first.stderr
    assert (folder / THEMES_NAME).read_text(encoding="utf-8") == default_file(THEMES_NAME).read_text(encoding="utf-8")
    (folder / "council.yaml").write_text("# edited\ninherit: defaults\n", encoding="utf-8")
    (folder / THEMES_NAME).write_text("# edited themes\n", encoding="utf-8")

    again = run_cli(["init", "anytown.csv"], folder)
    assert again.returncode == 2 and "council.yaml already exists: add --force" in again.stderr
    assert (folder / "council.yaml").read_text(encoding="utf-8").startswith("# edited")

    second = run_cli(["init", "anytown.csv", "--out", "second.yaml"], folder)
    assert second.returncode == 0 and "yours, kept" in second.stderr
    assert (folder / THEMES_NAME).read_text(encoding="utf-8") == "# edited themes\n"  # shared, not replaced

    forced = run_cli(["init", "anytown.csv", "--force"], folder)
    assert forced.returncode == 0
    assert "inherit: defaults" in (folder / "council.yaml").read_text(encoding="utf-8")
    assert (folder / THEMES_NAME).read_text(encoding="utf-8") == "# edited themes\n"  # never replaced


def test_init_proposes_against_the_packaged_defaults_not_a_local_params_file(folder: Path):
    (folder / "params.yaml").write_text(
        "inherit: defaults\nlabels:\n  categories: [Weather, Other]\n", encoding="utf-8"
    )
    result = run_cli(["init", "anytown.csv"], folder)
    assert result.returncode == 0, result.stderr
    assert "matches nothing we know" not in result.stderr  # judged against the ten national categories


def test_init_names_every_spelling_it_cannot_place(folder: Path):
    export = pd.read_csv(folder / "anytown.csv", encoding="cp1252", dtype=str)
    export.loc[:4, "Outcome"] = "Escalated to Ofsted"
    export.to_csv(folder / "odd.csv", index=False)
    result = run_cli(["init", "odd.csv"], folder)
    assert result.returncode == 0
    assert "outcome 'Escalated to Ofsted' (5 rows) matches nothing we know" in result.stderr
    assert "# 'Escalated to Ofsted': ?   # 5 rows" in (folder / "council.yaml").read_text(encoding="utf-8")


def test_check_exits_0_when_everything_would_run_and_lists_the_rows_set_aside(folder: Path):
    assert run_cli(["init", "anytown.csv"], folder).returncode == 0
    result = run_cli(["check", "anytown.csv", "--params", "council.yaml", "--out", "aside.csv"], folder)
    assert result.returncode == 0, result.stderr
    assert "Train, score and report would run." in result.stderr
    aside = pd.read_csv(folder / "aside.csv")
    assert {"source_row", "reason_code", "reason", "used_by"} <= set(aside.columns)
    assert set(aside.loc[aside["used_by"] == "train", "reason_code"]) == {"duplicate", "empty_description"}


def test_check_exits_2_and_names_the_fix_when_the_columns_are_not_mapped(folder: Path):
    result = run_cli(["check", "anytown.csv"], folder)  # the defaults: none of the council's columns mapped
    assert result.returncode == 2
    assert "no column 'description'" in result.stderr and "complaints init FILE" in result.stderr
    assert "Fix the problems above first." in result.stderr

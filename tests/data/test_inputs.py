"""Reading what a command is given: a retrain's years, the training input, a report's taxonomy and published tables."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from pipeline.data import inputs
from pipeline.data.prepare import prepare
from pipeline.data.schema import DataContractError
from tests.conftest import REPO

SAMPLE = REPO / "data" / "sample"


def test_a_retrains_years_are_read_with_the_history_by_file_name(params):
    latest, earlier = inputs.read_years(SAMPLE / "closed_2015_16.csv", [SAMPLE / "complaints.csv"], params)
    assert list(earlier) == ["complaints.csv"] and earlier["complaints.csv"].rows_in == 482
    assert set(latest.frame["financial_year"].dropna()) >= {"2015/16"}
    assert "2015/16" not in set(earlier["complaints.csv"].frame["financial_year"])


def test_two_history_files_with_one_name_are_refused_before_anything_is_read(params, tmp_path: Path):
    (tmp_path / "a").mkdir()
    shutil.copy(SAMPLE / "complaints.csv", tmp_path / "a" / "complaints.csv")
    history = [SAMPLE / "complaints.csv", tmp_path / "a" / "complaints.csv"]
    with pytest.raises(DataContractError, match="share a name"):
        inputs.read_years(tmp_path / "missing.csv", history, params)


def test_train_reads_the_data_file_or_the_prepared_split(params, tmp_path: Path):
    data_file, validated, prepared = inputs.read_training_input(params, SAMPLE / "complaints.csv", None)
    assert data_file == SAMPLE / "complaints.csv" and validated.rows_in == 482 and prepared is None
    split = prepare(validated.frame, params.prepare, min_train_rows=params.train.calibration_folds)
    inputs.write_prepared(validated, split, data_file, tmp_path / "prepared")
    data_file, again, prepared = inputs.read_training_input(params, SAMPLE / "ignored.csv", tmp_path / "prepared")
    assert data_file == tmp_path / "prepared" / inputs.PREPARED_TRAIN
    assert prepared is not None and len(prepared.holdout) == len(split.holdout)
    assert prepared.holdout_name == split.holdout_name and again.rows_in == 482


def test_a_report_reads_the_taxonomy_only_with_themes_on_and_the_published_tables_when_named(params):
    themes = dataclasses.replace(params.themes, taxonomy_file=str(REPO / "themes.yaml"))
    taxonomy, published = inputs.read_report_references(themes, str(SAMPLE / "published_2013_14.yaml"))
    assert taxonomy is not None and "contact_arrangements" in taxonomy.ids
    assert published is not None and published["year"] == "2013/14"
    off = dataclasses.replace(themes, enabled=False, taxonomy_file="no/such/themes.yaml")
    assert inputs.read_report_references(off, None) == (None, None)

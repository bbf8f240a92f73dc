import dataclasses
from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_params
from pipeline.data import inputs
from pipeline.defaults import PARAMS_NAME, THEMES_NAME, default_file, params_file
from pipeline.errors import USER_ERRORS
from tests.conftest import REPO


def test_repository_params_load_into_frozen_sections(params):
    assert params.prepare.split == "time"
    assert len(params.labels.categories) == 10
    assert params.train.C == (0.1, 0.3, 1.0)
    with pytest.raises(AttributeError):
        params.train.C = (1.0,)


def test_inherit_overrides_only_what_it_states(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text(f"inherit: {REPO / 'params.yaml'}\nprepare:\n  split: stratified\n", encoding="utf-8")
    params = load_params(child)
    assert params.prepare.split == "stratified"
    assert params.prepare.min_class_count == 5  # inherited
    assert params.data.columns["description"] == "description"


def test_report_settings_are_typed(params, sample_params):
    assert dict(params.report.timescales) == {1: (10, 20), 2: (25, 65), 3: (50, 50)}
    assert sample_params.report.change_date == "2014-05-21"  # YAML reads it as a date; kept as ISO text
    housing = load_params(REPO / "configs/housing_ombudsman.yaml")
    aliases = housing.report.outcome_aliases  # a mapping in an inheriting file adds to the parent's
    assert aliases["Maladministration"] == "Upheld" and aliases["Partly Upheld"] == "Partially Upheld"


def test_cfpb_config_maps_its_columns():
    params = load_params(REPO / "configs/cfpb.yaml")
    assert params.data.columns["description"] == "Consumer complaint narrative"
    assert params.labels.categories is None
    assert "team" in params.data.columns and "stage" not in params.data.columns


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("prepare:\n  split: sideways\n", "prepare.split is 'sideways'; choose one of"),
        ("train:\n  colour: red\n", "Unknown key(s) in section 'train': colour"),
        ("reporting:\n  x: 1\n", "Unknown section(s)"),
        ("features:\n  embeddings: bert\n", "features.embeddings is 'bert'; choose one of: minilm, none"),
        ("report:\n  labels: guessed\n", "report.labels is 'guessed'; choose one of: both, predicted, recorded"),
        ("report:\n  timescales: {1: [10, -2]}\n", "report.timescales is"),
        ("report:\n  change_date: 21/05/2014\n", "report.change_date is '21/05/2014'; write the date as YYYY-MM-DD"),
        ("data:\n  header_row: 0\n", "data.header_row is 0; give the row number of the column names"),
        ("data:\n  header_row: three\n", "data.header_row is 'three'"),
        (
            "service:\n  allowed_hosts: [localhost:8000]\n",
            "service.allowed_hosts is .*; list host names or addresses without a port",
        ),
        ("service:\n  max_queue: 10\n", "service.max_queue (10) is less than service.max_batch (100)"),
        ("service:\n  workers: 0\n", "service.workers is 0"),
        ("train:\n  heads: [embedding]\n", "train.heads is .*; list linear first"),
        ("train:\n  heads: [linear, embedding]\n", "train.heads lists embedding but features.embeddings is none"),
        ("train:\n  prior_power: [0, 2]\n", "train.prior_power is .*; give a number from 0 to 1"),
    ],
)
def test_bad_params_say_what_is_wrong(tmp_path: Path, extra: str, message: str):
    path = tmp_path / "bad.yaml"
    path.write_text(f"inherit: {REPO / 'params.yaml'}\n{extra}", encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_params(path)


def test_allowed_hosts_are_compared_without_case_brackets_or_spaces(tmp_path: Path, params):
    assert params.service.allowed_hosts == ("localhost", "127.0.0.1", "::1")
    path = tmp_path / "proxy.yaml"
    path.write_text(
        f"inherit: {REPO / 'params.yaml'}\nservice:\n  allowed_hosts: [' Complaints.Example.gov.uk', '[::1]']\n"
    )
    assert load_params(path).service.allowed_hosts == ("complaints.example.gov.uk", "::1")


def test_the_header_row_is_found_unless_given(params, tmp_path: Path):
    assert params.data.header_row is None
    path = tmp_path / "council.yaml"
    path.write_text(f"inherit: {REPO / 'params.yaml'}\ndata:\n  header_row: 3\n", encoding="utf-8")
    assert load_params(path).data.header_row == 3


def test_missing_keys_and_sections_are_named(tmp_path: Path):
    path = tmp_path / "short.yaml"
    path.write_text("data:\n  train_file: x.csv\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Section 'data' is missing key\(s\): score_file, columns"):
        load_params(path)
    path.write_text("data:\n  train_file: x.csv\n  score_file: y.csv\n  columns: {description: text}\n")
    with pytest.raises(ConfigError, match="Section 'labels' is missing"):
        load_params(path)


def test_params_cannot_be_changed_after_loading(params):
    with pytest.raises(TypeError):
        params.data.columns["description"] = "other"
    assert params.as_dict()["data"]["columns"]["description"] == "description"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("evaluate:\n  cv_folds: 1\n", "evaluate.cv_folds is 1"),
        ("train:\n  C: [0.1, -1]\n", "train.C is"),
        ("evaluate:\n  suggestion_threshold: 1.5\n", "suggestion_threshold is 1.5"),
        ("features:\n  embedding_weight: 0\n", "features.embedding_weight is 0"),
    ],
)
def test_out_of_range_values_are_named(tmp_path: Path, extra: str, message: str):
    path = tmp_path / "bad.yaml"
    path.write_text(f"inherit: {REPO / 'params.yaml'}\n{extra}", encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_params(path)


def test_outcome_aliases_must_land_on_a_known_outcome(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"inherit: {REPO / 'params.yaml'}\nreport:\n  outcome_aliases: {{Maladmin: Uphld}}\n")
    with pytest.raises(ConfigError, match=r"unknown outcome \(Maladmin: Uphld\); use one of: Upheld"):
        load_params(path)


def _params_with(tmp_path: Path, section: str, key: str, value) -> Path:
    import yaml

    path = tmp_path / "params.yaml"
    path.write_text(f"inherit: {REPO / 'params.yaml'}\n" + yaml.safe_dump({section: {key: value}}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("themes", "calibration", ["isotonic", "sigmoid"]),
        ("train", "confidence_calibration", ["none"]),
        ("train", "calibration", [["isotonic"]]),
        ("train", "calibration", []),
    ],
)
def test_a_list_where_one_choice_belongs_is_a_clear_error(tmp_path: Path, section: str, key: str, value):
    with pytest.raises(ConfigError, match=f"{section}.{key} is"):
        load_params(_params_with(tmp_path, section, key, value))


def test_calibration_methods_listed_twice_are_searched_once(tmp_path: Path):
    params = load_params(_params_with(tmp_path, "train", "calibration", ["sigmoid", "isotonic", "sigmoid"]))
    assert params.train.calibration == ("sigmoid", "isotonic")


def test_the_defaults_carry_no_councils_facts(params, sample_params):
    """params.yaml is every council's starting point: no change date, label or published tables of the sample's."""
    assert params.report.change_date is None and params.report.published_file is None
    assert "workshop" not in params.report.change_label
    assert sample_params.report.published_file == "data/sample/published_2013_14.yaml"
    assert dataclasses.replace(sample_params, report=params.report) == params  # the sample file adds only those


def test_inherit_defaults_means_the_packaged_params_wherever_complaints_is_installed(tmp_path: Path, params):
    council = tmp_path / "council.yaml"
    council.write_text("inherit: defaults\nprepare:\n  split: stratified\n", encoding="utf-8")
    loaded = load_params(council)
    assert loaded.prepare.split == "stratified"
    assert dataclasses.replace(loaded, prepare=params.prepare) == params


def test_a_section_heading_with_only_comments_under_it_changes_nothing(tmp_path: Path, params):
    council = tmp_path / "council.yaml"
    council.write_text("inherit: defaults\nreport:\n  # change_date: 2024-04-01\ntrain:\n", encoding="utf-8")
    assert load_params(council) == params


def test_the_params_file_is_the_one_given_else_the_local_one_else_the_packaged_one(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert params_file(None) == default_file(PARAMS_NAME)
    assert default_file(PARAMS_NAME).is_file() and default_file(THEMES_NAME).is_file()
    (tmp_path / PARAMS_NAME).write_text("inherit: defaults\n", encoding="utf-8")
    assert params_file(None) == Path(PARAMS_NAME)
    assert params_file(tmp_path / "other.yaml") == tmp_path / "other.yaml"
    assert load_params(None).prepare.split == "time"  # the local file, inheriting the defaults


def test_a_themes_file_left_null_is_the_packaged_one_and_a_named_one_must_exist(tmp_path: Path, params):
    assert params.themes.taxonomy_file is None
    packaged = inputs.read_taxonomy(params.themes)
    assert packaged is not None and len(packaged.themes) > 5
    named = dataclasses.replace(params.themes, taxonomy_file=str(tmp_path / "themes.yaml"))
    with pytest.raises(USER_ERRORS, match="themes.yaml"):
        inputs.read_taxonomy(named)

"""Shared fixtures: the repository's params, small in-memory frames, one model trained once per session,
the `complaints` command run in this process, and one trained workspace per test run."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.config import Params, load_params
from pipeline.data import files
from pipeline.data.schema import validate
from pipeline.modelling.contract import LoadedModel
from pipeline.modelling.model import build_category_model, build_theme_model
from pipeline.serving.score import Scorers

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# The test profile: params.yaml with one search point and fewer folds (the search is tested in test_train.py).
FAST_PARAMS_FILE = REPO / "tests" / "params_fast.yaml"
# The seed report's Table 1 for 2013/14 as published (shared/domain.md), typed here rather than read
# from the generator, so that the sample and the report are both checked against the source.
SEED_TABLE_1 = {
    "About Legislation": 0,
    "About Policy": 6,
    "Breach of Confidentiality": 1,
    "Broken Promise/Appointment": 0,
    "Delay/Failed Service": 47,
    "Denial/Withdrawal/Change Service": 5,
    "Lack of /Incorrect Information": 3,
    "Not to Standard": 14,
    "Staff Attitude/Conduct": 39,
    "Other": 1,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (the order is otherwise kept): `make test` runs the suite on every core, one test file
    per worker at a time (pytest-xdist, --dist loadfile, so a module's trained model or built report is
    made once), and the short files then fill the cores at the end instead of one long test running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under --dist loadfile, the files of tests/spark go to one worker together, as if one file: Spark's JVM
    and its Python workers (seconds each to start) then start once in the whole run, not once per worker."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SparkTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/spark" if nodeid.startswith("tests/spark/") else super()._split_scope(nodeid)

    return SparkTogether(config, log)


@pytest.fixture(scope="session")
def params() -> Params:
    return load_params(REPO / "params.yaml")


@pytest.fixture(scope="session")
def sample_params() -> Params:
    """The sample council's config (configs/sample.yaml): params.yaml with the sample's own report facts."""
    return load_params(REPO / "configs" / "sample.yaml")


@pytest.fixture(scope="session")
def fast_params() -> Params:
    """The test profile (tests/params_fast.yaml): the repository's params with one search point, so tests
    train in seconds."""
    return load_params(FAST_PARAMS_FILE)


def raw_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A frame as read from a council export: every column text."""
    return pd.DataFrame(rows).astype("string")


@pytest.fixture
def good_rows() -> list[dict[str, object]]:
    return [
        {
            "complaint_ref": "A1",
            "date_received": "03/04/2013",
            "team": "Family Support",
            "description": "The social worker was rude to me.",
            "category": "Staff Attitude/Conduct",
            "outcome": "Upheld",
        },
        {
            "complaint_ref": "A2",
            "date_received": "15/05/2013",
            "team": "Looked After Children",
            "description": "Transport to contact was not arranged.",
            "category": "Delay/Failed Service",
            "outcome": "Not Upheld",
        },
        {
            "complaint_ref": "A3",
            "date_received": "20/04/2014",
            "team": "Fostering",
            "description": "Nobody told me the meeting had moved.",
            "category": "Lack of /Incorrect Information",
            "outcome": "Partially Upheld",
        },
    ]


@pytest.fixture(scope="session")
def sample_validated(params: Params):
    return validate(
        files.read_table(REPO / "data/sample/complaints.csv"),
        params.data,
        params.labels,
        purpose="train",
        need_dates=True,
    )


@pytest.fixture(scope="session")
def trained_sample(fast_params: Params, sample_validated):
    """The category model trained on the sample's training years (2014/15 held out)."""
    from pipeline.data.prepare import prepare
    from pipeline.modelling.train import train

    prepared = prepare(sample_validated.frame, fast_params.prepare, fast_params.train.calibration_folds)
    return prepared, train(prepared.train, fast_params)


def needs_shared(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present (the real datasets live in ../shared/data beside the repository)")
    return path


@pytest.fixture(scope="session")
def theme_params(fast_params: Params) -> Params:
    return dataclasses.replace(fast_params, themes=dataclasses.replace(fast_params.themes, C=(0.3,)))


@pytest.fixture(scope="session")
def trained_themes(theme_params: Params, trained_sample):
    """The theme model trained on the sample's recorded themes (training years only)."""
    from pipeline.data.prepare import prepare_themes
    from pipeline.modelling.train import train_themes

    prepared, _ = trained_sample
    data = prepare_themes(prepared, theme_params.themes)
    return data, train_themes(prepared.train, data.train_targets, data.theme_ids, theme_params)


# A tiny category model and theme model trained on the same 12 texts, for scoring and service tests.
TINY_TRAINING = {
    "Delay/Failed Service": [
        "the assessment is months late and nothing has happened",
        "the visit was late again and the plan is delayed",
        "still waiting for the review meeting which keeps being put back",
        "the transport to contact was late and the session was missed",
    ],
    "Staff Attitude/Conduct": [
        "the social worker was rude and shouted at me",
        "the worker was dismissive and rude on the phone",
        "staff were rude to my son and did not listen",
        "the manager shouted and was unprofessional",
    ],
    "Breach of Confidentiality": [
        "my address was shared with my ex partner without consent",
        "they sent my report to the wrong family",
        "confidential details were shared at school without asking",
        "my new address was given out to a relative",
    ],
}


@pytest.fixture(scope="session")
def tiny_params(params):
    return dataclasses.replace(
        params,
        features=dataclasses.replace(params.features, word_min_df=1, char_min_df=1),
        train=dataclasses.replace(params.train, calibration=("sigmoid",)),  # isotonic on 12 rows gives 0s and 1s
    )


@pytest.fixture(scope="session")
def tiny_training_frame():
    rows = [(text, category) for category, texts in TINY_TRAINING.items() for text in texts]
    return pd.DataFrame(rows, columns=["description", "category"]).astype("string")


@pytest.fixture(scope="session")
def tiny_category_model(tiny_params, tiny_training_frame):
    return build_category_model(tiny_params, 1.0, "balanced", "sigmoid", 2).fit(
        tiny_training_frame[["description"]], tiny_training_frame["category"].to_numpy()
    )


def loaded_category(estimator, threshold: float = 0.6, version: str = "v1") -> LoadedModel:
    """A fitted category pipeline with the card training would give it (labels, threshold)."""
    card = {"labels": [str(c) for c in estimator.classes_], "thresholds": {"suggestion_threshold": threshold}}
    return LoadedModel(estimator, card, version)


@pytest.fixture(scope="session")
def tiny_category(tiny_category_model) -> LoadedModel:
    return loaded_category(tiny_category_model)


@pytest.fixture(scope="session")
def tiny_themes(tiny_params, tiny_training_frame) -> LoadedModel:
    """Two themes trained on the same rows, so they share the category model's text features."""
    targets = np.array([[1, 0]] * 4 + [[0, 1]] * 4 + [[0, 0]] * 4)
    model = build_theme_model(tiny_params, 1.0, "balanced").fit(tiny_training_frame[["description"]], targets)
    themes = [
        {"id": "delay", "name": "Delay", "threshold": 0.3},
        {"id": "staff_attitude", "name": "Staff attitude", "threshold": 0.3},
    ]
    return LoadedModel(model, {"themes": themes}, "t1")


@pytest.fixture(scope="session")
def tiny_scorers(tiny_category, tiny_themes) -> Scorers:
    return Scorers(tiny_category, tiny_themes)


def complaint_records(rows: list[dict], params: Params) -> pd.DataFrame:
    """Hand-made complaint records, validated as `complaints report` validates a file (score purpose).

    Each row gives the columns it cares about; the rest get plain defaults.
    """
    defaults = {
        "complaint_ref": None,
        "date_received": "2013-06-03",
        "financial_year": None,
        "stage": "1",
        "team": "Family Support",
        "complainant_type": "parent",
        "category": "Delay/Failed Service",
        "themes": "",
        "outcome": "Not Upheld",
        "date_responded": None,
        "extension_agreed": "No",
    }
    raw = pd.DataFrame(
        [
            {
                **defaults,
                "complaint_ref": f"R{n}",
                "description": f"Complaint {n}: the worker did not call back.",
                **row,
            }
            for n, row in enumerate(rows)
        ]
    ).astype("string")
    return validate(raw, params.data, params.labels, purpose="score").frame


@pytest.fixture(scope="session")
def sample_records(params):
    """The bundled sample, read and normalised for the report (recorded labels)."""
    from pipeline.report import report_records

    raw = files.read_table(REPO / "data" / "sample" / "complaints.csv")
    frame = validate(raw, params.data, params.labels, purpose="score").frame
    return report_records(frame, params.labels, params.report)


@pytest.fixture(scope="session")
def sample_report(sample_params, sample_records):
    """The 2013/14 report of the bundled sample against 2012/13, with the seed's published tables."""
    from pipeline.report import build_report

    settings = dataclasses.replace(sample_params.report, year="2013/14", compare_to="2012/13")
    taxonomy = files.read_taxonomy(REPO / "themes.yaml")
    return build_report(
        sample_records,
        settings,
        sample_params.labels,
        theme_names={theme.id: theme.name for theme in taxonomy.themes},
        published=files.read_yaml(REPO / sample_params.report.published_file),
    )


# --- The `complaints` command in this process, and one trained workspace per test run -------------------


def workspace_params_text(profile: Path = FAST_PARAMS_FILE) -> str:
    """params.yaml with the profile's values written over it line by line: the same file as a user's (every
    key, comment and layout kept, so tests may edit its text), holding the test profile.

    The profile may only change one-line values of params.yaml's sections (its values are written as JSON,
    which YAML reads); anything it names that params.yaml lacks is an error here, not a silent no-op.
    """
    overrides = yaml.safe_load(profile.read_text(encoding="utf-8"))
    assert (profile.parent / overrides.pop("inherit")).resolve() == REPO / "params.yaml", profile
    wanted = {(section, key): value for section, values in overrides.items() for key, value in values.items()}
    written: set[tuple[str, str]] = set()
    lines, section = [], None
    for line in (REPO / "params.yaml").read_text(encoding="utf-8").splitlines(keepends=True):
        if top := re.match(r"([a-z_]+):", line):
            section = top.group(1)
        item = re.match(r"(  ([A-Za-z_]+): *)[^#\n]*?( *#.*)?(\n?)$", line)
        if item and (section, item.group(2)) in wanted:
            written.add((section, item.group(2)))
            value = json.dumps(wanted[section, item.group(2)])
            line = f"{item.group(1)}{value}{item.group(3) or ''}{item.group(4)}"
        lines.append(line)
    assert written == set(wanted), f"{profile}: not found in params.yaml: {sorted(set(wanted) - written)}"
    return "".join(lines)


@dataclasses.dataclass(frozen=True)
class CliResult:
    """What `complaints ARGS` gave: the exit code and what it printed (unexpected tracebacks end stderr)."""

    returncode: int
    stdout: str
    stderr: str


_STOP_SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


@contextmanager
def _process_state_kept() -> Iterator[None]:
    """Whatever a command changes in this process is put back: the environment (MLflow writes
    MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID into it), MLflow's tracking URI, experiment and active run,
    the root logger (the CLI's callback calls logging.basicConfig(force=True)) and the loggers it quietens, and
    the handlers of the signals that stop a command (the CLI's callback sets them)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {name: logging.getLogger(name).level for name in ("complaints", "mlflow", "alembic")}
    environ = dict(os.environ)
    mlflow_state = _mlflow_globals()
    stops = {number: signal.getsignal(number) for number in _STOP_SIGNALS}
    root.handlers[:] = []  # so basicConfig(force=True) closes none of pytest's capturing handlers
    try:
        yield
    finally:
        if "mlflow" in sys.modules:
            import mlflow

            while mlflow.active_run() is not None:
                mlflow.end_run("FAILED")
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, named_level in named.items():
            logging.getLogger(name).setLevel(named_level)
        os.environ.clear()
        os.environ.update(environ)
        _restore_mlflow_globals(mlflow_state)
        for number, handler in stops.items():
            signal.signal(number, handler)


def _mlflow_globals() -> tuple[object, object] | None:
    if "mlflow" not in sys.modules:
        return None
    from mlflow.tracking import _tracking_service, fluent

    return _tracking_service.utils._tracking_uri, fluent._active_experiment_id


def _restore_mlflow_globals(state: tuple[object, object] | None) -> None:
    if "mlflow" not in sys.modules:
        return
    from mlflow.tracking import _tracking_service, fluent

    _tracking_service.utils._tracking_uri, fluent._active_experiment_id = state or (None, None)


@pytest.fixture(autouse=True)
def _mlflow_state_kept():
    """Tests that point MLflow at their own registry leave no tracking URI or experiment to the next."""
    environ = {key: value for key, value in os.environ.items() if key.startswith("MLFLOW_")}
    state = _mlflow_globals()
    yield
    for key in [key for key in os.environ if key.startswith("MLFLOW_")]:
        del os.environ[key]
    os.environ.update(environ)
    _restore_mlflow_globals(state)


def run_cli(args: Sequence[object], cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    """`complaints ARGS` run from ``cwd`` in this process (typer's CliRunner), as a user would run it there:
    relative paths are read from ``cwd`` and MLflow's registry is ``cwd``/mlruns.db (``env`` adds variables).

    Nothing a command changes outlives it (see _process_state_kept), so commands and tests can follow each
    other in one process. Rich prints to a 200-column console without colour, as in a captured terminal.
    """
    from rich.console import Console
    from typer.testing import CliRunner

    from pipeline import cli

    with _process_state_kept(), pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        os.environ.update({"MLFLOW_TRACKING_URI": f"sqlite:///{Path(cwd).resolve() / 'mlruns.db'}", **(env or {})})
        patch.setattr(cli, "console", Console(stderr=True, width=200, color_system=None, force_terminal=False))
        result = CliRunner().invoke(cli.app, [str(arg) for arg in args], prog_name="complaints")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return CliResult(result.exit_code, result.stdout, stderr)


def make_workspace(folder: Path, profile: Path | None = FAST_PARAMS_FILE) -> Path:
    """A folder laid out like the repository for `complaints`: the sample data, themes.yaml, the benchmark
    results the model cards quote, and params.yaml (the test profile, or the real file when profile is None)."""
    shutil.copytree(REPO / "data" / "sample", folder / "data" / "sample")
    if (REPO / "benchmarks" / "results.json").is_file():
        (folder / "benchmarks").mkdir()
        shutil.copy(REPO / "benchmarks" / "results.json", folder / "benchmarks" / "results.json")
    shutil.copy(REPO / "themes.yaml", folder / "themes.yaml")
    (folder / "configs").mkdir()
    shutil.copy(REPO / "configs" / "sample.yaml", folder / "configs" / "sample.yaml")
    text = (REPO / "params.yaml").read_text(encoding="utf-8") if profile is None else workspace_params_text(profile)
    (folder / "params.yaml").write_text(text, encoding="utf-8")
    if profile is not None:
        assert load_params(folder / "params.yaml") == load_params(profile)
    return folder


def copy_workspace(source: Path, target: Path) -> Path:
    """A copy of a workspace whose registry (mlruns.db) is its own: the absolute artefact paths MLflow keeps
    in the database are moved to the copy, so nothing done in the copy touches the source."""
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("mlruns.db*"))
    if (source / "mlruns.db").is_file():
        with sqlite3.connect(source / "mlruns.db") as old, sqlite3.connect(target / "mlruns.db") as new:
            old.backup(new)
            before, after = f"{source.resolve()}/", f"{target.resolve()}/"
            tables = [row[0] for row in new.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for column in new.execute(f'PRAGMA table_info("{table}")').fetchall():
                    if column[2].upper().startswith(("VARCHAR", "TEXT")):
                        new.execute(
                            f'UPDATE "{table}" SET "{column[1]}" = replace("{column[1]}", ?, ?) '
                            f'WHERE "{column[1]}" LIKE ?',
                            (before, after, f"%{before}%"),
                        )
        old.close()
        new.close()
    return target


@pytest.fixture(scope="session")
def trained_workspace(tmp_path_factory) -> tuple[Path, CliResult]:
    """One `complaints train` per test run (test profile), in a folder laid out like the repository with its
    own registry: the CLI, notebook and smoke tests start from it. Never changed after: a test that writes
    or trains works on copy_workspace(folder, its own folder)."""
    folder = make_workspace(tmp_path_factory.mktemp("workspace"))
    return folder, run_cli(["train"], folder)


@pytest.fixture(scope="session")
def workspace(trained_workspace) -> Path:
    """The trained workspace's folder, once its training is known to have succeeded."""
    folder, result = trained_workspace
    assert result.returncode == 0, result.stderr
    return folder

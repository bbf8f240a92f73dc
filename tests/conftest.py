"""Shared fixtures: the repository's params, small in-memory frames, one model trained once per session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Params, load_params
from pipeline.data import files
from pipeline.data.schema import validate
from pipeline.modelling.contract import LoadedModel
from pipeline.modelling.model import build_category_model, build_theme_model
from pipeline.serving.score import Scorers

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
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


@pytest.fixture(scope="session")
def params() -> Params:
    return load_params(REPO / "params.yaml")


@pytest.fixture(scope="session")
def fast_params(params: Params) -> Params:
    """The repository's params with a one-value C search, so tests train in seconds."""
    return dataclasses.replace(params, train=dataclasses.replace(params.train, C=(0.3,), class_weight=("balanced",)))


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
        files.read_table(REPO / "data/sample/complaints.csv"), params.data, params.labels, purpose="train", need_dates=True
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
    themes = [{"id": "delay", "name": "Delay", "threshold": 0.3}, {"id": "staff_attitude", "name": "Staff attitude", "threshold": 0.3}]
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
def sample_report(params, sample_records):
    """The 2013/14 report of the bundled sample against 2012/13, with the seed's published tables."""
    from pipeline.report import build_report

    settings = dataclasses.replace(params.report, year="2013/14", compare_to="2012/13")
    taxonomy = files.read_taxonomy(REPO / "themes.yaml")
    return build_report(
        sample_records,
        settings,
        params.labels,
        theme_names={theme.id: theme.name for theme in taxonomy.themes},
        published=files.read_yaml(REPO / params.report.published_file),
    )

"""Shared fixtures: the repository's params, small in-memory frames, one model trained once per session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from pipeline import io
from pipeline.config import Params, load_params
from pipeline.schema import validate

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


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
        io.read_table(REPO / "data/sample/complaints.csv"), params.data, params.labels, purpose="train", need_dates=True
    )


@pytest.fixture(scope="session")
def trained_sample(fast_params: Params, sample_validated):
    """The category model trained on the sample's training years (2014/15 held out)."""
    from pipeline.prepare import prepare
    from pipeline.train import train

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
    from pipeline.prepare import prepare_themes
    from pipeline.train import train_themes

    prepared, _ = trained_sample
    data = prepare_themes(prepared, theme_params.themes)
    return data, train_themes(prepared.train, data.train_targets, data.theme_ids, theme_params)

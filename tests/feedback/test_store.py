"""The decision store on SQLite and on a real PostgreSQL server: migrated schema, exact round trip, no
duplicates on retry, and 20 officers recording at once through the service on loopback."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline.errors import ConfigError
from pipeline.feedback.store import Decision, database_url, open_store, schema_version, shown_url
from pipeline.serving.score import Scorers
from pipeline.serving.service import create_app
from tests.conftest import loaded_category
from tests.serving.live_server import live_server

SHOWN = {
    "categories": [
        {"category": "Staff Attitude/Conduct", "probability": 0.81},
        {"category": "Delay/Failed Service", "probability": 0.12},
        {"category": "Breach of Confidentiality", "probability": 0.07},
    ],
    "needs_review": False,
    "review_reason": "",
    "themes": [{"theme": "staff_attitude", "probability": 0.88, "assigned": True}],
}
OFFICERS, EACH = 20, 10


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # the server's database is shared by this module's tests
        connection.execute(sa.text("DELETE FROM decisions"))
    engine.dispose()


def decision(**changes) -> Decision:
    values = {
        "text_sha256": "a" * 64,
        "model_version": "complaints-category v3 (champion)",
        "suggestion": SHOWN,
        "chosen_category": "Delay/Failed Service",
        "chosen_themes": ("staff_attitude", "delay"),
        "case_ref": "CSC-150001",
        "team": "Family Support",
    }
    return Decision(**(values | changes))


def test_the_schema_is_made_by_the_migrations_and_reopening_changes_nothing(store_url):
    store = open_store(store_url)
    assert schema_version(store.engine) == "0002"
    store.record(decision())
    store.close()
    again = open_store(store_url)
    assert schema_version(again.engine) == "0002" and again.count() == 1
    again.close()


def test_a_store_from_before_received_dates_is_migrated_and_keeps_its_decisions(tmp_path):
    from alembic import command

    from pipeline.feedback.store import _alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    old_row = {key: value for key, value in decision().row().items() if key != "date_received"}
    with engine.begin() as connection:
        table = sa.Table("decisions", sa.MetaData(), autoload_with=connection)
        connection.execute(table.insert().values(**old_row))
    engine.dispose()
    store = open_store(url)
    frame, version = store.frame(), schema_version(store.engine)
    store.close()
    assert version == "0002"
    assert len(frame) == 1 and frame.loc[0, "case_ref"] == "CSC-150001" and pd.isna(frame.loc[0, "date_received"])


def test_a_decision_comes_back_as_it_was_recorded(store_url):
    store = open_store(store_url)
    when = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
    decision_id, new = store.record(
        decision(recorded_at=when, text="kept only when asked", date_received=date(2025, 5, 30))
    )
    row = store.frame().iloc[0]
    store.close()
    assert new and row["decision_id"] == decision_id
    assert row["recorded_at"] == when and row["case_ref"] == "CSC-150001" and row["team"] == "Family Support"
    assert row["date_received"] == pd.Timestamp("2025-05-30")
    assert row["model_name"] == "complaints-category" and row["model_version"] == "complaints-category v3 (champion)"
    assert row["suggested_category"] == "Staff Attitude/Conduct" and row["suggested_probability"] == 0.81
    assert row["chosen_category"] == "Delay/Failed Service" and not row["accepted"]
    assert row["chosen_themes"] == ["staff_attitude", "delay"] and row["suggestion"] == SHOWN
    assert row["text"] == "kept only when asked" and row["text_sha256"] == "a" * 64


def test_the_same_decision_sent_twice_is_recorded_once(store_url):
    store = open_store(store_url)
    first = store.record(decision(decision_id="6f1c2b1e-0000-4000-8000-000000000001"))
    second = store.record(decision(decision_id="6f1c2b1e-0000-4000-8000-000000000001", chosen_category="Other"))
    assert first == ("6f1c2b1e-0000-4000-8000-000000000001", True) and second[1] is False
    frame = store.frame()
    store.close()
    assert len(frame) == 1 and frame["chosen_category"].tolist() == ["Delay/Failed Service"]


def test_twenty_officers_recording_at_once_lose_and_duplicate_nothing(
    store_url, tiny_category_model, tiny_themes, tiny_params
):
    store = open_store(store_url)
    app = create_app(
        Scorers(loaded_category(tiny_category_model, version="category v1"), tiny_themes), tiny_params, store=store
    )
    categories = [c["category"] for c in SHOWN["categories"]]

    def officer(number: int) -> list[tuple[str, str, int]]:
        sent = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for n in range(EACH):
                body = {
                    "text": f"Officer {number} complaint {n}: the visit was late.",
                    "complaint_ref": f"O{number}-{n}",
                    "team": f"Team {number % 4}",
                    "suggestion": SHOWN | {"model_version": "category v1"},
                    "category": categories[(number + n) % 3],
                    "themes": ["delay"] if n % 2 else [],
                    "decision_id": str(uuid.uuid4()),
                }
                answer = client.post("/feedback", json=body)
                sent.append((body["decision_id"], body["category"], answer.status_code))
                if n == 0:  # a retry after a lost answer: the same decision again
                    sent.append(
                        (body["decision_id"], body["category"], client.post("/feedback", json=body).status_code)
                    )
        return sent

    with live_server(app) as url, ThreadPoolExecutor(OFFICERS) as pool:
        sent = [item for items in pool.map(officer, range(OFFICERS)) for item in items]
    frame = store.frame()
    store.close()
    statuses = sorted({status for _, _, status in sent})
    assert statuses == [200, 201] and sum(status == 201 for _, _, status in sent) == OFFICERS * EACH
    assert len(frame) == OFFICERS * EACH and frame["decision_id"].is_unique
    assert dict(zip(frame["decision_id"], frame["chosen_category"], strict=True)) == {d: c for d, c, _ in sent}


def test_the_environment_variable_overrides_the_configured_url(params):
    variable = params.feedback.url_variable
    assert database_url(params.feedback, {}) == "sqlite:///feedback.db"
    assert database_url(params.feedback, {variable: "postgresql+psycopg://u:p@db/x"}) == "postgresql+psycopg://u:p@db/x"
    assert shown_url("postgresql+psycopg://u:secret@db/x") == "postgresql+psycopg://u:***@db/x"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("feedback.db", "is not a database URL"),
        ("postgresql+psycopg://nobody:wrong@127.0.0.1:1/none", "Cannot open the decision store"),
    ],
)
def test_a_store_that_cannot_be_opened_is_a_plain_error(url, says):
    with pytest.raises(ConfigError, match=says) as raised:
        open_store(url)
    assert "wrong" not in str(raised.value)  # the password is never shown

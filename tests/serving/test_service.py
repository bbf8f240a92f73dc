"""The HTTP service: suggestions, 4xx (never 5xx) for bad input, bearer auth, and no complaint text in logs."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from fastapi.testclient import TestClient

from pipeline.serving.score import Scorers
from pipeline.serving.service import create_app
from tests.conftest import loaded_category

TEXT = "The social worker was rude and shouted at my son on the phone, and the visit was late."


@pytest.fixture(scope="module")
def service_params(tiny_params):
    return dataclasses.replace(
        tiny_params, service=dataclasses.replace(tiny_params.service, max_text_chars=300, max_batch=3)
    )


@pytest.fixture(scope="module")
def scorers(tiny_category_model, tiny_themes):
    return Scorers(loaded_category(tiny_category_model, version="category v1"), tiny_themes)


@pytest.fixture(scope="module")
def client(scorers, service_params):
    return TestClient(create_app(scorers, service_params))


def test_suggest_returns_top_three_themes_and_words(client):
    response = client.post("/suggest", json={"text": TEXT, "team": "Family Support"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["categories"]) == 3 and body["categories"][0]["category"] == "Staff Attitude/Conduct"
    probabilities = [c["probability"] for c in body["categories"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert body["team"] == "Family Support" and body["model_version"] == "category v1"
    assert all(word.lower() in TEXT.lower() for word in body["category_words"])
    assert "staff_attitude" in [t["theme"] for t in body["themes"]]
    assert isinstance(body["needs_review"], bool)


def test_score_answers_each_complaint_in_order(client):
    complaints = [{"text": TEXT, "complaint_ref": "A"}, {"text": "late visit", "complaint_ref": "B"}]
    response = client.post("/score", json={"complaints": complaints})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["complaint_ref"] for r in results] == ["A", "B"]
    assert results[1]["needs_review"] and results[1]["review_reason"].startswith("very short")


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("/suggest", {"text": ""}, 422),
        ("/suggest", {"text": "   \n "}, 422),
        ("/suggest", {"text": 42}, 422),
        ("/suggest", {"text": ["a list"]}, 422),
        ("/suggest", {}, 422),
        ("/suggest", {"text": TEXT, "colour": "red"}, 422),
        ("/suggest", {"text": "x" * 301}, 413),
        ("/score", {"complaints": []}, 422),
        ("/score", {"complaints": [{"text": TEXT}] * 4}, 413),
        ("/score", {"complaints": "not a list"}, 422),
    ],
)
def test_bad_input_gets_a_4xx_json_error(client, path, payload, status):
    response = client.post(path, json=payload)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]
    assert TEXT not in response.text  # the input is not echoed back


def test_malformed_json_is_a_4xx_too(client):
    response = client.post("/suggest", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]


def test_health_openapi_and_page(client):
    health = client.get("/health").json()
    assert health == {"status": "ok", "model": "category v1", "themes_model": "t1", "auth": False}
    assert "/suggest" in client.get("/openapi.json").json()["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "<textarea" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no external assets


def test_bearer_token_is_required_when_set(scorers, service_params):
    client = TestClient(create_app(scorers, service_params, token="s3cret"))
    assert client.post("/suggest", json={"text": TEXT}).status_code == 401
    wrong = client.post("/suggest", json={"text": TEXT}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    right = client.post("/suggest", json={"text": TEXT}, headers={"Authorization": "Bearer s3cret"})
    assert right.status_code == 200
    assert client.get("/health").json()["auth"] is True


def test_complaint_text_never_reaches_the_logs(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/suggest", json={"text": TEXT})
        client.post("/suggest", json={"text": "x" * 301})
    assert "shouted" not in caplog.text and "xxxxxxxx" not in caplog.text


def test_an_oversized_body_is_refused_before_it_is_read(client, service_params):
    limit = service_params.service.max_batch * (4 * service_params.service.max_text_chars + 1_000)
    response = client.post("/score", content=b"x" * (limit + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "bytes" in response.json()["error"]

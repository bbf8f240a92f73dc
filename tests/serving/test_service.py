"""The HTTP service: suggestions, 4xx (never 5xx) for bad input, bearer auth, and no complaint text in logs."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import re
import threading

import pytest
from fastapi.testclient import TestClient

from pipeline.modelling.contract import LoadedModel
from pipeline.serving.score import Scorers
from pipeline.serving.service import Complaint, body_limit, create_app
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


LOCAL = "http://127.0.0.1:8000"  # TestClient's default host (testserver) is not in service.allowed_hosts


@pytest.fixture(scope="module")
def client(scorers, service_params):
    return TestClient(create_app(scorers, service_params), base_url=LOCAL)


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
    client = TestClient(create_app(scorers, service_params, token="s3cret"), base_url=LOCAL)
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
    limit = body_limit(service_params.service)
    response = client.post("/score", content=b"x" * (limit + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "bytes" in response.json()["error"]


def post_raw(client, path: str, body: str):
    """POST ``body`` as it is (json.dumps keeps a lone surrogate as an escape, which JSON allows)."""
    return client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("path", "payload", "where"),
    [
        ("/suggest", {"text": "rude \ud800 staff"}, "body.text"),
        ("/suggest", {"text": TEXT, "team": "Family \udfff Support"}, "body.team"),
        ("/suggest", {"text": TEXT, "complaint_ref": "\udc80A1"}, "body.complaint_ref"),
        ("/score", {"complaints": [{"text": TEXT}, {"text": "late \ud83d visit"}]}, "body.complaints.1.text"),
        ("/suggest", {"text": TEXT, "k\ud800": 1}, "body"),
    ],
)
def test_a_lone_surrogate_in_any_field_is_a_422_not_a_500(client, path, payload, where):
    response = post_raw(client, path, json.dumps(payload))
    assert response.status_code == 422
    assert response.json()["details"][0]["where"] == where


@pytest.mark.parametrize("text", ["\u200b\u200c\u200d", "\ufeff \u2060\u00ad", "\u200b\n\u200b", "?! ..."])
def test_text_without_letters_or_digits_is_refused_like_empty_text(client, text):
    response = client.post("/suggest", json={"text": text})
    assert response.status_code == 422 and "empty" in response.json()["details"][0]["problem"]


def test_every_error_has_the_projects_format(client):
    deep = post_raw(client, "/suggest", "[" * 4_000 + "]" * 4_000)
    assert deep.status_code == 400 and deep.json() == {"error": "There was an error parsing the body", "details": []}
    assert client.get("/nowhere").json() == {"error": "Not Found", "details": []}
    assert client.get("/suggest").json() == {"error": "Method Not Allowed", "details": []}


def test_field_names_are_cut_short_and_problems_counted_not_all_listed(client):
    payload = {"text": TEXT, "x" * 3_000: 1} | {f"extra{n}": n for n in range(20)}
    response = client.post("/suggest", json=payload)
    assert response.status_code == 422 and len(response.content) < 1_500
    details = response.json()["details"]
    assert len(details) == 11 and details[-1]["problem"] == "and 11 more"


def test_a_host_header_not_allowed_is_a_400(scorers, service_params):
    assert TestClient(create_app(scorers, service_params)).get("/health").status_code == 400  # Host: testserver
    for base in ("http://localhost:8000", "http://[::1]:8000", "http://127.0.0.1"):
        assert TestClient(create_app(scorers, service_params), base_url=base).get("/health").status_code == 200


def test_the_page_allows_its_own_script_and_style_and_nothing_else(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    script = re.search(r"<script>(.*?)</script>", response.text, flags=re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert 'style="' not in response.text and "style:" not in response.text  # style attributes would be blocked


def test_a_full_queue_answers_429_with_retry_after(scorers, service_params):
    app = create_app(
        scorers, dataclasses.replace(service_params, service=dataclasses.replace(service_params.service, max_queue=3))
    )
    queue, release = app.state.queue, threading.Event()
    scoring = queue.score_many
    queue.score_many = lambda complaints: (release.wait(10), scoring(complaints))[1]
    client = TestClient(app, base_url=LOCAL)
    waiting = queue.submit([Complaint(text=TEXT)] * 3)
    response = client.post("/suggest", json={"text": TEXT})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"].startswith("the service is busy")
    release.set()
    assert len(waiting.result(10)) == 3
    assert client.post("/suggest", json={"text": TEXT}).status_code == 200


# --- POST /feedback: the officer's decision -------------------------------------------------------------


@pytest.fixture
def decision_store(tmp_path):
    from pipeline.feedback.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'feedback.db'}")
    yield store
    store.close()


def decided(**changes) -> dict:
    shown = {
        "categories": [{"category": "Staff Attitude/Conduct", "probability": 0.8}],
        "needs_review": False,
        "model_version": "category v1",
    }
    return {"text": TEXT, "suggestion": shown, "category": "Delay/Failed Service", "themes": ["delay"]} | changes


def test_a_decision_is_recorded_once_with_a_hash_of_the_text_not_the_text(scorers, service_params, decision_store):
    client = TestClient(create_app(scorers, service_params, store=decision_store), base_url=LOCAL)
    body = decided(
        decision_id="0b7e3c52-1111-4222-8333-444455556666",
        complaint_ref="CSC-1",
        team="Fostering",
        date_received="2025-03-31",
    )
    first, again = client.post("/feedback", json=body), client.post("/feedback", json=body)
    assert first.status_code == 201 and first.json()["recorded"] and not first.json()["accepted"]
    assert again.status_code == 200 and not again.json()["recorded"]
    row = decision_store.frame().iloc[0]
    assert decision_store.count() == 1 and row["text"] is None
    assert row["text_sha256"] == hashlib.sha256(TEXT.encode()).hexdigest() and row["team"] == "Fostering"
    assert str(row["date_received"].date()) == "2025-03-31"


def test_the_text_is_kept_only_when_store_text_is_on(scorers, service_params, decision_store):
    keeping = dataclasses.replace(
        service_params, feedback=dataclasses.replace(service_params.feedback, store_text=True)
    )
    client = TestClient(create_app(scorers, keeping, store=decision_store), base_url=LOCAL)
    assert client.post("/feedback", json=decided()).status_code == 201
    assert decision_store.frame()["text"].tolist() == [TEXT]


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"category": "Mystery"}, 422, "not a category"),
        ({"themes": ["no_such_theme"]}, 422, "does not know"),
        ({"text": "   "}, 422, "empty"),
        ({"suggestion": {"categories": [], "needs_review": False, "model_version": "category v1"}}, 422, ""),
        ({"decision_id": "not a uuid!"}, 422, ""),
        ({"date_received": "31/13/2025"}, 422, "date_received"),
        ({"date_received": "03/02/2025"}, 422, "YYYY-MM-DD"),
        ({"complaint_ref": "C" * 201}, 422, "complaint_ref"),
        ({"team": "Fostering\u0000"}, 422, "NUL"),
        ({"colour": "red"}, 422, ""),
        ({"text": "x" * 301}, 413, "characters"),
        (
            {
                "suggestion": {
                    "categories": [{"category": "Other", "probability": 1}],
                    "needs_review": False,
                    "model_version": "category v0",
                }
            },
            409,
            "another model version",
        ),
    ],
)
def test_a_bad_decision_gets_a_4xx_and_nothing_is_stored(
    scorers, service_params, decision_store, changes, status, says
):
    client = TestClient(create_app(scorers, service_params, store=decision_store), base_url=LOCAL)
    response = client.post("/feedback", json=decided(**changes))
    assert response.status_code == status and says in response.text
    assert TEXT not in response.text and decision_store.count() == 0


def test_the_stored_suggestion_is_the_services_own_for_the_text_not_the_clients(
    scorers, service_params, decision_store
):
    client = TestClient(create_app(scorers, service_params, store=decision_store), base_url=LOCAL)
    claimed = {"categories": [{"category": "About Policy", "probability": 0.99}], "needs_review": False}
    response = client.post("/feedback", json=decided(suggestion=claimed | {"model_version": "category v1"}))
    assert response.status_code == 201
    own = client.post("/suggest", json={"text": TEXT}).json()
    row = decision_store.frame().iloc[0]
    assert row["suggested_category"] == own["categories"][0]["category"] != "About Policy"
    assert row["suggested_probability"] == own["categories"][0]["probability"]
    assert row["needs_review"] == own["needs_review"]
    # Without a suggestion at all the decision is recorded the same way; a category is read as imports read it.
    assert client.post("/feedback", json={"text": TEXT, "category": "delay / failed service"}).status_code == 201
    assert decision_store.frame()["chosen_category"].tolist()[-1] == "Delay/Failed Service"


def test_a_store_that_fails_answers_503_and_logs_no_complaint_text(scorers, service_params, tmp_path, caplog):
    import sqlalchemy as sa

    from pipeline.feedback.store import open_store

    keeping = dataclasses.replace(
        service_params, feedback=dataclasses.replace(service_params.feedback, store_text=True)
    )
    store = open_store(f"sqlite:///{tmp_path / 'broken.db'}")
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE decisions"))
    client = TestClient(create_app(scorers, keeping, store=store), base_url=LOCAL)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/feedback", json=decided(complaint_ref="CSC-77"))
    store.close()
    assert response.status_code == 503 and "try again" in response.text
    assert TEXT not in caplog.text and "CSC-77" not in caplog.text and "OperationalError" in caplog.text


def test_recording_needs_the_token_and_a_store(scorers, service_params, decision_store):
    guarded = TestClient(create_app(scorers, service_params, token="s3cret", store=decision_store), base_url=LOCAL)
    assert guarded.post("/feedback", json=decided()).status_code == 401
    storeless = TestClient(create_app(scorers, service_params), base_url=LOCAL)
    assert storeless.post("/feedback", json=decided()).status_code == 503
    assert storeless.get("/choices").json()["recording"] is False


def test_choices_list_categories_theme_names_and_known_teams(scorers, service_params):
    teams = dataclasses.replace(
        service_params, feedback=dataclasses.replace(service_params.feedback, teams=("Fostering",))
    )
    choices = TestClient(create_app(scorers, teams), base_url=LOCAL).get("/choices").json()
    assert "Other" in choices["categories"] and "Staff Attitude/Conduct" in choices["categories"]
    assert {"theme": "staff_attitude", "name": "Staff attitude"} in choices["themes"]
    assert choices["teams"] == ["Fostering"]


def test_without_configured_teams_the_page_offers_those_the_model_was_evaluated_on(scorers, service_params):
    card = {
        **scorers.category.card,
        "metrics": {"holdout": {"by_team": {"Fostering": {}, "(no team)": {}, "Adoption": {}}}},
    }
    evaluated = Scorers(dataclasses.replace(scorers.category, card=card), scorers.themes)
    choices = TestClient(create_app(evaluated, service_params), base_url=LOCAL).get("/choices").json()
    assert choices["teams"] == ["Adoption", "Fostering"]


def test_a_suggestion_lists_possible_themes_by_name_apart_from_assigned_ones(scorers, service_params):
    # Shown from 0.05: a theme under its assign threshold is then possible for this text.
    themes = [
        {"id": "delay", "name": "Delay", "threshold": 0.3, "possible_threshold": 0.05},
        {"id": "staff_attitude", "name": "Staff attitude", "threshold": 0.3, "possible_threshold": 0.05},
    ]
    cautious = Scorers(scorers.category, LoadedModel(scorers.themes.estimator, {"themes": themes}, "t2"))
    body = TestClient(create_app(cautious, service_params), base_url=LOCAL).post("/suggest", json={"text": TEXT}).json()
    assigned = {theme["theme"] for theme in body["themes"]}
    possible = {theme["theme"] for theme in body["possible_themes"]}
    assert assigned and possible and not assigned & possible
    assert all(theme["name"] != theme["theme"] for theme in body["possible_themes"])


def test_recent_suggestions_keep_the_newest_and_forget_the_oldest():
    from pipeline.serving.service import RecentSuggestions

    recent = RecentSuggestions(2)
    recent.keep("a", {"n": 1})
    recent.keep("b", {"n": 2})
    recent.keep("a", {"n": 3})  # seen again: now the newest
    recent.keep("c", {"n": 4})
    assert recent.get("a") == {"n": 3} and recent.get("b") is None and recent.get("c") == {"n": 4}

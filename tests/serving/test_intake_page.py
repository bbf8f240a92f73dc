"""The intake page in a real browser: paste a complaint, see suggestions, record the decision (headless
Chromium via Playwright), then read the decision back from the store.

Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it when missing); Playwright
drives it and downloads nothing. The screenshot is kept in ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.feedback.store import open_store
from pipeline.serving.score import Scorers
from pipeline.serving.service import create_app
from tests.conftest import REPO, loaded_category
from tests.serving.live_server import live_server

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TEXT = "The social worker was rude and shouted at my son on the phone, and the visit was late."


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    found = open_store(f"sqlite:///{tmp_path_factory.mktemp('decisions') / 'feedback.db'}")
    yield found
    found.close()


@pytest.fixture(scope="module")
def server_url(tiny_category_model, tiny_themes, tiny_params, store):
    scorers = Scorers(loaded_category(tiny_category_model, version="category v1"), tiny_themes)
    with live_server(create_app(scorers, tiny_params, store=store)) as url:
        yield url


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_a_pasted_complaint_shows_suggestions_and_the_decision_is_recorded(server_url, store):
    sync_api = pytest.importorskip("playwright.sync_api")
    artefacts = REPO / "test-artifacts"
    artefacts.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
            # An empty team list (feedback.teams: [] and a model card without teams): typing a team still works.
            page.route("**/choices", lambda route: route.fulfill(json={**route.fetch().json(), "teams": []}))
            blocked = []  # what the page's Content-Security-Policy refused, as the browser reports it
            page.on(
                "console", lambda message: blocked.append(message.text) if "Security Policy" in message.text else None
            )
            page.goto(server_url)
            page.wait_for_selector("#other-category option", state="attached")
            assert page.locator('link[rel="icon"]').get_attribute("href") == "data:,"  # no /favicon.ico 404
            assert page.locator("#token-box").is_hidden()  # the service needs no token
            assert page.locator("#teams option").count() == 0
            page.fill("#team", "Family Support East")  # free text still works with no list to pick from
            page.fill("#text", TEXT)
            page.press("#text", "Control+Enter")  # keyboard submit
            page.wait_for_selector("#result:not([hidden])", timeout=15_000)
            assert page.locator("#result").get_attribute("aria-live") == "polite"
            assert page.evaluate("document.activeElement.id") == "result-heading"  # focus moved to the result
            bars = page.locator("#categories .bar")
            assert bars.count() == 3
            assert "Staff Attitude/Conduct" in bars.first.inner_text()
            assert bars.first.locator(".fill").evaluate("fill => fill.getBoundingClientRect().width") > 10
            assert page.locator("#badge").inner_text() in ("Needs review", "Confident")
            marked = [text.lower() for text in page.locator("#highlighted mark").all_inner_texts()]
            assert marked and all(word in TEXT.lower() for word in marked)
            themes = page.locator("#themes").inner_text()
            assert "Staff attitude" in themes and "staff_attitude" not in themes  # names, not ids
            assert page.locator("#themes input:checked").count() == page.locator("#themes input").count() >= 1
            assert page.locator("#possible-themes input:checked").count() == 0  # possible, not assigned: not ticked
            page.screenshot(path=str(artefacts / "intake_page.png"), full_page=True)

            page.click("#copy")
            page.wait_for_selector("#copied:has-text('Staff Attitude/Conduct')", timeout=5_000)
            second = page.locator("#category-1").get_attribute("value")
            page.check("#category-1")
            assert page.locator("#copied").inner_text() == ""  # no stale "Copied:" once the choice changes
            page.fill("#case-ref", "CSC-150099")
            page.uncheck("#themes input >> nth=0")
            page.press("#themes input >> nth=0", "Control+Enter")  # keyboard submit from the decision form
            page.wait_for_selector("#recorded:has-text('Decision recorded')", timeout=15_000)
            assert page.evaluate("document.activeElement.id") == "recorded"  # focus moved to the answer
            assert page.locator("#recorded").get_attribute("tabindex") == "-1"
            row = store.frame().iloc[-1]
            assert row["case_ref"] == "CSC-150099" and row["chosen_category"] == second and not row["accepted"]
            assert row["team"] == "Family Support East"
            assert row["chosen_themes"] == [] and row["suggested_category"] == "Staff Attitude/Conduct"
            assert row["text"] is None and len(row["text_sha256"]) == 64  # text kept only with store_text

            # A failed recording is announced where a successful one is, and focus goes there too.
            page.route("**/feedback", lambda route: route.fulfill(status=503, json={"error": "store unavailable"}))
            page.focus("#record")
            page.keyboard.press("Enter")
            page.wait_for_selector("#recorded.error", timeout=15_000)
            assert "Could not record the decision: store unavailable" in page.locator("#recorded").inner_text()
            assert page.evaluate("document.activeElement.id") == "recorded"
            page.unroute("**/feedback")

            page.fill("#text", "   ")
            page.click("#submit")
            page.wait_for_selector("#error:not([hidden])", timeout=15_000)
            assert "empty" in page.locator("#error").inner_text()
            assert blocked == []  # the inline icon included: no /favicon.ico request and no refusal for it
        finally:
            browser.close()
    assert Path(artefacts / "intake_page.png").stat().st_size > 10_000

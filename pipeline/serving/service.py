"""The intake service: a JSON API and a one-page form over the loaded models (``complaints serve``).

``create_app`` takes loaded models and config and returns a FastAPI app; its only file is the
intake page, read once from the package when the app is built, and it keeps no module globals, so
tests build it in memory. ``app_from_environment`` builds the same app in each server process when
``service.workers`` is more than one. Complaint text is never logged: request logs carry the path
and status only, and errors are returned without the input that caused them.

In front of the app, ``guard.Guard`` checks the Host header, the bearer token and the body size
before the body is read; behind it, ``queue.ScoringQueue`` scores waiting complaints in batches on
one thread and refuses more than ``service.max_queue`` of them with 429.
"""

import base64
import dataclasses
import hashlib
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from pipeline.config import Params, ServiceConfig, load_params
from pipeline.data.schema import build_label_lookup, intake_frame, normalise_label
from pipeline.feedback.exchange import MAX_FIELD, text_hash
from pipeline.feedback.store import Decision, Store
from pipeline.serving.guard import Guard, error_body, token_matches
from pipeline.serving.queue import Busy, ScoringQueue
from pipeline.serving.score import Scorers, score, suggestion

log = logging.getLogger(__name__)

# `complaints serve` with several workers passes its arguments to each worker process in this variable.
SERVE_ARGUMENTS = "COMPLAINTS_SERVE_ARGUMENTS"
MAX_DETAILS = 10  # validation problems listed in one error
MAX_WHERE = 60  # characters of a field's path shown (a field name may be anything the client sent)
RECENT_SUGGESTIONS = 10_000  # suggestions remembered (a few KB each) for the decisions recorded on them


def _unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("it holds a lone surrogate (\\ud800 to \\udfff), which is not text") from None
    if "\x00" in value:  # no database column takes it (PostgreSQL refuses it), and no complaint holds it
        raise ValueError("it holds a NUL character (\\u0000), which is not text")
    return value


def _iso_date(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", value.strip()):
        raise ValueError(f"write the date as YYYY-MM-DD, not {value!r} (day and month could be either way round)")
    return value


def _has_words(text: str) -> str:
    if not any(character.isalnum() for character in text):
        raise ValueError("the complaint text is empty (it has no letters or digits)")
    return text


Text = Annotated[StrictStr, AfterValidator(_unicode)]


class Complaint(BaseModel):
    """One complaint as recorded at intake."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[Text, AfterValidator(_has_words)] = Field(
        description="The complaint, in the complainant's or officer's words."
    )
    team: Text | None = Field(
        default=None, max_length=MAX_FIELD, description="The team the complaint is about, if known."
    )
    complaint_ref: Text | None = Field(
        default=None, max_length=MAX_FIELD, description="Your reference, returned unchanged."
    )


class Batch(BaseModel):
    """Several complaints scored in one request (at most service.max_batch)."""

    model_config = ConfigDict(extra="forbid")

    complaints: list[Complaint] = Field(min_length=1)


class ShownCategory(BaseModel):
    category: Text
    probability: float = Field(ge=0, le=1)


class ShownTheme(BaseModel):
    theme: Text
    probability: float = Field(ge=0, le=1)
    assigned: bool = Field(default=True, description="False for a theme shown under its threshold.")


class Shown(BaseModel):
    """The suggestion the officer saw, as POST /suggest returned it (other fields it returned are ignored)."""

    categories: list[ShownCategory] = Field(min_length=1)
    needs_review: bool
    review_reason: Text = ""
    themes: list[ShownTheme] = Field(default_factory=list)
    model_version: Text
    themes_model_version: Text | None = None


class FeedbackIn(Complaint):
    """What the officer decided about one complaint. The suggestion stored beside it is the service's own
    for the text (scored again), never one the client sends; a client's ``suggestion`` only tells which
    model version the officer saw, so a decision made on another version is refused."""

    suggestion: Shown | None = None
    category: Text = Field(description="The category the officer chose (a national category).")
    themes: list[Text] = Field(default_factory=list, description="The themes the officer left ticked (ids).")
    decision_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{8,36}$")] | None = Field(
        default=None, description="A UUID chosen by the client: sending the same decision again records it once."
    )
    date_received: Annotated[date, BeforeValidator(_iso_date)] | None = Field(
        default=None, description="When the complaint was received (YYYY-MM-DD); exports date its record by it."
    )


def body_limit(service: ServiceConfig) -> int:
    """The largest request body read: every complaint at the size limit, JSON-escaped, plus room for the rest."""
    return service.max_batch * (6 * service.max_text_chars + 1_000)


def _error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    return Response(error_body(message, details), status_code=status, media_type="application/json")


def _where(location: tuple[Any, ...]) -> str:
    where = ".".join(str(part) if len(str(part)) <= MAX_WHERE else f"{str(part)[:MAX_WHERE]}..." for part in location)
    return where if len(where) <= 2 * MAX_WHERE else f"{where[: 2 * MAX_WHERE]}..."


def _page_policy(page: str) -> str:
    """A Content-Security-Policy for ``page``: nothing from elsewhere, only its own inline script and style."""

    def hashes(tag: str) -> str:
        found = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.DOTALL)
        return " ".join(
            f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'" for block in found
        )

    return (
        f"default-src 'none'; script-src {hashes('script')}; style-src {hashes('style')}; "
        "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class RecentSuggestions:
    """The last ``size`` suggestions, by key; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Any, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, key: Any, shown: dict[str, Any]) -> None:
        with self._lock:
            self._kept[key] = shown
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def get(self, key: Any) -> dict[str, Any] | None:
        with self._lock:
            return self._kept.get(key)


def create_app(scorers: Scorers, params: Params, token: str | None = None, store: Store | None = None) -> FastAPI:
    """The service for ``scorers``; with ``token`` every API call needs ``Authorization: Bearer <token>``.
    Officers' decisions (POST /feedback) go to ``store``; without one they are refused with 503."""
    service = params.service
    theme_names = scorers.themes.theme_names if scorers.themes is not None else {}

    # The suggestions given lately, by a hash of the text and the team (never the text): recording a decision
    # finds what the officer was shown here instead of scoring the text again.
    given = RecentSuggestions(RECENT_SUGGESTIONS)

    def score_all(complaints: list[Complaint], explain: bool = params.score.explain) -> list[dict[str, Any]]:
        frame = intake_frame([c.text for c in complaints], params.data, [c.team for c in complaints])
        scored = score(scorers, frame, params, explain)
        results = [
            suggestion(row, params.evaluate.top_k, theme_names) | {"complaint_ref": c.complaint_ref, "team": c.team}
            for (_, row), c in zip(scored.iterrows(), complaints, strict=True)
        ]
        for complaint, result in zip(complaints, results, strict=True):
            given.keep((text_hash(complaint.text), complaint.team), result)
        return results

    queue = ScoringQueue(score_all, max_waiting=service.max_queue, max_batch=service.max_batch)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        queue.close()

    app = FastAPI(
        title="Complaints intake",
        version="1",
        description="Suggested category (top 3, calibrated), root-cause themes and the words behind them.",
        lifespan=lifespan,
    )
    app.state.queue = queue
    app.add_middleware(
        Guard,
        allowed_hosts=service.allowed_hosts,
        token=token,
        protected=("/suggest", "/score", "/feedback"),
        max_body=body_limit(service),
    )
    bearer = HTTPBearer(auto_error=False)

    def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        # Guard has refused a wrong token before the body was read; this documents the scheme in /docs.
        given = f"Bearer {credentials.credentials}" if credentials is not None else None
        if token is not None and not token_matches(given, token):
            raise HTTPException(status_code=401, detail="missing or wrong bearer token")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        # Without the "input" pydantic echoes (it may be complaint text), and with field names cut short.
        problems = error.errors()
        details = [
            {"where": _where(tuple(item.get("loc", ()))), "problem": str(item.get("msg", ""))}
            for item in problems[:MAX_DETAILS]
        ]
        if len(problems) > MAX_DETAILS:
            details.append({"where": "", "problem": f"and {len(problems) - MAX_DETAILS} more"})
        return _error(422, "the request is not a valid complaint (see details)", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        response = _error(error.status_code, str(error.detail))
        if error.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(Busy)
    async def busy(request: Request, error: Busy) -> Response:
        response = _error(429, f"the service is busy: {error}")
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    def check_sizes(complaints: list[Complaint]) -> None:
        if len(complaints) > service.max_batch:
            raise HTTPException(413, f"{len(complaints)} complaints in one request; the most is {service.max_batch}")
        for position, complaint in enumerate(complaints):
            if len(complaint.text) > service.max_text_chars:
                raise HTTPException(
                    413,
                    f"complaint {position} is {len(complaint.text)} characters; the most is {service.max_text_chars}",
                )

    @app.post("/suggest", dependencies=[Depends(authorised)], summary="Suggest for one complaint")
    async def suggest_one(complaint: Complaint) -> dict[str, Any]:
        check_sizes([complaint])
        return (await queue.score([complaint]))[0]

    @app.post("/score", dependencies=[Depends(authorised)], summary="Suggest for a batch of complaints")
    async def score_batch(batch: Batch) -> dict[str, Any]:
        check_sizes(batch.complaints)
        return {"results": await queue.score(batch.complaints)}

    categories = list(dict.fromkeys([*scorers.category.labels, *(params.labels.categories or ())]))
    theme_ids = set(theme_names) | set(scorers.themes.labels if scorers.themes is not None else ())
    label_lookup = build_label_lookup(params.labels)

    @app.post("/feedback", dependencies=[Depends(authorised)], summary="Record the officer's decision")
    async def record_feedback(decision: FeedbackIn, response: Response) -> Any:
        check_sizes([decision])
        if store is None:
            raise HTTPException(503, "decisions are not being recorded: this service was started without a store")
        problems = []
        # Read as validation and imports read a category: "delay / failed service" is Delay/Failed Service.
        category = normalise_label(decision.category, label_lookup)
        if category not in categories:
            problems.append({"where": "body.category", "problem": "not a category this service knows"})
        unknown = [theme for theme in decision.themes if theme not in theme_ids]
        if unknown:
            problems.append({"where": "body.themes", "problem": f"{len(unknown)} theme(s) this service does not know"})
        if problems:
            return _error(422, "the decision is not valid (see details)", problems)
        if decision.suggestion is not None and decision.suggestion.model_version != scorers.category.version:
            raise HTTPException(409, "the suggestion came from another model version: suggest again, then record")
        # What the service suggests for this text, scored again (without the words behind it, which are not
        # stored): a client cannot make a suggestion look confident or right; the live accuracy is the model's.
        shown = given.get((text_hash(decision.text), decision.team))
        if shown is None:
            shown = (await run_in_threadpool(score_all, [decision], False))[0]
        themes = [{"theme": t["theme"], "probability": t["probability"], "assigned": True} for t in shown["themes"]]
        themes += [
            {"theme": t["theme"], "probability": t["probability"], "assigned": False} for t in shown["possible_themes"]
        ]
        recorded = Decision(
            text_sha256=text_hash(decision.text),
            model_version=shown["model_version"],
            themes_model_version=shown["themes_model_version"],
            suggestion={key: shown[key] for key in ("categories", "needs_review", "review_reason")}
            | {"themes": themes},
            chosen_category=category,
            chosen_themes=tuple(dict.fromkeys(decision.themes)),
            case_ref=decision.complaint_ref,
            team=decision.team,
            text=decision.text if params.feedback.store_text else None,
            decision_id=decision.decision_id,
            date_received=decision.date_received,
        )
        try:
            # On worker threads (as the scoring above): a slow database never holds up the event loop.
            decision_id, new = await run_in_threadpool(store.record, recorded)
        except SQLAlchemyError as error:
            log.error("The decision store refused a decision (%s); nothing was recorded.", type(error).__name__)
            raise HTTPException(503, "the decision store cannot record decisions just now: try again") from None
        response.status_code = 201 if new else 200
        accepted = category == shown["categories"][0]["category"]
        return {"decision_id": decision_id, "recorded": new, "accepted": accepted}

    # Without feedback.teams, the teams the category model was evaluated on (from its card) are offered.
    by_team = scorers.category.card.get("metrics", {}).get("holdout", {}).get("by_team", {})
    known_teams = sorted(team for team in by_team if team != "(no team)")

    @app.get("/choices", summary="What an officer may choose: categories, themes and teams")
    def choices() -> dict[str, Any]:
        return {
            "categories": sorted(categories),
            "themes": [{"theme": theme, "name": theme_names.get(theme, theme)} for theme in sorted(theme_ids)],
            "teams": list(params.feedback.teams) or known_teams,
            "recording": store is not None,
        }

    @app.get("/health", summary="Which models are loaded")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "model": scorers.category.version,
            "themes_model": scorers.themes.version if scorers.themes is not None else None,
            "auth": token is not None,
        }

    page = resources.files("pipeline.serving").joinpath("static/intake.html").read_text(encoding="utf-8")
    page_headers = {"Content-Security-Policy": _page_policy(page)}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def intake_page() -> HTMLResponse:
        return HTMLResponse(page, headers=page_headers)

    return app


def app_from_environment() -> FastAPI:
    """The app for one server process of ``complaints serve --workers N`` (uvicorn's factory).

    The command puts its arguments in ``COMPLAINTS_SERVE_ARGUMENTS`` (JSON: params, model,
    themes_model, allowed_hosts); the bearer token comes from the variable ``service.token_variable``
    names, as for a single process.
    """
    from pipeline.feedback.store import database_url, open_store
    from pipeline.serving.models import load_scorers

    arguments = json.loads(os.environ.get(SERVE_ARGUMENTS, "{}"))
    params = load_params(arguments.get("params"))
    if arguments.get("allowed_hosts"):
        service = dataclasses.replace(params.service, allowed_hosts=tuple(arguments["allowed_hosts"]))
        params = dataclasses.replace(params, service=service)
    scorers = load_scorers(params, arguments.get("model"), arguments.get("themes_model"))
    store = open_store(database_url(params.feedback, os.environ))
    return create_app(scorers, params, os.environ.get(params.service.token_variable) or None, store)

"""The intake service: a JSON API and a one-page form over the loaded models (``complaints serve``).

``create_app`` takes loaded models and config and returns a FastAPI app; its only file is the
intake page, read once from the package when the app is built, and it keeps no module globals, so
tests build it in memory. Complaint text is never logged: request logs carry the
path and status only, and validation errors are returned without the input that caused them.
"""

import hmac
import logging
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from pipeline.config import Params
from pipeline.data.schema import intake_frame
from pipeline.serving.score import Scorers, score, suggestion

log = logging.getLogger(__name__)


class Complaint(BaseModel):
    """One complaint as recorded at intake."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(description="The complaint, in the complainant's or officer's words.")
    team: StrictStr | None = Field(default=None, description="The team the complaint is about, if known.")
    complaint_ref: StrictStr | None = Field(default=None, description="Your reference, returned unchanged.")

    @field_validator("text")
    @classmethod
    def _has_words(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the complaint text is empty")
        return text


class Batch(BaseModel):
    """Several complaints scored in one request (at most service.max_batch)."""

    model_config = ConfigDict(extra="forbid")

    complaints: list[Complaint] = Field(min_length=1)


def _error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message, "details": details or []})


def create_app(scorers: Scorers, params: Params, token: str | None = None) -> FastAPI:
    """The service for ``scorers``; with ``token`` every API call needs ``Authorization: Bearer <token>``."""
    service = params.service
    app = FastAPI(
        title="Complaints intake",
        version="1",
        description="Suggested category (top 3, calibrated), root-cause themes and the words behind them.",
    )
    bearer = HTTPBearer(auto_error=False)
    # Refuse oversized bodies before parsing them: every complaint at the size limit, plus room for JSON.
    max_body = service.max_batch * (4 * service.max_text_chars + 1_000)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            return _error(413, f"the request body is over {max_body} bytes")
        return await call_next(request)

    def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status_code=401, detail="missing or wrong bearer token")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # Without the "input" pydantic echoes: it may be complaint text.
        details = [
            {"where": ".".join(str(part) for part in item.get("loc", ())), "problem": item.get("msg", "")}
            for item in error.errors()
        ]
        return _error(422, "the request is not a valid complaint (see details)", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        response = _error(error.status_code, str(error.detail))
        if error.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
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

    def suggest_all(complaints: list[Complaint]) -> list[dict[str, Any]]:
        check_sizes(complaints)
        frame = intake_frame([c.text for c in complaints], params.data, [c.team for c in complaints])
        scored = score(scorers, frame, params, params.score.explain)
        return [
            suggestion(row, params.evaluate.top_k) | {"complaint_ref": c.complaint_ref, "team": c.team}
            for (_, row), c in zip(scored.iterrows(), complaints, strict=True)
        ]

    @app.post("/suggest", dependencies=[Depends(authorised)], summary="Suggest for one complaint")
    def suggest_one(complaint: Complaint) -> dict[str, Any]:
        return suggest_all([complaint])[0]

    @app.post("/score", dependencies=[Depends(authorised)], summary="Suggest for a batch of complaints")
    def score_batch(batch: Batch) -> dict[str, Any]:
        return {"results": suggest_all(batch.complaints)}

    @app.get("/health", summary="Which models are loaded")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "model": scorers.category.version,
            "themes_model": scorers.themes.version if scorers.themes is not None else None,
            "auth": token is not None,
        }

    page = resources.files("pipeline.serving").joinpath("static/intake.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def intake_page() -> str:
        return page

    return app

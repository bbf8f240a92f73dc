"""What the service checks before a request reaches the app, as plain ASGI (so nothing is read first).

``Guard`` answers with the project's JSON error, and without reading the body, a request whose Host
header is not allowed (400, against DNS rebinding), an API call without the bearer token (401) and a
body declared too large (413); it counts the bytes of a body as they stream in (chunked bodies
declare no length) and refuses it with 413 as soon as it passes the limit. Every response gets the
headers that stop browsers sniffing types, framing the page or sending it as a referrer.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class BodyTooLarge(HTTPException):
    """A request body that went over the limit while it was read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit} bytes")


def error_body(message: str, details: list[dict[str, Any]] | None = None) -> bytes:
    """The project's JSON error: ``{"error": message, "details": [...]}`` (UTF-8, any lone surrogate replaced)."""
    text = json.dumps({"error": message, "details": details or []}, ensure_ascii=False)
    return text.encode("utf-8", errors="replace")


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header value carries ``Bearer <token>`` (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode("utf-8"))


def host_name(host_header: str) -> str:
    """The host of a Host header without its port: ``[::1]:8000`` -> ``::1``, ``LocalHost:80`` -> ``localhost``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


class Guard:
    """Host, token and body-size checks in front of ``app``, plus the security headers on every response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str],
        token: str | None,
        protected: Iterable[str],
        max_body: int,
    ) -> None:
        self.app = app
        self.allowed_hosts = frozenset(allowed_hosts)
        self.token = token
        self.protected = frozenset(protected)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what fails a check; otherwise pass the request on with a counting ``receive``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        refusal = self.refusal(scope["path"], headers)
        if refusal is not None:
            await respond(send, *refusal)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, counted, with_headers)
        except BodyTooLarge as error:
            if started:
                raise
            await respond(send, 413, str(error.detail))

    def refusal(self, path: str, headers: dict[str, str]) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """Status, message and extra headers for a request refused on its headers alone, else None."""
        if "*" not in self.allowed_hosts and host_name(headers.get("host", "")) not in self.allowed_hosts:
            return 400, "this service does not answer to that Host header (service.allowed_hosts)", []
        if (
            self.token is not None
            and path in self.protected
            and not token_matches(headers.get("authorization"), self.token)
        ):
            return 401, "missing or wrong bearer token", [(b"www-authenticate", b"Bearer")]
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return 413, f"the request body is over {self.max_body} bytes", []
        return None


async def respond(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send the project's JSON error with the security headers and ``Connection: close`` (the body is unread)."""
    body = error_body(message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

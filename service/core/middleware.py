"""ASGI middleware: request ids, JSON access logs and metrics; request limits; API key; security headers."""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.config import Settings
from service.core.metrics import Metrics

access_log = logging.getLogger("verbatim.access")


def configure_access_log() -> None:
    """One JSON object per line on stderr, nothing else on the line; safe to call again."""
    if not any(getattr(h, "_verbatim", False) for h in access_log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._verbatim = True  # type: ignore[attr-defined]
        access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
OPEN_PATHS = ("/healthz", "/readyz")


async def send_json(send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-ID``), logs one JSON line and records metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics, settings: Settings) -> None:
        self.app = app
        self.metrics = metrics
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id")
        if not request_id or len(request_id) > 64 or not request_id.replace("-", "").isalnum():
            request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        began = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                path = scope["path"]
                csp = DOCS_CSP if path in ("/docs", "/redoc") else CSP
                headers.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - began
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(scope["method"], template, status, seconds)
            entry: dict[str, Any] = {
                "request_id": request_id,
                "method": scope["method"],
                "route": template,
                "path": scope["path"],
                "status": status,
                "ms": round(seconds * 1000, 2),
            }
            question = scope["state"].get("question")
            if self.settings.log_questions and isinstance(question, str):
                entry["question"] = question[:200]
            access_log.info(json.dumps(entry, ensure_ascii=False))


UPLOAD_PATHS = {"/v1/documents"}
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and part headers


class LimitsMiddleware:
    """Refuses oversized bodies (413) and non-JSON bodies on POST (415) before anything reads them."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        if scope["path"] in UPLOAD_PATHS and scope["method"] == "POST" and self.upload_max_bytes:
            await self._upload(scope, receive, send, request_id)
            return
        length = _header(scope, b"content-length")
        if length and (not length.isdigit() or int(length) > self.max_body_bytes):
            await send_json(send, 413, _error("payload_too_large", f"body over {self.max_body_bytes} bytes; send a shorter question", request_id))
            return
        ctype = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        has_body = length not in (None, "0") or _header(scope, b"transfer-encoding") is not None
        if has_body and scope["method"] == "POST" and scope["path"].startswith("/v1/") and ctype != "application/json":
            await send_json(send, 415, _error("unsupported_media_type", "send the body as JSON with Content-Type: application/json", request_id))
            return
        await _run_limited(self.app, scope, receive, send, self.max_body_bytes,
                           f"body over {self.max_body_bytes} bytes; send a shorter question", request_id)


    async def _upload(self, scope: Scope, receive: Receive, send: Send, request_id: str | None) -> None:
        """A multipart upload: the file limit plus room for the form's own lines; the route checks the type."""
        limit = self.upload_max_bytes + UPLOAD_OVERHEAD
        detail = f"file over {self.upload_max_bytes:,} bytes (VERBATIM_UPLOAD_MAX_BYTES); upload a smaller file"
        length = _header(scope, b"content-length")
        if length and (not length.isdigit() or int(length) > limit):
            await send_json(send, 413, _error("payload_too_large", detail, request_id))
            return
        await _run_limited(self.app, scope, receive, send, limit, detail, request_id)


async def _run_limited(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int, detail: str,
                       request_id: str | None) -> None:
    """Run ``app`` with a body that may not grow past ``limit`` bytes as it streams in (else a 413)."""
    seen = 0

    async def limited_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge(413, detail)
        return message

    try:
        await app(scope, limited_receive, send)
    except _BodyTooLarge:
        await send_json(send, 413, _error("payload_too_large", detail, request_id))


class ApiKeyMiddleware:
    """When an API key is set, every route but health needs ``Authorization: Bearer KEY`` or ``X-API-Key``."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.api_key or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        # X-API-Key, or the bearer token: with both set, an upload sends the key as X-API-Key and the
        # admin token as the bearer
        given = [_header(scope, b"x-api-key") or "", bearer_token(_header(scope, b"authorization"))]
        if not any(hmac.compare_digest(g.encode(), self.api_key.encode()) for g in given):
            request_id = scope.get("state", {}).get("request_id")
            await send_json(
                send, 401, _error("unauthorized", "this server needs an API key: send Authorization: Bearer KEY", request_id),
                [(b"www-authenticate", b"Bearer")],
            )
            return
        await self.app(scope, receive, send)


class _BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing re-raises it (as a 413) instead of making it a 400."""


def _error(code: str, detail: str, request_id: str | None) -> dict[str, Any]:
    return {"error": code, "detail": detail, "request_id": request_id}


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer TOKEN`` header; "" for none or another scheme."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return ""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None

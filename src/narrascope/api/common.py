"""Small HTTP helpers shared by the route modules: limits, security headers, content negotiation,
body reading, links. No routes here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

from ..document import Analysis, Document, analysis_from_record
from ..errors import InputTooLargeError
from .bodies import parse_json_body

DEFAULT_MAX_CHARS = 200_000
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
TOKEN_ENV = "NARRASCOPE_API_TOKEN"
DB_ENV = "NARRASCOPE_DB"
MAX_PAGE = 200

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
DATE_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"  # empty = no filter (HTML forms send empty fields)


class SecurityHeaders:
    """Pure ASGI middleware adding the CSP and friends to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(SECURITY_HEADERS)]
                message["headers"] = headers + SECURITY_HEADERS
            await send(message)

        return await self.app(scope, receive, send_with_headers)


# -- helpers ---------------------------------------------------------------------------------------
def error_envelope(err: dict[str, Any]) -> dict[str, Any]:
    return {"error": {k: err.get(k) for k in ("code", "message", "where", "hint")}}


def wants_html(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt:
        return fmt == "html"
    accept = request.headers.get("accept", "")
    html = accept.find("text/html")
    if html < 0:
        return False
    js = accept.find("application/json")
    return js < 0 or html < js


def safe_link(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (``javascript:``, ``data:``) stays text."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def top_labels(row: dict[str, Any], k: int = 4) -> list[str]:
    found = []
    for task, labs in (row.get("labels") or {}).items():
        for lab in labs or []:
            found.append((float(lab.get("score") or 0), str(lab.get("label"))))
    found.sort(key=lambda x: -x[0])
    out: list[str] = []
    for _, lab in found:
        if lab not in out:
            out.append(lab)
    return out[:k]


async def read_body(request: Request, limit: int, where: str) -> bytes:
    declared = request.headers.get("content-length")
    too_big = InputTooLargeError(
        f"the request body is larger than the {limit:,}-byte limit",
        where=where,
        hint="send a shorter text, split the batch, or raise the server's limit (--max-chars)",
    )
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes, where: str) -> Any:
    """JSON body; huge integers, lone surrogates and deep nesting are 400s (see api/bodies.py)."""
    return parse_json_body(body, where)


def is_json(request: Request) -> bool:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


def check_size(doc: Document, max_chars: int, where: str) -> None:
    if len(doc.text) > max_chars:
        raise InputTooLargeError(
            f"the document has {len(doc.text):,} characters; the limit is {max_chars:,}",
            where=where,
            hint="send a shorter text or raise the server's limit (narrascope serve --max-chars)",
        )


def analysis_from_payload(d: Any, where: str, max_chars: int) -> Analysis:
    """A client-made Analysis dict (``POST /documents`` with ``analyses``): the one ingest validator
    (:func:`narrascope.document.analysis_from_record`), text kept exactly as sent."""
    return analysis_from_record(d, where, max_chars=max_chars)

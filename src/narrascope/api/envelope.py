"""The one error envelope: every error, whatever raised it (a
:class:`~narrascope.errors.NarrascopeError`, an unknown route, a wrong method, a request that fails
validation, a bug), leaves as ``{"error": {code, message, where, hint}}`` with the matching HTTP
status (an HTML page with the same fields for browser page views). Installed by :func:`install`."""

from __future__ import annotations

import logging
import re
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AuthError, NarrascopeError
from .common import error_envelope, wants_html
from .validation import allowed_methods

log = logging.getLogger("narrascope.api.app")


def install(app: FastAPI, render: Callable) -> None:
    """Route every exception raised while serving ``app`` to the one envelope (``render``: the
    app's page renderer, for the HTML error page)."""

    def error_response(request: Request, status: int, err: dict[str, Any], headers: dict | None = None) -> Response:
        if request.method == "GET" and wants_html(request):
            try:
                return render(request, "error.html", status=status, status_code=status, error=err, page="error")
            except Exception:  # noqa: BLE001 - fall back to JSON if the page itself fails
                log.exception("error page failed")
        return JSONResponse(error_envelope(err), status_code=status, headers=headers)

    @app.exception_handler(NarrascopeError)
    async def narrascope_error(request: Request, exc: NarrascopeError):
        headers = {"WWW-Authenticate": 'Bearer realm="narrascope"'} if isinstance(exc, AuthError) else None
        return error_response(request, exc.status, exc.to_dict(), headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            err = {
                "code": "not_found",
                "message": f"no such page or endpoint: {request.url.path}",
                "where": request.url.path,
                "hint": "see /openapi.json for the endpoints",
            }
        elif exc.status_code == 405:
            allow = ", ".join(allowed_methods(app, request.scope)) or (exc.headers or {}).get("Allow", "")
            exc.headers = {**(exc.headers or {}), "Allow": allow}
            err = {
                "code": "method_not_allowed",
                "message": f"{request.method} is not allowed on {request.url.path}",
                "where": request.url.path,
                "hint": f"allowed: {allow or 'see /openapi.json'}",
            }
        else:
            err = {"code": f"http_{exc.status_code}", "message": str(exc.detail), "where": request.url.path, "hint": None}
        return error_response(request, exc.status_code, err, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = ".".join(str(p) for p in first.get("loc", ()))
        value = first.get("input")
        msg = first.get("msg", "invalid request")
        got = "" if value is None else f", got {value!r}"[:120]
        err = {
            "code": "invalid_request",
            "message": f"{loc or 'request'}: {msg}{got}" + (f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""),
            "where": loc or request.url.path,
            "hint": _validation_hint(request, first),
        }
        return error_response(request, 422, err)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        err = {
            "code": "internal_error",
            "message": f"unexpected server error ({type(exc).__name__})",
            "where": request.url.path,
            "hint": "this is a bug; the server log has the traceback",
        }
        return error_response(request, 500, err)


def _validation_hint(request: Request, first: dict[str, Any]) -> str:
    """What the failing check wanted, and the parameters this endpoint really takes."""
    from .validation import accepted_parameters

    ctx = first.get("ctx") or {}
    want = ""
    if "pattern" in ctx:
        pattern = str(ctx["pattern"])
        choices = re.fullmatch(r"\^\(([\w|]+)\)\$", pattern)
        if "\\d{4}" in pattern:
            want = "a date YYYY-MM-DD; "
        elif choices:
            want = f"one of {', '.join(choices.group(1).split('|'))}; "
        else:
            want = f"a value matching {pattern}; "
    params = accepted_parameters(request)
    return want + (f"this endpoint takes: {', '.join(params)}" if params else "see /openapi.json for this endpoint")

"""The FastAPI app: REST API + server-rendered web UI over a corpus store.

Built by :func:`create_app` -- no module-level app object, no import-time state. Routes are thin:
they parse the request, call one library function (``Pipeline.analyze``, ``Store.*``) and
answer. One view serves both HTML (browsers) and JSON (API clients) where natural: JSON unless
``?format=html`` or the ``Accept`` header prefers ``text/html``.

Every error, whatever raised it (a :class:`~narrascope.errors.NarrascopeError`, an unknown route,
a wrong method, a request that fails validation, a bug), leaves as ONE JSON envelope::

    {"error": {"code": "not_found", "message": "...", "where": "...", "hint": "..."}}

with the matching HTTP status (an HTML page with the same fields for browser page views).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..errors import (  # noqa: F401 - IngestDisabledError, NoStoreError: importable from here as before
    AuthError, IngestDisabledError, InputError, InputTooLargeError, NarrascopeError, NoStoreError,
)
from ..store import COUNT_LIMIT
# importable from here as before the split:
from .common import (  # noqa: F401
    CSP, DATE_PATTERN, DB_ENV, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CHARS, MAX_PAGE, SECURITY_HEADERS, TOKEN_ENV,
    SecurityHeaders, analysis_from_payload, check_size, error_envelope, is_json, parse_json, read_body, safe_link,
    top_labels, wants_html,
)
from .dashboard import role_table as _role_table  # noqa: F401
from .duplicates import cluster_view as _cluster_view  # noqa: F401
from .envelope import _validation_hint  # noqa: F401
from .runtime import CACHE_SECONDS, Runtime, _Runtime  # noqa: F401

log = logging.getLogger(__name__)


# -- the app ---------------------------------------------------------------------------------------
def create_app(
    store_url: str | None = None,
    *,
    token: str | None = None,
    pipeline=None,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    create: bool = True,
    root_path: str = "",
    count_limit: int | None = COUNT_LIMIT,
    review=None,
) -> FastAPI:
    """Build the API + UI app.

    ``store_url``: a SQLite path or ``postgresql://`` URL (default: ``$NARRASCOPE_DB``; without
    one, only ``POST /analyze`` works). ``token``: the bearer token that ``POST /documents``
    requires (default: ``$NARRASCOPE_API_TOKEN``; without one, ingest over HTTP is disabled).
    ``pipeline``: a :class:`~narrascope.pipeline.Pipeline` (default: every registered analyzer,
    loaded on first use). ``max_chars``: the largest document accepted (413 above it).
    ``count_limit``: ``GET /documents`` counts at most this many matches (``None``: exactly).
    ``review``: a :class:`~narrascope.api.review.ReviewConfig` (who may write corrections; default:
    ``$NARRASCOPE_REVIEW_TOKEN``, else read-only).
    """
    from ..web import STATIC_DIR, template_env
    from . import analyze, dashboard, documents, duplicates, envelope, meta, stats
    from .alerts import register as register_alerts
    from .review import register_review
    from .validation import install as install_validation
    from .workbench import register as register_workbench

    store_url = store_url if store_url is not None else (os.environ.get(DB_ENV) or None)
    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    rt = _Runtime(store_url, token or None, pipeline, max_chars, max_body_bytes, create)
    rt.open()  # fail now (bad path / URL), not on the first request
    env = template_env()

    @asynccontextmanager
    async def lifespan(app):
        yield
        rt.close()

    app = FastAPI(
        title="Narrascope",
        version=__version__,
        description="Narratives, entity framing, persuasion techniques, quotes and claims in news articles, "
        "with evidence spans. Every error is returned as {\"error\": {code, message, where, hint}}.",
        docs_url=None,  # the interactive docs pages load scripts from a CDN: not served
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        root_path=root_path,
    )
    app.state.runtime = rt
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    facets = documents.make_facets(rt)
    install_validation(app, facets)  # strict query checks on every route added below

    def render(request: Request, name: str, status: int = 200, **ctx) -> HTMLResponse:
        base = request.scope.get("root_path", "") or ""
        html = env.get_template(name).render(
            base=base, version=__version__, quick_q=request.query_params.get("q"), **ctx
        )
        return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})

    def json_response(data: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(data, status_code=status, headers={"Vary": "Accept"})

    review_view = register_review(app, rt, render, json_response, review)  # /review routes (api/review.py)
    envelope.install(app, render)  # every error -> the one envelope (api/envelope.py)
    analyze.register(app, rt, json_response)  # POST /analyze
    documents.register(app, rt, render, json_response, review_view, facets, count_limit)  # /documents
    stats.register(app, rt, json_response)  # GET /stats/*
    duplicates.register(app, rt, render, json_response)  # GET /duplicates
    register_alerts(app, rt, render, json_response)  # GET /alerts (+ the Alerts page), GET /feeds
    dashboard.register(app, rt, render, json_response, facets)  # GET /
    meta.register(app, rt, json_response)  # GET /health, /openapi.json
    register_workbench(app, rt, render, json_response, wants_html)  # reports, entities, compare, export
    return app

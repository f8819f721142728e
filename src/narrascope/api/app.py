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

import asyncio
import hmac
import json
import logging
import os
import re
import threading
import time
from contextlib import asynccontextmanager
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..document import Analysis, Document, analysis_from_record
from ..errors import (  # noqa: F401 - IngestDisabledError, NoStoreError: importable from here as before
    AuthError, IngestDisabledError, InputError, InputTooLargeError, NarrascopeError, NoStoreError,
)
from ..store import COUNT_LIMIT
from .bodies import check_document_payload, parse_json_body

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 200_000
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
TOKEN_ENV = "NARRASCOPE_API_TOKEN"
DB_ENV = "NARRASCOPE_DB"
MAX_PAGE = 200
CACHE_SECONDS = 300.0

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


class _Runtime:
    """Per-app state: the store, the (lazily loaded) pipeline, the token, small caches."""

    def __init__(self, store_url, token, pipeline, max_chars, max_body_bytes, create):
        self.store_url = store_url
        self.create = create
        self.token = token
        self.max_chars = int(max_chars)
        self.max_body_bytes = int(max_body_bytes)
        self._pipeline = pipeline
        self._pipeline_lock = threading.Lock()
        self._store = None
        self._cache: dict[str, tuple[float, Any, Any]] = {}  # key -> (time, corpus stamp, value)
        self._jobs: dict[str, threading.Thread] = {}
        self._cache_lock = threading.Lock()

    # store ----------------------------------------------------------------------------------
    def open(self) -> None:
        if self.store_url and self._store is None:
            from ..store import open_store

            self._store = open_store(self.store_url, create=self.create)

    @property
    def store(self):
        if self._store is None:
            if not self.store_url:
                raise NoStoreError(
                    "this server has no corpus store",
                    hint="start it with `narrascope serve --db FILE` (or create_app(store_url=...)); POST /analyze works without one",
                )
            self.open()
        return self._store

    def close(self) -> None:
        from ..serving import close_executor

        close_executor(self)
        if self._store is not None:
            self._store.close()
            self._store = None

    def _stamp(self) -> Any:
        """Changes whenever the corpus changes (the document count; ingest also clears the cache)."""
        return self.store.count_documents()

    def cached(self, key: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` computed once per corpus state (and at most every CACHE_SECONDS)."""
        now, stamp = time.monotonic(), self._stamp()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit and hit[1] == stamp and now - hit[0] < CACHE_SECONDS:
                return hit[2]
        value = fn()
        with self._cache_lock:
            self._cache[key] = (now, stamp, value)
        return value

    def background(self, key: str, fn: Callable[[], Any], wait: float = 1.5) -> tuple[bool, Any]:
        """Like :meth:`cached` for slow work (e.g. duplicate clustering of a big corpus): computed in
        a thread; waits up to ``wait`` seconds, then answers ``(False, stale value or None)``."""
        now, stamp = time.monotonic(), self._stamp()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit and hit[1] == stamp and now - hit[0] < CACHE_SECONDS:
                return True, hit[2]
            job = self._jobs.get(key)
            if job is None or not job.is_alive():

                def run():
                    try:
                        value = fn()
                    except Exception:  # noqa: BLE001 - logged; the page says it is not ready
                        log.exception("background computation %s failed", key)
                        return
                    with self._cache_lock:
                        self._cache[key] = (time.monotonic(), stamp, value)

                job = threading.Thread(target=run, name=f"narrascope-{key}", daemon=True)
                self._jobs[key] = job
                job.start()
        job.join(wait)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit and hit[1] == stamp:
            return True, hit[2]
        return False, hit[2] if hit else None

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    # pipeline -------------------------------------------------------------------------------
    @property
    def pipeline(self):
        with self._pipeline_lock:
            if self._pipeline is None:
                from ..pipeline import Pipeline

                self._pipeline = Pipeline.from_config()
            self._pipeline.load()
            return self._pipeline

    def analyze(self, doc: Document) -> Analysis:
        pipeline = self.pipeline
        with self._pipeline_lock:  # analyzers are not required to be thread-safe
            return pipeline.analyze(doc)

    async def analyze_async(self, doc: Document) -> Analysis:
        """Queue the analysis on the runtime's own analysis thread, not the shared request
        threadpool, so that waiting analyses never hold the threads reads are served on."""
        from ..serving import analysis_executor

        return await asyncio.get_running_loop().run_in_executor(analysis_executor(self), self.analyze, doc)

    def analyze_many(self, docs: list[Document], failures: list) -> list[Analysis]:
        pipeline = self.pipeline
        with self._pipeline_lock:
            return list(pipeline.pipe(docs, on_failure=failures.append))


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
    from ..web.highlight import build_highlight, default_selection, label_panel, parse_selection, segment_title

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
    from .validation import allowed_methods, install as install_validation

    install_validation(app, lambda: facets())  # strict query checks on every route added below

    def render(request: Request, name: str, status: int = 200, **ctx) -> HTMLResponse:
        base = request.scope.get("root_path", "") or ""
        html = env.get_template(name).render(
            base=base, version=__version__, quick_q=request.query_params.get("q"), **ctx
        )
        return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})

    def json_response(data: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(data, status_code=status, headers={"Vary": "Accept"})

    from .review import register_review

    review_view = register_review(app, rt, render, json_response, review)  # /review routes (api/review.py)

    # -- errors: one envelope ----------------------------------------------------------------
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

    # -- API: analyze ------------------------------------------------------------------------
    @app.post(
        "/analyze",
        tags=["analyze"],
        summary="Analyze one article (not stored)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {"schema": {"type": "string"}},
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {k: {"type": "string"} for k in ("text", "title", "url", "source", "published", "language", "id")},
                        }
                    },
                },
            }
        },
    )
    async def analyze(request: Request) -> JSONResponse:
        """Raw text (``text/plain``) or a document JSON object with ``text`` (and optionally
        ``title``, ``url``, ``source``, ``published``, ``language``). Returns the Analysis JSON.
        Larger than ``max_chars`` characters: 413."""
        body = await read_body(request, rt.max_chars * 4 + 65536, "body")
        if is_json(request):
            d = parse_json(body, "body")
            check_document_payload(d, "body")
            doc = Document.from_dict(d, where="body")
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("the text is not UTF-8", where="body", hint="send UTF-8 text") from None
            doc = Document.create(text, where="body", title=request.query_params.get("title"))
        check_size(doc, rt.max_chars, "body.text")
        analysis = await rt.analyze_async(doc)
        return json_response(analysis.to_dict())

    # -- API + UI: documents -----------------------------------------------------------------
    def facets() -> dict[str, list[str]]:
        def compute():
            store = rt.store
            sources = sorted(s["source"] for s in store.sources() if s.get("source"))
            narr = sorted({r["label"] for r in store.stats_narratives(by="source")})
            tech = sorted({r["label"] for r in store.stats_techniques(by="source")})
            return {"sources": sources, "narratives": narr, "techniques": tech}

        return rt.cached("facets", compute)

    @app.get("/documents", tags=["documents"], summary="Search and list stored documents", response_model=None)
    def list_documents(
        request: Request,
        q: str | None = Query(None, max_length=500, description="Full-text query: words AND-ed, \"phrases\", prefix*, -exclude, OR"),
        source: str | None = Query(None, max_length=500),
        narrative: str | None = Query(None, max_length=500, description="a narrative label (any narrative task)"),
        technique: str | None = Query(None, max_length=500, description="a persuasion technique label"),
        date_from: str | None = Query(None, pattern=DATE_PATTERN, description="inclusive, YYYY-MM-DD"),
        date_to: str | None = Query(None, pattern=DATE_PATTERN, description="inclusive, YYYY-MM-DD"),
        limit: int = Query(20, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=10**9),
        after: str | None = Query(None, max_length=300, description="keyset cursor from a `next` link (lists without q); offset then only numbers the rows"),
        format: str | None = Query(None, pattern="^(json|html)$", description="force json or html"),
    ):
        """Newest first (by relevance with ``q``). JSON: ``{items, total, total_is_lower_bound, limit,
        offset, next, prev}``. Matches are counted up to the app's ``count_limit`` (10,000) only:
        beyond that ``total`` is that limit (or the end of this page, if further) and
        ``total_is_lower_bound`` is true, meaning *more* than ``total`` documents match. ``next`` is
        set whenever another page exists, whatever the count; without ``q`` it carries a keyset
        cursor (``after``), so deep pages cost what the first one does."""
        f = {
            "q": q or None,
            "source": source or None,
            "narrative": narrative or None,
            "technique": technique or None,
            "date_from": date_from or None,
            "date_to": date_to or None,
        }
        after = after or None
        # with a cursor the store starts there; offset only says which rows these are (for "showing")
        page = rt.store.list_documents(**f, limit=limit, offset=0 if after else offset, after=after,
                                       count_limit=count_limit)
        rows, total, lower_bound = page.rows, page.total, page.total_is_lower_bound
        if after and rows and (lower_bound or not page.has_more):
            # the store does not know where a cursor lies; the offset our next links carry does
            if not page.has_more:
                total, lower_bound = offset + len(rows), False
            else:
                total = max(total, offset + len(rows))
        params = {k: v for k, v in f.items() if v}

        def page_url(off: int, fmt: str | None = None, cursor: str | None = None) -> str:
            p = dict(params, limit=limit, offset=off)
            if cursor:
                p["after"] = cursor
            if fmt:
                p["format"] = fmt
            return f"{request.scope.get('root_path', '')}/documents?{urlencode(p)}"

        nxt = page_url(offset + limit, cursor=page.next_cursor) if page.has_more else None
        prev = page_url(max(0, offset - limit)) if offset > 0 else None
        if wants_html(request):
            items = [dict(r, top_labels=top_labels(r)) for r in rows]
            return render(
                request,
                "documents.html",
                page="documents",
                f=f,
                facets=facets(),
                items=items,
                total=total,
                total_is_lower_bound=lower_bound,
                offset=offset,
                next_url=nxt,
                prev_url=prev,
                json_url=page_url(offset, "json", after),
            )
        return json_response({"items": rows, "total": total, "total_is_lower_bound": lower_bound, "limit": limit,
                              "offset": offset, "next": nxt, "prev": prev})

    @app.get("/documents/{doc_id}", tags=["documents"], summary="One stored document with its analysis", response_model=None)
    def get_document(
        request: Request,
        doc_id: str,
        select: str | None = Query(None, max_length=300, description="HTML only: 'task:index' of the label whose evidence is outlined"),
        layer: str | None = Query(None, max_length=100, description="HTML only: the one highlight layer shown (a span kind, 'evidence' or 'none')"),
        threshold: float = Query(0.0, ge=0.0, le=1.0, description="HTML only: spans scoring below this are not highlighted"),
        format: str | None = Query(None, pattern="^(json|html)$"),
    ):
        """The stored ``Analysis`` JSON (plus ``id``, ``external_id``, ``stored_at``, ``sightings``);
        for browsers, the article page: one highlight layer, readable panels, report download."""
        from ..web.article import article_context, validate_selection

        record = rt.store.get(doc_id)
        if not wants_html(request):
            validate_selection(record, select)
            return json_response(review_view.json(record))
        ctx = article_context(record, select=select, layer=layer, threshold=threshold)
        hl = ctx["hl"]
        data = []
        for name, value in sorted((record.get("data") or {}).items()):
            text = json.dumps(value, ensure_ascii=False, indent=1, default=str)
            data.append((name, text if len(text) < 50_000 else text[:50_000] + "\n…"))
        doc = record["document"]
        return render(
            request,
            "document.html",
            page="document",
            doc=doc,
            first_line=(doc.get("text") or "").strip().split("\n", 1)[0][:160],
            record_id=record.get("id") or doc.get("id"),
            language=record.get("language"),
            safe_url=safe_link(doc.get("url")),
            seg_title=lambda s: segment_title(s, hl.spans),
            data=data,
            versions=sorted((record.get("versions") or {}).items()),
            stored_at=record.get("stored_at"),
            sightings=record.get("sightings") or [],
            **ctx,
            review=review_view(request, record),
        )

    @app.post(
        "/documents",
        tags=["documents"],
        summary="Ingest documents (bearer token required)",
        status_code=201,
        openapi_extra={
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "description": "one document object {text, title, url, source, published, language, id}, "
                            "a list of them, {\"documents\": [...]}, or {\"analyses\": [Analysis JSON, ...]} to store "
                            "analyses made elsewhere",
                        }
                    }
                },
            },
        },
    )
    async def add_documents(request: Request) -> JSONResponse:
        """Analyze (with the server's pipeline) and store documents; idempotent (same text = same
        id). Requires ``Authorization: Bearer <token>``; disabled (403) when no token is configured."""
        if not rt.token:
            raise IngestDisabledError(
                "ingest over the API is disabled: the server has no token configured",
                where="POST /documents",
                hint=f"set {TOKEN_ENV} before `narrascope serve` (or use `narrascope ingest`)",
            )
        auth = request.headers.get("authorization", "")
        scheme, _, cred = auth.partition(" ")
        if scheme.lower() != "bearer" or not cred.strip():
            raise AuthError("a bearer token is required", where="Authorization header", hint="send 'Authorization: Bearer <token>'")
        if not hmac.compare_digest(cred.strip().encode("utf-8"), rt.token.encode("utf-8")):
            raise AuthError("the bearer token is wrong", where="Authorization header", hint=f"use the token the server was started with ({TOKEN_ENV})")
        if not is_json(request):
            raise InputError("expected Content-Type: application/json", where="Content-Type header")
        payload = parse_json(await read_body(request, rt.max_body_bytes, "body"), "body")
        return await run_in_threadpool(_ingest, payload)

    def _ingest(payload: Any) -> JSONResponse:
        from ..errors import Failure

        failures: list = []
        analyses: list[Analysis] = []
        if isinstance(payload, dict) and "analyses" in payload:
            items = payload["analyses"]
            if not isinstance(items, list):
                raise InputError("'analyses' must be a list", where="body.analyses")
            for i, d in enumerate(items):
                try:
                    analyses.append(analysis_from_payload(d, f"body.analyses[{i}]", rt.max_chars))
                except NarrascopeError as e:
                    failures.append(Failure(where=e.where or f"body.analyses[{i}]", message=e.message, stage="read"))
            versions = None
        else:
            items = payload.get("documents") if isinstance(payload, dict) and "documents" in payload else payload
            items = [items] if isinstance(items, dict) else items
            if not isinstance(items, list):
                raise InputError("expected a document object, a list of them, or {\"documents\": [...]}", where="body")
            docs = []
            for i, d in enumerate(items):
                where = f"body[{i}]"
                try:
                    check_document_payload(d, where)
                    doc = Document.from_dict(d, where=where)
                    check_size(doc, rt.max_chars, f"{where}.text")
                    docs.append(doc)
                except NarrascopeError as e:
                    failures.append(Failure(where=e.where or where, message=e.message, stage="read"))
            analyses = rt.analyze_many(docs, failures) if docs else []
            versions = rt.pipeline.versions() if docs else None
        report = rt.store.add_analyses(analyses, versions=versions) if analyses else None
        rt.invalidate()
        out = report.to_dict() if report is not None else {"added": 0, "skipped": 0, "sightings": 0, "failed": 0, "failures": []}
        out["failures"] = out.get("failures", []) + [f.to_dict() for f in failures]
        out["failed"] = len(out["failures"])
        out["ids"] = [a.document.id for a in analyses]
        if not analyses and failures:
            first = failures[0]
            raise InputError(
                f"none of the {len(failures)} document(s) could be stored: {first.message}",
                where=first.where,
                hint="fix the document(s) and send them again",
            )
        return json_response(out, status=201 if out.get("added") else 200)

    # -- API: stats --------------------------------------------------------------------------
    def stat_filters(source, date_from, date_to) -> dict[str, str]:
        return {k: v for k, v in (("source", source), ("date_from", date_from), ("date_to", date_to)) if v}

    @app.get("/stats/narratives", tags=["stats"], summary="Narrative prevalence by source, day or week")
    def stats_narratives(
        by: str = Query("source", pattern="^(source|day|week)$"),
        source: str | None = Query(None, max_length=500),
        date_from: str | None = Query(None, pattern=DATE_PATTERN),
        date_to: str | None = Query(None, pattern=DATE_PATTERN),
    ) -> JSONResponse:
        """Rows ``{group, task, label, documents, group_documents, share}``."""
        rows = rt.store.stats_narratives(by=by, **stat_filters(source, date_from, date_to))
        return json_response({"by": by, "rows": rows})

    @app.get("/stats/techniques", tags=["stats"], summary="Persuasion-technique prevalence by source, day or week")
    def stats_techniques(
        by: str = Query("source", pattern="^(source|day|week)$"),
        source: str | None = Query(None, max_length=500),
        date_from: str | None = Query(None, pattern=DATE_PATTERN),
        date_to: str | None = Query(None, pattern=DATE_PATTERN),
    ) -> JSONResponse:
        """Rows ``{group, task, label, documents, group_documents, share}``."""
        rows = rt.store.stats_techniques(by=by, **stat_filters(source, date_from, date_to))
        return json_response({"by": by, "rows": rows})

    @app.get("/stats/entities", tags=["stats"], summary="Entity roles: who is cast as what, by which sources")
    def stats_entities(
        source: str | None = Query(None, max_length=500),
        limit: int | None = Query(None, ge=1, description="default: every row"),
    ) -> JSONResponse:
        """Rows ``{entity, main_role, fine_role, source, documents}``, most frequent first."""
        return json_response({"rows": rt.store.entity_roles(source=source or None, limit=limit)})

    @app.get("/stats/tasks", tags=["stats"], summary="Label tasks and span kinds present in the store")
    def stats_tasks() -> JSONResponse:
        return json_response({"tasks": rt.store.label_tasks()})

    @app.get("/duplicates", tags=["duplicates"], summary="Near-duplicate (republished) clusters", response_model=None)
    def duplicates(
        request: Request,
        threshold: float | None = Query(None, gt=0.0, le=1.0, description="minimum estimated Jaccard similarity (default: the store's)"),
        min_size: int = Query(2, ge=2),
        limit: int = Query(50, ge=1, le=1000),
        offset: int = Query(0, ge=0),
        format: str | None = Query(None, pattern="^(json|html)$"),
    ):
        """Clusters ``{cluster, size, sources, earliest, documents}``, biggest first, the earliest
        publication marked; paginated like ``/documents`` (``{clusters, total, limit, offset, next, prev}``)."""
        kw: dict[str, Any] = {"min_size": min_size}
        if threshold is not None:
            kw["threshold"] = threshold
        clusters = rt.cached(f"duplicates:{threshold}:{min_size}", lambda: rt.store.duplicate_clusters(**kw))
        page = clusters[offset : offset + limit]
        params = {k: v for k, v in (("threshold", threshold), ("min_size", min_size if min_size != 2 else None)) if v is not None}

        def page_url(off: int) -> str:
            return f"{request.scope.get('root_path', '')}/duplicates?{urlencode(dict(params, limit=limit, offset=off))}"

        nxt = page_url(offset + limit) if offset + limit < len(clusters) else None
        prev = page_url(max(0, offset - limit)) if offset > 0 else None
        if wants_html(request):
            return render(
                request, "duplicates.html", page="duplicates", clusters=[_cluster_view(c) for c in page],
                total=len(clusters), offset=offset, next_url=nxt, prev_url=prev,
            )
        return json_response({"threshold": threshold, "clusters": page, "total": len(clusters), "limit": limit,
                              "offset": offset, "next": nxt, "prev": prev})

    from .alerts import register as register_alerts

    register_alerts(app, rt, render, json_response)  # GET /alerts (+ the Alerts page), GET /feeds

    # -- UI: dashboard -----------------------------------------------------------------------
    @app.get("/", tags=["ui"], summary="Corpus dashboard (HTML; JSON summary for API clients)", response_model=None)
    def dashboard(request: Request, format: str | None = Query(None, pattern="^(json|html)$")):
        from ..web.charts import line_chart, pivot, stacked_bars

        store = rt.store

        def summary():
            srcs = store.sources()
            days = [d for s in srcs for d in (s.get("first_day"), s.get("last_day")) if d]
            return {
                "documents": store.count_documents(),
                "sources": len([s for s in srcs if s.get("source")]),
                "first": min(days) if days else None,
                "last": max(days) if days else None,
            }

        summ = rt.cached("summary", summary)
        if not wants_html(request):
            return json_response({"summary": summ, "links": {"documents": "/documents", "duplicates": "/duplicates", "openapi": "/openapi.json"}})

        def charts():
            from ..store.insights import coverage
            from ..web.charts import label_matrix

            span_days = 0
            if summ["first"] and summ["last"]:
                from datetime import date

                try:
                    span_days = (date.fromisoformat(summ["last"][:10]) - date.fromisoformat(summ["first"][:10])).days
                except ValueError:
                    span_days = 0
            by = "week" if span_days > 62 else "day"
            def top(rows):  # main narratives only: a sub-narrative repeats its parent's article
                return [r for r in rows if r.get("task") != "subnarratives"]

            xs, data = pivot(top(store.stats_narratives(by=by)), "group", "label", "documents")
            return by, {
                "narratives_time": line_chart(xs, data),
                "narratives_source": label_matrix(top(store.stats_narratives(by="source"))),
                "techniques_source": label_matrix(store.stats_techniques(by="source")),
                "coverage": coverage(store),
            }

        by, chart_data = rt.cached("charts", charts)
        clusters_ready, clusters = rt.background("clusters", lambda: store.duplicate_clusters())
        roles = rt.cached("roles", lambda: _role_table(store.entity_roles()))
        rows, _ = store.list_documents(limit=10)
        return render(
            request,
            "dashboard.html",
            page="dashboard",
            summary=summ,
            charts=chart_data,
            by=by,
            f={"q": None, "source": None, "narrative": None, "technique": None, "date_from": None, "date_to": None},
            facets=facets(),
            items=[dict(r, top_labels=top_labels(r)) for r in rows],
            clusters=[_cluster_view(c) for c in (clusters or [])[:8]],
            clusters_ready=clusters_ready,
            roles=roles,
        )

    @app.get("/health", tags=["meta"], summary="Liveness and store summary")
    def health() -> JSONResponse:
        info: dict[str, Any] = {"status": "ok", "version": __version__, "ingest_enabled": bool(rt.token)}
        if rt.store_url:
            info["documents"] = rt.store.count_documents()
            info["backend"] = getattr(rt.store, "backend", None)
        return json_response(info)

    def openapi_schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": f"the server's {TOKEN_ENV}",
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_schema
    from .workbench import register as register_workbench

    register_workbench(app, rt, render, json_response, wants_html)
    return app


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


def _cluster_view(c: dict[str, Any]) -> dict[str, Any]:
    docs = c.get("documents") or []
    earliest = next((d for d in docs if d.get("earliest")), docs[0] if docs else {})
    return {
        "size": c.get("size", len(docs)),
        "sources": c.get("sources") or sorted({d.get("source") for d in docs if d.get("source")}),
        "earliest": earliest,
        "members": docs,
    }


def _role_table(rows: list[dict[str, Any]], k: int = 15) -> list[dict[str, Any]]:
    """Main-role rows of ``Store.entity_roles`` summed over sources: entity, role, documents, sources."""
    agg: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if r.get("fine_role"):
            continue
        key = (str(r.get("entity")).casefold(), str(r.get("main_role")))  # one row per entity and role, whatever the case
        a = agg.setdefault(key, {"entity": str(r.get("entity")), "role": key[1], "documents": 0, "sources": {}})
        a["documents"] += int(r.get("documents") or 0)
        src = r.get("source") or "(no source)"
        a["sources"][src] = a["sources"].get(src, 0) + int(r.get("documents") or 0)
    out = sorted(agg.values(), key=lambda a: (-a["documents"], a["entity"], a["role"]))[:k]
    for a in out:
        a["sources"] = sorted(a["sources"].items(), key=lambda kv: (-kv[1], kv[0]))
    return out

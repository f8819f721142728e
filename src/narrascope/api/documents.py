"""Documents: ``GET /documents`` (search and list, or the Documents page), ``GET /documents/{id}``
(the Analysis JSON, or the article page) and ``POST /documents`` (ingest, bearer token)."""

from __future__ import annotations

import hmac
import json
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..document import Analysis, Document
from ..errors import AuthError, IngestDisabledError, InputError, NarrascopeError
from .bodies import check_document_payload
from .common import (
    DATE_PATTERN, MAX_PAGE, TOKEN_ENV, analysis_from_payload, check_size, is_json, parse_json, read_body,
    safe_link, top_labels, wants_html,
)


def make_facets(rt) -> Callable[[], dict[str, list[str]]]:
    """The filter choices (sources, narratives, techniques) of the store, cached per corpus state."""

    def facets() -> dict[str, list[str]]:
        def compute():
            store = rt.store
            sources = sorted(s["source"] for s in store.sources() if s.get("source"))
            narr = sorted({r["label"] for r in store.stats_narratives(by="source")})
            tech = sorted({r["label"] for r in store.stats_techniques(by="source")})
            return {"sources": sources, "narratives": narr, "techniques": tech}

        return rt.cached("facets", compute)

    return facets


def register(app: FastAPI, rt, render: Callable, json_response: Callable, review_view, facets: Callable,
             count_limit: int | None) -> None:
    from ..web.highlight import segment_title

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

"""The analyst's workbench routes: report download, entity page, comparison, export of a filter.

Each route is a thin adapter over one library function (:mod:`narrascope.formats.report`,
:mod:`narrascope.store.insights`, :mod:`narrascope.store.export`); ``register`` hooks them into
the app built by :func:`narrascope.api.app.create_app`.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from ..errors import InputError

DATE = r"^(\d{4}-\d{2}-\d{2})?$"
EXPORT_WHAT = ("documents", "narratives", "techniques", "entities", "quotes", "claims")
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


def _filename(stem: str, ext: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-")[:60] or "narrascope"
    return f"{safe}.{ext}"


def register(app, rt, render, json_response, wants_html) -> None:
    @app.get("/documents/{doc_id}/report.{fmt}", tags=["documents"], summary="Download a readable report of one article",
             response_model=None)
    def document_report(doc_id: str, fmt: str) -> Response:
        """``report.html`` (one self-contained page: inline CSS, no script) or ``report.md`` (Markdown):
        summary, narratives with evidence, who said what, entities and roles, techniques, claims."""
        from ..formats.report import REPORT_FORMATS, render_report

        if fmt not in REPORT_FORMATS:
            raise InputError(f"the report comes as .html or .md, not .{fmt}", where="path",
                             hint=f"ask for /documents/{doc_id}/report.html or /documents/{doc_id}/report.md")
        record = rt.store.get(doc_id)
        body = render_report([record], fmt)
        title = (record.get("document") or {}).get("title") or doc_id
        name = _filename(f"narrascope-{title}", fmt)
        media = "text/html; charset=utf-8" if fmt == "html" else "text/markdown; charset=utf-8"
        return Response(body, media_type=media, headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})

    @app.get("/entities/{name:path}", tags=["stats"], summary="One entity across the corpus: roles over time, by source, articles",
             response_model=None)
    def entity_page(request: Request, name: str, by: str = Query("month", pattern="^(day|week|month)$"),
                    format: str | None = Query(None, pattern="^(json|html)$")):
        """``{entity, documents, roles, by_source, over_time, undated, by, articles}``: how often the
        entity (matched whole, case-insensitively) is cast in each main role."""
        from ..labels import default_catalog
        from ..store.insights import entity_profile

        prof = rt.cached(f"entity:{name.casefold()}:{by}", lambda: entity_profile(rt.store, name, by=by))
        if not wants_html(request):
            return json_response(prof)
        cat = default_catalog()
        roles = list(prof["roles"])
        periods = list(prof["over_time"])
        vmax = max([sum(v.values()) for v in prof["over_time"].values()] or [1])
        return render(request, "entity.html", page="entity", prof=prof, roles=roles, periods=periods, vmax=vmax,
                      role_name=cat.name, role_def=cat.definition)

    @app.get("/compare", tags=["stats"], summary="Narratives and techniques of two sources or two periods, side by side",
             response_model=None)
    def compare_view(
        request: Request,
        a_source: str | None = Query(None, max_length=500), a_from: str | None = Query(None, pattern=DATE),
        a_to: str | None = Query(None, pattern=DATE),
        b_source: str | None = Query(None, max_length=500), b_from: str | None = Query(None, pattern=DATE),
        b_to: str | None = Query(None, pattern=DATE),
        format: str | None = Query(None, pattern="^(json|html)$"),
    ):
        """Per label: the number and share of each slice's articles carrying it."""
        from ..labels import default_catalog
        from ..store.insights import compare

        a = {"source": a_source or None, "date_from": a_from or None, "date_to": a_to or None}
        b = {"source": b_source or None, "date_from": b_from or None, "date_to": b_to or None}
        sources = sorted(s["source"] for s in rt.store.sources() if s.get("source"))
        for side, f in (("a_source", a), ("b_source", b)):
            if f["source"] and f["source"] not in sources:
                from ..labels import suggest
                from ..web.article import InvalidQueryError

                near = suggest(f["source"], sources)
                raise InvalidQueryError(f"{side}: no stored document comes from {f['source']!r}", where=f"query.{side}",
                                        hint=f"did you mean {near[0]}?" if near else f"sources: {', '.join(sources[:10])}")
        chosen = any(a.values()) or any(b.values())
        result = compare(rt.store, a, b) if chosen else None
        if not wants_html(request):
            if result is None:
                raise InputError("choose the two slices to compare", where="query",
                                 hint="e.g. /compare?a_source=X&b_source=Y or a_from/a_to and b_from/b_to")
            return json_response(result)
        return render(request, "compare.html", page="compare", result=result, a=a, b=b, sources=sources,
                      label_name=default_catalog().name, label_def=default_catalog().definition)

    @app.get("/export", tags=["stats"], summary="Download the rows of the current filter (CSV, JSONL, Parquet)",
             response_model=None)
    def export_view(
        what: str = Query("documents", pattern="^(" + "|".join(EXPORT_WHAT) + ")$"),
        format: str = Query("csv", pattern="^(csv|jsonl|parquet)$"),
        source: str | None = Query(None, max_length=500),
        date_from: str | None = Query(None, pattern=DATE), date_to: str | None = Query(None, pattern=DATE),
    ):
        """The same tables as ``narrascope export --what ...`` for the documents matching
        ``source``/``date_from``/``date_to``, as a file download."""
        from ..store.export import write_rows
        from ..store.insights import claim_rows, quote_rows

        filters = {k: v for k, v in (("source", source), ("date_from", date_from), ("date_to", date_to)) if v}
        store = rt.store
        if what == "quotes":
            rows, cols = quote_rows(store, **filters), "quotes"
        elif what == "claims":
            rows, cols = claim_rows(store, **filters), "claims"
        else:
            rows, cols = store.export_rows(what, **filters), what
        fd, path = tempfile.mkstemp(prefix="narrascope-export-", suffix="." + format)
        os.close(fd)
        try:
            write_rows(rows, cols, format, path)
        except BaseException:
            os.unlink(path)
            raise
        stem = "-".join(["narrascope", what] + [str(v) for v in filters.values()])
        return FileResponse(path, media_type=MEDIA[format], filename=_filename(stem, format),
                            background=BackgroundTask(os.unlink, path))


__all__ = ["register"]

"""``GET /duplicates``: near-duplicate (republished) clusters, JSON or the Duplicates page."""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request

from .common import wants_html


def register(app: FastAPI, rt, render: Callable, json_response: Callable) -> None:
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
                request, "duplicates.html", page="duplicates", clusters=[cluster_view(c) for c in page],
                total=len(clusters), offset=offset, next_url=nxt, prev_url=prev,
            )
        return json_response({"threshold": threshold, "clusters": page, "total": len(clusters), "limit": limit,
                              "offset": offset, "next": nxt, "prev": prev})


def cluster_view(c: dict[str, Any]) -> dict[str, Any]:
    docs = c.get("documents") or []
    earliest = next((d for d in docs if d.get("earliest")), docs[0] if docs else {})
    return {
        "size": c.get("size", len(docs)),
        "sources": c.get("sources") or sorted({d.get("source") for d in docs if d.get("source")}),
        "earliest": earliest,
        "members": docs,
    }

"""``GET /``: the corpus dashboard (HTML; a JSON summary for API clients)."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import FastAPI, Query, Request

from .common import top_labels, wants_html
from .duplicates import cluster_view


def register(app: FastAPI, rt, render: Callable, json_response: Callable, facets: Callable) -> None:
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
        roles = rt.cached("roles", lambda: role_table(store.entity_roles()))
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
            clusters=[cluster_view(c) for c in (clusters or [])[:8]],
            clusters_ready=clusters_ready,
            roles=roles,
        )


def role_table(rows: list[dict[str, Any]], k: int = 15) -> list[dict[str, Any]]:
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

"""``GET /stats/*``: narrative and technique prevalence, entity roles, label tasks."""

from __future__ import annotations

from typing import Callable

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from .common import DATE_PATTERN


def stat_filters(source, date_from, date_to) -> dict[str, str]:
    return {k: v for k, v in (("source", source), ("date_from", date_from), ("date_to", date_to)) if v}


def register(app: FastAPI, rt, json_response: Callable) -> None:
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

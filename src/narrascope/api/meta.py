"""``GET /health`` and the OpenAPI schema (``/openapi.json``, with the bearer scheme)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from .. import __version__
from .common import TOKEN_ENV


def register(app: FastAPI, rt, json_response) -> None:
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

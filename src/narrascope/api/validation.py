"""Strict query validation for every route: unknown parameters, impossible dates and unknown label
names are refused in the one error envelope, with a suggestion ("did you mean ...?").

Installed as a router-wide dependency (:func:`install`), so each route keeps its own signature;
the 405 ``Allow`` header is computed over every route of the path (:func:`allowed_methods`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.routing import Match

from ..labels import suggest
from ..web.article import InvalidQueryError

ALWAYS_ALLOWED = {"format"}  # every view answers ?format=json|html
DATE_PARAMS = ("date_from", "date_to", "a_from", "a_to", "b_from", "b_to")


def check_date(name: str, value: str | None) -> None:
    if not value:
        return
    try:
        date.fromisoformat(value)
        ok = len(value) == 10
    except ValueError:
        ok = False
    if not ok:
        raise InvalidQueryError(
            f"{name} must be a real calendar date YYYY-MM-DD, got {value!r}", where=f"query.{name}",
            hint="months run 01-12 and days 01-31 (e.g. 2024-03-01); leave it out for no limit",
        )


def check_label(name: str, value: str | None, known: list[str], what: str) -> None:
    """Refuse a label the store has never seen, naming the closest one."""
    if not value or value in known:
        return
    near = suggest(value, known)
    hint = f"did you mean {near[0]}?" if near else (
        f"{what} labels in this store: {', '.join(known[:8])}{' …' if len(known) > 8 else ''}" if known else f"this store has no {what} labels yet")
    raise InvalidQueryError(f"{name}: no stored document has the {what} label {value!r}", where=f"query.{name}", hint=hint)


def install(app, labels: Callable[[], dict[str, list[str]]]) -> None:
    """Add the validation dependency to every route registered from now on. ``labels()`` returns
    ``{"narratives": [...], "techniques": [...]}`` (cached by the caller)."""

    async def validate(request: Request) -> None:
        route = request.scope.get("route")
        if not isinstance(route, APIRoute) or request.method not in ("GET", "HEAD"):
            return  # reads only: POST /analyze takes ?title= outside its signature
        accepted = {p.alias for p in route.dependant.query_params} | ALWAYS_ALLOWED
        for key in request.query_params.keys():
            if key not in accepted:
                near = suggest(key, sorted(accepted))
                raise InvalidQueryError(
                    f"unknown query parameter {key!r} for {route.path}", where=f"query.{key}",
                    hint=(f"did you mean {near[0]}? " if near else "")
                    + f"this endpoint takes: {', '.join(sorted(accepted))}",
                )
        for name in DATE_PARAMS:
            if name in accepted:
                check_date(name, request.query_params.get(name))
        wanted = {n: request.query_params.get(n) for n in ("narrative", "technique") if request.query_params.get(n)}
        if wanted:
            known = labels()
            if "narrative" in wanted:
                check_label("narrative", wanted["narrative"], known.get("narratives", []), "narrative")
            if "technique" in wanted:
                check_label("technique", wanted["technique"], known.get("techniques", []), "technique")

    app.router.dependencies.append(Depends(validate))


def accepted_parameters(request) -> list[str]:
    """The query parameters the matched route takes (for hints that name real fields)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return []
    return sorted({p.alias for p in route.dependant.query_params} | ALWAYS_ALLOWED)


def allowed_methods(app, scope: dict[str, Any]) -> list[str]:
    """Every method some route of this path answers (HEAD comes with GET)."""
    methods: set[str] = set()
    for route in app.router.routes:
        try:
            match, _ = route.matches({**scope, "method": "GET", "type": "http"})
        except Exception:  # noqa: BLE001 - a mount or an odd route: ignore it
            continue
        if match in (Match.FULL, Match.PARTIAL) and getattr(route, "methods", None):
            # a PARTIAL match for GET means the path matches but not the method
            path_ok = route.path_regex.match(scope.get("path", "")) if hasattr(route, "path_regex") else False
            if path_ok:
                methods |= set(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)

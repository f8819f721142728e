"""Monitoring routes: ``GET /alerts`` (JSON, or the Alerts page for browsers) and ``GET /feeds``.

Hooked into :func:`narrascope.api.create_app` by :func:`register`; the routes call
:func:`narrascope.monitor.list_alerts` and :func:`narrascope.monitor.feed_health`.
"""

from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request

DAY_OR_TIME = r"^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?)?$"


def _evidence_rows(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """Evidence as (name, text) rows for the page (numbers rounded, lists and mappings as text)."""
    order = ["test", "count", "window_documents", "baseline_count", "baseline_documents", "expected", "ratio",
             "p_value", "p_adjusted", "tested", "sources", "roles_before", "lookback_documents", "lookback_count",
             "window", "baseline", "lookback", "thresholds"]
    rows = []
    for k, v in sorted(evidence.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])):
        if isinstance(v, float):
            text = f"{v:.3g}"
        elif isinstance(v, (list, dict)):
            text = json.dumps(v, ensure_ascii=False)
        else:
            text = "–" if v is None else str(v)
        rows.append((k.replace("_", " "), text))
    return rows


def register(app: FastAPI, rt, render: Callable, json_response: Callable) -> None:
    """Add the monitoring routes to ``app`` (``rt``: the app's runtime holding the store)."""
    from ..monitor import feed_health, list_alerts
    from .app import MAX_PAGE, safe_link, wants_html

    @app.get("/alerts", tags=["monitoring"], summary="Alerts fired by the monitoring rules, newest first",
             response_model=None)
    def alerts(
        request: Request,
        rule: str | None = Query(None, max_length=200, description="only this rule's alerts"),
        since: str | None = Query(None, pattern=DAY_OR_TIME, description="fired at or after (YYYY-MM-DD or ISO time)"),
        limit: int = Query(20, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=10**9),
        format: str | None = Query(None, pattern="^(json|html)$", description="force json or html"),
    ):
        """``{alerts, total, limit, offset, next, prev}``. Each alert: ``id, rule, kind, what,
        subject, source, window_start, window_end, fired_at, score, message`` (why it fired, one
        line), ``evidence`` (counts, baseline, test and p-values, thresholds), ``documents`` (the
        articles behind it) and its webhook delivery state."""
        page = list_alerts(rt.store, limit=limit, offset=offset, rule=rule or None, since=since or None)
        params = {k: v for k, v in (("rule", rule), ("since", since)) if v}

        def page_url(off: int) -> str:
            return f"{request.scope.get('root_path', '')}/alerts?{urlencode(dict(params, limit=limit, offset=off))}"

        nxt = page_url(offset + limit) if offset + limit < page["total"] else None
        prev = page_url(max(0, offset - limit)) if offset > 0 else None
        if wants_html(request):
            views = []
            for a in page["alerts"]:
                docs = [dict(d, safe_url=safe_link(d.get("url"))) for d in a.get("documents") or []]
                views.append(dict(a, documents=docs, evidence_rows=_evidence_rows(a.get("evidence") or {})))
            return render(request, "alerts.html", page="alerts", alerts=views, total=page["total"], offset=offset,
                          rule=rule, feeds=feed_health(rt.store), next_url=nxt, prev_url=prev,
                          json_url=f"{request.scope.get('root_path', '')}/alerts?{urlencode(dict(params, limit=limit, offset=offset, format='json'))}")
        return json_response(dict(page, next=nxt, prev=prev))

    @app.get("/feeds", tags=["monitoring"], summary="Health of the watched feeds")
    def feeds():
        """``{feeds: [{url, name, title, last_polled, last_status, last_success, last_error,
        last_error_at, consecutive_errors, next_poll_after, items_seen, items_stored, failed_items,
        healthy}]}``."""
        return json_response({"feeds": feed_health(rt.store)})

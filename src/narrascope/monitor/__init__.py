"""Monitoring: watch RSS/Atom feeds continuously and alert when something changes.

The CLI (``narrascope watch``, ``narrascope alerts``, ``narrascope feeds``), the REST API
(``GET /alerts``, ``GET /feeds``) and the web UI's Alerts page are thin adapters over this::

    from narrascope.monitor import FeedSpec, Watcher, load_rules, evaluate_rules, list_alerts
    from narrascope.store import open_store

    with open_store("news.db") as store:
        rules = load_rules("rules.yaml")
        Watcher(store, [FeedSpec("https://example.org/rss.xml")], rules=rules, every=900).run()
        for alert in list_alerts(store)["alerts"]:
            print(alert["message"])

Modules: :mod:`.feeds` (feed lists, entries to documents), :mod:`.watch` (the polling loop),
:mod:`.rules` (the YAML rule schema and its validation), :mod:`.alerts` (evaluation and the
statistical tests), :mod:`.delivery` (webhook and JSONL sinks). Store access is in
:mod:`narrascope.store.monitor`. See docs/monitoring.md.
"""

from __future__ import annotations

from typing import Any

from .alerts import evaluate_rules, surge_p_value
from .feeds import FeedSpec, parse_interval, read_feeds_file
from .rules import EXAMPLE_RULES, Rule, RuleSet, load_rules, parse_rules
from .watch import CycleReport, FeedReport, Watcher, watch

__all__ = [
    "FeedSpec", "Watcher", "watch", "CycleReport", "FeedReport", "read_feeds_file", "parse_interval",
    "Rule", "RuleSet", "load_rules", "parse_rules", "EXAMPLE_RULES", "evaluate_rules", "surge_p_value",
    "list_alerts", "feed_health",
]


def list_alerts(store, *, limit: int | None = 50, offset: int = 0, rule: str | None = None,
                since: str | None = None) -> dict[str, Any]:
    """Stored alerts, newest first: ``{"alerts": [...], "total", "limit", "offset"}``."""
    from ..errors import ConfigError
    from ..store.monitor import MonitorStore

    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"limit must be a non-negative integer, got {limit!r}", where="limit")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ConfigError(f"offset must be a non-negative integer, got {offset!r}", where="offset")
    rows, total = MonitorStore(store).list_alerts(limit=limit, offset=offset, rule=rule, since=since)
    for r in rows:
        r.pop("subject_key", None)
    return {"alerts": rows, "total": total, "limit": limit, "offset": offset}


def feed_health(store) -> list[dict[str, Any]]:
    """Every watched feed with its health: last poll/success/error, consecutive errors, items."""
    from ..store.monitor import MonitorStore

    ms = MonitorStore(store)
    out = []
    for f in ms.feeds():
        f = dict(f)
        f.pop("etag", None)
        f.pop("last_modified", None)
        f["failed_items"] = ms.item_counts(f["url"]).get("failed", 0)
        f["healthy"] = not f["consecutive_errors"]
        out.append(f)
    return out

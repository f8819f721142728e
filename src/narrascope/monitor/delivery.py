"""Alert delivery: a webhook (POST JSON) and/or a JSONL file.

- :class:`JsonlSink` appends one JSON line per new alert (written by the process that stored it,
  so two watchers on one store do not write it twice).
- :class:`WebhookSink` POSTs ``{"alert": {...}}`` per alert through the URL reader's SSRF guard:
  loopback, private and link-local addresses are refused unless ``allow_private_network``;
  redirects are not followed; a non-2xx answer is a failure. Failed deliveries are retried on later
  cycles (alerts fired in the last day, at most ``MAX_ATTEMPTS`` tries); each try is claimed in the
  store first, so two watchers do not both deliver it.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence

from ..errors import ConfigError, NarrascopeError

log = logging.getLogger("narrascope.monitor")
MAX_ATTEMPTS = 5


def alert_payload(alert: dict[str, Any]) -> dict[str, Any]:
    """The JSON delivered for an alert (the stored alert without delivery bookkeeping)."""
    return {k: v for k, v in alert.items() if k not in ("delivered_at", "delivery_error", "delivery_attempts", "subject_key")}


class JsonlSink:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.parent.exists():
            raise ConfigError("the folder for the alerts file does not exist", where=str(self.path))
        self._lock = threading.Lock()

    def write(self, alerts: Sequence[dict[str, Any]]) -> None:
        if not alerts:
            return
        lines = "".join(json.dumps(alert_payload(a), ensure_ascii=False) + "\n" for a in alerts)
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(lines)
            f.flush()


class WebhookSink:
    def __init__(self, url: str, read_options=None):
        from urllib.parse import urlsplit

        from ..readers import ReadOptions

        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"the webhook must be an http(s):// URL, got {url!r}", where="--webhook")
        self.url = str(url)
        self.options = read_options or ReadOptions()

    def send(self, alert: dict[str, Any]) -> None:
        from ..readers.url import post

        body = json.dumps({"alert": alert_payload(alert)}, ensure_ascii=False).encode("utf-8")
        post(self.url, body, self.options)


def deliver(monitor, sinks: Sequence, new_alerts: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Write ``new_alerts`` to the JSONL sinks; send pending alerts (new and earlier failures) to
    the webhooks. Returns ``{"written", "sent", "failed"}``. Never raises for a delivery problem."""
    out = {"written": 0, "sent": 0, "failed": 0}
    for s in sinks:
        if isinstance(s, JsonlSink):
            try:
                s.write(new_alerts)
                out["written"] += len(new_alerts)
            except OSError as e:
                log.error("cannot append alerts to %s: %s", s.path, e)
    hooks = [s for s in sinks if isinstance(s, WebhookSink)]
    if not hooks:
        return out
    since = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for alert in monitor.pending_deliveries(MAX_ATTEMPTS):
        if alert["fired_at"] < since:
            continue
        if not monitor.claim_delivery(alert["id"], alert["delivery_attempts"]):
            continue
        errors = []
        for hook in hooks:
            try:
                hook.send(alert)
            except NarrascopeError as e:
                errors.append(str(e))
        if errors:
            out["failed"] += 1
            monitor.mark_delivery(alert["id"], error="; ".join(errors))
            log.error("alert %s: webhook delivery failed (try %d of %d): %s", alert["id"],
                      alert["delivery_attempts"] + 1, MAX_ATTEMPTS, "; ".join(errors))
        else:
            out["sent"] += 1
            monitor.mark_delivery(alert["id"], error=None)
    return out

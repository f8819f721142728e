"""Store access for monitoring (``narrascope watch`` and alert rules): feeds, feed items, alerts.

Only this module talks SQL for :mod:`narrascope.monitor`. :class:`MonitorStore` wraps an open
SQLite or PostgreSQL store (the same queries run on both) and adds:

- ``feeds``: one row per watched feed URL with its HTTP validators (ETag, Last-Modified) and its
  health (last poll, last success, last error, consecutive errors, next poll allowed after back-off,
  items seen / stored);
- ``feed_items``: one row per (feed, entry key) handled, written in the SAME transaction as the
  entry's document, so a watcher killed at any point neither loses nor duplicates an item, and two
  watchers on one store add each item once;
- ``alerts``: fired alerts (rule, subject, why: counts, baseline and test; the documents behind
  it), keyed by a dedupe id so the same condition in the same window is stored once.

Counting helpers for the rules read the ``labels`` / ``entity_roles`` / ``documents`` tables by
publication day (``day``, UTC ``YYYY-MM-DD``).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Iterable

from ..errors import ConfigError

# The monitoring tables; the SQL is the same for SQLite and PostgreSQL (listed in SHARED_MIGRATIONS).
MIGRATION: tuple[str, list[str]] = (
    "0009_monitoring",
    [
        """CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            name TEXT,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            last_polled TEXT,
            last_status INTEGER,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            consecutive_errors INTEGER NOT NULL DEFAULT 0,
            next_poll_after TEXT,
            items_seen INTEGER NOT NULL DEFAULT 0,
            items_stored INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL
        )""",
        """CREATE TABLE feed_items (
            feed_url TEXT NOT NULL,
            item_key TEXT NOT NULL,
            status TEXT NOT NULL,
            doc_id TEXT,
            url TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            PRIMARY KEY (feed_url, item_key)
        )""",
        """CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            rule TEXT NOT NULL,
            kind TEXT NOT NULL,
            what TEXT NOT NULL,
            subject TEXT NOT NULL,
            subject_key TEXT NOT NULL,
            source TEXT,
            window_start TEXT NOT NULL,
            window_end TEXT NOT NULL,
            fired_at TEXT NOT NULL,
            score DOUBLE PRECISION,
            message TEXT NOT NULL,
            evidence TEXT NOT NULL,
            documents TEXT NOT NULL,
            delivered_at TEXT,
            delivery_error TEXT,
            delivery_attempts INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX alerts_fired ON alerts(fired_at, id)",
        "CREATE INDEX alerts_rule_subject ON alerts(rule, subject_key, window_end)",
        # rule windows count labels, and collect documents, by publication day (index-only reads)
        "CREATE INDEX labels_day ON labels(day, task, kind, label, source, doc_id)",
        "CREATE INDEX documents_day_id ON documents(day, id, source)",
    ],
)

ITEM_STATUSES = ("stored", "known", "failed")
MAX_ITEM_ATTEMPTS = 3  # a failed entry is retried on later polls until it failed this often
_FEED_COLS = ("url", "name", "title", "etag", "last_modified", "last_polled", "last_status", "last_success",
              "last_error", "last_error_at", "consecutive_errors", "next_poll_after", "items_seen", "items_stored",
              "added_at")
_ALERT_COLS = ("id", "rule", "kind", "what", "subject", "subject_key", "source", "window_start", "window_end",
               "fired_at", "score", "message", "evidence", "documents", "delivered_at", "delivery_error",
               "delivery_attempts")


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class MonitorStore:
    """Monitoring tables of one open :class:`~narrascope.store.Store` (SQLite or PostgreSQL)."""

    _test_pause = 0.0  # kill -9 tests widen the window in which a kill lands inside an item's transaction

    def __init__(self, store):
        if not hasattr(store, "_transaction"):
            raise ConfigError("monitoring needs a SQL store (SQLite or PostgreSQL)", where=str(getattr(store, "url", "")))
        self.store = store

    # -- small helpers ----------------------------------------------------------------------
    def _all(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return self.store._all(sql, params)

    def _exec(self, sql: str, params: Iterable = ()) -> int:
        with self.store._transaction() as cur:
            cur.execute(self.store._sql(sql), tuple(params))
            return cur.rowcount

    # -- feeds ------------------------------------------------------------------------------
    def ensure_feed(self, url: str, name: str | None = None) -> None:
        """Register ``url`` (no-op when known; a given ``name`` replaces the stored one)."""
        with self.store._transaction() as cur:
            cur.execute(self.store._sql("INSERT INTO feeds (url, name, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
                        (url, name, now_iso()))
            if name and cur.rowcount != 1:
                cur.execute(self.store._sql("UPDATE feeds SET name = ? WHERE url = ?"), (name, url))

    def feed(self, url: str) -> dict[str, Any] | None:
        rows = self._all(f"SELECT {', '.join(_FEED_COLS)} FROM feeds WHERE url = ?", (url,))
        return dict(zip(_FEED_COLS, rows[0])) if rows else None

    def feeds(self) -> list[dict[str, Any]]:
        """Every watched feed with its health, in the order they were added."""
        return [dict(zip(_FEED_COLS, r)) for r in self._all(f"SELECT {', '.join(_FEED_COLS)} FROM feeds ORDER BY added_at, url")]

    def record_success(self, url: str, *, status: int, title: str | None = None, etag: str | None = None,
                       last_modified: str | None = None, update_validators: bool = True) -> None:
        """A poll that worked (200 or 304). Validators are stored only when every entry of the
        response was handled (``update_validators``): otherwise the next poll must get the body again."""
        stamp = now_iso()
        sets = ["last_polled = ?", "last_status = ?", "last_success = ?", "consecutive_errors = 0", "next_poll_after = NULL"]
        params: list = [stamp, status, stamp]
        if title:
            sets.append("title = ?")
            params.append(title)
        if update_validators and status == 200:
            sets += ["etag = ?", "last_modified = ?"]
            params += [etag, last_modified]
        self._exec(f"UPDATE feeds SET {', '.join(sets)} WHERE url = ?", params + [url])

    def record_error(self, url: str, error: str, *, status: int | None, next_poll_after: str) -> int:
        """A failed poll; returns the number of consecutive errors now."""
        stamp = now_iso()
        self._exec(
            "UPDATE feeds SET last_polled = ?, last_status = ?, last_error = ?, last_error_at = ?,"
            " consecutive_errors = consecutive_errors + 1, next_poll_after = ? WHERE url = ?",
            (stamp, status, error[:2000], stamp, next_poll_after, url),
        )
        row = self._all("SELECT consecutive_errors FROM feeds WHERE url = ?", (url,))
        return int(row[0][0]) if row else 0

    # -- feed items -------------------------------------------------------------------------
    def handled_items(self, feed_url: str, keys: Iterable[str]) -> set[str]:
        """The entry keys of ``feed_url`` that need no more work (stored, known, or failed too often)."""
        keys = list(dict.fromkeys(keys))
        done: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            done.update(r[0] for r in self._all(
                f"SELECT item_key FROM feed_items WHERE feed_url = ? AND item_key IN ({marks})"
                " AND (status <> 'failed' OR attempts >= ?)",
                [feed_url, *chunk, MAX_ITEM_ATTEMPTS],
            ))
        return done

    def store_item(self, feed_url: str, item_key: str, analysis=None, *, versions: dict[str, str] | None = None,
                   url: str | None = None, error: str | None = None) -> str:
        """Store one feed entry and mark it handled, in ONE transaction; returns its status.

        ``"stored"``: its document was new and is stored now; ``"known"``: the same text was stored
        already (a sighting is recorded); ``"failed"``: ``analysis`` is None (``error`` says why; the
        entry is retried on later polls up to MAX_ITEM_ATTEMPTS times). An entry handled already
        (e.g. by another watcher) is left as it is.
        """
        from . import IngestReport
        from .sql import prepare

        st = self.store
        stamp = now_iso()
        prepared = prepare(analysis, versions, stamp) if analysis is not None else None
        with st._transaction() as cur:
            if prepared is None:
                cur.execute(st._sql(
                    "INSERT INTO feed_items (feed_url, item_key, status, url, error, attempts, first_seen)"
                    " VALUES (?, ?, 'failed', ?, ?, 1, ?) ON CONFLICT (feed_url, item_key) DO UPDATE SET"
                    " attempts = feed_items.attempts + 1, error = excluded.error WHERE feed_items.status = 'failed'"),
                    (feed_url, item_key, url, (error or "")[:2000], stamp))
                status = "failed"
            else:
                report = IngestReport()
                st._write_batch(cur, [prepared], report)
                status = "stored" if report.added else "known"
                if self._test_pause:
                    time.sleep(self._test_pause)
                cur.execute(st._sql(
                    "INSERT INTO feed_items (feed_url, item_key, status, doc_id, url, attempts, first_seen)"
                    " VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (feed_url, item_key) DO UPDATE SET"
                    " status = excluded.status, doc_id = excluded.doc_id, error = NULL WHERE feed_items.status = 'failed'"),
                    (feed_url, item_key, status, prepared.doc_id, url, stamp))
                if cur.rowcount == 1:
                    cur.execute(st._sql(
                        f"UPDATE feeds SET items_seen = items_seen + 1{', items_stored = items_stored + 1' if status == 'stored' else ''}"
                        " WHERE url = ?"), (feed_url,))
        if status == "stored":
            st._dup_cache = None
        return status

    def item_counts(self, feed_url: str | None = None) -> dict[str, int]:
        where, params = ("WHERE feed_url = ?", [feed_url]) if feed_url else ("", [])
        return {r[0]: int(r[1]) for r in self._all(f"SELECT status, COUNT(*) FROM feed_items {where} GROUP BY status", params)}

    # -- counts for rules --------------------------------------------------------------------
    def day_totals(self, day_from: str, day_to: str, *, by_source: bool = False) -> dict:
        """Documents published in [day_from, day_to]: ``{None: n}`` or ``{source: n}``."""
        if by_source:
            return {r[0]: int(r[1]) for r in self._all(
                "SELECT source, COUNT(*) FROM documents WHERE day >= ? AND day <= ? GROUP BY source", (day_from, day_to))}
        return {None: int(self._all("SELECT COUNT(*) FROM documents WHERE day >= ? AND day <= ?", (day_from, day_to))[0][0])}

    def label_counts(self, task_contains: str, day_from: str, day_to: str, *, kinds: tuple[str, ...] = ("label",),
                     label: str | None = None, by_source: bool = False) -> dict[tuple[str, str | None], int]:
        """``{(label, source or None): documents}`` for labels of tasks containing ``task_contains``."""
        where = ["day >= ?", "day <= ?", "task LIKE ?", f"kind IN ({','.join('?' * len(kinds))})"]
        params: list = [day_from, day_to, f"%{task_contains}%", *kinds]
        if label is not None:
            where.append("label = ?")
            params.append(label)
        group = "label, source" if by_source else "label"
        count = "COUNT(DISTINCT doc_id)"
        rows = self._all(f"SELECT {group}, {count} FROM labels WHERE {' AND '.join(where)} GROUP BY {group}", params)
        return {(r[0], r[1] if by_source else None): int(r[-1]) for r in rows}

    def label_documents(self, task_contains: str, label: str, day_from: str, day_to: str, *,
                        kinds: tuple[str, ...] = ("label",), source: str | None = None, limit: int = 50) -> list[dict]:
        where = ["l.day >= ?", "l.day <= ?", "l.task LIKE ?", f"l.kind IN ({','.join('?' * len(kinds))})", "l.label = ?"]
        params: list = [day_from, day_to, f"%{task_contains}%", *kinds, label]
        if source is not None:
            where.append("l.source = ?")
            params.append(source)
        return self._documents(
            f"SELECT DISTINCT l.doc_id FROM labels l WHERE {' AND '.join(where)}", params, limit)

    def entity_role_counts(self, day_from: str, day_to: str, *, role: str | None = None, fine: bool = False,
                           entities: Iterable[str] | None = None, by_source: bool = False) -> dict[tuple, int]:
        """``{(entity, role, source or None): documents}`` (main roles, or fine roles with ``fine``),
        optionally for ``entities`` only."""
        role_col = "e.fine_role" if fine else "e.main_role"
        # the window's documents from the covering index (day, id), then their rows by primary key
        where = ["e.doc_id IN (SELECT id FROM documents WHERE day >= ? AND day <= ?)",
                 "e.fine_role <> ''" if fine else "e.fine_role = ''"]
        params: list = [day_from, day_to]
        if role is not None:
            where.append(f"{role_col} = ?")
            params.append(role)
        names = set(entities) if entities is not None else None
        if names is not None and not names:
            return {}
        group = f"e.entity, {role_col}" + (", e.source" if by_source else "")
        # (doc_id, entity, main_role, fine_role) is the key: one main-role row per document and entity
        count = "COUNT(DISTINCT e.doc_id)" if fine else "COUNT(*)"
        rows = self._all(f"SELECT {group}, {count} FROM entity_roles e WHERE {' AND '.join(where)} GROUP BY {group}", params)
        # ``entities`` is applied here, not in SQL: an entity filter makes SQLite walk the entity index
        # and read every row of those entities (slower than the window's rows by primary key)
        return {(r[0], r[1], r[2] if by_source else None): int(r[-1]) for r in rows if names is None or r[0] in names}

    def entity_role_documents(self, entity: str, role: str, day_from: str, day_to: str, *, fine: bool = False,
                              source: str | None = None, limit: int = 50) -> list[dict]:
        role_col = "e.fine_role" if fine else "e.main_role"
        where = ["e.entity = ?", f"{role_col} = ?", "d.day >= ?", "d.day <= ?"]
        params: list = [entity, role, day_from, day_to]
        if source is not None:
            where.append("e.source = ?")
            params.append(source)
        return self._documents(
            f"SELECT DISTINCT e.doc_id FROM entity_roles e JOIN documents d ON d.id = e.doc_id WHERE {' AND '.join(where)}",
            params, limit)

    def keyword_count(self, query: str, day_from: str, day_to: str, *, source: str | None = None) -> int:
        page = self.store.list_documents(q=query, date_from=day_from, date_to=day_to, source=source, limit=0,
                                         count_limit=None)
        return int(page.total)

    def keyword_documents(self, query: str, day_from: str, day_to: str, *, source: str | None = None,
                          limit: int = 50) -> list[dict]:
        rows, _ = self.store.list_documents(q=query, date_from=day_from, date_to=day_to, source=source, limit=limit,
                                            count_limit=1)
        keys = ("id", "title", "source", "url", "published")
        return sorted(({k: r.get(k) for k in keys} for r in rows), key=lambda d: (d["published"] or "", d["id"]), reverse=True)

    def _documents(self, ids_sql: str, params: list, limit: int) -> list[dict]:
        rows = self._all(
            f"SELECT d.id, d.title, d.source, d.url, d.published FROM documents d WHERE d.id IN ({ids_sql})"
            " ORDER BY d.sort_key DESC, d.id DESC LIMIT ?", params + [int(limit)])
        return [dict(zip(("id", "title", "source", "url", "published"), r)) for r in rows]

    # -- alerts -----------------------------------------------------------------------------
    def last_alert_window(self, rule: str, subject_key: str) -> str | None:
        """The latest ``window_end`` of an alert of ``rule`` on ``subject_key`` (for cool-downs)."""
        rows = self._all("SELECT MAX(window_end) FROM alerts WHERE rule = ? AND subject_key = ?", (rule, subject_key))
        return rows[0][0] if rows else None

    def add_alert(self, alert: dict[str, Any]) -> bool:
        """Store ``alert`` (a dict with the alert columns); False when its id is stored already."""
        row = [alert.get(c) for c in _ALERT_COLS]
        row[_ALERT_COLS.index("evidence")] = json.dumps(alert.get("evidence") or {}, ensure_ascii=False, sort_keys=True)
        row[_ALERT_COLS.index("documents")] = json.dumps(alert.get("documents") or [], ensure_ascii=False)
        row[_ALERT_COLS.index("delivery_attempts")] = int(alert.get("delivery_attempts") or 0)
        marks = ",".join("?" * len(_ALERT_COLS))
        return self._exec(f"INSERT INTO alerts ({', '.join(_ALERT_COLS)}) VALUES ({marks}) ON CONFLICT DO NOTHING", row) == 1

    def list_alerts(self, *, limit: int | None = 50, offset: int = 0, rule: str | None = None,
                    since: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """Alerts, newest first: ``(rows, total)``. ``since``: fired at or after this ISO time/day."""
        where, params = [], []
        if rule:
            where.append("rule = ?")
            params.append(rule)
        if since:
            where.append("fired_at >= ?")
            params.append(since)
        wsql = (" WHERE " + " AND ".join(where)) if where else ""
        total = int(self._all(f"SELECT COUNT(*) FROM alerts{wsql}", params)[0][0])
        sql = f"SELECT {', '.join(_ALERT_COLS)} FROM alerts{wsql} ORDER BY fired_at DESC, window_end DESC, id"
        page_params = list(params)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            page_params += [int(limit), int(offset)]
        return [self._alert(r) for r in self._all(sql, page_params)], total

    def get_alert(self, alert_id: str) -> dict[str, Any] | None:
        rows = self._all(f"SELECT {', '.join(_ALERT_COLS)} FROM alerts WHERE id = ?", (alert_id,))
        return self._alert(rows[0]) if rows else None

    @staticmethod
    def _alert(r: tuple) -> dict[str, Any]:
        a = dict(zip(_ALERT_COLS, r))
        a["evidence"] = json.loads(a["evidence"] or "{}")
        a["documents"] = json.loads(a["documents"] or "[]")
        a["delivery_attempts"] = int(a["delivery_attempts"] or 0)
        return a

    def pending_deliveries(self, max_attempts: int) -> list[dict[str, Any]]:
        rows = self._all(
            f"SELECT {', '.join(_ALERT_COLS)} FROM alerts WHERE delivered_at IS NULL AND delivery_attempts < ?"
            " ORDER BY fired_at, id", (int(max_attempts),))
        return [self._alert(r) for r in rows]

    def claim_delivery(self, alert_id: str, attempts: int) -> bool:
        """Take the next delivery attempt of an alert (False: another watcher took it)."""
        return self._exec(
            "UPDATE alerts SET delivery_attempts = delivery_attempts + 1 WHERE id = ? AND delivered_at IS NULL"
            " AND delivery_attempts = ?", (alert_id, int(attempts))) == 1

    def mark_delivery(self, alert_id: str, *, error: str | None) -> None:
        if error is None:
            self._exec("UPDATE alerts SET delivered_at = ?, delivery_error = NULL WHERE id = ?", (now_iso(), alert_id))
        else:
            self._exec("UPDATE alerts SET delivery_error = ? WHERE id = ?", (error[:2000], alert_id))

"""The SQL shared by the SQLite and PostgreSQL stores.

Queries are written once with ``?`` placeholders (the PostgreSQL store rewrites them to ``%s``);
the dialects differ only in their migrations, full-text search, connections and transactions.

:class:`SQLStore` is composed by job: writing (:mod:`.sql_write`), reading and search
(:mod:`.sql_read`), analytics (:mod:`.sql_stats`), duplicate clusters (:mod:`.sql_dedup`) and
export rows (:mod:`.sql_export`) are mixins; row preparation is :mod:`.rows`, cursors and the query
parser :mod:`.search`. This module keeps the dialect hooks, the small query helpers, housekeeping
and the shared migrations.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterable, Iterator

from ..errors import ConfigError, NotFoundError, StoreError
from . import Store
from .monitor import MIGRATION as MONITORING_MIGRATION
from .review import REVIEW_MIGRATION
# importable from here as before the split:
from .rows import Prepared, day_and_week, entity_rows, now_iso, prepare, sort_key  # noqa: F401
from .rows import _entity_name, _role_name  # noqa: F401
from .search import decode_cursor, encode_cursor, parse_query  # noqa: F401
from .sql_common import _DAY, NARRATIVE, TECHNIQUE, _chunks, _in  # noqa: F401
from .sql_dedup import DedupMixin
from .sql_export import ExportMixin
from .sql_read import ReadMixin
from .sql_stats import StatsMixin
from .sql_write import WriteMixin


# Migrations whose SQL is the same in both dialects (each backend lists its own first, then these).
SHARED_MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "0007_label_filter_index",
        [
            # the narrative/technique filters and their counts read (label, task, kind, source, day,
            # doc_id) from the index alone; it replaces labels_label (label, task, doc_id)
            "CREATE INDEX labels_filter ON labels(label, task, kind, source, day, doc_id)",
            "DROP INDEX labels_label",
        ],
    ),
    (
        "0008_source_order_index",
        [
            # (source, sort_key, id) serves "source = ? ORDER BY sort_key DESC, id DESC" without a sort
            # (deep pages of one source were sorting every skipped row) and keyset cursors
            "CREATE INDEX documents_source_sort ON documents(source, sort_key, id)",
            "DROP INDEX documents_source_order",
        ],
    ),
    MONITORING_MIGRATION,  # 0009_monitoring: feeds, feed_items, alerts (store/monitor.py)
    REVIEW_MIGRATION,  # 0010_review: corrections (store/review.py)
]



# -- the shared implementation -------------------------------------------------------------------
class SQLStore(WriteMixin, ReadMixin, StatsMixin, DedupMixin, ExportMixin, Store):
    """Everything but connections, transactions, migrations and full-text search."""

    placeholder = "?"

    def __init__(self) -> None:
        self._write_lock = threading.RLock()
        self._dup_cache: tuple | None = None

    # ---- dialect hooks -----------------------------------------------------------------
    def _read(self):  # a connection for reading, for this thread
        raise NotImplementedError

    @contextmanager
    def _transaction(self):  # yields a cursor on the writer connection; commits or rolls back
        raise NotImplementedError
        yield

    def _fts(self, q: str) -> tuple[str, list, str, str, str] | None:
        """(FROM sql joining the documents as ``d`` and the index, its params, WHERE sql, rank ORDER BY
        sql, snippet SELECT sql) or None when the query has nothing searchable."""
        raise NotImplementedError

    def _page_snippets(self, q: str, found: list[tuple]) -> list[tuple]:
        """Dialects whose snippet SELECT sql is a placeholder (e.g. the row key) compute the page's
        snippets here, instead of one per match before sorting; ``found`` rows end with that column."""
        return found

    def _fts_alone(self, q: str, limit: int | None, offset: int) -> tuple[list[tuple], str, list] | None:
        """Full-text search with no other filter, answered by the full-text index alone.

        Dialects whose index is a table of its own (SQLite FTS5) rank the matches there, join only
        the page's rows (``limit`` rows from ``offset``; ``None``: all) to ``documents`` and count
        there too; they return ``(rows as the general page query selects them, count SQL selecting
        one row per match, its params)``. ``None``: use the general query.
        """
        return None

    def _sql(self, sql: str) -> str:
        return sql

    # ---- small helpers -----------------------------------------------------------------
    def _all(self, sql: str, params: Iterable = ()) -> list[tuple]:
        cur = self._read().cursor()
        try:
            cur.execute(self._sql(sql), tuple(params))
            return cur.fetchall()
        except Exception as e:  # noqa: BLE001
            raise self._wrap(e) from e
        finally:
            cur.close()

    def _one(self, sql: str, params: Iterable = ()):
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def _iter(self, sql: str, params: Iterable = (), size: int = 2000) -> Iterator[tuple]:
        cur = self._read().cursor()
        try:
            cur.execute(self._sql(sql), tuple(params))
            while True:
                rows = cur.fetchmany(size)
                if not rows:
                    break
                yield from rows
        finally:
            cur.close()

    def _wrap(self, e: Exception) -> Exception:
        if isinstance(e, (StoreError, NotFoundError, ConfigError)):
            return e
        return StoreError(f"{type(e).__name__}: {e}".strip(), where=self.url, hint="check the database")

    # ---- housekeeping -------------------------------------------------------------------
    def migrations(self):
        return [
            {"seq": int(r[0]), "name": r[1], "applied_at": r[2]}
            for r in self._all("SELECT seq, name, applied_at FROM migrations ORDER BY seq")
        ]

    def info(self):
        return {
            "backend": self.backend,
            "url": self.url,
            "documents": self.count_documents(),
            "sources": len(self.sources()),
            "label_tasks": self.label_tasks(),
            "migrations": [m["name"] for m in self.migrations()],
        }


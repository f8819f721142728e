"""Review corrections in the store: the ``reviews`` table (SQLite and PostgreSQL, same SQL).

A correction never touches the stored analysis: it is one appended row that says what a reviewer
judged (accept / reject / add / set), on which target (a label of a task, a span, an entity's
role), who, when, and the model version and score it corrected. The reviewed value of a target
is its latest correction (``created_at``, then ``id``); the store keeps every row.

Only this module talks SQL about reviews; :mod:`narrascope.review` holds the logic and calls
:class:`ReviewTable`. Open one with ``ReviewTable(store)`` on any SQL store.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from ..errors import ConfigError

# Appended to the shared migrations in sql.py (one named entry; never edit once applied).
REVIEW_MIGRATION: tuple[str, list[str]] = (
    "0010_review",
    [
        """CREATE TABLE reviews (
            id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            task TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            span_start INTEGER NOT NULL DEFAULT -1,
            span_end INTEGER NOT NULL DEFAULT -1,
            entity TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL,
            value TEXT,
            reviewer TEXT NOT NULL,
            created_at TEXT NOT NULL,
            model_version TEXT,
            model_score DOUBLE PRECISION,
            note TEXT,
            source TEXT
        )""",
        "CREATE INDEX reviews_doc ON reviews(doc_id, created_at, id)",
        "CREATE INDEX reviews_source ON reviews(source, doc_id)",
    ],
)

COLUMNS = ("id", "doc_id", "kind", "task", "label", "span_start", "span_end", "entity", "action", "value",
           "reviewer", "created_at", "model_version", "model_score", "note", "source")


class ReviewTable:
    """Reads and appends correction rows of one SQL store (``store._all`` / ``store._transaction``)."""

    def __init__(self, store) -> None:
        if not hasattr(store, "_transaction"):
            raise ConfigError("review corrections need a SQL store (SQLite or PostgreSQL)", where=type(store).__name__)
        self.store = store

    # -- writing ------------------------------------------------------------------------------
    def add(self, rows: Iterable[dict[str, Any]]) -> int:
        """Append correction rows (dicts with :data:`COLUMNS`); rows whose id is stored already are
        skipped (imports are idempotent). Returns how many were new. One transaction."""
        sql = self.store._sql(
            f"INSERT INTO reviews ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) ON CONFLICT (id) DO NOTHING"
        )
        new = 0
        try:
            with self.store._transaction() as cur:
                for r in rows:
                    cur.execute(sql, tuple(r.get(c) for c in COLUMNS))
                    new += cur.rowcount == 1
        except Exception as e:  # noqa: BLE001
            raise self.store._wrap(e) from e
        return new

    # -- reading ------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Iterable = ()) -> list[dict[str, Any]]:
        return [dict(zip(COLUMNS, r)) for r in self.store._all(sql, params)]

    def for_document(self, doc_id: str) -> list[dict[str, Any]]:
        """Every correction of one document (content hash), oldest first."""
        return self._rows(f"SELECT {', '.join(COLUMNS)} FROM reviews WHERE doc_id = ? ORDER BY created_at, id", (doc_id,))

    def iter_all(self, *, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Every correction, grouped by document, oldest first within one (streamed)."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        for r in self.store._iter(
            f"SELECT {', '.join(COLUMNS)} FROM reviews {where} ORDER BY doc_id, created_at, id", params
        ):
            yield dict(zip(COLUMNS, r))

    def reviewed_documents(self, *, source: str | None = None) -> list[str]:
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return [r[0] for r in self.store._all(f"SELECT DISTINCT doc_id FROM reviews {where} ORDER BY doc_id", params)]

    def count(self) -> int:
        return int(self.store._one("SELECT COUNT(*) FROM reviews")[0])

    def progress(self) -> list[dict[str, Any]]:
        """Per source: ``{source, documents, reviewed, corrections, reviewers}`` (None = unknown source)."""
        docs = {r[0]: int(r[1]) for r in self.store._all("SELECT source, COUNT(*) FROM documents GROUP BY source")}
        rev = {
            r[0]: (int(r[1]), int(r[2]), int(r[3]))
            for r in self.store._all(
                "SELECT d.source, COUNT(DISTINCT r.doc_id), COUNT(*), COUNT(DISTINCT r.reviewer)"
                " FROM reviews r JOIN documents d ON d.id = r.doc_id GROUP BY d.source"
            )
        }
        out = []
        for src in sorted(docs, key=lambda s: (s is None, s or "")):
            reviewed, corrections, reviewers = rev.get(src, (0, 0, 0))
            out.append({"source": src, "documents": docs[src], "reviewed": reviewed, "corrections": corrections,
                        "reviewers": reviewers, "share": round(reviewed / docs[src], 4) if docs[src] else 0.0})
        return out

    def queue(self, thresholds: dict[str, float], default: float, *, source: str | None = None,
              include_reviewed: bool = False, limit: int = 50, offset: int = 0) -> list[tuple[str, float, int]]:
        """``(doc_id, margin, n_labels)`` ordered by the smallest distance between a label's score and
        its task's threshold (most uncertain first); unreviewed documents only unless asked."""
        case, params = "?", [float(default)]
        if thresholds:
            case = "CASE l.task " + " ".join("WHEN ? THEN ?" for _ in thresholds) + " ELSE ? END"
            params = [x for t, v in sorted(thresholds.items()) for x in (t, float(v))] + [float(default)]
        where = ["l.kind = 'label'", "l.score IS NOT NULL"]
        if source:
            where.append("l.source = ?")
            params.append(source)
        if not include_reviewed:
            where.append("NOT EXISTS (SELECT 1 FROM reviews r WHERE r.doc_id = l.doc_id)")
        params += [int(limit), int(offset)]
        return [
            (r[0], float(r[1]), int(r[2]))
            for r in self.store._all(
                f"SELECT l.doc_id, MIN(ABS(l.score - {case})) AS margin, COUNT(*) FROM labels l"
                f" WHERE {' AND '.join(where)} GROUP BY l.doc_id ORDER BY margin, l.doc_id LIMIT ? OFFSET ?",
                params,
            )
        ]

    def documents_meta(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.store._all(
                f"SELECT id, external_id, title, source, published, language FROM documents WHERE id IN ({marks})", chunk
            ):
                out[r[0]] = dict(zip(("id", "external_id", "title", "source", "published", "language"), r))
        return out

"""SQLite store: one file, WAL, one writer connection, FTS5 full-text index, recorded migrations."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from .sql import SHARED_MIGRATIONS, SQLStore, now_iso, parse_query

# Named, ordered migrations. Never edit an applied one: add a new one at the end.
MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "0001_documents",
        [
            """CREATE TABLE documents (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                external_id TEXT,
                title TEXT,
                url TEXT,
                source TEXT,
                published TEXT,
                day TEXT,
                week TEXT,
                language TEXT,
                n_chars INTEGER NOT NULL,
                sort_key TEXT NOT NULL,
                text TEXT NOT NULL,
                analysis TEXT NOT NULL,
                versions TEXT NOT NULL,
                stored_at TEXT NOT NULL
            )""",
            "CREATE INDEX documents_external_id ON documents(external_id)",
            "CREATE INDEX documents_source_day ON documents(source, day)",
            "CREATE INDEX documents_day ON documents(day)",
            "CREATE INDEX documents_week ON documents(week)",
            "CREATE INDEX documents_order ON documents(sort_key, id)",
            "CREATE INDEX documents_source_order ON documents(source, sort_key)",
        ],
    ),
    (
        "0002_labels",
        [
            """CREATE TABLE labels (
                doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                task TEXT NOT NULL,
                label TEXT NOT NULL,
                score REAL,
                n INTEGER NOT NULL DEFAULT 1,
                source TEXT,
                day TEXT,
                week TEXT,
                PRIMARY KEY (doc_id, kind, task, label)
            )""",
            "CREATE INDEX labels_label ON labels(label, task, doc_id)",
            "CREATE INDEX labels_task ON labels(task, kind)",
        ],
    ),
    (
        "0003_entity_roles",
        [
            """CREATE TABLE entity_roles (
                doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                entity TEXT NOT NULL,
                main_role TEXT NOT NULL,
                fine_role TEXT NOT NULL DEFAULT '',
                source TEXT,
                score REAL,
                PRIMARY KEY (doc_id, entity, main_role, fine_role)
            )""",
            "CREATE INDEX entity_roles_entity ON entity_roles(entity, main_role)",
        ],
    ),
    (
        "0004_sightings",
        [
            """CREATE TABLE sightings (
                doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                external_id TEXT NOT NULL DEFAULT '',
                source TEXT NOT NULL DEFAULT '',
                url TEXT NOT NULL DEFAULT '',
                published TEXT,
                first_seen TEXT NOT NULL,
                PRIMARY KEY (doc_id, source, url, external_id)
            )""",
        ],
    ),
    (
        "0005_minhash",
        [
            """CREATE TABLE minhash (
                doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
                sig BLOB NOT NULL
            )""",
        ],
    ),
    (
        "0006_fulltext",
        [
            """CREATE VIRTUAL TABLE documents_fts USING fts5(
                title, text, content='documents', content_rowid='seq',
                tokenize='unicode61 remove_diacritics 2'
            )""",
            """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
                INSERT INTO documents_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
            END""",
            """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
                INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
            END""",
            """CREATE TRIGGER documents_fts_update AFTER UPDATE ON documents BEGIN
                INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
                INSERT INTO documents_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
            END""",
            "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')",
        ],
    ),
    *SHARED_MIGRATIONS,
]


def sqlite_path(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    if url.startswith("sqlite://"):
        return url[len("sqlite://") :]
    return url


def fts5_query(q: str) -> str | None:
    """Translate a web-search style query (see ``Store.list_documents``) into FTS5 syntax."""
    groups, negative = parse_query(q)
    if not groups:
        return None

    def term(words: list[str], prefix: bool) -> str:
        t = '"' + " ".join(w.replace('"', '""') for w in words) + '"'
        return t + "*" if prefix else t

    parts = []
    for g in groups:
        alts = [term(w, p) for w, p in g]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    expr = " AND ".join(parts)
    if negative:
        expr = f"({expr}) NOT (" + " OR ".join(term(w, False) for w in negative) + ")"
    return expr


class SQLiteStore(SQLStore):
    backend = "sqlite"

    def __init__(self, url: str, *, create: bool = True):
        super().__init__()
        self.url = url
        self.path = sqlite_path(url)
        if self.path in ("", ":memory:"):
            raise StoreError("an in-memory SQLite store is not supported", where=url, hint="give a file path")
        p = Path(self.path)
        if not p.exists():
            if not create:
                raise StoreError("no such store file", where=self.path, hint="create it with `narrascope ingest ... --db FILE`")
            if not p.parent.exists():
                raise StoreError("the folder for the store file does not exist", where=self.path, hint="create the folder first")
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._writer = self._connect()
        try:
            self._writer.execute("PRAGMA journal_mode=WAL").fetchall()
        except sqlite3.DatabaseError as e:
            self.close()
            raise StoreError(f"not a usable SQLite database ({e})", where=self.path, hint="point --db at a narrascope store or a new file") from None
        self._migrate()

    # ---- connections -------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60.0)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the SQLite database ({e})", where=self.path) from None
        try:
            conn.execute("PRAGMA busy_timeout=60000")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as e:
            conn.close()
            raise StoreError(
                f"not a usable SQLite database ({e})", where=self.path, hint="point --db at a narrascope store or a new file"
            ) from None
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    def _read(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the store is closed", where=self.url)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def _transaction(self):
        if self._closed:
            raise StoreError("the store is closed", where=self.url)
        with self._write_lock:
            cur = self._writer.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    # ---- migrations ----------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            with self._transaction() as cur:
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
                )
                applied = [r[0] for r in cur.execute("SELECT name FROM migrations ORDER BY seq").fetchall()]
                known = [name for name, _ in MIGRATIONS]
                if applied != known[: len(applied)]:
                    raise StoreError(
                        f"the database has migrations this version does not know ({', '.join(a for a in applied if a not in known) or 'out of order'})",
                        where=self.path,
                        hint="open it with the narrascope version that wrote it",
                    )
                for seq, (name, statements) in enumerate(MIGRATIONS, 1):
                    if name in applied:
                        continue
                    for stmt in statements:
                        cur.execute(stmt)
                    cur.execute("INSERT INTO migrations (seq, name, applied_at) VALUES (?, ?, ?)", (seq, name, now_iso()))
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot prepare the database ({e})", where=self.path, hint="is it a narrascope store?") from None

    # ---- full-text -----------------------------------------------------------------------
    def _fts(self, q: str):
        expr = fts5_query(q)
        if expr is None:
            return None
        # CROSS JOIN keeps the index first: otherwise, with a source filter, SQLite walks that
        # source's documents and probes the full-text index once per document (10x slower).
        # The snippet column is the row key: _page_snippets makes snippets for the page only.
        return (
            "documents_fts CROSS JOIN documents d ON d.seq = documents_fts.rowid",
            [expr],
            "documents_fts MATCH ?",
            "bm25(documents_fts, 2.0, 1.0)",
            "d.seq",
        )

    def _fts_alone(self, q: str, limit, offset):
        # bm25 must score every match; scoring inside the FTS5 table, without reading each match's
        # documents row, and joining only the page's rows is 2-3x faster for common words
        expr = fts5_query(q)
        if expr is None:
            return None
        ranked = (
            "SELECT rowid AS seq, bm25(documents_fts, 2.0, 1.0) AS rank FROM documents_fts"
            " WHERE documents_fts MATCH ? ORDER BY rank, rowid LIMIT ? OFFSET ?"
        )
        rows = self._all(
            "SELECT d.id, d.external_id, d.title, d.source, d.url, d.published, d.day, d.language, d.n_chars,"
            f" d.stored_at, d.seq FROM ({ranked}) AS m JOIN documents d ON d.seq = m.seq ORDER BY m.rank, m.seq",
            (expr, -1 if limit is None else limit, offset),
        )
        return rows, "SELECT 1 FROM documents_fts WHERE documents_fts MATCH ?", [expr]

    def _page_snippets(self, q: str, found):
        expr = fts5_query(q)
        snippets: dict[int, str] = {}
        for i in range(0, len(found), 500):
            seqs = [r[-1] for r in found[i : i + 500]]
            snippets.update(self._all(
                "SELECT rowid, snippet(documents_fts, 1, '', '', ' … ', 24) FROM documents_fts"
                f" WHERE documents_fts MATCH ? AND rowid IN ({','.join('?' * len(seqs))})",
                [expr, *seqs],
            ))
        return [r[:-1] + (snippets.get(r[-1]),) for r in found]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()

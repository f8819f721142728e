"""PostgreSQL store (psycopg 3): the same interface and queries as SQLite, tsvector full-text search.

Open with ``open_store("postgresql://user[:password]@host[:port]/dbname")``. The database must
exist; the tables are created and migrated on first open (migrations recorded in ``migrations``,
serialised across processes by an advisory lock).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from ..errors import StoreError
from .sql import SHARED_MIGRATIONS, SQLStore, now_iso, parse_query

_LOCK_KEY = 0x6E617272  # advisory lock id for migrations ("narr")
FTS_CHARS = 200_000  # characters of each document indexed for full-text search (tsvector size limit)

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "0001_documents",
        [
            """CREATE TABLE documents (
                id TEXT PRIMARY KEY,
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
                score DOUBLE PRECISION,
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
                score DOUBLE PRECISION,
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
                sig BYTEA NOT NULL
            )""",
        ],
    ),
    (
        "0006_fulltext",
        [
            f"""ALTER TABLE documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
                setweight(to_tsvector('simple', left(text, {FTS_CHARS})), 'B')
            ) STORED""",
            "CREATE INDEX documents_tsv ON documents USING GIN (tsv)",
        ],
    ),
    *SHARED_MIGRATIONS,
]


def tsquery(q: str) -> str | None:
    """Translate a web-search style query (see ``Store.list_documents``) into ``to_tsquery`` syntax."""
    groups, negative = parse_query(q)
    if not groups:
        return None

    def term(words: list[str], prefix: bool) -> str:
        ws = list(words)
        if prefix:
            ws[-1] = ws[-1] + ":*"
        return ws[0] if len(ws) == 1 else "(" + " <-> ".join(ws) + ")"

    parts = []
    for g in groups:
        alts = [term(w, p) for w, p in g]
        parts.append(alts[0] if len(alts) == 1 else "(" + " | ".join(alts) + ")")
    expr = " & ".join(parts)
    for w in negative:
        expr += " & !" + term(w, False)
    return expr


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "the PostgreSQL backend needs the psycopg package", hint="pip install 'psycopg>=3' (or use a SQLite file)"
        ) from None
    return psycopg


class PostgresStore(SQLStore):
    backend = "postgresql"

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self._psycopg = _psycopg()
        self._local = threading.local()
        self._conns: list = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._writer = self._connect(autocommit=False)
        self._migrate()

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    # ---- connections -------------------------------------------------------------------
    def _connect(self, *, autocommit: bool = True, register: bool = True):
        try:
            conn = self._psycopg.connect(self.url, autocommit=autocommit, connect_timeout=15)
        except self._psycopg.Error as e:
            raise StoreError(
                f"cannot connect to PostgreSQL ({str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__})",
                where=_redact(self.url),
                hint="check the URL, that the server runs and the database exists",
            ) from None
        if register:
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def _read(self):
        if self._closed:
            raise StoreError("the store is closed", where=_redact(self.url))
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def _transaction(self):
        if self._closed:
            raise StoreError("the store is closed", where=_redact(self.url))
        with self._write_lock:
            if self._writer.closed:
                self._writer = self._connect(autocommit=False)
            with self._writer.transaction():
                with self._writer.cursor() as cur:
                    yield cur

    def _iter(self, sql, params=(), size: int = 2000):
        """Stream with a server-side cursor on a connection of its own (constant memory)."""
        conn = self._connect(autocommit=False, register=False)
        try:
            with conn.transaction():
                with conn.cursor(name="narrascope_export") as cur:
                    cur.itersize = size
                    cur.execute(self._sql(sql), tuple(params))
                    while True:
                        rows = cur.fetchmany(size)
                        if not rows:
                            break
                        yield from rows
        finally:
            conn.close()

    def _wrap(self, e: Exception) -> Exception:
        w = super()._wrap(e)
        if isinstance(w, StoreError) and w.where == self.url:
            w.where = _redact(self.url)
        return w

    # ---- migrations ----------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            with self._transaction() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
                )
                cur.execute("SELECT name FROM migrations ORDER BY seq")
                applied = [r[0] for r in cur.fetchall()]
                known = [name for name, _ in MIGRATIONS]
                if applied != known[: len(applied)]:
                    raise StoreError(
                        "the database has migrations this version does not know",
                        where=_redact(self.url),
                        hint="open it with the narrascope version that wrote it",
                    )
                for seq, (name, statements) in enumerate(MIGRATIONS, 1):
                    if name in applied:
                        continue
                    for stmt in statements:
                        cur.execute(stmt)
                    cur.execute("INSERT INTO migrations (seq, name, applied_at) VALUES (%s, %s, %s)", (seq, name, now_iso()))
        except self._psycopg.Error as e:
            raise StoreError(f"cannot prepare the database ({e})", where=_redact(self.url)) from None

    # ---- full-text -----------------------------------------------------------------------
    def _fts(self, q: str):
        expr = tsquery(q)
        if expr is None:
            return None
        return (
            "documents d CROSS JOIN to_tsquery('simple', ?) AS tsq",
            [expr],
            "d.tsv @@ tsq",
            "ts_rank(d.tsv, tsq) DESC",
            "ts_headline('simple', left(d.text, 20000), tsq, 'MaxWords=35, MinWords=15, StartSel=\"\", StopSel=\"\"')",
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass
            self._conns.clear()


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        user = cred.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url

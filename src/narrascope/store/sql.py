"""The SQL shared by the SQLite and PostgreSQL stores.

Queries are written once with ``?`` placeholders (the PostgreSQL store rewrites them to ``%s``);
the dialects differ only in their migrations, full-text search, connections and transactions.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

import numpy as np

from ..document import Analysis, content_id
from ..errors import ConfigError, NotFoundError, StoreError
from . import COUNT_LIMIT, EXPORTS, GROUP_BY, DocumentPage, IngestReport, Store
from . import dedup
from .monitor import MIGRATION as MONITORING_MIGRATION
from .review import REVIEW_MIGRATION

# label tasks by name (what the analyzers assign: labels.narratives, labels.subnarratives, labels/spans techniques)
NARRATIVE = ("narratives", "subnarratives")
TECHNIQUE = ("techniques",)


def _in(tasks) -> str:
    return "(" + ", ".join("?" * len(tasks)) + ")"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

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



# -- preparing rows from an Analysis ---------------------------------------------------------------
@dataclass
class Prepared:
    doc_id: str
    doc: tuple
    labels: list[tuple]
    entities: list[tuple]
    signature: bytes
    sighting: tuple


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day_and_week(published: str | None) -> tuple[str | None, str | None]:
    """``("YYYY-MM-DD", Monday of that ISO week)`` from an ISO 8601 string, or ``(None, None)``."""
    if not published:
        return None, None
    s = str(published).strip()[:10]
    try:
        d = date.fromisoformat(s)
    except ValueError:
        return None, None
    return d.isoformat(), (d - timedelta(days=d.weekday())).isoformat()


def sort_key(published: str | None) -> str:
    """A text key that orders publications in time: UTC ``YYYY-MM-DDTHH:MM:SS`` ("" when unknown)."""
    if not published:
        return ""
    s = str(published).strip()
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        day, _ = day_and_week(s)
        return f"{day}T00:00:00" if day else ""
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.replace(microsecond=0).isoformat()


def _entity_name(e: dict) -> str | None:
    for key in ("name", "canonical", "text", "label", "entity"):
        v = e.get(key)
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return None


def _role_name(r: Any) -> str | None:
    if isinstance(r, str):
        return r or None
    if isinstance(r, dict):
        for key in ("label", "role", "name"):
            if isinstance(r.get(key), str):
                return r[key]
    return None


def entity_rows(doc_id: str, data: dict, source: str | None = None) -> list[tuple]:
    """``(doc_id, entity, main_role, fine_role, score, source)`` rows from ``data["entities"]``, read generically."""
    ents = data.get("entities")
    if isinstance(ents, dict):
        ents = ents.get("entities", ents.get("items", list(ents.values())))
    if not isinstance(ents, list):
        return []
    rows: dict[tuple, float | None] = {}
    for e in ents:
        if not isinstance(e, dict):
            continue
        name = _entity_name(e)
        main = _role_name(e.get("main_role") or e.get("role"))
        if not name or not main:
            continue
        score = e.get("main_role_score", e.get("score"))
        score = float(score) if isinstance(score, (int, float)) else None
        rows.setdefault((doc_id, name, main, ""), score)
        for fr in e.get("fine_roles") or []:
            fname = _role_name(fr)
            if fname:
                fs = fr.get("score") if isinstance(fr, dict) else None
                rows.setdefault((doc_id, name, main, fname), float(fs) if isinstance(fs, (int, float)) else score)
    return [k + (v, source) for k, v in rows.items()]


def prepare(analysis: Analysis, versions: dict[str, str] | None, stored_at: str) -> Prepared:
    """Everything the store writes for one analysis (raises on non-serialisable output)."""
    doc = analysis.document
    doc_id = content_id(doc.text)
    d = analysis.to_dict()
    merged = dict(versions or {})
    merged.update(d.get("versions") or {})
    d["versions"] = merged
    # the text is stored once, in documents.text; get() puts it back into the analysis
    body = json.dumps({**d, "document": {k: v for k, v in d["document"].items() if k != "text"}},
                      ensure_ascii=False, separators=(",", ":"))
    key = sort_key(doc.published)
    day, week = day_and_week(key[:10]) if key else (None, None)
    language = d.get("language")
    labels: dict[tuple, list] = {}
    for task, labs in d["labels"].items():
        for lab in labs:
            key = (doc_id, "label", str(task), str(lab["label"]))
            cur = labels.setdefault(key, [None, 0])
            sc = lab.get("score")
            if sc is not None and (cur[0] is None or sc > cur[0]):
                cur[0] = float(sc)
            cur[1] += 1
    for s in d["spans"]:
        key = (doc_id, "span", str(s.get("analyzer") or ""), str(s["label"]))
        cur = labels.setdefault(key, [None, 0])
        sc = s.get("score")
        if sc is not None and (cur[0] is None or sc > cur[0]):
            cur[0] = float(sc)
        cur[1] += 1
    return Prepared(
        doc_id=doc_id,
        doc=(
            doc_id,
            doc.id,
            doc.title,
            doc.url,
            doc.source,
            doc.published,
            day,
            week,
            language,
            len(doc.text),
            sort_key(doc.published),
            doc.text,
            body,
            json.dumps(merged, sort_keys=True),
            stored_at,
        ),
        labels=[k + tuple(v) + (doc.source, day, week) for k, v in labels.items()],
        entities=entity_rows(doc_id, d.get("data") or {}, doc.source),
        signature=dedup.signature_bytes(doc.text),
        sighting=(doc_id, doc.id or "", doc.source or "", doc.url or "", doc.published, stored_at),
    )


# -- keyset cursors -------------------------------------------------------------------------------
def encode_cursor(sort_key: str, doc_id: str) -> str:
    """An opaque, URL-safe cursor for the position (sort_key, id) in the newest-first order."""
    return base64.urlsafe_b64encode(f"{sort_key}\x1f{doc_id}".encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4)).decode("utf-8")
        sort_key, doc_id = raw.split("\x1f")
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"not a page cursor: {str(cursor)[:60]!r}", where="after",
                          hint="use the `next` link of a previous page as it is (its `after` parameter), or page with offset") from None
    if not doc_id:
        raise ConfigError(f"not a page cursor: {str(cursor)[:60]!r}", where="after",
                          hint="use the `next` link of a previous page as it is (its `after` parameter), or page with offset")
    return sort_key, doc_id


# -- full-text query parsing ----------------------------------------------------------------------
_QTOKEN = re.compile(r'-?"[^"]*"?|\S+')
_QWORD = re.compile(r"\w+", re.UNICODE)


def parse_query(q: str) -> tuple[list[list[tuple[list[str], bool]]], list[list[str]]]:
    """Parse a web-search style query into (AND-ed groups of OR-ed terms, excluded terms).

    A term is ``(words, prefix)``: several words form a phrase. Punctuation is dropped.
    """
    groups: list[list[tuple[list[str], bool]]] = []
    negative: list[list[str]] = []
    pending_or = False
    for tok in _QTOKEN.findall(q or ""):
        if tok == "OR":
            pending_or = bool(groups)
            continue
        neg = tok.startswith("-") and len(tok) > 1
        if neg:
            tok = tok[1:]
        prefix = tok.endswith("*") and not tok.startswith('"')
        words = [w.lower() for w in _QWORD.findall(tok)]
        if not words:
            continue
        if neg:
            negative.append(words)
            pending_or = False
            continue
        term = (words, prefix)
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups, negative


# -- the shared implementation -------------------------------------------------------------------
class SQLStore(Store):
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

    # ---- writing -----------------------------------------------------------------------
    _INSERT_DOC = (
        "INSERT INTO documents (id, external_id, title, url, source, published, day, week, language,"
        " n_chars, sort_key, text, analysis, versions, stored_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (id) DO NOTHING"
    )
    _INSERT_LABEL = (
        "INSERT INTO labels (doc_id, kind, task, label, score, n, source, day, week) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT DO NOTHING"
    )
    _INSERT_ENTITY = (
        "INSERT INTO entity_roles (doc_id, entity, main_role, fine_role, score, source) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT DO NOTHING"
    )
    _INSERT_SIG = "INSERT INTO minhash (doc_id, sig) VALUES (?,?) ON CONFLICT DO NOTHING"
    _INSERT_SIGHTING = (
        "INSERT INTO sightings (doc_id, external_id, source, url, published, first_seen) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT DO NOTHING"
    )

    def _blob(self, b: bytes):
        return b

    def _write_batch(self, cur, batch: list[Prepared], report: IngestReport) -> None:
        sql_doc, sql_sighting = self._sql(self._INSERT_DOC), self._sql(self._INSERT_SIGHTING)
        labels: list[tuple] = []
        entities: list[tuple] = []
        sigs: list[tuple] = []
        for p in batch:
            cur.execute(sql_doc, p.doc)
            if cur.rowcount == 1:
                report.added += 1
                labels.extend(p.labels)
                entities.extend(p.entities)
                sigs.append((p.doc_id, self._blob(p.signature)))
                cur.execute(sql_sighting, p.sighting)
            else:
                report.skipped += 1
                cur.execute(sql_sighting, p.sighting)
                if cur.rowcount == 1:
                    report.sightings += 1
        if labels:
            cur.executemany(self._sql(self._INSERT_LABEL), labels)
        if entities:
            cur.executemany(self._sql(self._INSERT_ENTITY), entities)
        if sigs:
            cur.executemany(self._sql(self._INSERT_SIG), sigs)

    def add_analyses(self, analyses, *, versions=None, batch_size: int = 200) -> IngestReport:
        from ..errors import Failure

        t0 = time.perf_counter()
        report = IngestReport()
        batch: list[Prepared] = []

        def flush() -> None:
            if not batch:
                return
            try:
                with self._transaction() as cur:
                    part = IngestReport()
                    self._write_batch(cur, batch, part)
                report.merge(part)
            except Exception:  # noqa: BLE001 - redo one by one so one bad row does not sink the batch
                for p in batch:
                    try:
                        with self._transaction() as cur:
                            part = IngestReport()
                            self._write_batch(cur, [p], part)
                        report.merge(part)
                    except Exception as e:  # noqa: BLE001
                        report.failures.append(Failure(where=p.doc[1] or p.doc_id, message=str(self._wrap(e)), stage="store"))
            batch.clear()

        stamp = now_iso()
        for a in analyses:
            try:
                batch.append(prepare(a, versions, stamp))
            except Exception as e:  # noqa: BLE001
                where = str(a.document.meta.get("where") or a.document.id)
                report.failures.append(Failure(where=where, message=f"cannot store: {type(e).__name__}: {e}", stage="store"))
            if len(batch) >= batch_size:
                flush()
                stamp = now_iso()
        flush()
        if report.added:
            self._dup_cache = None
        report.seconds = time.perf_counter() - t0
        return report

    def add_sighting(self, doc_id, *, external_id=None, source=None, url=None, published=None) -> bool:
        return self.add_sightings([(doc_id, external_id, source, url, published)]) == 1

    def add_sightings(self, sightings) -> int:
        """Record ``(doc_id, external_id, source, url, published)`` tuples in one transaction; new ones counted."""
        stamp = now_iso()
        rows = [(d, e or "", s or "", u or "", p, stamp) for d, e, s, u, p in sightings]
        if not rows:
            return 0
        new = 0
        with self._transaction() as cur:
            sql = self._sql(self._INSERT_SIGHTING)
            for r in rows:
                cur.execute(sql, r)
                new += cur.rowcount == 1
        if new:
            self._dup_cache = None
        return new

    # ---- reading one -------------------------------------------------------------------
    def has_document(self, doc_hash: str) -> bool:
        return self._one("SELECT 1 FROM documents WHERE id = ?", (doc_hash,)) is not None

    def known_ids(self, doc_hashes) -> set[str]:
        ids = list(dict.fromkeys(doc_hashes))
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._all(f"SELECT id FROM documents WHERE id IN ({marks})", chunk))
        return found

    def count_documents(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM documents")[0])

    def get(self, doc_id: str) -> dict[str, Any]:
        cols = "id, external_id, analysis, stored_at, day, week, text"
        row = self._one(f"SELECT {cols} FROM documents WHERE id = ?", (doc_id,))
        if row is None:
            row = self._one(f"SELECT {cols} FROM documents WHERE external_id = ? ORDER BY stored_at, id LIMIT 1", (doc_id,))
        if row is None:
            raise NotFoundError(f"no stored document with id {doc_id!r}", hint="list documents to find an id")
        d = json.loads(row[2])
        d["document"]["text"] = row[6]
        d.update(id=row[0], external_id=row[1], stored_at=row[3], day=row[4], week=row[5])
        d["sightings"] = [
            {"external_id": r[0] or None, "source": r[1] or None, "url": r[2] or None, "published": r[3], "first_seen": r[4]}
            for r in self._all(
                "SELECT external_id, source, url, published, first_seen FROM sightings WHERE doc_id = ?"
                " ORDER BY first_seen, source, url, external_id",
                (row[0],),
            )
        ]
        return d

    # ---- searching -----------------------------------------------------------------------
    @staticmethod
    def _check_day(name: str, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        v = str(value)[:10]
        if not _DAY.match(v):
            raise ConfigError(f"{name} must be a date YYYY-MM-DD, got {value!r}", where=name)
        return v

    def _filters(
        self, source=None, date_from=None, date_to=None, narrative=None, technique=None, *, on_labels: bool = False
    ) -> tuple[list[str], list]:
        """WHERE clauses on alias ``d``: the documents table, or (``on_labels``) the labels table."""
        where: list[str] = []
        params: list = []
        df, dt = self._check_day("date_from", date_from), self._check_day("date_to", date_to)
        self._source_and_days("d", source, df if on_labels else None, dt if on_labels else None, where, params)
        if not on_labels:  # the (UTC) sort key is indexed together with the newest-first order
            if df or dt:
                where.append("d.sort_key >= ?")
                params.append(df or "0")
            if dt:
                where.append("d.sort_key < ?")
                params.append((date.fromisoformat(dt) + timedelta(days=1)).isoformat())
        for value, pattern, kind in self._label_filters(narrative, technique):
            # A rare label: collect its few documents (index labels_filter), then sort them. A frequent
            # one: walk the documents in the wanted order and probe each (primary key of labels: doc_id,
            # kind), which stops after a page instead of collecting and sorting tens of thousands of ids.
            if on_labels or self._label_is_rare(value, pattern, kind):
                where.append(f"d.id IN (SELECT l.doc_id FROM labels l WHERE l.label = ? AND l.task IN {_in(pattern)} AND {kind})")
            else:
                where.append(f"EXISTS (SELECT 1 FROM labels l WHERE l.doc_id = d.id AND {kind} AND l.label = ? AND l.task IN {_in(pattern)})")
            params += [value, *pattern]
        return where, params

    @staticmethod
    def _source_and_days(alias: str, source, day_from, day_to, where: list[str], params: list) -> None:
        """Append ``alias.source = ?`` and the inclusive ``alias.day`` range (each when given)."""
        for cond, value in ((f"{alias}.source = ?", source or None), (f"{alias}.day >= ?", day_from),
                            (f"{alias}.day <= ?", day_to)):
            if value is not None:
                where.append(cond)
                params.append(value)

    @staticmethod
    def _label_filters(narrative, technique) -> list[tuple[str, str, str]]:
        """``(label, task pattern, kind condition on l)`` for the narrative/technique filters given."""
        out = []
        if narrative:
            out.append((narrative, NARRATIVE, "l.kind = 'label'"))
        if technique:  # both kinds, spelled out so that the primary key (doc_id, kind, ...) serves probes
            out.append((technique, TECHNIQUE, "l.kind IN ('label', 'span')"))
        return out

    def _label_count_query(self, source, date_from, date_to, narrative, technique) -> tuple[str, list]:
        """One row per document matching the filters (no full-text query), read from the labels table.

        The first label filter drives (index labels_filter), the other one is probed; labels carry
        copies of the document's source and day, so no documents row is read. Much cheaper than
        walking the documents when a frequent label's matches are counted up to the limit.
        """
        (value, pattern, kind), *others = self._label_filters(narrative, technique)
        where, params = [f"l.label = ? AND l.task IN {_in(pattern)} AND {kind}"], [value, *pattern]
        df, dt = self._check_day("date_from", date_from), self._check_day("date_to", date_to)
        self._source_and_days("l", source, df, dt, where, params)
        for v, p, k in others:
            where.append(f"EXISTS (SELECT 1 FROM labels o WHERE o.doc_id = l.doc_id AND {k.replace('l.', 'o.')}"
                         f" AND o.label = ? AND o.task IN {_in(p)})")
            params += [v, *p]
        return f"SELECT DISTINCT l.doc_id FROM labels l WHERE {' AND '.join(where)}", params

    RARE_LABEL_ROWS = 1000  # below this many label rows, a label filter collects its documents first

    def _label_is_rare(self, label: str, pattern: tuple[str, ...], kind: str) -> bool:
        """Whether fewer than RARE_LABEL_ROWS label rows carry ``label`` (reads at most that many index entries)."""
        n = self._one(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM labels l WHERE l.label = ? AND l.task IN {_in(pattern)} AND {kind} LIMIT ?) AS r",
            (label, *pattern, self.RARE_LABEL_ROWS),
        )[0]
        return int(n) < self.RARE_LABEL_ROWS

    def list_documents(
        self, *, source=None, date_from=None, date_to=None, narrative=None, technique=None, q=None, limit=50, offset=0,
        count_limit=COUNT_LIMIT, after=None,
    ):
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ConfigError(f"limit must be a non-negative integer, got {limit!r}", where="limit")
        if not isinstance(offset, int) or offset < 0:
            raise ConfigError(f"offset must be a non-negative integer, got {offset!r}", where="offset")
        if count_limit is not None and (not isinstance(count_limit, int) or isinstance(count_limit, bool) or count_limit < 1):
            raise ConfigError(f"count_limit must be a positive integer or None, got {count_limit!r}", where="count_limit")
        searching = bool(q and q.strip())
        if after and searching:
            raise ConfigError("after (a cursor) pages the newest-first list, not a full-text search ordered by relevance",
                              where="after", hint="page a search with offset")
        cursor = decode_cursor(after) if after else None
        where, params = self._filters(source, date_from, date_to, narrative, technique)
        # without q there is no snippet: that column carries the sort key, for the next page's cursor
        from_sql, from_params, order, snippet = "documents d", [], "d.sort_key DESC, d.id DESC", "d.sort_key"
        alone = self._fts_alone(q, None if limit is None else limit + 1, offset) if searching and not where else None
        if alone is not None:
            found, count_sql, count_params = alone
        elif searching:
            fts = self._fts(q)
            if fts is None:  # nothing searchable in the query
                return DocumentPage([], 0, count_limit=count_limit)
            from_sql, from_params, fts_where, rank, snippet = fts
            where.insert(0, fts_where)
            order = f"{rank}, d.id"
        if alone is None:
            where_sql = (" WHERE " + " AND ".join(where)) if where else ""
            page_where, page_params = where_sql, from_params + params
            if cursor is not None:  # keyset: start at the cursor's place in the (sort_key, id) order
                page_where = (page_where + " AND " if page_where else " WHERE ") + "(d.sort_key, d.id) < (?, ?)"
                page_params += list(cursor)
            page_sql = (
                f"SELECT d.id, d.external_id, d.title, d.source, d.url, d.published, d.day, d.language, d.n_chars,"
                f" d.stored_at, {snippet} FROM {from_sql}{page_where} ORDER BY {order}"
            )
            if limit is not None:  # one row more than asked: whether a next page exists, without counting
                page_sql += " LIMIT ? OFFSET ?"
                page_params += [limit + 1, offset]
            elif offset:
                page_sql += " OFFSET ?"
                page_params += [offset]
            found = self._all(page_sql, page_params)
            if (narrative or technique) and not searching:
                count_sql, count_params = self._label_count_query(source, date_from, date_to, narrative, technique)
            else:
                count_sql, count_params = f"SELECT 1 FROM {from_sql}{where_sql}", from_params + params
        has_more = limit is not None and len(found) > limit
        if has_more:
            found = found[:limit]
        if searching:
            found = self._page_snippets(q, found)
        next_cursor = encode_cursor(found[-1][10], found[-1][0]) if has_more and found and not searching else None
        lower_bound = False
        if cursor is None and not has_more and (found or offset == 0):  # the last page: the total is known
            total = offset + len(found)
        else:
            if count_limit is not None:  # count at most count_limit + 1 matches: enough to say "more than"
                count_sql += " LIMIT ?"
                count_params = count_params + [count_limit + 1]
            total = int(self._one(f"SELECT COUNT(*) FROM ({count_sql}) AS matches", count_params)[0])
            if count_limit is not None and total > count_limit:
                if found and cursor is None:  # a page beyond the limit (found implies has_more here) says more
                    total = max(count_limit, offset + len(found))
                else:
                    total = count_limit
                lower_bound = True
        keys = ("id", "external_id", "title", "source", "url", "published", "day", "language", "n_chars", "stored_at")
        rows = []
        for r in found:
            row = dict(zip(keys, r[:10]))
            row["labels"] = {}
            if searching:
                row["snippet"] = r[10]
            rows.append(row)
        if rows:
            by_id = {r["id"]: r for r in rows}
            marks = ",".join("?" * len(by_id))
            for doc_id, task, label, score in self._all(
                f"SELECT doc_id, task, label, score FROM labels WHERE kind = 'label' AND doc_id IN ({marks})"
                " ORDER BY doc_id, task, score DESC, label",
                list(by_id),
            ):
                lst = by_id[doc_id]["labels"].setdefault(task, [])
                if len(lst) < 3:
                    lst.append({"label": label, "score": score})
        return DocumentPage(rows, total, total_is_lower_bound=lower_bound, has_more=has_more, count_limit=count_limit,
                            next_cursor=next_cursor)

    # ---- analytics -----------------------------------------------------------------------
    def _group(self, by: str) -> str:
        if by not in GROUP_BY:
            raise ConfigError(f"by must be one of {', '.join(GROUP_BY)}, got {by!r}", where="by")
        return f"d.{by}"

    def stats_labels(self, tasks, by: str = "source", *, label_kind: str | None = None, **filters):
        tasks = (tasks,) if isinstance(tasks, str) else tuple(tasks)
        g = self._group(by)
        unknown = set(filters) - {"source", "date_from", "date_to"}
        if unknown:
            raise ConfigError(f"statistics filter by source, date_from and date_to only, not {sorted(unknown)}")
        where, params = self._filters(**filters, on_labels=True)
        group_where = (" WHERE " + " AND ".join(where)) if where else ""
        totals = {r[0]: int(r[1]) for r in self._all(f"SELECT {g}, COUNT(*) FROM documents d{group_where} GROUP BY {g}", params)}
        # labels carry source/day/week copies, so no join: alias the labels table as d for the filters
        lw = [f"d.task IN {_in(tasks)}"] + (["d.kind = ?"] if label_kind else []) + where
        lp = [*tasks] + ([label_kind] if label_kind else []) + params
        rows = []
        # (doc_id, kind, task, label) is the key: with one kind, every row is a distinct document
        count = "COUNT(*)" if label_kind else "COUNT(DISTINCT d.doc_id)"
        for grp, task, label, n in self._all(
            f"SELECT {g}, d.task, d.label, {count} FROM labels d"
            f" WHERE {' AND '.join(lw)} GROUP BY {g}, d.task, d.label",
            lp,
        ):
            tot = totals.get(grp, 0)
            rows.append(
                {"group": grp, "task": task, "label": label, "documents": int(n), "group_documents": tot,
                 "share": round(int(n) / tot, 4) if tot else 0.0}
            )
        rows.sort(key=lambda r: (r["group"] is None, r["group"] or "", -r["documents"], r["task"], r["label"]))
        return rows

    def stats_narratives(self, by: str = "source", **filters):
        return self.stats_labels(NARRATIVE, by, label_kind="label", **filters)

    def stats_techniques(self, by: str = "source", **filters):
        return self.stats_labels(TECHNIQUE, by, **filters)

    def label_tasks(self):
        return [
            {"task": t, "kind": k, "labels": int(nl), "documents": int(nd)}
            for t, k, nl, nd in self._all(
                "SELECT task, kind, COUNT(DISTINCT label), COUNT(DISTINCT doc_id) FROM labels GROUP BY task, kind ORDER BY task, kind"
            )
        ]

    def entity_roles(self, *, source=None, limit=None):
        where, params = ("WHERE e.source = ?", [source]) if source else ("", [])
        sql = (
            "SELECT e.entity, e.main_role, e.fine_role, e.source, COUNT(*) AS n"
            f" FROM entity_roles e {where}"
            " GROUP BY e.entity, e.main_role, e.fine_role, e.source ORDER BY n DESC, e.entity, e.main_role, e.fine_role"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [
            {"entity": r[0], "main_role": r[1], "fine_role": r[2], "source": r[3], "documents": int(r[4])}
            for r in self._all(sql, params)
        ]

    def sources(self):
        return [
            {"source": r[0], "documents": int(r[1]), "first_day": r[2], "last_day": r[3]}
            for r in self._all(
                "SELECT source, COUNT(*), MIN(day), MAX(day) FROM documents GROUP BY source ORDER BY COUNT(*) DESC, source"
            )
        ]

    # ---- duplicates ---------------------------------------------------------------------
    def duplicate_clusters(self, *, threshold: float = dedup.DEFAULT_THRESHOLD, min_size: int = 2):
        if not 0.0 < float(threshold) <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {threshold!r}", where="threshold")
        state = self._one("SELECT (SELECT COUNT(*) FROM minhash), (SELECT COUNT(*) FROM sightings)")
        key = (tuple(state), float(threshold), int(min_size))
        if self._dup_cache and self._dup_cache[0] == key:
            return self._dup_cache[1]
        ids: list[str] = []
        blobs: list[bytes] = []
        for doc_id, sig in self._iter("SELECT doc_id, sig FROM minhash ORDER BY doc_id", size=10_000):
            ids.append(doc_id)
            blobs.append(bytes(sig))
        sigs = np.frombuffer(b"".join(blobs), dtype="<u4").astype(np.uint32).reshape(len(ids), dedup.NUM_PERM)
        del blobs
        sig_list = list(sigs)
        groups = dedup.cluster(sigs, threshold) if len(ids) > 1 else []
        member_sets: list[list[str]] = [[ids[i] for i in g] for g in groups]
        in_cluster = {d for g in member_sets for d in g}
        # exact copies: the same text seen from more than one place
        multi = [r[0] for r in self._all("SELECT doc_id FROM sightings GROUP BY doc_id HAVING COUNT(*) > 1")]
        member_sets += [[d] for d in multi if d not in in_cluster]
        wanted = sorted({d for g in member_sets for d in g})
        meta: dict[str, dict] = {}
        sightings: dict[str, list] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self._all(f"SELECT id, title, stored_at FROM documents WHERE id IN ({marks})", chunk):
                meta[r[0]] = {"title": r[1], "stored_at": r[2]}
            for r in self._all(
                f"SELECT doc_id, external_id, source, url, published, first_seen FROM sightings WHERE doc_id IN ({marks})", chunk
            ):
                sightings.setdefault(r[0], []).append(r[1:])
        sig_of = dict(zip(ids, sig_list))
        clusters = []
        for members in member_sets:
            entries = []
            for d in members:
                seen = sightings.get(d) or [("", None, None, None, meta.get(d, {}).get("stored_at"))]
                for ext, src, url, pub, first_seen in seen:
                    entries.append({"id": d, "external_id": ext or None, "title": meta.get(d, {}).get("title"),
                                    "source": src or None, "url": url or None, "published": pub, "_seen": first_seen or ""})
            entries.sort(key=lambda e: (sort_key(e["published"]) == "", sort_key(e["published"]), e["_seen"], e["id"], e["source"] or ""))
            first = entries[0]
            copies = {}
            for e in entries:
                copies[e["id"]] = copies.get(e["id"], 0) + 1
            base = sig_of.get(first["id"])
            for i, e in enumerate(entries):
                e.pop("_seen")
                e["earliest"] = i == 0
                e["exact_copy"] = copies[e["id"]] > 1
                other = sig_of.get(e["id"])
                e["similarity"] = 1.0 if e["id"] == first["id"] or base is None or other is None else round(dedup.similarity(base, other), 3)
            if len(entries) < min_size:
                continue
            clusters.append({
                "size": len(entries),
                "sources": sorted({e["source"] for e in entries if e["source"]}),
                "earliest": first["id"],
                "earliest_source": first["source"],
                "earliest_published": first["published"],
                "documents": entries,
            })
        clusters.sort(key=lambda c: (-c["size"], sort_key(c["earliest_published"]) == "", sort_key(c["earliest_published"]), c["earliest"]))
        for i, c in enumerate(clusters, 1):
            c["cluster"] = i
        clusters = [{"cluster": c.pop("cluster"), **c} for c in clusters]
        self._dup_cache = (key, clusters)
        return clusters

    # ---- export -------------------------------------------------------------------------
    def export_rows(self, what: str, by: str | None = None, **filters):
        if what not in EXPORTS:
            raise ConfigError(f"what must be one of {', '.join(EXPORTS)}, got {what!r}", where="--what")
        if by is not None:
            if what in ("narratives", "techniques"):
                stats = self.stats_narratives if what == "narratives" else self.stats_techniques
                return iter(stats(by=by, **filters))
            if what == "entities" and by == "source":
                if set(filters) - {"source"} and any(v for k, v in filters.items() if k != "source"):
                    raise ConfigError("the entity-role table filters by source only", where="--date-from/--date-to")
                return iter(self.entity_roles(source=filters.get("source")))
            raise ConfigError(
                f"--by applies to narratives/techniques (source, day, week) and entities (source), not {what} by {by}",
                where="--by",
            )
        where, params = self._filters(**filters)
        wsql = (" AND " + " AND ".join(where)) if where else ""
        if what == "documents":
            return self._export_documents(wsql, params)
        if what == "duplicates":
            return self._export_duplicates()
        if what == "entities":
            return (
                dict(zip(("doc_id", "source", "published", "day", "entity", "main_role", "fine_role", "score"), r))
                for r in self._iter(
                    "SELECT e.doc_id, d.source, d.published, d.day, e.entity, e.main_role, e.fine_role, e.score"
                    f" FROM entity_roles e JOIN documents d ON d.id = e.doc_id WHERE 1=1{wsql}"
                    " ORDER BY e.doc_id, e.entity, e.main_role, e.fine_role",
                    params,
                )
            )
        pattern = {"narratives": list(NARRATIVE), "techniques": list(TECHNIQUE), "labels": []}[what]
        kind = (" AND l.kind = 'label'" if what == "narratives" else "") + (f" AND l.task IN {_in(pattern)}" if pattern else "")
        return (
            dict(zip(("doc_id", "source", "published", "day", "kind", "task", "label", "score", "count"), r))
            for r in self._iter(
                "SELECT l.doc_id, d.source, d.published, d.day, l.kind, l.task, l.label, l.score, l.n"
                f" FROM labels l JOIN documents d ON d.id = l.doc_id WHERE 1=1{kind}{wsql}"
                " ORDER BY l.doc_id, l.kind, l.task, l.label",
                pattern + params,
            )
        )

    def _export_documents(self, wsql: str, params: list):
        keys = ("id", "external_id", "title", "source", "url", "published", "day", "week", "language", "n_chars",
                "stored_at", "versions", "text")
        for chunk in _chunks(
            self._iter(
                "SELECT d.id, d.external_id, d.title, d.source, d.url, d.published, d.day, d.week, d.language,"
                f" d.n_chars, d.stored_at, d.versions, d.text FROM documents d WHERE 1=1{wsql} ORDER BY d.id",
                params,
            ),
            500,
        ):
            marks = ",".join("?" * len(chunk))
            labs: dict[str, dict] = {}
            for doc_id, task, label, score in self._all(
                f"SELECT doc_id, task, label, score FROM labels WHERE kind = 'label' AND doc_id IN ({marks})"
                " ORDER BY doc_id, task, score DESC, label",
                [r[0] for r in chunk],
            ):
                labs.setdefault(doc_id, {}).setdefault(task, []).append(label)
            for r in chunk:
                row = dict(zip(keys, r))
                row["labels"] = json.dumps(labs.get(r[0], {}), ensure_ascii=False, sort_keys=True)
                yield row

    def _export_duplicates(self):
        for c in self.duplicate_clusters():
            for e in c["documents"]:
                yield {"cluster": c["cluster"], "size": c["size"], "doc_id": e["id"], "external_id": e["external_id"],
                       "title": e["title"], "source": e["source"], "url": e["url"], "published": e["published"],
                       "earliest": e["earliest"], "exact_copy": e["exact_copy"], "similarity": e["similarity"]}

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


def _chunks(it: Iterator, n: int) -> Iterator[list]:
    buf: list = []
    for x in it:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf

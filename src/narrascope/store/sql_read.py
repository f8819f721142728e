"""Reading from the SQL store: :class:`ReadMixin` (one document, existence checks, search and
listing with filters, keyset pages) of :class:`~.sql.SQLStore`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from ..errors import ConfigError, NotFoundError
from . import COUNT_LIMIT, DocumentPage
from .search import decode_cursor, encode_cursor
from .sql_common import _DAY, NARRATIVE, TECHNIQUE, _in


class ReadMixin:
    """``get``, ``has_document``, ``known_ids``, ``count_documents``, ``list_documents``."""

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

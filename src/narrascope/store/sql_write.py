"""Writing to the SQL store: :class:`WriteMixin` (analyses, sightings) of :class:`~.sql.SQLStore`."""

from __future__ import annotations

import time

from . import IngestReport
from .rows import Prepared, now_iso, prepare


class WriteMixin:
    """``add_analyses``, ``add_sighting(s)``; needs the dialect hooks of :class:`~.sql.SQLStore`."""

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

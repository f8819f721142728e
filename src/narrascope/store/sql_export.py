"""Flat export rows from the SQL store: :class:`ExportMixin` of :class:`~.sql.SQLStore`
(the file writers are :mod:`narrascope.store.export`)."""

from __future__ import annotations

import json

from ..errors import ConfigError
from . import EXPORTS
from .sql_common import NARRATIVE, TECHNIQUE, _chunks, _in


class ExportMixin:
    """``export_rows`` (documents, labels, narratives, techniques, entities, duplicates, ...)."""

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

"""Analytics over the SQL store: :class:`StatsMixin` (label prevalence, entity roles, sources) of
:class:`~.sql.SQLStore`."""

from __future__ import annotations

from ..errors import ConfigError
from . import GROUP_BY
from .sql_common import NARRATIVE, TECHNIQUE, _in


class StatsMixin:
    """``stats_labels``, ``stats_narratives``, ``stats_techniques``, ``label_tasks``, ``entity_roles``, ``sources``."""

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

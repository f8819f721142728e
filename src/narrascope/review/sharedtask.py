"""Reviewed data in the shared-task TSV formats, so ``narrascope evaluate`` can score against it.

- ``semeval2025-narratives`` (subtask 2): ``id<TAB>narratives(;)<TAB>subnarratives(;)`` for every
  document reviewed in the ``narratives``/``subnarratives`` tasks; ``Other`` when nothing is left.
- ``semeval2025-roles`` (subtask 1): ``id<TAB>mention<TAB>start<TAB>end(inclusive)<TAB>main_role<TAB>fine...``,
  one line per entity whose role was reviewed (at its first mention), rejected entities left out.

``reviewed=True`` writes the reviewed values (the new gold); ``reviewed=False`` writes what the
models said for the *same* documents/entities (the prediction file), so::

    narrascope export --db corpus.db --what review --format semeval2025-narratives -o gold.tsv
    narrascope export --db corpus.db --what review --format semeval2025-narratives --model-output -o pred.tsv
    narrascope evaluate semeval2025-narratives --gold gold.tsv --pred pred.tsv

measures the shipped model against your reviewers.
"""

from __future__ import annotations

from typing import IO, Any

from . import ROLE_TASK, _entities, _entity_name, _fine_roles, effective_labels, review_state
from .labelstudio import _first_mention

FORMATS = ("semeval2025-narratives", "semeval2025-roles")
NARRATIVE_TASKS = ("narratives", "subnarratives")


def _reviewed_records(store, source: str | None):
    from . import _table

    by_doc: dict[str, list[dict]] = {}
    for row in _table(store).iter_all(source=source):
        by_doc.setdefault(row["doc_id"], []).append(row)
    for doc_id in sorted(by_doc):
        yield store.get(doc_id), by_doc[doc_id]


def _doc_name(record: dict[str, Any]) -> str:
    return str(record.get("external_id") or record["id"]).replace("\t", " ")


def narrative_lines(store, *, reviewed: bool = True, source: str | None = None) -> list[str]:
    lines = []
    for record, rows in _reviewed_records(store, source):
        if not any(r["kind"] == "label" and r["task"] in NARRATIVE_TASKS for r in rows):
            continue
        state = review_state(record, rows if reviewed else [])
        narr = [x for x in effective_labels(state, "narratives") if x != "Other"] or ["Other"]
        subs = [x for x in effective_labels(state, "subnarratives") if x != "Other"] or ["Other"]
        lines.append(f"{_doc_name(record)}\t{';'.join(narr)}\t{';'.join(subs)}\n")
    return lines


def role_lines(store, *, reviewed: bool = True, source: str | None = None) -> list[str]:
    lines = []
    for record, rows in _reviewed_records(store, source):
        entities = {r["entity"] for r in rows if r["kind"] == "role" and r["task"] == ROLE_TASK}
        if not entities:
            continue
        state = review_state(record, rows)
        model = {_entity_name(e): (e.get("main_role"), _fine_roles(e)) for e in _entities(record)}
        text = record["document"]["text"]
        for item in state["roles"]:
            name = item["entity"]
            if name not in entities or item["status"] == "rejected":
                continue
            where = _first_mention(record, name)
            if where is None:
                continue
            main, fine = (item["main_role"], item["fine_roles"]) if reviewed else model.get(name, (None, []))
            if not main:
                continue
            mention = text[where[0] : where[1]].replace("\t", " ").replace("\n", " ")
            cols = [_doc_name(record), mention, str(where[0]), str(where[1] - 1), main] + list(fine)
            lines.append("\t".join(cols) + "\n")
    return lines


def write_tsv(store, fmt: str, out: IO[str], *, reviewed: bool = True, source: str | None = None) -> int:
    lines = narrative_lines(store, reviewed=reviewed, source=source) if fmt == "semeval2025-narratives" \
        else role_lines(store, reviewed=reviewed, source=source)
    out.writelines(lines)
    return len(lines)

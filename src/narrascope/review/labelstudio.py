"""Label Studio interop: export reviewed documents as Label Studio tasks, import annotations back.

One Label Studio *task* per document (JSON list, the format Label Studio imports)::

    {"data": {"text", "doc_id", "external_id", "title", "source", "url", "published", "language",
              "analysis": <the stored analysis without its text>},
     "predictions": [{"model_version", "result": [...]}],      # what the models said
     "annotations": [{"created_username": <reviewer>, "created_at", "updated_at",
                      "result": [...],                          # the reviewer's reviewed state
                      "narrascope": {"reviewer", "corrections": [...]}}]}   # the exact log

Result items (``to_name`` is always ``"text"``):

- a label task ``T`` -> ``{"from_name": T, "type": "choices", "value": {"choices": [...]}}``;
- spans of analyzer ``T`` -> ``{"from_name": "T-spans", "type": "labels", "value": {start, end, text, labels}}``;
- entity roles -> ``{"from_name": "entity-roles", "type": "labels", "value": {start, end, text,
  labels: [main role]}, "meta": {"text": ["entity: NAME", "fine: A;B"]}}`` at the entity's first mention.

Importing (:func:`import_label_studio`): a document missing from the store is stored from
``data`` (text + analysis, same content id). An annotation whose ``result`` still equals what its
``narrascope`` log produces (it was not edited in Label Studio) brings that log back verbatim, so
export -> import -> export is lossless. Otherwise (edited, or made in Label Studio) the
corrections are derived from the result: for every choices field present, chosen and predicted =
accept, chosen only = add, predicted only = reject; spans likewise for every span field present;
role regions set the entity's role. Derived corrections get stable ids (re-importing adds nothing).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from ..errors import InputError
from . import ROLE_TASK, Correction, _entities, _entity_name, _fine_roles, latest, make_correction, review_state

ROLE_FIELD = "entity-roles"
SPAN_SUFFIX = "-spans"


def _rid(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:10]


def _first_mention(record: dict[str, Any], entity: str) -> tuple[int, int] | None:
    for e in _entities(record):
        if _entity_name(e) == entity:
            for m in e.get("mentions") or []:
                if isinstance(m, dict) and isinstance(m.get("start"), int) and isinstance(m.get("end"), int):
                    return m["start"], m["end"]
    text = (record.get("document") or {}).get("text") or ""
    i = text.find(entity) if entity else -1
    return (i, i + len(entity)) if i >= 0 else None


def _role_item(record: dict[str, Any], entity: str, role: str, fine: list[str], score=None) -> dict[str, Any] | None:
    where = _first_mention(record, entity)
    if where is None or not role:
        return None
    text = record["document"]["text"]
    item = {"id": _rid("role", entity), "from_name": ROLE_FIELD, "to_name": "text", "type": "labels",
            "value": {"start": where[0], "end": where[1], "text": text[where[0] : where[1]], "labels": [role]},
            "meta": {"text": [f"entity: {entity}", f"fine: {';'.join(fine)}"]}}
    if score is not None:
        item["score"] = score
    return item


def _span_item(text: str, task: str, label: str, start: int, end: int, score=None) -> dict[str, Any]:
    item = {"id": _rid("span", task, label, start, end), "from_name": task + SPAN_SUFFIX, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}
    if score is not None:
        item["score"] = score
    return item


def _choices_item(task: str, labels: list[str]) -> dict[str, Any]:
    return {"id": _rid("choices", task), "from_name": task, "to_name": "text", "type": "choices", "value": {"choices": labels}}


def prediction_result(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The model output as Label Studio result items."""
    text = record["document"]["text"]
    out = []
    for task, labs in sorted((record.get("labels") or {}).items()):
        if labs:
            out.append(_choices_item(task, [lab["label"] for lab in labs]))
    for s in sorted(record.get("spans") or [], key=lambda s: (s.get("analyzer") or "", s["start"], s["end"], s["label"])):
        out.append(_span_item(text, s.get("analyzer") or "", s["label"], s["start"], s["end"], s.get("score")))
    for e in _entities(record):
        if e.get("main_role"):
            item = _role_item(record, _entity_name(e), str(e["main_role"]), _fine_roles(e))
            if item:
                out.append(item)
    return out


def annotation_result(record: dict[str, Any], corrections: Iterable[Correction | dict]) -> list[dict[str, Any]]:
    """One reviewer's reviewed state as result items: for every reviewed label task, the labels kept;
    the accepted/added spans; the accepted/changed/added roles."""
    cs = list(latest(corrections).values())
    state = review_state(record, cs)
    text = record["document"]["text"]
    out = []
    for task in sorted({c.task for c in cs if c.kind == "label"}):
        out.append(_choices_item(task, [i["label"] for i in state["labels"].get(task, []) if i["status"] != "rejected"]))
    for s in state["spans"]:
        if s["status"] != "rejected":
            out.append(_span_item(text, s["analyzer"], s["label"], s["start"], s["end"]))
    reviewed = {c.entity for c in cs if c.kind == "role"}
    for r in state["roles"]:
        if r["entity"] in reviewed and r["status"] != "rejected":
            item = _role_item(record, r["entity"], r["main_role"] or "", r["fine_roles"])
            if item:
                out.append(item)
    return out


def _normal(result: list[dict[str, Any]]) -> list[str]:
    keep = []
    for it in result or []:
        v = dict(it.get("value") or {})
        for k in ("choices", "labels"):
            if k in v:
                v[k] = sorted(v[k])
        keep.append(json.dumps({"from_name": it.get("from_name"), "type": it.get("type"), "value": v,
                                "meta": it.get("meta")}, sort_keys=True, ensure_ascii=False))
    return sorted(keep)


def export_tasks(store, *, source: str | None = None, reviewed_only: bool = True) -> list[dict[str, Any]]:
    """Label Studio tasks for the reviewed documents (``reviewed_only=False``: every document)."""
    from . import _table

    table = _table(store)
    by_doc: dict[str, list[dict]] = {}
    for row in table.iter_all(source=source):
        by_doc.setdefault(row["doc_id"], []).append(row)
    ids = sorted(by_doc)
    if not reviewed_only:
        ids = sorted(set(ids) | {r["id"] for r in _all_documents(store, source)})
    tasks = []
    for doc_id in ids:
        record = store.get(doc_id)
        tasks.append(document_task(record, by_doc.get(doc_id, [])))
    return tasks


def _all_documents(store, source):
    return store.export_rows("documents", source=source)


def document_task(record: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    doc = record["document"]
    analysis = {k: v for k, v in record.items() if k not in ("sightings", "stored_at", "day", "week", "external_id", "id")}
    analysis["document"] = {k: v for k, v in doc.items() if k != "text"}
    versions = record.get("versions") or {}
    task = {
        "data": {
            "text": doc["text"], "doc_id": record["id"], "external_id": record.get("external_id"),
            "title": doc.get("title"), "source": doc.get("source"), "url": doc.get("url"),
            "published": doc.get("published"), "language": record.get("language"), "analysis": analysis,
        },
        "predictions": [{"model_version": ", ".join(f"{k} v{v}" for k, v in sorted(versions.items())) or "unknown",
                         "result": prediction_result(record)}],
        "annotations": [],
    }
    by_reviewer: dict[str, list[dict]] = {}
    for r in rows:
        by_reviewer.setdefault(r["reviewer"], []).append(r)
    for reviewer in sorted(by_reviewer):
        rs = sorted(by_reviewer[reviewer], key=lambda r: (r["created_at"], r["id"]))
        task["annotations"].append({
            "created_username": reviewer,
            "created_at": rs[0]["created_at"],
            "updated_at": rs[-1]["created_at"],
            "result": annotation_result(record, rs),
            "narrascope": {"reviewer": reviewer, "corrections": [Correction.from_dict(r).to_dict() for r in rs]},
        })
    return task


def write_tasks(tasks: list[dict[str, Any]], out) -> int:
    out.write(json.dumps(tasks, ensure_ascii=False, indent=1, sort_keys=True))
    out.write("\n")
    return len(tasks)


# -- import ---------------------------------------------------------------------------------------
def read_tasks(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", where=str(p)) from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", where=str(p), hint="export the tasks from Label Studio as JSON") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        lines = [ln for ln in raw.splitlines() if ln.strip()]
        try:  # JSON lines
            data = [json.loads(ln) for ln in lines]
        except json.JSONDecodeError:
            raise InputError(f"not JSON ({e.msg} at line {e.lineno})", where=str(p),
                             hint="give a Label Studio JSON export (a list of tasks)") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise InputError("expected a list of Label Studio tasks (objects with 'data')", where=str(p))
    return data


def _ensure_document(store, task: dict[str, Any], where: str) -> dict[str, Any]:
    from ..document import Analysis, content_id
    from ..errors import NotFoundError

    data = task.get("data") or {}
    text = data.get("text")
    if not isinstance(text, str) or not text:
        raise InputError("the task has no data.text", where=where, hint="export the tasks with their text")
    doc_id = data.get("doc_id") or content_id(text)
    try:
        return store.get(doc_id)
    except NotFoundError:
        pass
    try:
        return store.get(content_id(text))
    except NotFoundError:
        pass
    analysis = data.get("analysis")
    if isinstance(analysis, dict) and isinstance(analysis.get("document"), dict):
        d = dict(analysis)
        d["document"] = {**analysis["document"], "text": text}
    else:
        d = {"document": {"text": text, "id": data.get("external_id") or doc_id, "title": data.get("title"),
                          "source": data.get("source"), "url": data.get("url"), "published": data.get("published")},
             "language": data.get("language"), "labels": {}, "spans": [], "data": {}, "versions": {}}
    try:
        a = Analysis.from_dict(d)
    except Exception as e:  # noqa: BLE001
        raise InputError(f"cannot rebuild the document from the task ({type(e).__name__}: {e})", where=where) from None
    report = store.add_analyses([a])
    if report.failures:
        raise InputError(f"cannot store the document: {report.failures[0].message}", where=where)
    return store.get(content_id(a.document.text))


def derive_corrections(record: dict[str, Any], result: list[dict[str, Any]], *, reviewer: str, created_at: str,
                       salt: str) -> list[Correction]:
    """Corrections that turn the model output into ``result`` (a Label Studio annotation)."""
    out: list[Correction] = []

    def add(**kw):
        c = make_correction(record, reviewer=reviewer, created_at=created_at, **kw)
        c.id = _rid("ls", salt, *c.target)
        out.append(c)

    labels = record.get("labels") or {}
    predicted_spans: dict[str, set] = {}
    for s in record.get("spans") or []:
        predicted_spans.setdefault(s.get("analyzer") or "", set()).add((s["label"], s["start"], s["end"]))
    seen_spans: dict[str, set] = {}
    for it in result or []:
        name, typ, v = it.get("from_name") or "", it.get("type"), it.get("value") or {}
        if typ == "choices":
            chosen = [str(x) for x in v.get("choices") or []]
            model = [lab["label"] for lab in labels.get(name) or []]
            for lab in chosen:
                add(kind="label", task=name, label=lab, action="accept" if lab in model else "add")
            for lab in model:
                if lab not in chosen:
                    add(kind="label", task=name, label=lab, action="reject")
        elif typ == "labels" and name == ROLE_FIELD:
            meta = (it.get("meta") or {}).get("text") or []
            entity = next((m[len("entity: "):] for m in meta if isinstance(m, str) and m.startswith("entity: ")), None)
            fine = next((m[len("fine: "):] for m in meta if isinstance(m, str) and m.startswith("fine: ")), "")
            text = record["document"]["text"]
            entity = entity or text[int(v.get("start", 0)) : int(v.get("end", 0))]
            role = (v.get("labels") or [""])[0]
            known = any(_entity_name(e) == entity for e in _entities(record))
            add(kind="role", task=ROLE_TASK, entity=entity, label=role, fine_roles=[f for f in fine.split(";") if f],
                action="set" if known else "add")
        elif typ == "labels" and name.endswith(SPAN_SUFFIX):
            task = name[: -len(SPAN_SUFFIX)]
            for lab in v.get("labels") or []:
                key = (str(lab), int(v["start"]), int(v["end"]))
                seen_spans.setdefault(task, set()).add(key)
                add(kind="span", task=task, label=key[0], start=key[1], end=key[2],
                    action="accept" if key in predicted_spans.get(task, set()) else "add")
    for task, seen in seen_spans.items():
        for lab, s, e in sorted(predicted_spans.get(task, set()) - seen):
            add(kind="span", task=task, label=lab, start=s, end=e, action="reject")
    return out


def check_carried(record: dict[str, Any], c: Correction, added: set, where: str) -> None:
    """A carried correction must make sense for the document (the same checks as a new one)."""
    spans = c.span_start >= 0 and c.span_end >= 0
    try:
        make_correction(record, kind=c.kind, action=c.action, reviewer=c.reviewer, task=c.task, label=c.label or None,
                        start=c.span_start if spans else None, end=c.span_end if spans else None, entity=c.entity or None,
                        fine_roles=(c.value or "").split(";") if c.value else None, added=added)
    except InputError as e:
        e.where = f"{where}.{e.where}" if e.where else where
        raise


def import_label_studio(store, path: str | Path, *, reviewer: str | None = None) -> dict[str, Any]:
    """Store the corrections of a Label Studio export (see the module doc). Returns counts:
    ``{"tasks", "documents_added", "corrections_added", "corrections_seen", "derived_annotations"}``."""
    from . import _table

    tasks = read_tasks(path)
    table = _table(store)
    stats = {"tasks": len(tasks), "documents_added": 0, "corrections_added": 0, "corrections_seen": 0, "derived_annotations": 0}
    for i, task in enumerate(tasks):
        where = f"{path}[{i}]"
        before = store.count_documents()
        record = _ensure_document(store, task, where)
        stats["documents_added"] += store.count_documents() - before
        rows: list[dict] = []
        for j, ann in enumerate(task.get("annotations") or []):
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            carried = (ann.get("narrascope") or {}).get("corrections")
            result = ann.get("result") or []
            if isinstance(carried, list) and carried:
                try:
                    cs = [Correction.from_dict(c) for c in carried]
                except (TypeError, ValueError) as e:
                    raise InputError(f"malformed narrascope correction log ({e})", where=f"{where}.annotations[{j}]") from None
                added = {c.target for c in cs if c.action == "add"}
                for k, c in enumerate(cs):
                    c.doc_id = record["id"]
                    check_carried(record, c, added, f"{where}.annotations[{j}].narrascope.corrections[{k}]")
                if _normal(annotation_result(record, cs)) == _normal(result):
                    rows += [c.to_dict() for c in cs]
                    continue
            who = reviewer or ann.get("created_username") or (ann.get("narrascope") or {}).get("reviewer") \
                or f"label-studio-user-{ann.get('completed_by', 'unknown')}"
            who = str(who).split(",")[0].strip() or "label-studio"
            when = ann.get("updated_at") or ann.get("created_at") or ""
            from . import now_iso

            derived = derive_corrections(record, result, reviewer=who, created_at=str(when or now_iso()),
                                         salt=f"{record['id']}:{ann.get('id', j)}:{who}")
            stats["derived_annotations"] += 1
            rows += [c.to_dict() for c in derived]
        stats["corrections_seen"] += len(rows)
        if rows:
            stats["corrections_added"] += table.add(rows)
    return stats

"""The review loop: analysts correct what the models said; corrections are kept and taught back.

A **correction** is one judgement on one *target* of a stored analysis:

==========  =====================================================  ==========================
kind        target                                                  actions
==========  =====================================================  ==========================
``label``   a document-level label of a task (``narratives``, ...)  accept, reject, add
``span``    a span ``[start, end)`` with a label, of an analyzer     accept, reject, add
``role``    an entity (by name) of ``data["entities"]``              accept, reject, set, add
==========  =====================================================  ==========================

Each correction records who (``reviewer``), when (``created_at``, UTC), and the model version and
score it corrected (``model_version``, ``model_score``: what the analysis said about that target;
``None`` for an added target). Corrections are appended, never edited, and the stored analysis is
never changed: :func:`review_state` lays the latest correction of each target over the model
output, so every view can show both (the model's value and the reviewed one).

The library is store-agnostic except for :func:`add_corrections` & co., which go through
:class:`narrascope.store.review.ReviewTable`; the CLI (``narrascope review``, ``import-review``,
``export --what review``), the API (``/review/...``) and the web UI call these functions.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from ..errors import ConfigError, InputError

__all__ = [
    "ACTIONS", "KINDS", "ROLE_TASK", "DEFAULT_THRESHOLD", "Correction", "make_correction", "review_state",
    "effective_labels", "add_corrections", "document_review", "review_queue", "review_progress",
]

KINDS = ("label", "span", "role")
ACTIONS = {"label": ("accept", "reject", "add"), "span": ("accept", "reject", "add"), "role": ("accept", "reject", "set", "add")}
ROLE_TASK = "entities"
DEFAULT_THRESHOLD = 0.5
STATUS = {"accept": "accepted", "reject": "rejected", "add": "added", "set": "changed"}
MAX_FIELD = 500


def now_iso() -> str:
    """UTC time with microseconds (corrections made in the same second keep their order)."""
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Correction:
    """One row of the ``reviews`` table (see the module doc). ``span_start``/``span_end`` are -1
    unless ``kind == "span"`` (or a role correction names a mention); ``value`` holds the fine
    roles (``;``-joined) of a role correction."""

    id: str
    doc_id: str
    kind: str
    task: str
    label: str
    action: str
    reviewer: str
    created_at: str
    span_start: int = -1
    span_end: int = -1
    entity: str = ""
    value: str | None = None
    model_version: str | None = None
    model_score: float | None = None
    note: str | None = None
    source: str | None = None

    @property
    def target(self) -> tuple:
        if self.kind == "role":
            return ("role", self.task, self.entity)
        if self.kind == "span":
            return ("span", self.task, self.label, self.span_start, self.span_end)
        return ("label", self.task, self.label)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Correction":
        known = {k: d.get(k) for k in cls.__dataclass_fields__ if k in d}
        for k in ("span_start", "span_end"):
            known[k] = -1 if known.get(k) is None else int(known[k])
        for k in ("entity", "label"):
            known[k] = known.get(k) or ""
        if known.get("model_score") is not None:
            known["model_score"] = float(known["model_score"])
        return cls(**known)


# -- reading an analysis record ------------------------------------------------------------------
def _entities(record: dict[str, Any]) -> list[dict[str, Any]]:
    ents = (record.get("data") or {}).get("entities")
    if isinstance(ents, dict):
        ents = ents.get("entities", ents.get("items", []))
    return [e for e in ents or [] if isinstance(e, dict) and _entity_name(e)]


def _entity_name(e: dict[str, Any]) -> str:
    for key in ("name", "canonical", "text", "label", "entity"):
        v = e.get(key)
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return ""


def _fine_roles(e: dict[str, Any]) -> list[str]:
    out = []
    for r in e.get("fine_roles") or []:
        name = r if isinstance(r, str) else (r.get("role") or r.get("label")) if isinstance(r, dict) else None
        if name:
            out.append(str(name))
    return out


def _text(record: dict[str, Any]) -> str:
    return (record.get("document") or {}).get("text") or ""


def _doc_id(record: dict[str, Any]) -> str:
    return record.get("id") or (record.get("document") or {}).get("id") or ""


def _version(record: dict[str, Any], *names: str | None) -> str | None:
    versions = record.get("versions") or {}
    for n in names:
        if n and n in versions:
            return f"{n} v{versions[n]}"
    return None


def model_target(record: dict[str, Any], kind: str, task: str, label: str = "", start: int = -1, end: int = -1,
                 entity: str = "") -> dict[str, Any] | None:
    """What the model said about a target (``{"score", "analyzer", ...}``), or None when it did not emit it."""
    if kind == "label":
        for lab in (record.get("labels") or {}).get(task) or []:
            if lab.get("label") == label:
                return {"score": lab.get("score"), "analyzer": lab.get("analyzer") or task, "parent": lab.get("parent")}
        return None
    if kind == "span":
        for s in record.get("spans") or []:
            if (s.get("analyzer") or "") == task and s.get("label") == label and s.get("start") == start and s.get("end") == end:
                return {"score": s.get("score"), "analyzer": task}
        return None
    for e in _entities(record):
        if _entity_name(e) == entity:
            sc = e.get("main_role_score", e.get("score"))
            return {"score": sc if isinstance(sc, (int, float)) else None, "analyzer": ROLE_TASK,
                    "main_role": e.get("main_role"), "fine_roles": _fine_roles(e)}
    return None


def _field(name: str, value: Any, *, required: bool = True) -> str:
    v = "" if value is None else str(value)
    v = " ".join(v.split()) if name != "note" else v.strip()
    if required and not v:
        raise InputError(f"{name} must be a non-empty string, got {value!r}", where=name)
    if len(v) > MAX_FIELD:
        raise InputError(f"{name} must be at most {MAX_FIELD} characters, got {len(v)}", where=name)
    return v


def make_correction(
    record: dict[str, Any], *, kind: str, action: str, reviewer: str, task: str | None = None, label: str | None = None,
    start: int | None = None, end: int | None = None, entity: str | None = None, fine_roles: Iterable[str] | None = None,
    note: str | None = None, created_at: str | None = None, id: str | None = None, added: Iterable[tuple] = (),
) -> Correction:
    """A checked correction of the stored analysis ``record`` (:meth:`Store.get` output).

    Raises :class:`~narrascope.errors.InputError` when the target does not make sense: an unknown
    kind/action, accept/reject of something neither the model emitted nor a reviewer added (the
    targets of earlier ``add`` corrections are given as ``added``), a span outside the text, a
    role correction of an entity the analysis does not have (use ``add``).
    """
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}", where="kind")
    if action not in ACTIONS[kind]:
        raise InputError(f"action for a {kind} must be one of {', '.join(ACTIONS[kind])}, got {action!r}", where="action")
    reviewer = _field("reviewer", reviewer)
    task = _field("task", task if task is not None else (ROLE_TASK if kind == "role" else None))
    s = e = -1
    ent = ""
    fine = None
    if kind == "role":
        ent = _field("entity", entity)
        label = _field("label", label, required=action in ("set", "add")) if action in ("set", "add") else (label or "")
        fine = ";".join(_field("fine role", f) for f in (fine_roles or []) if str(f).strip()) or None
    else:
        label = _field("label", label)
    if kind == "span" or (kind == "role" and start is not None and end is not None):
        text = _text(record)
        try:
            s, e = int(start), int(end)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(f"a span needs integer start and end offsets, got {start!r}, {end!r}", where="start/end") from None
        if not (0 <= s < e <= len(text)):
            raise InputError(f"span [{s}, {e}) must lie inside the text (0..{len(text)}) and be non-empty", where="start/end",
                             hint="offsets are character offsets into the document text, end exclusive")
    model = model_target(record, kind, task, label, s, e, ent)
    target = ("role", task, ent) if kind == "role" else ("span", task, label, s, e) if kind == "span" else ("label", task, label)
    if action in ("accept", "reject", "set") and model is None and target not in set(added):
        raise InputError(
            f"the analysis has no {kind} {'for entity ' + repr(ent) if kind == 'role' else repr(label)} in {task!r} to {action}",
            where="target", hint="use action 'add' for something the model missed",
        )
    if kind == "role" and action == "accept" and model:
        label = label or str(model.get("main_role") or "")
    analyzer = (model or {}).get("analyzer") or task
    return Correction(
        id=id or uuid.uuid4().hex,
        doc_id=_doc_id(record),
        kind=kind,
        task=task,
        label=label or "",
        action=action,
        reviewer=reviewer,
        created_at=created_at or now_iso(),
        span_start=s,
        span_end=e,
        entity=ent,
        value=fine,
        model_version=_version(record, analyzer, task),
        model_score=None if not model or model.get("score") is None else round(float(model["score"]), 4),
        note=_field("note", note, required=False) or None,
        source=(record.get("document") or {}).get("source"),
    )


# -- the reviewed view ---------------------------------------------------------------------------
def latest(corrections: Iterable[Correction | dict]) -> dict[tuple, Correction]:
    """The latest correction of each target (by ``created_at``, then ``id``)."""
    cs = [c if isinstance(c, Correction) else Correction.from_dict(c) for c in corrections]
    out: dict[tuple, Correction] = {}
    for c in sorted(cs, key=lambda c: (c.created_at, c.id)):
        out[c.target] = c
    return out


def _stamp(c: Correction) -> dict[str, Any]:
    return {"reviewer": c.reviewer, "reviewed_at": c.created_at, "correction": c.id}


def review_state(record: dict[str, Any], corrections: Iterable[Correction | dict]) -> dict[str, Any]:
    """The model output with the reviewed value laid over it, target by target.

    Returns ``{"labels": {task: [item]}, "spans": [item], "roles": [item], "reviewed_tasks": [...],
    "corrections": n, "reviewed": bool}``. Every item has ``status``: ``model`` (not reviewed),
    ``accepted``, ``rejected``, ``added`` or ``changed`` (a role set to another value), the model's
    ``score`` (None for added ones) and, when reviewed, ``reviewer`` / ``reviewed_at``. Label items
    cover every model label plus the added ones; span items only the reviewed/added spans (the
    analysis holds the rest); role items every entity plus added ones, with ``main_role`` the
    reviewed role and ``model_main_role`` the model's.
    """
    last = latest(corrections)
    labels: dict[str, list[dict[str, Any]]] = {}
    for task, labs in (record.get("labels") or {}).items():
        items = labels.setdefault(task, [])
        for lab in labs or []:
            item = {"label": lab.get("label"), "score": lab.get("score"), "parent": lab.get("parent"), "status": "model"}
            c = last.get(("label", task, lab.get("label")))
            if c is not None:
                item.update(status="rejected" if c.action == "reject" else "accepted", **_stamp(c))
            items.append(item)
    spans: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    for e in _entities(record):
        name = _entity_name(e)
        item = {"entity": name, "model_main_role": e.get("main_role"), "main_role": e.get("main_role"),
                "model_fine_roles": _fine_roles(e), "fine_roles": _fine_roles(e), "status": "model",
                "score": e.get("main_role_score")}
        c = last.get(("role", ROLE_TASK, name))
        if c is not None:
            item.update(_stamp(c))
            if c.action == "reject":
                item.update(status="rejected")
            elif c.action in ("set", "add"):
                new_fine = c.value.split(";") if c.value else []
                same = c.label == e.get("main_role") and new_fine == item["model_fine_roles"]
                item.update(status="accepted" if same else "changed", main_role=c.label, fine_roles=new_fine)
            else:
                item.update(status="accepted")
        roles.append(item)
    known_roles = {r["entity"] for r in roles}
    for key, c in last.items():
        if c.kind == "label" and c.action == "add":
            if not any(i["label"] == c.label for i in labels.get(c.task, [])):
                labels.setdefault(c.task, []).append({"label": c.label, "score": None, "parent": None, "status": "added", **_stamp(c)})
        elif c.kind == "label" and c.action == "reject" and not any(i["label"] == c.label for i in labels.get(c.task, [])):
            labels.setdefault(c.task, []).append({"label": c.label, "score": None, "parent": None, "status": "rejected", **_stamp(c)})
        elif c.kind == "span":
            model = model_target(record, "span", c.task, c.label, c.span_start, c.span_end)
            status = STATUS[c.action] if c.action != "add" or model is None else "accepted"
            spans.append({"start": c.span_start, "end": c.span_end, "label": c.label, "analyzer": c.task,
                          "text": _text(record)[c.span_start : c.span_end], "score": (model or {}).get("score"),
                          "status": status, **_stamp(c)})
        elif c.kind == "role" and c.entity not in known_roles and c.action != "reject":
            roles.append({"entity": c.entity, "model_main_role": None, "main_role": c.label, "model_fine_roles": [],
                          "fine_roles": c.value.split(";") if c.value else [], "status": "added", "score": None, **_stamp(c)})
    spans.sort(key=lambda s: (s["start"], s["end"], s["analyzer"], s["label"]))
    tasks = sorted({c.task for c in last.values()})
    return {"labels": labels, "spans": spans, "roles": roles, "reviewed_tasks": tasks, "corrections": len(last),
            "reviewed": bool(last)}


def effective_labels(state: dict[str, Any], task: str) -> list[str]:
    """The labels of ``task`` after review: the model's ones not rejected, plus the added ones."""
    return [i["label"] for i in state["labels"].get(task, []) if i["status"] != "rejected"]


# -- store-backed operations -----------------------------------------------------------------------
def _table(store):
    from ..store.review import ReviewTable

    return ReviewTable(store)


def add_corrections(store, doc_id: str, items: Iterable[dict[str, Any]], *, reviewer: str) -> dict[str, Any]:
    """Check and store corrections of one stored document (by content hash or external id).

    ``items``: dicts with ``kind``, ``action`` and the target fields of :func:`make_correction`
    (``task``, ``label``, ``start``, ``end``, ``entity``, ``fine_roles``, ``note``). All or nothing:
    one bad item stores none. Returns :func:`document_review` after the write.
    """
    record = store.get(doc_id)
    added = {Correction.from_dict(r).target for r in _table(store).for_document(record["id"]) if r["action"] == "add"}
    items = list(items)
    if not items:
        raise InputError("no corrections given", where="corrections", hint="send at least one {kind, action, ...}")
    made = []
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            raise InputError(f"a correction must be an object, got {type(it).__name__}", where=f"corrections[{i}]")
        try:
            made.append(make_correction(
                record, kind=str(it.get("kind") or ""), action=str(it.get("action") or ""), reviewer=it.get("reviewer") or reviewer,
                task=it.get("task"), label=it.get("label"), start=it.get("start"), end=it.get("end"),
                entity=it.get("entity"), fine_roles=it.get("fine_roles"), note=it.get("note"), added=added,
            ))
        except InputError as e:
            e.where = f"corrections[{i}].{e.where}" if e.where else f"corrections[{i}]"
            raise
    _table(store).add(c.to_dict() for c in made)
    return document_review(store, record["id"], record=record)


def document_review(store, doc_id: str, *, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"id", "corrections": [rows, oldest first], "state": review_state(...)}`` of one stored document."""
    record = record or store.get(doc_id)
    rows = _table(store).for_document(record["id"])
    return {"id": record["id"], "corrections": rows, "state": review_state(record, rows)}


def review_queue(store, *, thresholds: dict[str, float] | None = None, default_threshold: float = DEFAULT_THRESHOLD,
                 source: str | None = None, include_reviewed: bool = False, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Documents to review next, most uncertain first.

    A document's uncertainty is its label closest to the decision threshold: ``margin = min |score -
    threshold(task)|`` over its document-level labels (``thresholds`` per task, else
    ``default_threshold``; the shipped models emit calibrated probabilities, so 0.5 is the point
    where the model is least sure). Already reviewed documents are left out unless
    ``include_reviewed``. Rows: ``{id, external_id, title, source, published, language, margin, labels}``.
    """
    if not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"limit must be a positive integer, got {limit!r}", where="limit")
    for t, v in (thresholds or {}).items():
        if not 0.0 <= float(v) <= 1.0:
            raise ConfigError(f"threshold of {t} must be in [0, 1], got {v!r}", where="thresholds")
    table = _table(store)
    found = table.queue(thresholds or {}, default_threshold, source=source, include_reviewed=include_reviewed,
                        limit=limit, offset=offset)
    meta = table.documents_meta([d for d, _, _ in found])
    return [dict(meta.get(d, {"id": d}), margin=round(m, 4), labels=n) for d, m, n in found]


def review_progress(store) -> dict[str, Any]:
    """Review progress per source (corpus): ``{"sources": [{source, documents, reviewed, corrections,
    reviewers, share}], "total": {...}}``."""
    rows = _table(store).progress()
    total = {k: sum(r[k] for r in rows) for k in ("documents", "reviewed", "corrections")}
    total["share"] = round(total["reviewed"] / total["documents"], 4) if total["documents"] else 0.0
    return {"sources": rows, "total": total}

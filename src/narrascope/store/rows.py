"""Preparing the rows of one Analysis for the SQL store (documents, labels, entity roles, MinHash
signature, sighting): :func:`prepare`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..document import Analysis, content_id
from . import dedup


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


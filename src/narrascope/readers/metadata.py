"""Metadata for inputs that carry none: a source and a date for plain ``.txt`` files and the like.

Three ways, applied to every document whose field is still empty (what a reader found wins):

- a **manifest** (CSV with a header, or JSONL): one row per file, columns ``file`` (path relative to
  the manifest, or a bare file name), ``source``, ``published`` and optionally ``title``, ``url``;
- a **sidecar** ``<file>.meta.json`` next to an article: ``{"source": ..., "published": ...}``;
- **defaults** for the whole run (``--source``, ``--published``);
- otherwise the date is read from the text's **dateline** ("KYIV, March 3, 2024 (Reuters) -",
  "LONDON, 14 March 2024 -", "2024-03-14 -") when it names a year.

:func:`apply_metadata` does it for one document; ``ReadOptions.metadata`` makes every reader apply it.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import jsonsafe
from ..document import Document
from ..errors import InputError

FIELDS = ("source", "published", "title", "url")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"], 1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MON = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATELINE = [
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),  # ISO
    re.compile(_MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE),  # March 3, 2024
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r",?\s+(\d{4})\b", re.IGNORECASE),  # 3 March 2024
]
DATELINE_CHARS = 200  # a dateline sits at the very start of the article body


def dateline_date(text: str) -> str | None:
    """The ISO date of the dateline in the first lines of ``text``, when it names a year."""
    head = text[:DATELINE_CHARS]
    found = []
    for i, rx in enumerate(_DATELINE):
        m = rx.search(head)
        if not m:
            continue
        try:
            if i == 0:
                y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            elif i == 1:
                mo, d, y = _MONTHS[m.group(1).lower().rstrip(".")[:4] if m.group(1).lower().startswith("sept") else m.group(1).lower().rstrip(".")[:3]], int(m.group(2)), int(m.group(3))
            else:
                d, mo, y = int(m.group(1)), _MONTHS[m.group(2).lower().rstrip(".")[:3]], int(m.group(3))
            found.append((m.start(), date(y, mo, d).isoformat()))
        except (KeyError, ValueError):
            continue
    return min(found)[1] if found else None


@dataclass
class Metadata:
    """What to fill in: run-wide defaults, a manifest, sidecars, datelines."""

    source: str | None = None
    published: str | None = None
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)  # file key -> fields
    sidecars: bool = True
    dateline: bool = True

    @classmethod
    def build(cls, *, source: str | None = None, published: str | None = None, manifest: str | Path | None = None,
              sidecars: bool = True, dateline: bool = True) -> "Metadata":
        if published:
            _check_date(published, "--published")
        return cls(source or None, published or None, load_manifest(manifest) if manifest else {}, sidecars, dateline)

    def for_file(self, where: str | None) -> dict[str, str]:
        if not where:
            return {}
        p = Path(where)
        for key in (str(p.resolve()) if p.exists() else None, str(p), p.name):
            if key and key in self.manifest:
                return self.manifest[key]
        return {}


def _check_date(value: str, where: str) -> None:
    try:
        date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"expected a date YYYY-MM-DD, got {value!r}", where=where,
                         hint="e.g. 2024-03-14 (a time may follow: 2024-03-14T09:30:00Z)") from None


def load_manifest(path: str | Path) -> dict[str, dict[str, str]]:
    """``{file key: {source, published, title, url}}`` from a CSV (header with ``file``) or JSONL manifest.
    Keys: the resolved path (relative paths are taken from the manifest's folder) and the bare name."""
    path = Path(path)
    if not path.is_file():
        raise InputError("manifest not found", where=str(path), hint="give a CSV or JSONL file with a 'file' column")
    rows: list[dict[str, Any]] = []
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(jsonsafe.loads(line, where=f"{path}:{i}"))  # huge integers kept as text
                except json.JSONDecodeError as e:
                    raise InputError(f"not JSON ({e.msg})", where=f"{path}:{i}") from None
    else:
        rows = list(csv.DictReader(text.splitlines(), dialect="excel-tab" if path.suffix.lower() == ".tsv" else "excel"))
    out: dict[str, dict[str, str]] = {}
    for i, row in enumerate(rows, 2 if path.suffix.lower() not in (".jsonl", ".json", ".ndjson") else 1):
        name = row.get("file") or row.get("path") if isinstance(row, dict) else None
        if not name:
            raise InputError("every manifest row needs a 'file' column", where=f"{path}:{i}",
                             hint="columns: file, source, published (YYYY-MM-DD), optionally title, url")
        fields = {k: str(row[k]).strip() for k in FIELDS if row.get(k) not in (None, "")}
        if "published" in fields:
            _check_date(fields["published"], f"{path}:{i}")
        f = Path(str(name))
        full = f if f.is_absolute() else path.parent / f
        out[str(full.resolve())] = fields
        out.setdefault(f.name, fields)
    return out


def _sidecar(where: str | None) -> dict[str, str]:
    if not where:
        return {}
    p = Path(where)
    side = p.with_name(p.name + ".meta.json")
    if not side.is_file():
        side = p.with_suffix(".meta.json")
        if not side.is_file():
            return {}
    try:
        d = jsonsafe.loads(side.read_text(encoding="utf-8"), where=str(side))  # huge integers kept as text
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"sidecar metadata is not readable JSON ({e})", where=str(side)) from None
    return {k: str(d[k]) for k in FIELDS if isinstance(d, dict) and d.get(k)}


def apply_metadata(doc: Document, meta: Metadata | None) -> Document:
    """``doc`` with its empty source/published/title/url filled (manifest, sidecar, defaults, dateline)."""
    if meta is None:
        return doc
    where = (doc.meta or {}).get("where")
    found: dict[str, Any] = {}
    for layer in (meta.for_file(where), _sidecar(where) if meta.sidecars else {},
                  {"source": meta.source, "published": meta.published}):
        for k, v in layer.items():
            if v and k not in found:
                found[k] = v
    if meta.dateline and "published" not in found and not doc.published:
        d = dateline_date(doc.text)
        if d:
            found["published"] = d
    changes = {k: v for k, v in found.items() if not getattr(doc, k, None)}
    if not changes:
        return doc
    if "published" in changes:
        changes["published"] = str(changes["published"])
    return dataclasses.replace(doc, **changes)


__all__ = ["Metadata", "apply_metadata", "dateline_date", "load_manifest"]

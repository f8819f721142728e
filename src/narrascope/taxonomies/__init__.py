"""Taxonomies are data: versioned YAML files loaded and validated at start.

Schema (a user's own taxonomy uses the same)::

    id: semeval2025-narratives        # unique id
    version: "2025.1"
    kind: narratives                  # narratives | roles | techniques | frames | genres | other
    description: free text
    labels:
      - id: "URW: Discrediting Ukraine"          # the label id code and files refer to
        name: Discrediting Ukraine               # short display name (defaults to id)
        definition: One or two sentences in our own words.
        parent: null                             # id of the parent label (sub-narratives, fine roles)
        group: URW                               # optional grouping (domain, family, main role)
        examples: [optional, phrases]

Validation: ids unique, every parent exists and appears earlier, every label has a definition.
Shipped taxonomies live in ``taxonomies/data/<id>.yaml``; :func:`load_taxonomy` takes a shipped id
or a path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import TaxonomyError

DATA_DIR = Path(__file__).parent / "data"
KINDS = {"narratives", "roles", "techniques", "frames", "genres", "other"}


@dataclass(frozen=True)
class TaxonomyLabel:
    id: str
    name: str
    definition: str
    parent: str | None = None
    group: str | None = None
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    id: str
    version: str
    kind: str
    description: str
    labels: tuple[TaxonomyLabel, ...]
    path: str | None = None
    _index: dict[str, TaxonomyLabel] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({lab.id: lab for lab in self.labels})

    def __contains__(self, label_id: str) -> bool:
        return label_id in self._index

    def __getitem__(self, label_id: str) -> TaxonomyLabel:
        try:
            return self._index[label_id]
        except KeyError:
            raise TaxonomyError(f"label {label_id!r} is not in taxonomy {self.id!r}") from None

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def ids(self) -> list[str]:
        return [lab.id for lab in self.labels]

    def top_level(self) -> list[TaxonomyLabel]:
        return [lab for lab in self.labels if lab.parent is None]

    def children(self, parent_id: str) -> list[TaxonomyLabel]:
        return [lab for lab in self.labels if lab.parent == parent_id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "kind": self.kind,
            "description": self.description,
            "labels": [
                {k: v for k, v in lab.__dict__.items() if v not in (None, ())} for lab in self.labels
            ],
        }


def shipped_taxonomies() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


def load_taxonomy(name_or_path: str | Path) -> Taxonomy:
    """Load a shipped taxonomy by id, or a user's file by path; validated."""
    p = Path(name_or_path)
    if not p.suffix:
        p = DATA_DIR / f"{name_or_path}.yaml"
        if not p.exists():
            raise TaxonomyError(
                f"no shipped taxonomy named {str(name_or_path)!r}",
                hint=f"choose from {', '.join(shipped_taxonomies())} or give a path to a .yaml file",
            )
    return _load_path(str(p.resolve()))


@lru_cache(maxsize=64)
def _load_path(path: str) -> Taxonomy:
    where = path
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError("taxonomy file not found", where=where) from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise TaxonomyError(f"taxonomy file is not valid UTF-8 YAML: {e}", where=where) from None
    return parse_taxonomy(raw, where=where)


def parse_taxonomy(raw: Any, where: str = "<taxonomy>") -> Taxonomy:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"expected a mapping with id, version, kind, labels; got {type(raw).__name__}", where=where)
    for key in ("id", "version", "kind", "labels"):
        if key not in raw:
            raise TaxonomyError(f"missing required key {key!r}", where=where)
    if raw["kind"] not in KINDS:
        raise TaxonomyError(f"kind must be one of {sorted(KINDS)}, got {raw['kind']!r}", where=where)
    if not isinstance(raw["labels"], list) or not raw["labels"]:
        raise TaxonomyError("labels must be a non-empty list", where=where)
    labels: list[TaxonomyLabel] = []
    seen: set[str] = set()
    for i, item in enumerate(raw["labels"], 1):
        at = f"{where} label #{i}"
        if not isinstance(item, dict) or not item.get("id"):
            raise TaxonomyError("each label needs an 'id'", where=at)
        lid = str(item["id"])
        if lid in seen:
            raise TaxonomyError(f"duplicate label id {lid!r}", where=at)
        definition = str(item.get("definition") or "").strip()
        if not definition:
            raise TaxonomyError(f"label {lid!r} has no definition", where=at, hint="write one or two sentences")
        parent = item.get("parent")
        if parent is not None and str(parent) not in seen:
            raise TaxonomyError(f"label {lid!r} has parent {parent!r}, which is not defined before it", where=at)
        seen.add(lid)
        labels.append(
            TaxonomyLabel(
                id=lid,
                name=str(item.get("name") or lid),
                definition=definition,
                parent=None if parent is None else str(parent),
                group=None if item.get("group") is None else str(item["group"]),
                examples=tuple(str(x) for x in item.get("examples") or ()),
            )
        )
    return Taxonomy(
        id=str(raw["id"]),
        version=str(raw["version"]),
        kind=str(raw["kind"]),
        description=str(raw.get("description") or ""),
        labels=tuple(labels),
        path=where,
    )

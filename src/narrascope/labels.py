"""Human names and definitions for label ids, read from the taxonomies (never hard-coded).

Every shipped taxonomy (and any extra one passed in) is indexed by label id, so a view can show
"Name calling / labeling" with its definition and keep the id ("Name_Calling-Labeling") for a
tooltip. :func:`suggest` proposes the closest known value for a mistyped one ("did you mean ...?").
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .taxonomies import load_taxonomy, shipped_taxonomies


@dataclass(frozen=True)
class LabelInfo:
    id: str
    name: str
    definition: str | None = None
    kind: str | None = None  # narratives, roles, techniques, frames, genres
    parent: str | None = None
    group: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "definition": self.definition, "kind": self.kind,
                "parent": self.parent, "group": self.group}


class LabelCatalog:
    """Label id -> :class:`LabelInfo` over a set of taxonomies (first taxonomy wins on a clash)."""

    def __init__(self, taxonomies: Iterable = ()):
        self._by_id: dict[str, LabelInfo] = {}
        self._by_kind: dict[str, list[str]] = {}
        for tax in taxonomies:
            for lab in tax.labels:
                if lab.id in self._by_id:
                    continue
                parent_name = None
                name = lab.name or lab.id
                if lab.parent and lab.parent in tax and tax.kind == "narratives":
                    parent_name = tax[lab.parent].name
                    # a sub-narrative's own name ("Other") says little alone: prefix its parent's
                    if parent_name and parent_name != name:
                        name = f"{parent_name}: {name}"
                self._by_id[lab.id] = LabelInfo(lab.id, name, lab.definition or None, tax.kind, lab.parent, lab.group)
                self._by_kind.setdefault(tax.kind, []).append(lab.id)

    def get(self, label_id: str | None) -> LabelInfo:
        """The label's info; an unknown id gets a readable name made from the id itself."""
        lid = "" if label_id is None else str(label_id)
        info = self._by_id.get(lid)
        if info is not None:
            return info
        return LabelInfo(lid, humanise(lid))

    def name(self, label_id: str | None) -> str:
        return self.get(label_id).name

    def definition(self, label_id: str | None) -> str | None:
        return self.get(label_id).definition

    def ids(self, kind: str | None = None) -> list[str]:
        return list(self._by_kind.get(kind, [])) if kind else list(self._by_id)

    def __contains__(self, label_id: str) -> bool:
        return label_id in self._by_id


def humanise(label_id: str) -> str:
    """``Name_Calling-Labeling`` -> ``Name Calling-Labeling``, ``quote-content`` -> ``Quote content``;
    other strings unchanged."""
    if "_" in label_id and " " not in label_id:
        return label_id.replace("_", " ").strip()
    if "-" in label_id and " " not in label_id and label_id.islower():
        return label_id.replace("-", " ").capitalize()
    return label_id


@lru_cache(maxsize=1)
def default_catalog() -> LabelCatalog:
    """Every shipped taxonomy, loaded once."""
    return LabelCatalog(load_taxonomy(t) for t in shipped_taxonomies())


def suggest(value: str, choices: Iterable[str], n: int = 1) -> list[str]:
    """The closest ``choices`` to ``value``: an exact case-insensitive match first, then fuzzy ones."""
    choices = [str(c) for c in choices]
    low = value.casefold()
    exact = [c for c in choices if c.casefold() == low]
    if exact:
        return exact[:n]
    norm = {c.casefold().replace("_", " ").replace("-", " "): c for c in choices}
    key = low.replace("_", " ").replace("-", " ")
    if key in norm:
        return [norm[key]]
    contains = [c for k, c in norm.items() if key and key in k]
    if len(contains) == 1:
        return contains
    close = difflib.get_close_matches(key, list(norm), n=n, cutoff=0.6)
    return [norm[c] for c in close] or contains[:n]


__all__ = ["LabelCatalog", "LabelInfo", "default_catalog", "humanise", "suggest"]

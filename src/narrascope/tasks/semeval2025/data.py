"""Loader for the SemEval-2025 Task 10 narrative data (subtasks 2 and 3) and near-duplicate groups.

Layout (``../shared/data/semeval2025-t10``)::

    labels/narratives.txt, labels/subnarratives.txt        official label lists
    train/<LANG>/raw-documents/<id>.txt                     articles (title line, blank line, body)
    train/<LANG>/subtask-2-annotations.txt                  id  narratives(;)  subnarratives(;)
    train/<LANG>/subtask-3-annotations.txt                  id  dominant  dominant_sub  explanation
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...document import Document
from ...errors import DataError
from .narratives_metric import normalise_id, read_label_list, read_subtask2_file

LANGUAGES = ("EN", "BG", "HI", "PT", "RU")


@dataclass
class Example:
    id: str
    lang: str
    doc: Document
    narratives: list[str]
    subnarratives: list[str]
    dominant: tuple[str, str, str] | None = None  # (narrative, subnarrative, explanation)
    group: int = -1
    meta: dict = field(default_factory=dict)


def find_task_dir(data: str | Path) -> Path:
    """Accept ``../shared/data`` or ``../shared/data/semeval2025-t10`` (or a copy with that layout)."""
    p = Path(data)
    for cand in (p, p / "semeval2025-t10"):
        if (cand / "train").is_dir() and (cand / "labels").is_dir():
            return cand
    raise DataError(
        "not a SemEval-2025 Task 10 data folder (expected train/ and labels/ inside)",
        where=str(p),
        hint="pass --data ../shared/data/semeval2025-t10",
    )


def official_labels(task_dir: str | Path) -> tuple[list[str], list[str]]:
    d = find_task_dir(task_dir)
    return read_label_list(d / "labels" / "narratives.txt"), read_label_list(d / "labels" / "subnarratives.txt")


def read_article(path: Path, lang: str | None = None) -> Document:
    from ...readers import ReadOptions
    from ...readers.txt import read

    doc = next(iter(read(path, ReadOptions())))
    return doc


def load_examples(data: str | Path, languages: tuple[str, ...] | list[str] = LANGUAGES) -> list[Example]:
    d = find_task_dir(data)
    out: list[Example] = []
    for lang in languages:
        base = d / "train" / lang
        ann = base / "subtask-2-annotations.txt"
        if not ann.exists():
            raise DataError("missing subtask-2 annotations", where=str(ann))
        labels = read_subtask2_file(ann, kind="gold")
        dominant: dict[str, tuple[str, str, str]] = {}
        st3 = base / "subtask-3-annotations.txt"
        if st3.exists():
            for line in st3.read_text(encoding="utf-8").splitlines():
                cols = line.split("\t")
                if len(cols) >= 4:
                    dominant[normalise_id(cols[0])] = (cols[1].strip(), cols[2].strip(), cols[3].strip())
        for doc_id in sorted(labels):
            path = base / "raw-documents" / f"{doc_id}.txt"
            if not path.exists():
                raise DataError(f"article for annotated id {doc_id!r} not found", where=str(path))
            narr, sub = labels[doc_id]
            out.append(
                Example(
                    id=doc_id,
                    lang=lang,
                    doc=read_article(path),
                    narratives=sorted(set(narr)),
                    subnarratives=sorted(set(sub)),
                    dominant=dominant.get(doc_id),
                )
            )
    return out


_TOKEN = re.compile(r"\w+", re.UNICODE)


def near_duplicate_groups(texts: list[str], threshold: float = 0.6, shingle: int = 5) -> list[int]:
    """Group ids so that documents sharing most of their word 5-shingles land in one group.

    Jaccard similarity of shingle sets >= ``threshold`` links two documents; groups are the
    connected components. Exact and lightly edited copies (re-posts) end up together.
    """
    sets: list[set[int]] = []
    for t in texts:
        toks = _TOKEN.findall(t.lower())
        sets.append({hash(tuple(toks[i : i + shingle])) for i in range(max(1, len(toks) - shingle + 1))})
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # inverted index over shingles keeps this near-linear
    index: dict[int, list[int]] = {}
    for i, s in enumerate(sets):
        for h in s:
            index.setdefault(h, []).append(i)
    for i, s in enumerate(sets):
        counts: dict[int, int] = {}
        for h in s:
            for j in index[h]:
                if j > i:
                    counts[j] = counts.get(j, 0) + 1
        for j, inter in counts.items():
            union = len(s) + len(sets[j]) - inter
            if union and inter / union >= threshold:
                parent[find(i)] = find(j)
    roots: dict[int, int] = {}
    return [roots.setdefault(find(i), len(roots)) for i in range(len(texts))]


def group_folds(groups: list[int], n_splits: int = 5, seed: int = 0, strata: list[str] | None = None) -> list[int]:
    """Fold index per example; a group never spans two folds; balanced per stratum (e.g. language)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    strata = strata or ["all"] * len(groups)
    # a group's stratum is the stratum of its first member
    group_stratum: dict[int, str] = {}
    group_size: dict[int, int] = {}
    for g, s in zip(groups, strata):
        group_stratum.setdefault(g, s)
        group_size[g] = group_size.get(g, 0) + 1
    fold_of_group: dict[int, int] = {}
    for s in sorted(set(group_stratum.values())):
        gs = [g for g in group_size if group_stratum[g] == s]
        gs = [gs[i] for i in rng.permutation(len(gs))]
        gs.sort(key=lambda g: -group_size[g])  # stable: big groups first, random within a size
        load = [0] * n_splits
        for g in gs:
            f = int(np.argmin(load))
            fold_of_group[g] = f
            load[f] += group_size[g]
    return [fold_of_group[g] for g in groups]

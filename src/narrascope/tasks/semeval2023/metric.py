"""Official metrics of SemEval-2023 Task 3, re-implemented.

- subtask 1 (genre): macro-F1 over the genres that occur in gold or predictions (as the official
  scorer, which calls scikit-learn's macro F1 without a fixed label list); accuracy and per-class
  precision/recall/F1 alongside.
- subtask 2 (frames): micro-F1 over (article, frame) pairs.
- subtask 3 (techniques): micro-F1 over (article, line, technique) pairs, i.e. over paragraphs.

File formats (tab-separated, no header): ``id<TAB>genre``; ``id<TAB>frame1,frame2``;
``id<TAB>line<TAB>tech1,tech2``. Gold rows decide which items are scored: an item in gold but
missing from the predictions counts as an empty prediction (reported in ``missing``); a predicted
item that gold does not have is an error (usually a line-numbering or id mistake). A label outside
the official list is an error in predictions and is dropped (and counted) in gold -- the English
gold has one misspelt technique.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import DataError
from ..tsv import tsv_rows as _rows

TASKS = ("semeval2023-techniques", "semeval2023-frames", "semeval2023-genre")


def _labels(taxonomy: str) -> list[str]:
    from ...taxonomies import load_taxonomy

    return load_taxonomy(taxonomy).ids


def technique_labels() -> list[str]:
    return _labels("semeval2023-techniques")


def frame_labels() -> list[str]:
    return _labels("semeval2023-frames")


def genre_labels() -> list[str]:
    return _labels("semeval2023-genres")


def _split_labels(field: str, allowed: set[str], where: str, strict: bool, dropped: list) -> set[str]:
    out = set()
    for lab in (x.strip() for x in field.split(",")):
        if not lab:
            continue
        if lab not in allowed:
            if strict:
                raise DataError(f"unknown label {lab!r}", where=where,
                                hint="use the official label strings (see `narrascope taxonomy show`)")
            dropped.append((where, lab))
            continue
        out.add(lab)
    return out


def read_techniques(path: Path, *, strict: bool = True, dropped: list | None = None) -> dict[tuple[str, int], set[str]]:
    allowed = set(technique_labels())
    dropped = [] if dropped is None else dropped
    out: dict[tuple[str, int], set[str]] = {}
    for n, parts in _rows(path):
        where = f"{path}:{n}"
        if len(parts) < 2:
            raise DataError(f"expected 'id<TAB>line<TAB>techniques', got {len(parts)} field(s)", where=where)
        try:
            line = int(parts[1])
        except ValueError:
            raise DataError(f"line number must be an integer, got {parts[1]!r}", where=where) from None
        key = (parts[0].strip(), line)
        if key in out:
            raise DataError(f"article {key[0]} line {line} appears twice", where=where)
        out[key] = _split_labels(parts[2] if len(parts) > 2 else "", allowed, where, strict, dropped)
    return out


def read_frames(path: Path, *, strict: bool = True, dropped: list | None = None) -> dict[str, set[str]]:
    allowed = set(frame_labels())
    dropped = [] if dropped is None else dropped
    out: dict[str, set[str]] = {}
    for n, parts in _rows(path):
        where = f"{path}:{n}"
        aid = parts[0].strip()
        if aid in out:
            raise DataError(f"article {aid} appears twice", where=where)
        out[aid] = _split_labels(parts[1] if len(parts) > 1 else "", allowed, where, strict, dropped)
    return out


def read_genres(path: Path, *, strict: bool = True, dropped: list | None = None) -> dict[str, str]:
    allowed = set(genre_labels())
    out: dict[str, str] = {}
    for n, parts in _rows(path):
        where = f"{path}:{n}"
        if len(parts) < 2 or not parts[1].strip():
            raise DataError("expected 'id<TAB>genre'", where=where)
        g = parts[1].strip()
        if g not in allowed:
            if strict:
                raise DataError(f"unknown genre {g!r}", where=where, hint=f"use one of {sorted(allowed)}")
            if dropped is not None:
                dropped.append((where, g))
            continue
        aid = parts[0].strip()
        if aid in out:
            raise DataError(f"article {aid} appears twice", where=where)
        out[aid] = g
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def multilabel_micro(gold: dict, pred: dict, labels: list[str], what: str) -> dict:
    """Micro-F1 over (item, label) pairs; items are gold's keys."""
    unknown = [k for k in pred if k not in gold]
    if unknown:
        k = unknown[0]
        raise DataError(
            f"{len(unknown)} predicted {what}(s) are not in the gold file, e.g. {k!r}",
            hint="check the article ids and that line numbers count from 1 over all lines of the article",
        )
    missing = [k for k in gold if k not in pred]
    per = {lab: [0, 0, 0] for lab in labels}
    for k, g in gold.items():
        p = pred.get(k, set())
        for lab in g & p:
            per[lab][0] += 1
        for lab in p - g:
            per[lab][1] += 1
        for lab in g - p:
            per[lab][2] += 1
    tp = sum(v[0] for v in per.values())
    fp = sum(v[1] for v in per.values())
    fn = sum(v[2] for v in per.values())
    micro = _prf(tp, fp, fn)
    per_label = {lab: _prf(*v) for lab, v in per.items()}
    with_support = [v["f1"] for lab, v in per_label.items() if per[lab][0] + per[lab][2] > 0]
    return {
        "micro_f1": micro["f1"],
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "macro_f1": sum(with_support) / len(with_support) if with_support else 0.0,
        "items": len(gold),
        "missing": len(missing),
        "per_label": per_label,
    }


def score_techniques(gold: dict, pred: dict) -> dict:
    return multilabel_micro(gold, pred, technique_labels(), "paragraph")


def score_frames(gold: dict, pred: dict) -> dict:
    return multilabel_micro(gold, pred, frame_labels(), "article")


def score_genre(gold: dict[str, str], pred: dict[str, str]) -> dict:
    unknown = [k for k in pred if k not in gold]
    if unknown:
        raise DataError(f"{len(unknown)} predicted article(s) are not in the gold file, e.g. {unknown[0]!r}")
    labels = genre_labels()
    per = {}
    for c in labels:
        tp = sum(1 for k, g in gold.items() if g == c and pred.get(k) == c)
        fp = sum(1 for k, g in gold.items() if g != c and pred.get(k) == c)
        fn = sum(1 for k, g in gold.items() if g == c and pred.get(k) != c)
        per[c] = _prf(tp, fp, fn)
    present = [c for c in labels if per[c]["tp"] + per[c]["fn"] + per[c]["fp"] > 0]
    macro = sum(per[c]["f1"] for c in present) / len(present) if present else 0.0
    correct = sum(1 for k, g in gold.items() if pred.get(k) == g)
    return {
        "macro_f1": macro,
        "accuracy": correct / len(gold) if gold else 0.0,
        "items": len(gold),
        "missing": sum(1 for k in gold if k not in pred),
        "per_label": per,
    }


def evaluate_files(task: str, gold_path: Path, pred_path: Path) -> dict:
    """Score a prediction file against gold; returns the metric dict (with ``dropped_gold_labels``)."""
    dropped: list = []
    if task == "semeval2023-techniques":
        res = score_techniques(read_techniques(gold_path, strict=False, dropped=dropped), read_techniques(pred_path))
    elif task == "semeval2023-frames":
        res = score_frames(read_frames(gold_path, strict=False, dropped=dropped), read_frames(pred_path))
    elif task == "semeval2023-genre":
        res = score_genre(read_genres(gold_path, strict=False, dropped=dropped), read_genres(pred_path))
    else:
        raise DataError(f"unknown task {task!r}", hint=f"choose from {', '.join(TASKS)}")
    res["task"] = task
    res["dropped_gold_labels"] = len(dropped)
    return res

"""CheckThat! 2025 Task 1 (subjectivity): the official TSV format and metric.

Files are tab-separated with a header row, quoting disabled:

- input / gold: ``sentence_id<TAB>sentence[<TAB>label]`` (gold has the label column);
- prediction: ``sentence_id<TAB>label``, label ``SUBJ`` or ``OBJ``.

Metric (as the organisers' scorer): macro-averaged F1 over the two classes OBJ and SUBJ (a class
with no true and no predicted item scores 0), plus the F1 of SUBJ and accuracy. A gold sentence
without a prediction counts as a miss for its class; a predicted id that is not in gold is an error.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...errors import DataError

LABELS = ("OBJ", "SUBJ")


def read_tsv(path: str | Path, *, need_label: bool) -> tuple[dict[str, str], dict[str, str]]:
    """``(texts by id, labels by id)`` of a CheckThat! subjectivity TSV (header required)."""
    p = Path(path)
    if not p.is_file():
        raise DataError("file not found", where=str(p), hint="give a CheckThat! 2025 subjectivity TSV")
    texts: dict[str, str] = {}
    labels: dict[str, str] = {}
    with p.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = [h.strip().lower() for h in next(rows, [])]
        if "sentence_id" not in header:
            raise DataError("the first line must be a header with a sentence_id column", where=f"{p}:1",
                            hint="expected sentence_id<TAB>sentence[<TAB>label] or sentence_id<TAB>label")
        i_id = header.index("sentence_id")
        i_text = header.index("sentence") if "sentence" in header else None
        i_lab = header.index("label") if "label" in header else None
        if need_label and i_lab is None:
            raise DataError("no label column", where=f"{p}:1", hint="gold and prediction files need a label column")
        if not need_label and i_text is None:
            raise DataError("no sentence column", where=f"{p}:1", hint="the input file needs sentence_id<TAB>sentence")
        for n, row in enumerate(rows, 2):
            if not row or not any(c.strip() for c in row):
                continue
            need = max(i for i in (i_id, i_text if not need_label else None, i_lab if need_label else None) if i is not None)
            if len(row) <= need:
                raise DataError(f"expected at least {need + 1} tab-separated columns, got {len(row)}", where=f"{p}:{n}")
            sid = row[i_id].strip()
            if sid in texts or sid in labels:
                raise DataError(f"duplicate sentence_id {sid!r}", where=f"{p}:{n}")
            if i_text is not None and len(row) > i_text:
                texts[sid] = row[i_text]
            if i_lab is not None and len(row) > i_lab:
                lab = row[i_lab].strip()
                if lab not in LABELS:
                    raise DataError(f"label must be SUBJ or OBJ, got {lab!r}", where=f"{p}:{n}")
                labels[sid] = lab
            elif need_label:
                raise DataError("missing label", where=f"{p}:{n}")
    return texts, labels


def score(gold: dict[str, str], pred: dict[str, str]) -> dict:
    unknown = [k for k in pred if k not in gold]
    if unknown:
        raise DataError(f"{len(unknown)} predicted sentence(s) are not in the gold file, e.g. {unknown[0]!r}",
                        hint="predict on the same input file the gold file labels")
    per = {}
    for c in LABELS:
        tp = sum(1 for k, g in gold.items() if g == c and pred.get(k) == c)
        fp = sum(1 for k, g in gold.items() if g != c and pred.get(k) == c)
        fn = sum(1 for k, g in gold.items() if g == c and pred.get(k) != c)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per[c] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}
    return {
        "task": "checkthat2025-subjectivity",
        "macro_f1": sum(per[c]["f1"] for c in LABELS) / len(LABELS),
        "subj_f1": per["SUBJ"]["f1"],
        "accuracy": sum(1 for k, g in gold.items() if pred.get(k) == g) / len(gold) if gold else 0.0,
        "items": len(gold),
        "missing": sum(1 for k in gold if k not in pred),
        "per_label": per,
    }


def evaluate_files(gold_path: str | Path, pred_path: str | Path) -> dict:
    _, gold = read_tsv(gold_path, need_label=True)
    _, pred = read_tsv(pred_path, need_label=True)
    return score(gold, pred)

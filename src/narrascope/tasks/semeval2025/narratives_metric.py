"""SemEval-2025 Task 10, subtask 2 (narratives): the official per-document F1, re-implemented.

The task README defines it as follows; this module follows it literally:

- for each document, take the one-hot vector of its gold labels and of its predicted labels over
  the OFFICIAL label list (``labels/narratives.txt`` for "coarse", ``labels/subnarratives.txt`` for
  "fine"); a label that is not in the list is ignored (it sets no bit);
- compute binary F1 between the two vectors: ``2 |G & P| / (|G| + |P|)``;
- F1 is 0 when both vectors are empty (no gold and no predicted label from the list): the
  convention of a "samples"-averaged F1 with zero-division set to 0. Note that ``Other`` is in both
  official lists, so a document whose gold is ``Other`` and whose prediction is ``Other`` scores 1;
  the both-empty case only arises when every label on both sides is outside the list;
- report the mean over the GOLD documents, with the (population, ddof=0) standard deviation of the
  per-document scores. A gold document missing from the predictions counts as an empty prediction
  (score 0); predictions for documents not in the gold file are ignored.

Headline: ``f1_fine`` (sub-narratives); ``f1_coarse`` (narratives) beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ...errors import DataError


def document_f1(gold: Iterable[str], pred: Iterable[str], label_list: Iterable[str]) -> float:
    """Binary F1 between one-hot vectors of ``gold`` and ``pred`` over ``label_list``."""
    allowed = set(label_list)
    g = {x for x in gold if x in allowed}
    p = {x for x in pred if x in allowed}
    if not g and not p:
        return 0.0
    return 2.0 * len(g & p) / (len(g) + len(p))


@dataclass(frozen=True)
class F1Summary:
    mean: float
    std: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        return {"mean": round(self.mean, 6), "std": round(self.std, 6), "n": self.n}


def summarise(scores: Sequence[float]) -> F1Summary:
    n = len(scores)
    if n == 0:
        return F1Summary(0.0, 0.0, 0)
    mean = sum(scores) / n
    var = sum((s - mean) ** 2 for s in scores) / n
    return F1Summary(mean, math.sqrt(var), n)


def corpus_f1(
    gold: Mapping[str, Iterable[str]], pred: Mapping[str, Iterable[str]], label_list: Iterable[str]
) -> F1Summary:
    """Mean/std of :func:`document_f1` over the gold documents (missing prediction = empty)."""
    labels = set(label_list)
    return summarise([document_f1(gold[i], pred.get(i, ()), labels) for i in gold])


@dataclass(frozen=True)
class Subtask2Result:
    coarse: F1Summary
    fine: F1Summary

    def to_dict(self) -> dict:
        return {
            "f1_coarse": self.coarse.mean,
            "f1_coarse_std": self.coarse.std,
            "f1_fine": self.fine.mean,
            "f1_fine_std": self.fine.std,
            "documents": self.fine.n,
        }

    def format(self) -> str:
        return (
            f"F1 fine   {self.fine.mean:.4f} (std {self.fine.std:.4f})\n"
            f"F1 coarse {self.coarse.mean:.4f} (std {self.coarse.std:.4f})\n"
            f"documents {self.fine.n}"
        )


def score_subtask2(
    gold: Mapping[str, tuple[Iterable[str], Iterable[str]]],
    pred: Mapping[str, tuple[Iterable[str], Iterable[str]]],
    coarse_labels: Iterable[str],
    fine_labels: Iterable[str],
) -> Subtask2Result:
    """``gold``/``pred``: id -> (narratives, subnarratives)."""
    coarse_labels, fine_labels = set(coarse_labels), set(fine_labels)
    return Subtask2Result(
        coarse=corpus_f1({k: v[0] for k, v in gold.items()}, {k: v[0] for k, v in pred.items()}, coarse_labels),
        fine=corpus_f1({k: v[1] for k, v in gold.items()}, {k: v[1] for k, v in pred.items()}, fine_labels),
    )


# -- files ------------------------------------------------------------------------------------


def normalise_id(doc_id: str) -> str:
    """File names and ids are interchangeable: ``EN_UA_1.txt`` and ``EN_UA_1`` are one document."""
    doc_id = doc_id.strip()
    return doc_id[:-4] if doc_id.endswith(".txt") else doc_id


def read_label_list(path: str | Path) -> list[str]:
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError("label list not found", where=str(p), hint="pass the official labels/*.txt file") from None
    return [x.strip() for x in lines if x.strip()]


def _split_labels(field: str) -> list[str]:
    return [x.strip() for x in field.split(";") if x.strip()]


def read_subtask2_file(path: str | Path, *, kind: str = "prediction") -> dict[str, tuple[list[str], list[str]]]:
    """Read ``id<TAB>narratives(;)<TAB>subnarratives(;)``; a bad line raises with its line number."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{kind} file not found", where=str(p)) from None
    except UnicodeDecodeError:
        raise DataError(f"{kind} file is not UTF-8", where=str(p)) from None
    out: dict[str, tuple[list[str], list[str]]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cols = line.rstrip("\r").split("\t")
        if len(cols) < 3:
            raise DataError(
                f"expected 3 tab-separated columns (id, narratives, subnarratives), got {len(cols)}",
                where=f"{p}:{n}",
                hint="separate the columns with TABs and the labels with ';'",
            )
        doc_id = normalise_id(cols[0])
        if doc_id in out:
            raise DataError(f"document {doc_id!r} appears twice", where=f"{p}:{n}")
        out[doc_id] = (_split_labels(cols[1]), _split_labels(cols[2]))
    return out


def evaluate_files(
    gold_path: str | Path,
    pred_path: str | Path,
    narratives_list: str | Path | Sequence[str],
    subnarratives_list: str | Path | Sequence[str],
) -> Subtask2Result:
    gold = read_subtask2_file(gold_path, kind="gold")
    pred = read_subtask2_file(pred_path, kind="prediction")
    if not gold:
        raise DataError("gold file has no documents", where=str(gold_path))
    coarse = narratives_list if isinstance(narratives_list, (list, tuple)) else read_label_list(narratives_list)
    fine = subnarratives_list if isinstance(subnarratives_list, (list, tuple)) else read_label_list(subnarratives_list)
    return score_subtask2(gold, pred, coarse, fine)

"""Official SemEval-2025 Task 10 subtask 1 metrics (entity framing), re-implemented.

For every GOLD mention (matched to a prediction by ``(id, start, end)``):

- exact match (the headline): the SET of predicted fine roles equals the set of gold fine roles;
- main-role accuracy: the predicted main role equals the gold main role.

Both are ratios over gold mentions; a gold mention with no prediction counts as wrong.
Predictions for mentions not in the gold are ignored (and counted in ``extra``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ...errors import DataError
from .roles_files import MentionRow


def score_roles(gold: Iterable[MentionRow], pred: Iterable[MentionRow], *, by_language: bool = False) -> dict:
    gold = list(gold)
    pred_by_key: dict[tuple[str, int, int], MentionRow] = {}
    for p in pred:
        if p.key in pred_by_key:
            raise DataError(
                f"two predictions for mention {p.doc_id} [{p.start}, {p.end}]", where=f"line {p.line}",
                hint="write one line per given mention",
            )
        pred_by_key[p.key] = p
    gold_keys = set()
    n = exact = main = missing = 0
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g in gold:
        gold_keys.add(g.key)
        p = pred_by_key.get(g.key)
        n += 1
        if p is None:
            missing += 1
            em = mr = False
        else:
            em = set(p.fine_roles) == set(g.fine_roles)
            mr = p.main_role == g.main_role
        exact += em
        main += mr
        if by_language:
            lang = g.doc_id.split("_", 1)[0] if "_" in g.doc_id else "?"
            c = groups[lang]
            c[0] += 1
            c[1] += em
            c[2] += mr
    extra = sum(1 for k in pred_by_key if k not in gold_keys)
    out = {
        "n": n,
        "exact_match": exact / n if n else 0.0,
        "main_role_accuracy": main / n if n else 0.0,
        "missing": missing,
        "extra": extra,
    }
    if by_language:
        out["by_language"] = {
            k: {"n": c[0], "exact_match": c[1] / c[0], "main_role_accuracy": c[2] / c[0]} for k, c in sorted(groups.items())
        }
    return out


def exact_match_and_accuracy(gold_sets, pred_sets, gold_main, pred_main) -> tuple[float, float]:
    """The two metrics over aligned lists (used by cross-validation)."""
    n = len(gold_sets)
    if not n:
        return 0.0, 0.0
    em = sum(set(g) == set(p) for g, p in zip(gold_sets, pred_sets)) / n
    acc = sum(g == p for g, p in zip(gold_main, pred_main)) / n
    return em, acc

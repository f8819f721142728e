"""Span metrics for persuasion techniques, re-implemented.

- **Fractional (partial-overlap) F1** of SemEval-2020 Task 11 / the PTC scorer, with the technique
  required to match: a predicted span ``s`` earns ``|s ∩ g| / |s|`` precision credit and a gold span
  ``g`` earns ``|s ∩ g| / |g|`` recall credit for every same-technique span it overlaps (character
  overlap)::

      P = sum_{s in S} sum_{g in G, tech(g) = tech(s)} |s ∩ g| / |s|  /  |S|
      R = sum_{g in G} sum_{s in S, tech(s) = tech(g)} |s ∩ g| / |g|  /  |G|

  Before scoring, overlapping (or touching) spans of the same technique in the same article are
  merged -- on both sides -- as the SemEval-2020 scorer does for span identification, so no span
  earns more than full credit.
- **Any-overlap P/R/F1**: a predicted span is correct when it overlaps any gold span of the same
  technique; a gold span is found when any predicted span of its technique overlaps it.

Spans are ``(technique, start, end)`` with ``end`` exclusive, grouped by article id.
"""

from __future__ import annotations

from typing import Iterable, Mapping

SpanList = Iterable[tuple[str, int, int]]


def merge_spans(spans: SpanList) -> dict[str, list[tuple[int, int]]]:
    """Per technique, the sorted spans with overlapping or touching ones merged; empty spans dropped."""
    by: dict[str, list[tuple[int, int]]] = {}
    for t, s, e in spans:
        if e > s:
            by.setdefault(t, []).append((int(s), int(e)))
    out = {}
    for t, xs in by.items():
        xs.sort()
        merged = [list(xs[0])]
        for s, e in xs[1:]:
            if s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out[t] = [(a, b) for a, b in merged]
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


class _Acc:
    __slots__ = ("n_pred", "n_gold", "p_credit", "r_credit", "p_hit", "r_hit")

    def __init__(self):
        self.n_pred = self.n_gold = 0
        self.p_credit = self.r_credit = 0.0
        self.p_hit = self.r_hit = 0

    def add(self, other: "_Acc") -> None:
        for k in self.__slots__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def result(self) -> dict:
        p = self.p_credit / self.n_pred if self.n_pred else 0.0
        r = self.r_credit / self.n_gold if self.n_gold else 0.0
        pa = self.p_hit / self.n_pred if self.n_pred else 0.0
        ra = self.r_hit / self.n_gold if self.n_gold else 0.0
        return {"precision": p, "recall": r, "f1": _f1(p, r),
                "any_precision": pa, "any_recall": ra, "any_f1": _f1(pa, ra),
                "pred_spans": self.n_pred, "gold_spans": self.n_gold}


def score_article(gold: SpanList, pred: SpanList) -> dict[str, _Acc]:
    g, p = merge_spans(gold), merge_spans(pred)
    out: dict[str, _Acc] = {}
    for t in set(g) | set(p):
        acc = _Acc()
        gs, ps = g.get(t, []), p.get(t, [])
        acc.n_gold, acc.n_pred = len(gs), len(ps)
        for s in ps:
            ov = [_overlap(s, x) for x in gs]
            acc.p_credit += sum(ov) / (s[1] - s[0])
            acc.p_hit += any(ov)
        for x in gs:
            ov = [_overlap(s, x) for s in ps]
            acc.r_credit += sum(ov) / (x[1] - x[0])
            acc.r_hit += any(ov)
        out[t] = acc
    return out


def score_spans(gold: Mapping[str, SpanList], pred: Mapping[str, SpanList], *, strict_ids: bool = True) -> dict:
    """Fractional-overlap and any-overlap P/R/F1 (micro over all spans) plus per technique.

    ``gold`` decides which articles are scored; an article in ``pred`` but not in ``gold`` is an
    error when ``strict_ids`` (usually an id mistake), else ignored.
    """
    from ...errors import DataError

    unknown = [k for k in pred if k not in gold]
    if unknown and strict_ids:
        raise DataError(f"{len(unknown)} predicted article(s) are not in the gold file, e.g. {unknown[0]!r}",
                        hint="check the article ids")
    total, per = _Acc(), {}
    for aid, gs in gold.items():
        for t, acc in score_article(gs, pred.get(aid, [])).items():
            per.setdefault(t, _Acc()).add(acc)
            total.add(acc)
    res = total.result()
    res["articles"] = len(gold)
    res["missing"] = sum(1 for k in gold if k not in pred)
    res["per_label"] = {t: a.result() for t, a in sorted(per.items())}
    return res

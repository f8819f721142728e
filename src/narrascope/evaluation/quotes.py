"""Quote extraction metrics against a hand-annotated gold set (JSONL).

Gold format, one article per line::

    {"id": "dev-01", "split": "dev", "published": "2025-03-07" | null, "title": "...", "text": "...",
     "quotes": [{"kind": "direct" | "indirect",
                 "speaker": {"text", "start", "end"} | null,
                 "cue": {"text", "start", "end"} | null,
                 "content": {"text", "start", "end"},
                 "speaker_entity": "Dmitry Peskov" | null}]}

``text`` is the full document text (title line, blank line, body) and offsets are half-open into it.

Matching (documented, used in the report):

- **exact**: predicted and gold content spans are equal after trimming spaces, punctuation
  ``.,;:!?`` and quote marks from both ends (so ``"We want peace,"`` equals ``We want peace``);
- **overlap**: the spans share at least one character; pairs are matched one-to-one, largest
  overlap first. Precision = matched predictions / predictions, recall = matched gold / gold.
- **speaker accuracy**: over gold quotes matched by overlap, the share whose predicted
  ``speaker_entity`` equals the gold one (case- and space-insensitive; both ``None`` counts as
  correct, i.e. "correctly left unresolved"). ``speaker_end_to_end`` divides the correct ones by
  all gold quotes instead. ``named_speaker_accuracy`` is the same over gold quotes whose gold
  entity is not ``None``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..document import Document
from ..errors import DataError

_TRIM = " \t\n.,;:!?\"'“”‘’«»„‹›"


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a gold file: every span's text must equal what its offsets cover."""
    p = Path(path)
    if not p.is_file():
        raise DataError("gold quotes file not found", where=str(p), hint="give a JSONL file as documented in docs/quotes.md")
    out = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{p}:{i}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"not valid JSON ({e.msg})", where=where) from None
        if not isinstance(rec, dict) or "text" not in rec or not isinstance(rec.get("quotes"), list):
            raise DataError("expected an object with 'text' and a 'quotes' list", where=where)
        text = rec["text"]
        for j, q in enumerate(rec["quotes"]):
            if not isinstance(q.get("content"), dict):
                raise DataError(f"quote {j} has no 'content' span", where=where, hint="every gold quote needs content")
            for key in ("speaker", "cue", "content"):
                sp = q.get(key)
                if sp is None:
                    continue
                try:
                    s, e, t = int(sp["start"]), int(sp["end"]), sp["text"]
                except (KeyError, TypeError, ValueError):
                    raise DataError(f"quote {j} field '{key}' needs start, end and text", where=where) from None
                if text[s:e] != t:
                    raise DataError(
                        f"quote {j} field '{key}': text[{s}:{e}] is {text[s:e]!r}, not {t!r}",
                        where=where,
                        hint="fix the offsets (half-open, into the full text)",
                    )
        out.append(rec)
    return out


def _trimmed(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _TRIM:
        s += 1
    while e > s and text[e - 1] in _TRIM:
        e -= 1
    return s, e


def _norm_entity(x: str | None) -> str | None:
    return " ".join(x.lower().split()) if x else None


def _prf(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> dict[str, float]:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_g / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def match_quotes(text: str, gold: list[dict], pred: list[dict]) -> dict[str, Any]:
    """Compare one document's gold and predicted quotes; returns counts and the matched pairs."""
    g_spans = [(q["content"]["start"], q["content"]["end"]) for q in gold]
    p_spans = [(q["content"]["start"], q["content"]["end"]) for q in pred]
    # exact (after trimming)
    g_exact = {_trimmed(text, *s) for s in g_spans}
    p_exact = [_trimmed(text, *s) for s in p_spans]
    exact_tp = len({s for s in p_exact if s in g_exact})
    # overlap, one-to-one, largest overlap first
    pairs = []
    for gi, (gs, ge) in enumerate(g_spans):
        for pi, (ps, pe) in enumerate(p_spans):
            ov = min(ge, pe) - max(gs, ps)
            if ov > 0:
                pairs.append((ov, gi, pi))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    matched = []
    for ov, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        matched.append((gi, pi))
    spk_ok = [
        (gi, pi)
        for gi, pi in matched
        if _norm_entity(gold[gi].get("speaker_entity")) == _norm_entity(pred[pi].get("speaker_entity"))
    ]
    return {
        "n_gold": len(gold),
        "n_pred": len(pred),
        "exact_tp": exact_tp,
        "overlap_tp": len(matched),
        "speaker_ok": len(spk_ok),
        "named_gold": sum(1 for q in gold if q.get("speaker_entity")),
        "named_ok": sum(1 for gi, _ in spk_ok if gold[gi].get("speaker_entity")),
        "matched": matched,
        "unmatched_gold": [gi for gi in range(len(gold)) if gi not in used_g],
        "unmatched_pred": [pi for pi in range(len(pred)) if pi not in used_p],
        "speaker_wrong": [(gi, pi) for gi, pi in matched if (gi, pi) not in spk_ok],
    }


def evaluate_quotes(records: Iterable[dict[str, Any]], analyzer=None, *, split: str | None = None) -> dict[str, Any]:
    """Run the quotes analyzer over gold records and compute the metrics (see module docstring)."""
    from ..document import Analysis
    from ..analyzers.quotes import QuotesAnalyzer

    analyzer = analyzer or QuotesAnalyzer().load()
    tot = {"n_gold": 0, "n_pred": 0, "exact_tp": 0, "overlap_tp": 0, "speaker_ok": 0, "named_gold": 0, "named_ok": 0}
    errors: list[dict[str, Any]] = []
    n_docs = 0
    for rec in records:
        if split and rec.get("split") != split:
            continue
        n_docs += 1
        doc = Document.create(rec["text"], title_in_text=True, published=rec.get("published"), id=rec.get("id"))
        analysis = Analysis(document=doc)
        analyzer.analyze(doc, analysis)
        pred = analysis.data.get("quotes", [])
        m = match_quotes(doc.text, rec["quotes"], pred)
        for k in tot:
            tot[k] += m[k]
        for gi in m["unmatched_gold"]:
            errors.append({"doc": rec.get("id"), "type": "missed", "content": rec["quotes"][gi]["content"]["text"]})
        for pi in m["unmatched_pred"]:
            errors.append({"doc": rec.get("id"), "type": "spurious", "content": pred[pi]["content"]["text"]})
        for gi, pi in m["speaker_wrong"]:
            errors.append(
                {
                    "doc": rec.get("id"),
                    "type": "speaker",
                    "content": rec["quotes"][gi]["content"]["text"],
                    "gold": rec["quotes"][gi].get("speaker_entity"),
                    "pred": pred[pi].get("speaker_entity"),
                }
            )
    return {
        "documents": n_docs,
        "gold_quotes": tot["n_gold"],
        "predicted_quotes": tot["n_pred"],
        "exact": _prf(tot["exact_tp"], tot["n_pred"], tot["exact_tp"], tot["n_gold"]),
        "overlap": _prf(tot["overlap_tp"], tot["n_pred"], tot["overlap_tp"], tot["n_gold"]),
        "speaker_accuracy": round(tot["speaker_ok"] / tot["overlap_tp"], 4) if tot["overlap_tp"] else 0.0,
        "speaker_end_to_end": round(tot["speaker_ok"] / tot["n_gold"], 4) if tot["n_gold"] else 0.0,
        "named_speaker_accuracy": round(tot["named_ok"] / tot["named_gold"], 4) if tot["named_gold"] else 0.0,
        "errors": errors,
    }

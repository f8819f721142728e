"""Benchmark the quotes and claims analyzers: cold start, throughput, peak RSS and metrics.

    python bench/quotes.py [--docs N] [--data ../shared/data]

Articles: the English SemEval-2025 training articles when ../shared/data is present (read in
place, never copied), else the bundled example repeated. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_texts(data: Path, n: int) -> tuple[list[str], str]:
    folder = data / "semeval2025-t10" / "train" / "EN" / "raw-documents"
    if folder.is_dir():
        paths = sorted(folder.glob("*.txt"))[:n]
        return [p.read_text(encoding="utf-8") for p in paths], f"{len(paths)} SemEval-2025 EN train articles"
    ex = (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8")
    return [ex] * n, f"the example article x{n}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()

    t0 = time.perf_counter()
    from narrascope.analyzers.claims import ClaimsAnalyzer
    from narrascope.analyzers.quotes import QuotesAnalyzer
    from narrascope.document import Analysis, Document

    quotes = QuotesAnalyzer().load()
    claims = ClaimsAnalyzer().load()
    claims.pipe([Analysis(document=Document.create("Warm up. The army lost 300 tanks in 2023."))])
    cold = time.perf_counter() - t0

    texts, what = load_texts(Path(args.data), args.docs)
    docs = [Document.create(t, title_in_text=True) for t in texts]
    words = sum(len(d.text.split()) for d in docs)
    print(f"articles: {what}, {words / len(docs):.0f} words on average")
    print(f"cold start (import + load + first call): {cold:.2f} s")

    analyses = [Analysis(document=d) for d in docs]
    t = time.perf_counter()
    for a in analyses:
        quotes.analyze(a.document, a)
    tq = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(0, len(analyses), 16):
        claims.pipe(analyses[i : i + 16])
    tc = time.perf_counter() - t
    n = len(analyses)
    print(f"quotes: {n / tq:.1f} articles/s ({tq / n * 1000:.1f} ms/article)")
    print(f"claims: {n / tc:.1f} articles/s ({tc / n * 1000:.1f} ms/article, batches of 16)")
    nq = sum(len(a.data["quotes"]) for a in analyses)
    named = sum(1 for a in analyses for q in a.data["quotes"] if q["speaker_entity"])
    by = {}
    for a in analyses:
        for q in a.data["quotes"]:
            by[q["resolved_by"]] = by.get(q["resolved_by"], 0) + 1
    ncl = sum(len(a.data["claims"]) for a in analyses)
    nsent = sum(len(a.document.sentences) for a in analyses)
    print(f"quotes found: {nq / n:.1f} per article; speaker resolved for {named / max(1, nq):.0%}; by rule: {by}")
    print(f"claims: {ncl / n:.1f} per article ({ncl / max(1, nsent):.0%} of sentences)")
    print(f"peak RSS: {rss_mb():.0f} MB")

    from narrascope.evaluation.quotes import evaluate_quotes, load_gold

    gold = load_gold(ROOT / "tests" / "fixtures" / "quotes" / "gold.jsonl")
    for split in ("dev", "test", "blind", "blind2", None):
        r = evaluate_quotes(gold, quotes, split=split)
        print(
            f"gold quotes [{split or 'all'}] n={r['gold_quotes']}: content exact P/R/F1 "
            f"{r['exact']['precision']:.3f}/{r['exact']['recall']:.3f}/{r['exact']['f1']:.3f}, overlap "
            f"{r['overlap']['precision']:.3f}/{r['overlap']['recall']:.3f}/{r['overlap']['f1']:.3f}, speaker acc "
            f"{r['speaker_accuracy']:.3f} (end-to-end {r['speaker_end_to_end']:.3f})"
        )
    meta = claims.model_.meta
    print(f"claims model: ClaimBuster CV F1 {meta['cv']['f1_mean']:.4f} +- {meta['cv']['f1_std']:.4f} "
          f"(threshold {meta['threshold']})")
    rows = [json.loads(x) for x in (ROOT / "tests" / "fixtures" / "claims" / "news_sentences.jsonl").read_text().splitlines() if x.strip()]
    p = claims.model_.predict_proba([r["text"] for r in rows])
    tp = sum(1 for r, s in zip(rows, p) if r["label"] == 1 and s >= claims.model_.threshold)
    npred = sum(1 for s in p if s >= claims.model_.threshold)
    npos = sum(r["label"] for r in rows)
    print(f"claims on our news sentences (n={len(rows)}): P {tp / max(1, npred):.3f} R {tp / npos:.3f} "
          f"F1 {2 * tp / (npred + npos):.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

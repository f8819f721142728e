"""Whole default pipeline: cold start, articles/s, time per analyzer, peak RSS.

Articles are variations of examples/peace-talks.txt (paragraphs shuffled and repeated to ~600
words), so no data is needed. Run: python bench/pipeline.py [--n 200] [--analyzers a,b]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synthetic_articles(n: int, seed: int = 0) -> list[str]:
    title, _, body = (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8").partition("\n\n")
    paras = [p for p in body.splitlines() if p.strip()]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ps = paras * 2
        rng.shuffle(ps)
        out.append(f"{title} ({i})\n\n" + "\n".join(ps[: 10]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--analyzers", default=None)
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args()

    t0 = time.perf_counter()
    from narrascope import Document, Pipeline

    pipe = Pipeline.from_config({"analyzers": args.analyzers} if args.analyzers else None)
    texts = synthetic_articles(args.n)
    first = pipe.analyze(Document.create(texts[0], title_in_text=True))
    cold = time.perf_counter() - t0
    words = sum(len(t.split()) for t in texts) / len(texts)

    per = {a.name: 0.0 for a in pipe.analyzers}
    for a in pipe.analyzers:  # wrap each analyzer's pipe to time it
        orig = a.pipe

        def timed(batch, _orig=orig, _name=a.name):
            t = time.perf_counter()
            _orig(batch)
            per[_name] += time.perf_counter() - t

        a.pipe = timed  # type: ignore[method-assign]

    docs = [Document.create(t, title_in_text=True) for t in texts]
    t = time.perf_counter()
    c0 = time.process_time()
    n = sum(1 for _ in pipe.pipe(docs, batch_size=args.batch_size))
    wall = time.perf_counter() - t
    cpu = time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pipeline: {', '.join(pipe.names)}")
    print(f"articles: {n} (~{words:.0f} words each); first article spans: {len(first.spans)}")
    print(f"cold start (imports, model load, first article): {cold:.2f} s")
    print(f"throughput: {n / wall:.1f} articles/s wall, {n / cpu:.1f} articles per CPU-second")
    print(f"peak RSS: {rss:.0f} MB")
    for name, secs in sorted(per.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<14} {1000 * secs / n:7.1f} ms/article")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

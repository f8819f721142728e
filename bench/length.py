"""Analysis time against text length: does cost grow linearly (10 KB ... 2 MB)?

Texts are synthetic articles (bench/articles.py) joined until the size is reached, in two kinds:
``news`` (normal punctuation) and ``nopunct`` (the same words without any punctuation or line
breaks: one endless sentence). Times the ``entities`` analyzer (spaCy + role features) by default,
or any analyzers with ``--analyzers`` (``all`` = the default pipeline), each size in the same
process after a warm-up. Prints seconds and microseconds per character; a linear analyzer keeps
the last column roughly flat.

Run: python bench/length.py [--sizes 10000,100000,500000,1000000,2000000] [--analyzers entities]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def long_text(size: int, kind: str, seed: int = 0) -> str:
    from articles import synthetic_article

    rng = random.Random(seed)
    parts, n = [], 0
    while n < size:
        parts.append(synthetic_article(rng))
        n += len(parts[-1]) + 2
    text = "\n\n".join(parts)[:size]
    if kind == "nopunct":
        text = re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text))[:size]
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,500000,1000000,2000000")
    ap.add_argument("--kinds", default="news,nopunct")
    ap.add_argument("--analyzers", default="entities", help="comma-separated, or 'all' for the default pipeline")
    args = ap.parse_args()
    from narrascope import Document, Pipeline

    pipe = Pipeline.from_config(None if args.analyzers == "all" else {"analyzers": args.analyzers})
    pipe.analyze(Document.create(long_text(5000, "news"), title_in_text=True))  # warm-up
    print(f"analyzers: {', '.join(pipe.names)}")
    print(f"{'kind':<8} {'chars':>10} {'seconds':>9} {'us/char':>8}")
    for kind in args.kinds.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            doc = Document.create(long_text(size, kind), title_in_text=True)
            t = time.perf_counter()
            pipe.analyze(doc)
            secs = time.perf_counter() - t
            print(f"{kind:<8} {len(doc.text):>10} {secs:9.2f} {1e6 * secs / len(doc.text):8.2f}", flush=True)


if __name__ == "__main__":
    main()

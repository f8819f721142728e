"""Time saved by the shared per-document features (narrascope.features).

Runs the analyzers that read hashed n-grams (subjectivity, genre, frames, techniques, plus the
language analyzer they need) over synthetic articles twice: as the pipeline does (features computed
once per document) and with the feature cache dropped after every analyzer (each analyzer hashes
the texts again and genre runs its own subjectivity model: the behaviour before shared features).
Prints CPU seconds per article for both and checks that the outputs are identical.

Run: python bench/shared_features.py [--n 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import synthetic_articles  # noqa: E402

ANALYZERS = ["language", "subjectivity", "genre", "frames", "techniques"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    from narrascope import Document, Pipeline

    class Unshared(Pipeline):
        @staticmethod
        def _run(a, analyses):
            Pipeline._run(a, analyses)
            for analysis in analyses:
                analysis.features = None  # the next analyzer starts from scratch

    shared = Pipeline.from_config({"analyzers": ANALYZERS})
    unshared = Unshared(shared.analyzers)
    docs = [Document.create(t, title_in_text=True) for t in synthetic_articles(args.n)]
    shared.analyze(docs[0]), unshared.analyze(docs[0])  # load every model (genre's own subjectivity too)
    cpu = {"shared": [], "unshared": []}
    out = {}
    for _ in range(args.rounds):
        for name, pipe in (("unshared", unshared), ("shared", shared)):
            c0 = time.process_time()
            out[name] = [json.dumps(a.to_dict(), sort_keys=True) for a in pipe.pipe(docs, batch_size=16)]
            cpu[name].append((time.process_time() - c0) / len(docs))
    same = out["shared"] == out["unshared"]
    best = {k: min(v) for k, v in cpu.items()}
    print(f"analyzers: {', '.join(shared.names)}; articles: {len(docs)}; rounds: {args.rounds}")
    for k in ("unshared", "shared"):
        print(f"  {k:<9} {1000 * best[k]:7.1f} ms CPU/article (best of {args.rounds})")
    saved = best["unshared"] - best["shared"]
    print(f"  saved     {1000 * saved:7.1f} ms CPU/article ({100 * saved / best['unshared']:.0f}%); outputs identical: {same}")


if __name__ == "__main__":
    main()

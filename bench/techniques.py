"""Benchmark: techniques, frames, genre and subjectivity analyzers.

Prints cold start (model load), throughput (articles/s) on a folder of article<ID>.txt files (or on
synthetic articles built from examples/peace-talks.txt when no folder is given), peak RSS, and the
cross-validated metrics recorded in each shipped model's cv.json.

    python bench/techniques.py [--input ../shared/data/semeval2023-t3/en/train-articles-subtask-3] [--limit 100]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from narrascope import Document
from narrascope.analyzers import create_analyzer
from narrascope.document import Analysis
from narrascope.models.hashed_linear import artifact_dir

NAMES = ("subjectivity", "frames", "genre", "techniques")


def load_docs(folder: str | None, limit: int) -> list[Document]:
    if folder:
        paths = sorted(Path(folder).glob("article*.txt"))[:limit]
        return [Document.create(p.read_text(encoding="utf-8"), title_in_text=True) for p in paths]
    base = (Path(__file__).resolve().parent.parent / "examples" / "peace-talks.txt").read_text(encoding="utf-8")
    return [Document.create(base + f"\n\nUpdate {i}: talks resume next week.", title_in_text=True) for i in range(limit)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=None)
    ap.add_argument("--limit", type=int, default=60)
    args = ap.parse_args()
    docs = load_docs(args.input, args.limit)
    words = sum(len(d.text.split()) for d in docs)
    print(f"{len(docs)} articles, {words / max(len(docs), 1):.0f} words on average")
    for name in NAMES:
        t0 = time.perf_counter()
        a = create_analyzer(name).load()
        cold = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        n_spans = 0
        for i in range(0, len(docs), 16):
            batch = [Analysis(document=d) for d in docs[i : i + 16]]
            a.pipe(batch)
            n_spans += sum(len(x.spans_by(name)) for x in batch)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        extra = f"   {n_spans / dt:7.1f} spans/s wall ({n_spans / max(len(docs), 1):.1f} per article)" if name == "techniques" else ""
        print(f"{name:<13} cold start {cold:5.2f} s   {len(docs) / dt:7.1f} articles/s wall   "
              f"{len(docs) / cpu:7.1f} articles per CPU-second{extra}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    print("\ncross-validated metrics (from the shipped cv.json files):")
    for name in NAMES:
        p = artifact_dir(name) / "cv.json"
        if p.exists():
            cv = json.loads(p.read_text(encoding="utf-8"))
            s = cv["cv_english"]
            print(f"  {name:<13} {cv['metric']}: {s['mean']:.3f} ± {s['std']:.3f}")
    p = artifact_dir("technique-spans") / "cv.json"
    if p.exists():
        cv = json.loads(p.read_text(encoding="utf-8"))["cv"]
        for lang, d in cv.items():
            print(f"  technique-spans {lang}: span F1 (fractional) {d['f1']['mean']:.3f}, any-overlap F1 "
                  f"{d['any_f1']['mean']:.3f}, paragraph micro-F1 {d['paragraph_micro_f1']['mean']:.3f}")


if __name__ == "__main__":
    main()

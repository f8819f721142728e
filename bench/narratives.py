"""Narratives benchmark: cross-validated official F1 per language, then speed and memory.

    .venv/bin/python bench/narratives.py [--data ../shared/data/semeval2025-t10] [--no-cv] [--docs N]

Prints numbers; asserts nothing. Cross-validation retrains the model 5 times (a few minutes on
2 cores). Throughput: the `narratives` analyzer through ``Pipeline.pipe`` on the official English
test documents (unlabelled; falls back to the training articles), cold start = import + model load
+ first article, peak RSS from ``resource.getrusage``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "semeval2025-t10"


def rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--docs", type=int, default=200)
    args = ap.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        print(f"no data at {data}; nothing to measure")
        return

    src = data / "test-unlabeled" / "EN" / "subtask-2-documents"
    if not src.is_dir():
        src = data / "train" / "EN" / "raw-documents"
    files = sorted(src.glob("*.txt"))[: args.docs]
    first_text = files[0].read_text(encoding="utf-8")

    t0 = time.perf_counter()
    from narrascope import Document, Pipeline

    pipe = Pipeline.from_config({"analyzers": ["narratives"]})
    pipe.analyze(Document.create(first_text, title_in_text=True))
    print(f"cold start (import + model load + first article): {time.perf_counter() - t0:.2f} s")

    from narrascope.readers import ReadOptions
    from narrascope.readers.txt import read

    docs = [next(iter(read(p, ReadOptions()))) for p in files]
    words = sum(len(d.text.split()) for d in docs)
    t1 = time.perf_counter()
    n = sum(1 for _ in pipe.pipe(docs, batch_size=32))
    dt = time.perf_counter() - t1
    print(f"throughput: {n / dt:.1f} articles/s ({n} English articles, {words / max(n, 1):.0f} words on average, "
          f"threads={os.environ.get('OMP_NUM_THREADS', 'default')})")
    print(f"peak RSS: {rss_mb():.0f} MB")

    if args.no_cv:
        return
    from narrascope.training.narratives import LabelSpace, cross_validate
    from narrascope.training.semeval2025_data import load_examples, official_labels

    t2 = time.perf_counter()
    coarse, fine = official_labels(data)
    space = LabelSpace.from_official(coarse, fine)
    examples = load_examples(data)
    cv = cross_validate(examples, space)
    print(f"\ncross-validated official F1 (5 folds, near-duplicates grouped, trained on all languages; "
          f"{time.perf_counter() - t2:.0f} s):")
    print(cv.table())
    cv_en = cross_validate(examples, space, train_languages=["EN"])
    r = cv_en.per_language["EN"]
    print(f"English-only training, English rows: F1 fine {r['f1_fine']:.3f} ± {r['f1_fine_std']:.3f}, "
          f"coarse {r['f1_coarse']:.3f} ± {r['f1_coarse_std']:.3f}")
    print(f"peak RSS after cross-validation: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

"""Speed of the shared static encoder (narrascope.models.static_encoder).

Prints cold start (load + first article), tokens/s, articles/s of the full per-document pass
(``encode_document``: tokens with offsets, token vectors, sentence vectors, document vector, as the
``features.encoder`` feature computes it), the same for ``embed`` of whole texts, and peak RSS.
Articles: SemEval-2025 T10 training documents of the five languages when ../shared/data is
present, else synthetic variations of examples/peace-talks.txt.

Run: python bench/encoder.py [--n 200] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def articles(data: Path, n: int) -> tuple[list[str], str]:
    docs = []
    for lang in ("EN", "BG", "HI", "PT", "RU"):
        d = data / "semeval2025-t10" / "train" / lang / "raw-documents"
        docs += [p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))[: max(1, n // 5)]]
    if docs:
        return docs[:n], "SemEval-2025 T10 train articles (EN, BG, HI, PT, RU)"
    from pipeline import synthetic_articles

    return synthetic_articles(n), "synthetic peace-talks variations"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    texts, what = articles(args.data, args.n)

    from narrascope import Document
    from narrascope.models.static_encoder import StaticEncoder

    docs = [Document.create(t, title_in_text=True) for t in texts]
    enc = StaticEncoder()
    t0 = time.perf_counter()
    enc.encode_document(docs[0].text, docs[0].sentences)
    cold = time.perf_counter() - t0

    n_tok = sum(len(enc.tokenize(d.text)[0]) for d in docs)
    words = sum(len(d.text.split()) for d in docs)
    c0, w0 = time.process_time(), time.perf_counter()
    for d in docs:
        enc.encode_document(d.text, d.sentences)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    c1 = time.process_time()
    enc.embed([d.text for d in docs])
    cpu_embed = time.process_time() - c1
    c2 = time.process_time()
    for d in docs:
        enc.tokenize(d.text)
    cpu_tok = time.process_time() - c2
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info = enc.info()
    print(f"encoder {info['id']}: {info['n_pieces']} pieces x {info['dim']} dims")
    print(f"articles: {len(docs)} {what}; {words / len(docs):.0f} words, {n_tok / len(docs):.0f} tokens per article")
    print(f"cold start (load + first article): {cold:.2f} s")
    print(f"encode_document: {len(docs) / cpu:.0f} articles/s CPU ({1000 * cpu / len(docs):.1f} ms CPU per article, "
          f"{len(docs) / wall:.0f} articles/s wall), {n_tok / cpu:,.0f} tokens/s")
    print(f"tokenize only: {1000 * cpu_tok / len(docs):.1f} ms CPU per article; embed(texts): {len(docs) / cpu_embed:.0f} articles/s")
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()

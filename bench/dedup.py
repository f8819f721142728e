"""Republishing detection: precision/recall of MinHash-LSH clusters on synthetic rewritten copies.

We generate our own corpus (no shared data): base articles from a Zipf-distributed pseudo-word
vocabulary, each republished 0-4 times by other outlets with one of four rewrite strengths, plus
hard negatives: different articles on the same topic that share an outlet's boilerplate lines and
a quoted sentence with a base article. Pairwise precision/recall of the predicted clusters against
the true families are printed for several thresholds, recall per rewrite strength, and timings.

    .venv/bin/python bench/dedup.py [--bases 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from narrascope.store import dedup  # noqa: E402

SYL = "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo".split()


def vocabulary(rng: random.Random, n: int = 6000) -> tuple[list[str], list[float]]:
    words = sorted({"".join(rng.choice(SYL) for _ in range(rng.randint(1, 4))) for _ in range(n * 2)})[:n]
    rng.shuffle(words)
    weights = [1.0 / (r + 1) ** 1.05 for r in range(len(words))]
    return words, weights


def make_article(rng: random.Random, vocab, topic: list[str], n_sent: int) -> list[str]:
    words, weights = vocab
    sents = []
    for _ in range(n_sent):
        k = rng.randint(10, 24)
        ws = rng.choices(words, weights, k=k)
        for _ in range(rng.randint(1, 3)):  # topic words make same-topic articles overlap
            ws[rng.randrange(k)] = rng.choice(topic)
        sents.append(" ".join(ws).capitalize() + ".")
    return sents


STRENGTHS = {
    # name: (share of sentences dropped, share of words replaced, shuffle, extra sentences)
    "verbatim+frame": (0.0, 0.0, False, 1),
    "light": (0.1, 0.03, False, 1),
    "medium": (0.2, 0.08, True, 2),
    "heavy": (0.35, 0.15, True, 3),
}


def rewrite(rng: random.Random, sents: list[str], vocab, strength: str) -> list[str]:
    drop, repl, shuffle, extra = STRENGTHS[strength]
    words, weights = vocab
    keep = [s for s in sents if rng.random() >= drop] or sents[:1]
    out = []
    for s in keep:
        ws = s.rstrip(".").split()
        for i in range(len(ws)):
            if rng.random() < repl:
                ws[i] = rng.choice(words[:2000])
        out.append(" ".join(ws) + ".")
    if shuffle and len(out) > 3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    intro = make_article(rng, vocab, ["reportedly"], extra)
    return intro[:1] + out + intro[1:]


def build(n_bases: int, seed: int):
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    topics = [rng.sample(vocab[0][2000:], 12) for _ in range(40)]
    boiler = {o: make_article(rng, vocab, ["subscribe"], 2) for o in range(30)}
    texts, family, strength = [], [], []
    for b in range(n_bases):
        topic = topics[b % len(topics)]
        base = make_article(rng, vocab, topic, rng.randint(8, 25))
        outlet = rng.randrange(30)
        texts.append(" ".join(base + boiler[outlet]))
        family.append(b)
        strength.append("original")
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
            st = rng.choice(list(STRENGTHS))
            texts.append(" ".join(rewrite(rng, base, vocab, st) + boiler[rng.randrange(30)]))
            family.append(b)
            strength.append(st)
        if rng.random() < 0.3:  # hard negative: same topic + same outlet boilerplate + one shared quote
            other = make_article(rng, vocab, topic, rng.randint(8, 25))
            other[rng.randrange(len(other))] = rng.choice(base)
            texts.append(" ".join(other + boiler[outlet]))
            family.append(n_bases + b)
            strength.append("negative")
    return texts, family, strength


def pairs_of(groups) -> set[tuple[int, int]]:
    out = set()
    for g in groups:
        out.update(combinations(sorted(g), 2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    texts, family, strength = build(args.bases, args.seed)
    fam: dict[int, list[int]] = {}
    for i, f in enumerate(family):
        fam.setdefault(f, []).append(i)
    truth = pairs_of(g for g in fam.values() if len(g) > 1)
    print(f"synthetic corpus: {len(texts)} documents, {args.bases} families, {len(truth)} true duplicate pairs, "
          f"{strength.count('negative')} hard negatives")
    t0 = time.perf_counter()
    sigs = np.stack([dedup.minhash(t) for t in texts])
    t_sig = time.perf_counter() - t0
    n_words = sum(len(t.split()) for t in texts)
    print(f"signatures: {len(texts) / t_sig:,.0f} docs/s ({n_words / len(texts):.0f} words/doc)")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6} {'clusters':>8} {'time_s':>7}")
    best = None
    for th in (0.2, 0.25, 0.3, 0.4, 0.5):
        t0 = time.perf_counter()
        clusters = dedup.cluster(sigs, th)
        dt = time.perf_counter() - t0
        pred = pairs_of(clusters)
        tp = len(pred & truth)
        p = tp / len(pred) if pred else 1.0
        r = tp / len(truth) if truth else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{th:>9.2f} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {len(clusters):>8} {dt:>7.2f}")
        if th == dedup.DEFAULT_THRESHOLD:
            best = pred
    print("recall at the default threshold 0.3, by rewrite strength (pairs original <-> copy):")
    for st in STRENGTHS:
        want = {(min(i, j), max(i, j)) for f, g in fam.items() for i in g for j in g
                if strength[i] == "original" and strength[j] == st}
        got = len(want & best)
        print(f"  {st:<15} {got / len(want) if want else float('nan'):.3f} of {len(want)}")
    neg = {(min(i, j), max(i, j)) for i, s in enumerate(strength) if s == "negative"
           for j in fam[family[i] - args.bases] if strength[j] == "original"}
    print(f"hard negatives wrongly joined to their base at 0.3: {len(neg & best)} of {len(neg)}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

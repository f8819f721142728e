"""Simulated review: how much do N reviewed articles improve the narrative model on held-out ones?

Scenario: a team uses the model on a corpus of *its own* (here: one language of the SemEval-2025
training release, ``target``), while the model was trained on other data (the other languages).
Grouped folds (near-duplicates kept together) split the target articles; for each fold:

1. *base*: the heads are fitted on the other languages only;
2. the base model labels the target articles outside the fold (the "corpus"); a simulated
   reviewer corrects the first N of them, in review-queue order (labels nearest the threshold
   first) or in random order, through the real correction code (:func:`make_correction`,
   :func:`review_state`): ``full`` = reject wrong labels, accept right ones, add missed ones
   (the reviewed labels equal the gold ones); ``reject-only`` = no additions;
3. the heads are refitted on base + the N reviewed articles (weight ``weight``) and the fold is
   scored with the official per-document F1 (coarse and fine; mean over articles).

Decoding uses the shipped model's calibration for every arm (no per-arm calibration fit), and the
TF-IDF weights are fitted once on all the articles' texts (no labels involved) so that one Gram
matrix serves every refit; the numbers compare arms with each other, they are not the model
card's cross-validated scores.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

from . import make_correction
from .training import labels_after_review

OTHER = "Other"


def simulated_corrections(predicted: dict[str, list[tuple[str, float]]], gold: dict[str, list[str]], *, mode: str = "full"):
    """The record a model would have stored and the corrections a reviewer makes to reach ``gold``."""
    record = {"id": "sim", "document": {"text": ""}, "versions": {"narratives": "sim"},
              "labels": {t: [{"label": lab, "score": p, "analyzer": "narratives"} for lab, p in predicted.get(t, [])]
                         for t in ("narratives", "subnarratives")}}
    rows = []
    for task in ("narratives", "subnarratives"):
        pred = [lab for lab, _ in predicted.get(task, [])]
        want = set(gold.get(task, []))
        for lab in pred:
            rows.append(make_correction(record, kind="label", task=task, label=lab, reviewer="sim",
                                        action="accept" if lab in want else "reject").to_dict())
        if mode == "full":
            for lab in sorted(want - set(pred)):
                if lab != OTHER:
                    rows.append(make_correction(record, kind="label", task=task, label=lab, reviewer="sim", action="add").to_dict())
    return record, rows


def simulate(
    data, *, target: str = "EN", ns: Sequence[int] = (0, 25, 50, 100, 200, -1), n_splits: int = 5, seed: int = 0,
    arms: Sequence[tuple[str, str, float]] = (("full", "queue", 2.0), ("full", "random", 2.0), ("full", "random", 1.0),
                                              ("reject-only", "queue", 2.0)),
    progress: Callable[[str], None] | None = None, limit_docs: int | None = None,
) -> dict[str, Any]:
    """Run the simulation (see the module doc); ``ns`` = numbers of reviewed articles (-1 = all of the
    fold's corpus). Returns ``{"rows": [{arm, order, weight, n, f1_coarse, f1_fine, ...}], "protocol": ...}``."""
    from ..evaluation.semeval2025 import document_f1
    from ..models.narratives import Featurizer, NarrativeModel
    from ..training.narratives import DEFAULTS, LabelSpace, fit_heads
    from ..training.semeval2025_data import LANGUAGES, group_folds, load_examples, near_duplicate_groups, official_labels

    t0 = time.time()
    space = LabelSpace.from_official(*official_labels(data))
    examples = load_examples(data, LANGUAGES)
    if limit_docs:
        examples = [e for e in examples if e.lang == target][:limit_docs] + [e for e in examples if e.lang != target][:limit_docs]
    texts = [e.doc.text for e in examples]
    groups = near_duplicate_groups(texts)
    is_t = np.array([e.lang == target for e in examples])
    t_idx = np.where(is_t)[0]
    b_idx = np.where(~is_t)[0]
    folds_t = np.array(group_folds([groups[i] for i in t_idx], n_splits, seed=seed))
    bits, lam = DEFAULTS["bits"], DEFAULTS["lam"]
    cw, cc = Featurizer(bits=bits).counts(texts)
    fz = Featurizer(bits=bits).fit_counts(cw, cc)  # IDF over every text (no labels): one Gram matrix for all refits
    X = fz.transform_counts(cw, cc).tocsr()
    K = (X @ X.T).toarray().astype(np.float64)
    Y = space.targets(examples)
    cal = NarrativeModel.load().calibration

    def fit(idx, Yrows, w):
        W, b = fit_heads(X[idx], Yrows, lam, w, gram=K[np.ix_(idx, idx)])
        return NarrativeModel(fz, space.narratives, space.subnarratives, space.parents, W, b, cal)

    def decode(m, idx):
        return m.decode_scores(m.scores(X[idx]))

    def f1(decs, idx):
        c = [document_f1(examples[i].narratives, [n for n, _ in d.narratives], space.coarse_list) for i, d in zip(idx, decs)]
        f = [document_f1(examples[i].subnarratives, [s for s, _, _ in d.subnarratives] or [OTHER], space.fine_list)
             for i, d in zip(idx, decs)]
        return float(np.mean(c)), float(np.mean(f))

    rng = np.random.default_rng(seed)
    results: dict[tuple, list[tuple[float, float]]] = {}
    for f in range(n_splits):
        test = t_idx[folds_t == f]
        pool = t_idx[folds_t != f]
        base = fit(b_idx, Y[b_idx], None)
        base_scores = f1(decode(base, test), test)
        pool_decs = decode(base, pool)
        margins = []
        for d in pool_decs:
            ps = [p for _, p in d.narratives] + [p for _, _, p in d.subnarratives]
            margins.append(min(abs(p - 0.5) for p in ps) if ps else 0.5)
        order_q = pool[np.argsort(np.array(margins), kind="stable")]
        order_r = pool[rng.permutation(len(pool))]
        decided = {int(i): d for i, d in zip(pool, pool_decs)}
        reviewed_cache: dict[tuple[str, int], np.ndarray] = {}
        for mode, order, weight in arms:
            seq = order_q if order == "queue" else order_r
            for n in ns:
                n_eff = len(seq) if n < 0 else min(n, len(seq))
                key = (mode, order, weight, n)
                if n_eff == 0:
                    results.setdefault(key, []).append(base_scores)
                    continue
                chosen = seq[:n_eff]
                Yr = np.zeros((n_eff, Y.shape[1]), dtype=np.float32)
                for r, i in enumerate(chosen):
                    i = int(i)
                    if (mode, i) not in reviewed_cache:
                        d = decided[i]
                        pred = {"narratives": [(lab, p) for lab, p in d.narratives],
                                "subnarratives": [(s, p) for s, _, p in d.subnarratives]}
                        gold = {"narratives": examples[i].narratives, "subnarratives": examples[i].subnarratives}
                        record, rows = simulated_corrections(pred, gold, mode=mode)
                        narr, subs = labels_after_review(record, rows)
                        ex = type(examples[i])(id=examples[i].id, lang=target, doc=examples[i].doc, narratives=narr, subnarratives=subs)
                        reviewed_cache[(mode, i)] = space.targets([ex])[0]
                    Yr[r] = reviewed_cache[(mode, i)]
                idx = np.concatenate([b_idx, chosen])
                w = np.concatenate([np.ones(len(b_idx)), np.full(n_eff, float(weight))])
                m = fit(idx, np.vstack([Y[b_idx], Yr]), w)
                results.setdefault(key, []).append(f1(decode(m, test), test))
        if progress:
            progress(f"fold {f + 1}/{n_splits} done ({time.time() - t0:.0f} s)")
    rows = []
    for (mode, order, weight, n), vals in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[0][2], kv[0][3] if kv[0][3] >= 0 else 10**9)):
        arr = np.array(vals)
        rows.append({"review": mode, "order": order, "weight": weight, "n": "all" if n < 0 else n,
                     "f1_coarse": round(float(arr[:, 0].mean()), 4), "f1_fine": round(float(arr[:, 1].mean()), 4),
                     "f1_coarse_fold_sd": round(float(arr[:, 0].std()), 4), "f1_fine_fold_sd": round(float(arr[:, 1].std()), 4)})
    return {
        "rows": rows,
        "protocol": {"target": target, "base_languages": sorted({examples[i].lang for i in b_idx}), "target_articles": int(len(t_idx)),
                     "base_articles": int(len(b_idx)), "folds": n_splits, "seed": seed,
                     "fold_corpus_articles": int(np.mean([np.sum(folds_t != f) for f in range(n_splits)]))},
        "seconds": round(time.time() - t0, 1),
    }


def table(result: dict[str, Any]) -> str:
    lines = ["| review | order | weight | N reviewed | F1 coarse | F1 fine |", "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['review']} | {r['order']} | {r['weight']:g} | {r['n']} | {r['f1_coarse']:.3f} ± {r['f1_coarse_fold_sd']:.3f} "
                     f"| {r['f1_fine']:.3f} ± {r['f1_fine_fold_sd']:.3f} |")
    return "\n".join(lines)

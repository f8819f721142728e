"""Shared training helpers: near-duplicate-aware folds, linear heads, threshold tuning.

Every tuned number (C, thresholds) is chosen on out-of-fold predictions of the training part only;
the cross-validated scores the model cards report come from folds that keep near-duplicate
articles (TF-IDF cosine >= 0.6, same story from different outlets) together.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..models.hashed_linear import LinearHead


def near_duplicate_groups(texts: Sequence[str], threshold: float = 0.6) -> np.ndarray:
    """Group index per text; texts whose unigram TF-IDF cosine >= threshold share a group."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        X = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
        S = (X @ X.T).tocoo()
        for i, j, v in zip(S.row, S.col, S.data):
            if i < j and v >= threshold:
                parent[find(i)] = find(j)
    roots = [find(i) for i in range(n)]
    remap = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return np.array([remap[r] for r in roots])


def group_folds(groups: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold index per item; whole groups go to one fold, folds balanced by size (seeded)."""
    rng = np.random.RandomState(seed)
    uniq = np.unique(groups)
    rng.shuffle(uniq)
    sizes = {g: int((groups == g).sum()) for g in uniq}
    order = sorted(uniq, key=lambda g: -sizes[g])  # stable: big groups first, shuffled ties
    load = np.zeros(n_folds)
    assign = {}
    for g in order:
        f = int(np.argmin(load))
        assign[g] = f
        load[f] += sizes[g]
    return np.array([assign[g] for g in groups])


def fit_multilabel(X, Y: np.ndarray, labels: list[str], C: float = 4.0, class_weight=None, sample_weight=None,
                   solver: str = "liblinear", seed: int = 0) -> LinearHead:
    """One logistic regression per label; labels without positives get a -inf-ish bias.

    ``solver="sgd"``: log-loss SGD with L2 penalty ``alpha = 1 / (C * n)`` (the same objective as
    liblinear's up to scaling), 12 epochs -- about ten times cheaper on large sparse data.
    """
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    L = Y.shape[1]
    W = np.zeros((L, X.shape[1]), dtype=np.float32)
    b = np.full(L, -10.0, dtype=np.float32)
    for j in range(L):
        y = Y[:, j]
        if y.min() == y.max():
            b[j] = 10.0 if y.min() == 1 else -10.0
            continue
        if solver == "sgd":
            m = SGDClassifier(loss="log_loss", alpha=1.0 / (C * X.shape[0]), max_iter=12, tol=None,
                              random_state=seed, class_weight=class_weight, average=False)
        else:
            m = LogisticRegression(C=C, solver="liblinear", class_weight=class_weight, max_iter=200)
        m.fit(X, y, sample_weight=sample_weight)
        W[j] = m.coef_[0]
        b[j] = m.intercept_[0]
    return LinearHead(list(labels), W, b, "multilabel")


def fit_multiclass(X, y: np.ndarray, labels: list[str], C: float = 4.0, class_weight=None, sample_weight=None) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=C, solver="lbfgs", class_weight=class_weight, max_iter=1000)
    m.fit(X, y, sample_weight=sample_weight)
    W = np.zeros((len(labels), X.shape[1]), dtype=np.float32)
    b = np.zeros(len(labels), dtype=np.float32)
    for k, cls in enumerate(m.classes_):
        W[int(cls)] = m.coef_[k] if len(m.classes_) > 2 else (m.coef_[0] if k == 1 else -m.coef_[0]) / 2
        b[int(cls)] = m.intercept_[k] if len(m.classes_) > 2 else (m.intercept_[0] if k == 1 else -m.intercept_[0]) / 2
    return LinearHead(list(labels), W, b, "multiclass")


def micro_f1_counts(Y: np.ndarray, P: np.ndarray) -> tuple[int, int, int]:
    tp = int((Y & P).sum())
    return tp, int(P.sum()) - tp, int(Y.sum()) - tp


def f1(tp: int, fp: int, fn: int) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def tune_thresholds(Y: np.ndarray, S: np.ndarray, grid=None, passes: int = 2, shrink: float = 0.5) -> np.ndarray:
    """Per-label thresholds maximising micro-F1 on out-of-fold scores (coordinate ascent).

    Starts from the best single global threshold; each label's own optimum is then pulled halfway
    (``shrink``) back toward the global one, which is steadier on rare labels.
    """
    grid = np.round(np.arange(0.05, 0.9, 0.025), 3) if grid is None else np.asarray(grid)
    Y = Y.astype(bool)
    best_g, best = 0.5, -1.0
    for t in grid:
        v = f1(*micro_f1_counts(Y, S >= t))
        if v > best:
            best, best_g = v, t
    th = np.full(S.shape[1], best_g)
    for _ in range(passes):
        for j in range(S.shape[1]):
            P = S >= th[None, :]
            tp, fp, fn = micro_f1_counts(Y, P)
            pj = P[:, j]
            tpj, fpj, fnj = int((Y[:, j] & pj).sum()), int(pj.sum()) - int((Y[:, j] & pj).sum()), 0
            fnj = int(Y[:, j].sum()) - tpj
            base = (tp - tpj, fp - fpj, fn - fnj)
            bv, bt = -1.0, th[j]
            for t in grid:
                q = S[:, j] >= t
                a = int((Y[:, j] & q).sum())
                v = f1(base[0] + a, base[1] + int(q.sum()) - a, base[2] + int(Y[:, j].sum()) - a)
                if v > bv + 1e-9:
                    bv, bt = v, t
            th[j] = bt
    return (1 - shrink) * th + shrink * best_g


def macro_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence) -> tuple[float, dict]:
    per = {}
    for c in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == c and p == c)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != c and p == c)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == c and p != c)
        per[c] = {"f1": f1(tp, fp, fn), "precision": tp / (tp + fp) if tp + fp else 0.0,
                  "recall": tp / (tp + fn) if tp + fn else 0.0, "support": tp + fn}
    present = [c for c in labels if per[c]["support"] or any(p == c for p in y_pred)]
    return (float(np.mean([per[c]["f1"] for c in present])) if present else 0.0), per

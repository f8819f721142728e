"""Label priors: corpus-level re-estimation (EM, Saerens et al. 2002) and prior-reweighted scores.

A classifier trained where 88% of articles are opinion pieces, or 42% carry no narrative, inherits
those priors. Two tools:

- :func:`em_priors` re-estimates the class priors of a set of documents from the classifier's own
  posteriors (Saerens, Latinne & Decaestecker, "Adjusting the outputs of a classifier to new a
  priori probabilities", Neural Computation 2002) and returns the adjusted posteriors;
  :func:`em_binary` does the same for one yes/no decision (e.g. "carries a narrative at all");
- :func:`adjust` moves posteriors from the training priors to any stated priors (no EM), and
  :func:`prior_weights` gives per-item weights that make a cross-validation set look as if it had
  the stated priors (so a CV score "reweighted to 65% reporting" means what users will see).

Everything is numpy; nothing is learnt at run time except the priors of the documents at hand.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def adjust(P: np.ndarray, train_priors: Sequence[float], new_priors: Sequence[float]) -> np.ndarray:
    """Bayes-rule prior shift: ``p'(c|x) ∝ p(c|x) * new(c) / train(c)`` (rows renormalised)."""
    P = np.asarray(P, dtype=np.float64)
    w = np.asarray(new_priors, dtype=np.float64) / np.maximum(np.asarray(train_priors, dtype=np.float64), 1e-12)
    Q = P * w[None, :]
    return Q / np.maximum(Q.sum(axis=1, keepdims=True), 1e-300)


def em_priors(P: np.ndarray, train_priors: Sequence[float], *, max_iter: int = 200, tol: float = 1e-6,
              min_prior: float = 1e-3) -> tuple[np.ndarray, np.ndarray, int]:
    """EM estimate of the class priors of the documents behind ``P`` (n, k posteriors under
    ``train_priors``). Returns ``(priors, adjusted posteriors, iterations)``."""
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] == 0:
        return np.asarray(train_priors, dtype=np.float64), P, 0
    pt = np.asarray(train_priors, dtype=np.float64)
    pi = pt.copy()
    Q = P
    it = 0
    for it in range(1, max_iter + 1):
        Q = adjust(P, pt, pi)
        new = np.clip(Q.mean(axis=0), min_prior, None)
        new = new / new.sum()
        if np.abs(new - pi).max() < tol:
            pi = new
            break
        pi = new
    return pi, adjust(P, pt, pi), it


def em_binary(p: np.ndarray, train_prior: float, **kw) -> tuple[float, np.ndarray, int]:
    """:func:`em_priors` for one binary decision; ``p`` = P(yes) per document."""
    p = np.asarray(p, dtype=np.float64)
    P = np.stack([1 - p, p], axis=1)
    pi, Q, it = em_priors(P, [1 - train_prior, train_prior], **kw)
    return float(pi[1]), Q[:, 1], it


def prior_weights(y: Sequence[int], n_classes: int, target_priors: Sequence[float]) -> np.ndarray:
    """Per-item weights so that the weighted class shares equal ``target_priors`` (classes absent
    from ``y`` keep weight 0 and their target share is spread over the others)."""
    y = np.asarray(y, dtype=int)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    tgt = np.asarray(target_priors, dtype=np.float64) * (counts > 0)
    tgt = tgt / tgt.sum()
    share = counts / counts.sum()
    w = np.where(counts > 0, tgt / np.maximum(share, 1e-12), 0.0)
    return w[y]


def weighted_macro_f1(y: Sequence[int], pred: Sequence[int], n_classes: int, weights: np.ndarray | None = None,
                      classes: Sequence[int] | None = None) -> tuple[float, list[float]]:
    """Macro-F1 where every item counts with its weight (weights from :func:`prior_weights`)."""
    y = np.asarray(y, dtype=int)
    pred = np.asarray(pred, dtype=int)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    f1s = []
    for c in (classes if classes is not None else range(n_classes)):
        tp = float(w[(y == c) & (pred == c)].sum())
        fp = float(w[(y != c) & (pred == c)].sum())
        fn = float(w[(y == c) & (pred != c)].sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0, f1s

"""Training (with grouped cross-validation) of the techniques, frames, genre and subjectivity models
(frames and genre live in :mod:`.frames` and :mod:`.genre`, re-exported here).

Each ``train_*`` function is seeded and deterministic, measures the official metric by K-fold
cross-validation on English (folds keep near-duplicate articles together; thresholds and biases are
tuned inside each training part only), then fits the final model on all the data and writes it
with ``model.json``, ``weights.npz`` and ``cv.json`` to ``out``. The model card is written by
:mod:`narrascope.training.model_cards` from ``cv.json``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..models.base import write_artifacts
from ..models.hashed_linear import HashedTfidf, save_model, shape_features
from .linear_cv import (
    f1,
    fit_multiclass,
    fit_multilabel,
    group_folds,
    macro_f1,
    micro_f1_counts,
    near_duplicate_groups,
    tune_thresholds,
)
from .semeval2023_data import LANGS, line_paragraphs, load_subjectivity, load_techniques

log = logging.getLogger(__name__)


def _idf(C: sp.csr_matrix, rows, n_features: int) -> np.ndarray:
    df = np.bincount(C[rows].indices, minlength=n_features)
    n = len(rows)
    return (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)


def _summary(values: list[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4),
            "folds": [round(float(v), 4) for v in values]}


def _write_cv(out: Path, report: dict) -> None:
    write_artifacts(out, report, None, meta_name="cv.json")  # the one JSON writer (models/base.py)


# -------------------------------------------------------------------------------------------------
# subjectivity
def train_subjectivity(data: Path, out: Path, *, C: float = 0.5, folds: int = 5, seed: int = 0,
                       say: Callable[[str], None] = print) -> dict:
    """CheckThat! 2025 subjectivity: see :func:`narrascope.training.subjectivity.train_subjectivity`
    (n-gram heads with per-language thresholds, and the harness that measures each feature block)."""
    from .subjectivity import train_subjectivity as train

    return train(data, out, C=C, folds=folds, seed=seed, say=say)


# -------------------------------------------------------------------------------------------------
# frames and genre: pooled six-language training with prior-aware decisions (own modules)
from .frames import train_frames  # noqa: E402,F401
from .genre import train_genre  # noqa: E402,F401


def _en_folds(arts, en, folds: int, seed: int) -> np.ndarray:
    fold_of = np.full(len(arts), -1)
    groups = near_duplicate_groups([arts[i].text for i in en])
    fold_of[en] = group_folds(groups, folds, seed)
    return fold_of


# -------------------------------------------------------------------------------------------------
# techniques
SHORT_SPAN_WORDS = {  # techniques whose English gold spans are short: narrow evidence to a phrase
    "Loaded_Language": 4, "Name_Calling-Labeling": 5, "Repetition": 4, "Slogans": 6,
    "Exaggeration-Minimisation": 8, "Conversation_Killer": 8, "Flag_Waving": 8,
}


def _technique_units(arts, TECH):
    """Paragraph rows and sentence rows (articles with gold spans: all six languages) with their labels."""
    from ..text import sentence_spans

    P_text, P_art, P_y, P_title, P_pos = [], [], [], [], []
    S_text, S_par, S_y = [], [], []
    for ai, a in enumerate(arts):
        lp = line_paragraphs(a.text)
        for k, (ln, s, e) in enumerate(lp):
            pi = len(P_text)
            P_text.append(a.text[s:e])
            P_art.append(ai)
            P_y.append([t in a.line_labels.get(ln, []) for t in TECH])
            P_title.append(ln == 1)
            P_pos.append(k / max(len(lp) - 1, 1))
            if a.spans:
                for ss, se in sentence_spans(a.text, s, e):
                    S_text.append(a.text[ss:se])
                    S_par.append(pi)
                    S_y.append([any(tt == t and ts < se and ss < te for tt, ts, te in a.spans) for t in TECH])
    return (P_text, np.array(P_art), np.array(P_y, dtype=int), P_title, P_pos,
            S_text, np.array(S_par, dtype=int), np.array(S_y, dtype=int).reshape(-1, len(TECH)))


def train_techniques(data: Path, out: Path, *, C: float = 2.0, context_weight: float = 0.0,
                     sentence_weight: float = -1.0, folds: int = 5, seed: int = 0, langs=LANGS, solver: str = "sgd",
                     dump_oof: Path | None = None, say: Callable[[str], None] = print) -> dict:
    from ..evaluation.semeval2023 import technique_labels

    t0 = time.time()
    TECH = technique_labels()
    arts = []
    for lang in langs:
        arts += load_techniques(data, lang)
    en = np.array([i for i, a in enumerate(arts) if a.lang == "en"])
    P_text, P_art, Y, P_title, P_pos, S_text, S_par, SY = _technique_units(arts, TECH)
    fold_art = _en_folds(arts, en, folds, seed)
    pf = fold_art[P_art]
    feats = HashedTfidf()
    Cp = feats.counts(P_text)
    Ca = feats.counts([a.text for a in arts])
    Cs = feats.counts(S_text) if S_text else None
    SH = shape_features(P_text, P_title, P_pos)
    say(f"techniques: {len(P_text)} paragraphs, {len(S_text)} sentences with span labels, features in {time.time() - t0:.0f}s")

    def fit(p_rows, art_rows):
        feats.idf_ = _idf(Cp, p_rows, feats.n_features)
        blocks = [feats.weight(Cp), SH]
        idf_p = feats.idf_
        if context_weight > 0:
            feats.idf_ = _idf(Ca, art_rows, feats.n_features)
            blocks.append(context_weight * feats.weight(Ca)[:, : feats.n_half][P_art])  # word n-grams only
        X = sp.hstack(blocks, format="csr")
        head = fit_multilabel(X[p_rows], Y[p_rows], TECH, C=C, solver=solver, seed=seed)
        s_head, Xs = None, None
        feats.idf_ = idf_p
        if Cs is not None and sentence_weight != 0:
            Xs = feats.weight(Cs)
            s_rows = np.where(np.isin(S_par, p_rows))[0]
            s_head = fit_multilabel(Xs[s_rows], SY[s_rows], TECH, C=C, solver=solver, seed=seed)
        return X, Xs, head, s_head, idf_p

    def combined(Sp, Ss_rows, Ss):
        best = np.zeros_like(Sp)
        for r, si in zip(Ss_rows, range(len(Ss))):
            best[r] = np.maximum(best[r], Ss[si])
        return best

    # out-of-fold English scores (paragraph head, and best sentence per paragraph)
    S_para = np.zeros(Y.shape)
    S_best = np.zeros(Y.shape)
    for k in range(folds):
        tr = np.where(pf != k)[0]
        te = np.where(pf == k)[0]
        X, Xs, head, s_head, _ = fit(tr, np.where(fold_art != k)[0])
        S_para[te] = head.predict_proba(X[te])
        if s_head is not None:
            s_te = np.where(pf[S_par] == k)[0]
            ps = s_head.predict_proba(Xs[s_te])
            for j, si in enumerate(s_te):
                S_best[S_par[si]] = np.maximum(S_best[S_par[si]], ps[j])
        say(f"techniques fold {k} scored ({time.time() - t0:.0f}s)")
    ten = np.where(pf >= 0)[0]
    Yen, fen = Y[ten], pf[ten]
    if dump_oof is not None:  # for offline experiments on the decision rule (not shipped)
        np.savez_compressed(dump_oof, S_para=S_para[ten], S_best=S_best[ten], Y=Yen, fold=fen, art=P_art[ten])

    def cv(Sc):
        res, per = [], {t: [] for t in TECH}
        for k in range(folds):
            o, te = fen != k, fen == k
            th = tune_thresholds(Yen[o], Sc[o])  # tuned on the other folds' out-of-fold scores
            P = Sc[te] >= th
            Yt = Yen[te].astype(bool)
            res.append(f1(*micro_f1_counts(Yt, P)))
            for j, t in enumerate(TECH):
                per[t].append(f1(*micro_f1_counts(Yt[:, j:j + 1], P[:, j:j + 1])))
        return res, per

    para_only, _ = cv(S_para[ten])
    by_w = {0.0: para_only}
    if Cs is not None:
        for w_ in (0.3, 0.5, 0.7, 1.0):
            by_w[w_] = cv((1 - w_) * S_para[ten] + w_ * S_best[ten])[0]
    say("techniques CV micro-F1 by sentence weight: " + ", ".join(f"{k}: {np.mean(v):.3f}" for k, v in by_w.items()))
    w = sentence_weight if sentence_weight >= 0 else max(by_w, key=lambda k: np.mean(by_w[k]))
    Sc = (1 - w) * S_para[ten] + w * S_best[ten]
    scores, per = cv(Sc)
    say(f"techniques CV micro-F1 {np.mean(scores):.3f} ± {np.std(scores):.3f} at sentence weight {w}")
    th = tune_thresholds(Yen, Sc)
    # sentence-level evidence threshold: the best single threshold for sentences on OOF-ish scores
    X, Xs, head, s_head, _ = fit(np.arange(len(P_text)), np.arange(len(arts)))
    head.thresholds = th.astype(np.float32)
    head.meta = {"task": "semeval2023-techniques", "unit": "paragraph"}
    heads = {"para": head}
    if s_head is not None:
        s_head.thresholds = np.maximum(th, 0.5).astype(np.float32)
        s_head.meta = {"unit": "sentence", "trained_on": "gold spans (en, fr, ge, it, po, ru)"}
        heads["sent"] = s_head
    save_model(out, feats, heads, {"name": "techniques", "seed": seed, "C": C, "solver": solver, "context_weight": context_weight,
                                   "sentence_weight": w, "short_span_words": SHORT_SPAN_WORDS,
                                   "train_languages": list(langs)})
    report = {"task": "techniques", "metric": "micro-F1 over (paragraph, technique)",
              "cv_english": _summary(scores), "cv_english_paragraph_only": _summary(para_only),
              "cv_english_by_sentence_weight": {str(k): _summary(v) for k, v in by_w.items()},
              "cv_english_per_label": {t: _summary(v) for t, v in per.items()},
              "threshold_tuning": "for fold k, thresholds tuned on the out-of-fold scores of the other folds",
              "n_paragraphs": len(P_text), "n_english_paragraphs": int(len(ten)), "n_span_sentences": len(S_text),
              "seed": seed, "seconds": round(time.time() - t0, 1)}
    _write_cv(out, report)
    return report

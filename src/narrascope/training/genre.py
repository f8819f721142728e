"""Genre training (SemEval-2023 Task 3 subtask 1): pooled, class-balanced, decided for a stated prior.

Model: hashed word + char n-gram TF-IDF of the article plus 30 style features
(:func:`narrascope.models.style.style_features`, version 2: attribution density, quoted share,
first/second person, questions/exclamations, hedges, wire/dateline cues, sentence length, the
subjectivity model's per-sentence scores, ...), standardised with the training mean/spread;
multinomial logistic regression with balanced class weights on all six languages pooled.

Decision: per-class additive log-probability biases (opinion fixed at 0), tuned on out-of-fold
predictions for macro-F1 *weighted to a stated target prior* (default 65% reporting / 30% opinion /
5% satire: news feeds are mostly reporting, English train is 88% opinion). Biases tuned for the
train prior are stored too (``model.json`` ``biases_train_prior``; the analyzer's ``prior="train"``).

Cross-validation: grouped folds over all languages (near-duplicate articles share a fold); the
biases applied to fold k are tuned on the out-of-fold scores of the other folds (cross-fitting).
Every score is reported per language, at the train prior and reweighted to the target prior
(:func:`narrascope.models.priors.prior_weights`), for three decision rules (argmax, train-prior
biases, target-prior biases).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..models.base import write_artifacts
from ..models.hashed_linear import HashedTfidf, save_model
from ..models.priors import prior_weights, weighted_macro_f1
from ..models.style import standardise
from .linear_cv import fit_multiclass, group_folds, near_duplicate_groups
from .semeval2023_data import LANGS, load_doc_labels

TARGET_PRIOR = {"reporting": 0.65, "opinion": 0.30, "satire": 0.05}
STYLE_VERSION = 2
RULES = ("argmax", "train_prior_biases", "target_prior_biases")


def idf_of(C: sp.csr_matrix, rows: np.ndarray, n_features: int) -> np.ndarray:
    df = np.bincount(C[rows].indices, minlength=n_features)
    n = len(rows)
    return (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)


def style_stats(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return S.mean(axis=0).astype(np.float32), (S.std(axis=0) + 1e-6).astype(np.float32)


def article_features(arts, feats: HashedTfidf, subj_dir: Path | None = None, say=print):
    """Hashed n-gram counts and style rows (version 2) of the training articles."""
    from ..analyzers.subjectivity import SubjectivityAnalyzer
    from ..document import Document
    from ..models.style import style_features

    subj = SubjectivityAnalyzer(str(subj_dir) if subj_dir else None).load()
    docs = [Document.create(a.text, title_in_text=True) for a in arts]
    style = []
    for i, (a, d) in enumerate(zip(arts, docs)):
        p = subj.sentence_scores([d.text[s:e] for s, e in d.sentences], "en" if a.lang == "en" else "xx")
        style.append(style_features(d.text, d.sentences, p, STYLE_VERSION))
        if i and i % 400 == 0:
            say(f"genre: style features {i}/{len(arts)}")
    return feats.counts([d.text for d in docs]), np.vstack(style), [d.text for d in docs]


def tune_biases(y: np.ndarray, logp: np.ndarray, fixed: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Additive per-class biases (class ``fixed`` stays 0) maximising (weighted) macro-F1."""
    k = logp.shape[1]
    grid = np.arange(-4.0, 4.01, 0.25)
    bias = np.zeros(k)
    for _ in range(2):
        for c in [c for c in range(k) if c != fixed]:
            best, bv = -1.0, bias[c]
            for v in grid:
                b = bias.copy()
                b[c] = v
                m = weighted_macro_f1(y, (logp + b).argmax(1), k, weights)[0]
                if m > best + 1e-9:
                    best, bv = m, v
            bias[c] = bv
    return bias


def score_table(y: np.ndarray, pred: np.ndarray, lang: np.ndarray, labels: list[str], target: np.ndarray) -> dict:
    """Per language (and all pooled): macro-F1 and per-class F1, at the train prior and reweighted."""
    out = {}
    for lg in ["all"] + sorted(set(lang), key=lambda x: (x != "en", x)):
        sel = np.ones(len(y), bool) if lg == "all" else lang == lg
        yy, pp = y[sel], pred[sel]
        present = [c for c in range(len(labels)) if (yy == c).any() or (pp == c).any()]
        m, per = weighted_macro_f1(yy, pp, len(labels), None, range(len(labels)))
        w = prior_weights(yy, len(labels), target)
        mw, perw = weighted_macro_f1(yy, pp, len(labels), w, range(len(labels)))
        out[lg] = {
            "n": int(sel.sum()),
            "macro_f1": round(float(np.mean([per[c] for c in present])), 4),
            "per_class": {labels[c]: round(per[c], 4) for c in range(len(labels))},
            "reweighted_macro_f1": round(float(np.mean([perw[c] for c in present])), 4),
            "reweighted_per_class": {labels[c]: round(perw[c], 4) for c in range(len(labels))},
        }
    return out


def train_genre(data: Path, out: Path, *, C: float = 4.0, style_weight: float = 1.0, folds: int = 5, seed: int = 0,
                langs=LANGS, subj_dir: Path | None = None, target_prior: dict | None = None,
                say: Callable[[str], None] = print) -> dict:
    from ..evaluation.semeval2023 import genre_labels

    t0 = time.time()
    GE = genre_labels()
    target = np.array([(target_prior or TARGET_PRIOR)[g] for g in GE], dtype=np.float64)
    target = target / target.sum()
    arts = []
    for lang in langs:
        arts += load_doc_labels(data, lang, 1)
    y = np.array([GE.index(a.genre) for a in arts])
    lang = np.array([a.lang for a in arts])
    feats = HashedTfidf()
    C_all, S, texts = article_features(arts, feats, subj_dir, say)
    fold_of = group_folds(near_duplicate_groups(texts), folds, seed)
    opinion = GE.index("opinion")
    say(f"genre: {len(arts)} articles, features in {time.time() - t0:.0f}s")

    def fit(rows):
        feats.idf_ = idf_of(C_all, rows, feats.n_features)
        mean, std = style_stats(S[rows])
        X = sp.hstack([feats.weight(C_all), sp.csr_matrix(standardise(S, mean, std) * style_weight)], format="csr")
        return X, fit_multiclass(X[rows], y[rows], GE, C=C, class_weight="balanced"), (mean, std)

    logp = np.zeros((len(arts), len(GE)))
    for k in range(folds):
        tr, te = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
        X, head, _ = fit(tr)
        logp[te] = np.log(head.predict_proba(X[te]) + 1e-9)
        say(f"genre fold {k} scored ({time.time() - t0:.0f}s)")

    preds = {"argmax": logp.argmax(1)}
    for rule in RULES[1:]:
        pred = np.zeros(len(arts), dtype=int)
        for k in range(folds):
            o = fold_of != k
            w = prior_weights(y[o], len(GE), target) if rule == "target_prior_biases" else None
            b = tune_biases(y[o], logp[o], opinion, w)
            pred[fold_of == k] = (logp[fold_of == k] + b).argmax(1)
        preds[rule] = pred
    cv = {rule: score_table(y, p, lang, GE, target) for rule, p in preds.items()}
    for rule in RULES:
        a, e = cv[rule]["all"], cv[rule]["en"]
        say(f"genre CV {rule}: all {a['macro_f1']:.3f} (reweighted {a['reweighted_macro_f1']:.3f}), "
            f"en {e['macro_f1']:.3f} (reweighted {e['reweighted_macro_f1']:.3f}, reporting F1 "
            f"{e['reweighted_per_class']['reporting']:.3f})")
    fold_scores = []
    for k in range(folds):
        sel = fold_of == k
        fold_scores.append(score_table(y[sel], preds["target_prior_biases"][sel], lang[sel], GE, target)["all"]["macro_f1"])

    # final model: all articles; biases from the full out-of-fold scores
    bias_target = tune_biases(y, logp, opinion, prior_weights(y, len(GE), target))
    bias_train = tune_biases(y, logp, opinion)
    X, head, (mean, std) = fit(np.arange(len(arts)))
    head.thresholds = bias_target.astype(np.float32)
    head.meta = {"task": "semeval2023-genre", "thresholds_are": "additive log-probability biases (target prior)"}
    save_model(out, feats, {"doc": head}, {
        "name": "genre", "seed": seed, "C": C, "style_weight": style_weight, "style_version": STYLE_VERSION,
        "style_mean": [round(float(v), 6) for v in mean], "style_std": [round(float(v), 6) for v in std],
        "target_prior": {g: round(float(t), 4) for g, t in zip(GE, target)},
        "biases_train_prior": [round(float(b), 3) for b in bias_train], "train_languages": list(langs)})
    report = {
        "task": "genre", "metric": "macro-F1 over genres present",
        "protocol": f"{folds} grouped folds over all six languages pooled (near-duplicates share a fold); biases for "
                    "fold k tuned on the other folds' out-of-fold scores",
        "target_prior": {g: round(float(t), 4) for g, t in zip(GE, target)},
        "cv": cv, "cv_all_folds_target_rule": fold_scores,
        "final_biases": {"target_prior": {g: round(float(b), 3) for g, b in zip(GE, bias_target)},
                         "train_prior": {g: round(float(b), 3) for g, b in zip(GE, bias_train)}},
        "n_articles": len(arts), "n_english": int((lang == "en").sum()), "seed": seed,
        "seconds": round(time.time() - t0, 1),
    }
    write_artifacts(out, report, None, meta_name="cv.json")  # the one JSON writer (models/base.py)
    return report

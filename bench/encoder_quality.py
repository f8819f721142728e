"""A quick quality signal for the shared static encoder: its document vector against the hashed
n-gram TF-IDF features, both under one plain logistic regression (no tuning), grouped 5-fold CV.

Tasks: SemEval-2025 T10 "carries a narrative vs Other" per article (EN, BG, HI, PT, RU pooled;
F1 of the "Other" class and ROC AUC, overall and per language) and SemEval-2023 T3 genre
(six languages pooled, macro-F1). Folds group near-duplicates. Needs ../shared/data.

Run: python bench/encoder_quality.py [--data ../shared/data] [--folds 5] [--tasks other,genre]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def cv_scores(X, y, folds, C, multiclass=False):
    from sklearn.linear_model import LogisticRegression

    P = np.zeros((len(y), len(np.unique(y))) if multiclass else len(y))
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
        clf.fit(X[tr], y[tr])
        P[te] = clf.predict_proba(X[te]) if multiclass else clf.predict_proba(X[te])[:, 1]
    return P


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--tasks", default="other,genre")
    args = ap.parse_args()

    from sklearn.metrics import f1_score, roc_auc_score

    from narrascope.models.hashed_linear import HashedTfidf
    from narrascope.models.static_encoder import default_encoder
    from narrascope.training.linear_cv import group_folds, near_duplicate_groups

    enc = default_encoder()
    print(f"encoder {enc.info()['id']}")

    def features(texts, folds):
        t0 = time.process_time()
        E = enc.embed(texts)
        t_enc = time.process_time() - t0
        return E, t_enc

    if "other" in args.tasks:
        from narrascope.training.semeval2025_data import load_examples

        ex = load_examples(args.data)
        texts = [e.doc.text for e in ex]
        y = np.array([not e.narratives or e.narratives == ["Other"] for e in ex], dtype=int)
        langs = np.array([e.lang for e in ex])
        folds = group_folds(near_duplicate_groups(texts), args.folds, 0)
        E, t_enc = features(texts, folds)
        H = None
        res = {}
        for name in ("encoder", "hashed"):
            if name == "encoder":
                P = cv_scores(E, y, folds, C=4.0)
            else:
                P = np.zeros(len(y))
                for f in np.unique(folds):
                    tr, te = folds != f, folds == f
                    hf = HashedTfidf().fit([texts[i] for i in np.where(tr)[0]])
                    from sklearn.linear_model import LogisticRegression

                    clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
                    clf.fit(hf.transform([texts[i] for i in np.where(tr)[0]]), y[tr])
                    P[te] = clf.predict_proba(hf.transform([texts[i] for i in np.where(te)[0]]))[:, 1]
            res[name] = P
        print(f"\nSemEval-2025 T10 'Other' vs narrative: {len(y)} articles, {y.mean():.2f} Other, "
              f"{args.folds}-fold grouped CV, LR C=4 balanced; encoder {1000 * t_enc / len(y):.1f} ms CPU/article")
        print(f"{'lang':6} {'n':>5} {'Other':>6} | {'AUC enc':>8} {'AUC hash':>8} | {'F1(Other) enc':>13} {'hash':>6}")
        for lang in ["ALL"] + sorted(set(langs)):
            m = np.ones(len(y), bool) if lang == "ALL" else langs == lang
            row = [f"{lang:6} {m.sum():5d} {y[m].mean():6.2f} |"]
            for name in ("encoder", "hashed"):
                auc = roc_auc_score(y[m], res[name][m]) if 0 < y[m].sum() < m.sum() else float("nan")
                row.append(f"{auc:8.3f}")
            row.append("|")
            for name in ("encoder", "hashed"):
                row.append(f"{f1_score(y[m], res[name][m] > 0.5, zero_division=0):13.3f}" if name == "encoder"
                           else f"{f1_score(y[m], res[name][m] > 0.5, zero_division=0):6.3f}")
            print(" ".join(row))

    if "genre" in args.tasks:
        from narrascope.training.semeval2023_data import load_doc_labels

        root = args.data / "semeval2023-t3"
        arts = [a for lang in ("en", "fr", "ge", "it", "po", "ru") for a in load_doc_labels(root, lang, 1)]
        texts = [a.text for a in arts]
        classes = sorted({a.genre for a in arts})
        y = np.array([classes.index(a.genre) for a in arts])
        langs = np.array([a.lang for a in arts])
        folds = group_folds(near_duplicate_groups(texts), args.folds, 0)
        E, _ = features(texts, folds)
        Pe = cv_scores(E, y, folds, C=4.0, multiclass=True)
        from sklearn.linear_model import LogisticRegression

        Ph = np.zeros_like(Pe)
        for f in np.unique(folds):
            tr, te = np.where(folds != f)[0], np.where(folds == f)[0]
            hf = HashedTfidf().fit([texts[i] for i in tr])
            clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced").fit(hf.transform([texts[i] for i in tr]), y[tr])
            Ph[te] = clf.predict_proba(hf.transform([texts[i] for i in te]))
        print(f"\nSemEval-2023 T3 genre ({', '.join(classes)}): {len(y)} articles, {args.folds}-fold grouped CV, macro-F1")
        for lang in ["ALL"] + sorted(set(langs)):
            m = np.ones(len(y), bool) if lang == "ALL" else langs == lang
            fe = f1_score(y[m], Pe[m].argmax(1), average="macro", labels=range(len(classes)), zero_division=0)
            fh = f1_score(y[m], Ph[m].argmax(1), average="macro", labels=range(len(classes)), zero_division=0)
            print(f"{lang:6} {m.sum():5d}  encoder {fe:.3f}  hashed {fh:.3f}")


if __name__ == "__main__":
    main()

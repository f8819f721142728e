"""Issue 13 training steps around the role classifier: article context, calibration, the article gate.

- :func:`predicted_narratives`: the shipped narratives model's decision for every article (the same
  input the entities analyzer reads at run time through ``labels.narratives``);
- :func:`add_context`: attaches :func:`narrascope.models.stance.context_features` to every mention
  (an entity = the mentions of one normalised name in one article);
- :func:`tune_decision`: on out-of-fold logits, the per-language main-role biases and the
  second-fine-role ratio;
- :func:`fit_article_gate`: P(an article frames anyone | how sure the narratives model is that it
  carries a narrative), a one-feature logistic regression over all annotated articles of the five
  languages (positive: the article has subtask-1 annotations).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..models import stance
from ..models.roles import ALL_FINE, MAIN_ROLES, _softmax


def _root(data_dir) -> Path:
    root = Path(data_dir)
    if (root / "semeval2025-t10").is_dir():
        root = root / "semeval2025-t10"
    return root / "train" if (root / "train").is_dir() else root


def predicted_narratives(texts: dict[str, str]) -> dict[str, list[tuple[str, float]]]:
    from ..models.narratives import NarrativeModel

    nm = NarrativeModel.load(None)
    ids = sorted(texts)
    out = {}
    for k in range(0, len(ids), 64):
        chunk = ids[k : k + 64]
        for i, d in zip(chunk, nm.predict_texts([texts[i] for i in chunk])):
            out[i] = list(d.narratives)
    return out


def add_context(data, narratives: dict[str, list[tuple[str, float]]]) -> None:
    """Append the entity's article context to every mention's ``extra`` features (in place); the
    same function ``predict semeval2025-roles`` uses (``stance.given_mention_features``)."""
    cache: dict[tuple[str, str], tuple[str, ...]] = {}
    out = []
    for c, d, L in zip(data.contexts, data.doc, data.lang):
        m = c.text[c.start : c.end]
        if (d, m) not in cache:
            cache[(d, m)] = stance.given_mention_features(c.text, c.start, c.end, narratives.get(d, []), L.lower())
        out.append(dataclasses.replace(c, extra=tuple(c.extra) + cache[(d, m)]))
    data.contexts = out


def decide_all(zm, zf, langs, main_temp, fine_temp, biases, second_ratio, mix):
    from ..models.roles import RoleClassifier

    pm = stance.adjust_main(_softmax(zm / main_temp), stance.language_bias(biases, list(langs)))
    clf = RoleClassifier(second_ratio=second_ratio, mix=mix)
    return clf.decide(pm, _softmax(zf / fine_temp))


def tune_decision(data, folds, zm, zf, main_temp, fine_temp, mix, ratios=(0.5, 0.6, 0.7, 0.8, 0.9, 1.01)):
    """Per-language biases (log likelihood on out-of-fold logits) and the second-role ratio (pooled
    exact match over the five languages, mean of per-language scores)."""
    from ..evaluation.semeval2025_roles import exact_match_and_accuracy

    y = np.array([MAIN_ROLES.index(m) for m in data.main])
    biases = stance.fit_language_bias(zm, y, data.lang, main_temp)
    scores = {}
    langs = sorted(set(data.lang))
    for r in ratios:
        dec = decide_all(zm, zf, data.lang, main_temp, fine_temp, biases, r, mix)
        ems = []
        for L in langs:
            idx = [i for i, x in enumerate(data.lang) if x == L]
            ems.append(exact_match_and_accuracy([data.fines[i] for i in idx], [[f for f, _ in dec[i][2]] for i in idx],
                                                [data.main[i] for i in idx], [dec[i][0] for i in idx])[0])
        scores[r] = float(np.mean(ems))
    best = max(ratios, key=lambda r: (round(scores[r], 4), r))
    return biases, best, {str(k): round(v, 4) for k, v in scores.items()}


def reweighted_scores(data, dec, target=None) -> dict:
    """Per language: exact match and main-role accuracy with mentions reweighted so the main roles
    have the ``target`` prior (default 1/2 Antagonist, 1/4 Protagonist, 1/4 Innocent)."""
    target = target or {"Antagonist": 0.5, "Protagonist": 0.25, "Innocent": 0.25}
    out = {}
    for L in sorted(set(data.lang)):
        idx = [i for i, x in enumerate(data.lang) if x == L]
        share = {m: sum(1 for i in idx if data.main[i] == m) / len(idx) for m in MAIN_ROLES}
        w = np.array([target[data.main[i]] / max(share[data.main[i]], 1e-9) for i in idx])
        em = np.array([set(f for f, _ in dec[i][2]) == set(data.fines[i]) for i in idx], float)
        acc = np.array([dec[i][0] == data.main[i] for i in idx], float)
        out[L] = {"exact_match": round(float((w * em).sum() / w.sum()), 4),
                  "main_role_accuracy": round(float((w * acc).sum() / w.sum()), 4)}
    return out


def fit_article_gates(data_dir, languages, narratives_of, n_folds: int = 5, seed: int = 13) -> dict:
    """One article gate per language (:func:`fit_article_gate`): annotation practice differs (English
    'Other' articles are mostly unannotated, Hindi ones mostly annotated), so the gate does too."""
    out = {L: fit_article_gate(data_dir, (L,), narratives_of, n_folds, seed) for L in languages}
    return {L: g for L, g in out.items() if g}


def fit_article_gate(data_dir, languages, narratives_of, n_folds: int = 5, seed: int = 13) -> dict:
    """Logistic regression P(framed article | narrative strength); CV accuracy reported."""
    from sklearn.linear_model import LogisticRegression

    from ..formats.semeval2025_roles import read_article

    root = _root(data_dir)
    xs, ys, ids = [], [], []
    texts = {}
    for L in languages:
        s2 = root / L / "subtask-2-annotations.txt"
        s1 = root / L / "subtask-1-annotations.txt"
        if not s2.exists():
            continue
        framed = {line.split("\t")[0] for line in s1.read_text(encoding="utf-8").splitlines() if line.strip()}
        for line in s2.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = line.split("\t")[0]
            texts[d] = read_article(root / L / "raw-documents", d)
            ids.append(d)
            ys.append(int(d in framed))
    nar = narratives_of(texts)
    xs = np.array([[stance.narrative_strength(nar[d])] for d in ids])
    y = np.array(ys)
    if len(set(ys)) < 2:  # every article annotated (RU): nothing to gate
        return {}
    rng = np.random.default_rng(seed)
    folds = rng.permutation(len(ids)) % n_folds
    pred = np.zeros(len(ids))
    for k in range(n_folds):
        lr = LogisticRegression().fit(xs[folds != k], y[folds != k])
        pred[folds == k] = lr.predict_proba(xs[folds == k])[:, 1]
    lr = LogisticRegression().fit(xs, y)
    return {"coef": round(float(lr.coef_[0][0]), 4), "bias": round(float(lr.intercept_[0]), 4),
            "n_articles": int(len(ids)), "framed_rate": round(float(y.mean()), 4),
            "cv_accuracy": round(float(((pred >= 0.5) == y).mean()), 4),
            "cv_recall_of_framed": round(float((pred[y == 1] >= 0.5).mean()), 4),
            "cv_unframed_caught": round(float((pred[y == 0] < 0.5).mean()), 4),
            "strength_at_half": round(float(-lr.intercept_[0] / lr.coef_[0][0]), 4)}


def entity_context(narratives: dict[str, list[tuple[str, float]]], doc_of_text: dict[str, str]):
    """``fn(text, entity) -> extra features`` for the framing rows (same features as the analyzer's)."""
    def fn(text, ent, title_end):
        d = doc_of_text.get(text)
        return tuple(stance.context_features(text, [(m.start, m.end) for m in ent.mentions], ent.key,
                                             stance.narrative_keys(narratives.get(d, [])), title_end, "en"))
    return fn


def nested_decisions(data, folds, zm, zf, main_temp, fine_temp, mix):
    """Out-of-fold decisions where the per-language biases and the second-role ratio applied to fold
    k were tuned on the other folds only (so the reported CV is not tuned on its own test rows)."""
    dec: list = [None] * len(data)
    for k in sorted(set(folds.tolist())):
        tr = np.flatnonzero(folds != k)
        te = np.flatnonzero(folds == k)
        sub = _subset(data, tr)
        biases, ratio, _ = tune_decision(sub, folds[tr], zm[tr], zf[tr], main_temp, fine_temp, mix)
        for i, d in zip(te, decide_all(zm[te], zf[te], [data.lang[i] for i in te], main_temp, fine_temp,
                                       biases, ratio, mix)):
            dec[i] = d
    return dec


def _subset(data, idx):
    import copy

    sub = copy.copy(data)
    for f in ("contexts", "main", "fines", "lang", "doc", "group"):
        setattr(sub, f, [getattr(data, f)[i] for i in idx])
    return sub


def score_decisions(data, folds, dec, languages) -> dict:
    """Per language, exact match and main-role accuracy: mean ± std over folds (as ``score_oof``)."""
    from ..evaluation.semeval2025_roles import exact_match_and_accuracy

    res = {}
    for L in languages:
        per = []
        for k in sorted(set(folds.tolist())):
            idx = [i for i in range(len(data)) if data.lang[i] == L and folds[i] == k]
            if idx:
                em, acc = exact_match_and_accuracy([data.fines[i] for i in idx], [[f for f, _ in dec[i][2]] for i in idx],
                                                   [data.main[i] for i in idx], [dec[i][0] for i in idx])
                per.append((em, acc, len(idx)))
        if not per:
            continue
        ems, accs = np.array([p[0] for p in per]), np.array([p[1] for p in per])
        res[L] = {"n": int(sum(p[2] for p in per)),
                  "exact_match_mean": float(ems.mean()), "exact_match_std": float(ems.std()),
                  "main_role_accuracy_mean": float(accs.mean()), "main_role_accuracy_std": float(accs.std())}
    return res


def lexicon_step(data, folds, out_dir, languages) -> dict:
    """Build and save the mention lexicon of the non-English languages; its recall in CV."""
    from ..models.entities import capitalised_mentions, gazetteer_mentions
    from ..models.mention_lexicon import build_lexicon, lexicon_mentions, mention_recall_cv, save_lexicon

    keep = [i for i, L in enumerate(data.lang) if L != "EN" and L in languages]
    sub = _subset(data, keep)

    def finder(text, lang, words):
        base = gazetteer_mentions(text) if lang == "hi" else capitalised_mentions(text)
        return lexicon_mentions(text, words, base)

    recall = mention_recall_cv(sub, folds[keep], finder)
    lex = build_lexicon([(L, c.text[c.start : c.end]) for c, L in zip(sub.contexts, sub.lang)])
    save_lexicon(lex, out_dir)
    return {"recall": recall, "entries": {k: len(v) for k, v in lex.items()}}


def card_section(meta: dict) -> list[str]:
    """Model card lines for the article context, calibration, gate and lexicon (from roles.json)."""
    ctx = meta.get("context")
    if not ctx:
        return []
    cv = meta["training"]["cv"]
    before = ctx.get("cv_before", {})
    rw, rw0 = ctx.get("cv_reweighted", {}), ctx.get("cv_before_reweighted", {})
    lines = [
        "## Article context, hierarchical decision, calibration per language",
        "",
        "Every mention also carries its entity's article context (`models/stance.py`): the article's narratives",
        "as predicted by the shipped narratives model (the entities analyzer reads them through",
        "`requires = labels.narratives`), crossed with the entity's identity and camp; the headline; the words",
        "of all sentences that mention the entity; its prominence. Decision: main role first (with a bias per",
        f"language and main role fitted on out-of-fold scores: {meta.get('language_bias')}), then the best fine",
        f"role under it, plus a second fine role when its share is at least `second_ratio` = "
        f"{meta['params']['second_ratio']} of the best (CV exact match per ratio: {ctx.get('second_ratio_cv_em')}).",
        "The CV below applies to each fold the biases and ratio tuned on the other folds. Caveat: the narratives",
        "model was trained on these articles, so its predictions here are closer to gold than on new articles.",
        "",
        "| language | before: exact / main | with context: exact / main | reweighted* before | reweighted* with context |",
        "|---|---|---|---|---|",
    ]
    for L, r in cv.items():
        b = before.get(L)
        cell_b = f"{b['exact_match_mean']:.3f} / {b['main_role_accuracy_mean']:.3f}" if b else "-"
        r0, r1 = rw0.get(L), rw.get(L)
        lines.append(f"| {L} | {cell_b} | {r['exact_match_mean']:.3f} / {r['main_role_accuracy_mean']:.3f} | "
                     f"{(str(r0['exact_match']) + ' / ' + str(r0['main_role_accuracy'])) if r0 else '-'} | "
                     f"{(str(r1['exact_match']) + ' / ' + str(r1['main_role_accuracy'])) if r1 else '-'} |")
    if cv:
        m_em = np.mean([r["exact_match_mean"] for r in cv.values()])
        m_acc = np.mean([r["main_role_accuracy_mean"] for r in cv.values()])
        line = f"| mean of languages | "
        if before:
            line += (f"{np.mean([r['exact_match_mean'] for r in before.values()]):.3f} / "
                     f"{np.mean([r['main_role_accuracy_mean'] for r in before.values()]):.3f} | ")
        else:
            line += "- | "
        lines.append(line + f"{m_em:.3f} / {m_acc:.3f} | | |")
    lines += ["", f"*reweighted: test mentions weighted so the main roles have the prior {ctx.get('reweight_target')}.", ""]
    gate = ctx.get("article_gate") or {}
    if gate:
        lines += ["Article gate (an article that carries no narrative frames nobody): per language, a logistic",
                  "regression of 'the article has annotated entities' on the narratives model's confidence that it",
                  "carries a narrative; entities of an article with P < 0.5 get no role.", "",
                  "| language | articles | framed share | gate at confidence | CV accuracy | framed kept | unframed caught |",
                  "|---|---|---|---|---|---|---|"]
        for L, g in gate.items():
            lines.append(f"| {L} | {g['n_articles']} | {g['framed_rate']} | {g['strength_at_half']} | {g['cv_accuracy']} | "
                         f"{g['cv_recall_of_framed']} | {g['cv_unframed_caught']} |")
        lines.append("")
    lex = ctx.get("mention_lexicon")
    if lex:
        lines += ["The lexicon of annotated mention strings (`mention-lexicon.json`, entries "
                  f"{lex['entries']}) is unioned with the",
                  "recogniser's mentions. With the pre-tagger recogniser (capitalised-span fallback; Hindi: the hand-written",
                  "gazetteer), recall of the gold mentions in grouped CV (lexicon from the other folds):", "",
                  "| language | gold mentions | fallback alone | with lexicon | found per article |", "|---|---|---|---|---|"]
        for L, r in lex["recall"].items():
            lines.append(f"| {L} | {r['gold_mentions']} | {r['recall_fallback']} | {r['recall_with_lexicon']} | {r['found_per_article']} |")
        lines += ["", "The analyzer's default recogniser is now the mention tagger on the shared encoder (all five",
                  "languages, English included); its recall with the lexicon, in its own grouped CV: see",
                  "`models/artifacts/mentions/MODEL_CARD.md`.", ""]
    return lines

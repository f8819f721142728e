"""Article-level context for the role classifier: what side the article takes, and where the entity sits.

A role is a relation between the article's stance and the entity, not a property of the words next
to one mention. This module turns the article-level context into hashed feature strings that ride in
``MentionContext.extra`` (the role featurizer's ``extra`` block), so the weight format of the role
model does not change:

- the article's narratives (from the ``narratives`` analyzer: ``labels.narratives``, declared in the
  entities analyzer's ``requires``), each crossed with the entity's identity (its normalised key)
  and its camp, so the model can learn "Zelensky in a 'Discrediting Ukraine' article" once and apply
  it in any language the key is written in;
- the headline: its words, and whether the entity is named in it;
- the sentences that mention the entity (all its mentions, not only this one): their words, so
  every mention of an entity sees the same evidence;
- how prominent the entity is (mention count bucket, first position bucket).

It also holds the per-language main-role calibration (a bias per language and main role fitted on
out-of-fold scores) and the decision helpers of the hierarchical decision (main role first, then
fine roles under it, a second fine role when it is close).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .roles import entity_side, tokens

NARRATIVE_MIN_P = 0.2  # narratives below this probability are not used as context


def narrative_keys(narratives: Sequence[tuple[str, float]]) -> list[str]:
    """Coarse narrative names worth using as context ("Other" kept: it says 'no narrative')."""
    out = []
    for name, p in narratives:
        if p is None or p >= NARRATIVE_MIN_P or name == "Other":
            out.append(name)
    return out or ["Other"]


def context_features(text: str, mention_spans: Sequence[tuple[int, int]], key: str, narratives: Sequence[str],
                     headline_end: int, language: str) -> list[str]:
    """Feature strings shared by every mention of one entity (see the module docstring)."""
    kt = tokens(key)
    side = entity_side(kt)
    ident = "_".join(kt)[:60]
    last = kt[-1] if kt else ""
    feats = []
    for n in narratives:
        n = n.replace(" ", "_")
        dom = n.split(":", 1)[0]
        feats += [f"nar={n}", f"nar_side={n}|{side}", f"nar_id={n}|{ident}", f"nar_last={n}|{last}",
                  f"dom_id={dom}|{ident}", f"nar_lang={n}|{language}"]
    head = text[:headline_end] if headline_end > 0 else text[: text.find("\n")] if "\n" in text else ""
    in_head = any(s < max(headline_end, len(head)) for s, _ in mention_spans)
    feats.append(f"in_headline={int(in_head)}")
    feats += [f"hl={t}" for t in sorted(set(tokens(head)))]
    n = len(mention_spans)
    feats.append(f"n_mentions={min(int(math.log2(max(n, 1))), 4)}")
    if mention_spans:
        pos = mention_spans[0][0] / max(len(text), 1)
        feats.append(f"first_pos={min(int(pos * 4), 3)}")
    # words of the sentences mentioning the entity (pooled over its mentions; at most 8 sentences)
    seen: set[tuple[int, int]] = set()
    words: set[str] = set()
    for s, e in mention_spans:
        a, b = _sentence(text, s, e)
        if (a, b) in seen:
            continue
        seen.add((a, b))
        words.update(tokens(text[a:b]))
        if len(seen) >= 8:
            break
    feats += [f"es={w}" for w in sorted(words)]
    return feats


def _sentence(text: str, s: int, e: int) -> tuple[int, int]:
    from .roles import _sentence_bounds

    return _sentence_bounds(text, s, e)


# -- per-language calibration of the main-role scores ---------------------------------------------
def fit_language_bias(logits: np.ndarray, y: np.ndarray, langs: Sequence[str], temperature: float = 1.0,
                      grid: Sequence[float] = tuple(np.linspace(-1.5, 1.5, 13))) -> dict[str, list[float]]:
    """Per language, additive biases for the main-role logits maximising out-of-fold log likelihood
    (coordinate search on a grid; the Antagonist bias is held at 0)."""
    out: dict[str, list[float]] = {}
    langs = np.asarray(langs)
    for L in sorted(set(langs.tolist())):
        idx = np.flatnonzero(langs == L)
        z = logits[idx] / temperature
        yy = y[idx]
        b = np.zeros(z.shape[1])

        def nll(bb):
            zz = z + bb
            zz = zz - zz.max(axis=1, keepdims=True)
            lp = zz - np.log(np.exp(zz).sum(axis=1, keepdims=True))
            return -lp[np.arange(len(yy)), yy].mean()

        for _ in range(3):
            for k in range(z.shape[1]):
                if k == 1:
                    continue
                best = min(grid, key=lambda v: nll(np.where(np.arange(z.shape[1]) == k, v, b)))
                b[k] = best
        out[L] = [round(float(v), 4) for v in b]
    return out


def language_bias(biases: dict[str, list[float]] | None, languages: Sequence[str], n: int = 3) -> np.ndarray:
    """Rows of biases for ``languages`` (zeros for a language the calibration has not seen)."""
    if not biases:
        return np.zeros((len(languages), n), np.float32)
    return np.array([biases.get(L.upper(), biases.get(L, [0.0] * n)) for L in languages], np.float32)


# -- the analyzer's side: article context per entity, and the article gate ---------------------------
def article_narratives(labels: dict) -> list[tuple[str, float]] | None:
    """(narrative, probability) from ``labels["narratives"]`` (Label objects), or None without them."""
    labs = labels.get("narratives") if labels else None
    if not labs:
        return None
    return [(lab.label, float(lab.score) if lab.score is not None else 1.0) for lab in labs]


def narrative_strength(narratives: Sequence[tuple[str, float]] | None) -> float | None:
    """How sure the narratives model is that the article carries a narrative (0..1), None if unknown."""
    if narratives is None:
        return None
    real = [p for n, p in narratives if n != "Other"]
    if real:
        return max(real)
    other = [p for n, p in narratives if n == "Other"]
    return 1.0 - (other[0] if other else 0.0)


def gate_probability(gate: dict | None, strength: float | None, language: str | None = None) -> float:
    """P(the article frames anyone) from the fitted article gate (one per language when ``language``
    is given: ``gate[LANG]``); 1 when the gate or the strength is unknown."""
    if gate and language is not None:
        gate = gate.get(language.upper())
    if not gate or strength is None:
        return 1.0
    z = gate["coef"] * strength + gate["bias"]
    return float(1.0 / (1.0 + math.exp(-z)))


def adjust_main(pm: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Main-role probabilities after the per-language bias (rows of ``bias`` or one row)."""
    z = np.log(np.clip(pm, 1e-9, 1.0)) + bias
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def headline_end_of(text: str) -> int:
    """The first paragraph when it is short (articles given as plain text start with their title)."""
    i = text.find("\n\n")
    if 0 < i <= 300:
        return i
    j = text.find("\n")
    return j if 0 < j <= 300 else 0


def given_mention_features(text: str, start: int, end: int, narratives: Sequence[tuple[str, float]],
                           language: str) -> tuple[str, ...]:
    """Context features for a given mention (no recogniser): its entity is every occurrence of the
    same string in the article -- how ``narrascope train roles`` builds them for the annotated rows."""
    import re

    from .entities import ALIASES, normalise_name
    from .entity_merge import person_key

    m = text[start:end]
    key = normalise_name(m)
    key = person_key(ALIASES.get(key, key))
    spans = [(r.start(), r.end()) for r in re.finditer(re.escape(m), text)] or [(start, end)]
    return tuple(context_features(text, spans, key, narrative_keys(narratives), headline_end_of(text), language))

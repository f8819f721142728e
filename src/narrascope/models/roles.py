"""Role classifier for an entity mention in context (SemEval-2025 Task 10 subtask 1 roles).

Features (hashed, so no vocabulary ships): the mention's own words and character n-grams (an
identity prior: "the same string's role elsewhere"), the words just left and right of the mention
(position-marked), the words of its sentence, the verbs/words near the other mentions of the same
string in the article, and the article's words (its domain). Blocks are L2-normalised and weighted.

Model: a multinomial logistic regression over the three main roles and one over the 22 fine roles
(trained on each mention's fine roles, a mention with two roles counted once per role), then
Platt-style temperature scaling per head fitted on cross-validated scores ("calibrated").
Decision: main role = argmax of the main head; fine roles = the best fine role under that main
role, plus any sibling whose probability is at least ``second_ratio`` times the best one.

Weights are stored as float16 ``.npz`` + a ``.json`` with parameters and label lists.
"""

from __future__ import annotations

import bisect
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError
from .base import artifact_dir, read_artifacts, write_artifacts

MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")
FINE_ROLES = {
    "Protagonist": ("Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"),
    "Antagonist": (
        "Instigator", "Conspirator", "Tyrant", "Foreign Adversary", "Traitor", "Spy", "Saboteur",
        "Corrupt", "Incompetent", "Terrorist", "Deceiver", "Bigot",
    ),
    "Innocent": ("Forgotten", "Exploited", "Victim", "Scapegoat"),
}
ALL_FINE = tuple(f for m in MAIN_ROLES for f in FINE_ROLES[m])
PARENT = {f: m for m in MAIN_ROLES for f in FINE_ROLES[m]}

_TOKEN = re.compile(r"[\w\u0900-\u097F]+", re.UNICODE)


def tokens(s: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(s)]


@dataclass(frozen=True)
class MentionContext:
    """What the classifier sees: the article text and a half-open mention span in it."""

    text: str
    start: int
    end: int
    language: str = "und"
    extra: tuple[str, ...] = ()  # precomputed features, e.g. from a dependency parse (see syntax_features)


MAX_CONTEXT = 1000  # characters of a mention's sentence read on each side (real sentences stay far below)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``[start, end)``: cheap boundaries (., !, ?, newline) so it works anywhere.

    A sentence longer than :data:`MAX_CONTEXT` characters on either side of the mention (text
    without punctuation) is cut there, so the cost per mention stays bounded.
    """
    s = start
    while s > 0 and s > start - MAX_CONTEXT:
        c = text[s - 1]
        if c == "\n" or (c in ".!?।" and s < len(text) and text[s].isspace() and s - 1 < start):
            break
        s -= 1
    e = end
    n = min(len(text), end + MAX_CONTEXT)
    while e < n:
        c = text[e]
        if c == "\n":
            break
        e += 1
        if c in ".!?।" and (e >= len(text) or text[e].isspace()):
            break
    return s, e


class Featurizer:
    """Hashed sparse features for mentions; stateless (parameters only)."""

    BLOCKS = ("mention", "chars", "left", "right", "sentence", "others", "article", "cues", "extra", "stance")

    def __init__(self, n_features: int = 2**18, window: int = 6, weights: dict[str, float] | None = None):
        self.n_features = n_features
        self.window = window
        self.weights = {
            "mention": 1.0, "chars": 0.6, "left": 1.0, "right": 1.0, "sentence": 1.0, "others": 0.6, "article": 0.5,
            "cues": 1.0, "extra": 1.0, "stance": 1.0,
        }
        if weights:
            self.weights.update(weights)

    def params(self) -> dict:
        return {"n_features": self.n_features, "window": self.window, "weights": self.weights}

    def _h(self, key: str) -> int:
        return zlib.crc32(key.encode("utf-8")) % self.n_features

    def blocks(self, m: MentionContext, article_tokens: list[str] | None = None) -> dict[str, list[str]]:
        text, s, e = m.text, m.start, m.end
        mention = text[s:e]
        mt = tokens(mention)
        out: dict[str, list[str]] = {b: [] for b in self.BLOCKS}
        out["mention"] = ["m=" + " ".join(mt)] + ["mt=" + t for t in mt] + ([f"mlast={mt[-1]}"] if mt else [])
        low = " " + mention.lower() + " "
        out["chars"] = [f"c={low[i:i + n]}" for n in (3, 4, 5) for i in range(max(0, len(low) - n + 1))]
        ss, se = _sentence_bounds(text, s, e)
        left = tokens(text[ss:s])[-self.window:]
        right = tokens(text[e:se])[: self.window]
        out["left"] = [f"l={t}" for t in left] + [f"l{len(left) - i}={t}" for i, t in enumerate(left)][-2:]
        out["left"] += [f"lb={a}_{b}" for a, b in zip(left, left[1:])]
        out["right"] = [f"r={t}" for t in right] + [f"r{i + 1}={t}" for i, t in enumerate(right[:2])]
        out["right"] += [f"rb={a}_{b}" for a, b in zip(right, right[1:])]
        sent = tokens(text[ss:s]) + ["<m>"] + tokens(text[e:se])
        out["sentence"] = [f"s={t}" for t in sent if t != "<m>"] + [f"sb={a}_{b}" for a, b in zip(sent, sent[1:])]
        # other occurrences of the same string in the article (pooled context)
        others: list[str] = []
        if mention.strip():
            i = text.find(mention)
            k = 0
            while i != -1 and k < 12:
                if i != s:
                    a, b = _sentence_bounds(text, i, i + len(mention))
                    lw = tokens(text[max(a, i - 80) : i])[-3:]
                    rw = tokens(text[i + len(mention) : min(b, i + len(mention) + 80)])[:3]
                    others += [f"ol={t}" for t in lw] + [f"or={t}" for t in rw]
                    k += 1
                i = text.find(mention, i + 1)
        out["others"] = others
        if article_tokens is None:
            article_tokens = tokens(text[:4000])
        out["article"] = [f"a={t}" for t in sorted(set(article_tokens))]  # sorted: same float sums in every process
        near = tokens(text[max(ss, s - 120) : s])[-8:] + tokens(text[e : min(se, e + 120)])[:8]
        cues = []
        for side, toks in (("n", near), ("s", sent)):
            for t in toks:
                for role in cue_roles(t):
                    cues.append(f"{side}:{role}")
        out["cues"] = cues
        out["extra"] = list(m.extra)
        side = entity_side(mt)
        bucket, dom = article_stance(text)
        out["stance"] = [f"side={side}", f"st={bucket}", f"x={side}_{bucket}", f"dom={dom}", f"xd={side}_{dom}",
                         f"ms={' '.join(mt)}_{bucket}"]
        return out

    def transform(self, mentions: Sequence[MentionContext]) -> sp.csr_matrix:
        """Feature rows for ``mentions``, equal to :meth:`transform_reference` (tested), faster.

        What depends only on the article (its words, its stance, sentence boundaries, the contexts
        of each string's occurrences) is computed once per article; what depends only on the
        mention string (its words and character n-grams) once per string; cue roles and feature
        hashes are looked up in memo tables. Row order, feature order and float arithmetic are
        those of the reference, so the matrix is the same bit for bit.
        """
        col_parts: list[np.ndarray] = []
        val_parts: list[np.ndarray] = []
        lengths = np.zeros(len(mentions), np.int64)
        articles: dict[int, _Article] = {}
        by_string: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
        add = self._add_block
        for r, m in enumerate(mentions):
            art = articles.get(id(m.text))
            if art is None:
                art = articles[id(m.text)] = _Article(m.text, self)
            text, s, e = m.text, m.start, m.end
            mention = text[s:e]
            cached = by_string.get(mention)
            if cached is None:
                mt = tokens(mention)
                entries: list[tuple[int, float]] = []
                add(entries, "mention", ["m=" + " ".join(mt)] + ["mt=" + t for t in mt] + ([f"mlast={mt[-1]}"] if mt else []))
                low = " " + mention.lower() + " "
                add(entries, "chars", [f"c={low[i:i + n]}" for n in (3, 4, 5) for i in range(max(0, len(low) - n + 1))])
                cached = by_string[mention] = (mt, *_pairs(entries))
            mt, c_str, v_str = cached
            row: list[tuple[int, float]] = []
            ss, se = art.bounds(s, e)
            before = tokens(text[ss:s])
            after = tokens(text[e:se])
            left = before[-self.window:]
            right = after[: self.window]
            feats = [f"l={t}" for t in left] + [f"l{len(left) - i}={t}" for i, t in enumerate(left)][-2:]
            feats += [f"lb={a}_{b}" for a, b in zip(left, left[1:])]
            add(row, "left", feats)
            feats = [f"r={t}" for t in right] + [f"r{i + 1}={t}" for i, t in enumerate(right[:2])]
            feats += [f"rb={a}_{b}" for a, b in zip(right, right[1:])]
            add(row, "right", feats)
            sent = before + ["<m>"] + after
            add(row, "sentence", [f"s={t}" for t in sent if t != "<m>"] + [f"sb={a}_{b}" for a, b in zip(sent, sent[1:])])
            add(row, "others", art.others(mention, s) if mention.strip() else [])
            c_row, v_row = _pairs(row)
            row = []
            near = tokens(text[max(ss, s - 120) : s])[-8:] + tokens(text[e : min(se, e + 120)])[:8]
            cues = [f"n:{role}" for t in near for role in _cue_roles_memo(t)]
            cues += [f"s:{role}" for t in sent for role in _cue_roles_memo(t)]
            add(row, "cues", cues)
            add(row, "extra", list(m.extra))
            side = entity_side(mt)
            bucket, dom = art.stance
            add(row, "stance", [f"side={side}", f"st={bucket}", f"x={side}_{bucket}", f"dom={dom}", f"xd={side}_{dom}",
                                f"ms={' '.join(mt)}_{bucket}"])
            row.append((self._hash("lang=" + m.language), 0.5))
            c_end, v_end = _pairs(row)
            col_parts += [c_str, c_row, art.article_cols, c_end]
            val_parts += [v_str, v_row, art.article_vals, v_end]
            lengths[r] = len(c_str) + len(c_row) + len(art.article_cols) + len(c_end)
        if not mentions:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        rows = np.repeat(np.arange(len(mentions)), lengths)
        cols = np.concatenate(col_parts)
        vals = np.concatenate(val_parts)
        X = sp.csr_matrix((vals, (rows, cols)), shape=(len(mentions), self.n_features), dtype=np.float32)
        X.sum_duplicates()
        return X

    def _hash(self, key: str) -> int:
        memo = self.__dict__.setdefault("_memo", {})
        j = memo.get(key)
        if j is None:
            if len(memo) > 1_000_000:  # bounded: a long-running process sees an open vocabulary
                memo.clear()
            j = memo[key] = self._h(key)
        return j

    def _add_block(self, out: list[tuple[int, float]], name: str, feats: list[str]) -> None:
        """Append the block's (column, value) pairs to ``out`` exactly as the reference computes them."""
        w = self.weights.get(name, 0.0)
        if not feats or not w:
            return
        prefix = name[0] + ":"
        memo = self.__dict__.setdefault("_memo", {})
        counts: dict[int, float] = {}
        for f in feats:
            key = prefix + f
            j = memo.get(key)
            if j is None:
                j = self._hash(key)
            counts[j] = counts.get(j, 0.0) + 1.0
        norm = np.sqrt(sum(v * v for v in counts.values()))
        out.extend((j, w * v / norm) for j, v in counts.items())

    def transform_reference(self, mentions: Sequence[MentionContext]) -> sp.csr_matrix:
        """The plain definition of the features (:meth:`blocks` per mention); :meth:`transform` equals it."""
        rows, cols, vals = [], [], []
        art_cache: dict[int, list[str]] = {}
        for r, m in enumerate(mentions):
            key = id(m.text)
            if key not in art_cache:
                art_cache[key] = tokens(m.text[:4000])
            blocks = self.blocks(m, art_cache[key])
            for name, feats in blocks.items():
                w = self.weights.get(name, 0.0)
                if not feats or not w:
                    continue
                counts: dict[int, float] = {}
                for f in feats:
                    j = self._h(name[0] + ":" + f)
                    counts[j] = counts.get(j, 0.0) + 1.0
                norm = np.sqrt(sum(v * v for v in counts.values()))
                for j, v in counts.items():
                    rows.append(r)
                    cols.append(j)
                    vals.append(w * v / norm)
            rows.append(r)
            cols.append(self._h("lang=" + m.language))
            vals.append(0.5)
        X = sp.csr_matrix((vals, (rows, cols)), shape=(len(mentions), self.n_features), dtype=np.float32)
        X.sum_duplicates()
        return X


_STARTS = re.compile(r"\n|[.!?।](?=\s)")  # a sentence starts after these (see _sentence_bounds)
_ENDS = re.compile(r"\n|[.!?।](?=\s|\Z)")  # ... and ends at a newline or after these


class _Article:
    """What :meth:`Featurizer.transform` computes once per article text."""

    def __init__(self, text: str, featurizer: Featurizer) -> None:
        self.text = text
        self.featurizer = featurizer
        self._starts = [m.end() for m in _STARTS.finditer(text)]
        ends = [(m.start(), m.start() if m.group() == "\n" else m.end()) for m in _ENDS.finditer(text)]
        self._end_keys = [k for k, _ in ends]
        self._end_vals = [v for _, v in ends]
        self._others: dict[str, list[tuple[int, list[str]]]] = {}
        self.stance = article_stance(text)
        entries: list[tuple[int, float]] = []
        featurizer._add_block(entries, "article", [f"a={t}" for t in sorted(set(tokens(text[:4000])))])
        self.article_cols, self.article_vals = _pairs(entries)

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """``_sentence_bounds(text, start, end)`` by binary search over boundaries found once."""
        i = bisect.bisect_right(self._starts, start) - 1
        s = max(self._starts[i] if i >= 0 else 0, start - MAX_CONTEXT)
        k = bisect.bisect_left(self._end_keys, end)
        e = min(self._end_vals[k] if k < len(self._end_keys) else len(self.text), end + MAX_CONTEXT, len(self.text))
        return s, e

    def others(self, mention: str, s: int) -> list[str]:
        """Words around the other occurrences (first 12) of ``mention`` in the article."""
        occ = self._others.get(mention)
        if occ is None:
            text, n = self.text, len(mention)
            occ = []
            i = text.find(mention)
            while i != -1 and len(occ) < 13:  # 12 others + possibly the mention itself
                a, b = self.bounds(i, i + n)
                lw = tokens(text[max(a, i - 80) : i])[-3:]
                rw = tokens(text[i + n : min(b, i + n + 80)])[:3]
                occ.append((i, [f"ol={t}" for t in lw] + [f"or={t}" for t in rw]))
                i = text.find(mention, i + 1)
            self._others[mention] = occ
        out: list[str] = []
        k = 0
        for i, feats in occ:
            if i != s and k < 12:
                out += feats
                k += 1
        return out


def _pairs(entries: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not entries:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    cols, vals = zip(*entries)
    return np.array(cols, np.int64), np.array(vals, np.float64)


_CUE_MEMO: dict[str, list[str]] = {}


def _cue_roles_memo(token: str) -> list[str]:
    roles = _CUE_MEMO.get(token)
    if roles is None:
        if len(_CUE_MEMO) > 200_000:
            _CUE_MEMO.clear()
        roles = _CUE_MEMO[token] = cue_roles(token)
    return roles


# English cue stems per role, written for this project from the role definitions (prefix match).
CUES: dict[str, tuple[str, ...]] = {
    "Protagonist": ("defend", "protect", "hero", "brave", "courag", "peace", "help", "support", "rescu", "honest",
                    "resist", "fight for", "liberat", "save", "praise", "champion", "leader", "win"),
    "Antagonist": ("accus", "blam", "lie", "lied", "lying", "propagand", "regime", "dictat", "aggress", "invad",
                   "attack", "threat", "corrupt", "brib", "fraud", "scam", "hoax", "fail", "incompet", "crimin",
                   "terror", "war", "provok", "escalat", "sanction", "destroy", "manipulat", "agenda", "elite",
                   "globalist", "alarmis", "puppet", "profit", "nazi", "fascis", "spy", "betray", "sabot", "hypocri",
                   "claim", "push", "impose", "control", "censor"),
    "Innocent": ("victim", "civilian", "killed", "kill", "died", "dead", "suffer", "wound", "injur", "displac",
                 "refugee", "children", "child", "famil", "poor", "starv", "homeless", "forgot", "ignor",
                 "abandon", "exploit", "pawn", "scapegoat", "shell", "bomb", "flee", "fled", "hostage", "ordinary",
                 "resident", "people", "farmer", "worker", "taxpayer"),
}


# Which camp an actor belongs to (English and transliterated names; lower-case tokens).
SIDES: dict[str, tuple[str, ...]] = {
    "ru": ("russia", "russian", "russians", "putin", "kremlin", "moscow", "lavrov", "peskov", "zakharova",
           "shoigu", "medvedev", "wagner", "prigozhin", "kadyrov", "lukashenko", "belarus", "gazprom", "rf"),
    "ua": ("ukraine", "ukrainian", "ukrainians", "zelensky", "zelenskyy", "zelenskiy", "kyiv", "kiev", "kuleba",
           "azov", "zaluzhny", "syrskyi", "poroshenko", "klitschko", "podolyak", "yermak", "umerov", "afu"),
    "west": ("nato", "us", "usa", "america", "american", "americans", "washington", "biden", "blinken", "eu",
             "europe", "european", "uk", "britain", "british", "london", "johnson", "sunak", "macron", "france",
             "germany", "scholz", "pentagon", "west", "western", "stoltenberg", "leyen", "baerbock", "poland",
             "cia", "harris", "nuland", "austin", "sullivan", "obama", "clinton", "g7", "brussels", "paris",
             "berlin"),
    "climate": ("ipcc", "greta", "thunberg", "gore", "gates", "wef", "davos", "schwab", "un", "kerry",
                "scientists", "activists", "alarmists", "greenpeace", "extinction", "rebellion", "guterres",
                "climate", "green", "environmentalists", "net", "zero"),
    "people": ("people", "civilians", "children", "residents", "families", "citizens", "farmers", "workers",
               "taxpayers", "population", "refugees", "women", "soldiers", "troops", "men", "public"),
}
_SIDE_OF = {w: side for side, ws in SIDES.items() for w in ws}
_PRO_RU = ("kiev", "regime", "nazi", "nazis", "neo", "operation", "russophobia", "russophobic", "donbass",
           "provocation", "provocations", "collective", "expansion", "globalist", "globalists", "puppet",
           "junta", "militants", "liberation", "denazification", "hegemony", "multipolar")
_PRO_UA = ("kyiv", "invasion", "invaded", "crimes", "criminal", "unprovoked", "aggression", "occupied",
           "occupiers", "occupation", "atrocities", "full", "scale", "invaders", "donbas", "brutal",
           "counteroffensive", "deported", "genocide")
_CLIMATE = ("climate", "warming", "carbon", "emissions", "co2", "temperature", "temperatures", "fossil",
            "renewable", "weather", "greenhouse", "net", "ipcc", "heat")


def entity_side(mention_tokens: list[str]) -> str:
    for t in mention_tokens:
        side = _SIDE_OF.get(t)
        if side:
            return side
    return "other"


def article_stance(text: str) -> tuple[str, str]:
    """(stance bucket, domain) of an article from cue words: pro_ru / lean_ru / neutral / lean_ua / pro_ua."""
    toks = tokens(text[:20000])
    n = max(len(toks), 1)
    cnt: dict[str, int] = {}
    for t in toks:
        cnt[t] = cnt.get(t, 0) + 1
    ru = sum(cnt.get(w, 0) for w in _PRO_RU)
    ua = sum(cnt.get(w, 0) for w in _PRO_UA)
    cl = sum(cnt.get(w, 0) for w in _CLIMATE)
    dom = "cc" if cl / n > 0.006 else "other"
    d = (ru - ua) / (ru + ua + 2)
    bucket = "pro_ru" if d > 0.4 else "lean_ru" if d > 0.1 else "pro_ua" if d < -0.4 else "lean_ua" if d < -0.1 else "neutral"
    return bucket, dom


def cue_roles(token: str) -> list[str]:
    return [role for role, stems in CUES.items() if any(token.startswith(st) for st in stems if " " not in st)]


def syntax_features(sdoc, start: int, end: int) -> list[str]:
    """Features from a spaCy-parsed article for the mention at ``[start, end)``.

    The dependency role of the mention's head (subject / object / passive subject...), the lemma of
    the verb it hangs from, the entity label spaCy gives it, and whether it sits in a quote.
    """
    span = sdoc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return []
    root = span.root
    head = root.head
    feats = [f"dep={root.dep_}", f"ent={root.ent_type_ or 'none'}", f"pos={root.pos_}"]
    verb = head
    hops = 0
    while verb.pos_ not in ("VERB", "AUX") and verb.head is not verb and hops < 3:
        verb = verb.head
        hops += 1
    if verb.pos_ in ("VERB", "AUX"):
        feats.append(f"verb={verb.lemma_.lower()}")
        feats.append(f"depverb={root.dep_}_{verb.lemma_.lower()}")
        if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
            feats.append(f"passive_{root.dep_}")
        if any(c.dep_ == "neg" for c in verb.children):
            feats.append("neg_verb")
    if head is not root and head.pos_ in ("NOUN", "ADJ"):
        feats.append(f"headnoun={head.lemma_.lower()}")
    for c in root.children:
        if c.dep_ in ("amod", "compound") and c.i < span.start:
            feats.append(f"mod={c.lemma_.lower()}")
    return feats


def uses_syntax(clf) -> bool:
    """Whether a role model was trained with :func:`syntax_features` (models saved before the
    ``syntax`` flag was recorded were)."""
    return bool(getattr(clf, "meta_", {}).get("syntax", True))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class RoleClassifier:
    """fit / predict_proba / decide / save / load. Learned state ends in ``_``."""

    def __init__(self, C_main: float = 4.0, C_fine: float = 4.0, second_ratio: float = 0.6,
                 featurizer: Featurizer | None = None, seed: int = 0, max_iter: int = 300, mix: float = 0.0):
        self.mix = mix  # weight of the fine head's per-parent mass in the main-role decision
        self.C_main = C_main
        self.C_fine = C_fine
        self.second_ratio = second_ratio
        self.featurizer = featurizer or Featurizer()
        self.seed = seed
        self.max_iter = max_iter

    # -- training -----------------------------------------------------------------------------
    def fit(self, X, main: Sequence[str], fines: Sequence[Sequence[str]], sample_weight=None) -> "RoleClassifier":
        from sklearn.linear_model import LogisticRegression

        X = sp.csr_matrix(X)
        sw = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        y_main = np.array([MAIN_ROLES.index(m) for m in main])
        lr = LogisticRegression(C=self.C_main, max_iter=self.max_iter, random_state=self.seed)
        lr.fit(X, y_main, sample_weight=sw)
        self.main_coef_, self.main_bias_ = self._full(lr, len(MAIN_ROLES), X.shape[1])
        # fine head: one row per (mention, fine role), weight split across the mention's roles
        idx, yf, wf = [], [], []
        for i, fs in enumerate(fines):
            fs = [f for f in fs if f in PARENT]
            for f in fs:
                idx.append(i)
                yf.append(ALL_FINE.index(f))
                wf.append(sw[i] / len(fs))
        lr2 = LogisticRegression(C=self.C_fine, max_iter=self.max_iter, random_state=self.seed)
        lr2.fit(X[idx], np.array(yf), sample_weight=np.array(wf))
        self.fine_coef_, self.fine_bias_ = self._full(lr2, len(ALL_FINE), X.shape[1])
        self.main_temp_ = 1.0
        self.fine_temp_ = 1.0
        return self

    @staticmethod
    def _full(lr, n_classes: int, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients for every class, even those absent from the training labels."""
        coef = np.zeros((n_classes, n_features), np.float32)
        bias = np.full(n_classes, -30.0, np.float32)
        classes = list(lr.classes_)
        if len(classes) == 2:  # binary: sklearn keeps one row
            coef[classes[1]] = lr.coef_[0] / 2
            coef[classes[0]] = -lr.coef_[0] / 2
            bias[classes[1]] = lr.intercept_[0] / 2
            bias[classes[0]] = -lr.intercept_[0] / 2
        else:
            for k, c in enumerate(classes):
                coef[c] = lr.coef_[k]
                bias[c] = lr.intercept_[k]
        return coef, bias

    def calibrate(self, main_logits: np.ndarray, y_main: Sequence[str], fine_logits: np.ndarray,
                  fines: Sequence[Sequence[str]]) -> "RoleClassifier":
        """Fit one temperature per head on held-out (cross-validated) logits: minimise log loss."""
        ym = np.array([MAIN_ROLES.index(m) for m in y_main])
        self.main_temp_ = _fit_temperature(main_logits, ym)
        yf = np.array([ALL_FINE.index(f[0]) for f in fines])
        self.fine_temp_ = _fit_temperature(fine_logits, yf)
        return self

    # -- inference ----------------------------------------------------------------------------
    def logits(self, X) -> tuple[np.ndarray, np.ndarray]:
        X = sp.csr_matrix(X)
        wm, wf = self._weights_t()
        zm = np.asarray(X @ wm) + self.main_bias_
        zf = np.asarray(X @ wf) + self.fine_bias_
        return zm, zf

    def _weights_t(self) -> tuple[np.ndarray, np.ndarray]:
        """The transposed float32 heads, made once (not per call) for as long as the heads are the
        same arrays; C-ordered, which is the copy the sparse product would make anyway."""
        key = (id(self.main_coef_), id(self.fine_coef_))
        cached = self.__dict__.get("_wt")
        if cached is None or cached[0] != key:
            cached = self._wt = (key, np.ascontiguousarray(self.main_coef_.T.astype(np.float32)),
                                 np.ascontiguousarray(self.fine_coef_.T.astype(np.float32)))
        return cached[1], cached[2]

    @property
    def labels(self) -> list[str]:
        """The columns of :meth:`predict_proba`: the main roles, then the fine roles."""
        return list(MAIN_ROLES) + list(ALL_FINE)

    def head_proba(self, X) -> tuple[np.ndarray, np.ndarray]:
        """(main (n, 3), fine (n, 22)): each head's softmax, calibrated by its temperature."""
        zm, zf = self.logits(X)
        return _softmax(zm / self.main_temp_), _softmax(zf / self.fine_temp_)

    def predict_proba(self, X) -> np.ndarray:
        """(n, 3 + 22): :meth:`head_proba` side by side (the first 3 columns sum to 1, the other 22 too)."""
        return np.hstack(self.head_proba(X))

    def decide(self, pm: np.ndarray, pf: np.ndarray) -> list[tuple[str, float, list[tuple[str, float]]]]:
        """Per row: (main role, its probability, [(fine role, probability within the main role)...])."""
        out = []
        if self.mix:
            mass = np.stack([pf[:, [ALL_FINE.index(f) for f in FINE_ROLES[m]]].sum(axis=1) for m in MAIN_ROLES], axis=1)
            pm = (1 - self.mix) * pm + self.mix * mass
        for i in range(pm.shape[0]):
            m = int(np.argmax(pm[i]))
            main = MAIN_ROLES[m]
            kids = [ALL_FINE.index(f) for f in FINE_ROLES[main]]
            sub = pf[i, kids]
            sub = sub / max(sub.sum(), 1e-12)
            order = np.argsort(-sub, kind="stable")
            best = float(sub[order[0]])
            chosen = [(FINE_ROLES[main][order[0]], best)]
            for j in order[1:3]:
                if sub[j] >= self.second_ratio * best:
                    chosen.append((FINE_ROLES[main][j], float(sub[j])))
            out.append((main, float(pm[i, m]), chosen))
        return out

    def predict(self, mentions: Sequence[MentionContext]):
        if not mentions:
            return []
        return self.decide(*self.head_proba(self.featurizer.transform(mentions)))

    # -- persistence --------------------------------------------------------------------------
    def save(self, folder: str | Path, extra: dict | None = None) -> None:
        coef = np.vstack([self.main_coef_, self.fine_coef_])
        used = np.flatnonzero(np.abs(coef).max(axis=0) > 0).astype(np.int32)
        arrays = dict(
            used=used,
            coef=coef[:, used].astype(np.float16),
            bias=np.concatenate([self.main_bias_, self.fine_bias_]).astype(np.float32),
        )
        meta = {
            "format": 1,
            "main_roles": list(MAIN_ROLES),
            "fine_roles": list(ALL_FINE),
            "params": {"C_main": self.C_main, "C_fine": self.C_fine, "second_ratio": self.second_ratio,
                       "seed": self.seed, "max_iter": self.max_iter, "mix": self.mix},
            "featurizer": self.featurizer.params(),
            "main_temperature": self.main_temp_,
            "fine_temperature": self.fine_temp_,
        }
        meta.update(extra or {})
        write_artifacts(folder, meta, arrays, npz="roles.npz", meta_name="roles.json", sort_keys=True, ensure_ascii=True)

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "RoleClassifier":
        folder = Path(folder) if folder is not None else artifact_dir("roles")
        meta, z = read_artifacts(folder, ("roles.npz",), meta="roles.json", what="role model",
                                 hint="reinstall narrascope or run `narrascope train roles`")
        if meta.get("main_roles") != list(MAIN_ROLES) or meta.get("fine_roles") != list(ALL_FINE):
            raise ModelError("role model label lists do not match this version of narrascope", where=str(folder))
        f = meta["featurizer"]
        self = cls(featurizer=Featurizer(f["n_features"], f["window"], f["weights"]), **meta["params"])
        coef = np.zeros((len(MAIN_ROLES) + len(ALL_FINE), f["n_features"]), np.float32)
        coef[:, z["used"]] = z["coef"].astype(np.float32)
        bias = z["bias"].astype(np.float32)
        k = len(MAIN_ROLES)
        self.main_coef_, self.fine_coef_ = coef[:k], coef[k:]
        self.main_bias_, self.fine_bias_ = bias[:k], bias[k:]
        self.main_temp_ = float(meta["main_temperature"])
        self.fine_temp_ = float(meta["fine_temperature"])
        self.meta_ = meta
        return self


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    best_t, best_loss = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 61)):
        p = _softmax(logits / t)
        loss = -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1)))
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


# -- "is this entity framed at all?" ------------------------------------------------------------
FRAMING_MENTIONS = 8  # an entity's first mentions that feed the framing decision


def framing_matrix(structural: np.ndarray, pooled: sp.csr_matrix) -> sp.csr_matrix:
    """Entity rows: the structural features (see ``analyzers.entities.framing_features``) next to the
    element-wise maximum of the hashed features of the entity's first ``FRAMING_MENTIONS`` mentions."""
    return sp.hstack([sp.csr_matrix(np.asarray(structural, np.float32)), pooled], format="csr", dtype=np.float32)


def pool_mentions(X: sp.csr_matrix, rows_per_entity: Sequence[Sequence[int]]) -> sp.csr_matrix:
    """One row per entity: the element-wise max over its mention rows of ``X`` (at most FRAMING_MENTIONS).

    Computed in one pass over the stored entries (the feature values are positive, so the max over
    stored entries is the max with implicit zeros); equal to :func:`pool_mentions_reference` (tested).
    """
    X = sp.csr_matrix(X)
    n_cols = X.shape[1]
    if not len(rows_per_entity):
        return sp.csr_matrix((0, n_cols), dtype=np.float32)
    ents, rows = [], []
    for e, r in enumerate(rows_per_entity):
        r = list(r[:FRAMING_MENTIONS])
        rows += r
        ents += [e] * len(r)
    rows_a = np.asarray(rows, np.int64)
    starts, ends = X.indptr[rows_a], X.indptr[rows_a + 1]
    counts = ends - starts
    take = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)]) if len(rows_a) else np.zeros(0, np.int64)
    ent = np.repeat(np.asarray(ents, np.int64), counts)
    col = X.indices[take].astype(np.int64)
    val = X.data[take]
    if len(val) and val.min() <= 0:  # not the hashed features' case: fall back to the plain definition
        return pool_mentions_reference(X, rows_per_entity)
    order = np.lexsort((col, ent))
    ent, col, val = ent[order], col[order], val[order]
    if len(val):
        first = np.flatnonzero(np.r_[True, (ent[1:] != ent[:-1]) | (col[1:] != col[:-1])])
        ent, col, val = ent[first], col[first], np.maximum.reduceat(val, first)
    indptr = np.zeros(len(rows_per_entity) + 1, np.int64)
    np.add.at(indptr, ent + 1, 1)
    indptr = np.cumsum(indptr)
    return sp.csr_matrix((val.astype(np.float32), col, indptr), shape=(len(rows_per_entity), n_cols), dtype=np.float32)


def pool_mentions_reference(X: sp.csr_matrix, rows_per_entity: Sequence[Sequence[int]]) -> sp.csr_matrix:
    """The plain definition of :func:`pool_mentions` (scipy's max per entity)."""
    X = sp.csr_matrix(X)
    out = [X[list(r[:FRAMING_MENTIONS])].max(axis=0) if len(r) else sp.csr_matrix((1, X.shape[1])) for r in rows_per_entity]
    if not out:
        return sp.csr_matrix((0, X.shape[1]), dtype=np.float32)
    return sp.vstack([sp.csr_matrix(o) for o in out], format="csr", dtype=np.float32)


class FramingModel:
    """Logistic regression over ``framing_matrix`` rows; an entity is framed when p >= threshold."""

    FILE = "framing.npz"

    def __init__(self, coef: np.ndarray, bias: float, threshold: float) -> None:
        self.coef_ = np.asarray(coef, np.float32)
        self.bias_ = float(bias)
        self.threshold_ = float(threshold)

    def proba(self, X: sp.csr_matrix) -> np.ndarray:
        if X.shape[1] != self.coef_.shape[0]:
            raise ModelError(f"framing model expects {self.coef_.shape[0]} features, got {X.shape[1]}",
                             hint="retrain with `narrascope train roles` so both files come from one run")
        z = np.asarray(X @ self.coef_).ravel() + self.bias_
        return 1.0 / (1.0 + np.exp(-z))

    def framed(self, X: sp.csr_matrix) -> np.ndarray:
        return self.proba(X) >= self.threshold_

    def save(self, folder: str | Path) -> None:
        used = np.flatnonzero(self.coef_ != 0).astype(np.int32)
        np.savez_compressed(Path(folder) / self.FILE, n=np.int64(self.coef_.shape[0]), used=used,
                            coef=self.coef_[used].astype(np.float16), bias=np.float32(self.bias_),
                            threshold=np.float32(self.threshold_))

    @classmethod
    def load(cls, folder: str | Path) -> "FramingModel | None":
        """The saved model, or ``None`` when the folder has none (older models: every entity is framed)."""
        path = Path(folder) / cls.FILE
        if not path.exists():
            return None
        try:
            z = np.load(path, allow_pickle=False)
            coef = np.zeros(int(z["n"]), np.float32)
            coef[z["used"]] = z["coef"].astype(np.float32)
            return cls(coef, float(z["bias"]), float(z["threshold"]))
        except (ValueError, OSError, KeyError) as e:
            raise ModelError(f"framing model is corrupt: {e}", where=str(path),
                             hint="reinstall narrascope or run `narrascope train roles`") from None

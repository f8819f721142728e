"""Persuasion-technique spans: a sentence head that says *whether* a sentence carries a technique and
a token head that says *which words* do.

Two linear models over hashed features (numpy at inference, no vocabulary shipped):

- the **sentence head** scores every sentence for the 23 techniques (hashed word 1-2-gram + char
  3-5-gram TF-IDF of the sentence, plus a down-weighted TF-IDF of its paragraph);
- the **token head** scores each word token for "inside a span of technique *t*", trained only on
  the sentences that carry *t* (so it learns where in the sentence the technique sits, not whether
  it is there). Token features: the word, its prefix/suffix/shape, the words two to each side,
  the bigrams around it, its place in the sentence, whether it sits inside quotation marks, and a
  small multilingual cue lexicon (:data:`CUES`) shared across languages.

Decoding: for a sentence whose technique probability passes a low floor, the runs of tokens whose
inside-probability reaches the technique's token threshold (gaps of one token bridged) become
candidate spans; a span starts and ends on token boundaries (never inside a word), leading and
trailing punctuation other than quotation marks dropped. A candidate's raw score is
``p(sentence) * mean p(inside)``; a per-technique Platt calibration maps it to the probability
that the span overlaps a gold span of the same technique (fitted on out-of-fold candidates), so
one threshold means the same for every technique. The threshold itself is per language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError
from .hashed_linear import HashedTfidf, LinearHead, quantize_rows, read_artifacts
from .hashing import hash_features, murmurhash3_32  # scikit-learn's FeatureHasher / murmurhash3_32 values

TOKEN = re.compile(r"\w+(?:[-'\u2019]\w+)*|[^\w\s]", re.UNICODE)
QUOTES = set("\"\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019'")
_STRIP = set(".,;:!?)]}([{-\u2013\u2014/\u2026")
N_TOKEN_FEATURES = 2**17

# Multilingual cue words (stems, lower case, matched as prefixes of a token): hints a linear model
# can share across languages where word n-grams do not transfer. Kept small on purpose.
CUES = {
    "intens": "very extremely totally absolutely utterly completely truly really huge massive enorm "
              "très vraiment totalement absolument énorme sehr völlig total absolut riesig "
              "molto davvero totalmente assolutamente enorme bardzo całkowicie zupełnie ogromn "
              "очень совершенно абсолютно огромн полностью".split(),
    "doubt": "so-called alleged supposed claim apparently dubious pretend "
             "prétendu soi-disant supposé prétend "
             "sogenannt angeblich vermeintlich behauptet "
             "cosiddett presunt presumibil sedicent "
             "tzw rzekom domniema podobno "
             "так называем якобы мнимый будто".split(),
    "fear": "threat danger catastroph disaster destroy death kill terror crisis collapse "
            "menace danger catastroph désastre détrui mort terreur "
            "bedroh gefahr katastroph zerstör tod terror "
            "minaccia pericol catastrof distrugg morte terror "
            "zagroż niebezpiecz katastrof zniszcz śmierć terror "
            "угроз опасн катастроф уничтож смерт террор кризис".split(),
    "insult": "idiot fool stupid liar criminal puppet regime thug traitor clown cult fascist nazi "
              "communist globalist elite bureaucrat propagand corrupt "
              "idiot imbécile stupide menteur criminel marionnette régime traître clown secte "
              "idiot dumm lügner verbrecher marionette regime verräter clown sekte "
              "idiota stupid bugiard criminal burattin regime traditor pagliacc setta "
              "idiot głup kłamc przestęp marionet reżim zdrajc klaun sekt "
              "идиот дурак глуп лжец преступ марионет режим предател клоун секта фашист нацист".split(),
    "nation": "nation patriot our country people homeland flag "
              "nation patrie notre pays peuple "
              "nation vaterland unser volk heimat "
              "nazion patria nostro paese popolo "
              "naród ojczyzn nasz kraj "
              "родин народ наш отечеств страна патриот".split(),
    "must": "must never always everyone nobody nothing everything "
            "doit jamais toujours tout personne rien "
            "muss nie immer alle niemand nichts "
            "deve mai sempre tutti nessuno niente "
            "musi nigdy zawsze wszyscy nikt nic "
            "должн никогда всегда все никто ничего".split(),
}
_CUE_PREFIX = sorted({(w, k) for k, ws in CUES.items() for w in ws if " " not in w}, key=lambda x: -len(x[0]))
_CUE_BY_LEN: dict[int, dict[str, str]] = {}
for _w, _k in _CUE_PREFIX:
    _CUE_BY_LEN.setdefault(len(_w), {})[_w] = _k
_CUE_LENS = sorted(_CUE_BY_LEN, reverse=True)


def tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Word and punctuation tokens of ``text[start:end]`` as absolute offsets."""
    return [(start + m.start(), start + m.end()) for m in TOKEN.finditer(text[start:end])]


def _shape(w: str) -> str:
    if not w[0].isalnum():
        return "Q" if w in QUOTES else "P"
    if w.isdigit():
        return "D"
    if w.isupper() and len(w) > 1:
        return "A"
    if w[0].isupper():
        return "C"
    return "l"


def _cue(lw: str) -> str | None:
    """The kind of the longest cue stem ``lw`` starts with (no stem is listed under two kinds)."""
    for n in _CUE_LENS:
        if len(lw) >= n:
            k = _CUE_BY_LEN[n].get(lw[:n])
            if k is not None:
                return k
    return None


def article_counts(text: str) -> dict[str, int]:
    """Lower-cased word counts of the whole article (for the repetition features)."""
    out: dict[str, int] = {}
    for m in TOKEN.finditer(text):
        w = m.group(0)
        if len(w) > 2 and w[0].isalnum():
            w = w.lower()
            out[w] = out.get(w, 0) + 1
    return out


def token_feature_strings(text: str, toks: Sequence[tuple[int, int]],
                          counts: dict[str, int] | None = None) -> list[list[str]]:
    """Feature strings of every token of one sentence (hashed later); ``counts``: :func:`article_counts`."""
    words = [text[s:e] for s, e in toks]
    low = [w.lower() for w in words]
    shapes = [_shape(w) for w in words]
    cues = [_cue(w) for w in low]
    n = len(words)
    out = []
    in_q = False
    for i in range(n):
        lw = low[i]
        f = ["b", "w=" + lw, "s3=" + lw[-3:], "p4=" + lw[:4], "sh=" + shapes[i],
             "pos=" + ("0" if i == 0 else "L" if i == n - 1 else str(min(4, int(5 * i / n))))]
        for d in (-2, -1, 1, 2):
            j = i + d
            f.append(f"w{d}=" + (low[j] if 0 <= j < n else "<>"))
            if 0 <= j < n:
                f.append(f"sh{d}=" + shapes[j])
                if cues[j]:
                    f.append(f"cue{d}=" + cues[j])
        f.append("b-=" + (low[i - 1] if i else "<>") + "|" + lw)
        f.append("b+=" + lw + "|" + (low[i + 1] if i + 1 < n else "<>"))
        if cues[i]:
            f.append("cue=" + cues[i])
        if counts is not None and len(lw) > 2:
            k = counts.get(lw, 1)
            rb = "1" if k <= 1 else "2" if k == 2 else "3" if k <= 4 else "5"
            f.append("rep=" + rb)
            f.append("rep=" + rb + "|" + shapes[i])
        if words[i] in QUOTES:
            in_q = not in_q
        elif in_q:
            f.append("inq")
        out.append(f)
    return out


# -- vectorised token features ----------------------------------------------------------------------
# The same features as :func:`token_feature_strings` + :func:`hash_tokens` (the reference, used by the
# tests), built without per-token feature strings: each distinct word's hashed columns are computed
# once per process (cached), the context features are shifted arrays, and the rows are assembled
# with numpy. The hash is the one sklearn's FeatureHasher uses (signed MurmurHash3, seed 0, abs,
# modulo the number of columns), so the matrices are identical.
_HCACHE: dict[str, int] = {}
_WCACHE: dict[str, tuple] = {}
_CACHE_MAX = 400_000
_SHAPES = "QPDACl"
_CUE_KINDS = tuple(CUES)
_DS = (-2, -1, 1, 2)


def _h(f: str) -> int:
    """Column of feature string ``f`` (FeatureHasher's: |murmurhash3_32(f, seed=0)| mod columns)."""
    i = _HCACHE.get(f)
    if i is None:
        if len(_HCACHE) > _CACHE_MAX:
            _HCACHE.clear()
        i = _HCACHE[f] = abs(murmurhash3_32(f, seed=0)) % N_TOKEN_FEATURES
    return i


_CONST: dict = {}


def _consts() -> dict:
    """Columns of the features whose strings come from a small fixed set."""
    if not _CONST:
        c = _CONST
        c["b"] = _h("b")
        c["sh"] = np.array([_h("sh=" + x) for x in _SHAPES])
        c["pos"] = np.array([_h("pos=" + x) for x in "01234L"])  # index 5 = last token
        c["pad"] = {d: _h(f"w{d}=<>") for d in _DS}
        c["shd"] = {d: np.array([_h(f"sh{d}=" + x) for x in _SHAPES]) for d in _DS}
        c["cued"] = {d: np.array([_h(f"cue{d}=" + k) for k in _CUE_KINDS]) for d in _DS}
        c["cue"] = np.array([_h("cue=" + k) for k in _CUE_KINDS])
        c["rep"] = np.array([_h("rep=" + r) for r in "1235"])
        c["repsh"] = np.array([[_h("rep=" + r + "|" + x) for x in _SHAPES] for r in "1235"])
        c["inq"] = _h("inq")
    return _CONST


def _word_entry(w: str) -> tuple:
    """(shape, cue kind or -1, is quote, len(lower) > 2, w=, s3=, p4=, w-2=, w-1=, w1=, w2=) of one token string."""
    e = _WCACHE.get(w)
    if e is None:
        lw = w.lower()
        cue = _cue(lw)
        e = (_SHAPES.index(_shape(w)), -1 if cue is None else _CUE_KINDS.index(cue), int(w in QUOTES), int(len(lw) > 2),
             _h("w=" + lw), _h("s3=" + lw[-3:]), _h("p4=" + lw[:4]), *(_h(f"w{d}=" + lw) for d in _DS))
        if len(_WCACHE) > _CACHE_MAX:
            _WCACHE.clear()
        _WCACHE[w] = e
    return e


def token_matrix(text: str, toks_of: Sequence[Sequence[tuple[int, int]]],
                 counts: dict[str, int] | None = None) -> sp.csr_matrix:
    """Hashed, L2-normalised token features of the sentences ``toks_of`` (token offsets per sentence),
    rows in order; equal to ``hash_tokens([f for toks in toks_of for f in token_feature_strings(text, toks, counts)])``."""
    words = [text[s:e] for toks in toks_of for s, e in toks]
    T = len(words)
    if not T:
        return sp.csr_matrix((0, N_TOKEN_FEATURES), dtype=np.float32)
    c = _consts()
    E = np.array([_word_entry(w) for w in words], dtype=np.int64)
    shape, cue, isq, long_ = E[:, 0], E[:, 1], E[:, 2].astype(bool), E[:, 3].astype(bool)
    lens = np.array([len(t) for t in toks_of if len(t)], dtype=np.int64)
    starts = np.repeat(np.cumsum(lens) - lens, lens)
    n = np.repeat(lens, lens)
    i = np.arange(T) - starts
    cols = [np.full(T, c["b"]), E[:, 4], E[:, 5], E[:, 6], c["sh"][shape]]
    pos = np.minimum(4, (5 * i) // n)
    pos[i == n - 1] = 5
    pos[i == 0] = 0
    cols.append(c["pos"][pos])
    for k, d in enumerate(_DS):
        j = np.clip(np.arange(T) + d, 0, T - 1)
        ok = (i + d >= 0) & (i + d < n)
        cols.append(np.where(ok, E[j, 7 + k], c["pad"][d]))
        cols.append(np.where(ok, c["shd"][d][shape[j]], -1))
        cols.append(np.where(ok & (cue[j] >= 0), c["cued"][d][np.maximum(cue[j], 0)], -1))
    low = [w.lower() for w in words]
    first = i == 0
    last = i == n - 1
    bm = [0] * T
    bp = [0] * T
    h = _h
    for t in range(T):
        lw = low[t]
        bm[t] = h("b-=" + ("<>" if first[t] else low[t - 1]) + "|" + lw)
        bp[t] = h("b+=" + lw + "|" + ("<>" if last[t] else low[t + 1]))
    cols += [np.array(bm), np.array(bp), np.where(cue >= 0, c["cue"][np.maximum(cue, 0)], -1)]
    if counts is not None:
        k = np.array([counts.get(lw, 1) for lw in low])
        rb = np.select([k <= 1, k == 2, k <= 4], [0, 1, 2], 3)
        cols.append(np.where(long_, c["rep"][rb], -1))
        cols.append(np.where(long_, c["repsh"][rb, shape], -1))
    # inside quotation marks: an odd number of quote tokens so far in the sentence (quotes themselves excluded)
    cq = np.cumsum(isq)
    before = cq[starts] - isq[starts]
    cols.append(np.where(~isq & ((cq - before) % 2 == 1), c["inq"], -1))
    # rows: the distinct columns of each token, sorted (absent features are -1); value 1/sqrt(count)
    F = np.sort(np.column_stack(cols), axis=1)
    keep = F >= 0
    keep[:, 1:] &= F[:, 1:] != F[:, :-1]
    cnt = keep.sum(axis=1)
    indptr = np.zeros(T + 1, dtype=np.int32)
    np.cumsum(cnt, out=indptr[1:])
    data = np.repeat((1.0 / np.sqrt(cnt.astype(np.float32))).astype(np.float32), cnt)
    return sp.csr_matrix((data, F[keep].astype(np.int32), indptr), shape=(T, N_TOKEN_FEATURES))


def encoder_token_block(text: str, toks_of: Sequence[Sequence[tuple[int, int]]], enc, proj: np.ndarray) -> np.ndarray:
    """Dense cross-lingual token features from the shared encoder pass ``enc``
    (:class:`~narrascope.models.static_encoder.DocEncoding` of ``text``): for every word token (rows
    in the order of :func:`token_matrix`), the projected mean vector of the encoder pieces that start
    inside it, and the means over the two words to its left and to its right in the sentence
    (``(n_tokens, 3 * k)``, ``proj``: ``(dim, k)``)."""
    k = proj.shape[1]
    lens = [len(t) for t in toks_of if len(t)]
    T = sum(lens)
    if not T:
        return np.zeros((0, 3 * k), dtype=np.float32)
    ws = np.fromiter((s for toks in toks_of for s, _ in toks), dtype=np.int64, count=T)
    we = np.fromiter((e for toks in toks_of for _, e in toks), dtype=np.int64, count=T)
    starts = np.asarray(enc.starts, dtype=np.int64)
    PV = np.zeros((len(starts) + 1, k), dtype=np.float64)
    if len(starts):
        np.cumsum(np.asarray(enc.token_vectors, dtype=np.float32) @ proj, axis=0, out=PV[1:])
    lo, hi = np.searchsorted(starts, ws, "left"), np.searchsorted(starts, we, "left")
    n = np.maximum(hi - lo, 1)[:, None]
    W = ((PV[hi] - PV[lo]) / n).astype(np.float32)
    L = np.asarray(lens, dtype=np.int64)
    i = np.arange(T) - np.repeat(np.cumsum(L) - L, L)
    nn = np.repeat(L, L)
    left = np.zeros_like(W)
    right = np.zeros_like(W)
    cl = np.zeros(T, dtype=np.float32)
    cr = np.zeros(T, dtype=np.float32)
    for d in (1, 2):
        ok = i - d >= 0
        left[ok] += W[np.flatnonzero(ok) - d]
        cl += ok
        ok = i + d < nn
        right[ok] += W[np.flatnonzero(ok) + d]
        cr += ok
    left /= np.maximum(cl, 1)[:, None]
    right /= np.maximum(cr, 1)[:, None]
    return np.hstack([W, left, right])


def _encoding(text: str, sentences, enc):
    if enc is None:
        from .static_encoder import default_encoder

        enc = default_encoder().encode_document(text, list(sentences))
    return enc


def hash_tokens(feature_lists: list[list[str]]) -> sp.csr_matrix:
    X = hash_features(feature_lists, N_TOKEN_FEATURES, alternate_sign=False, dtype=np.float32)
    X.data[:] = 1.0
    norms = np.sqrt(np.asarray(X.sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sp.diags(1.0 / norms) @ X).tocsr()


def sentence_matrix(feats: HashedTfidf, sent_texts: Sequence[str], para_of: Sequence[int],
                    para_texts: Sequence[str], para_weight: float) -> sp.csr_matrix:
    Xs = feats.transform(list(sent_texts))
    if para_weight <= 0 or not len(sent_texts):
        return Xs
    Xp = feats.transform(list(para_texts))[np.asarray(para_of)]
    return sp.hstack([Xs, para_weight * Xp], format="csr").astype(np.float32)


@dataclass
class Candidate:
    technique: int
    start: int
    end: int
    sentence: int
    p_sentence: float
    p_tokens: float
    raw: float
    p_word: float = 0.0
    score: float = 0.0


def runs(q: np.ndarray, thr: float, gap: int = 1) -> list[tuple[int, int]]:
    """Maximal runs ``[i, j]`` (inclusive) of ``q >= thr``, bridging gaps of up to ``gap`` tokens."""
    on = np.where(q >= thr)[0]
    if not len(on):
        return []
    out, a, b = [], int(on[0]), int(on[0])
    for i in on[1:]:
        i = int(i)
        if i - b - 1 <= gap:
            b = i
        else:
            out.append((a, b))
            a = b = i
    out.append((a, b))
    return out


def trim_run(text: str, toks: Sequence[tuple[int, int]], a: int, b: int) -> tuple[int, int] | None:
    """Drop leading/trailing punctuation tokens (quotation marks stay only when paired in the run)."""
    while a <= b and text[toks[a][0]:toks[a][1]] in _STRIP:
        a += 1
    while b >= a and text[toks[b][0]:toks[b][1]] in _STRIP:
        b -= 1
    if a > b:
        return None
    inner = [text[s:e] for s, e in toks[a:b + 1]]
    qs = sum(1 for w in inner if w in QUOTES)
    if qs % 2 == 1:  # an unpaired quote at an edge: drop it
        if inner[0] in QUOTES and a < b:
            a += 1
        elif inner[-1] in QUOTES and b > a:
            b -= 1
    return a, b


class SpanModel:
    """The trained span model: features, two heads, calibration, per-language thresholds."""

    def __init__(self, labels: list[str], feats: HashedTfidf, sent_head: LinearHead, tok_head: LinearHead,
                 word_head: LinearHead | None = None, *, para_weight: float = 0.0, sent_floor: float = 0.1,
                 word_floor: float = 0.5, token_thr: np.ndarray | None = None,
                 calib: np.ndarray | None = None, thresholds: dict[str, float] | None = None,
                 para_thresholds: dict[str, float] | None = None, meta: dict | None = None,
                 enc: dict | None = None):
        self.labels = list(labels)
        # optional encoder features (``enc``): ``proj`` (dim, k) projection of the encoder's token vectors,
        # ``tok_weight``/``sent_weight`` their scales, and the dense weight blocks of the three heads:
        # ``sent_W`` (L, dim) on the sentence vector, ``tok_W``/``word_W`` (L, 3k) on the token block
        self.enc = None if enc is None else {k: (np.asarray(v, np.float32) if isinstance(v, np.ndarray) else v)
                                             for k, v in enc.items()}
        self.feats = feats
        self.sent_head = sent_head
        self.tok_head = tok_head
        self.word_head = word_head
        self.para_weight = float(para_weight)
        self.sent_floor = float(sent_floor)
        self.word_floor = float(word_floor)
        L = len(self.labels)
        self.token_thr = np.full(L, 0.5, dtype=np.float32) if token_thr is None else np.asarray(token_thr, np.float32)
        self.calib = (np.tile(np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32), (L, 1)) if calib is None
                      else np.asarray(calib, np.float32))
        self.thresholds = dict(thresholds or {"default": 0.5})
        self.para_thresholds = dict(para_thresholds or {})
        self.meta = dict(meta or {})

    # -- scoring --------------------------------------------------------------------------------
    def _wt(self, head: str) -> np.ndarray:
        """``W.T`` of a token head as a C-ordered array, made once (a sparse matrix times the
        transposed view copies the whole weight matrix on every call)."""
        cache = self.__dict__.setdefault("_wt_cache", {})
        if head not in cache:
            cache[head] = np.ascontiguousarray((self.tok_head if head == "tok" else self.word_head).W.T)
        return cache[head]

    def threshold(self, lang: str | None, technique: int | None = None) -> float:
        """The language's threshold; for a technique that language's training gold never annotates,
        the pooled ``default`` one (its scores there come from the other languages only)."""
        if technique is not None and self.labels[technique] in self.meta.get("unannotated", {}).get(lang or "", ()):
            lang = None
        return float(self.thresholds.get(lang or "", self.thresholds.get("default", 0.5)))

    def calibrate(self, j: int, ps: float, pt: float, pw: float) -> float:
        """P(span is right) from log sentence, token and word-head probabilities (logistic, per technique)."""
        a, b, c, d = self.calib[j]
        z = a * np.log(max(ps, 1e-6)) + b * np.log(max(pt, 1e-6)) + c * np.log(max(pw, 1e-6)) + d
        return float(1.0 / (1.0 + np.exp(-z)))

    def _check_encoder(self, enc) -> None:
        want, got = self.enc.get("encoder_id"), getattr(enc, "model_id", None)
        if want and got and want != got:
            raise ModelError(f"the technique span model was trained on encoder {want!r}, the shared encoder is {got!r}",
                             hint="retrain with `narrascope train techniques --model spans --encoder-dims 16`")

    def sentence_dense(self, enc) -> np.ndarray | None:
        """The encoder part of the sentence head's logits (S, L) from the encoder's sentence vectors."""
        if self.enc is None:
            return None
        self._check_encoder(enc)
        return (self.enc["sent_weight"] * np.asarray(enc.sentence_vectors, np.float32)) @ self.enc["sent_W"].T

    def candidates(self, text: str, sentences: Sequence[tuple[int, int]], paragraphs: Sequence[tuple[int, int]],
                   *, sent_probs: np.ndarray | None = None, encoding=None) -> tuple[list[Candidate], np.ndarray]:
        """Every candidate span (any score) and the sentence probabilities (S, L). ``encoding``: the
        shared encoder pass of ``text`` with sentence vectors of ``sentences`` (made when needed and not given)."""
        L = len(self.labels)
        if not sentences:
            return [], np.zeros((0, L))
        para_of, j = [], 0
        for s, _ in sentences:
            while j < len(paragraphs) - 1 and s >= paragraphs[j][1]:
                j += 1
            para_of.append(j)
        if sent_probs is None:
            ptexts = [text[s:e] for s, e in paragraphs] or [text]
            X = sentence_matrix(self.feats, [text[s:e] for s, e in sentences], para_of, ptexts, self.para_weight)
            z = self.sent_head.decision(X)
            if self.enc is not None:
                encoding = _encoding(text, sentences, encoding)
                z = z + self.sentence_dense(encoding)
            sent_probs = 1.0 / (1.0 + np.exp(-z))
        out: list[Candidate] = []
        toks_of = [tokens(text, s, e) for s, e in sentences]
        if not any(toks_of):
            return out, sent_probs
        XT = token_matrix(text, toks_of, article_counts(text))
        # all heads on all tokens at once (n_tokens x L), against C-ordered (F, L) copies of the weights
        ZQ = XT @ self._wt("tok") + self.tok_head.b[None, :]
        ZU = XT @ self._wt("word") + self.word_head.b[None, :] if self.word_head is not None else None
        if self.enc is not None:
            encoding = _encoding(text, sentences, encoding)
            self._check_encoder(encoding)
            D = self.enc["tok_weight"] * encoder_token_block(text, toks_of, encoding, self.enc["proj"])
            ZQ = ZQ + D @ self.enc["tok_W"].T
            if ZU is not None:
                ZU = ZU + D @ self.enc["word_W"].T
        Q_all = 1.0 / (1.0 + np.exp(-ZQ))
        U_all = None
        if ZU is not None:  # the word head sees every token: it can open a sentence the sentence head missed
            U_all = 1.0 / (1.0 + np.exp(-ZU))
        row = 0
        for si, toks in enumerate(toks_of):
            n = len(toks)
            if not n:
                continue
            r0 = row
            row += n
            open_ = sent_probs[si] >= self.sent_floor
            if U_all is not None:
                open_ |= U_all[r0:row].max(axis=0) >= self.word_floor
            js = np.where(open_)[0]
            if not len(js):
                continue
            Q = Q_all[r0:row][:, js]
            U = U_all[r0:row][:, js] if U_all is not None else Q
            for c, jj in enumerate(js):
                jj = int(jj)
                q = Q[:, c]
                rs = runs(q, float(self.token_thr[jj]))
                if not rs:
                    k = int(np.argmax(q))
                    rs = [(k, k)]
                ps = float(sent_probs[si, jj])
                for a, b in rs:
                    ab = trim_run(text, toks, a, b)
                    if ab is None:
                        continue
                    a, b = ab
                    pt = float(q[a:b + 1].mean())
                    pw = float(U[a:b + 1, c].max())
                    raw = ps * pt
                    out.append(Candidate(jj, toks[a][0], toks[b][1], si, ps, pt, raw, pw,
                                         self.calibrate(jj, ps, pt, pw)))
        return out, sent_probs

    def predict(self, text: str, sentences, paragraphs, lang: str | None = None,
                threshold: float | None = None) -> list[Candidate]:
        cands, _ = self.candidates(text, sentences, paragraphs)
        return [c for c in cands if c.score >= (self.threshold(lang, c.technique) if threshold is None else float(threshold))]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The one model protocol (models/base.py): (n, k) independent per-technique probabilities of
        the sentence head, each text read as a sentence that is its own paragraph."""
        texts = list(texts)
        X = sentence_matrix(self.feats, texts, list(range(len(texts))), texts, self.para_weight)
        return self.sent_head.predict_proba(X)

    # -- persistence ----------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = self.feats.arrays()
        arrays.update(self.sent_head.arrays("sent_"))
        np.savez_compressed(folder / "weights.npz", **arrays)  # one file per head: each stays under 4 MB
        np.savez_compressed(folder / "tokens.npz", **self.tok_head.arrays("tok_"))
        if self.word_head is not None:
            np.savez_compressed(folder / "words.npz", **self.word_head.arrays("word_"))
        if self.enc is not None:
            np.savez_compressed(folder / "encoder.npz", **{"enc_" + k: np.asarray(v, np.float32) for k, v in self.enc.items()
                                                           if isinstance(v, np.ndarray)})
        meta = {
            "format": 1, "kind": "technique-spans", "labels": self.labels, "features": self.feats.config(),
            "heads": {"sent": self.sent_head.config(), "tok": self.tok_head.config(),
                      **({"word": self.word_head.config()} if self.word_head is not None else {})},
            "token_features": N_TOKEN_FEATURES, "para_weight": self.para_weight, "sent_floor": self.sent_floor,
            "word_floor": self.word_floor,
            "token_thr": [round(float(x), 4) for x in self.token_thr],
            "calibration": {t: [round(float(x), 5) for x in row] for t, row in zip(self.labels, self.calib)},
            "thresholds": self.thresholds, "para_thresholds": self.para_thresholds,
        }
        if self.enc is not None:
            meta["encoder"] = {k: v for k, v in self.enc.items() if not isinstance(v, np.ndarray)}
        meta.update(self.meta)
        (folder / "model.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "SpanModel":
        folder = Path(folder)
        meta, arrays = read_artifacts(folder, ("weights.npz", "tokens.npz"), ("words.npz", "encoder.npz"), what="span model",
                                      hint="reinstall narrascope or retrain with `narrascope train techniques`")
        if meta.get("kind") != "technique-spans" or meta.get("token_features") != N_TOKEN_FEATURES:
            raise ModelError("not a technique span model of this version", where=str(folder),
                             hint="retrain with `narrascope train techniques`")
        labels = meta["labels"]
        feats = HashedTfidf.from_arrays(meta["features"], arrays)
        sent = LinearHead.from_arrays(meta["heads"]["sent"], arrays, "sent_")
        tok = LinearHead.from_arrays(meta["heads"]["tok"], arrays, "tok_")
        word = LinearHead.from_arrays(meta["heads"]["word"], arrays, "word_") if "word" in meta["heads"] else None
        calib = np.array([meta["calibration"][t] for t in labels], dtype=np.float32)
        known = {"format", "kind", "labels", "features", "heads", "token_features", "para_weight", "sent_floor", "word_floor",
                 "token_thr", "calibration", "thresholds", "para_thresholds", "encoder"}
        enc = None
        if "encoder" in meta:
            enc = dict(meta["encoder"])
            enc.update({k[4:]: arrays[k] for k in arrays if k.startswith("enc_")})
        return cls(labels, feats, sent, tok, word, para_weight=meta["para_weight"], sent_floor=meta["sent_floor"],
                   word_floor=meta.get("word_floor", 0.5),
                   token_thr=np.array(meta["token_thr"]), calib=calib, thresholds=meta["thresholds"],
                   para_thresholds=meta.get("para_thresholds"), meta={k: v for k, v in meta.items() if k not in known},
                   enc=enc)


__all__ = ["SpanModel", "Candidate", "tokens", "token_feature_strings", "hash_tokens", "runs", "trim_run",
           "quantize_rows", "sentence_matrix"]

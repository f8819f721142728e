"""Entity mention tagger on the shared encoder (five languages; numpy only at inference).

Reads the document's ``features.encoder`` pass (:class:`~narrascope.models.static_encoder.DocEncoding`:
piece vectors and character offsets) and tags words with BIO x {PERSON, ORG, GPE, NORP, LOC}:

- **words**: runs of letters/digits (Devanagari and combining marks included, inner ``'-.`` kept),
  every other non-space character is a word of its own; a mention is a run of words, so its offsets
  always fall on word boundaries (``text[m.start:m.end] == m.text``, never inside a word);
- **dense part**: each word's vector is the mean of its pieces' encoder vectors; a one-hidden-layer
  MLP reads the vectors of the word and its neighbours in a +-2 window (one weight block per position:
  ``relu(sum_k V[i+k] @ W1[k] + b1) @ W2 + b2``);
- **hashed part**: surface features (lower-cased word and its neighbours, word shape of the word and
  its neighbours, 3-letter prefix and suffix, capitalised x sentence-initial, language x shape, inside
  a capitalised-span / gazetteer candidate) hashed (CRC-32, stable across runs and platforms) into
  ``2**bits`` rows of a table added to the output logits;
- **decoding**: a word is inside a mention when its best non-O score beats O (minus a per-language
  offset ``o_bias`` tuned in cross-validation); a mention starts at a B tag, after a non-mention word,
  or after a line break; its type is the most probable type summed over its words (greedy decoding
  with the BIO constraint, vectorised).

Trained by :mod:`narrascope.training.mention_tagger` (``narrascope train mentions``) on spaCy's English
NER output (silver) and the SemEval-2025 Task 10 subtask-1 mentions of all five languages; the model
card in ``models/artifacts/mentions/`` has the cross-validated numbers.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError
from .base import artifact_dir, dequantize_rows, quantize_rows, read_artifacts, write_artifacts
from .entities import GROUP_NOUNS, Mention, capitalised_mentions, gazetteer_mentions, trim_mention

TYPES = ("PERSON", "ORG", "GPE", "NORP", "LOC")
LABELS = ("O",) + tuple(f"{p}-{t}" for t in TYPES for p in ("B", "I"))
WINDOW = 2  # neighbours on each side read by the dense part
N_SLOTS = 14  # hashed features per word (see word_inputs)
ARTIFACT = "mentions"

_MARKS = "\u0300-\u036F\u0483-\u0489\u0900-\u097F\u200C\u200D"
_WORD = re.compile(rf"[\w{_MARKS}]+(?:['’.\-][\w{_MARKS}]+)*|[^\s\w{_MARKS}]")
_GROUP_RE = re.compile(r"(?<![\w-])(?:" + "|".join(GROUP_NOUNS) + r")(?![\w-])", re.IGNORECASE)
_SENT_END = frozenset('.!?:;"“”«»\u0964')  # \u0964: the Devanagari danda


def words(text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Word starts, ends (int64 arrays) and surfaces of ``text``."""
    found = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    if not found:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), []
    s, e, w = zip(*found)
    return np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64), list(w)


def shape(w: str) -> str:
    """Word shape: X upper, x lower, a caseless letter, d digit, other characters as they are; runs
    collapsed, at most 4 symbols ("Putin" -> "Xx", "U.S" -> "X.X", "2024" -> "d", "रूस" -> "a")."""
    out = []
    for c in w:
        if c.isupper():
            k = "X"
        elif c.islower():
            k = "x"
        elif c.isdigit():
            k = "d"
        elif c.isalpha():
            k = "a"
        elif "\u0900" <= c <= "\u097f" or "\u0300" <= c <= "\u036f":
            continue  # combining signs belong to the letter before
        else:
            k = c
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out[:4])


def _h(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


@lru_cache(maxsize=200_000)
def _word_features(w: str) -> tuple[int, int, int, int, int]:
    """Hashes of a word's lower-cased form, shape, prefix and suffix, and its capitalisation (cached)."""
    low = w.lower()
    return _h(low), _h("s" + shape(w)), _h("p" + low[:3]), _h("x" + low[-3:]), int(w[:1].isupper())


def _span_flags(n: int, starts: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Per word: 0 outside every span, 1 first word of a span, 2 a later word."""
    out = np.zeros(n, dtype=np.int64)
    if not spans or not n:
        return out
    sp = np.asarray(sorted(spans), dtype=np.int64).reshape(-1, 2)
    a = np.searchsorted(starts, sp[:, 0], "left")
    b = np.searchsorted(starts, sp[:, 1], "left")
    for i, j in zip(a.tolist(), b.tolist()):
        if j > i:
            out[i] = 1
            out[i + 1 : j] = 2
    return out


@dataclass
class TaggerInput:
    """What :meth:`MentionTagger.predict_proba` reads: one row per word.

    ``vectors``: ``(n, 2*WINDOW+1, dim)`` float32, the word vectors of the window around each word
    (zeros outside the text); ``hashed``: ``(n, N_SLOTS)`` uint32 feature hashes (bucketed by the
    model). :func:`word_inputs` makes them for a text; slicing keeps rows.
    """

    vectors: np.ndarray
    hashed: np.ndarray

    def __len__(self) -> int:
        return len(self.hashed)

    def __getitem__(self, idx) -> "TaggerInput":
        return TaggerInput(self.vectors[idx], self.hashed[idx])


@dataclass
class Words:
    """The words of a text with their mean encoder vectors and hashed features (the tagger's view)."""

    starts: np.ndarray
    ends: np.ndarray
    vectors: np.ndarray  # (n, dim) float32: mean piece vector of each word (zeros: no piece starts in it)
    hashed: np.ndarray  # (n, N_SLOTS) uint32
    newline_before: np.ndarray  # (n,) bool: a line break between the previous word and this one

    def __len__(self) -> int:
        return len(self.starts)

    def window(self, idx: np.ndarray | slice | None = None) -> TaggerInput:
        n, dim = self.vectors.shape
        pad = np.zeros((WINDOW, dim), dtype=np.float32)
        V = np.vstack([pad, self.vectors.astype(np.float32, copy=False), pad])
        rows = np.arange(n) if idx is None else np.arange(n)[idx]
        stacked = np.stack([V[rows + WINDOW + k] for k in range(-WINDOW, WINDOW + 1)], axis=1)
        return TaggerInput(stacked, self.hashed[rows])


def word_vectors(starts: np.ndarray, ends: np.ndarray, enc) -> np.ndarray:
    """Mean encoder vector of the pieces starting inside each word (``enc``: a DocEncoding)."""
    dim = enc.token_vectors.shape[1] if enc.token_vectors.ndim == 2 else 0
    out = np.zeros((len(starts), dim), dtype=np.float32)
    if not len(starts) or not len(enc.starts):
        return out
    ps = np.asarray(enc.starts, dtype=np.int64)
    w = np.searchsorted(starts, ps, "right") - 1
    ok = (w >= 0) & (ps < ends[np.maximum(w, 0)]) & (np.asarray(enc.ends) > ps)
    if not ok.any():
        return out
    w, rows = w[ok], enc.token_vectors[ok]
    # pieces are in text order, so each word's pieces are one run: add the j-th piece of every word
    # that has one (most words have one or two pieces)
    uniq, first, counts = np.unique(w, return_index=True, return_counts=True)
    S = rows[first].astype(np.float32, copy=True)
    for j in range(1, int(counts.max())):
        sel = counts > j
        S[sel] += rows[first[sel] + j]
    out[uniq] = S / counts[:, None]
    return out


def text_words(text: str, enc, lang: str) -> Words:
    """The tagger's view of ``text`` (``enc``: the text's DocEncoding; ``lang``: ISO code)."""
    starts, ends, ws = words(text)
    n = len(ws)
    lang = (lang or "xx").lower()
    F = np.asarray([_word_features(w) for w in ws], dtype=np.uint64).reshape(n, 5)
    hl, hs, hp, hx, cap = F[:, 0], F[:, 1], F[:, 2], F[:, 3], F[:, 4]
    # line breaks and sentence starts between consecutive words
    nl = np.flatnonzero(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) == 10) if "\n" in text else np.zeros(0, np.int64)
    prev_end = np.concatenate([[-1], ends[:-1]]) if n else ends
    newline = (np.searchsorted(nl, starts) - np.searchsorted(nl, np.maximum(prev_end, 0))) > 0 if n else np.zeros(0, bool)
    if n:
        newline[0] = True
    prev_punct = np.asarray([False] + [w in _SENT_END for w in ws[:-1]], dtype=bool) if n else np.zeros(0, bool)
    sent_init = newline | prev_punct
    cand = _span_flags(n, starts, [(m.start, m.end) for m in capitalised_mentions(text)]).astype(np.uint64)
    gaz = (_span_flags(n, starts, [(m.start, m.end) for m in gazetteer_mentions(text)]).astype(np.uint64)
           if lang == "hi" else np.zeros(n, np.uint64))
    hlang = np.uint64(_h("lang" + lang))

    def sh(a: np.ndarray, k: int, fill: int) -> np.ndarray:
        out = np.full(n, fill, dtype=np.uint64)
        if k > 0 and n > k:
            out[k:] = a[:-k]
        elif k < 0 and n > -k:
            out[:k] = a[-k:]
        elif k == 0:
            out[:] = a
        return out

    cols = [
        hl, sh(hl, 1, 1), sh(hl, -1, 2), sh(hl, 2, 3), sh(hl, -2, 4),
        hs, sh(hs, 1, 5), sh(hs, -1, 6),
        hp, hx,
        cap * 2 + sent_init.astype(np.uint64) + 11,
        hs ^ hlang,
        cand * 3 + gaz + 31 + cap * 16,
        (hs * np.uint64(31) + sh(hs, 1, 5)) ^ np.uint64(0x5BD1E995),
    ]
    H = np.stack(cols, axis=1) if n else np.zeros((0, N_SLOTS), np.uint64)
    # slot salt: the same value in two slots is two features
    H = (H * np.uint64(0x9E3779B1) + np.arange(N_SLOTS, dtype=np.uint64) * np.uint64(0x85EBCA77)) & np.uint64(0xFFFFFFFF)
    return Words(starts, ends, word_vectors(starts, ends, enc), H.astype(np.uint32), newline)


def _softmax(Z: np.ndarray) -> np.ndarray:
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


class MentionTagger:
    """BIO tagger over word windows of the shared encoder (see the module docstring)."""

    labels = LABELS

    def __init__(self, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, E: np.ndarray,
                 meta: dict | None = None) -> None:
        self.W1 = np.asarray(W1, dtype=np.float32)  # (2*WINDOW+1, dim, hidden)
        self.b1 = np.asarray(b1, dtype=np.float32)
        self.W2 = np.asarray(W2, dtype=np.float32)  # (hidden, k)
        self.b2 = np.asarray(b2, dtype=np.float32)
        self.E = np.asarray(E, dtype=np.float32)  # (2**bits, k)
        self._W1_flat: np.ndarray | None = None
        self.meta = dict(meta or {})
        self.bits = int(np.log2(len(self.E)))
        self.o_bias: dict[str, float] = {k: float(v) for k, v in self.meta.get("o_bias", {}).items()}

    # -- scoring ----------------------------------------------------------------------------------
    def buckets(self, hashed: np.ndarray) -> np.ndarray:
        return (np.asarray(hashed, dtype=np.uint32) >> np.uint32(32 - self.bits)).astype(np.int64)

    def logits(self, X: TaggerInput) -> np.ndarray:
        n = len(X)
        if n == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        V = X.vectors.reshape(n, -1)
        h = np.maximum(V @ self.W1.reshape(-1, self.W1.shape[2]) + self.b1, 0)
        return h @ self.W2 + self.b2 + self.E[self.buckets(X.hashed)].sum(axis=1)

    def word_logits(self, w: Words) -> np.ndarray:
        """Logits of every word of a text (the window computed by shifting, not by copying)."""
        n = len(w)
        if n == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        nwin, dim, hid = self.W1.shape
        if self._W1_flat is None:
            self._W1_flat = np.ascontiguousarray(self.W1.transpose(1, 0, 2).reshape(dim, nwin * hid))
        A = (w.vectors @ self._W1_flat).reshape(n, nwin, hid)  # every word through every window position
        U = np.zeros((n + 2 * WINDOW, hid), dtype=np.float32)
        for j, k in enumerate(range(-WINDOW, WINDOW + 1)):
            # word i reads V[i + k] @ W1[j]: add the product of word t into row t - k
            U[WINDOW - k : WINDOW - k + n] += A[:, j]
        h = np.maximum(U[WINDOW : WINDOW + n] + self.b1, 0)
        return h @ self.W2 + self.b2 + self.E[self.buckets(w.hashed)].sum(axis=1)

    def predict_proba(self, X: TaggerInput) -> np.ndarray:
        """``(n_words, 11)`` probabilities over :data:`LABELS` (one softmax head)."""
        return _softmax(self.logits(X)).astype(np.float64)

    # -- mentions ---------------------------------------------------------------------------------
    def decode(self, text: str, w: Words, Z: np.ndarray, lang: str = "") -> list[Mention]:
        """Mentions from word logits ``Z`` (greedy BIO decoding, vectorised; see the module docstring)."""
        n = len(w)
        if n == 0:
            return []
        bias = self.o_bias.get((lang or "").lower(), self.o_bias.get("default", 0.0))
        Z = Z.astype(np.float64).copy()
        Z[:, 0] -= bias
        P = _softmax(Z)
        best = Z.argmax(axis=1)
        inside = best != 0
        is_b = (best % 2 == 1)  # B-x columns are 1, 3, 5, ...
        prev_in = np.concatenate([[False], inside[:-1]])
        start = inside & (is_b | ~prev_in | w.newline_before)
        if not start.any():
            return []
        seg = np.cumsum(start) - 1  # mention index of each word (valid where inside)
        typ = P[:, 1:].reshape(n, len(TYPES), 2).sum(axis=2)  # (n, types)
        idx = np.flatnonzero(inside)
        mid = seg[idx]
        sums = np.zeros((int(seg.max()) + 1, len(TYPES)))
        np.add.at(sums, mid, typ[idx])
        first = np.full(len(sums), n, dtype=np.int64)
        last = np.full(len(sums), -1, dtype=np.int64)
        np.minimum.at(first, mid, idx)
        np.maximum.at(last, mid, idx)
        out: list[Mention] = []
        for k in range(len(sums)):
            a, b = int(first[k]), int(last[k])
            if b < a:
                continue
            s, e = trim_mention(text, int(w.starts[a]), int(w.ends[b]))
            # never start or end on a lone punctuation word
            while s < e and not (text[s].isalnum() or "\u0900" <= text[s] <= "\u097f"):
                s += 1
            if e <= s or not any(c.isalpha() for c in text[s:e]):
                continue
            if e < len(text) and s < e and text[e - 1] in ".'’-" and (text[e].isalnum()):
                continue
            out.append(Mention(s, e, text[s:e], TYPES[int(sums[k].argmax())]))
        return out

    def find(self, text: str, enc, lang: str = "") -> list[Mention]:
        """The mentions of ``text`` (``enc``: its DocEncoding, ``features.encoder``)."""
        w = text_words(text, enc, lang)
        return self.decode(text, w, self.word_logits(w), lang)

    # -- persistence ------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        qW1, sW1 = quantize_rows(self.W1.reshape(-1, self.W1.shape[2]), axis=0)
        qW2, sW2 = quantize_rows(self.W2, axis=0)
        qE, sE = quantize_rows(self.E, axis=1)
        meta = dict(self.meta, labels=list(self.labels), bits=self.bits, window=WINDOW, slots=N_SLOTS,
                    dim=int(self.W1.shape[1]), hidden=int(self.W1.shape[2]), o_bias=self.o_bias)
        write_artifacts(Path(folder), meta, {
            "W1_q": qW1, "W1_scale": sW1, "b1": self.b1, "W2_q": qW2, "W2_scale": sW2, "b2": self.b2,
            "E_q": qE, "E_scale": sE.astype(np.float16),
        })

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "MentionTagger":
        folder = Path(folder) if folder is not None else artifact_dir(ARTIFACT)
        meta, a = read_artifacts(folder, what="mention tagger",
                                 hint="reinstall narrascope or retrain with `narrascope train mentions`")
        if tuple(meta.get("labels", ())) != LABELS or int(meta.get("slots", -1)) != N_SLOTS:
            raise ModelError("the mention tagger files were written by another version (labels or features differ)",
                             where=str(folder), hint="retrain with `narrascope train mentions`")
        W1 = dequantize_rows(a["W1_q"], a["W1_scale"], axis=0).reshape(2 * WINDOW + 1, int(meta["dim"]), int(meta["hidden"]))
        W2 = dequantize_rows(a["W2_q"], a["W2_scale"], axis=0)
        E = dequantize_rows(a["E_q"], a["E_scale"].astype(np.float32), axis=1)
        return cls(W1, a["b1"], W2, a["b2"], E, meta)


def with_extras(text: str, mentions: list[Mention], lang: str) -> list[Mention]:
    """What the analyzer adds to the tagger's mentions: English people-group nouns (``GROUP``, as on
    the spaCy path) and, for Hindi, the hand-written gazetteer's hits; none overlaps a tagged mention."""
    extra: list[Mention] = []
    if lang == "en":
        extra = [Mention(m.start(), m.end(), m.group(0), "GROUP") for m in _GROUP_RE.finditer(text)]
    elif lang == "hi":
        extra = gazetteer_mentions(text)
    if not extra:
        return mentions
    spans = [(m.start, m.end) for m in mentions]
    out = list(mentions) + [m for m in extra if not any(a < m.end and m.start < b for a, b in spans)]
    return sorted(out, key=lambda m: (m.start, m.end))


_SHIPPED: MentionTagger | None = None


def shipped_tagger() -> MentionTagger:
    """The shipped tagger (loaded once per process)."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = MentionTagger.load()
    return _SHIPPED

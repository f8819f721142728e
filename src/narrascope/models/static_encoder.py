"""The shared multilingual encoder: static token embeddings distilled from multilingual-e5-small.

A model2vec-style encoder: every piece of a (trimmed) XLM-R SentencePiece vocabulary has one
vector, the teacher's (multilingual-e5-small) mean-pooled output for that piece alone, centred and
reduced by PCA, stored as int8 with a per-row scale. Encoding a text is tokenising it and looking
rows up, so an article costs a few milliseconds on one core and no transformer runs at inference
(numpy + the ``tokenizers`` package; no torch). Quality is that of a bag of subword vectors: good
for topic, domain, language-independent similarity and as input features of task heads; it does not
see word order or context (the model card in ``models/artifacts/encoder/`` has the numbers).

    enc = StaticEncoder()                        # lazy: nothing is read until first use
    ids, starts, ends = enc.tokenize(text)       # int32 arrays; text[starts[i]:ends[i]] is piece i
    vecs = enc.token_vectors(text)               # (n_tokens, dim) float32, unweighted rows
    X = enc.embed(["a text", "другой текст"])    # (2, dim) float32, unit length (SIF-weighted mean)

Offsets are character offsets into the ORIGINAL text: ``text[start:end]`` is the piece's surface
without the leading "▁" (a piece that is only "▁" has ``start == end``). The normalisation is the
teacher's (a per-character map: NFKC-like folding, control characters dropped, every whitespace
character to a space, runs of spaces collapsed); offsets are mapped back through it, so CRLF,
emoji, combining marks and expanded characters (ligatures, full-width forms) keep exact offsets.

Artifacts (``models/artifacts/encoder/``, read with :func:`read_artifacts`): ``model.json``
(dims, teacher, normaliser map, unk id) and ``vocab.npz`` (pieces as one UTF-8 blob + offsets,
Unigram scores, SIF weights) and ``vectors-*.npz`` shards (int8 rows + per-row scales), each file
under 4 MB. Retrain with ``python -m narrascope.training.distill_encoder``.

The per-document pipeline feature is ``features.encoder`` (:func:`encode_document`,
registered in :mod:`narrascope.features`): token ids/offsets/vectors of the document text, one
vector per sentence of ``sentence_texts`` and one document vector, computed once per document.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError
from .hashed_linear import artifact_dir, read_artifacts

META = "\u2581"  # SentencePiece's word-boundary marker


def split_blob(blob: bytes, offsets) -> list[str]:
    """The strings stored as one UTF-8 ``blob`` with byte ``offsets`` (n + 1 of them): the blob is
    decoded once and cut at the character positions of the offsets (a start-up cost of ~10 ms for
    the 48,861 pieces instead of ~60 ms decoding each piece on its own)."""
    b = np.frombuffer(blob, dtype=np.uint8)
    text = blob.decode("utf-8")
    # character index of every byte boundary: count the bytes that start a character before it
    starts = np.concatenate([[0], np.cumsum((b & 0xC0) != 0x80)])
    cut = starts[np.asarray(offsets, dtype=np.int64)].tolist()
    return [text[a:z] for a, z in zip(cut[:-1], cut[1:])]


class PieceTokenizer:
    """XLM-R-style SentencePiece Unigram tokenisation with offsets into the original text.

    ``pieces``/``scores``: the vocabulary (index 0 must be the unknown piece); ``norm``: the
    teacher's per-code-point normalisation map ``{code point: replacement string}``.
    """

    def __init__(self, pieces: Sequence[str], scores: Sequence[float], norm: dict[int, str], unk_id: int = 0):
        from tokenizers import Tokenizer, models, pre_tokenizers

        self.pieces = list(pieces)
        self.unk_id = int(unk_id)
        vocab = list(zip(self.pieces, np.asarray(scores, dtype=np.float64).tolist()))
        tok = Tokenizer(models.Unigram(vocab, unk_id=self.unk_id, byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
        self._tok = tok
        self._table = {int(cp): out for cp, out in norm.items()}
        odd = sorted(cp for cp, out in self._table.items() if len(out) != 1)
        self._odd = np.asarray(odd, dtype=np.uint32)
        self._odd_len = np.asarray([len(self._table[cp]) for cp in odd], dtype=np.int64)
        self._odd_chars = frozenset(chr(cp) for cp in odd)

    def normalize(self, text: str) -> tuple[str, np.ndarray, np.ndarray]:
        """The normalised text, the index in ``text`` of the character each normalised character
        comes from, and the normalised code points."""
        norm = text.translate(self._table)
        n = len(text)
        if not self._odd_chars.isdisjoint(text):
            cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            lens = np.ones(n, dtype=np.int64)
            pos = np.searchsorted(self._odd, cps)
            pos[pos >= len(self._odd)] = 0
            hit = self._odd[pos] == cps
            lens[hit] = self._odd_len[pos[hit]]
            src = np.repeat(np.arange(n, dtype=np.int64), lens)
        else:
            src = np.arange(n, dtype=np.int64)
        ncp = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
        if "  " in norm:
            keep = np.ones(len(ncp), dtype=bool)
            keep[1:] = ~((ncp[1:] == 32) & (ncp[:-1] == 32))
            ncp = ncp[keep]
            src = src[keep]
            norm = ncp.tobytes().decode("utf-32-le")
        return norm, src, ncp

    def tokenize(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, starts, ends)``: int32 piece ids and character offsets into ``text``."""
        norm, src, ncp = self.normalize(text)
        if not norm.strip(" "):
            z = np.zeros(0, dtype=np.int32)
            return z, z.copy(), z.copy()
        enc = self._tok.encode(norm, add_special_tokens=False)
        ids = np.asarray(enc.ids, dtype=np.int32)
        off = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        s, e = off[:, 0], off[:, 1]
        m = len(norm)
        # the surface of "▁x" is "x": skip the (single, collapsed) space the marker stands for
        sp = np.zeros(m + 1, dtype=bool)
        sp[:m] = ncp == 32
        s = np.where(sp[np.minimum(s, m)] & (s < e), s + 1, s)
        ext = np.append(src, len(text))
        starts = ext[np.minimum(s, m)]
        ends = np.where(e > s, src[np.maximum(e - 1, 0)] + 1, starts)
        return ids, starts.astype(np.int32), ends.astype(np.int32)

    def tokenize_pieces(self, text: str) -> list[str]:
        return [self.pieces[i] for i in self.tokenize(text)[0]]


@dataclass(frozen=True)
class DocEncoding:
    """The ``features.encoder`` value of one document (arrays are read-only by convention).

    ``ids``/``starts``/``ends``: the document text's pieces and their character offsets;
    ``token_vectors``: one (unweighted) row per piece; ``sentence_vectors``: one unit row per
    sentence of ``sentence_texts`` (zeros for a sentence with no known piece); ``doc_vector``: the
    unit vector of the whole text.
    """

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    token_vectors: np.ndarray
    sentence_vectors: np.ndarray
    doc_vector: np.ndarray
    model_id: str


class StaticEncoder:
    """Static token-embedding encoder (see the module docstring). Thread-safe, lazily loaded."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else artifact_dir("encoder")
        self._lock = threading.Lock()
        self._loaded = False

    # -- loading ------------------------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            hint = "reinstall narrascope or rebuild the encoder with `python -m narrascope.training.distill_encoder`"
            names = tuple(sorted(p.name for p in self.folder.glob("vectors-*.npz")))
            if not names:
                raise ModelError("the encoder's vector files are missing", where=str(self.folder), hint=hint)
            meta, arr = read_artifacts(self.folder, ("vocab.npz",) + names, what="encoder", hint=hint)
            blob = arr["pieces_blob"].tobytes()
            offs = arr["pieces_offsets"]
            pieces = split_blob(blob, offs)
            q = np.concatenate([arr[f"q_{i}"] for i in range(meta["n_shards"])])
            scale = np.concatenate([arr[f"scale_{i}"] for i in range(meta["n_shards"])]).astype(np.float32)
            if q.shape[0] != len(pieces) or q.shape[1] != meta["dim"]:
                raise ModelError(f"the encoder files do not match: {q.shape} vectors for {len(pieces)} pieces",
                                 where=str(self.folder), hint=hint)
            self.meta = meta
            self.dim = int(meta["dim"])
            self.model_id = str(meta.get("id", "static-e5"))
            self.tokenizer = PieceTokenizer(pieces, arr["scores"], {int(k): v for k, v in meta["norm"].items()},
                                            unk_id=int(meta.get("unk_id", 0)))
            self._q, self._scale = q, scale                        # int8 rows and their scales
            self.weights = arr["weights"].astype(np.float32)       # SIF weight per piece (0 for unk)
            self._loaded = True

    @property
    def pieces(self) -> list[str]:
        self._load()
        return self.tokenizer.pieces

    def info(self) -> dict:
        self._load()
        return {k: v for k, v in self.meta.items() if k != "norm"}

    # -- encoding -----------------------------------------------------------------------------
    def rows(self, ids: np.ndarray) -> np.ndarray:
        """``(len(ids), dim)`` float32: the (unweighted) vectors of piece ids."""
        self._load()
        ids = np.asarray(ids, dtype=np.int64)
        return self._q[ids].astype(np.float32) * self._scale[ids, None]

    def tokenize(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, starts, ends)`` of ``text`` (int32; offsets index the original ``text``)."""
        self._load()
        return self.tokenizer.tokenize(text)

    def token_vectors(self, text: str) -> np.ndarray:
        """``(n_tokens, dim)`` float32: the (unweighted) vector of each piece of ``text``."""
        self._load()
        return self.rows(self.tokenizer.tokenize(text)[0])

    def pool(self, ids: np.ndarray) -> np.ndarray:
        """The unit vector of a bag of piece ids (SIF-weighted mean; zeros when nothing is known)."""
        self._load()
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros(self.dim, dtype=np.float32)
        return _unit((self._q[ids].astype(np.float32) * (self.weights[ids] * self._scale[ids])[:, None]).sum(0), self.dim)

    def pool_spans(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                   spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """``(len(spans), dim)``: the unit vector of the pieces lying inside each ``[start, end)``
        character span (a piece belongs to the span that contains its start)."""
        self._load()
        ids = np.asarray(ids, dtype=np.int64)
        return _pool_spans(self.rows(ids), self.weights[ids], np.asarray(starts), spans, self.dim)

    def embed(self, texts: Sequence[str] | str) -> np.ndarray:
        """``(n, dim)`` float32 unit vectors (SIF-weighted mean of the pieces); a str gives ``(dim,)``."""
        self._load()
        if isinstance(texts, str):
            return self.pool(self.tokenizer.tokenize(texts)[0])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self.pool(self.tokenizer.tokenize(t)[0])
        return out

    def encode_document(self, text: str, sentences: Sequence[tuple[int, int]]) -> DocEncoding:
        """Tokens, sentence vectors (``sentences``: character spans of ``text``) and document vector."""
        self._load()
        ids, starts, ends = self.tokenizer.tokenize(text)
        rows = self.rows(ids)
        w = self.weights[ids]
        return DocEncoding(ids=ids, starts=starts, ends=ends, token_vectors=rows,
                           sentence_vectors=_pool_spans(rows, w, starts, sentences, self.dim),
                           doc_vector=_unit((rows * w[:, None]).sum(0), self.dim), model_id=self.model_id)


def _unit(v: np.ndarray, dim: int) -> np.ndarray:
    n = float(np.sqrt((v * v).sum()))
    return (v / n).astype(np.float32) if n > 1e-12 else np.zeros(dim, dtype=np.float32)


def _pool_spans(rows: np.ndarray, w: np.ndarray, starts: np.ndarray, spans: Sequence[tuple[int, int]],
                dim: int) -> np.ndarray:
    out = np.zeros((len(spans), dim), dtype=np.float32)
    if not len(spans) or not len(rows):
        return out
    # no BLAS here: these products are small, and a BLAS thread pool costs more than it saves
    bounds = np.searchsorted(starts, np.asarray(spans, dtype=np.int64).reshape(-1, 2), "left")
    W = rows * w[:, None]
    pts = np.unique(np.concatenate([[0, len(rows)], bounds.ravel()]))
    segs = np.add.reduceat(W, pts[:-1], axis=0)
    C = np.vstack([np.zeros((1, dim), np.float32), np.cumsum(segs, axis=0)])
    pos = np.searchsorted(pts, bounds)
    S = C[pos[:, 1]] - C[pos[:, 0]]
    n = np.sqrt((S * S).sum(1, keepdims=True))
    return np.where(n > 1e-6, S / np.maximum(n, 1e-12), 0).astype(np.float32)


_DEFAULT: StaticEncoder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_encoder() -> StaticEncoder:
    """The shipped encoder (one per process; loading is lazy)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = StaticEncoder()
    return _DEFAULT

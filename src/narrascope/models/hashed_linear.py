"""Hashed word + character n-gram TF-IDF features and compact linear heads.

No vocabulary is shipped: words and character n-grams are hashed into a fixed number of columns
(the same for every language), weighted by an inverse document frequency learned at training time
and L2-normalised. A :class:`LinearHead` holds one weight row per label, stored as int8 with a
per-row scale (the quantisation costs nothing measurable: scores move by < 1e-3), plus per-label
decision thresholds. Everything round-trips through ``.npz`` + ``.json`` (no pickle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError
from .base import artifact_dir, quantize_rows, read_artifacts, write_artifacts  # noqa: F401 - re-exported


class HashedTfidf:
    """Word n-grams and char_wb n-grams hashed into ``2 * n_half`` columns, sublinear TF-IDF, L2."""

    def __init__(self, n_half: int = 2**16, word_ngrams=(1, 2), char_ngrams=(3, 5)):
        self.n_half = int(n_half)
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.idf_: np.ndarray | None = None
        self._vecs = None

    @property
    def n_features(self) -> int:
        return 2 * self.n_half

    def _vectorizers(self):
        if self._vecs is None:
            # scikit-learn's HashingVectorizer columns, without importing scikit-learn (models/hashing.py)
            from .hashing import TextHasher

            common = dict(n_features=self.n_half, alternate_sign=False, norm=None, lowercase=True, dtype=np.float32)
            self._vecs = (
                TextHasher(analyzer="word", ngram_range=self.word_ngrams, token_pattern=r"(?u)\b\w+\b", **common),
                TextHasher(analyzer="char_wb", ngram_range=self.char_ngrams, **common),
            )
        return self._vecs

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        w, c = self._vectorizers()
        X = sp.hstack([w.transform(texts), c.transform(texts)], format="csr")
        X.data = np.log1p(X.data)
        return X

    def fit(self, texts: Sequence[str]) -> "HashedTfidf":
        X = self.counts(texts)
        df = np.bincount(X.indices, minlength=self.n_features).astype(np.float64)
        n = X.shape[0]
        self.idf_ = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
        return self

    def weight(self, X: sp.csr_matrix) -> sp.csr_matrix:
        if self.idf_ is None:
            raise ModelError("the feature extractor is not fitted")
        X = X.multiply(self.idf_[None, :]).tocsr()
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.diags(1.0 / norms) @ X

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.transform_counts(self.counts(texts))

    def transform_counts(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """:meth:`transform` from rows of :meth:`counts` (e.g. the pipeline's shared ``hashed_ngrams``)."""
        return self.weight(X).astype(np.float32).tocsr()

    # -- persistence --------------------------------------------------------------------------
    def config(self) -> dict:
        return {"n_half": self.n_half, "word_ngrams": list(self.word_ngrams), "char_ngrams": list(self.char_ngrams)}

    def arrays(self, prefix: str = "tfidf_") -> dict[str, np.ndarray]:
        return {prefix + "idf": self.idf_.astype(np.float16)}

    @classmethod
    def from_arrays(cls, config: dict, arrays, prefix: str = "tfidf_") -> "HashedTfidf":
        f = cls(config["n_half"], tuple(config["word_ngrams"]), tuple(config["char_ngrams"]))
        f.idf_ = np.asarray(arrays[prefix + "idf"], dtype=np.float32)
        if f.idf_.shape != (f.n_features,):
            raise ModelError(f"idf has shape {f.idf_.shape}, expected ({f.n_features},)")
        return f


@dataclass
class LinearHead:
    """``scores = sigmoid/softmax(X @ W.T + b)``; ``kind`` is ``multilabel`` or ``multiclass``."""

    labels: list[str]
    W: np.ndarray  # (L, F) float32
    b: np.ndarray  # (L,)
    kind: str = "multilabel"
    thresholds: np.ndarray | None = None  # (L,) for multilabel; class biases for multiclass
    meta: dict = field(default_factory=dict)

    def decision(self, X) -> np.ndarray:
        return np.asarray(X @ self.W.T) + self.b[None, :]

    def predict_proba(self, X) -> np.ndarray:
        z = self.decision(X)
        if self.kind == "multiclass":
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-z))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        q, scale = quantize_rows(self.W)
        out = {prefix + "W_q": q, prefix + "W_scale": scale, prefix + "b": self.b.astype(np.float32)}
        if self.thresholds is not None:
            out[prefix + "thresholds"] = np.asarray(self.thresholds, dtype=np.float32)
        return out

    def config(self) -> dict:
        return {"labels": list(self.labels), "kind": self.kind, "meta": self.meta}

    @classmethod
    def from_arrays(cls, config: dict, arrays, prefix: str) -> "LinearHead":
        # held column-major: ``X @ W.T`` then reads W.T as a C-ordered array (a row-major W is copied whole
        # by every sparse product); same values, same sums
        W = (np.ascontiguousarray(arrays[prefix + "W_q"].T, dtype=np.float32) * arrays[prefix + "W_scale"][None, :]).T
        th = arrays[prefix + "thresholds"] if (prefix + "thresholds") in arrays else None
        if W.shape[0] != len(config["labels"]):
            raise ModelError(f"weights have {W.shape[0]} rows for {len(config['labels'])} labels")
        return cls(list(config["labels"]), W, np.asarray(arrays[prefix + "b"], dtype=np.float32), config["kind"],
                   None if th is None else np.asarray(th, dtype=np.float32), dict(config.get("meta") or {}))


def save_model(folder: Path, features: HashedTfidf, heads: dict[str, LinearHead], extra: dict | None = None) -> None:
    arrays = features.arrays()
    for name, head in heads.items():
        arrays.update(head.arrays(f"{name}_"))
    meta = {"format": 1, "features": features.config(), "heads": {n: h.config() for n, h in heads.items()}}
    meta.update(extra or {})
    write_artifacts(folder, meta, arrays)


def load_model(folder: Path) -> tuple[HashedTfidf, dict[str, LinearHead], dict]:
    meta, arrays = read_artifacts(folder)
    features = HashedTfidf.from_arrays(meta["features"], arrays)
    heads = {n: LinearHead.from_arrays(cfg, arrays, f"{n}_") for n, cfg in meta["heads"].items()}
    return features, heads, meta


class HashedLinearModel:
    """A shipped hashed-linear model (frames, genre, subjectivity, techniques) through the one
    protocol (:mod:`narrascope.models.base`): ``predict_proba(texts)`` is the ``(n, k)`` output of
    its first head (``head``: another one) over :class:`HashedTfidf` features of the texts. The
    analyzers read the parts (``features``, ``heads``, ``meta``) directly to share one hashing pass."""

    def __init__(self, features: HashedTfidf, heads: dict[str, LinearHead], meta: dict | None = None):
        self.features = features
        self.heads = dict(heads)
        self.meta = dict(meta or {})

    @property
    def head(self) -> LinearHead:
        return next(iter(self.heads.values()))

    @property
    def labels(self) -> list[str]:
        return list(self.head.labels)

    def fit(self, texts: Sequence[str], head: str | None = None) -> "HashedLinearModel":
        """Fits the features' IDF; the heads are fitted by the trainers in :mod:`narrascope.training`."""
        self.features.fit(texts)
        return self

    @property
    def n_inputs(self) -> int:
        """Width of the rows the first head reads (the hashed features, plus any columns its analyzer
        appends: style, shape or context features)."""
        return int(self.head.W.shape[1])

    def predict_proba(self, X, head: str | None = None) -> np.ndarray:
        """``X``: texts (when the head reads the hashed features only) or feature rows ``n_inputs`` wide."""
        h = self.heads[head] if head else self.head
        if isinstance(X, (list, tuple)) and all(isinstance(t, str) for t in X):
            if h.W.shape[1] != self.features.n_features:
                raise ModelError(f"this head reads {h.W.shape[1]} columns, the texts give {self.features.n_features}",
                                 hint="build the rows as its analyzer does (the extra columns come from there)")
            X = self.features.transform(list(X))
        return h.predict_proba(X)

    def save(self, folder: Path) -> None:
        known = {"format", "features", "heads"}
        save_model(folder, self.features, self.heads, {k: v for k, v in self.meta.items() if k not in known})

    @classmethod
    def load(cls, folder: Path | str | None = None) -> "HashedLinearModel":
        if folder is None:
            raise ModelError("a hashed-linear model is loaded from its folder", hint="pass artifact_dir(name)")
        return cls(*load_model(Path(folder)))


_QUOTES = "\"\u201c\u201d\u00ab\u00bb\u201e"
N_SHAPE = 12


def shape_features(texts: Sequence[str], is_title: Sequence[bool] | None = None,
                   rel_pos: Sequence[float] | None = None) -> sp.csr_matrix:
    """Length and punctuation features TF-IDF cannot see (it is L2-normalised), language-agnostic.

    Columns: log length, 5 length buckets (words), title flag, relative position, '!' , '?',
    quotation marks, share of ALL-CAPS words.
    """
    n = len(texts)
    F = np.zeros((n, N_SHAPE), dtype=np.float32)
    for i, t in enumerate(texts):
        words = t.split()
        nw = len(words)
        F[i, 0] = np.log1p(nw) / 4.0
        F[i, 1 + int(np.searchsorted([6, 16, 31, 61], nw, side="right"))] = 1.0
        F[i, 6] = 1.0 if (is_title is not None and is_title[i]) else 0.0
        F[i, 7] = 0.0 if rel_pos is None else float(rel_pos[i])
        F[i, 8] = min(t.count("!"), 3) / 3.0
        F[i, 9] = min(t.count("?"), 3) / 3.0
        F[i, 10] = min(sum(t.count(q) for q in _QUOTES), 4) / 4.0
        caps = sum(1 for w in words if len(w) > 2 and w.isupper())
        F[i, 11] = min(caps / max(nw, 1) * 5, 1.0)
    return sp.csr_matrix(F)

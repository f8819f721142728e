"""Feature hashing for inference without scikit-learn: the same matrices, bit for bit.

The shipped linear models were trained on scikit-learn's ``HashingVectorizer`` / ``FeatureHasher``
columns. Importing scikit-learn costs over a second (it pulls in ``scipy.stats``) and each
``transform`` call has milliseconds of validation overhead, so inference hashes here instead:

- :func:`murmurhash3_32`: signed MurmurHash3 x86_32 of the UTF-8 bytes (the ``mmh3`` package; the
  same function as ``sklearn.utils.murmurhash3_32``);
- :class:`TextHasher`: ``HashingVectorizer(analyzer="word" | "char_wb", ...).transform`` -- same
  analyzers (preprocessor or lowercase, token pattern, word n-grams, char n-grams within
  whitespace-separated words padded with one space), column ``|h| mod n_features``, the sign of
  ``h`` when ``alternate_sign``, duplicates summed, indices sorted, optional L2 row norm; the
  same CSR matrix (data dtype, int32 indices) comes out;
- :func:`hash_features`: ``FeatureHasher(input_type="string").transform``;
- :func:`l2_normalize_rows`: ``sklearn.preprocessing.normalize(X, norm="l2")`` for CSR rows (the
  row's squares summed in storage order in double precision, as scikit-learn's loop does).

Hashes of n-grams (and, for ``char_wb``, of every word's n-grams) are cached per process in
bounded dicts: news text repeats its words, so most of the work is dict look-ups.
The equality with scikit-learn is the test suite's job (``tests/models/test_hashing.py``).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

import mmh3
import numpy as np
import scipy.sparse as sp

from ..errors import ModelError

_CACHE_MAX = 200_000  # strings (~100 bytes each with the dict slot)
_WORDS_MAX = 100_000  # words per n-gram range (their n-grams' hashes: ~300 bytes each)
_HASH: dict[str, int] = {}  # string -> signed 32-bit hash (any configuration)
_WORD_CHARS: dict[tuple[int, int], dict[str, np.ndarray]] = {}  # ngram range -> word -> hashes of its char n-grams


def murmurhash3_32(key: str | bytes, seed: int = 0, positive: bool = False) -> int:
    """MurmurHash3 x86_32 of ``key`` (a str is hashed as its UTF-8 bytes), signed unless ``positive``."""
    return mmh3.hash(key, seed, signed=not positive)


def _hashes(strings: list[str]) -> np.ndarray:
    """Signed hashes of ``strings`` (int64), through the per-process cache."""
    try:
        return np.array(list(map(_HASH.__getitem__, strings)), dtype=np.int64)
    except KeyError:  # some are new (or another thread cleared the cache)
        if len(_HASH) + len(strings) > _CACHE_MAX:
            _HASH.clear()
        out = []
        for s in strings:
            h = _HASH.get(s)
            if h is None:
                h = _HASH[s] = mmh3.hash(s, 0, signed=True)
            out.append(h)
        return np.array(out, dtype=np.int64)


def columns(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """Column of each signed hash: ``|h| mod n_features`` (``|-2**31|`` is ``2**31``, as in scikit-learn)."""
    return np.abs(np.asarray(hashes, dtype=np.int64)) % int(n_features)


def _char_wb_hashes(words: Iterable[str], min_n: int, max_n: int) -> np.ndarray:
    cache = _WORD_CHARS.setdefault((min_n, max_n), {})
    parts = []
    for w in words:
        e = cache.get(w)
        if e is None:
            if len(cache) >= _WORDS_MAX:
                cache.clear()
            e = cache[w] = np.array([mmh3.hash(g, 0, signed=True) for g in _char_wb_grams(w, min_n, max_n)],
                                    dtype=np.int64)
        parts.append(e)
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def _char_wb_grams(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``_char_wb_ngrams`` for one whitespace-separated word."""
    w = " " + word + " "
    w_len = len(w)
    out = []
    for n in range(min_n, max_n + 1):
        offset = 0
        out.append(w[offset:offset + n])
        while offset + n < w_len:
            offset += 1
            out.append(w[offset:offset + n])
        if offset == 0:  # a short word (w_len < n) is counted once
            break
    return out


def _word_grams(tokens: list[str], min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``_word_ngrams`` (no stop words)."""
    if max_n == 1:
        return tokens
    if min_n == 1:
        out = list(tokens)
        min_n = 2
    else:
        out = []
    n_tok = len(tokens)
    for n in range(min_n, min(max_n + 1, n_tok + 1)):
        for i in range(n_tok - n + 1):
            out.append(" ".join(tokens[i:i + n]))
    return out


class TextHasher:
    """``sklearn.feature_extraction.text.HashingVectorizer`` for ``analyzer`` ``"word"`` or
    ``"char_wb"`` (the defaults are scikit-learn's; ``strip_accents``, stop words, ``binary`` and
    callable analyzers are not supported). ``transform(texts)`` gives the same ``csr_matrix``."""

    def __init__(self, n_features: int = 2**20, *, analyzer: str = "word", ngram_range: tuple[int, int] = (1, 1),
                 token_pattern: str = r"(?u)\b\w\w+\b", lowercase: bool = True,
                 preprocessor: Callable[[str], str] | None = None, alternate_sign: bool = True,
                 norm: str | None = "l2", dtype=np.float64):
        if analyzer not in ("word", "char_wb"):
            raise ModelError(f"analyzer must be 'word' or 'char_wb', got {analyzer!r}")
        if norm not in (None, "l2"):
            raise ModelError(f"norm must be None or 'l2', got {norm!r}")
        min_n, max_n = (int(x) for x in ngram_range)
        if not 1 <= min_n <= max_n:
            raise ModelError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, got {ngram_range!r}")
        self.n_features = int(n_features)
        self.analyzer = analyzer
        self.ngram_range = (min_n, max_n)
        self.token_pattern = token_pattern
        self._tokens = re.compile(token_pattern).findall
        self.lowercase = bool(lowercase)
        self.preprocessor = preprocessor
        self.alternate_sign = bool(alternate_sign)
        self.norm = norm
        self.dtype = np.dtype(dtype)

    def _prep(self, text: str) -> str:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if self.preprocessor is not None:
            return self.preprocessor(text)
        return text.lower() if self.lowercase else text

    def hashes(self, text: str) -> np.ndarray:
        """Signed hashes of the n-grams of one text (with repeats), int64."""
        doc = self._prep(text)
        if self.analyzer == "char_wb":
            # scikit-learn first replaces runs of whitespace by one space (re's \s is str.isspace,
            # so split() alone gives the same words)
            return _char_wb_hashes(doc.split(), *self.ngram_range)
        return _hashes(_word_grams(self._tokens(doc), *self.ngram_range))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if isinstance(texts, (str, bytes)):
            raise ModelError("expected a list of texts, got one string", hint="wrap it in a list")
        X = _rows_to_csr([self.hashes(t) for t in texts], self.n_features, self.alternate_sign, self.dtype)
        return l2_normalize_rows(X, copy=False) if self.norm == "l2" else X


def hash_features(feature_lists: Iterable[Iterable[str]], n_features: int, *, alternate_sign: bool = True,
                  dtype=np.float64) -> sp.csr_matrix:
    """``FeatureHasher(n_features, input_type="string", alternate_sign, dtype).transform(feature_lists)``."""
    rows = []
    for feats in feature_lists:
        if isinstance(feats, str):
            raise ModelError("each row must be a list of feature strings, got one string")
        rows.append(_hashes(list(feats)))
    return _rows_to_csr(rows, n_features, alternate_sign, np.dtype(dtype))


def _rows_to_csr(rows: list[np.ndarray], n_features: int, alternate_sign: bool, dtype) -> sp.csr_matrix:
    """Rows of signed hashes -> one entry per hash, then duplicates summed and indices sorted by
    scipy's ``sum_duplicates`` -- scikit-learn's own route from hashes to its matrix."""
    n_rows = len(rows)
    h = np.concatenate(rows) if n_rows else np.empty(0, np.int64)
    idx_dtype = np.int32 if max(len(h), n_features) < 2**31 else np.int64
    indptr = np.zeros(n_rows + 1, dtype=idx_dtype)
    np.cumsum(np.fromiter((len(r) for r in rows), dtype=np.int64, count=n_rows), out=indptr[1:])
    values = np.where(h >= 0, 1, -1).astype(dtype) if alternate_sign else np.ones(len(h), dtype=dtype)
    X = sp.csr_matrix((values, columns(h, n_features).astype(idx_dtype), indptr), shape=(n_rows, n_features))
    X.sum_duplicates()
    return X


def l2_normalize_rows(X, copy: bool = True) -> sp.csr_matrix:
    """``sklearn.preprocessing.normalize(X, norm="l2", copy=copy)`` for a sparse matrix (CSR result):
    each row's squares (in the data's dtype) summed in storage order in double precision, each value
    divided by the root in double precision and stored back in the data's dtype; zero rows untouched."""
    X = sp.csr_matrix(X, copy=copy)  # the data array is replaced below: the input is never written
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    d = X.data
    sq = (d * d).astype(np.float64)
    indptr = X.indptr
    norms = np.ones(X.shape[0], dtype=np.float64)
    for i in np.flatnonzero(np.diff(indptr)):
        s = np.cumsum(sq[indptr[i]:indptr[i + 1]])[-1]  # sequential, like scikit-learn's loop
        if s != 0.0:
            norms[i] = np.sqrt(s)
    X.data = (d.astype(np.float64) / np.repeat(norms, np.diff(indptr))).astype(d.dtype)
    return X


__all__ = ["murmurhash3_32", "columns", "TextHasher", "hash_features", "l2_normalize_rows"]

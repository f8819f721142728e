"""Near-duplicate (republishing) detection: MinHash signatures over word shingles + LSH banding.

Pure numpy, deterministic (seeded permutations, blake2b token hashes), so signatures computed at
ingest stay valid across runs and machines. Pipeline:

1. ``shingle_hashes(text)``: lower-cased word 2-grams (bigrams), each hashed to 64 bits;
2. ``minhash(text)``: 128 min-hash values (multiply-shift hashing of the shingle hashes), uint32;
3. ``cluster(signatures, threshold)``: LSH banding (42 bands x 3 rows) proposes candidate pairs,
   the estimated Jaccard similarity (share of equal signature values) confirms them
   (``>= threshold``, default 0.3), and union-find joins confirmed pairs into clusters.

The parameters were chosen on ``bench/dedup.py`` (synthetic rewritten copies with hard negatives).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Sequence

import numpy as np

NUM_PERM = 128
SHINGLE = 2
BANDS = 42
ROWS = 3
DEFAULT_THRESHOLD = 0.3
EMPTY = np.uint32(0xFFFFFFFF)
_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK = 4096
_MAX_BUCKET_PAIRS = 64  # buckets bigger than this are joined as a star around their first member

_rng = np.random.RandomState(20240917)
_A = (_rng.randint(0, 2**62, size=NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.randint(0, 2**62, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_M = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_MIX = _rng.randint(1, 2**62, size=16, dtype=np.int64).astype(np.uint64) | np.uint64(1)


@lru_cache(maxsize=200_000)
def _token_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """Unique 64-bit hashes of the lower-cased word ``k``-grams of ``text``."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint64)
    th = np.fromiter((_token_hash(w) for w in words), dtype=np.uint64, count=len(words))
    if len(th) < k:
        h = np.zeros(1, dtype=np.uint64)
        for i, v in enumerate(th):
            h = h * _M[i % len(_M)] + v
        return h
    h = np.zeros(len(th) - k + 1, dtype=np.uint64)
    for i in range(k):
        h = h * _M[i % len(_M)] + th[i : len(th) - k + 1 + i]
    return np.unique(h)


def minhash(text: str) -> np.ndarray:
    """The ``NUM_PERM`` uint32 MinHash signature of ``text`` (all 0xFFFFFFFF when it has no words)."""
    sh = shingle_hashes(text)
    sig = np.full(NUM_PERM, EMPTY, dtype=np.uint32)
    for i in range(0, len(sh), _CHUNK):
        x = sh[i : i + _CHUNK, None]
        # the top 32 bits of the minimum are the minimum of the top 32 bits
        v = ((x * _A[None, :] + _B[None, :]).min(axis=0) >> np.uint64(32)).astype(np.uint32)
        np.minimum(sig, v, out=sig)
    return sig


def signature_bytes(text: str) -> bytes:
    return minhash(text).astype("<u4").tobytes()


def signature_from_bytes(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype="<u4").astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def candidate_pairs(sigs: np.ndarray, bands: int = BANDS, rows: int = ROWS) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, sharing at least one LSH band bucket; shape (n, 2)."""
    n = len(sigs)
    out: list[np.ndarray] = []
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    valid = ~np.all(sigs == EMPTY, axis=1)
    mix = _BAND_MIX[:rows]
    for b in range(bands):
        band = sigs[:, b * rows : (b + 1) * rows].astype(np.uint64)
        keys = (band * mix[None, :]).sum(axis=1, dtype=np.uint64) + np.uint64(b)
        keys = np.where(valid, keys, np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B1) + np.uint64(7))
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        sizes = np.diff(np.r_[starts, n])
        # all pairs inside each bucket, vectorised per bucket size
        for size in np.flatnonzero(np.bincount(sizes))[1:].tolist() if n else []:
            if size < 2:
                continue
            st = starts[sizes == size]
            if size <= _MAX_BUCKET_PAIRS:
                i, j = np.triu_indices(size, 1)
                a, b = order[st[:, None] + i[None, :]].ravel(), order[st[:, None] + j[None, :]].ravel()
            else:  # a huge bucket (boilerplate): a star around its first member
                for s in st.tolist():
                    members = order[s : s + size]
                    a, b = np.full(size - 1, members[0]), members[1:]
                    out.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
                continue
            out.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.concatenate(out)
    codes.sort()
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return np.stack([codes // n, codes % n], axis=1)


def cluster(
    sigs: np.ndarray, threshold: float = DEFAULT_THRESHOLD, bands: int = BANDS, rows: int = ROWS
) -> list[list[int]]:
    """Clusters (lists of row indices, each sorted, size >= 2) of near-duplicate signatures."""
    sigs = np.asarray(sigs, dtype=np.uint32)
    pairs = candidate_pairs(sigs, bands, rows)
    if len(pairs) == 0:
        return []
    sims = np.empty(len(pairs))
    for i in range(0, len(pairs), 100_000):
        p = pairs[i : i + 100_000]
        sims[i : i + len(p)] = (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1)
    good = pairs[sims >= threshold]
    parent = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in good.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))


def cluster_texts(texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Convenience: clusters of near-duplicate texts (indices into ``texts``)."""
    if not texts:
        return []
    return cluster(np.stack([minhash(t) for t in texts]), threshold)

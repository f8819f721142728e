"""MinHash-LSH near-duplicate detection (store/dedup.py)."""

from __future__ import annotations

import numpy as np

from narrascope.store import dedup

from tests.store.test_store import article, rewrite


def test_signatures_are_stable_across_runs_because_they_are_stored():
    # Signatures are computed at ingest and kept in the store: a change here would silently
    # break duplicate detection between old and new documents, so the values are pinned.
    sig = dedup.minhash("Ministers reopen the ceasefire talks in Geneva today")
    assert sig.dtype == np.uint32 and len(sig) == dedup.NUM_PERM
    assert sig[:4].tolist() == [571441571, 15636950, 442716114, 59913836]
    assert dedup.signature_from_bytes(dedup.signature_bytes("x y z")).tolist() == dedup.minhash("x y z").tolist()


def test_case_and_punctuation_do_not_matter_but_words_do():
    a = dedup.minhash("The Mayor said: the bridge will close!")
    assert dedup.similarity(a, dedup.minhash("the mayor said the bridge will close")) == 1.0
    assert dedup.similarity(a, dedup.minhash("Farmers blocked the border crossing at dawn")) < 0.2


def test_rewritten_copies_cluster_and_unrelated_articles_do_not():
    texts = [article(1, 20), rewrite(article(1, 20), 1), article(2, 20), rewrite(article(2, 20), 9), article(3, 20)]
    assert dedup.cluster_texts(texts) == [[0, 1], [2, 3]]


def test_texts_without_words_never_cluster():
    assert dedup.cluster_texts(["", "...", "!!!", article(4)]) == []
    assert dedup.cluster_texts([]) == []
    assert dedup.cluster_texts(["one short text"]) == []


def test_long_texts_are_hashed_in_chunks_with_the_same_result():
    words = " ".join(f"w{i}" for i in range(20000))
    sig = dedup.minhash(words)
    sh = dedup.shingle_hashes(words)
    full = ((sh[:, None] * dedup._A[None, :] + dedup._B[None, :]) >> np.uint64(32)).astype(np.uint32).min(axis=0)
    assert sig.tolist() == full.tolist()

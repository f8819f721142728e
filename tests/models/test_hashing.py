"""Inference hashes without scikit-learn (models/hashing.py), and gets scikit-learn's matrices bit for bit.

The shipped models were trained on scikit-learn's ``HashingVectorizer`` / ``FeatureHasher`` columns
and are not retrained, so every configuration a call site uses is compared here with scikit-learn
itself (the reference; a test dependency) on multilingual text: same shape, same sorted indices,
same index and data dtypes, same bytes in the data.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32 as sk_murmur

from narrascope.analyzers import claims
from narrascope.errors import ModelError
from narrascope.models.base import artifact_dir
from narrascope.models.hashed_linear import HashedTfidf
from narrascope.models.hashing import TextHasher, hash_features, l2_normalize_rows, murmurhash3_32
from narrascope.models.narratives import Featurizer
from narrascope.models.technique_spans import hash_tokens, token_feature_strings, tokens

TEXTS = [
    "The Prime Minister said on Tuesday that the peace talks would resume in Geneva.",
    "Президент заявил, что переговоры возобновятся во вторник. «Так называемые эксперты» лгут!",
    "प्रधानमंत्री ने मंगलवार को कहा कि वार्ता फिर से शुरू होगी।",
    "قال رئيس الوزراء يوم الثلاثاء إن المحادثات ستستأنف في جنيف.",
    "Ça coûte 1 234,56 € : façade naïve, Ærøskøbing, ΟΔΥΣΣΕΥΣ Ο ΣΟΦΟΣ, combining e\u0301 and İstanbul, STRAẞE ﬁx",
    "Emoji 😀🚀, a flag 🇺🇦 and a family 👩\u200d👩\u200d👧 in one sentence",
    "Line one\r\nLine two\r\n\r\n\tTabbed  double  space\u00a0no-break\u2009thin\u3000ideographic",
    "",
    "   \r\n ",
    "x" * 5000,
    "I",
    "a b",
    "On 2024-03-01 inflation hit 12,5% and the deficit $3.4bn (up 0.7 pp).",
    "მთავრობამ განაცხადა, რომ მოლაპარაკებები განახლდება.",
    "中文新闻报道说谈判将于周二恢复。",
    "Το υπουργείο ανακοίνωσε ότι οι συνομιλίες θα συνεχιστούν.",
]


def assert_same(ours, theirs) -> None:
    assert type(ours) is type(theirs)
    ours, theirs = ours.tocsr(), theirs.tocsr()
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    assert ours.indices.dtype == theirs.indices.dtype and ours.indptr.dtype == theirs.indptr.dtype
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert ours.data.tobytes() == theirs.data.tobytes()


def sklearn_twin(h: TextHasher) -> HashingVectorizer:
    return HashingVectorizer(n_features=h.n_features, analyzer=h.analyzer, ngram_range=h.ngram_range,
                             token_pattern=h.token_pattern, lowercase=h.lowercase, preprocessor=h.preprocessor,
                             alternate_sign=h.alternate_sign, norm=h.norm, dtype=h.dtype)


def shipped_hashed_tfidf_configs() -> list[dict]:
    configs = []
    for meta in sorted(artifact_dir("x").parent.glob("*/model.json")):
        f = json.loads(meta.read_text(encoding="utf-8")).get("features")
        if isinstance(f, dict) and "n_half" in f:
            configs.append(f)
    return configs


def call_site_hashers() -> list[TextHasher]:
    """Every TextHasher the inference code builds, with the shipped models' settings."""
    out = []
    for cfg in shipped_hashed_tfidf_configs():
        out += HashedTfidf(cfg["n_half"], tuple(cfg["word_ngrams"]), tuple(cfg["char_ngrams"]))._vectorizers()
    cfg = json.loads((artifact_dir("narratives") / "model.json").read_text(encoding="utf-8"))["featurizer"]
    out += Featurizer(cfg["bits"], tuple(cfg["word_ngrams"]), tuple(cfg["char_ngrams"]))._vectorizers()
    out += claims._vectorizers()
    return out


def test_the_shipped_models_are_all_found():
    # frames, genre, subjectivity, techniques, technique-spans, domain (+ narratives, claims)
    assert len(shipped_hashed_tfidf_configs()) >= 6
    assert {h.analyzer for h in call_site_hashers()} == {"word", "char_wb"}


def test_murmurhash_equals_sklearn_signed_and_positive():
    keys = [t for t in TEXTS] + ["b", "w=hello", "sh=A", "p4=" + "ing", "é", "😀"]
    for k in keys:
        assert murmurhash3_32(k) == sk_murmur(k, seed=0)
        assert murmurhash3_32(k.encode("utf-8")) == sk_murmur(k.encode("utf-8"), seed=0)
        assert murmurhash3_32(k, positive=True) == sk_murmur(k, seed=0, positive=True)
        assert murmurhash3_32(k, seed=7) == sk_murmur(k, seed=7)


@pytest.mark.parametrize("hasher", call_site_hashers(), ids=lambda h: f"{h.analyzer}-{h.ngram_range}-{h.n_features}-{h.norm}")
def test_every_call_site_configuration_equals_hashing_vectorizer(hasher):
    ref = sklearn_twin(hasher)
    assert_same(hasher.transform(TEXTS), ref.transform(TEXTS))
    assert_same(hasher.transform(TEXTS[:1]), ref.transform(TEXTS[:1]))  # one row
    assert_same(hasher.transform([TEXTS[7]]), ref.transform([TEXTS[7]]))  # only an empty text
    assert_same(hasher.transform(TEXTS[::-1]), ref.transform(TEXTS[::-1]))  # cached n-grams, other rows


@pytest.mark.parametrize("kw", [
    dict(),  # scikit-learn's defaults: alternate sign, l2, (?u)\b\w\w+\b, float64
    dict(analyzer="char_wb", ngram_range=(1, 3), n_features=7, lowercase=False, dtype=np.float32),
    dict(analyzer="word", ngram_range=(2, 3), n_features=5, norm=None),
    dict(analyzer="word", ngram_range=(1, 1), n_features=1, alternate_sign=True, norm=None),  # signs cancel
])
def test_other_settings_equal_hashing_vectorizer(kw):
    ours, ref = TextHasher(**kw), HashingVectorizer(**kw)
    assert_same(ours.transform(TEXTS), ref.transform(TEXTS))
    assert_same(ours.transform(["ab cd ef", "ab ab", "Ab"]), ref.transform(["ab cd ef", "ab ab", "Ab"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=4))
def test_random_unicode_text_hashes_as_sklearn_does(texts):
    for hasher in call_site_hashers()[-4:]:  # narratives (word, char 2-5) and claims (preprocessor, l2)
        assert_same(hasher.transform(texts), sklearn_twin(hasher).transform(texts))


def test_hashed_tfidf_counts_and_weights_equal_the_sklearn_reference():
    from narrascope.models.hashed_linear import load_model

    feats = load_model(artifact_dir("techniques"))[0]
    w, c = (sklearn_twin(h) for h in feats._vectorizers())
    ref = sp.hstack([w.transform(TEXTS), c.transform(TEXTS)], format="csr")
    ref.data = np.log1p(ref.data)
    assert_same(feats.counts(TEXTS), ref)
    assert_same(feats.transform(TEXTS), feats.transform_counts(ref))


def test_narrative_features_equal_sklearn_hashing_and_normalize():
    cfg = json.loads((artifact_dir("narratives") / "model.json").read_text(encoding="utf-8"))["featurizer"]
    fz = Featurizer(cfg["bits"], tuple(cfg["word_ngrams"]), tuple(cfg["char_ngrams"])).fit(TEXTS[:10])
    w, c = (sklearn_twin(h) for h in fz._vectorizers())
    blocks = []
    for X, idf in ((w.transform(TEXTS), fz.idf_word_), (c.transform(TEXTS), fz.idf_char_)):
        X = X.astype(np.float32, copy=True)
        X.data = np.log1p(X.data)
        blocks.append(normalize(X.multiply(idf.astype(np.float32)).tocsr()))
    ref = (sp.hstack(blocks).tocsr() * np.float32(1 / np.sqrt(2))).tocsr()
    assert_same(fz.transform(TEXTS), ref)


def test_claim_features_equal_the_sklearn_reference():
    p = claims.FEATURE_PARAMS
    common = dict(alternate_sign=False, norm="l2", preprocessor=lambda t: re.sub(r"\d", "0", t.lower()))
    w = HashingVectorizer(analyzer="word", ngram_range=tuple(p["word_ngrams"]), n_features=2 ** p["word_bits"],
                          token_pattern=r"(?u)\b\w+\b", **common)
    c = HashingVectorizer(analyzer="char_wb", ngram_range=tuple(p["char_ngrams"]), n_features=2 ** p["char_bits"],
                          **common)
    assert_same(claims.featurize(TEXTS), sp.hstack([w.transform(TEXTS), c.transform(TEXTS)]).tocsr())


def test_token_features_equal_feature_hasher():
    text = " ".join(TEXTS)
    feats = token_feature_strings(text, tokens(text, 0, len(text)), None)
    for kw in (dict(n_features=2**18, alternate_sign=False, dtype=np.float32), dict(n_features=3)):
        ref = FeatureHasher(input_type="string", **kw).transform(feats + [[]])
        assert_same(hash_features(feats + [[]], **kw), ref)
    # the span model's reference matrix (hash_tokens) over FeatureHasher's columns
    ref = FeatureHasher(n_features=hash_tokens([["b"]]).shape[1], input_type="string", alternate_sign=False,
                        dtype=np.float32).transform(feats).tocsr()
    ref.data[:] = 1.0
    ref = (sp.diags(1.0 / np.sqrt(np.asarray(ref.sum(axis=1)).ravel())) @ ref).tocsr()
    assert_same(hash_tokens(feats), ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l2_row_norm_equals_sklearn_normalize(dtype):
    X = sp.random(60, 4000, density=0.03, format="csr", dtype=dtype, random_state=3) * 7
    X = sp.vstack([X, sp.csr_matrix((1, 4000), dtype=dtype)]).tocsr()  # an empty row stays empty
    X.data[:5] = 0.0  # explicit zeros stay
    before = X.data.copy()
    assert_same(l2_normalize_rows(X), normalize(X))
    assert np.array_equal(X.data, before)  # the input is left alone


def test_one_string_instead_of_a_list_is_refused():
    with pytest.raises(ModelError, match="list of texts"):
        TextHasher().transform("a text")
    with pytest.raises(ModelError, match="list of feature strings"):
        hash_features(["ab"], 8)


def test_no_texts_give_no_rows():
    X = TextHasher(n_features=16).transform([])
    assert X.shape == (0, 16) and X.nnz == 0


def test_bounded_caches_that_overflow_give_the_same_matrices(monkeypatch):
    from narrascope.models import hashing

    hasher = call_site_hashers()[-2]  # claims' words (l2); then one char_wb configuration
    expected = [hasher.transform(TEXTS), hashing.TextHasher(analyzer="char_wb", ngram_range=(2, 4)).transform(TEXTS)]
    monkeypatch.setattr(hashing, "_CACHE_MAX", 3)
    monkeypatch.setattr(hashing, "_WORDS_MAX", 2)
    hashing._HASH.clear()
    hashing._WORD_CHARS.clear()
    for _ in range(2):
        assert_same(hasher.transform(TEXTS), expected[0])
        assert_same(hashing.TextHasher(analyzer="char_wb", ngram_range=(2, 4)).transform(TEXTS), expected[1])
    grams = max(len(hashing._word_grams(hasher._tokens(hasher._prep(t)), 1, 2)) for t in TEXTS)
    assert len(hashing._HASH) <= 3 + grams
    assert len(hashing._WORD_CHARS[(2, 4)]) <= 2

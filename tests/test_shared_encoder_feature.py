"""``features.encoder``: one encoder pass per document, shared by every analyzer that reads it."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from narrascope.analyzers.base import Analyzer
from narrascope.document import Document
from narrascope.features import FEATURES, features_of
from narrascope.models.static_encoder import default_encoder
from narrascope.pipeline import Pipeline, graph_problems


def _reader(name: str, seen: list):
    class Reader(Analyzer):
        requires: ClassVar[tuple[str, ...]] = ("features.encoder",)
        assigns: ClassVar[tuple[str, ...]] = ()

        def analyze(self, doc, analysis):
            f = features_of(analysis)
            seen.append((name, f.encoder(), f))

    Reader.name = name
    return Reader


def test_encoder_feature_is_computed_once_per_document_and_shared_by_its_readers():
    seen: list = []
    a, b = _reader("enc_reader_a", seen), _reader("enc_reader_b", seen)
    assert "encoder" in FEATURES and graph_problems([a, b]) == []
    pipe = Pipeline([a(), b()])
    text = "Peace talks\r\n\r\nThe talks resumed on Monday. Москва промолчала. \"We want peace,\" one said."
    doc = Document.create(text, title_in_text=True)
    analysis = pipe.analyze(doc)
    (na, ea, fa), (nb, eb, fb) = seen
    assert (na, nb) == ("enc_reader_a", "enc_reader_b") and ea is eb
    assert analysis.features is None  # dropped after the run, like every shared feature
    assert fa is fb and fa.stats["encoder"] == [1, 1]  # one computation, one cache hit
    # the value: tokens of the document text with exact offsets, one vector per sentence
    assert len(ea.ids) == len(ea.starts) == len(ea.token_vectors) > 10
    assert all(doc.text[s:e] for s, e in zip(ea.starts, ea.ends))
    assert ea.sentence_vectors.shape == (len(doc.sentences), default_encoder().dim)
    assert np.allclose(ea.doc_vector, default_encoder().embed(doc.text), atol=1e-5)
    assert ea.model_id == default_encoder().model_id


def test_encoder_feature_is_not_computed_when_no_analyzer_reads_it():
    from narrascope.features import DocFeatures

    made: list = []
    real = DocFeatures.get

    def spy(self, name, *key, **inputs):
        made.append(name)
        return real(self, name, *key, **inputs)

    DocFeatures.get = spy
    try:
        Pipeline.from_config({"analyzers": ["language", "subjectivity"]}).analyze(Document.create("Peace talks resumed on Monday."))
    finally:
        DocFeatures.get = real
    assert made and "encoder" not in made


def test_encoder_feature_is_never_serialised():
    seen: list = []
    analysis = Pipeline([_reader("enc_reader_c", seen)()]).analyze(Document.create("Talks resumed."))
    assert seen and "encoder" not in str(analysis.to_dict())

"""The span model's optional encoder features: read from the shared encoder pass, saved and loaded
with the model, and refused when the shared encoder is not the one the model was trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope import Document
from narrascope.errors import ModelError
from narrascope.models.hashed_linear import artifact_dir
from narrascope.models.technique_spans import SpanModel

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "technique_spans" / "article9100001.txt"


@pytest.fixture(scope="module")
def model_with_encoder():
    if not (artifact_dir("technique-spans") / "model.json").exists() or not (artifact_dir("encoder") / "model.json").exists():
        pytest.skip("the span model or the encoder is not shipped in this checkout")
    from narrascope.models.static_encoder import default_encoder

    m = SpanModel.load(artifact_dir("technique-spans"))
    L, rng = len(m.labels), np.random.default_rng(0)
    m.enc = {"proj": rng.normal(size=(256, 4)).astype(np.float32), "sent_W": rng.normal(size=(L, 256)).astype(np.float32),
             "tok_W": rng.normal(size=(L, 12)).astype(np.float32), "word_W": rng.normal(size=(L, 12)).astype(np.float32),
             "k": 4, "sent_weight": 1.0, "tok_weight": 0.2, "encoder_id": default_encoder().info()["id"]}
    return m


def _doc():
    return Document.create(FIX.read_text(encoding="utf-8"), title_in_text=True, language="en")


def _key(cands):
    return [(c.technique, c.start, c.end, round(c.score, 6)) for c in cands]


def test_encoder_features_change_scores_and_round_trip(tmp_path, model_with_encoder):
    from narrascope.models.static_encoder import default_encoder

    d = _doc()
    enc = default_encoder().encode_document(d.text, d.sentences)
    with_enc, probs = model_with_encoder.candidates(d.text, d.sentences, d.paragraphs, encoding=enc)
    plain = SpanModel.load(artifact_dir("technique-spans"))
    without, probs0 = plain.candidates(d.text, d.sentences, d.paragraphs)
    assert not np.allclose(probs, probs0)  # the sentence vectors move the sentence head
    model_with_encoder.save(tmp_path / "m")
    again = SpanModel.load(tmp_path / "m")
    assert _key(again.candidates(d.text, d.sentences, d.paragraphs, encoding=enc)[0]) == _key(with_enc)
    # without an encoding given, the model makes the encoder pass itself: same result
    assert _key(again.candidates(d.text, d.sentences, d.paragraphs)[0]) == _key(with_enc)


def test_a_different_shared_encoder_is_refused(model_with_encoder):
    d = _doc()
    m = SpanModel.load(artifact_dir("technique-spans"))
    m.enc = dict(model_with_encoder.enc, encoder_id="another-encoder")
    with pytest.raises(ModelError, match="another-encoder"):
        m.candidates(d.text, d.sentences, d.paragraphs)

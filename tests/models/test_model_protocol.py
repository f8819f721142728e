"""The one model protocol (models/base.py): every shipped artifact folder loads through the class
that :data:`SHIPPED` names, says its labels, gives (n, k) probabilities in [0, 1], and survives
save -> load; one locator, one weights format, one int8 quantiser."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from narrascope.errors import ModelError
from narrascope.models.base import (
    ARTIFACTS, OTHER_ARTIFACTS, SHIPPED, Model, artifact_dir, check_proba, dequantize_rows, load_shipped, model_class,
    quantize_rows, read_artifacts, write_artifacts,
)

TEXTS = [
    "The West is provoking Russia, the Kremlin spokesman said on Monday, calling the sanctions illegal.",
    "Scientists say the summer of 2023 was the hottest on record; critics call it a hoax invented by elites!",
    "The meeting is on Monday.",
]
SRC = Path(__file__).resolve().parents[2] / "src" / "narrascope"


def _inputs(model) -> object:
    """What the model's predict_proba reads: texts, or feature rows of the right width."""
    from narrascope.models.hashed_linear import HashedLinearModel
    from narrascope.models.roles import RoleClassifier

    if isinstance(model, HashedLinearModel):
        X = model.features.transform(TEXTS)
        return sp.hstack([X, sp.csr_matrix((len(TEXTS), model.n_inputs - X.shape[1]))], format="csr")
    from narrascope.models.mention_tagger import MentionTagger

    if isinstance(model, MentionTagger):  # word windows of the shared encoder, one row per input
        from narrascope.models.mention_tagger import text_words
        from narrascope.models.static_encoder import default_encoder

        return text_words(TEXTS[0], default_encoder().encode_document(TEXTS[0], []), "en").window()[: len(TEXTS)]
    if isinstance(model, RoleClassifier):
        return sp.random(len(TEXTS), model.featurizer.n_features, density=0.002, format="csr", random_state=0,
                         dtype=np.float32)
    return TEXTS


def test_every_artifact_folder_has_a_loader_and_every_loader_a_folder():
    folders = {p.name for p in ARTIFACTS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert folders - set(OTHER_ARTIFACTS) == set(SHIPPED)
    with pytest.raises(ModelError, match="unknown model"):
        model_class("no-such-model")


@pytest.fixture(scope="module", params=sorted(SHIPPED))
def shipped(request):
    return request.param, load_shipped(request.param)


def test_every_shipped_model_follows_the_protocol(shipped):
    name, model = shipped
    assert isinstance(model, Model), name
    labels = list(model.labels)
    assert labels and len(set(labels)) == len(labels) and all(isinstance(x, str) and x for x in labels)
    P = check_proba(model.predict_proba(_inputs(model)), len(TEXTS), len(labels), where=name)
    assert P.dtype.kind == "f"


def test_every_shipped_model_round_trips_through_save_and_load(shipped, tmp_path):
    name, model = shipped
    model.save(tmp_path)
    back = model_class(name).load(tmp_path)
    X = _inputs(model)
    assert list(back.labels) == list(model.labels)
    assert np.allclose(back.predict_proba(X), model.predict_proba(X), atol=1e-5), name


def test_check_proba_rejects_a_wrong_shape_or_range():
    check_proba(np.full((2, 3), 0.5), 2, 3)
    with pytest.raises(ModelError, match="shape"):
        check_proba(np.zeros(2), 2, 1)
    with pytest.raises(ModelError, match=r"\[0, 1\]"):
        check_proba(np.array([[1.5]]), 1, 1)
    with pytest.raises(ModelError, match=r"\[0, 1\]"):
        check_proba(np.array([[np.nan]]), 1, 1)


@pytest.mark.parametrize("axis", [0, 1])
def test_the_one_quantiser_keeps_weights_within_half_a_step_and_zero_rows_at_zero(axis):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, 7)).astype(np.float32)
    if axis == 1:
        W[2] = 0
    else:
        W[:, 2] = 0
    q, scale = quantize_rows(W, axis=axis)
    assert q.dtype == np.int8 and scale.dtype == np.float32 and scale.shape == (W.shape[1 - axis],)
    back = dequantize_rows(q, scale, axis=axis)
    step = scale[None, :] if axis == 0 else scale[:, None]
    assert np.all(np.abs(back - W) <= step / 2 + 1e-7)
    assert np.abs(q).max() == 127 and np.all(back[2] == 0 if axis == 1 else back[:, 2] == 0)


def test_the_one_format_round_trips_and_reports_missing_and_corrupt_files(tmp_path):
    arrays = {"W": np.arange(6, dtype=np.int8).reshape(2, 3), "b": np.ones(2, np.float32)}
    write_artifacts(tmp_path / "m", {"name": "x", "\u00e9": 1}, arrays)
    meta, back = read_artifacts(tmp_path / "m")
    assert meta == {"name": "x", "\u00e9": 1} and set(back) == {"W", "b"} and np.array_equal(back["W"], arrays["W"])
    assert sorted(back.files) == ["W", "b"]  # as on numpy's NpzFile
    assert (tmp_path / "m" / "model.json").read_text(encoding="utf-8").endswith("}\n")
    with pytest.raises(ModelError, match="missing"):
        read_artifacts(tmp_path / "nowhere")
    (tmp_path / "m" / "weights.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="corrupt"):
        read_artifacts(tmp_path / "m")


def test_artifact_dir_is_the_one_locator():
    assert artifact_dir("genre") == ARTIFACTS / "genre"
    own = []
    for path in SRC.rglob("*.py"):
        if path.name == "base.py" and path.parent.name == "models":
            continue
        if re.search(r"[\"']artifacts[\"']", path.read_text(encoding="utf-8")):
            own.append(str(path.relative_to(SRC)))
    assert own == [], f"these modules locate model artifacts themselves: {own}"

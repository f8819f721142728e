"""The one model protocol, artifact locator, weights format and int8 quantiser.

Every shipped model follows :class:`Model`:

- ``labels``: the k label names, in column order;
- ``predict_proba(X)``: an ``(n, k)`` float array of per-label probabilities in [0, 1], one row per
  input, one column per label. Multi-label heads give independent probabilities per label;
  a multi-class head's columns sum to 1 (a model with several heads puts them side by side, in
  the order of ``labels``, and says which columns form which head). ``X`` is what the model reads:
  texts for the text models, feature rows for the heads over features made elsewhere;
- ``save(folder)`` and the classmethod ``load(folder=None)`` (``None``: the shipped artifact);
- ``fit``: where the model trains itself; several models are fitted part by part by their
  trainer in :mod:`narrascope.training` and assembled there.

Shipped weights live in ``models/artifacts/<name>/`` (:func:`artifact_dir`, the one locator) in one
format: ``model.json`` (settings, labels, thresholds, training facts; JSON) next to ``weights.npz``
(the arrays; no pickle), read by :func:`read_artifacts` and written by :func:`write_artifacts`. A
folder holding several models names each by a stem (the role folder: ``roles.json`` +
``roles.npz``, ``encoder.json`` + ``encoder.npz``). Weight matrices are stored as int8 with one
float32 scale per row (or per column) by :func:`quantize_rows` -- the only quantiser.

:data:`SHIPPED` names the class that loads each artifact folder; the conformance test
(``tests/models/test_model_protocol.py``) loads every one through it and checks ``predict_proba``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from ..errors import ModelError

ARTIFACTS = Path(__file__).parent / "artifacts"
META = "model.json"
WEIGHTS = "weights.npz"

# artifact folder -> the class that loads it ("module:Class", imported on demand)
SHIPPED: dict[str, str] = {
    "claims": "narrascope.analyzers.claims:ClaimModel",
    "domain": "narrascope.models.domain:DomainModel",
    "frames": "narrascope.models.hashed_linear:HashedLinearModel",
    "mentions": "narrascope.models.mention_tagger:MentionTagger",
    "genre": "narrascope.models.hashed_linear:HashedLinearModel",
    "narratives": "narrascope.models.narratives:NarrativeModel",
    "roles": "narrascope.models.roles:RoleClassifier",
    "subjectivity": "narrascope.models.hashed_linear:HashedLinearModel",
    "technique-spans": "narrascope.models.technique_spans:SpanModel",
    "techniques": "narrascope.models.hashed_linear:HashedLinearModel",
}
# artifact folders that hold no classifier (no labels, no predict_proba), found and read the same way
OTHER_ARTIFACTS: dict[str, str] = {
    "encoder": "the shared static token encoder (models/static_encoder.py), read through features.encoder",
}


@runtime_checkable
class Model(Protocol):
    """What every shipped model offers (see the module docstring for the meaning of each member)."""

    labels: Sequence[str]

    def predict_proba(self, X: Any) -> np.ndarray: ...

    def save(self, folder: str | Path) -> None: ...

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "Model": ...


def artifact_dir(name: str) -> Path:
    """The folder of the shipped artifact ``name`` (``models/artifacts/<name>``)."""
    return ARTIFACTS / name


def model_class(name: str) -> type:
    """The class that loads the shipped artifact ``name`` (:data:`SHIPPED`)."""
    try:
        module, cls = SHIPPED[name].split(":")
    except KeyError:
        raise ModelError(f"unknown model {name!r}", hint=f"one of: {', '.join(sorted(SHIPPED))}") from None
    return getattr(importlib.import_module(module), cls)


def load_shipped(name: str, folder: str | Path | None = None) -> Model:
    """The shipped model ``name`` (or one of its kind from ``folder``), loaded through its class."""
    return model_class(name).load(Path(folder) if folder else artifact_dir(name))


class Arrays(dict):
    """The arrays of a model folder by name; ``files`` lists the names, as on numpy's ``NpzFile``."""

    @property
    def files(self) -> list[str]:
        return list(self)


def read_artifacts(folder: Path, npz: tuple[str, ...] = (WEIGHTS,), optional: tuple[str, ...] = (), *,
                   meta: str = META, what: str = "model",
                   hint: str = "reinstall narrascope or retrain with `narrascope train`",
                   ) -> tuple[dict, Arrays]:
    """One reader of a model folder: the JSON file ``meta`` and the arrays of its ``.npz`` files
    (``optional`` ones may be absent), with one error for missing and one for corrupt files."""
    folder = Path(folder)
    try:
        info = json.loads((folder / meta).read_text(encoding="utf-8"))
        arrays = Arrays()
        for name in npz + tuple(n for n in optional if (folder / n).exists()):
            with np.load(folder / name, allow_pickle=False) as z:
                arrays.update({k: z[k] for k in z.files})
    except FileNotFoundError as e:
        raise ModelError(f"{what} files are missing", where=str(e.filename), hint=hint) from None
    except (ValueError, OSError, json.JSONDecodeError) as e:
        raise ModelError(f"{what} files are corrupt: {e}", where=str(folder)) from None
    return info, arrays


def write_artifacts(folder: Path, meta: dict, arrays: dict[str, np.ndarray] | None, *, npz: str = WEIGHTS,
                    meta_name: str = META, indent: int = 1, sort_keys: bool = False, ensure_ascii: bool = False) -> Path:
    """One writer of a model folder: ``arrays`` to ``npz`` (compressed, no pickle; skipped when None)
    and ``meta`` to ``meta_name`` (JSON, one trailing newline). Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if arrays is not None:
        np.savez_compressed(folder / npz, **arrays)
    text = json.dumps(meta, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii) + "\n"
    (folder / meta_name).write_text(text, encoding="utf-8")
    return folder


def quantize_rows(W: np.ndarray, axis: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights with one float32 scale per row (``axis=1``: the max over each row) or per column
    (``axis=0``); ``W ~= q * scale`` (see :func:`dequantize_rows`). An all-zero row gets scale 1."""
    W = np.asarray(W)
    scale = np.abs(W).max(axis=axis) / 127.0
    scale[scale == 0] = 1.0
    s = scale[:, None] if axis == 1 else scale[None, :]
    q = np.clip(np.round(W / s), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def dequantize_rows(q: np.ndarray, scale: np.ndarray, axis: int = 1) -> np.ndarray:
    """float32 weights from :func:`quantize_rows`' ``(q, scale)``."""
    s = np.asarray(scale, dtype=np.float32)
    return q.astype(np.float32) * (s[:, None] if axis == 1 else s[None, :])


def check_proba(P: np.ndarray, n: int, k: int, where: str = "model") -> np.ndarray:
    """``P`` if it is an ``(n, k)`` array of probabilities in [0, 1], else a :class:`ModelError`."""
    P = np.asarray(P)
    if P.shape != (n, k):
        raise ModelError(f"predict_proba gave shape {P.shape}, expected ({n}, {k})", where=where)
    if P.size and (not np.all(np.isfinite(P)) or P.min() < 0 or P.max() > 1):
        raise ModelError("predict_proba gave values outside [0, 1]", where=where)
    return P

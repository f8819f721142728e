"""The narrative classifier: hashed TF-IDF features, linear heads, calibration and F1-optimal decoding.

Everything here is numpy + feature hashing (:mod:`.hashing`, scikit-learn's ``HashingVectorizer`` columns;
no vocabulary is shipped, no torch).

Model (trained by :mod:`narrascope.training.narratives`):

- features: word 1-2-grams and character 2-5-grams (within word boundaries), each hashed into
  ``2**bits`` buckets, sublinear TF times IDF, L2-normalised per block, the two blocks concatenated
  and scaled by 1/sqrt(2);
- heads: one ridge regression per narrative, per sub-narrative and one "has a narrative" head,
  trained jointly on all five languages (weights stored as int8 with a per-head scale);
- calibration: Platt scaling fitted on cross-validated scores (one pair for narratives, one for
  sub-narratives, one for the "has a narrative" head) turns scores into probabilities;
- decoding (:func:`decode`): picks the label SET that maximises the expected per-document F1 --
  the official metric -- given those probabilities: "Other" wins only when its expected F1 beats
  every non-empty set of narratives; sub-narratives are chosen among the children of the chosen
  narratives, and a chosen narrative with no chosen child gets its "<narrative>: Other".

Evidence: a label's evidence sentences are those whose own features score highest under the label's
head (the linear contribution of that sentence), so every decision points at the text behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelError
from .base import artifact_dir, quantize_rows, read_artifacts

ARTIFACT_DIR = artifact_dir("narratives")
OTHER = "Other"
HAS_NARRATIVE = "__has_narrative__"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class Featurizer:
    """Hashed word and character n-gram TF-IDF; fit only learns the IDF vectors."""

    def __init__(self, bits: int = 14, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5)):
        self.bits = bits
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.idf_word_: np.ndarray | None = None
        self.idf_char_: np.ndarray | None = None
        self._vec = None

    def _vectorizers(self):
        if self._vec is None:
            # scikit-learn's HashingVectorizer columns, without importing scikit-learn (models/hashing.py)
            from .hashing import TextHasher

            common = dict(alternate_sign=False, norm=None, n_features=2**self.bits, lowercase=True, dtype=np.float32)
            self._vec = (
                TextHasher(analyzer="word", ngram_range=self.word_ngrams, token_pattern=r"(?u)\b\w+\b", **common),
                TextHasher(analyzer="char_wb", ngram_range=self.char_ngrams, **common),
            )
        return self._vec

    def counts(self, texts: Sequence[str]):
        vw, vc = self._vectorizers()
        return vw.transform(texts).tocsr(), vc.transform(texts).tocsr()

    def fit(self, texts: Sequence[str]) -> "Featurizer":
        return self.fit_counts(*self.counts(texts))

    def fit_counts(self, cw, cc) -> "Featurizer":
        self.idf_word_ = _idf(cw, cw.shape[0])
        self.idf_char_ = _idf(cc, cc.shape[0])
        return self

    def transform_counts(self, cw, cc):
        import scipy.sparse as sp

        from .hashing import l2_normalize_rows as normalize  # sklearn.preprocessing.normalize's values

        if self.idf_word_ is None:
            raise ModelError("featurizer is not fitted")
        blocks = []
        for c, idf in ((cw, self.idf_word_), (cc, self.idf_char_)):
            c = c.astype(np.float32, copy=True)
            c.data = np.log1p(c.data)
            blocks.append(normalize(c.multiply(idf.astype(np.float32)).tocsr()))
        return (sp.hstack(blocks).tocsr() * np.float32(1 / np.sqrt(2))).tocsr()

    def transform(self, texts: Sequence[str]):
        return self.transform_counts(*self.counts(texts))

    @property
    def n_features(self) -> int:
        return 2 * 2**self.bits

    def config(self) -> dict:
        return {"bits": self.bits, "word_ngrams": list(self.word_ngrams), "char_ngrams": list(self.char_ngrams)}


def _idf(counts, n: int) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


@dataclass
class Decision:
    """The decoded labels of one document, with calibrated probabilities."""

    narratives: list[tuple[str, float]]  # (id, probability); [("Other", p)] when no narrative
    subnarratives: list[tuple[str, str, float]]  # (id, parent id, probability)
    other: bool


class NarrativeModel:
    """Linear heads over :class:`Featurizer` features. ``fit`` lives in the training module."""

    def __init__(
        self,
        featurizer: Featurizer,
        narratives: list[str],
        subnarratives: list[str],
        parents: list[str],
        weights: np.ndarray,
        bias: np.ndarray,
        calibration: dict[str, tuple[float, float]],
        info: dict | None = None,
        dense_weights: np.ndarray | None = None,
        dense_mean: np.ndarray | None = None,
    ):
        self.featurizer = featurizer
        self.dense_weights = dense_weights  # (dim, n_heads) over a prepared document vector, or None
        self.dense_mean = dense_mean  # training mean of the raw document vectors (see prepare_dense)
        self.narratives = list(narratives)
        self.subnarratives = list(subnarratives)
        self.parents = list(parents)  # parent narrative of each sub-narrative
        self.weights = weights  # (n_features, n_heads) float32; heads = narratives + subs + [has]
        self.bias = bias
        self.calibration = {k: tuple(float(x) for x in v) for k, v in calibration.items()}
        self.info = dict(info or {})
        self._parent_idx = np.array([self.narratives.index(p) for p in self.parents], dtype=int)
        self._other_sub = np.array(
            [self.subnarratives.index(f"{n}: Other") if f"{n}: Other" in self.subnarratives else -1 for n in self.narratives]
        )
        self._head_index = {h: i for i, h in enumerate(self.heads)}

    # -- structure ------------------------------------------------------------------------------
    @property
    def heads(self) -> list[str]:
        return self.narratives + self.subnarratives + [HAS_NARRATIVE]

    def head(self, label: str) -> int | None:
        return self._head_index.get(label)

    # -- scoring --------------------------------------------------------------------------------
    def scores(self, X, dense: np.ndarray | None = None) -> np.ndarray:
        """Raw head scores, (n_docs, n_heads); ``dense``: the documents' vectors of :attr:`dense_feature`
        (required when the model has a dense block)."""
        S = np.asarray(X @ self.weights, dtype=np.float32) + self.bias
        if self.dense_weights is not None:
            if dense is None:
                raise ModelError("this narrative model also reads document vectors (" + str(self.dense_feature) + ") and none were given",
                                 hint="pass dense=model.document_vectors(texts), or run it through the narratives analyzer")
            S = S + prepare_dense(dense, self.dense_mean) @ self.dense_weights
        return S

    def document_vectors(self, texts: Sequence[str]) -> np.ndarray | None:
        """The dense block's input for bare texts (the shared feature, computed the way the pipeline
        does); None when the model has no dense block. The analyzer reads the pipeline's own pass."""
        if self.dense_feature is None:
            return None
        from ..document import Analysis, Document
        from ..features import features_of

        return np.stack([np.asarray(features_of(Analysis(document=Document(id=str(i), text=t))).get(self.dense_feature).doc_vector,
                                    dtype=np.float32) for i, t in enumerate(texts)]) if len(texts) else np.zeros((0, self.dense_weights.shape[0]), np.float32)

    @property
    def dense_feature(self) -> str | None:
        """Name of the shared per-document vector the dense block reads (e.g. ``"encoder"``), or None."""
        return self.info.get("dense_feature") if self.dense_weights is not None else None

    def probabilities(self, S: np.ndarray, languages: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated (narratives, sub-narratives, P(Other)) of raw scores ``S``.

        Sub-narratives: ``(a, b)`` Platt, or ``(a, b, c, d)`` = Platt on the sub-narrative's score ``s``
        and its parent narrative's score ``t``: ``sigmoid(a s + b + c t + d s t)``. "Other": Platt of the
        has-a-narrative head plus, per language, the intercept offset ``has_narrative_by_language``
        (languages with enough "Other" articles in training; the rest use the pooled intercept)."""
        nn, ns = len(self.narratives), len(self.subnarratives)
        an, bn = self.calibration["narratives"]
        qn = _sigmoid(an * S[:, :nn] + bn)
        cs = self.calibration["subnarratives"]
        Ss = S[:, nn : nn + ns]
        if len(cs) == 4:
            Sp = S[:, :nn][:, self._parent_idx]
            qs = _sigmoid(cs[0] * Ss + cs[1] + cs[2] * Sp + cs[3] * Ss * Sp)
        else:
            qs = _sigmoid(cs[0] * Ss + cs[1])
        ah, bh = self.calibration["has_narrative"][:2]
        z = ah * S[:, -1] + bh
        offsets = self.calibration_by_language
        if offsets and languages is not None:
            z = z + np.array([offsets.get(_lang_key(g), 0.0) for g in languages], dtype=np.float64)
        p_other = 1.0 - _sigmoid(z)
        return qn, qs, p_other

    @property
    def calibration_by_language(self) -> dict[str, float]:
        """Per-language offsets of the has-a-narrative intercept (``{}``: pooled calibration only)."""
        return self.info.get("has_narrative_by_language") or {}

    def predict_texts(self, texts: Sequence[str], other_prior: float | None = None, languages: Sequence[str] | None = None,
                      dense: np.ndarray | None = None) -> list[Decision]:
        """Decode ``texts`` (``languages``: one code per text, e.g. ``"en"``; ``dense``: the texts' document
        vectors when the model has a dense block, see :attr:`dense_feature`)."""
        S = self.scores(self.featurizer.transform(texts), self.document_vectors(texts) if dense is None else dense)
        return self.decode_scores(S, other_prior, languages)

    @property
    def train_other_prior(self) -> float:
        """Share of "Other" articles behind the calibration (pooled training data)."""
        return float(self.info.get("other_prior_train", 0.191))

    def calibration_prior(self, language: str | None) -> float:
        """The "Other" prior behind the calibrated P(Other) of a document in ``language``: its own
        training share when the language has its own intercept, else the pooled one."""
        lang = _lang_key(language)
        if lang in self.calibration_by_language:
            return float((self.info.get("other_prior_train_by_language") or {}).get(lang, self.train_other_prior))
        return self.train_other_prior

    def stated_prior(self, language: str | None) -> float | None:
        """The deployment "Other" prior stated for ``language`` in ``info.other_prior_by_language``
        (languages whose training data has almost no "Other"), or None (decode as calibrated)."""
        v = (self.info.get("other_prior_by_language") or {}).get(_lang_key(language))
        return None if v is None else float(v)

    def p_other(self, texts: Sequence[str], languages: Sequence[str] | None = None, dense: np.ndarray | None = None) -> np.ndarray:
        """Calibrated P(no narrative) per text, under the training prior."""
        S = self.scores(self.featurizer.transform(texts), self.document_vectors(texts) if dense is None else dense)
        return self.probabilities(S, languages)[2]

    def decode_scores(self, S: np.ndarray, other_prior: float | None = None, languages: Sequence[str] | None = None
                      ) -> list[Decision]:
        """Decode; ``other_prior`` (the share of "Other" articles expected in the corpus at hand, stated
        or estimated by :func:`narrascope.models.priors.em_binary`) shifts P(Other) by Bayes' rule. Without
        it, a language with a stated prior (:meth:`stated_prior`) is shifted to that prior."""
        qn, qs, po = self.probabilities(S, languages)
        langs = list(languages) if languages is not None else [None] * S.shape[0]
        frm = np.array([self.calibration_prior(g) for g in langs], dtype=np.float64)
        if other_prior is not None:
            to = np.full(len(langs), float(other_prior))
        else:
            to = np.array([self.stated_prior(g) if self.stated_prior(g) is not None else frm[i] for i, g in enumerate(langs)])
        if len(po) and np.any(to != frm):
            po = shift_prior(po, frm, to)
        return [self.decode_one(qn[i], qs[i], float(po[i])) for i in range(S.shape[0])]

    def decode_one(self, qn: np.ndarray, qs: np.ndarray, p_other: float) -> Decision:
        chosen_n, chosen_s = decode(qn, qs, p_other, self._parent_idx, self._other_sub)
        if not chosen_n:
            return Decision([(OTHER, p_other)], [], True)
        narr = [(self.narratives[j], float(qn[j])) for j in chosen_n]
        subs = [(self.subnarratives[k], self.parents[k], float(qs[k])) for k in chosen_s]
        return Decision(narr, subs, False)

    # -- evidence -------------------------------------------------------------------------------
    def sentence_contributions(self, sentences: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        """(n_sentences, n_labels): each sentence's linear score under each label's head."""
        if not sentences or not labels:
            return np.zeros((len(sentences), len(labels)), dtype=np.float32)
        cols = [self._head_index[lab] for lab in labels]
        X = self.featurizer.transform(sentences)
        return np.asarray(X @ self.weights[:, cols], dtype=np.float32)

    # -- the one model protocol (models/base.py) -----------------------------------------------
    @property
    def labels(self) -> list[str]:
        """The columns of :meth:`predict_proba`: the narratives, then the sub-narratives."""
        return self.narratives + self.subnarratives

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, k) calibrated, independent per-label probabilities (before decoding; see :meth:`probabilities`)."""
        qn, qs, _ = self.probabilities(self.scores(self.featurizer.transform(list(texts))))
        return np.hstack([qn, qs])

    # -- persistence ----------------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        W = self.weights.astype(np.float32)
        q, scale = quantize_rows(W, axis=0)  # one scale per head (column)
        np.savez_compressed(
            d / "weights.npz",
            weights_int8=q,
            scale=scale.astype(np.float32),
            bias=self.bias.astype(np.float32),
            idf_word=self.featurizer.idf_word_.astype(np.float16),
            idf_char=self.featurizer.idf_char_.astype(np.float16),
            **_int8("dense", self.dense_weights),
            **({"dense_mean": self.dense_mean.astype(np.float32)} if self.dense_mean is not None else {}),
        )
        meta = {
            "format": "narrascope-narratives/1",
            "featurizer": self.featurizer.config(),
            "narratives": self.narratives,
            "subnarratives": self.subnarratives,
            "parents": self.parents,
            "calibration": {k: list(v) for k, v in self.calibration.items()},
            "info": self.info,
        }
        (d / "model.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "NarrativeModel":
        d = Path(directory) if directory else ARTIFACT_DIR
        meta, arrays = read_artifacts(d, what="narrative model",
                                      hint="reinstall narrascope or retrain with `narrascope train narratives --data DIR --out DIR`")
        if meta.get("format") != "narrascope-narratives/1":
            raise ModelError(f"unknown model format {meta.get('format')!r}", where=str(d / "model.json"))
        cfg = meta["featurizer"]
        fz = Featurizer(cfg["bits"], tuple(cfg["word_ngrams"]), tuple(cfg["char_ngrams"]))
        fz.idf_word_ = arrays["idf_word"].astype(np.float32)
        fz.idf_char_ = arrays["idf_char"].astype(np.float32)
        W = arrays["weights_int8"].astype(np.float32) * arrays["scale"][None, :]
        dense = arrays["dense_int8"].astype(np.float32) * arrays["dense_scale"][None, :] if "dense_int8" in arrays.files else None
        return cls(
            fz,
            meta["narratives"],
            meta["subnarratives"],
            meta["parents"],
            W,
            arrays["bias"].astype(np.float32),
            {k: tuple(v) for k, v in meta["calibration"].items()},
            meta.get("info"),
            dense,
            arrays["dense_mean"].astype(np.float32) if "dense_mean" in arrays.files else None,
        )


def _lang_key(language: str | None) -> str:
    return (language or "").split("-")[0].upper()


def shift_prior(p_other: np.ndarray, train_prior, new_prior) -> np.ndarray:
    """Bayes-rule shift of P(Other) from ``train_prior`` to ``new_prior`` (scalars or per-document arrays)."""
    p = np.clip(np.asarray(p_other, dtype=np.float64), 1e-12, 1 - 1e-12)
    a = np.asarray(new_prior, dtype=np.float64) / np.maximum(np.asarray(train_prior, dtype=np.float64), 1e-12)
    b = (1 - np.asarray(new_prior, dtype=np.float64)) / np.maximum(1 - np.asarray(train_prior, dtype=np.float64), 1e-12)
    return p * a / (p * a + (1 - p) * b)


def prepare_dense(V: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
    """Document vectors as the dense block reads them: centred on the training mean, unit length."""
    V = np.asarray(V, dtype=np.float32)
    if V.ndim == 1:
        V = V[None, :]
    if mean is not None:
        V = V - mean
    return V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)


def _int8(name: str, W: np.ndarray | None) -> dict[str, np.ndarray]:
    """The dense block's weights as int8 with one scale per column (the one quantiser, ``models/base.py``)."""
    if W is None:
        return {}
    from .base import quantize_rows

    q, scale = quantize_rows(np.asarray(W, dtype=np.float32), axis=0)
    return {f"{name}_int8": q, f"{name}_scale": scale}


def decode(
    qn: np.ndarray, qs: np.ndarray, p_other: float, parent_idx: np.ndarray, other_sub: np.ndarray
) -> tuple[list[int], list[int]]:
    """Expected-F1-optimal label sets for one document (indices of narratives, of sub-narratives).

    With calibrated marginals q and the probability of "no narrative" p_o, the expected per-document
    F1 of predicting the top-k narratives is approximated by ``2 * sum(top-k q) / (k + sum(q) + p_o)``
    and that of predicting "Other" by ``2 * p_o / (1 + sum(q) + p_o)``; the best k wins (k = 0 means
    "Other"). Sub-narratives: the same rule over the children of the chosen narratives (at least the
    most probable one, which may be "<narrative>: Other"); a chosen narrative still without a chosen
    child gets its "<narrative>: Other" (a sub-narrative always implies its narrative, and a
    narrative always has at least one sub-narrative, as in the gold annotation).
    """
    order = np.argsort(-qn, kind="stable")
    total = float(qn.sum()) + p_other
    best_v = 2.0 * p_other / (1.0 + total)
    best_k = 0
    cum = 0.0
    for k, j in enumerate(order, 1):
        cum += float(qn[j])
        v = 2.0 * cum / (k + total)
        if v > best_v + 1e-12:
            best_v, best_k = v, k
    if best_k == 0:
        return [], []
    chosen_n = sorted(int(j) for j in order[:best_k])
    kids = np.where(np.isin(parent_idx, chosen_n))[0]
    chosen_s: list[int] = []
    if len(kids):
        s = qs[kids]
        so = np.argsort(-s, kind="stable")
        total_s = float(qs.sum())
        best_v, best_m, cum = -1.0, 1, 0.0
        for m, j in enumerate(so, 1):
            cum += float(s[j])
            v = 2.0 * cum / (m + total_s)
            if v > best_v + 1e-12:
                best_v, best_m = v, m
        chosen_s = [int(kids[j]) for j in so[:best_m]]
    for n in chosen_n:
        if not any(parent_idx[k] == n for k in chosen_s):
            own = np.where(parent_idx == n)[0]
            if other_sub[n] >= 0:
                chosen_s.append(int(other_sub[n]))
            elif len(own):  # no "<narrative>: Other" in the taxonomy: its most probable child
                chosen_s.append(int(own[np.argmax(qs[own])]))
    return chosen_n, sorted(chosen_s)

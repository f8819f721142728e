"""Framing dimensions (SemEval-2023 Task 3 subtask 2): multi-label, with evidence sentences.

The article is scored as a whole (hashed word + char n-gram TF-IDF, one logistic regression per
frame trained on six languages pooled, per-frame thresholds tuned by grouped cross-validation).
The default thresholds (``prior="news"``) are tuned with the frames of known prior shift weighted
to their stated news prior (Policy_prescription_and_evaluation, Public_opinion: see the model
card); ``prior="train"`` uses the thresholds tuned at the training prior. Evidence for a frame: the
sentences the same frame head scores highest (up to three, the best one always).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..document import Analysis, Document, Label
from ..features import features_of
from .base import Analyzer

ARTIFACT = "frames"
TAXONOMY = "semeval2023-frames"


def top_sentences(doc: Document, scores: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-scores, kind="stable")
    return sorted(int(i) for i in order[:k])


class FramesAnalyzer(Analyzer):
    name = "frames"
    requires = ("features.sentence_texts", "features.hashed_ngrams", "data.domain")
    assigns = ("data.frames", "labels.frames")
    version = "3"
    description = "Framing dimensions (14, SemEval-2023) with per-frame scores and evidence sentences."

    def __init__(self, model_dir: str | None = None, max_evidence: int = 3, prior: str = "news"):
        self.model_dir = model_dir
        from ..errors import check_param

        check_param("max_evidence", max_evidence, isinstance(max_evidence, int) and max_evidence >= 1, "an integer >= 1")
        check_param("prior", prior, prior in ("news", "train"),
                    "'news' (thresholds for the stated news prior, the default) or 'train' (the training prior)")
        self.max_evidence = int(max_evidence)
        self.prior = prior
        self._model = None

    def load(self) -> "FramesAnalyzer":
        if self._model is None:
            from ..models.hashed_linear import artifact_dir, load_model

            feats, heads, meta = load_model(self.model_dir or artifact_dir(ARTIFACT))
            self._model = (feats, heads["doc"], meta)
        return self

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Frame probabilities, one row per article text (columns: ``self.labels``)."""
        self.load()
        feats, head, _ = self._model
        return head.predict_proba(feats.transform(list(texts)))

    @property
    def labels(self) -> list[str]:
        self.load()
        return list(self._model[1].labels)

    def thresholds(self) -> np.ndarray:
        """Per-frame thresholds of the chosen ``prior``."""
        head, meta = self._model[1], self._model[2]
        if self.prior == "train" and "thresholds_train_prior" in meta:
            return np.asarray(meta["thresholds_train_prior"], dtype=np.float32)
        return head.thresholds

    def decide(self, P: np.ndarray) -> list[list[int]]:
        """Chosen frame indices per row: those over threshold; at least the best one."""
        th = self.thresholds()
        out = []
        for row in P:
            idx = [int(j) for j in np.where(row >= th)[0]]
            if not idx:
                idx = [int(np.argmax(row - th))]
            out.append(sorted(idx, key=lambda j: -row[j]))
        return out

    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        if not batch:
            return
        feats, head, _ = self._model
        P = head.predict_proba(feats.transform_counts(
            sp.vstack([features_of(a).hashed_ngrams(feats, "document") for a in batch], format="csr")))
        chosen = self.decide(P)
        for analysis, row, idx in zip(batch, P, chosen):
            self._emit(analysis, row, idx)
            self._guard().check(analysis)

    def _guard(self):
        if getattr(self, "_domain_guard", None) is None:
            from ..models.domain import DomainGuard

            self._domain_guard = DomainGuard(self.name)
        return self._domain_guard

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

    def _emit(self, analysis: Analysis, row: np.ndarray, idx: list[int]) -> None:
        feats, head, _ = self._model
        doc = analysis.document
        labels = head.labels
        analysis.data["frames"] = {
            "taxonomy": TAXONOMY,
            "scores": {labels[j]: round(float(row[j]), 4) for j in range(len(labels))},
            "thresholds": {labels[j]: round(float(t), 4) for j, t in enumerate(self.thresholds())},
        }
        if doc.sentences:
            D = head.decision(feats.transform_counts(features_of(analysis).hashed_ngrams(feats, "sentences")))  # (n_sent, L)
            out = []
            for j in idx:
                picks = top_sentences(doc, D[:, j], self.max_evidence)
                ev = [analysis.span(*doc.sentences[i], labels[j], self.name, float(1 / (1 + np.exp(-D[i, j]))))
                      for i in picks]
                out.append(Label(labels[j], float(row[j]), self.name, ev))
            analysis.add_labels("frames", out)

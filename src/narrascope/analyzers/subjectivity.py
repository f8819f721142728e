"""Sentence subjectivity (SUBJ / OBJ), trained on CheckThat! 2025 Task 1 data.

One span per sentence, labelled ``SUBJ`` or ``OBJ`` with the probability of that label; the share
of subjective sentences goes to ``analysis.data["subjectivity"]``. Model: hashed word + character
n-gram TF-IDF and logistic regression for English; for other languages a head trained on English, German,
Italian, Bulgarian and Arabic pooled that also reads cue words and the shared encoder's sentence vectors
(``features.encoder``, computed only for those documents); one decision threshold per language chosen in
cross-validation (:mod:`narrascope.training.subjectivity`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..document import Analysis, Document
from ..features import features_of
from .base import Analyzer

ARTIFACT = "subjectivity"


class SubjectivityAnalyzer(Analyzer):
    name = "subjectivity"
    requires = ("data.language", "features.sentence_texts", "features.hashed_ngrams", "features.encoder")
    assigns = ("data.subjectivity", "spans.subjectivity", "features.sentence_p_subj")
    version = "2"
    description = "Per-sentence subjective/objective spans (SUBJ/OBJ) with probabilities."

    def __init__(self, model_dir: str | None = None):
        self.model_dir = model_dir
        self._model = None

    def load(self) -> "SubjectivityAnalyzer":
        if self._model is None:
            from ..models.hashed_linear import artifact_dir, load_model

            feats, heads, meta = load_model(self.model_dir or artifact_dir(ARTIFACT))
            self._model = (feats, heads, meta)
        return self

    def sentence_scores(self, texts: Sequence[str], language: str | None = "en") -> np.ndarray:
        """P(SUBJ) for each text; the English head for ``en`` (or unknown), the multilingual one otherwise."""
        self.load()
        if not texts:
            return np.zeros(0)
        return self._scores(self._model[0].counts(list(texts)), language, texts)

    def threshold_for(self, language: str | None) -> float:
        """The decision threshold of a language (chosen per language in cross-validation; see the
        model card), the model's default for languages it was not trained on."""
        self.load()
        meta = self._model[2]
        per = meta.get("thresholds") or {}
        return float(per.get("en" if language in (None, "und") else language, meta.get("threshold", 0.5)))

    def uses_encoder(self, language: str | None) -> bool:
        self.load()
        return bool(self._head(language).meta.get("encoder"))

    def _head(self, language: str | None):
        heads = self._model[1]
        return heads["en"] if language in (None, "en", "und") else heads["multi"]

    def _scores(self, counts, language: str | None, texts: Sequence[str], sentence_vectors=None) -> np.ndarray:
        """P(SUBJ) from n-gram counts; the multi head also reads cue words and the shared encoder's
        sentence vectors (given by the pipeline's ``features.encoder``, else encoded here)."""
        import scipy.sparse as sp

        feats = self._model[0]
        head = self._head(language)
        blocks = [feats.transform_counts(counts)]
        if head.meta.get("cues"):  # the cue-word block (models/subjectivity_cues.py) after the n-grams
            from ..models.subjectivity_cues import cue_features

            blocks.append(cue_features(texts) * float(head.meta["cues"]))
        if head.meta.get("encoder"):
            from ..models.static_encoder import default_encoder

            enc = default_encoder()
            installed = str(enc.info().get("id", "static-e5"))
            if head.meta.get("encoder_id") not in (None, installed):
                from ..errors import ModelError

                raise ModelError(f"the subjectivity model was trained on encoder {head.meta['encoder_id']!r}, "
                                 f"the installed one is {installed!r}", hint="retrain: narrascope train subjectivity")
            V = enc.embed(list(texts)) if sentence_vectors is None else sentence_vectors
            blocks.append(sp.csr_matrix(np.asarray(V, dtype=np.float32) * float(head.meta["encoder"])))
        X = sp.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]
        P = head.predict_proba(X)
        return P[:, head.labels.index("SUBJ")]

    @staticmethod
    def language_of(analysis: Analysis) -> str:
        from .language import detect_language

        doc = analysis.document
        return doc.language or (analysis.data.get("language") or {}).get("language") or detect_language(doc.text)[0]

    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        for analysis in batch:
            doc = analysis.document
            shared = features_of(analysis)
            language = self.language_of(analysis)
            vecs = shared.encoder().sentence_vectors if doc.sentences and self.uses_encoder(language) else None
            scores = (self._scores(shared.hashed_ngrams(self._model[0], "sentences"), language, shared.sentence_texts(), vecs)
                      if doc.sentences else np.zeros(0))
            shared.put("sentence_p_subj", scores)
            self._emit(doc, analysis, scores, self.threshold_for(language))

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

    def _emit(self, doc: Document, analysis: Analysis, p_subj: np.ndarray, threshold: float) -> None:
        spans = []
        for (s, e), p in zip(doc.sentences, p_subj):
            subj = p >= threshold
            spans.append(analysis.span(s, e, "SUBJ" if subj else "OBJ", self.name, float(p if subj else 1 - p)))
        analysis.add_spans(spans)
        n_subj = sum(1 for sp in spans if sp.label == "SUBJ")
        analysis.data["subjectivity"] = {
            "sentences": len(spans),
            "subjective": n_subj,
            "share": round(n_subj / len(spans), 4) if spans else 0.0,
            "mean_p_subj": round(float(np.mean(p_subj)), 4) if len(p_subj) else 0.0,
            "threshold": threshold,
        }

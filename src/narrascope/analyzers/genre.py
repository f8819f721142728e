"""Article genre (SemEval-2023 Task 3 subtask 1): reporting, opinion or satire, with scores.

Features: hashed word + char n-gram TF-IDF of the article plus 30 standardised style features
(:mod:`narrascope.models.style`: the subjectivity model's per-sentence scores, attribution density,
quoted share, first and second person, questions, exclamations, hedges, wire/dateline cues,
sentence length, ...). Logistic regression trained on all six training languages with balanced
class weights; per-class biases tuned by grouped cross-validation for macro-F1 at a stated target
prior (65% reporting / 30% opinion / 5% satire: news feeds are mostly reporting, the English
training labels are 88% opinion). ``prior="train"`` uses the biases tuned for the training prior.

Output: one :class:`Label` (the chosen genre) with ``attrs["scores"]`` for all three genres;
evidence = the sentences that push most toward the chosen genre.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..document import Analysis, Document, Label
from ..features import features_of
from .base import Analyzer

ARTIFACT = "genre"
TAXONOMY = "semeval2023-genres"
MIN_WORDS = 150  # ~2% of the training articles are shorter; the length features run off the scale below


class GenreAnalyzer(Analyzer):
    name = "genre"
    requires = ("features.sentence_p_subj", "features.sentence_texts", "features.hashed_ngrams", "data.domain")
    assigns = ("data.genre", "labels.genre")
    version = "3"
    description = "Article genre (reporting / opinion / satire) with scores and indicative sentences."

    def __init__(self, model_dir: str | None = None, subjectivity_dir: str | None = None, max_evidence: int = 3,
                 prior: str = "news"):
        self.model_dir = model_dir
        self.subjectivity_dir = subjectivity_dir
        from ..errors import check_param

        check_param("max_evidence", max_evidence, isinstance(max_evidence, int) and max_evidence >= 1, "an integer >= 1")
        check_param("prior", prior, prior in ("news", "train"),
                    "'news' (decide for the stated news prior, the default) or 'train' (the training prior)")
        self.max_evidence = int(max_evidence)
        self.prior = prior
        self._model = None
        self._subj = None

    def load(self) -> "GenreAnalyzer":
        if self._model is None:
            from ..models.hashed_linear import artifact_dir, load_model

            feats, heads, meta = load_model(self.model_dir or artifact_dir(ARTIFACT))
            self._model = (feats, heads["doc"], meta)
        return self

    def _own_subjectivity(self):
        """Only outside a pipeline (no subjectivity analyzer published ``sentence_p_subj``)."""
        if self._subj is None:
            from .subjectivity import SubjectivityAnalyzer

            self._subj = SubjectivityAnalyzer(self.subjectivity_dir).load()
        return self._subj

    @property
    def labels(self) -> list[str]:
        self.load()
        return list(self._model[1].labels)

    def features(self, docs: Sequence[Document], p_subj: Sequence[np.ndarray] | None = None, counts=None):
        """Article feature rows (TF-IDF + weighted style block); ``p_subj`` per doc if known,
        ``counts``: the articles' hashed n-gram rows if known (the pipeline's shared features)."""
        from ..models.style import style_features

        self.load()
        feats, _, meta = self._model
        if p_subj is None:
            from .language import detect_language

            p_subj = [self._own_subjectivity().sentence_scores([d.text[s:e] for s, e in d.sentences],
                                                               d.language or detect_language(d.text)[0]) for d in docs]
        version = int(meta.get("style_version", 1))
        style = np.vstack([style_features(d.text, d.sentences, p, version) for d, p in zip(docs, p_subj)])
        if "style_mean" in meta:  # standardised with the training mean / spread
            from ..models.style import standardise

            style = standardise(style, meta["style_mean"], meta["style_std"])
        w = float(meta.get("style_weight", 1.0))
        X = feats.transform([d.text for d in docs]) if counts is None else feats.transform_counts(counts)
        return sp.hstack([X, sp.csr_matrix(style * w)], format="csr"), p_subj

    def biases(self) -> np.ndarray | float:
        """Additive log-probability biases of the chosen ``prior`` (0 when the model has none)."""
        head, meta = self._model[1], self._model[2]
        if self.prior == "train" and "biases_train_prior" in meta:
            return np.asarray(meta["biases_train_prior"], dtype=np.float32)
        return head.thresholds if head.thresholds is not None else 0.0

    def proba(self, X) -> np.ndarray:
        head = self._model[1]
        z = head.decision(X) + self.biases()
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        if not batch:
            return
        docs = [a.document for a in batch]
        shared = [features_of(a) for a in batch]
        p_subj = None
        if all(f.has("sentence_p_subj") for f in shared):  # published by the subjectivity analyzer
            p_subj = [f.get("sentence_p_subj") for f in shared]
        counts = sp.vstack([f.hashed_ngrams(self._model[0], "document") for f in shared], format="csr")
        X, p_subj = self.features(docs, p_subj, counts)
        P = self.proba(X)
        for analysis, row, ps in zip(batch, P, p_subj):
            self._emit(analysis, row, ps)
            self._guard().check(analysis)
            self._short_text_check(analysis)

    def _short_text_check(self, analysis: Analysis) -> None:
        """Texts far shorter than a news article push the length features off the training range
        (e.g. a three-sentence rant scores as satire): flag them, as the domain guard does."""
        n = len(analysis.document.text.split())
        if n < MIN_WORDS:
            msg = (f"genre: low confidence, the text has {n} words; the genre model was trained on articles "
                   f"of {MIN_WORDS} words or more")
            if msg not in analysis.warnings:
                analysis.warnings.append(msg)
            analysis.data["genre"]["short_text_warning"] = True

    def _guard(self):
        if getattr(self, "_domain_guard", None) is None:
            from ..models.domain import DomainGuard

            self._domain_guard = DomainGuard(self.name)
        return self._domain_guard

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

    def _emit(self, analysis: Analysis, row: np.ndarray, p_subj: np.ndarray) -> None:
        feats, head, _ = self._model
        doc = analysis.document
        labels = head.labels
        best = int(np.argmax(row))
        scores = {labels[j]: round(float(row[j]), 4) for j in range(len(labels))}
        analysis.data["genre"] = {"taxonomy": TAXONOMY, "label": labels[best], "scores": scores}
        if doc.sentences:
            Xs = feats.transform_counts(features_of(analysis).hashed_ngrams(feats, "sentences"))
            nf = feats.n_features
            W = head.W[:, :nf]
            D = np.asarray(Xs @ W.T)  # lexical push of each sentence toward each genre
            margin = D[:, best] - np.delete(D, best, axis=1).max(axis=1)
            order = np.argsort(-margin, kind="stable")[: self.max_evidence]
            ev = [analysis.span(*doc.sentences[int(i)], labels[best], self.name, float(1 / (1 + np.exp(-margin[int(i)] * 4))))
                  for i in sorted(order)]
            analysis.add_labels("genre", [Label(labels[best], float(row[best]), self.name, ev, attrs={"scores": scores})])

"""Narratives and sub-narratives (SemEval-2025 Task 10 taxonomy) with evidence and an explanation.

Output, per document:

- ``labels["narratives"]``: the chosen narratives with calibrated probabilities, or a single
  ``Other`` when no narrative is likely enough (decided by expected per-document F1, see
  :mod:`narrascope.models.narratives`);
- ``labels["subnarratives"]``: their sub-narratives, each with ``parent`` set to its narrative;
  every chosen narrative has at least one (``"<narrative>: Other"`` when none of the specific ones);
- every label carries evidence: the sentences of ``Document.sentences`` that score highest under the
  label's head (``attrs.contribution``); the same spans are added to ``Analysis.spans``;
- ``data["explanation"]`` for the dominant (most probable) narrative: ``{"narrative", "subnarrative",
  "text", "evidence"}``, where ``text`` is at most 80 words taken verbatim from its evidence
  sentences (extractive: no word that is not in the article).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..document import Analysis, Document, Label, Span
from ..features import features_of
from .base import Analyzer

MAX_EVIDENCE = 3
MAX_EXPLANATION_WORDS = 80
TAXONOMY_ID = "semeval2025-narratives"


class NarrativesAnalyzer(Analyzer):
    name = "narratives"
    requires = ("features.sentence_texts", "features.encoder", "data.domain", "data.language")
    assigns = ("labels.narratives", "labels.subnarratives", "data.explanation", "spans.narratives")
    version = "3"
    description = "Narratives and sub-narratives (URW, CC) with evidence sentences and an explanation."

    def __init__(self, model_dir: str | None = None, max_evidence: int = MAX_EVIDENCE, abstain: bool = True,
                 domain_dir: str | None = None, other_prior: float | None = None) -> None:
        from ..errors import check_param

        check_param("max_evidence", max_evidence, isinstance(max_evidence, int) and max_evidence >= 1, "an integer >= 1")
        check_param("abstain", abstain, isinstance(abstain, bool), "true or false")
        check_param("other_prior", other_prior, other_prior is None or (isinstance(other_prior, (int, float)) and 0 < other_prior < 1),
                    "a number in (0, 1): the expected share of articles without a narrative, or null (as trained)")
        self.other_prior = None if other_prior is None else float(other_prior)
        self.model_dir = model_dir
        self.max_evidence = max_evidence
        self.abstain = abstain  # out-of-domain articles (models/domain.py) get "Other", marked abstained
        self.domain_dir = domain_dir
        self.model_ = None
        self.domain_ = None

    def load(self) -> "NarrativesAnalyzer":
        if self.model_ is None:
            from ..models.narratives import NarrativeModel

            self.model_ = NarrativeModel.load(self.model_dir)
        if self.abstain and self.domain_ is None:
            from ..models.domain import DomainModel

            self.domain_ = DomainModel.load(self.domain_dir)
        return self

    # -- work ----------------------------------------------------------------------------------
    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        if not batch:
            return
        from .language import document_language

        # the "Other" decision is calibrated per language (issue 12): the document's language goes with it
        languages = [document_language(a.document, a) for a in batch]
        dense = None
        if self.model_.dense_feature:  # the shared encoder's document vector (one pass per document)
            dense = np.stack([np.asarray(features_of(a).get(self.model_.dense_feature).doc_vector, dtype=np.float32) for a in batch])
        decisions = self.model_.predict_texts([a.document.text for a in batch], self.other_prior, languages, dense)
        for analysis, decision in zip(batch, decisions):
            if self.abstain:
                from ..models.domain import domain_of

                dom = domain_of(analysis, self.domain_)
                if not dom["in_domain"]:
                    self._abstain(analysis, dom)
                    continue
            self._emit(analysis, decision)

    def _abstain(self, analysis: Analysis, dom: dict) -> None:
        """Out of domain: one "Other" (score = 1 - in-domain score), marked, and a warning."""
        doc = analysis.document
        sentences = list(doc.sentences) or ([(0, len(doc.text))] if doc.text else [])
        score = round(1.0 - float(dom["score"]), 4)
        ev = [self._span(analysis, sentences[0], "Other", score, reason="out of domain")] if sentences else []
        analysis.add_labels("narratives", [Label("Other", score, self.name, ev, attrs={
            "taxonomy": TAXONOMY_ID, "abstained": True, "reason": "; ".join(dom["reasons"])})])
        analysis.add_labels("subnarratives", [])
        analysis.spans.extend(ev)
        analysis.warnings.append("narratives: abstained, the article is outside the taxonomy's domains ("
                                 + "; ".join(dom["reasons"]) + ")")
        self.stamp(analysis)

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

    def _emit(self, analysis: Analysis, decision) -> None:
        doc = analysis.document
        sentences = list(doc.sentences) or ([(0, len(doc.text))] if doc.text else [])
        labels = [n for n, _ in decision.narratives if n != "Other"] + [s for s, _, _ in decision.subnarratives]
        texts = features_of(analysis).sentence_texts() if doc.sentences else [doc.text[s:e] for s, e in sentences]
        contrib = self.model_.sentence_contributions(texts, labels)
        col = {lab: i for i, lab in enumerate(labels)}
        narratives: list[Label] = []
        subs: list[Label] = []
        if decision.other:
            ev = [self._span(analysis, sentences[0], "Other", decision.narratives[0][1], reason="lead sentence")] if sentences else []
            narratives.append(Label("Other", decision.narratives[0][1], self.name, ev, attrs={"taxonomy": TAXONOMY_ID}))
        else:
            for n, p in decision.narratives:
                ev = self._evidence(analysis, sentences, contrib[:, col[n]], n, p)
                narratives.append(Label(n, p, self.name, ev, attrs={"taxonomy": TAXONOMY_ID, "domain": n.split(":", 1)[0]}))
            for s, parent, p in decision.subnarratives:
                ev = self._evidence(analysis, sentences, contrib[:, col[s]], s, p)
                subs.append(Label(s, p, self.name, ev, parent=parent, attrs={"taxonomy": TAXONOMY_ID}))
        narratives.sort(key=lambda lab: -lab.score)
        subs.sort(key=lambda lab: -lab.score)
        analysis.add_labels("narratives", narratives)
        analysis.add_labels("subnarratives", subs)
        seen: set[tuple[int, int, str]] = set()
        for lab in narratives + subs:
            for sp in lab.evidence:
                if (sp.start, sp.end, sp.label) not in seen:
                    seen.add((sp.start, sp.end, sp.label))
                    analysis.spans.append(sp)
        if not decision.other and narratives:
            dom = narratives[0]
            sub = next((s for s in subs if s.parent == dom.label), None)
            analysis.data["explanation"] = build_explanation(doc.text, dom.label, sub.label if sub else None, (sub or dom).evidence)

    def _span(self, analysis: Analysis, sent: tuple[int, int], label: str, score: float, **attrs: Any) -> Span:
        return analysis.span(sent[0], sent[1], label, self.name, round(float(score), 4), **attrs)

    def _evidence(self, analysis: Analysis, sentences, contrib: np.ndarray, label: str, score: float) -> list[Span]:
        return [
            self._span(analysis, sentences[i], label, score, contribution=round(float(contrib[i]), 4))
            for i in pick_evidence(contrib, self.max_evidence)
        ]

    def explain(self, doc: Document, narrative: str, subnarrative: str | None) -> dict[str, Any]:
        """Explanation for a GIVEN dominant narrative/sub-narrative (subtask 3 input)."""
        self.load()
        sentences = list(doc.sentences) or [(0, len(doc.text))]
        texts = [doc.text[s:e] for s, e in sentences]
        target = next((x for x in (subnarrative, narrative) if x and self.model_.head(x) is not None), None)
        if target is None:  # an unknown label: the sentences with the strongest narrative signal overall
            c = self.model_.sentence_contributions(texts, self.model_.narratives).max(axis=1)
        else:
            c = self.model_.sentence_contributions(texts, [target])[:, 0]
        analysis = Analysis(document=doc)
        spans = [self._span(analysis, sentences[i], target or narrative, 0.0) for i in pick_evidence(c, MAX_EVIDENCE)]
        return build_explanation(doc.text, narrative, subnarrative, spans)


def pick_evidence(contrib: np.ndarray, k: int) -> list[int]:
    """Indices of up to ``k`` sentences with the highest positive contribution (at least one)."""
    if contrib.size == 0:
        return []
    order = np.argsort(-contrib, kind="stable")
    chosen = [int(i) for i in order[:k] if contrib[i] > 0] or [int(order[0])]
    return sorted(chosen)


def build_explanation(text: str, narrative: str, subnarrative: str | None, evidence: Sequence[Span]) -> dict[str, Any]:
    """Extractive: the evidence sentences, strongest first, cut to 80 words (words are the article's)."""
    ranked = sorted(evidence, key=lambda s: -float(s.attrs.get("contribution", 0.0)))
    words: list[str] = []
    used: list[Span] = []
    for sp in ranked:
        if len(words) >= MAX_EXPLANATION_WORDS:
            break
        w = text[sp.start : sp.end].split()
        words.extend(w[: MAX_EXPLANATION_WORDS - len(words)])
        used.append(sp)
    return {
        "narrative": narrative,
        "subnarrative": subnarrative,
        "text": " ".join(words),
        "evidence": [s.to_dict(text) for s in sorted(used, key=lambda s: s.start)],
    }

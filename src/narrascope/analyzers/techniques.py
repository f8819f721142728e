"""Persuasion techniques (SemEval-2023 Task 3 subtask 3, 23 techniques) as character spans.

How it works (all CPU, no vocabulary shipped):

1. every paragraph (one non-blank line) is scored by a paragraph head (hashed word + char n-gram
   TF-IDF of the paragraph, length/punctuation features, and -- when the model was trained with
   ``context_weight > 0`` -- a down-weighted TF-IDF of the whole article); every sentence by a sentence head trained on the gold spans of the six
   training languages;
2. a paragraph carries technique *t* when ``(1 - w) * paragraph score + w * best sentence score``
   reaches *t*'s threshold (tuned for micro-F1 by grouped cross-validation);
3. each (paragraph, technique) decision gets evidence spans: the sentences of the paragraph whose
   sentence score is high enough (the best one always); for techniques whose gold spans are short
   (loaded language, name calling, repetition, slogans...) the span is narrowed to the phrase whose
   words the sentence head weighs most.

When the span model (artifact ``technique-spans``, :mod:`narrascope.models.technique_spans`) is
shipped -- the default -- it replaces steps 1-3: a sentence head and a token head tag the words of
each technique, spans are whole phrases on word boundaries with calibrated scores (the probability
that the span overlaps an analyst's span of that technique; one threshold per language), and the
paragraph labels are the techniques of the spans each paragraph holds. ``spans=False`` keeps the
paragraph model above.

Output: spans (``analyzer="techniques"``, label = official technique id, score, attrs with the
family, paragraph index and line number); ``data["techniques"]["paragraphs"]`` with the
paragraph-level labels derived from the spans (what the shared task scores); and one document-level
:class:`Label` per technique found, with its spans as evidence.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..document import Analysis, Document, Label, Span
from ..features import features_of
from .base import Analyzer

ARTIFACT = "techniques"
SPAN_ARTIFACT = "technique-spans"
# ISO 639-1 -> the SemEval-2023 folder names the per-language thresholds are keyed by
_LANG_KEYS = {"en": "en", "fr": "fr", "de": "ge", "it": "it", "pl": "po", "ru": "ru"}
TAXONOMY = "semeval2023-techniques"
_TOKEN = re.compile(r"\w+(?:[-'\u2019]\w+)*", re.UNICODE)


def paragraph_line_numbers(doc: Document) -> list[int]:
    """1-based line number of each paragraph (shared-task numbering: blank lines count)."""
    out, line, pos = [], 1, 0
    for s, _ in doc.paragraphs:
        line += doc.text.count("\n", pos, s)
        pos = s
        out.append(line)
    return out


class TechniquesAnalyzer(Analyzer):
    name = "techniques"
    requires = ("data.language", "features.sentence_texts", "features.hashed_ngrams", "features.encoder")
    assigns = ("data.techniques", "labels.techniques", "spans.techniques")
    version = "3"  # 3: the span model reads the shared encoder (issue 14)
    description = "Persuasion techniques (23, SemEval-2023) as phrase spans with calibrated scores + paragraph labels."

    def __init__(self, model_dir: str | None = None, narrow: bool = True, spans: bool = True,
                 span_model_dir: str | None = None, threshold: float | None = None):
        self.model_dir = model_dir
        self.narrow = bool(narrow)
        self.spans = bool(spans)
        self.span_model_dir = span_model_dir
        from ..errors import check_param

        check_param("threshold", threshold, threshold is None or 0.0 <= float(threshold) <= 1.0, "between 0 and 1")
        self.threshold = None if threshold is None else float(threshold)
        self._m_ = None  # the paragraph classifier + taxonomy, read on first use (see _m)
        self._tax = None
        self._span = None

    def load(self) -> "TechniquesAnalyzer":
        from ..models.hashed_linear import artifact_dir

        if self._tax is None:
            from ..taxonomies import load_taxonomy

            tax = load_taxonomy(TAXONOMY)
            self._tax = {"groups": {lab.id: lab.group for lab in tax.labels},
                         "defs": {lab.id: (lab.name, lab.definition) for lab in tax.labels}}
        if self.spans and self._span is None:
            from ..models.technique_spans import SpanModel

            d = Path(self.span_model_dir) if self.span_model_dir else artifact_dir(SPAN_ARTIFACT)
            if self.span_model_dir or (d / "model.json").exists():
                self._span = SpanModel.load(d)
        return self

    @property
    def _m(self) -> dict:
        """The paragraph classifier (features, paragraph and sentence heads, meta) and the taxonomy's
        groups and definitions. The span model (the default) reads the classifier only for a paragraph
        rule, so it is loaded on first use: ~0.1 s of cold start saved."""
        if self._m_ is None:
            from ..models.hashed_linear import artifact_dir, load_model

            self.load()
            feats, heads, meta = load_model(self.model_dir or artifact_dir(ARTIFACT))
            self._m_ = {"feats": feats, "para": heads["para"], "sent": heads.get("sent"), "meta": meta, **self._tax}
        return self._m_

    @property
    def labels(self) -> list[str]:
        self.load()
        return list(self._m["para"].labels)

    # -- scoring --------------------------------------------------------------------------------
    def score_document(self, doc: Document, analysis: Analysis | None = None) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
        """(paragraph scores (P, L), sentence scores (S, L), sentence indices per paragraph)."""
        from ..models.hashed_linear import shape_features

        shared = features_of(analysis if analysis is not None else Analysis(document=doc))
        m = self._m
        feats, meta = m["feats"], m["meta"]
        paras = list(doc.paragraphs)
        L = len(m["para"].labels)
        if not paras:
            return np.zeros((0, L)), np.zeros((0, L)), []
        ptexts = [doc.text[s:e] for s, e in paras]
        lines = paragraph_line_numbers(doc)
        n = len(paras)
        blocks = [feats.transform_counts(shared.hashed_ngrams(feats, "paragraphs")),
                  shape_features(ptexts, [ln == 1 for ln in lines], [i / max(n - 1, 1) for i in range(n)])]
        alpha = float(meta.get("context_weight", 0.0))
        if alpha > 0:
            ctx = feats.transform_counts(shared.hashed_ngrams(feats, "document"))[:, : feats.n_half]  # word n-grams of the whole article
            blocks.append(sp.csr_matrix(np.ones((n, 1), dtype=np.float32)) @ (alpha * ctx))
        Xp = sp.hstack(blocks, format="csr")
        Sp = m["para"].predict_proba(Xp)
        sent_of = [[] for _ in paras]
        j = 0
        for si, (s, _) in enumerate(doc.sentences):
            while j < n - 1 and s >= paras[j][1]:
                j += 1
            sent_of[j].append(si)
        if m["sent"] is not None and doc.sentences:
            Ss = m["sent"].predict_proba(feats.transform_counts(shared.hashed_ngrams(feats, "sentences")))
        else:
            Ss = np.zeros((len(doc.sentences), L))
        return Sp, Ss, sent_of

    def combine(self, Sp: np.ndarray, Ss: np.ndarray, sent_of: list[list[int]]) -> np.ndarray:
        w = float(self._m["meta"].get("sentence_weight", 0.0))
        if w <= 0 or self._m["sent"] is None:
            return Sp
        best = np.vstack([Ss[idx].max(axis=0) if idx else np.zeros(Sp.shape[1]) for idx in sent_of])
        return (1 - w) * Sp + w * best

    # -- analysis -------------------------------------------------------------------------------
    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        for analysis in batch:
            self.analyze(analysis.document, analysis)

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.load()
        if self._span is not None:
            self._analyze_spans(doc, analysis)
            return
        m = self._m
        labels = m["para"].labels
        th = m["para"].thresholds
        sent_th = m["sent"].thresholds if m["sent"] is not None and m["sent"].thresholds is not None else th
        Sp, Ss, sent_of = self.score_document(doc, analysis)
        Sc = self.combine(Sp, Ss, sent_of)
        lines = paragraph_line_numbers(doc)
        short = m["meta"].get("short_span_words", {})
        para_out, spans = [], []
        for pi, (ps, pe) in enumerate(doc.paragraphs):
            chosen = [j for j in np.argsort(-Sc[pi], kind="stable") if Sc[pi, j] >= th[j]]
            entry = {"index": pi, "line": lines[pi], "start": ps, "end": pe, "labels": []}
            for j in chosen:
                t = labels[j]
                sidx = sent_of[pi]
                picks = [si for si in sidx if Ss[si, j] >= sent_th[j]] if sidx else []
                if not picks and sidx:
                    picks = [max(sidx, key=lambda si: Ss[si, j])]
                for si in picks:
                    s, e = doc.sentences[si] if sidx else (ps, pe)
                    if self.narrow and t in short:
                        s, e = self._narrow(doc.text, s, e, j, int(short[t]))
                    spans.append(analysis.span(
                        s, e, t, self.name, float(Sc[pi, j]),
                        family=m["groups"].get(t), paragraph=pi, line=lines[pi],
                        sentence_score=round(float(Ss[si, j]), 4) if sidx else None,
                    ))
                if not sidx:
                    spans.append(analysis.span(ps, pe, t, self.name, float(Sc[pi, j]), family=m["groups"].get(t),
                                               paragraph=pi, line=lines[pi]))
                entry["labels"].append({"label": t, "score": round(float(Sc[pi, j]), 4)})
            para_out.append(entry)
        spans = _dedupe(spans)
        analysis.add_spans(spans)
        analysis.data["techniques"] = {"taxonomy": TAXONOMY, "paragraphs": para_out}
        by_label: dict[str, list[Span]] = {}
        for sp_ in spans:
            by_label.setdefault(sp_.label, []).append(sp_)
        self._add_doc_labels(analysis, by_label)

    def _add_doc_labels(self, analysis: Analysis, by_label: dict[str, list[Span]]) -> None:
        m = self._tax
        doc_labels = []
        for t, ev in sorted(by_label.items(), key=lambda kv: -max(float(s.score or 0) for s in kv[1])):
            name, definition = m["defs"].get(t, (t, None))
            doc_labels.append(Label(t, max(float(s.score or 0) for s in ev), self.name, ev, parent=None,
                                    attrs={"family": m["groups"].get(t), "name": name, "definition": definition,
                                           "paragraphs": len({s.attrs["paragraph"] for s in ev})}))
        if doc_labels:
            analysis.add_labels("techniques", doc_labels)

    def language_key(self, doc: Document, analysis: Analysis) -> str | None:
        from .language import detect_language

        lang = doc.language or (analysis.data.get("language") or {}).get("language") or detect_language(doc.text)[0]
        if not lang or lang == "und":
            return None
        lang = str(lang).lower().split("-")[0]
        return _LANG_KEYS.get(lang, lang)

    def _analyze_spans(self, doc: Document, analysis: Analysis) -> None:
        """Span model: phrases tagged word by word; paragraph labels are the techniques of its spans."""
        sm, m = self._span, self._tax
        lang = self.language_key(doc, analysis)
        thr = self.threshold if self.threshold is not None else sm.threshold(lang)
        shared = features_of(analysis)
        probs = None
        encoding = shared.encoder() if sm.enc is not None else None  # the shared encoder pass (one per document)
        if doc.sentences:  # the pipeline's shared hashed n-gram rows (same featurizer settings as the other heads)
            Xs = sm.feats.transform_counts(shared.hashed_ngrams(sm.feats, "sentences"))
            if sm.para_weight > 0 and doc.paragraphs:
                Xp = sm.feats.transform_counts(shared.hashed_ngrams(sm.feats, "paragraphs"))
                para_of = [max(0, bisect.bisect_right([s for s, _ in doc.paragraphs], s) - 1) for s, _ in doc.sentences]
                Xs = sp.hstack([Xs, sm.para_weight * Xp[para_of]], format="csr")
            z = sm.sent_head.decision(Xs)
            if encoding is not None:
                z = z + sm.sentence_dense(encoding)
            probs = 1.0 / (1.0 + np.exp(-z))
        every = sm.candidates(doc.text, doc.sentences, doc.paragraphs, sent_probs=probs, encoding=encoding)[0]
        cands = [c for c in every if c.score >= (thr if self.threshold is not None else sm.threshold(lang, c.technique))]
        lines = paragraph_line_numbers(doc)
        para_starts = [s for s, _ in doc.paragraphs]
        spans = []
        for c in cands:
            t = sm.labels[c.technique]
            pi = max(0, bisect.bisect_right(para_starts, c.start) - 1)
            spans.append(analysis.span(c.start, c.end, t, self.name, round(c.score, 4), family=m["groups"].get(t),
                                       paragraph=pi, line=lines[pi] if lines else None,
                                       sentence_score=round(c.p_sentence, 4)))
        spans = _dedupe(spans)
        para_out = []
        rule = self._paragraph_rule(doc, analysis, every)
        for pi, (ps, pe) in enumerate(doc.paragraphs):
            best: dict[str, float] = {}
            for sp_ in spans:
                if sp_.start < pe and ps < sp_.end:
                    best[sp_.label] = max(best.get(sp_.label, 0.0), float(sp_.score or 0))
            if rule is not None:  # paragraph labels: max(span score, paragraph-classifier score) over per-technique thresholds
                best = {t: v for t, v in rule[pi].items()}
            para_out.append({"index": pi, "line": lines[pi], "start": ps, "end": pe,
                             "labels": [{"label": t, "score": round(v, 4)}
                                        for t, v in sorted(best.items(), key=lambda kv: -kv[1])]})
        analysis.add_spans(spans)
        analysis.data["techniques"] = {"taxonomy": TAXONOMY, "paragraphs": para_out, "model": "spans",
                                       "threshold": round(float(thr), 4), "language": lang}
        by_label: dict[str, list[Span]] = {}
        for sp_ in spans:
            by_label.setdefault(sp_.label, []).append(sp_)
        self._add_doc_labels(analysis, by_label)

    def _paragraph_rule(self, doc: Document, analysis: Analysis, every) -> list[dict[str, float]] | None:
        """Paragraph labels by the span model's ``paragraph_rule`` (model.json), when it has one: a
        paragraph carries *t* when ``max(s, p)`` (kind ``max``) or ``w * s + (1 - w) * p`` (kind ``mix``,
        weight ``w``) reaches *t*'s threshold, or (kind ``union``) a kept span of *t* overlaps it or the
        paragraph classifier labels it; ``s`` = the best span score of *t* in the paragraph (any
        candidate), ``p`` = the paragraph classifier's score; None when the model has no rule."""
        rule = self._span.meta.get("paragraph_rule") if self._span is not None else None
        if not rule or rule.get("kind") not in ("max", "mix", "union") or not doc.paragraphs:
            return None
        w = float(rule.get("weight", 0.5))
        sm, m = self._span, self._m
        Sp, Ss, sent_of = self.score_document(doc, analysis)
        Sc = self.combine(Sp, Ss, sent_of)
        col = {t: j for j, t in enumerate(m["para"].labels)}
        out: list[dict[str, float]] = []
        for ps, pe in doc.paragraphs:
            ms: dict[str, float] = {}
            for c in every:
                if c.start < pe and ps < c.end:
                    t = sm.labels[c.technique]
                    ms[t] = max(ms.get(t, 0.0), float(c.score))
            out.append(ms)
        if rule["kind"] == "union":  # the kept spans' techniques plus the paragraph classifier's labels (its thresholds)
            th = m["para"].thresholds
            thr = self.threshold if self.threshold is not None else None
            lang = self.language_key(doc, analysis)
            for pi, ms in enumerate(out):
                got = {t: v for t, v in ms.items()
                       if v >= (thr if thr is not None else sm.threshold(lang, sm.labels.index(t)))}
                for t, j in col.items():
                    if Sc[pi, j] >= th[j]:
                        got[t] = max(got.get(t, 0.0), float(Sc[pi, j]))
                out[pi] = got
            return out
        for pi, ms in enumerate(out):
            got = {}
            for t, th in rule["thresholds"].items():
                a, b = ms.get(t, 0.0), float(Sc[pi, col[t]]) if t in col else 0.0
                v = max(a, b) if rule["kind"] == "max" else w * a + (1 - w) * b
                if v >= th:
                    got[t] = v
            out[pi] = got
        return out

    def _narrow(self, text: str, s: int, e: int, j: int, max_words: int) -> tuple[int, int]:
        """The phrase of at most ``max_words`` words inside [s, e) the sentence head weighs most."""
        head = self._m["sent"]
        if head is None:
            return s, e
        toks = [(mt.start(), mt.end()) for mt in _TOKEN.finditer(text[s:e])]
        if len(toks) <= 1:
            return s, e
        feats = self._m["feats"]
        X = feats.weight(feats.counts([text[s + a : s + b] for a, b in toks]))
        contrib = np.asarray(X @ head.W[j]).ravel()
        contrib = contrib - max(float(np.median(contrib)), 0.0)
        best, bi, bj = -np.inf, 0, 0
        for a in range(len(toks)):
            acc = 0.0
            for b in range(a, min(len(toks), a + max_words)):
                acc += contrib[b]
                if acc > best:
                    best, bi, bj = acc, a, b
        if best <= 0:
            return s, e
        return s + toks[bi][0], s + toks[bj][1]


def _dedupe(spans: list[Span]) -> list[Span]:
    seen, out = set(), []
    for sp_ in sorted(spans, key=lambda x: (x.start, x.end, x.label)):
        key = (sp_.start, sp_.end, sp_.label)
        if key not in seen:
            seen.add(key)
            out.append(sp_)
    return out

"""Is this article inside what the narrative models know? An in-domain score per article.

The narrative taxonomy covers two domains: the war in Ukraine (URW) and climate change (CC).
Off-topic text (a recipe, a football report, a product review, a two-line string) must not get
confident domain labels, so every article gets:

- ``p_urw``, ``p_cc``: a three-way logistic regression (URW / CC / neither) over hashed word and
  character n-gram TF-IDF plus a language-independent block of topic cue counts
  (:mod:`narrascope.models.domain_lexicon`), trained by ``narrascope train domain`` on SemEval-2025
  Task 10 articles (in-domain, labelled by their ids) against SemEval-2023 Task 3 articles and
  CheckThat!/ClaimBuster/CLEF sentences whose topic cues show they are not about either domain;
- ``news_prose``: enough running text to judge (at least ``min_words`` words in at least two
  sentences, and not mostly list lines such as ingredients or specifications);
- ``in_domain = news_prose and p_urw + p_cc >= threshold``; the threshold is chosen on out-of-fold
  scores for an in-domain recall of 0.98 (see the model card).

The result goes to ``analysis.data["domain"]`` (with the cue words found as evidence spans);
narratives abstain (a single ``Other`` marked ``abstained``) on out-of-domain articles, and frames
and genre add a warning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from ..document import span_dict
from ..errors import ModelError
from .base import artifact_dir, read_artifacts, write_artifacts
from .domain_lexicon import cue_matches, lexicon_counts
from .hashed_linear import HashedTfidf, LinearHead

ARTIFACT = "domain"
LABELS = ["URW", "CC", "none"]
N_LEX = 6
_SENT_END = re.compile(r"[.!?。…]+(?:\s|$)|\u0964")
_LIST_LINE = re.compile(r"^\s*(?:[-*•·]|\d+[.)]?\s|\d+\s*(?:g|kg|ml|l|cup|cups|tbsp|tsp|oz|x)\b)", re.IGNORECASE)


def lexicon_block(texts: Sequence[str]) -> sp.csr_matrix:
    """Language-independent columns: log hit counts and densities of the URW and CC cues, length."""
    F = np.zeros((len(texts), N_LEX), dtype=np.float32)
    for i, t in enumerate(texts):
        u, c, n = lexicon_counts(t)
        n = max(n, 1)
        F[i] = [np.log1p(u) / 3, np.log1p(c) / 3, min(u / n * 30, 1.5), min(c / n * 30, 1.5),
                np.log1p(n) / 7, 1.0 if n < 40 else 0.0]
    return sp.csr_matrix(F)


def prose_check(text: str, min_words: int = 40) -> tuple[bool, list[str], int]:
    """(looks like running prose, reasons if not, number of words)."""
    words = len(re.findall(r"[^\W\d_]+", text))
    reasons = []
    if words < min_words:
        reasons.append(f"too short to judge ({words} words; at least {min_words} needed)")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 4:
        listy = sum(1 for ln in lines if _LIST_LINE.match(ln) or len(ln.split()) <= 3)
        if listy / len(lines) > 0.5:
            reasons.append(f"mostly list lines ({listy} of {len(lines)})")
    if words >= min_words and len(_SENT_END.findall(text)) < 2:
        reasons.append("fewer than two sentences")
    return not reasons, reasons, words


class DomainModel:
    def __init__(self, features: HashedTfidf, head: LinearHead, lex_weight: float, threshold: float,
                 min_words: int = 40, meta: dict | None = None):
        self.features = features
        self.head = head
        self.lex_weight = float(lex_weight)
        self.threshold = float(threshold)
        self.min_words = int(min_words)
        self.meta = dict(meta or {})

    def matrix(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([self.features.transform(list(texts)), lexicon_block(texts) * self.lex_weight], format="csr")

    @property
    def labels(self) -> list[str]:
        return list(self.head.labels)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The one protocol's name for :meth:`proba`."""
        return self.proba(texts)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of URW, CC, none."""
        if not len(texts):
            return np.zeros((0, len(LABELS)))
        return self.head.predict_proba(self.matrix(texts))

    def assess(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for t, row in zip(texts, self.proba(texts)):
            prose, reasons, words = prose_check(t, self.min_words)
            score = float(row[0] + row[1])
            if score < self.threshold:
                reasons = [f"not about the war in Ukraine or climate change (score {score:.2f} < {self.threshold:.2f})"] + reasons
            ev = []
            for key, spans in cue_matches(t).items():
                ev += [span_dict(t, s, e, label=key) for s, e in spans]
            out.append({
                "in_domain": bool(prose and score >= self.threshold),
                "score": round(score, 4),
                "threshold": round(self.threshold, 4),
                "domains": {"URW": round(float(row[0]), 4), "CC": round(float(row[1]), 4)},
                "news_prose": prose,
                "words": words,
                "reasons": reasons,
                "evidence": sorted(ev, key=lambda d: d["start"]),
            })
        return out

    # -- persistence ------------------------------------------------------------------------------
    def save(self, folder: Path, extra: dict | None = None) -> None:
        arrays = self.features.arrays()
        arrays.update(self.head.arrays("doc_"))
        meta = {"format": "narrascope-domain/1", "features": self.features.config(), "head": self.head.config(),
                "lex_weight": self.lex_weight, "threshold": self.threshold, "min_words": self.min_words}
        meta.update(extra or {})
        write_artifacts(folder, meta, arrays)

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "DomainModel":
        folder = Path(folder) if folder else artifact_dir(ARTIFACT)
        meta, arrays = read_artifacts(folder, what="domain model",
                                      hint="reinstall narrascope or run `narrascope train domain --data DIR`")
        if meta.get("format") != "narrascope-domain/1":
            raise ModelError(f"unknown domain model format {meta.get('format')!r}", where=str(folder / "model.json"))
        feats = HashedTfidf.from_arrays(meta["features"], arrays)
        head = LinearHead.from_arrays(meta["head"], arrays, "doc_")
        return cls(feats, head, meta["lex_weight"], meta["threshold"], meta.get("min_words", 40), meta)


def domain_of(analysis, model: DomainModel) -> dict[str, Any]:
    """``analysis.data["domain"]``, computed with ``model`` (and stored) when no analyzer set it yet."""
    d = analysis.data.get("domain")
    if not isinstance(d, dict) or "in_domain" not in d:
        d = model.assess([analysis.document.text])[0]
        analysis.data["domain"] = d
    return d


class DomainGuard:
    """For analyzers trained on news about politics, war and climate (frames, genre): loads the
    domain model lazily and adds a warning to an out-of-domain article's analysis."""

    def __init__(self, analyzer: str, model_dir: str | None = None):
        self.analyzer = analyzer
        self.model_dir = model_dir
        self._model: DomainModel | None = None

    def check(self, analysis) -> dict[str, Any]:
        if self._model is None and not isinstance(analysis.data.get("domain"), dict):
            self._model = DomainModel.load(self.model_dir)
        d = analysis.data.get("domain") if isinstance(analysis.data.get("domain"), dict) else domain_of(analysis, self._model)
        if not d.get("in_domain", True):
            msg = (f"{self.analyzer}: low confidence, the article is outside the domains the models know ("
                   + "; ".join(d.get("reasons") or ["out of domain"])
                   + f"); the {self.analyzer} model was trained on political news and may not fit it")
            if msg not in analysis.warnings:
                analysis.warnings.append(msg)
            if isinstance(analysis.data.get(self.analyzer), dict):
                analysis.data[self.analyzer]["domain_warning"] = True
        return d

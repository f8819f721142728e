"""Check-worthy factual claims per sentence, with their dates, numbers, money, percentages, places
and actors as spans (dates normalised to ISO 8601 against ``Document.published``).

The sentence score comes from a linear model over hashed n-grams trained on ClaimBuster debate
sentences (see ``models/artifacts/claims/MODEL_CARD.md``); the parts are found by rules
(:mod:`narrascope.analyzers.claim_parts`). Sentences at or above the shipped threshold are claims.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..document import Analysis, Document, span_dict
from ..features import features_of
from ..errors import ModelError
from ..models.base import artifact_dir, read_artifacts, write_artifacts
from .base import Analyzer

FEATURE_PARAMS = {"word_bits": 18, "char_bits": 18, "word_ngrams": [1, 2], "char_ngrams": [2, 5], "digits": "0"}
_DIGIT = re.compile(r"\d")


def _prep(text: str) -> str:
    return _DIGIT.sub("0", text.lower())


_VECTORIZERS: dict[str, Any] = {}


def _vectorizers():
    if not _VECTORIZERS:
        # scikit-learn's HashingVectorizer columns, without importing scikit-learn
        from ..models.hashing import TextHasher

        p = FEATURE_PARAMS
        _VECTORIZERS["word"] = TextHasher(
            analyzer="word", ngram_range=tuple(p["word_ngrams"]), n_features=2 ** p["word_bits"],
            alternate_sign=False, norm="l2", preprocessor=_prep, token_pattern=r"(?u)\b\w+\b",
        )
        _VECTORIZERS["char"] = TextHasher(
            analyzer="char_wb", ngram_range=tuple(p["char_ngrams"]), n_features=2 ** p["char_bits"],
            alternate_sign=False, norm="l2", preprocessor=_prep,
        )
    return _VECTORIZERS["word"], _VECTORIZERS["char"]


def featurize(texts: Sequence[str]):
    """Sparse feature matrix: [hashed word 1-2-grams | hashed char 2-5-grams], each L2-normalised."""
    from scipy.sparse import hstack

    w, c = _vectorizers()
    return hstack([w.transform(texts), c.transform(texts)]).tocsr()


class ClaimModel:
    """Logistic regression over :func:`featurize`; weights from ``weights.npz``. Follows the one
    model protocol (:mod:`narrascope.models.base`): ``predict_proba(texts)`` is ``(n, 1)``."""

    labels = ("check-worthy",)

    def __init__(self, coef: np.ndarray, intercept: float, threshold: float):
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = float(intercept)
        self.threshold = float(threshold)
        self.meta: dict = {}

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "ClaimModel":
        d = Path(directory) if directory is not None else artifact_dir("claims")
        meta, arrays = read_artifacts(d, what="claim model", hint="reinstall narrascope or run `narrascope train claims`")
        try:
            coef, intercept = arrays["coef"], float(arrays["intercept"][0])
        except (KeyError, IndexError) as e:
            raise ModelError(f"claim model is corrupt ({e})", where=str(d)) from None
        if meta.get("features") != FEATURE_PARAMS:
            raise ModelError("claim model was trained with other feature settings", where=str(d),
                             hint="retrain with `narrascope train claims`")
        n = 2 ** FEATURE_PARAMS["word_bits"] + 2 ** FEATURE_PARAMS["char_bits"]
        if coef.shape != (n,):
            raise ModelError(f"claim weights have shape {coef.shape}, expected ({n},)", where=str(d))
        m = cls(coef, intercept, float(meta["threshold"]))
        m.meta = meta
        return m

    def arrays(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef.astype(np.float16), "intercept": np.asarray([self.intercept], dtype=np.float32)}

    def save(self, directory: str | Path, meta: dict | None = None) -> None:
        """``weights.npz`` (float16 coefficients) and ``model.json`` (``meta``, else the loaded one)."""
        m = dict(meta if meta is not None else self.meta)
        m.setdefault("features", FEATURE_PARAMS)
        m.setdefault("threshold", self.threshold)
        write_artifacts(Path(directory), m, self.arrays(), indent=2, ensure_ascii=True)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 1): the probability that each sentence is a check-worthy claim."""
        if not len(texts):
            return np.zeros((0, 1))
        z = featurize(texts) @ self.coef + self.intercept
        return (1.0 / (1.0 + np.exp(-z)))[:, None]


_HEADLINE_END = re.compile(r"[.!?\"\u201d\u00bb:;]\s*$")


def headline_end(doc: Document) -> int:
    """Offset where the headline ends: the title paragraph when a title is known, or a first
    paragraph that reads like one (a single line of at most 30 words without final punctuation,
    followed by more paragraphs); 0 when there is none."""
    if doc.title:
        return doc.body_start
    if len(doc.paragraphs) > 1:
        s, e = doc.paragraphs[0]
        first = doc.text[s:e].strip()
        if first and "\n" not in first and len(first.split()) <= 30 and not _HEADLINE_END.search(first):
            return e
    return 0


class ClaimsAnalyzer(Analyzer):
    name = "claims"
    requires = ("data.language", "data.entities", "data.quotes", "features.sentence_texts")
    assigns = ("data.claims", "spans.claims")
    version = "2"
    description = "Check-worthy factual claims per sentence (score), with dates (ISO), numbers, money, places, actors."

    def __init__(self, threshold: float | None = None, model_dir: str | None = None, languages: Sequence[str] | None = ("en",)) -> None:
        from ..errors import check_param

        check_param("threshold", threshold, threshold is None or (isinstance(threshold, (int, float)) and 0 <= threshold <= 1), "a number in [0, 1] or None")
        check_param("languages", languages, languages is None or (not isinstance(languages, str) and all(isinstance(x, str) for x in languages)), "a list of language codes or None (all)")
        self.threshold = threshold
        self.languages = None if languages is None else tuple(languages)
        self.model_dir = model_dir
        self.model_: ClaimModel | None = None

    def load(self) -> "ClaimsAnalyzer":
        if self.model_ is None:
            self.model_ = ClaimModel.load(self.model_dir)
        return self

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        assert self.model_ is not None
        from .language import document_language

        texts: list[str] = []
        owners: list[tuple[int, int, int]] = []
        for i, a in enumerate(batch):
            lang = document_language(a.document, a)
            if self.languages is not None and lang not in self.languages:
                # the model is English n-grams: scores on other languages are noise, so say so
                a.warnings.append(f"claims: the claim model is English-only; skipped a document in {lang!r}")
                continue
            head_end = headline_end(a.document)  # the headline is not a claim (it restates the body)
            for (s, e), t in zip(a.document.sentences, features_of(a).sentence_texts()):
                if e > head_end:
                    texts.append(t)
                    owners.append((i, s, e))
        probs = self.model_.predict_proba(texts)[:, 0] if texts else np.zeros(0)
        per_doc: dict[int, list[tuple[int, int, float]]] = {}
        for (i, s, e), p in zip(owners, probs):
            per_doc.setdefault(i, []).append((s, e, float(p)))
        for i, a in enumerate(batch):
            self._emit(a, per_doc.get(i, []))

    def _emit(self, analysis: Analysis, scored: list[tuple[int, int, float]]) -> None:
        from .claim_parts import find_actors, find_dates, find_places, find_quantities, parse_ref

        doc = analysis.document
        text = doc.text
        thr = self.threshold if self.threshold is not None else self.model_.threshold
        ref = parse_ref(doc.published)
        entities = analysis.data.get("entities") if isinstance(analysis.data.get("entities"), list) else None
        quotes = analysis.data.get("quotes") if isinstance(analysis.data.get("quotes"), list) else []
        claims: list[dict[str, Any]] = []
        spans = []
        for s, e, p in scored:
            if p < thr:
                continue
            cid = f"c{len(claims) + 1}"
            dates = find_dates(text, s, e, ref)
            taken = [(d["start"], d["end"]) for d in dates]
            qty = find_quantities(text, s, e, taken)
            taken += [(x["start"], x["end"]) for k in qty for x in qty[k]]
            places = find_places(text, s, e)
            taken += [(x["start"], x["end"]) for x in places]
            actors = find_actors(text, s, e, taken, entities)
            qids = [q["id"] for q in quotes if q["content"]["start"] < e and s < q["content"]["end"]]
            rec = {
                "id": cid,
                "sentence": span_dict(text, s, e),
                "score": round(p, 4),
                "dates": dates,
                "numbers": qty["numbers"],
                "money": qty["money"],
                "percentages": qty["percentages"],
                "places": places,
                "actors": actors,
            }
            if qids:
                rec["quote_ids"] = qids
            claims.append(rec)
            spans.append(analysis.span(s, e, "claim", self.name, round(p, 4), claim_id=cid))
            for key, label in (("dates", "claim-date"), ("numbers", "claim-number"), ("money", "claim-money"),
                               ("percentages", "claim-percent"), ("places", "claim-place"), ("actors", "claim-actor")):
                for x in rec[key]:
                    attrs = {"claim_id": cid}
                    for k in ("iso", "granularity", "value", "currency", "entity"):
                        if x.get(k) is not None:
                            attrs[k] = x[k]
                    spans.append(analysis.span(x["start"], x["end"], label, self.name, None, **attrs))
        analysis.data["claims"] = claims
        analysis.add_spans(spans)

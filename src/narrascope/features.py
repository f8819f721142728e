"""Shared per-document features: computed once per document, lazily, only when an analyzer asks.

spaCy's shared ``tok2vec`` with listeners is the model: analyzers do not each re-read the text.
An analyzer declares the features it reads in ``requires`` (``"features.<name>"``) and reads them
through :func:`features_of`; the first reader computes a feature, every later reader of the same
document gets the cached value. Features are never serialised (``Analysis.to_dict`` ignores them).

Two kinds:

- **computed** features, registered here with :func:`register_feature` (``sentence_texts``,
  ``hashed_ngrams``): a function of the document (and of a key, e.g. the featurizer settings);
- **published** features, written by an analyzer that declares ``"features.<name>"`` in its
  ``assigns`` (subjectivity publishes ``sentence_p_subj``, read by genre). The pipeline orders the
  publisher before its readers like any other output.

Adding a feature -- e.g. one transformer encoder pass whose token and sentence states several task
heads read -- is one more :func:`register_feature` function (say ``encoder``, keyed by the
encoder's artifact id, returning the states of ``sentence_texts``); analyzers that want it add
``"features.encoder"`` to ``requires``, and it runs at most once per document, only when one of
them is in the pipeline. Keep the function pure (document in, arrays out) and cheap to key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable

from .document import Analysis


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    compute: Callable[..., Any] | None = None  # None: published by an analyzer


FEATURES: dict[str, Feature] = {}


def register_feature(name: str, description: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(features: DocFeatures, *key) -> value`` as the computed feature ``name``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        FEATURES[name] = Feature(name, description, fn)
        return fn

    return deco


def publish_feature(name: str, description: str) -> None:
    """Declare a feature that an analyzer publishes (so readers can name it in ``requires``)."""
    FEATURES.setdefault(name, Feature(name, description, None))


class DocFeatures:
    """The feature cache of one document (one per :class:`~narrascope.document.Analysis`).

    ``stats`` counts computations and cache hits per feature (for benchmarks and tests).
    """

    __slots__ = ("analysis", "_cache", "stats")

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._cache: dict[tuple[str, Hashable], Any] = {}
        self.stats: dict[str, list[int]] = {}

    @property
    def document(self):
        return self.analysis.document

    def get(self, name: str, *key: Hashable, **inputs: Any) -> Any:
        """The feature ``name`` for ``key``, computed on first use (``inputs`` go to the compute
        function but not into the cache key: equal keys must mean equal values)."""
        k = (name, key)
        st = self.stats.setdefault(name, [0, 0])
        if k in self._cache:
            st[1] += 1
            return self._cache[k]
        feat = FEATURES.get(name)
        if feat is None or feat.compute is None:
            who = "an analyzer that assigns it must run first" if feat is not None else "no such feature"
            raise KeyError(f"feature {name!r} is not available ({who})")
        st[0] += 1
        value = self._cache[k] = feat.compute(self, *key, **inputs)
        return value

    def has(self, name: str, *key: Hashable) -> bool:
        return (name, key) in self._cache

    def put(self, name: str, value: Any, *key: Hashable) -> None:
        """Publish a feature computed by an analyzer (declared in its ``assigns``)."""
        self._cache[(name, key)] = value

    # -- typed shortcuts -------------------------------------------------------------------------
    def sentence_texts(self) -> list[str]:
        return self.get("sentence_texts")

    def hashed_ngrams(self, featurizer: Any, unit: str = "sentences"):
        """Hashed n-gram count rows (before any model's IDF weighting) of ``unit`` -- ``document``,
        ``sentences`` or ``paragraphs`` -- under ``featurizer``'s settings
        (:class:`narrascope.models.hashed_linear.HashedTfidf`); shared by every model with the same
        settings, whatever IDF it applies afterwards."""
        return self.get("hashed_ngrams", unit, _settings(featurizer), featurizer=featurizer)

    def encoder(self):
        """The shared multilingual encoder pass (:class:`narrascope.models.static_encoder.DocEncoding`):
        token ids, offsets and vectors of the text, sentence vectors, document vector."""
        return self.get("encoder")


def features_of(analysis: Analysis) -> DocFeatures:
    """The shared features of ``analysis`` (made on first use; works inside and outside a pipeline)."""
    f = analysis.features
    if f is None:
        f = analysis.features = DocFeatures(analysis)
    return f


def _settings(featurizer: Any) -> tuple:
    """The cache key of a featurizer: its settings (two models with equal settings share rows)."""
    c = featurizer.config()
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(c.items()))


@register_feature("sentence_texts", "the text of each sentence of Document.sentences")
def _sentence_texts(f: DocFeatures) -> list[str]:
    doc = f.document
    return [doc.text[s:e] for s, e in doc.sentences]


def unit_texts(f: DocFeatures, unit: str) -> list[str]:
    doc = f.document
    if unit == "document":
        return [doc.text]
    if unit == "sentences":
        return f.sentence_texts()
    if unit == "paragraphs":
        return [doc.text[s:e] for s, e in doc.paragraphs]
    raise ValueError(f"unit must be 'document', 'sentences' or 'paragraphs', got {unit!r}")


@register_feature("hashed_ngrams", "hashed word + char n-gram counts (sublinear TF) of the document, its sentences or paragraphs")
def _hashed_ngrams(f: DocFeatures, unit: str, settings: tuple, *, featurizer: Any):
    return featurizer.counts(unit_texts(f, unit))


@register_feature("encoder", "one pass of the static multilingual encoder (models/static_encoder.py): token ids, "
                  "offsets and vectors of the text, a vector per sentence, a document vector")
def _encoder(f: DocFeatures):
    from .models.static_encoder import default_encoder

    doc = f.document
    return default_encoder().encode_document(doc.text, doc.sentences)


publish_feature("sentence_p_subj", "P(subjective) of each sentence, published by the subjectivity analyzer")

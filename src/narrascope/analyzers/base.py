"""The analyzer contract.

An analyzer does one job. It declares, as data (spaCy's ``requires`` / ``assigns``):

- ``requires``: what it reads, as keys: another analyzer's output (``"data.entities"``,
  ``"spans.subjectivity"``, ``"labels.narratives"``), a feature another analyzer publishes
  (``"features.sentence_p_subj"``), or a shared per-document feature the pipeline computes once,
  lazily (``"features.sentence_texts"``, ``"features.hashed_ngrams"``; see
  :mod:`narrascope.features`). A bare name (``"language"``) means "that analyzer runs first".
- ``assigns``: what it writes: ``"data.<key>"`` and ``"labels.<task>"`` keys of
  :class:`~narrascope.document.Analysis`, ``"spans.<name>"`` for spans (their ``analyzer`` field
  is always its ``name``), and ``"features.<name>"`` for features it publishes for others.

The pipeline checks the graph when it is built (every requirement has a producer earlier in the
pipeline; :meth:`narrascope.pipeline.Pipeline.from_config` adds missing producers), stamps each
analyzer's ``version`` into ``Analysis.versions`` after it ran, and validates options
(:func:`narrascope.analyzers.validate_options`). An analyzer does no I/O in ``analyze`` and keeps
no global state: models are loaded once per instance, lazily, by :meth:`load`.

Rules every analyzer follows (checked by ``tests/analyzers/test_analyzer_conformance.py`` for every
registered analyzer):

- ``analyze(doc, analysis)`` mutates ``analysis`` only, and returns ``None``;
- ``pipe(batch)`` gives the same output as ``analyze`` one by one;
- every span it emits -- flat, label evidence, or a span dict inside ``data`` (built with
  :func:`narrascope.document.span_dict`) -- lies inside the text and its ``text`` is
  ``doc.text[start:end]``; flat spans carry ``analyzer == self.name``; every label it emits has at
  least one evidence span;
- it writes only what it ``assigns`` and reads other analyzers' output only when it ``requires`` it;
- the output is JSON-serialisable and deterministic for the same input;
- it works on any language and on very short documents (emitting nothing is fine).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Sequence

from ..document import Analysis, Document


class classproperty:
    """A read-only property on the class (and its instances)."""

    def __init__(self, fget):
        self.fget = fget

    def __get__(self, obj, owner):
        return self.fget(owner)


class Analyzer:
    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""

    @classmethod
    def keys(cls, kind: str, of: str = "assigns") -> tuple[str, ...]:
        """The names under ``kind`` (``data``, ``labels``, ``spans``, ``features``) it assigns/requires."""
        return tuple(k.split(".", 1)[1] for k in getattr(cls, of) if k.startswith(kind + "."))

    @classproperty
    def label_tasks(cls) -> tuple[str, ...]:
        """The ``Analysis.labels`` tasks it writes (from ``assigns``)."""
        return cls.keys("labels")

    @classproperty
    def produces(cls) -> tuple[str, ...]:
        """The ``labels`` and ``data`` keys it writes (from ``assigns``; the pre-``assigns`` name)."""
        out: list[str] = []
        for k in cls.keys("labels") + cls.keys("data"):
            if k not in out:
                out.append(k)
        return tuple(out)

    def __init__(self, **options: Any) -> None:
        if options:
            raise TypeError(f"{type(self).__name__} takes no options, got {sorted(options)}")

    # -- lifecycle -----------------------------------------------------------------------------
    def load(self) -> "Analyzer":
        """Load models/resources. Called once before the first document; must be idempotent."""
        return self

    # -- work ----------------------------------------------------------------------------------
    def analyze(self, doc: Document, analysis: Analysis) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def pipe(self, batch: Sequence[Analysis]) -> None:
        """Analyze a batch in place. Override to vectorise; the default loops over ``analyze``."""
        for analysis in batch:
            self.analyze(analysis.document, analysis)

    def stamp(self, analysis: Analysis) -> None:
        """Record this analyzer's version (the pipeline does it after each analyzer has run)."""
        analysis.versions[self.name] = self.version

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "requires": list(self.requires),
            "assigns": list(self.assigns),
            "produces": list(self.produces),
            "label_tasks": list(self.label_tasks),
            "description": self.description,
        }


def iter_batches(items: Iterable, size: int):
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

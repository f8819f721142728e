"""The analyzer contract.

An analyzer does one job. It declares what it ``requires`` (names of analyzers whose output it
reads) and what it ``produces`` (keys it adds to ``Analysis.labels`` / ``Analysis.data``, and the
``analyzer`` field of its spans, which is always its ``name``). It does no I/O in ``analyze`` and
keeps no global state: models are loaded once per instance, lazily, by :meth:`load`.

Rules every analyzer follows (checked by ``tests/test_analyzer_conformance.py`` for every
registered analyzer):

- ``analyze(doc, analysis)`` mutates ``analysis`` only, and returns ``None``;
- every span it emits satisfies ``0 <= start <= end <= len(doc.text)`` and carries
  ``analyzer == self.name``; every label it emits has at least one evidence span;
- it records its version in ``analysis.versions[self.name]``;
- the output is JSON-serialisable and deterministic for the same input;
- it works on any language and on very short documents (emitting nothing is fine).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Sequence

from ..document import Analysis, Document


class Analyzer:
    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[tuple[str, ...]] = ()
    label_tasks: ClassVar[tuple[str, ...]] = ()  # the keys of ``produces`` that go to Analysis.labels
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""

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
        analysis.versions[self.name] = self.version

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "requires": list(self.requires),
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

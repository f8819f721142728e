"""In-domain score per article: is it about the war in Ukraine / climate change, is it news prose.

Writes ``analysis.data["domain"]`` (see :mod:`narrascope.models.domain`): ``in_domain``, ``score``
(P(URW) + P(CC)), ``threshold``, ``domains`` (per-domain probabilities), ``news_prose``, ``words``,
``reasons`` (why an article is out of domain) and ``evidence`` (topic cue words with offsets).
Narratives abstain on out-of-domain articles; frames and genre add a warning.
"""

from __future__ import annotations

from typing import Sequence

from ..document import Analysis, Document
from .base import Analyzer


class DomainAnalyzer(Analyzer):
    name = "domain"
    requires = ()
    assigns = ("data.domain",)
    version = "1"
    description = "In-domain score (war in Ukraine / climate change, news prose) with cue-word evidence."

    def __init__(self, model_dir: str | None = None):
        self.model_dir = model_dir
        self.model_ = None

    def load(self) -> "DomainAnalyzer":
        if self.model_ is None:
            from ..models.domain import DomainModel

            self.model_ = DomainModel.load(self.model_dir)
        return self

    def pipe(self, batch: Sequence[Analysis]) -> None:
        self.load()
        for a, d in zip(batch, self.model_.assess([a.document.text for a in batch])):
            a.data["domain"] = d

    def analyze(self, doc: Document, analysis: Analysis) -> None:
        self.pipe([analysis])

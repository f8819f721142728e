"""The one analyzer registry: name -> "module:Class", imported lazily (fast cold start).

Order here is the default pipeline order; an analyzer comes after everything it requires.
"""

from __future__ import annotations

import importlib

from ..errors import ConfigError
from .base import Analyzer

REGISTRY: dict[str, str] = {
    "language": "narrascope.analyzers.language:LanguageAnalyzer",
    "domain": "narrascope.analyzers.domain:DomainAnalyzer",
    "entities": "narrascope.analyzers.entities:EntitiesAnalyzer",
    "quotes": "narrascope.analyzers.quotes:QuotesAnalyzer",
    "claims": "narrascope.analyzers.claims:ClaimsAnalyzer",
    "narratives": "narrascope.analyzers.narratives:NarrativesAnalyzer",
    "subjectivity": "narrascope.analyzers.subjectivity:SubjectivityAnalyzer",
    "genre": "narrascope.analyzers.genre:GenreAnalyzer",
    "frames": "narrascope.analyzers.frames:FramesAnalyzer",
    "techniques": "narrascope.analyzers.techniques:TechniquesAnalyzer",
}


def analyzer_names() -> list[str]:
    return list(REGISTRY)


def get_analyzer_class(name: str) -> type[Analyzer]:
    try:
        target = REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown analyzer {name!r}",
            hint=f"choose from: {', '.join(REGISTRY)}",
        ) from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def create_analyzer(name: str, **options) -> Analyzer:
    cls = get_analyzer_class(name)
    try:
        return cls(**options)
    except TypeError as e:
        raise ConfigError(f"bad options for analyzer {name!r}: {e}") from None


__all__ = ["Analyzer", "REGISTRY", "analyzer_names", "get_analyzer_class", "create_analyzer"]

"""The one analyzer registry: name -> "module:Class", imported lazily (fast cold start).

Order here is the default pipeline order; an analyzer comes after everything it requires.
"""

from __future__ import annotations

import importlib
import inspect

from ..errors import ConfigError
from .base import Analyzer

REGISTRY: dict[str, str] = {
    "language": "narrascope.analyzers.language:LanguageAnalyzer",
    "domain": "narrascope.analyzers.domain:DomainAnalyzer",
    "narratives": "narrascope.analyzers.narratives:NarrativesAnalyzer",
    "entities": "narrascope.analyzers.entities:EntitiesAnalyzer",  # reads labels.narratives (issue 13)
    "quotes": "narrascope.analyzers.quotes:QuotesAnalyzer",
    "claims": "narrascope.analyzers.claims:ClaimsAnalyzer",
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


_SIMPLE = {"str": str, "int": int, "float": (int, float), "bool": bool, "None": type(None)}


def analyzer_options(cls: type[Analyzer]) -> dict[str, inspect.Parameter]:
    """The options an analyzer takes (the keyword parameters of its ``__init__``)."""
    if cls.__init__ is Analyzer.__init__:
        return {}
    params = inspect.signature(cls.__init__).parameters
    return {n: p for n, p in params.items() if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _type_ok(annotation: str, value) -> bool | None:
    """Whether ``value`` fits a simple annotation string (``str | None``, ``int``...); None: not checkable."""
    ok = False
    for alt in (a.strip() for a in str(annotation).split("|")):
        if alt in _SIMPLE:
            t = _SIMPLE[alt]
            ok = ok or (isinstance(value, t) and not (alt in ("int", "float") and isinstance(value, bool)))
        elif alt in ("Sequence[str]", "list[str]", "tuple[str, ...]"):
            ok = ok or (isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value))
        else:
            return None
    return ok


def validate_options(name: str, options: dict) -> None:
    """Check an analyzer's options before it is built: known names, simple types (from its
    ``__init__`` signature); the analyzer's own ``check_param`` calls check ranges."""
    cls = get_analyzer_class(name)
    if not isinstance(options, dict):
        raise ConfigError(f"options for analyzer {name!r} must be an object, got {options!r}")
    known = analyzer_options(cls)
    unknown = sorted(set(options) - set(known))
    if unknown:
        choices = ", ".join(known) if known else "none"
        raise ConfigError(f"analyzer {name!r} has no option {', '.join(map(repr, unknown))}", hint=f"its options: {choices}")
    for key, value in options.items():
        ann = known[key].annotation
        if ann is inspect.Parameter.empty:
            continue
        if _type_ok(ann, value) is False:
            raise ConfigError(f"option {key!r} of analyzer {name!r} must be {ann}, got {value!r}")


def create_analyzer(name: str, **options) -> Analyzer:
    validate_options(name, options)
    cls = get_analyzer_class(name)
    try:
        return cls(**options)
    except TypeError as e:
        raise ConfigError(f"bad options for analyzer {name!r}: {e}") from None


__all__ = ["Analyzer", "REGISTRY", "analyzer_names", "analyzer_options", "create_analyzer", "get_analyzer_class", "validate_options"]

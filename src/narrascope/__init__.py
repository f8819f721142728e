"""Narrascope: read the news the way a disinformation analyst does -- offline, with evidence."""

from __future__ import annotations

__version__ = "0.1.0"

from .document import SCHEMA_VERSION, Analysis, Document, Label, Span  # noqa: E402
from .errors import NarrascopeError  # noqa: E402
from .pipeline import Failure, Pipeline  # noqa: E402

__all__ = [
    "__version__",
    "SCHEMA_VERSION",
    "Analysis",
    "Document",
    "Label",
    "Span",
    "NarrascopeError",
    "Failure",
    "Pipeline",
]

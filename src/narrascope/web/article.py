"""The article page's template context: highlight layers + the readable panels of the report.

One function, :func:`article_context`, turns a stored record (``Analysis`` dict + store fields)
into what ``document.html`` renders: the text cut into segments, ONE highlight layer painted
(``layer``), spans below ``threshold`` left plain, and :func:`narrascope.formats.report.article_view`
for the panels (the same data the downloadable report shows).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from typing import Any

from ..errors import InputError
from ..formats.report import article_view
from ..labels import default_catalog, suggest
from .highlight import add_layers, build_highlight, choose_layer, default_selection, paint, parse_selection


class InvalidQueryError(InputError):
    """A query parameter names something that does not exist (422, like FastAPI's own checks)."""

    status = 422
    code = "invalid_request"


def validate_selection(record: dict[str, Any], select: str | None) -> None:
    """Raise :class:`InvalidQueryError` unless ``select`` is empty or names a label of ``record``."""
    if select:
        _selection(select, record.get("labels") or {})


def _selection(select: str | None, labels: dict[str, list[dict[str, Any]]]):
    if not select:
        return default_selection(labels)
    sel = parse_selection(select, labels)
    if sel is None:
        valid = [f"{t}:{i}" for t, labs in sorted(labels.items()) for i in range(len(labs))]
        near = suggest(select, valid)
        raise InvalidQueryError(
            f"select must name a label of this article as 'task:index', got {select!r}",
            where="query.select",
            hint=(f"did you mean {near[0]}? " if near else "")
            + (f"valid: {', '.join(valid[:12])}{' …' if len(valid) > 12 else ''}" if valid else "this article has no labels"),
        )
    return sel


def article_context(record: dict[str, Any], *, select: str | None = None, layer: str | None = None,
                    threshold: float = 0.0) -> dict[str, Any]:
    cat = default_catalog()
    labels = record.get("labels") or {}
    selection = _selection(select, labels)
    hl = build_highlight(record, selection)
    layers = add_layers(hl, cat.name)
    if layer and layer != "none" and layer not in [ly["id"] for ly in layers]:
        ids = [ly["id"] for ly in layers]
        near = suggest(layer, ids)
        raise InvalidQueryError(
            f"layer must be one of this article's highlight layers, got {layer!r}", where="query.layer",
            hint=(f"did you mean {near[0]}? " if near else "") + (f"valid: {', '.join(ids)}" if ids else "this article has no spans"),
        )
    shown = "none" if layer == "none" else choose_layer(layers, layer)
    classes = paint(hl, shown, threshold)
    starts = [s.start for s in hl.segments]

    def anchor(offset: int) -> str:
        """The id of the text segment holding ``offset`` (panel links jump there)."""
        i = max(0, bisect_right(starts, int(offset)) - 1)
        return f"o{starts[i]}" if starts else "text"

    view = article_view(record, cat)
    # task:index for each label in the panels, so a click shows its evidence
    return {
        "hl": hl,
        "layers": layers,
        "layer": shown,
        "threshold": threshold,
        "classes": classes,
        "view": view,
        "anchor": anchor,
        "span_json": json.dumps(hl.spans, ensure_ascii=False),
    }


__all__ = ["InvalidQueryError", "article_context", "validate_selection"]

"""Server-rendered web UI: Jinja2 templates + static CSS/JS, no build step, nothing from a CDN.

The pages are served by the same FastAPI app as the REST API (:mod:`narrascope.api`); a view
answers HTML to browsers and JSON to API clients. Article text is hostile input: templates are
autoescaped, nothing user-provided is marked safe, and the app sends a strict
Content-Security-Policy (scripts from 'self' only, no inline script or style).
"""

from __future__ import annotations

from pathlib import Path

import re

import jinja2
from markupsafe import Markup, escape

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def template_env() -> jinja2.Environment:
    """A fresh Jinja environment: autoescape on for every template; ``label_name`` /
    ``label_def`` (human names and definitions from the taxonomies) and the ``hits`` filter."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.Undefined,  # optional fields of stored rows may be absent
        trim_blocks=False,
        lstrip_blocks=False,
    )

    def label_name(label_id):
        from ..labels import default_catalog

        return default_catalog().name(label_id)

    def label_def(label_id):
        from ..labels import default_catalog

        return default_catalog().definition(label_id)

    env.globals.update(label_name=label_name, label_def=label_def)
    env.filters["hits"] = mark_hits
    return env


def mark_hits(text: str | None, query: str | None) -> Markup:
    """``text`` escaped, with the words of a search ``query`` wrapped in ``<mark class="hit">``."""
    text = "" if text is None else str(text)
    words = sorted({w for w in re.findall(r"\w+", query or "", re.UNICODE) if len(w) > 1 and w.upper() not in ("OR", "AND", "NOT")},
                   key=len, reverse=True)
    if not words:
        return Markup(escape(text))
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE | re.UNICODE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<mark class="hit">') + escape(m.group(0)) + Markup("</mark>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)

"""Server-rendered web UI: Jinja2 templates + static CSS/JS, no build step, nothing from a CDN.

The pages are served by the same FastAPI app as the REST API (:mod:`narrascope.api`); a view
answers HTML to browsers and JSON to API clients. Article text is hostile input: templates are
autoescaped, nothing user-provided is marked safe, and the app sends a strict
Content-Security-Policy (scripts from 'self' only, no inline script or style).
"""

from __future__ import annotations

from pathlib import Path

import jinja2

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def template_env() -> jinja2.Environment:
    """A fresh Jinja environment: autoescape on for every template."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.Undefined,  # optional fields of stored rows may be absent
        trim_blocks=False,
        lstrip_blocks=False,
    )

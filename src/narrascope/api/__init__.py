"""REST API and web UI server (FastAPI). Build the app with :func:`create_app`."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]

"""`narrascope serve`: the REST API and web UI over a corpus store (uvicorn)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    @main.command("serve")
    @click.option("--db", "db", required=True, help="Store to serve: a SQLite file (from `narrascope ingest`) or a postgresql:// URL.")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default; the UI has no login).")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
    @click.option("--create", is_flag=True, help="Create an empty SQLite store if the file does not exist (to ingest over the API).")
    @click.option("--max-chars", default=200_000, show_default=True, type=click.IntRange(1), help="Largest document POST /analyze and POST /documents accept, in characters (413 above).")
    @click.option("--analyzers", "-a", default=None, help="Comma-separated analyzers for POST /analyze and POST /documents (default: all).")
    @click.option("--reviewer", default=None, help="Reviewer name on loopback before one logs in (default: $NARRASCOPE_REVIEWER or the login name).")
    @click.option("--log-level", default="info", show_default=True, type=click.Choice(["critical", "error", "warning", "info", "debug"]))
    def serve(db, host, port, create, max_chars, analyzers, reviewer, log_level):
        """Serve the web UI and REST API for a store (OpenAPI schema at /openapi.json).

        POST /documents (ingest over HTTP) needs a bearer token: set NARRASCOPE_API_TOKEN before
        starting; without it, ingest over the API is disabled. Review corrections (docs/review.md)
        are on when bound to loopback or when NARRASCOPE_REVIEW_TOKEN is set; read-only otherwise.
        """
        import os

        import uvicorn

        from ..api import create_app
        from ..api.app import TOKEN_ENV
        from ..pipeline import Pipeline

        pipeline = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
        from ..api.review import REVIEW_TOKEN_ENV, ReviewConfig, is_loopback_host
        from .review import default_reviewer

        review = ReviewConfig(token=os.environ.get(REVIEW_TOKEN_ENV) or None, loopback=is_loopback_host(host),
                              default_reviewer=reviewer or default_reviewer())
        app = create_app(db, pipeline=pipeline, max_chars=max_chars, create=create, review=review)
        if review.loopback:
            mode = "on (loopback" + (", reviewer token" if review.token else "") + ")"
        else:
            mode = "on (reviewer token)" if review.token else f"read-only (set {REVIEW_TOKEN_ENV} to enable)"
        click.echo(f"narrascope: review corrections: {mode}", err=True)
        token = "enabled (bearer token from " + TOKEN_ENV + ")" if os.environ.get(TOKEN_ENV) else f"disabled (set {TOKEN_ENV} to enable)"
        click.echo(f"narrascope: serving {db} on http://{host}:{port}/  (POST /documents: {token})", err=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"narrascope: warning: listening on {host}: the UI and read API have no login; anyone who reaches this port can read the corpus", err=True)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug", server_header=False)

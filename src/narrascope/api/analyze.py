"""``POST /analyze``: analyze one article with the server's pipeline (nothing stored)."""

from __future__ import annotations

from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..document import Document
from ..errors import InputError
from .bodies import check_document_payload
from .common import check_size, is_json, parse_json, read_body


def register(app: FastAPI, rt, json_response: Callable) -> None:
    @app.post(
        "/analyze",
        tags=["analyze"],
        summary="Analyze one article (not stored)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {"schema": {"type": "string"}},
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {k: {"type": "string"} for k in ("text", "title", "url", "source", "published", "language", "id")},
                        }
                    },
                },
            }
        },
    )
    async def analyze(request: Request) -> JSONResponse:
        """Raw text (``text/plain``) or a document JSON object with ``text`` (and optionally
        ``title``, ``url``, ``source``, ``published``, ``language``). Returns the Analysis JSON.
        Larger than ``max_chars`` characters: 413."""
        body = await read_body(request, rt.max_chars * 4 + 65536, "body")
        if is_json(request):
            d = parse_json(body, "body")
            check_document_payload(d, "body")
            doc = Document.from_dict(d, where="body")
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("the text is not UTF-8", where="body", hint="send UTF-8 text") from None
            doc = Document.create(text, where="body", title=request.query_params.get("title"))
        check_size(doc, rt.max_chars, "body.text")
        analysis = await rt.analyze_async(doc)
        return json_response(analysis.to_dict())

"""Request bodies from untrusted clients: parsed and checked so that every malformed body ends
in the one error envelope with a 4xx status, never a 500.

- :func:`parse_json_body`: UTF-8 (strict), JSON, then a walk that refuses integers over 4,300
  digits, lone UTF-16 surrogates (``"\\ud800"``) and nesting deeper than ``MAX_DEPTH`` (Python's
  JSON parser would raise ``RecursionError`` around 1,000 levels, and the response writer below).
- :func:`check_document_payload`: a document object's fields have the types
  :meth:`~narrascope.document.Document.from_dict` expects (strings, ``meta`` an object).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from ..jsonsafe import find_problem, loads

MAX_DEPTH = 64
_STRING_FIELDS = ("title", "url", "source", "published", "language", "id")


def parse_json_body(body: bytes, where: str = "body") -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the request body is not UTF-8", where=where, hint="encode the JSON as UTF-8") from None
    try:
        value = loads(text, where=where)
    except json.JSONDecodeError as e:
        raise InputError(
            f"the request body is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})",
            where=where,
            hint="send a JSON object such as {\"text\": \"...\", \"title\": \"...\"}",
        ) from None
    problem = find_problem(value, max_depth=MAX_DEPTH, where=where)
    if problem is not None:
        at, what = problem
        raise InputError(f"the request body holds {what}", where=at, hint="send plain JSON text, numbers and objects")
    return value


def check_document_payload(d: Any, where: str) -> None:
    """Raise :class:`InputError` naming the field when a document object is misshapen."""
    if not isinstance(d, dict):
        raise InputError("expected a JSON object with a 'text' field", where=where)
    if "text" in d and not isinstance(d["text"], str):
        raise InputError(f"'text' must be a string, got {_json_type(d['text'])}", where=f"{where}.text")
    for name in _STRING_FIELDS:
        value = d.get(name)
        if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int, float))):
            raise InputError(f"{name!r} must be a string, got {_json_type(value)}", where=f"{where}.{name}")
    meta = d.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise InputError(f"'meta' must be an object, got {_json_type(meta)}", where=f"{where}.meta")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")

"""Keyset page cursors and the web-search style query parser the SQL store dialects share."""

from __future__ import annotations

import base64
import re

from ..errors import ConfigError


# -- keyset cursors -------------------------------------------------------------------------------
def encode_cursor(sort_key: str, doc_id: str) -> str:
    """An opaque, URL-safe cursor for the position (sort_key, id) in the newest-first order."""
    return base64.urlsafe_b64encode(f"{sort_key}\x1f{doc_id}".encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4)).decode("utf-8")
        sort_key, doc_id = raw.split("\x1f")
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"not a page cursor: {str(cursor)[:60]!r}", where="after",
                          hint="use the `next` link of a previous page as it is (its `after` parameter), or page with offset") from None
    if not doc_id:
        raise ConfigError(f"not a page cursor: {str(cursor)[:60]!r}", where="after",
                          hint="use the `next` link of a previous page as it is (its `after` parameter), or page with offset")
    return sort_key, doc_id


# -- full-text query parsing ----------------------------------------------------------------------
_QTOKEN = re.compile(r'-?"[^"]*"?|\S+')
_QWORD = re.compile(r"\w+", re.UNICODE)


def parse_query(q: str) -> tuple[list[list[tuple[list[str], bool]]], list[list[str]]]:
    """Parse a web-search style query into (AND-ed groups of OR-ed terms, excluded terms).

    A term is ``(words, prefix)``: several words form a phrase. Punctuation is dropped.
    """
    groups: list[list[tuple[list[str], bool]]] = []
    negative: list[list[str]] = []
    pending_or = False
    for tok in _QTOKEN.findall(q or ""):
        if tok == "OR":
            pending_or = bool(groups)
            continue
        neg = tok.startswith("-") and len(tok) > 1
        if neg:
            tok = tok[1:]
        prefix = tok.endswith("*") and not tok.startswith('"')
        words = [w.lower() for w in _QWORD.findall(tok)]
        if not words:
            continue
        if neg:
            negative.append(words)
            pending_or = False
            continue
        term = (words, prefix)
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups, negative


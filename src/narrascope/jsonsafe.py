"""JSON and text values from untrusted input, without exceptions that are not the project's own.

- :func:`loads` parses JSON text. Integers longer than Python's int-string limit (4,300 digits)
  do not raise ``ValueError``: they are kept as :class:`HugeInt` (a ``str`` of the digits) so a
  reader keeps the record, and a strict caller (the API) can refuse them. Nesting deeper than the
  interpreter allows raises :class:`~narrascope.errors.InputError`, never ``RecursionError``.
- :func:`scrub_surrogates` replaces lone UTF-16 surrogates (``"\\ud800"`` in JSON, or
  surrogate-escaped file names) with U+FFFD, one code point for one, so character offsets stay
  valid; the count lets the caller say so.
- :func:`find_problem` walks a parsed value iteratively and names the first place that holds a
  huge integer, a lone surrogate, or nesting deeper than a limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InputError

# Python refuses int <-> str conversions above this many digits (sys.get_int_max_str_digits()).
MAX_INT_DIGITS = 4300
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


class HugeInt(str):
    """The digits of a JSON integer too long for ``int()``; kept as text."""


def _parse_int(digits: str) -> int | HugeInt:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        return HugeInt(digits)
    return int(digits)


def loads(text: str | bytes, *, where: str | None = None) -> Any:
    """``json.loads`` that keeps huge integers as :class:`HugeInt` and turns deep nesting into
    :class:`InputError`. ``json.JSONDecodeError`` (malformed JSON) is left to the caller."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise InputError(
            "malformed JSON: nested too deeply", where=where, hint="flatten the structure (objects inside objects)"
        ) from None


def has_surrogates(text: str) -> bool:
    return LONE_SURROGATE.search(text) is not None


def scrub_surrogates(text: str) -> tuple[str, int]:
    """``text`` with every lone surrogate replaced by U+FFFD, and how many were replaced."""
    if not LONE_SURROGATE.search(text):
        return text, 0
    return LONE_SURROGATE.subn(REPLACEMENT, text)


def scrub_value(value: Any) -> tuple[Any, int]:
    """A copy of a JSON-like value (dicts, lists, strings) with lone surrogates replaced in every
    string, keys included; iterative, so any depth is fine. Other values are returned as they are."""
    count = 0

    def fix(s: str) -> str:
        nonlocal count
        out, n = scrub_surrogates(s)
        count += n
        return out

    if isinstance(value, str):
        return fix(value), count
    if not isinstance(value, (dict, list, tuple)):
        return value, 0
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]  # (source, parent container, key)
    while stack:
        src, parent, key = stack.pop()
        if isinstance(src, dict):
            new: Any = {}
            for k, v in src.items():
                k2 = fix(k) if isinstance(k, str) else k
                new[k2] = None
                stack.append((v, new, k2))
        elif isinstance(src, (list, tuple)):
            new = [None] * len(src)
            for i, v in enumerate(src):
                stack.append((v, new, i))
        elif isinstance(src, str):
            new = fix(src)
        else:
            new = src
        parent[key] = new
    return root[0], count


def find_problem(value: Any, *, max_depth: int = 64, where: str = "body") -> tuple[str, str] | None:
    """``(where, what)`` for the first huge integer, lone surrogate or too-deep nesting in a
    parsed JSON value, else None. Iterative (never recursion)."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        v, path, depth = stack.pop()
        if isinstance(v, HugeInt):
            return path, f"an integer with {len(v.lstrip('-')):,} digits (the limit is {MAX_INT_DIGITS:,})"
        if isinstance(v, str):
            if LONE_SURROGATE.search(v):
                return path, "a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not text"
            continue
        if isinstance(v, (dict, list)):
            if depth >= max_depth:
                return path, f"JSON nested more than {max_depth} levels deep"
            if isinstance(v, dict):
                for k, item in v.items():
                    key_path = f"{path}.{k}" if isinstance(k, str) and not LONE_SURROGATE.search(k) else f"{path}.<key>"
                    if isinstance(k, str) and LONE_SURROGATE.search(k):
                        return key_path, "a lone UTF-16 surrogate in a key"
                    stack.append((item, key_path, depth + 1))
            else:
                for i, item in enumerate(v):
                    stack.append((item, f"{path}[{i}]", depth + 1))
    return None

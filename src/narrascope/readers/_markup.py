"""Bounds on HTML markup before any parser sees it, in one linear pass, keeping all the text.

libxml2 (under lxml and trafilatura) checks attribute names pairwise (32,000 attributes on one
element: 16-27 s) and stops building the tree below ~256 levels of nesting (the text down there
is lost). :func:`bound_markup` keeps the first ``MAX_ATTRIBUTES`` attributes of an element and
drops the tags (never the text) of elements nested deeper than ``MAX_DEPTH``, turning dropped
block tags into line breaks. Pages within the bounds come back unchanged.

The scan is linear: a tag match never runs past the next ``<``, so no input makes it quadratic.
"""

from __future__ import annotations

import re

MAX_DEPTH = 100
MAX_ATTRIBUTES = 256

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_.-]*)([^<>]*)>")
_ATTR = re.compile(r"""\s*([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?""")
_RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp", "plaintext", "noscript", "template"))
# elements without content, and elements whose end tag is implied by the next sibling: they do
# not nest (counting them would turn 300 unclosed <p> into "depth 300")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr basefont bgsound frame keygen".split()
)
_IMPLIED_END = frozenset(
    "p li dt dd tr td th option optgroup thead tbody tfoot colgroup rt rp rb rtc html head body".split()
)  # (a repeated <html>/<head>/<body> is merged into the first by every parser)
_BLOCK = frozenset(
    """address article aside blockquote body div dl dt dd figcaption figure footer form h1 h2 h3 h4 h5 h6
    header hr li main nav ol p pre section table tbody td th thead tr ul""".split()
)


def bound_markup(html: str) -> tuple[str, list[str]]:
    """``(html, notes)``: the page with attributes and nesting capped, and what was capped."""
    if html.count("<") <= MAX_DEPTH and len(html) < 8 * MAX_ATTRIBUTES:
        return html, []
    out: list[str] = []
    pos = 0
    depth = 0
    dropped_open = 0  # open tags dropped below MAX_DEPTH whose end tags must be dropped too
    n_dropped = 0
    n_attr_capped = 0
    raw_until: str | None = None  # inside <script> etc.: tags are text
    changed = False
    for m in _TAG.finditer(html):
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if raw_until is not None:
            if closing and name == raw_until:
                raw_until = None
            continue
        replacement = None
        if not closing and len(attrs) > 4 * MAX_ATTRIBUTES:
            kept = []
            i = -1
            for i, am in enumerate(_ATTR.finditer(attrs)):
                if i >= MAX_ATTRIBUTES:
                    break
                kept.append(am.group(0))
            if i >= MAX_ATTRIBUTES:
                n_attr_capped += 1
                self_closing = "/" if attrs.rstrip().endswith("/") else ""
                replacement = f"<{m.group(2)}{''.join(kept)}{self_closing}>"
        if name in _VOID or name in _IMPLIED_END or (not closing and attrs.rstrip().endswith("/")):
            pass
        elif not closing:
            if name in _RAW_TEXT:
                raw_until = name
            if depth >= MAX_DEPTH:
                dropped_open += 1
                n_dropped += 1
                replacement = "<br>" if name in _BLOCK else ""
            else:
                depth += 1
        else:
            if dropped_open > 0:
                dropped_open -= 1
                replacement = "<br>" if name in _BLOCK else ""
            elif depth > 0:
                depth -= 1
        if replacement is not None:
            out.append(html[pos : m.start()])
            out.append(replacement)
            pos = m.end()
            changed = True
    if not changed:
        return html, []
    out.append(html[pos:])
    notes = []
    if n_attr_capped:
        notes.append(f"{n_attr_capped} element(s) had more than {MAX_ATTRIBUTES} attributes; the rest were dropped")
    if n_dropped:
        notes.append(f"markup nested deeper than {MAX_DEPTH} levels was flattened ({n_dropped} tags dropped, text kept)")
    return "".join(out), notes


_ANY_TAG = re.compile(r"<[^<>]*>")
_RAW_OPEN = re.compile(r"<(script|style|noscript|template)\b", re.I)


def strip_tags(html: str) -> str:
    """Text of HTML without a parser (the last resort when lxml fails on mangled markup).
    Linear: each script/style block is found with one forward search for its end tag."""
    import html as html_lib

    lower = html.lower()
    out: list[str] = []
    pos = 0
    while True:
        m = _RAW_OPEN.search(html, pos)
        if m is None:
            out.append(html[pos:])
            break
        out.append(html[pos : m.start()])
        end = lower.find("</" + m.group(1).lower(), m.end())
        if end < 0:
            break  # an unclosed <script> runs to the end, as in a browser
        close = lower.find(">", end)
        pos = len(html) if close < 0 else close + 1
    text = _ANY_TAG.sub("\n", "".join(out))
    return html_lib.unescape(text)

"""RSS and Atom feeds (via feedparser): one document per entry.

The entry's full content (Atom ``content``, RSS ``content:encoded``) is used when present, else its
summary/description; HTML in it is stripped to text (one line per paragraph). Publication dates
(``published``, else ``updated``) are normalised to UTC ISO 8601 with 'Z'. The feed's title is the
document's source. A file that is not XML, or XML that is not RSS/Atom, is refused as a whole; an
entry without text is a per-entry failure (``file entry N``). A feed that breaks off part way
(not well-formed) keeps the entries read before the break and reports the break.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..document import Document
from ..errors import Failure, InputError
from ._common import build_document, decode_bytes, failure, html_to_text, looks_binary, binary_error, normalise_date, read_bytes

_ROOT_TAG = re.compile(rb"<\s*([A-Za-z_][\w.:-]*)")
_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)encoding\s*=\s*["'][^"']*["']""")


def read(path: Path, options) -> Iterator[Document | Failure]:
    where = str(path)
    yield from from_bytes(read_bytes(path, options), where=where, options=options)


def from_bytes(data: bytes, *, where: str, options, base_url: str | None = None) -> Iterator[Document | Failure]:
    parsed, broken = parse_feed(data, where=where, base_url=base_url)
    if not parsed.entries:
        raise InputError("the feed has no entries", where=where, hint="nothing to analyze in this feed")
    sax_error = broken is not None
    feed = parsed.feed
    source = _strip(feed.get("title")) or None
    lang = (feed.get("language") or "").strip()
    n = 0
    for n, entry in enumerate(parsed.entries, 1):
        ewhere = f"{where} entry {n}"
        try:
            yield entry_document(entry, ewhere, options, source, lang)
        except InputError as e:
            yield failure(e, ewhere)
    if sax_error:
        yield Failure(
            where=f"{where} entry {n + 1}",
            message=(
                f"the feed is not well-formed XML after entry {n} ({_sax_message(broken)}); "
                "entries before it were read, the rest is lost (is the file truncated?)"
            ),
            stage="read",
        )


def parse_feed(data: bytes, *, where: str, base_url: str | None = None) -> tuple[Any, Exception | None]:
    """``(feedparser result, the XML error that cut the feed short or None)``.

    Raises :class:`InputError` when ``data`` is not an RSS/Atom feed at all. A feed with no entries
    is returned as it is (``parsed.entries == []``).
    """
    import feedparser

    if looks_binary(data):
        raise binary_error(where)
    if not data.strip():
        raise InputError("the feed file is empty", where=where, hint="give an RSS or Atom feed")
    # Always bytes, never a string: feedparser would fetch a string that looks like a URL.
    headers = {"content-location": base_url} if base_url else None
    try:
        parsed = feedparser.parse(data, response_headers=headers)
    except Exception:  # noqa: BLE001 - e.g. encoding="undefined" raises UnicodeError inside feedparser
        # decode it ourselves and say it is UTF-8
        text = decode_bytes(data, where)
        fixed = _XML_ENCODING.sub(r'\1encoding="utf-8"', text, count=1).encode("utf-8")
        try:
            parsed = feedparser.parse(fixed, response_headers=headers)
        except Exception as e:  # noqa: BLE001
            raise InputError(f"the feed could not be parsed ({type(e).__name__}: {e})", where=where,
                             hint="check that this is an RSS or Atom feed") from None
    broken = parsed.get("bozo_exception") if parsed.get("bozo") else None
    sax_error = broken is not None and type(broken).__name__ in ("SAXParseException", "SAXException")
    if not parsed.get("version") and not parsed.entries:
        if sax_error:
            raise InputError(
                f"not an RSS or Atom feed: the file is not well-formed XML ({_sax_message(broken)})",
                where=where,
                hint="check that this is a feed; read web pages as HTML and text as .txt",
            )
        m = _ROOT_TAG.search(_skip_prolog(data))
        root = m.group(1).decode("ascii", "replace") if m else "?"
        if root.lower() == "html":
            raise InputError(
                "this is an HTML page, not an RSS or Atom feed",
                where=where,
                hint="read it with --input-format html",
            )
        raise InputError(
            f"this is XML but not an RSS or Atom feed (root element <{root}>)",
            where=where,
            hint="give an RSS 2.0 or Atom feed, or force another reader with --input-format",
        )
    return parsed, (broken if sax_error else None)


def entry_document(entry: Any, where: str, options, source: str | None, lang: str) -> Document:
    """The document of one feed entry (its full content, else its summary, as text)."""
    raw, _full = entry_text(entry)
    text = html_to_text(raw)
    if not text:
        raise InputError("empty document: the entry has no content or summary", where=where,
                         hint="the feed carries titles only; fetch the linked pages instead")
    published = normalise_date(entry.get("published_parsed") or entry.get("updated_parsed"))
    meta: dict[str, Any] = {}
    if entry.get("id"):
        meta["entry_id"] = entry["id"]
    if lang:
        meta["declared_language"] = lang
    if entry.get("author"):
        meta["author"] = _strip(entry["author"])
    return build_document(
        text,
        where=where,
        options=options,
        title=_strip(entry.get("title")) or None,
        url=entry.get("link") or None,
        source=source,
        published=published,
        meta=meta,
    )


def entry_text(entry: Any) -> tuple[str, bool]:
    """The entry's raw (HTML) text and whether it is full content (Atom ``content`` /
    ``content:encoded``) rather than a summary/description."""
    content = ""
    for c in entry.get("content") or []:
        value = c.get("value") or ""
        if len(value) > len(content):
            content = value
    summary = entry.get("summary") or ""
    if content and len(_strip(content)) >= len(_strip(summary)):
        return content, True
    return summary, False


def strip_html(value: Any) -> str:
    """Inline HTML (a title, an author) as one line of text."""
    return _strip(value)


def _strip(value: Any) -> str:
    return html_to_text(value).replace("\n", " ") if value else ""


def _sax_message(e: Exception) -> str:
    line = getattr(e, "getLineNumber", lambda: None)()
    msg = getattr(e, "getMessage", lambda: str(e))()
    return f"{msg} at line {line}" if line else str(msg)


def _skip_prolog(data: bytes) -> bytes:
    """The bytes after the XML declaration, comments and doctype (to name the root element)."""
    data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    while True:
        if data.startswith(b"<?"):
            end, skip = data.find(b"?>"), 2
        elif data.startswith(b"<!--"):
            end, skip = data.find(b"-->"), 3
        elif data.startswith(b"<!"):
            end, skip = data.find(b">"), 1
        else:
            return data[:2048]
        if end < 0:
            return data[:2048]
        data = data[end + skip:].lstrip()

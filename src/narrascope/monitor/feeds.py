"""Feed lists (plain text or OPML), intervals, and one feed's entries turned into documents.

Fetching goes through :func:`narrascope.readers.url.fetch` (SSRF guard, size cap, timeout), with
``If-None-Match`` / ``If-Modified-Since`` from the previous answer, so an unchanged feed costs one
``304 Not Modified``. Parsing reuses the RSS/Atom reader (:mod:`narrascope.readers.feed`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..document import Document
from ..errors import ConfigError, InputError, NarrascopeError

SUMMARY_CHARS = 1000  # fetch_pages="auto": an entry without full content and a shorter text is a summary
FETCH_PAGES = ("auto", "always", "never")


@dataclass(frozen=True)
class FeedSpec:
    """One feed to watch: its URL and, optionally, the source name its documents get."""

    url: str
    name: str | None = None


@dataclass
class Entry:
    """One feed entry: ``key`` identifies it within its feed (guid/id, else link, else a hash)."""

    key: str
    index: int
    link: str | None
    title: str | None
    published: str | None
    raw: Any = field(repr=False, default=None)  # the feedparser entry


def check_feed_url(url: str, where: str = "feed") -> str:
    url = str(url).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"a feed must be an http(s):// URL, got {url!r}", where=where,
                          hint="give the feed's full URL, e.g. https://example.org/rss.xml")
    return url


def read_feeds_file(path: str | Path) -> list[FeedSpec]:
    """Feeds from a text file (one URL per line, optionally followed by a source name; ``#``
    comments and blank lines ignored) or an OPML file (every ``<outline xmlUrl=...>``; its
    ``title``/``text`` becomes the source name)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read the feeds file ({e.strerror or e})", where=str(p)) from None
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if p.suffix.lower() in (".opml", ".xml") or head.startswith((b"<?xml", b"<opml")):
        return _read_opml(data, str(p))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("the feeds file is not UTF-8 text", where=str(p)) from None
    feeds = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, _, name = line.partition(" ")
        feeds.append(FeedSpec(check_feed_url(url, f"{p}:{n}"), name.strip() or None))
    if not feeds:
        raise ConfigError("the feeds file lists no feed", where=str(p), hint="one http(s) feed URL per line")
    return feeds


def _read_opml(data: bytes, where: str) -> list[FeedSpec]:
    if b"<!DOCTYPE" in data[:2000].upper() or b"<!ENTITY" in data.upper():
        raise ConfigError("the OPML file declares a DOCTYPE/entities, which are not read", where=where)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise ConfigError(f"the OPML file is not well-formed XML ({e})", where=where) from None
    feeds = []
    for el in root.iter("outline"):
        url = el.get("xmlUrl") or el.get("xmlurl")
        if url:
            name = (el.get("title") or el.get("text") or "").strip() or None
            feeds.append(FeedSpec(check_feed_url(url, where), name))
    if not feeds:
        raise ConfigError("the OPML file has no <outline xmlUrl=...> feed", where=where)
    return feeds


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.I)


def parse_interval(value: str | float | int, where: str = "--every") -> float:
    """``"90s"``, ``"15m"``, ``"2h"``, ``"1d"`` or a number of seconds -> seconds (at least 1)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(f"an interval must look like 90s, 15m, 2h or 1d, got {value!r}", where=where)
        unit = (m.group(2) or "s").lower()[0]
        seconds = float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    if seconds < 1:
        raise ConfigError(f"an interval must be at least 1 second, got {value!r}", where=where)
    return seconds


def entry_key(entry: Any) -> str:
    for k in ("id", "link"):
        v = entry.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()[:1000]
    raw = f"{entry.get('title') or ''}\x1f{entry.get('summary') or ''}"
    return "sha1:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()


def parse_entries(body: bytes, *, where: str, base_url: str) -> tuple[str | None, str, list[Entry], str | None]:
    """``(feed title, feed language, entries, problem)`` of a feed body; raises ``InputError`` if it
    is not a feed. ``problem`` says where a feed that breaks off part way was cut."""
    from ..readers import feed as feed_reader
    from ..readers._common import normalise_date

    parsed, broken = feed_reader.parse_feed(body, where=where, base_url=base_url)
    title = feed_reader.strip_html(parsed.feed.get("title")) or None
    lang = (parsed.feed.get("language") or "").strip()
    entries = []
    for i, e in enumerate(parsed.entries, 1):
        link = e.get("link") or None
        entries.append(Entry(
            key=entry_key(e), index=i, link=link if isinstance(link, str) else None,
            title=feed_reader.strip_html(e.get("title")) or None,
            published=normalise_date(e.get("published_parsed") or e.get("updated_parsed")), raw=e,
        ))
    problem = None
    if broken is not None:
        problem = f"the feed is not well-formed XML after entry {len(entries)}: {broken}"
    return title, lang, entries, problem


def entry_to_document(entry: Entry, *, feed_url: str, source: str | None, lang: str, options,
                      fetch_pages: str = "auto", fetch=None) -> Document:
    """The document of one entry: its full content, else (when it carries only a summary) the
    linked article page, else the summary. Raises ``InputError`` when there is no text at all.

    Entries without a date get the time they were first seen (``meta["published_from"] =
    "first_seen"``) so rule windows can place them.
    """
    from ..readers import feed as feed_reader
    from ..readers import url as url_reader
    from ..readers._common import html_to_text

    where = f"{feed_url} entry {entry.index}"
    raw, full = feed_reader.entry_text(entry.raw)
    summary_chars = len(html_to_text(raw)) if raw else 0
    want_page = fetch_pages == "always" or (fetch_pages == "auto" and not full and summary_chars < SUMMARY_CHARS)
    doc: Document | None = None
    page_error = None
    if want_page and entry.link and urlsplit(entry.link).scheme in ("http", "https"):
        try:
            page = (fetch or url_reader.fetch)(entry.link, options)
            docs = list(url_reader.documents_from_response(page, where=entry.link, options=options))
            doc = next((d for d in docs if isinstance(d, Document)), None)
            if doc is None:
                page_error = "the linked page has no article text"
        except NarrascopeError as e:
            page_error = str(e)
    if doc is None:
        try:
            doc = feed_reader.entry_document(entry.raw, where, options, source, lang)
        except InputError as e:
            if page_error:
                raise InputError(f"{e.message}; the linked page could not be read either ({page_error})", where=where) from None
            raise
    meta = dict(doc.meta)
    meta.update(where=where, feed_url=feed_url, entry_key=entry.key)
    if page_error:
        meta["page_error"] = page_error[:500]
    published = entry.published or doc.published
    if not published:
        published = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        meta["published_from"] = "first_seen"
    return dataclasses.replace(doc, source=source or doc.source, published=published,
                               url=entry.link or doc.url, meta=meta)

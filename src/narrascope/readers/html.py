"""HTML pages: the article's main text (navigation, footers, scripts, comments removed) with
title, publication date, site name and canonical URL when the page has them.

Main text comes from trafilatura; when it finds nothing (very short pages), the visible text of
the page minus nav/header/footer/aside/script/style is used instead. The text never contains
markup: one line per paragraph. Dates are normalised to ISO 8601 (UTC with 'Z' when the page
gives a time zone; 'YYYY-MM-DD' when it gives only a day).

Also used by the WARC and URL readers (:func:`from_bytes`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

import logging

from ..document import Document
from ..errors import InputError
from ._markup import bound_markup, strip_tags
from ._common import build_document, decode_bytes_with_encoding, empty_error, html_to_text, normalise_date, read_bytes, tidy_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "article.published",
    "publish-date", "publishdate", "pubdate", "dc.date.issued", "dcterms.issued", "dc.date", "date",
    "sailthru.date", "parsely-pub-date", "og:published_time", "article:published",
)
# Page furniture removed before extraction (trafilatura keeps a lone nav link on near-empty pages).
_PRUNE = ["//nav", "//footer", "//aside", "//*[@role='navigation']", "//*[@role='contentinfo']"]
log = logging.getLogger(__name__)
FAST_ABOVE_TAGS = 20_000
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def read(path: Path, options) -> Iterator[Document]:
    where = str(path)
    yield from_bytes(read_bytes(path, options), where=where, options=options)


def declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def from_bytes(
    data: bytes,
    *,
    where: str,
    options,
    url: str | None = None,
    charset: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Document:
    """A document from an HTML page given as bytes.

    ``url`` is where the page was fetched from (URL and WARC readers): it becomes ``Document.url``
    and the page's canonical link goes to ``meta['canonical_url']``. Without it (a local file),
    the canonical link is the document's URL.
    """
    text, encoding = decode_bytes_with_encoding(data, where, charset or declared_charset(data))
    meta = dict(meta or {})
    if encoding not in ("utf-8", "ascii"):
        meta["encoding"] = encoding
    return from_html(text, where=where, options=options, url=url, meta=meta)


def from_html(html: str, *, where: str, options, url: str | None = None, meta: dict[str, Any] | None = None) -> Document:
    """A document from an HTML page given as text (markup bounded first, see :mod:`._markup`)."""
    if not html.strip():
        raise empty_error("the HTML page is empty", where)
    html, notes = bound_markup(html)
    meta = dict(meta or {})
    if notes:
        meta["read_warnings"] = [*meta.get("read_warnings", []), *notes]
    try:
        return _extract(html, where=where, options=options, url=url, meta=meta)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - lxml/trafilatura fail on some mangled markup (AssertionError, ...)
        log.debug("HTML extraction failed on %s, using the plain-text fallback", where, exc_info=True)
        body = tidy_text(strip_tags(_body_part(html)))
        if not body:
            raise empty_error(f"no article text found in the HTML page (the parser failed: {type(e).__name__})", where) from None
        meta["read_warnings"] = [*meta.get("read_warnings", []),
                                 f"the HTML parser failed ({type(e).__name__}); text taken without markup"]
        return build_document(body, where=where, options=options, url=url, meta=meta)


def _extract(html: str, *, where: str, options, url: str | None, meta: dict[str, Any]) -> Document:
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)
    page = _page_metadata(tree) if tree is not None else {}
    canonical = page.get("canonical")
    if canonical and url:
        canonical = urljoin(url, canonical)
    if url and canonical and canonical != url:
        meta["canonical_url"] = canonical
    doc_url = url or (canonical if canonical and urlsplit(canonical).scheme in ("http", "https") else None)
    if page.get("lang"):
        meta["declared_language"] = page["lang"]

    result = None if tree is None else trafilatura.bare_extraction(
        tree,
        url=doc_url,
        # big pages skip trafilatura's second opinion (jusText), whose cost grows with depth x
        # paragraphs: linear time on every input, the same result on ordinary pages
        fast=html.count("<") > FAST_ABOVE_TAGS,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        prune_xpath=_PRUNE,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = tidy_text(getattr(result, "text", None) or "") if result is not None else ""
    if not body:
        body = _fallback_text(html)
    title = (getattr(result, "title", None) if result is not None else None) or page.get("title")
    published = page.get("published") or normalise_date(getattr(result, "date", None) if result is not None else None)
    site = page.get("site") or (getattr(result, "sitename", None) if result is not None else None)
    if not site and doc_url:
        site = urlsplit(doc_url).hostname
    if not body:
        raise empty_error("no article text found in the HTML page", where)
    title = tidy_text(title).replace("\n", " ") if title else None
    title_in_text = False
    if title and body.startswith(title):
        rest = body[len(title):]
        title_in_text = rest == "" or rest.startswith("\n")
        if title_in_text and rest.startswith("\n"):
            body = f"{title}\n\n{rest.lstrip()}"
    return build_document(
        body,
        where=where,
        options=options,
        title=title,
        title_in_text=title_in_text,
        url=doc_url,
        source=site,
        published=published,
        meta=meta,
    )


def _page_metadata(tree) -> dict[str, str]:
    """Title, date, site, canonical link and declared language from the page's head."""
    out: dict[str, str] = {}
    metas: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in metas:
            metas[key] = content.strip()
    for key in _DATE_KEYS:
        if key in metas:
            d = normalise_date(metas[key])
            if d:
                out["published"] = d
                break
    if "published" not in out:
        for el in tree.iterfind(".//time"):
            if (el.get("itemprop") or "").lower() == "datepublished" or "published" in (el.get("class") or ""):
                d = normalise_date(el.get("datetime") or el.text_content().strip())
                if d:
                    out["published"] = d
                    break
    if "published" not in out:
        for el in tree.iterfind(".//script"):
            if (el.get("type") or "").lower() == "application/ld+json" and el.text:
                m = _LD_DATE.search(el.text)
                d = normalise_date(m.group(1)) if m else None
                if d:
                    out["published"] = d
                    break
    if metas.get("og:site_name"):
        out["site"] = metas["og:site_name"]
    elif metas.get("application-name"):
        out["site"] = metas["application-name"]
    for el in tree.iterfind(".//link"):
        rels = (el.get("rel") or "").lower().split()
        if "canonical" in rels and el.get("href"):
            out["canonical"] = el.get("href").strip()
            break
    if "canonical" not in out and metas.get("og:url"):
        out["canonical"] = metas["og:url"]
    title = metas.get("og:title")
    if not title:
        t = tree.find(".//title")
        title = t.text_content().strip() if t is not None else None
    if title:
        out["title"] = title
    root = tree.getroottree().getroot()
    lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    if lang:
        out["lang"] = lang
    return out


def _fallback_text(html: str) -> str:
    """Visible text minus the usual boilerplate, for pages trafilatura finds nothing in."""
    return html_to_text(_body_part(html), drop_boilerplate=True)


def _body_part(html: str) -> str:
    """What lies between the first ``<body ...>`` and the last ``</body>`` (the whole page when
    there is none). Found with two searches, never a backtracking regex: linear in any input."""
    lower = html.lower()
    start = lower.find("<body")
    if start < 0:
        return html
    open_end = lower.find(">", start)
    if open_end < 0:
        return html
    end = lower.rfind("</body")
    if end <= open_end:
        return html[open_end + 1:]
    return html[open_end + 1 : end]

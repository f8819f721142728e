"""Readers: turn sources (files, folders, globs, URLs) into Documents. One registry.

``REGISTRY`` maps a format name to ``"module:function"``; the function is
``read(path: Path, options: ReadOptions) -> Iterator[Document | Failure]``.
A reader raises :class:`~narrascope.errors.InputError` when the whole source is unusable, and
yields a :class:`~narrascope.pipeline.Failure` for a bad record inside an otherwise good source
(a malformed JSON line, an empty CSV row), so a batch goes on past it.

The format is chosen by extension, then by sniffing the first bytes (``choose_reader``).
"""

from __future__ import annotations

import glob
import importlib
import logging
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..document import Document
from ..errors import Failure, InputError, NarrascopeError

log = logging.getLogger(__name__)

# format name -> "module:function" (imported lazily)
REGISTRY: dict[str, str] = {
    "txt": "narrascope.readers.txt:read",
    "jsonl": "narrascope.readers.tabular:read_jsonl",
    "json": "narrascope.readers.tabular:read_json",
    "csv": "narrascope.readers.tabular:read_csv",
    "tsv": "narrascope.readers.tabular:read_tsv",
    "html": "narrascope.readers.html:read",
    "feed": "narrascope.readers.feed:read",
    "warc": "narrascope.readers.warc:read",
}
# http(s) URLs are not a file format: they go to this reader, which dispatches on content type
URL_READER = "narrascope.readers.url:read"
# extension -> format name (longest suffix first when matching)
EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".warc": "warc",
    ".warc.gz": "warc",
}


def _user_agent() -> str:
    from .. import __version__

    return f"Narrascope/{__version__} (offline news analysis)"


@dataclass
class ReadOptions:
    """How to read sources.

    - ``*_field``: record field names for JSON/JSONL/CSV (a dotted name reaches into nested JSON);
    - ``format``: force a reader (a key of ``REGISTRY``) instead of guessing;
    - ``max_bytes``: largest file read whole (txt, json, html, feed) or download; for streamed
      formats (jsonl, csv, warc) the largest line / row / record payload;
    - ``max_document_chars``: largest document text, after decoding and extraction;
    - ``allow_private_network``: let URLs reach loopback/private/link-local addresses;
    - ``timeout``: seconds for one URL fetch (connect + download);
    - ``shared_task_layout``: .txt files whose first line is followed by a blank line have a title.
    """

    text_field: str = "text"
    title_field: str = "title"
    url_field: str = "url"
    source_field: str = "source"
    published_field: str = "published"
    id_field: str = "id"
    language_field: str = "language"
    format: str | None = None
    max_bytes: int = 50 * 1024 * 1024
    max_document_chars: int = 2_000_000
    allow_private_network: bool = False
    timeout: float = 20.0
    user_agent: str = field(default_factory=_user_agent)
    shared_task_layout: bool = True
    metadata: Any = None  # a readers.metadata.Metadata: fill missing source/date (manifest, sidecar, dateline)


def formats() -> list[str]:
    return list(REGISTRY)


def _reader(fmt: str) -> Callable[..., Iterator[Document | Failure]]:
    try:
        target = REGISTRY[fmt]
    except KeyError:
        raise InputError(
            f"unknown input format {fmt!r}", hint=f"--input-format must be one of: {', '.join(REGISTRY)}"
        ) from None
    return _load(target)


def _load(target: str) -> Callable[..., Iterator[Document | Failure]]:
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def choose_reader(path: Path, options: ReadOptions) -> str:
    """Format for a file: forced, else by extension, else by sniffing its first bytes."""
    if options.format:
        _reader(options.format)
        return options.format
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return EXTENSIONS[ext]
    return sniff(path)


def sniff(path: Path) -> str:
    """Format from the first bytes, for files without a known extension."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror}", where=str(path)) from None
    if head.startswith(b"WARC/"):
        return _if_registered("warc", path)
    if head[:2] == b"\x1f\x8b":
        import zlib

        try:
            inner = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error:
            inner = b""
        if inner.startswith(b"WARC/"):
            return _if_registered("warc", path)
        raise InputError(
            "gzip-compressed file that is not a WARC archive",
            where=str(path),
            hint="decompress it first (gunzip) and read the file inside",
        )
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if probe.startswith((b"<!doctype html", b"<html")) or b"<body" in probe or b"<head" in probe:
        return _if_registered("html", path)
    if probe.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) or b"<rss" in probe or b"<feed" in probe:
        return _if_registered("feed", path)
    if probe.startswith((b"{", b"[")):
        return _if_registered("json", path)
    return "txt"


def _if_registered(fmt: str, path: Path) -> str:
    if fmt not in REGISTRY:
        raise InputError(f"looks like {fmt} but no {fmt} reader is installed", where=str(path))
    return fmt


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def readable_in_folder(path: Path) -> bool:
    """Files a folder expansion picks up: known extensions, and files without an extension."""
    name = path.name.lower()
    if name.endswith(".meta.json"):  # a sidecar with an article's metadata (readers/metadata.py)
        return False
    return "." not in name or any(name.endswith(ext) for ext in EXTENSIONS)


def expand_sources(sources: Iterable[str]) -> Iterator[str | Path]:
    """Files, folders (recursive, sorted, hidden files skipped), globs and URLs, in order.

    A folder contributes the files with a known extension (see ``EXTENSIONS``) and files without
    an extension; other files (images, PDFs, ...) are left out. A file named explicitly, or matched
    by a glob, is always read (its format guessed from its first bytes if needed).
    """
    for src in sources:
        if is_url(src):
            yield src
            continue
        p = Path(src)
        if p.is_dir():
            files = sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            readable = [f for f in files if readable_in_folder(f)]
            if not readable:
                if files:
                    skipped = ", ".join(f.name for f in files[:3]) + (", ..." if len(files) > 3 else "")
                    raise InputError(
                        f"directory has no readable files ({len(files)} other file(s): {skipped})",
                        where=src,
                        hint=f"readable extensions: {' '.join(sorted(set(EXTENSIONS)))}",
                    )
                raise InputError("directory has no files to read", where=src, hint="point at a folder of articles")
            yield from readable
        elif any(ch in src for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(src, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError("no files match this pattern", where=src, hint="check the pattern (quote it in the shell)")
            yield from matches
        elif p.exists():
            yield p
        else:
            raise InputError("no such file or directory", where=src, hint="check the path")


def read_source(source: str | Path, options: ReadOptions | None = None) -> Iterator[Document | Failure]:
    """Documents (and per-record failures) from one file or URL.

    Raises :class:`InputError` when the whole source is unusable (each reader enforces
    ``max_bytes``: whole-file readers on the file, streaming readers per line/record).
    """
    options = options or ReadOptions()
    if isinstance(source, str) and is_url(source):
        yield from _load(URL_READER)(source, options)
        return
    path = Path(source)
    if path.is_dir():
        raise InputError("is a directory, expected a file", where=str(path), hint="use iter_documents for folders")
    if not path.exists():
        raise InputError("no such file", where=str(path), hint="check the path")
    yield from _reader(choose_reader(path, options))(path, options)


def _failure_from(error: NarrascopeError, src: str | Path) -> Failure:
    message = error.message + (f" ({error.hint})" if error.hint else "")
    return Failure(where=error.where or str(src), message=message, stage="read")


def iter_documents(
    sources: Iterable[str],
    options: ReadOptions | None = None,
    *,
    on_failure: Callable[[Failure], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Document]:
    """Every document from every source; failures go to ``on_failure`` and reading goes on.

    ``progress(n)`` is called once with the number of files/URLs when it is known.
    """
    options = options or ReadOptions()
    expanded: list[str | Path] = []
    for src in sources:
        try:
            expanded.extend(expand_sources([src]))
        except InputError as e:
            if on_failure is None:
                raise
            on_failure(_failure_from(e, src))
    if progress:
        progress(len(expanded))
    for src in expanded:
        try:
            for item in read_source(src, options):
                if isinstance(item, Failure):
                    if on_failure is None:
                        raise InputError(item.message, where=item.where)
                    on_failure(item)
                else:
                    if options.metadata is not None:
                        from .metadata import apply_metadata

                        item = apply_metadata(item, options.metadata)
                    yield item
        except NarrascopeError as e:
            if on_failure is None:
                raise
            on_failure(_failure_from(e, src))
        except Exception as e:  # noqa: BLE001 - a reader bug must not sink the batch
            if on_failure is None:
                raise
            log.debug("reader failed on %s\n%s", src, traceback.format_exc())
            on_failure(Failure(where=str(src), message=f"could not be read ({type(e).__name__}: {e})", stage="read"))


def read_documents(sources: Iterable[str] | str, options: ReadOptions | None = None) -> list[Document]:
    """Library convenience: all documents, raising on the first problem."""
    if isinstance(sources, (str, Path)):
        sources = [str(sources)]
    return list(iter_documents(sources, options))

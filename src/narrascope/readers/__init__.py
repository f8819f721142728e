"""Readers: turn sources (files, folders, globs, URLs) into Documents. One registry.

Each reader module exposes ``read(path: Path, options: ReadOptions) -> Iterator[Document | Failure]``.
A reader raises :class:`~narrascope.errors.InputError` when the whole source is unusable, and
yields a :class:`~narrascope.pipeline.Failure` for a bad record inside an otherwise good source
(a malformed JSON line, an empty CSV row), so a batch goes on past it.

The format is chosen by extension, then by sniffing the first bytes (``choose_reader``).
"""

from __future__ import annotations

import glob
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..document import Document
from ..errors import InputError
from ..pipeline import Failure

# format name -> module (inside narrascope.readers)
REGISTRY: dict[str, str] = {
    "txt": "narrascope.readers.txt",
}
# extension -> format name (longest suffix first when matching)
EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
}


@dataclass
class ReadOptions:
    """How to read sources. Field names apply to JSON/JSONL/CSV records."""

    text_field: str = "text"
    title_field: str = "title"
    url_field: str = "url"
    source_field: str = "source"
    published_field: str = "published"
    id_field: str = "id"
    language_field: str = "language"
    format: str | None = None  # force a format instead of guessing
    max_bytes: int = 50 * 1024 * 1024  # per file / fetched URL
    max_document_chars: int = 2_000_000  # per document, after decoding
    allow_private_network: bool = False
    timeout: float = 20.0  # seconds, per URL
    user_agent: str = "Narrascope (+offline news analysis)"
    shared_task_layout: bool = True  # .txt: first line is the title when followed by a blank line


def formats() -> list[str]:
    return list(REGISTRY)


def _module(fmt: str):
    try:
        return importlib.import_module(REGISTRY[fmt])
    except KeyError:
        raise InputError(f"unknown format {fmt!r}", hint=f"choose from {', '.join(REGISTRY)}") from None


def choose_reader(path: Path, options: ReadOptions) -> str:
    """Format for a file: forced, else by extension, else by sniffing its first bytes."""
    if options.format:
        _module(options.format)
        return options.format
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return EXTENSIONS[ext]
    return sniff(path)


def sniff(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror}", where=str(path)) from None
    if head[:2] == b"\x1f\x8b" or head.startswith(b"WARC/"):
        return _if_registered("warc", path)
    probe = head.lstrip()[:512].lower()
    if probe.startswith(b"<?xml") or probe.startswith(b"<rss") or b"<feed" in probe[:300] or b"<rss" in probe:
        return _if_registered("feed", path)
    if probe.startswith(b"<!doctype html") or probe.startswith(b"<html") or b"<body" in probe:
        return _if_registered("html", path)
    if probe.startswith(b"{") or probe.startswith(b"["):
        return _if_registered("jsonl", path)
    return "txt"


def _if_registered(fmt: str, path: Path) -> str:
    if fmt not in REGISTRY:
        raise InputError(f"looks like {fmt} but no {fmt} reader is installed", where=str(path))
    return fmt


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def expand_sources(sources: Iterable[str]) -> Iterator[str | Path]:
    """Files, folders (recursive, sorted, hidden files skipped), globs and URLs, in order."""
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
            if not files:
                raise InputError("directory has no files to read", where=src, hint="point at a folder of articles")
            yield from files
        elif any(ch in src for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(src, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError("no files match this pattern", where=src)
            yield from matches
        elif p.exists():
            yield p
        else:
            raise InputError("no such file or directory", where=src, hint="check the path")


def read_source(source: str | Path, options: ReadOptions | None = None) -> Iterator[Document | Failure]:
    """Documents (and per-record failures) from one file or URL."""
    options = options or ReadOptions()
    if isinstance(source, str) and is_url(source):
        yield from _module("url").read(source, options)
        return
    path = Path(source)
    if path.is_file():
        size = path.stat().st_size
        if size > options.max_bytes and choose_reader(path, options) not in {"warc", "jsonl", "csv"}:
            raise InputError(
                f"file is {size:,} bytes, over the {options.max_bytes:,}-byte limit",
                where=str(path),
                hint="split it, or raise the limit with --max-bytes",
            )
    yield from _module(choose_reader(path, options)).read(path, options)


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
            on_failure(Failure(where=e.where or str(src), message=e.message if not e.hint else f"{e.message} ({e.hint})", stage="read"))
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
                    yield item
        except InputError as e:
            if on_failure is None:
                raise
            on_failure(Failure(where=e.where or str(src), message=str(e).removeprefix(f"{e.where}: ") if e.where else str(e), stage="read"))


def read_documents(sources: Iterable[str] | str, options: ReadOptions | None = None) -> list[Document]:
    """Library convenience: all documents, raising on the first problem."""
    if isinstance(sources, (str, Path)):
        sources = [str(sources)]
    return list(iter_documents(sources, options))

"""Plain text and the shared-task layout (title line, blank line, body).

``Document.text`` is the file's text exactly as decoded (line endings normalised), so shared-task
offsets into the file stay valid; in the shared-task layout the first line is also the title.
The id is the file name without extension (the shared-task convention), e.g. ``EN_UA_1001``.
The encoding is detected (UTF-8, BOMs, UTF-16, legacy 8-bit code pages); binary files and
undecodable text are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..document import Document, normalise_text
from ._common import build_document, decode_bytes_with_encoding, read_bytes


def read(path: Path, options) -> Iterator[Document]:
    where = str(path)
    text, encoding = decode_bytes_with_encoding(read_bytes(path, options), where)
    yield from_text(normalise_text(text), where=where, options=options, id=path.stem, encoding=encoding)


def from_text(text: str, *, where: str, options, id: str | None = None, url: str | None = None,
              encoding: str | None = None) -> Document:
    """A document from decoded text (also used for ``text/plain`` URLs)."""
    title = None
    if options.shared_task_layout:
        first, sep, rest = text.partition("\n")
        if sep and rest.startswith("\n") and first.strip() and rest.strip():
            title = first.strip()
    meta = {"encoding": encoding} if encoding and encoding != "utf-8" else None
    return build_document(text, where=where, options=options, title=title, title_in_text=True, id=id, url=url, meta=meta)

"""Plain text and the shared-task layout (title line, blank line, body).

``Document.text`` is the file's text exactly as decoded (line endings normalised), so shared-task
offsets into the file stay valid; in the shared-task layout the first line is also the title.
The id is the file name without extension (the shared-task convention), e.g. ``EN_UA_1001``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..document import Document, normalise_text
from ._common import check_document_size, decode_bytes, read_bytes


def read(path: Path, options) -> Iterator[Document]:
    where = str(path)
    text = normalise_text(decode_bytes(read_bytes(path, options), where))
    check_document_size(text, where, options)
    title = None
    if options.shared_task_layout:
        first, sep, rest = text.partition("\n")
        if sep and rest.startswith("\n") and first.strip() and rest.strip():
            title = first.strip()
    yield Document.create(
        text,
        title=title,
        title_in_text=True,
        id=path.stem,
        source=None,
        meta={"where": where},
        where=where,
    )

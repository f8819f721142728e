"""Progress bars with a total (and so an ETA) whenever the number of documents is knowable.

A folder of ``.txt``/``.html`` files holds one document per file, so the total is the file count;
JSONL, CSV, feeds and WARC files hold an unknown number until read, so their bars count without one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

ONE_DOCUMENT_FORMATS = {"txt", "html"}


def known_total(sources: Sequence[str]) -> int | None:
    """The number of documents ``sources`` hold when every one is a one-document file, else ``None``."""
    from .errors import NarrascopeError
    from .readers import EXTENSIONS, expand_sources

    n = 0
    try:
        for item in expand_sources(sources):
            if not isinstance(item, Path):
                return None
            name = item.name.lower()
            fmt = next((f for ext, f in sorted(EXTENSIONS.items(), key=lambda kv: -len(kv[0])) if name.endswith(ext)), None)
            if fmt not in ONE_DOCUMENT_FORMATS:
                return None
            n += 1
    except NarrascopeError:
        return None
    return n


def progress_bar(desc: str, sources: Sequence[str] | None = None, total: int | None = None):
    """A tqdm bar on stderr: ``total`` (or :func:`known_total` of ``sources``) makes it show an ETA."""
    from tqdm import tqdm

    if total is None and sources is not None:
        total = known_total(sources)
    return tqdm(total=total, unit="doc", desc=desc, file=sys.stderr, leave=False, mininterval=0.2, dynamic_ncols=True)


__all__ = ["known_total", "progress_bar"]

"""The one reader of the shared tasks' tab-separated files: numbered, non-blank rows, split on tabs."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import DataError


def tsv_rows(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` for each non-blank line of a UTF-8 TSV file (CRLF tolerated)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("file not found", where=str(p)) from None
    except UnicodeDecodeError as e:
        raise DataError(f"not UTF-8 text ({e.reason})", where=str(p)) from None
    for n, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line.strip():
            yield n, line.split("\t")

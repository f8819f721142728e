"""CheckThat! 2024 Task 3 (persuasion techniques as spans) files: read gold/predictions, write predictions.

One span per line, tab-separated, no header (a header row ``id technique start end`` is accepted
and skipped when reading)::

    id <TAB> technique <TAB> start <TAB> end

``end`` is INCLUSIVE in this format (the last character of the span: ``text[start:end + 1]``),
while Narrascope's spans are half-open. :func:`write_spans` writes ``end - 1`` and
:func:`read_spans` returns half-open ``(technique, start, end + 1)``; nothing else converts.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Iterable

from ...errors import DataError
from ..tsv import tsv_rows


def format_row(doc_id: str, technique: str, start: int, end_exclusive: int) -> str:
    if end_exclusive <= start:
        raise DataError(f"span must not be empty, got start {start} end {end_exclusive}", where=str(doc_id))
    return f"{doc_id}\t{technique}\t{int(start)}\t{int(end_exclusive) - 1}\n"


def write_spans(out: IO[str], rows: Iterable[tuple[str, str, int, int]]) -> int:
    """Write ``(id, technique, start, end_exclusive)`` rows; returns the number written."""
    n = 0
    for doc_id, tech, s, e in rows:
        out.write(format_row(doc_id, tech, s, e))
        n += 1
    return n


def read_spans(path: Path, *, allowed: set[str] | None = None, strict: bool = True,
               dropped: list | None = None) -> dict[str, list[tuple[str, int, int]]]:
    """``{id: [(technique, start, end_exclusive), ...]}`` from a CheckThat! 2024 Task 3 file.

    ``allowed``: the technique ids accepted; an unknown one is an error when ``strict`` (predictions)
    and is dropped and recorded in ``dropped`` otherwise (gold).
    """
    p = Path(path)
    out: dict[str, list[tuple[str, int, int]]] = {}
    for n, fields in tsv_rows(p):
        parts = [x.strip() for x in fields]
        where = f"{p}:{n}"
        if len(parts) < 4:
            raise DataError(f"expected 'id<TAB>technique<TAB>start<TAB>end', got {len(parts)} field(s)", where=where)
        try:
            s, e = int(parts[2]), int(parts[3])
        except ValueError:
            if n == 1 or not out:  # a header row
                continue
            raise DataError(f"start and end must be integers, got {parts[2]!r} and {parts[3]!r}", where=where) from None
        if s < 0 or e < s:
            raise DataError(f"end (inclusive) must be >= start >= 0, got start {s} end {e}", where=where)
        tech = parts[1]
        if allowed is not None and tech not in allowed:
            if strict:
                raise DataError(f"unknown technique {tech!r}", where=where,
                                hint="use the official technique ids (see `narrascope taxonomy show semeval2023-techniques`)")
            if dropped is not None:
                dropped.append((where, tech))
            continue
        out.setdefault(parts[0], []).append((tech, s, e + 1))
    return out

"""Records: JSON Lines, JSON and CSV/TSV, one document per record.

Field names come from :class:`~narrascope.readers.ReadOptions` (``--text-field``, ``--title-field``,
``--url-field``, ``--source-field``, ``--published-field``, ``--id-field``); a dotted name such as
``article.body`` reaches into nested JSON objects. JSONL and CSV are streamed (one line / row at a
time, never the whole file); ``.json`` is loaded whole and so is bound by ``--max-bytes``.

- A bad record (malformed JSON line, empty text, oversized line) becomes a
  :class:`~narrascope.pipeline.Failure` naming ``file:line`` and reading goes on.
- A file whose first record has no text field, or a CSV without the text column, is refused as a
  whole with the fields that were found and the ``--text-field`` option to fix it.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, Iterator

from ..document import Document
from .. import jsonsafe
from ..errors import Failure, InputError
from ._common import (
    build_document,
    decode_bytes,
    failure,
    normalise_date,
    open_binary,
    read_bytes,
)
from ._lines import Line, head_lines, iter_lines, stream_encoding

_CONTAINER_KEYS = ("documents", "articles", "items", "records", "data")
_HEAD = 64 * 1024


# -- records -> documents -------------------------------------------------------------------------


def _get(record: dict, field: str) -> Any:
    if field in record:
        return record[field]
    if "." in field:
        cur: Any = record
        for part in field.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return None
            cur = cur[part]
        return cur
    return None


def _has(record: dict, field: str) -> bool:
    return field in record or ("." in field and _get(record, field) is not None)


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    s = str(value).strip()
    return s or None


def record_to_document(record: dict, where: str, options) -> Document:
    """One record (a JSON object or a CSV row as a dict) to a :class:`Document`."""
    value = _get(record, options.text_field)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n".join(value)  # a list of paragraphs
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(
            f"field {options.text_field!r} must be a string, got {type(value).__name__}",
            where=where,
            hint="point --text-field at the field with the article text",
        )
    if not value.strip():
        raise InputError(
            f"empty document: field {options.text_field!r} has no text",
            where=where,
            hint="give the record a text or drop it from the input",
        )
    published_raw = _get(record, options.published_field)
    published = normalise_date(published_raw) if not isinstance(published_raw, (dict, list)) else None
    meta: dict[str, Any] = {}
    if published_raw not in (None, "") and published is None:
        meta["published_raw"] = str(published_raw)
    language = _scalar(_get(record, options.language_field))
    return build_document(
        value,
        where=where,
        options=options,
        title=_scalar(_get(record, options.title_field)),
        id=_scalar(_get(record, options.id_field)),
        url=_scalar(_get(record, options.url_field)),
        source=_scalar(_get(record, options.source_field)),
        published=published,
        language=language.lower() if language else None,
        meta=meta,
    )


def _no_text_field(where: str, fields: list[str], options, what: str = "field") -> InputError:
    shown = ", ".join(repr(f) for f in fields[:20]) + (", ..." if len(fields) > 20 else "")
    return InputError(
        f"no {options.text_field!r} {what}; {what}s found: {shown or 'none'}",
        where=where,
        hint=f"name the text {what} with --text-field",
    )


def _convert(record: Any, where: str, file_where: str, options, first: bool) -> Document | Failure:
    if not isinstance(record, dict):
        return Failure(where=where, message=f"expected a JSON object, got {_json_type(record)}", stage="read")
    if first and not _has(record, options.text_field):
        raise _no_text_field(file_where, list(record), options)
    try:
        return record_to_document(record, where, options)
    except InputError as e:
        return failure(e, where)


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


# -- JSON Lines ------------------------------------------------------------------------------------


def read_jsonl(path: Path, options) -> Iterator[Document | Failure]:
    """Stream a JSON Lines file; a malformed, binary or undecodable line is a Failure ``file:line``."""
    file_where = str(path)
    with open_binary(path) as f:
        encoding = stream_encoding(head_lines(f.read(_HEAD)), file_where)
        f.seek(0)
        yield from _jsonl_lines(iter_lines(f, encoding, options.max_bytes), file_where, options)


def _jsonl_lines(lines: Iterator[Line], file_where: str, options) -> Iterator[Document | Failure]:
    first = True
    for line in lines:
        where = f"{file_where}:{line.number}"
        if line.problem:
            yield Failure(where=where, message=line.problem, stage="read")
            continue
        if not line.text.strip():
            continue
        try:
            record = jsonsafe.loads(line.text, where=where)
        except json.JSONDecodeError as e:
            msg = f"malformed JSON ({e.msg.removesuffix(' at')} at column {e.colno})"
            yield Failure(where=where, message=f"{msg}; fix or remove this line", stage="read")
            continue
        except InputError as e:
            yield failure(e, where)
            continue
        yield _convert(record, where, file_where, options, first)
        first = False


# -- JSON --------------------------------------------------------------------------------------------


def read_json(path: Path, options) -> Iterator[Document | Failure]:
    """A JSON array of objects, an object with a list under documents/articles/items, or one object.

    A ``.json`` file that holds JSON Lines (one object per line) is streamed as JSONL.
    """
    file_where = str(path)
    if _is_json_lines(path, options):
        yield from read_jsonl(path, options)
        return
    text = decode_bytes(read_bytes(path, options), file_where)
    try:
        data = jsonsafe.loads(text, where=file_where)
    except json.JSONDecodeError as e:
        raise InputError(
            f"malformed JSON: {e.msg} at line {e.lineno}, column {e.colno}",
            where=f"{file_where}:{e.lineno}",
            hint="fix the file, or use JSON Lines (one object per line) so one bad record does not sink the rest",
        ) from None
    records, label = _records(data, file_where, options)
    for i, record in enumerate(records, 1):
        yield _convert(record, f"{file_where} {label} {i}", file_where, options, i == 1)


def _records(data: Any, where: str, options) -> tuple[list, str]:
    if isinstance(data, list):
        if not data:
            raise InputError("the JSON array is empty", where=where, hint="give it at least one article")
        return data, "item"
    if isinstance(data, dict):
        for key in _CONTAINER_KEYS:
            if isinstance(data.get(key), list):
                if not data[key]:
                    raise InputError(f"the {key!r} list is empty", where=where, hint="give it at least one article")
                return data[key], "item"
        if _has(data, options.text_field):
            return [data], "item"
        raise InputError(
            "expected an array of objects, an object with a list under "
            f"{'/'.join(_CONTAINER_KEYS[:3])}, or one object with a {options.text_field!r} field; "
            f"found an object with keys {', '.join(repr(k) for k in list(data)[:15])}",
            where=where,
            hint="reshape the file or name the text field with --text-field",
        )
    raise InputError(f"expected a JSON array or object, got {_json_type(data)}", where=where)


def _is_json_lines(path: Path, options) -> bool:
    """True when the first line is a complete JSON object and another non-blank line follows."""
    try:
        with open_binary(path) as f:
            first = f.readline(min(options.max_bytes, 8 * 1024 * 1024) + 1)
            if not first.rstrip().endswith(b"}"):
                return False
            rest = f.read(4096)
    except InputError:
        return False
    if not rest.strip():
        return False
    try:
        return isinstance(jsonsafe.loads(first.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError, InputError):
        return False


# -- CSV / TSV -------------------------------------------------------------------------------------


def read_csv(path: Path, options) -> Iterator[Document | Failure]:
    yield from _read_delimited(path, options, None)


def read_tsv(path: Path, options) -> Iterator[Document | Failure]:
    yield from _read_delimited(path, options, "\t")


def _read_delimited(path: Path, options, delimiter: str | None) -> Iterator[Document | Failure]:
    """Stream CSV/TSV rows; the header names the fields; ``file:line`` points at the row's first line.

    Each physical line is decoded on its own, so a bad line (invalid byte, NUL, over the limit)
    costs only the row it belongs to. A row that runs on over several lines and then turns out
    wrong (an unclosed quote swallowing the lines after it, a field count that does not match)
    is reported at its first line and reading resumes at its second line.
    """
    file_where = str(path)
    with open_binary(path) as f:
        head = f.read(_HEAD)
        if not head.strip():
            raise InputError("the file is empty", where=file_where, hint="give it a header row and at least one article")
        encoding = stream_encoding(head_lines(head), file_where)
        f.seek(0)
        yield from _rows(_PushBack(iter_lines(f, encoding, options.max_bytes)), file_where, options, delimiter)


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _PushBack:
    """Lines with push-back, so that a failed multi-line row can be re-read from its second line."""

    def __init__(self, lines: Iterator[Line]):
        self.lines = lines
        self.pushed: list[Line] = []

    def next(self) -> Line | None:
        if self.pushed:
            return self.pushed.pop()
        return next(self.lines, None)

    def push(self, lines: list[Line]) -> None:
        self.pushed.extend(reversed(lines))


class _RowTooLong(Exception):
    pass


def _read_row(src: _PushBack, delimiter: str, max_bytes: int) -> tuple[list[str] | None, list[Line], bool, str | None]:
    """(fields, the lines it took, whether it hit the end of the file, why it is malformed)."""
    taken: list[Line] = []
    state = {"eof": False, "size": 0}

    def feed():
        while True:
            line = src.next()
            if line is None:
                state["eof"] = True
                return
            taken.append(line)
            state["size"] += line.size
            if state["size"] > max_bytes and len(taken) > 1:
                raise _RowTooLong()
            yield line.text

    reader = csv.reader(feed(), delimiter=delimiter, strict=False)
    try:
        row = next(reader)
    except StopIteration:
        return None, taken, True, None
    except _RowTooLong:
        return None, taken, False, f"row is over the {max_bytes:,}-byte limit (an unclosed quote?); raise it with --max-bytes"
    except csv.Error as e:
        return None, taken, False, f"malformed CSV row ({e}); fix or remove it"
    return row, taken, state["eof"], None


def _rows(src: _PushBack, file_where: str, options, delimiter: str | None) -> Iterator[Document | Failure]:
    limit = max(options.max_document_chars, 131072)
    if csv.field_size_limit() < limit:  # the default (128 KiB) is smaller than long articles
        csv.field_size_limit(min(limit, sys.maxsize))
    first = src.next()
    while first is not None and not first.problem and not first.text.strip():
        first = src.next()
    if first is None:
        raise InputError("the file is empty", where=file_where)
    if first.problem:
        raise InputError(f"the header row is unusable: {first.problem}", where=f"{file_where}:{first.number}")
    delimiter = delimiter or _guess_delimiter(first.text)
    src.push([first])
    header, taken, _, problem = _read_row(src, delimiter, options.max_bytes)
    if problem:
        raise InputError(f"the header row is not valid CSV: {problem}", where=f"{file_where}:{first.number}")
    bad = [ln for ln in taken if ln.problem]
    if bad:
        raise InputError(f"the header row is unusable: {bad[0].problem}", where=f"{file_where}:{bad[0].number}")
    header = [h.strip().lstrip("\ufeff") for h in header or []]
    if options.text_field not in header:
        raise _no_text_field(file_where, header, options, what="column")
    width = len(header)
    while True:
        row, taken, eof, problem = _read_row(src, delimiter, options.max_bytes)
        if row is None and problem is None:
            return
        where = f"{file_where}:{taken[0].number}" if taken else file_where
        bad = [ln for ln in taken if ln.problem]
        if problem is None and bad:
            problem = bad[0].problem if len(taken) == 1 else f"line {bad[0].number}: {bad[0].problem}"
            yield Failure(where=where, message=problem, stage="read")
            continue
        if problem is None and row is not None and (not row or all(not c.strip() for c in row)):
            continue
        if problem is None and len(taken) > 1 and eof and not _quotes_balanced(taken):
            problem = "a quoted field is never closed (unbalanced \") and ran to the end of the file; fix the quoting"
        # a multi-line row re-read from its second line: when it ran to the end or the limit
        # (csv error, over the byte limit, unclosed at the end), or its quotes do not pair up (a
        # stray quote swallowed the next rows); a wrong field count with paired quotes is the
        # row's own fault, and its continuation lines are not rows
        retry = problem is not None or not _quotes_balanced(taken)
        if problem is None and row is not None and len(row) != width:
            problem = f"row has {len(row)} fields, the header has {width}; check the quoting and the delimiter"
            # a quote closed by something other than a delimiter or the line end ("...unclosed,
            # next row,"The text") means a stray quote ran into the next row
            retry = retry or (len(taken) > 1 and not _strictly_quoted(taken, delimiter))
        if problem is not None:
            if len(taken) > 1 and retry:
                src.push(taken[1:])  # resume at the row's second line
            yield Failure(where=where, message=problem, stage="read")
            continue
        inside = 0
        if len(taken) > 1 and not _strictly_quoted(taken, delimiter):
            inside = _next_row_starts_inside(src, taken, delimiter, width, options.max_bytes)
        if inside:
            src.push(taken[inside:])
            yield Failure(where=where, stage="read", message="a quote in this row is not closed where it should be and ran "
                          "into the next row (which was read on its own); fix the quoting")
            continue
        record = dict(zip(header, row))
        try:
            yield record_to_document(record, where, options)
        except InputError as e:
            yield failure(e, where)


def _next_row_starts_inside(src: _PushBack, taken: list[Line], delimiter: str, width: int, max_bytes: int) -> int:
    """For a multi-line row whose quotes close in the wrong place: the index of the first of its
    later lines (up to 50) where a complete, well-quoted row of the right width starts -- then a
    stray quote merged rows -- else 0. Leaves ``src`` positioned after ``taken`` either way."""
    for j in range(1, min(len(taken), 51)):
        src.push(taken[j:])
        row, peeked, _eof, problem = _read_row(src, delimiter, max_bytes)
        src.push(peeked)
        for _ in taken[j:]:
            src.next()
        if (problem is None and row is not None and len(row) == width and not any(ln.problem for ln in peeked)
                and _strictly_quoted(peeked, delimiter)):
            return j
    return 0


def _strictly_quoted(lines: list[Line], delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO("".join(ln.text for ln in lines)), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True


def _quotes_balanced(lines: list[Line]) -> bool:
    return sum(ln.text.count('"') for ln in lines) % 2 == 0


__all__ = ["read_jsonl", "read_json", "read_csv", "read_tsv", "record_to_document"]

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

import codecs
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, Iterator

from ..document import Document
from ..errors import Failure, InputError
from ._common import (
    build_document,
    decode_bytes,
    detect_stream_encoding,
    failure,
    normalise_date,
    open_binary,
    read_bytes,
)

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
    """Stream a JSON Lines file; a malformed line is a Failure ``file:line``."""
    file_where = str(path)
    with open_binary(path) as f:
        head = f.read(_HEAD)
        cut = head.rfind(b"\n")
        encoding = detect_stream_encoding(head[: cut + 1] if 0 < cut < len(head) - 1 else head, file_where)
        f.seek(0)
        if encoding.startswith(("utf-16", "utf-32")):
            yield from _jsonl_lines(_text_lines(f, encoding, options, file_where), file_where, options)
        else:
            yield from _jsonl_lines(_byte_lines(f, encoding, options, file_where), file_where, options)


def _byte_lines(f, encoding: str, options, file_where: str) -> Iterator[tuple[int, str | Failure]]:
    """(line number, text) per line, reading at most max_bytes per line; over-long lines fail."""
    lineno = 0
    decoder_name = "utf-8" if encoding == "utf-8-sig" else encoding
    while True:
        raw = f.readline(options.max_bytes + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > options.max_bytes and not raw.endswith(b"\n"):
            while True:  # skip the rest of the line without holding it
                rest = f.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, Failure(
                where=f"{file_where}:{lineno}",
                message=f"line is over the {options.max_bytes:,}-byte limit (raise it with --max-bytes)",
                stage="read",
            )
            continue
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            yield lineno, raw.decode(decoder_name)
        except UnicodeDecodeError as e:
            yield lineno, Failure(
                where=f"{file_where}:{lineno}",
                message=f"line is not valid {encoding} (byte {e.start + 1}); re-save the file as UTF-8",
                stage="read",
            )


def _text_lines(f, encoding: str, options, file_where: str) -> Iterator[tuple[int, str | Failure]]:
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
    lineno = 0
    try:
        for line in text:
            lineno += 1
            if len(line) > options.max_bytes:
                yield lineno, Failure(
                    where=f"{file_where}:{lineno}", message="line is over the byte limit (raise it with --max-bytes)",
                    stage="read",
                )
                continue
            yield lineno, line
    except UnicodeDecodeError:
        yield lineno + 1, Failure(
            where=f"{file_where}:{lineno + 1}",
            message=f"not valid {encoding} from here on; the rest of the file was skipped (re-save it as UTF-8)",
            stage="read",
        )
    finally:
        text.detach()


def _jsonl_lines(lines: Iterator[tuple[int, str | Failure]], file_where: str, options) -> Iterator[Document | Failure]:
    first = True
    for lineno, line in lines:
        if isinstance(line, Failure):
            yield line
            continue
        if not line.strip():
            continue
        where = f"{file_where}:{lineno}"
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:
            msg = f"malformed JSON ({e.msg.removesuffix(' at')} at column {e.colno})" if isinstance(e, json.JSONDecodeError) else "malformed JSON (nested too deeply)"
            yield Failure(where=where, message=f"{msg}; fix or remove this line", stage="read")
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
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"malformed JSON: {e.msg} at line {e.lineno}, column {e.colno}",
            where=f"{file_where}:{e.lineno}",
            hint="fix the file, or use JSON Lines (one object per line) so one bad record does not sink the rest",
        ) from None
    except RecursionError:
        raise InputError("malformed JSON: nested too deeply", where=file_where) from None
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
        return isinstance(json.loads(first.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False


# -- CSV / TSV -------------------------------------------------------------------------------------


def read_csv(path: Path, options) -> Iterator[Document | Failure]:
    yield from _read_delimited(path, options, None)


def read_tsv(path: Path, options) -> Iterator[Document | Failure]:
    yield from _read_delimited(path, options, "\t")


def _read_delimited(path: Path, options, delimiter: str | None) -> Iterator[Document | Failure]:
    """Stream CSV/TSV rows; the header names the fields; ``file:line`` points at the row's first line."""
    file_where = str(path)
    with open_binary(path) as f:
        head = f.read(_HEAD)
        if not head.strip():
            raise InputError("the file is empty", where=file_where, hint="give it a header row and at least one article")
        cut = head.rfind(b"\n")
        encoding = detect_stream_encoding(head[: cut + 1] if 0 < cut < len(head) - 1 else head, file_where)
        f.seek(0)
        text = io.TextIOWrapper(f, encoding=encoding, newline="", errors="strict")
        try:
            yield from _rows(text, file_where, options, delimiter, encoding)
        finally:
            text.detach()


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(text: io.TextIOWrapper, file_where: str, options, delimiter: str | None, encoding: str) -> Iterator[Document | Failure]:
    limit = max(options.max_document_chars, 131072)
    if csv.field_size_limit() < limit:  # the default (128 KiB) is smaller than long articles
        csv.field_size_limit(min(limit, sys.maxsize))
    lines = _LineCounter(text, options.max_bytes)
    try:
        header_line = next(iter(lines), None)
    except UnicodeDecodeError:
        raise InputError(f"the header is not valid {encoding}", where=file_where, hint="re-save the file as UTF-8") from None
    if header_line is None:
        raise InputError("the file is empty", where=file_where)
    delimiter = delimiter or _guess_delimiter(header_line)
    lines.push_back(header_line)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    try:
        header = next(reader)
    except csv.Error as e:
        raise InputError(f"the header row is not valid CSV ({e})", where=f"{file_where}:1") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    if options.text_field not in header:
        raise _no_text_field(file_where, header, options, what="column")
    width = len(header)
    while True:
        start = lines.lineno + 1
        where = f"{file_where}:{start}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            yield Failure(
                where=where,
                message=f"not valid {encoding} from here on; the rest of the file was skipped (re-save it as UTF-8)",
                stage="read",
            )
            return
        except csv.Error as e:
            yield Failure(where=where, message=f"malformed CSV row ({e}); fix or remove it", stage="read")
            continue
        if lines.too_long:
            lines.too_long = False
            yield Failure(where=where, message=f"row is over the {options.max_bytes:,}-byte limit (raise it with --max-bytes)", stage="read")
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != width:
            yield Failure(
                where=where,
                message=f"row has {len(row)} fields, the header has {width}; check the quoting and the delimiter",
                stage="read",
            )
            continue
        record = dict(zip(header, row))
        try:
            yield record_to_document(record, where, options)
        except InputError as e:
            yield failure(e, where)


class _LineCounter:
    """Feeds lines to :mod:`csv` while counting them; lines over the byte limit are blanked."""

    def __init__(self, text: io.TextIOWrapper, max_chars: int):
        self.text = text
        self.lineno = 0
        self.max_chars = max_chars
        self.too_long = False
        self._pushed: list[str] = []

    def push_back(self, line: str) -> None:
        self._pushed.append(line)
        self.lineno -= 1

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._pushed:
            self.lineno += 1
            return self._pushed.pop()
        line = self.text.readline(self.max_chars + 1)
        if not line:
            raise StopIteration
        self.lineno += 1
        if len(line) > self.max_chars and not line.endswith("\n"):
            while True:
                rest = self.text.readline(1 << 20)
                if not rest or rest.endswith("\n"):
                    break
            self.too_long = True
            return "\n"
        return line


__all__ = ["read_jsonl", "read_json", "read_csv", "read_tsv", "record_to_document"]

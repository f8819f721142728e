"""WARC and WARC.gz web archives (via warcio), streamed record by record.

Only ``response`` records for HTTP status 200 with an HTML content type become documents; each is
extracted like an HTML page (:mod:`narrascope.readers.html`) with the record's ``WARC-Target-URI``
as the document URL. The file is never loaded whole: one record's payload at a time, and a
payload over ``--max-bytes`` is skipped with a failure. A truncated or corrupt archive yields
every record read before the damage, then a failure naming the file and the record number
(``file record N``).
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Iterator

from ..document import Document
from ..errors import Failure, InputError
from . import html as html_reader
from ._common import failure, open_binary

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Header bounds, applied while decompressing (a 3 MB .warc.gz can hold a 3 GiB header line).
MAX_HEADER_LINE = 64 * 1024  # bytes in one WARC or HTTP header line
MAX_HEADER_BYTES = 256 * 1024  # bytes in one record's WARC headers, and in its HTTP headers
_SCAN = 1 << 20
MAX_DAMAGED_IN_A_ROW = 500


_NULL_HANDLER = logging.NullHandler()


class _HeaderTooLarge(Exception):
    pass


class _CorruptMember(Exception):
    pass


def _iterator_class():
    # warcio logs odd target URIs as warnings; without this, Python's last-resort handler prints
    # them to stderr in the middle of the CLI's output (an app that configures logging still sees them)
    logging.getLogger("warcio").addHandler(_NULL_HANDLER)
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import DecompressingBufferedReader

    class CappedReader(DecompressingBufferedReader):
        """warcio's reader with every line capped (warcio reads header lines without a limit)."""

        def readline(self, length=None):
            want = MAX_HEADER_LINE + 1 if length is None or length > MAX_HEADER_LINE + 1 else length
            line = super().readline(want)
            if len(line) > MAX_HEADER_LINE and not line.endswith(b"\n"):
                raise _HeaderTooLarge(f"a header line is over {MAX_HEADER_LINE:,} bytes")
            return line

        def _decompress(self, data):
            # warcio prints a corrupt gzip member to stderr and reads on as if it had ended;
            # raise instead, so the record is reported and reading resumes at the next member
            if self.decompressor and data and self.num_block_read:
                try:
                    return self.decompressor.decompress(data)
                except zlib.error as e:
                    raise _CorruptMember(f"corrupt gzip data ({e})") from None
            return super()._decompress(data)

    class QuietArchiveIterator(ArchiveIterator):
        # warcio prints a warning to stderr on a bad record boundary; we report it ourselves.
        INC_RECORD = ""

        def __init__(self, fileobj, **kwargs):
            super().__init__(fileobj, **kwargs)
            self.reader = CappedReader(self.fh, block_size=self.reader.block_size)
            for name in ("warc_parser", "http_parser", "http_req_parser"):
                parser = getattr(self.loader, name, None)
                if parser is not None:
                    parser.parse = _budgeted(parser.parse)

    return QuietArchiveIterator


class _Budget:
    """A stream proxy for one header block: its lines together stay under MAX_HEADER_BYTES."""

    def __init__(self, stream):
        self._stream = stream
        self._used = 0

    def readline(self, *args):
        line = self._stream.readline(*args)
        self._used += len(line)
        if self._used > MAX_HEADER_BYTES:
            raise _HeaderTooLarge(f"the record's headers are over {MAX_HEADER_BYTES:,} bytes")
        return line

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _budgeted(parse):
    def parse_with_budget(stream, full_statusline=None):
        return parse(_Budget(stream), full_statusline)

    return parse_with_budget


def read(path: Path, options) -> Iterator[Document | Failure]:
    """Records one by one; a damaged record (wrong length, cut, corrupt gzip member, oversized
    headers) is reported as ``file record N`` and reading resumes at the next record boundary
    found after it (the next gzip member or ``WARC/1.x`` line)."""
    file_where = str(path)
    iterator_class = _iterator_class()
    n = 0  # records read (or reported) so far
    html_seen = 0
    damaged = False  # a damage failure was reported (then a whole-file error would repeat it)
    with open_binary(path) as f:
        gz = f.read(2) == b"\x1f\x8b"
        start: int | None = 0
        resyncs = 0  # damaged records in a row: bounded, so a file of thousands of broken
        while start is not None:  # members cannot keep the reader busy for minutes
            resyncs += 1
            if resyncs > MAX_DAMAGED_IN_A_ROW:
                yield Failure(where=f"{file_where} record {n + 1}", stage="read",
                              message=f"more than {MAX_DAMAGED_IN_A_ROW:,} damaged records in a row; the rest of the "
                              "archive was skipped (re-download or repair the WARC)")
                damaged = True
                break
            f.seek(start)
            it = iterator_class(f, check_digests=False)
            records = iter(it)
            prev_start: int | None = None  # start of the last record this iterator gave
            while True:
                try:
                    record = next(records)
                except StopIteration:
                    if it.err_count and prev_start is not None:
                        # bytes after the last record: its Content-Length was wrong, and it may
                        # have swallowed the start of another record
                        start = _next_boundary(f, prev_start + 1, gz)
                        damaged = True
                        yield _bad_length(file_where, n, resumed=start is not None)
                    elif _unread_tail(f, it):  # warcio stops quietly at a gzip member cut short
                        start = _next_boundary(f, _offset(it, start) + 1, gz)
                        n += 1
                        damaged = True
                        yield _damaged(file_where, n, None, resumed=start is not None)
                    else:
                        start = None
                    break
                except Exception as e:  # noqa: BLE001 - warcio raises many kinds on damaged input
                    at = _offset(it, start)
                    # a Content-Length too long swallows the start of the next record: look for
                    # the next boundary right after the previous record's start
                    nxt = _next_boundary(f, (prev_start if prev_start is not None else at) + 1, gz)
                    if nxt is not None and nxt == at:  # that is where this record failed: go past it
                        nxt = _next_boundary(f, at + 1, gz)
                    if n == 0 and (nxt is None or not _starts_like_warc(f, gz)):
                        raise InputError(
                            f"not a WARC file ({type(e).__name__}: {e})".replace(": )", ")"),
                            where=file_where,
                            hint="check the file; a WARC starts with a 'WARC/1.0' or 'WARC/1.1' header",
                        ) from None
                    damaged = True
                    if it.err_count and prev_start is not None:  # the previous record's length was wrong
                        yield _bad_length(file_where, n, resumed=nxt is not None)
                    else:
                        n += 1
                        yield _damaged(file_where, n, e, resumed=nxt is not None)
                    start = nxt
                    break
                rec_start = _offset(it, start)
                if it.err_count and prev_start is not None:
                    # warcio skipped bytes to find this record: the previous record's length was
                    # wrong and may have swallowed records; rescan from just after its start
                    start = _next_boundary(f, prev_start + 1, gz)
                    damaged = True
                    yield _bad_length(file_where, n, resumed=start is not None)
                    break
                it.err_count = 0
                n += 1
                prev_start = rec_start
                resyncs = 0
                where = f"{file_where} record {n}"
                if (record.rec_headers.get_header("Content-Length") is None or not hasattr(record.raw_stream, "limit")
                        or _glued(record)):
                    # a record always declares its length; without it the headers were cut off
                    nxt = _next_boundary(f, rec_start + 1, gz)
                    if n == 1 and nxt is None:
                        raise InputError(
                            "not a WARC file, or cut off inside its first record (no WARC record header found)",
                            where=file_where,
                            hint="check the file; a WARC starts with a 'WARC/1.0' or 'WARC/1.1' header",
                        )
                    damaged = True
                    yield _damaged(file_where, n, None, resumed=nxt is not None)
                    start = nxt
                    break
                try:
                    page = _html_payload(record, where, options)
                except _Skip as e:  # too big to drain: jump to the next record boundary instead
                    start = _next_boundary(f, rec_start + 1, gz)
                    if e.error is not None:
                        html_seen += 1
                        yield failure(e.error, where)
                    break
                except _Truncated:
                    start = _next_boundary(f, rec_start + 1, gz)
                    damaged = True
                    yield _damaged(file_where, n, None, resumed=start is not None)
                    break
                except InputError as e:
                    html_seen += 1
                    yield failure(e, where)
                    continue
                except Exception as e:  # noqa: BLE001 - a damaged payload (bad gzip/chunking)
                    start = _next_boundary(f, rec_start + 1, gz)
                    damaged = True
                    yield _damaged(file_where, n, e, resumed=start is not None)
                    break
                if page is None:
                    continue
                html_seen += 1
                payload, uri, charset = page
                meta = {"warc_record": n}
                warc_date = record.rec_headers.get_header("WARC-Date")
                if warc_date:
                    meta["warc_date"] = warc_date
                try:
                    yield html_reader.from_bytes(payload, where=where, options=options, url=uri, charset=charset, meta=meta)
                except InputError as e:
                    yield failure(e, where)
    if damaged and html_seen == 0:
        return  # the damage was reported; a whole-file error would only repeat it
    if n == 0:
        raise InputError(
            "no WARC records could be read: not a WARC file, or damaged at the start",
            where=file_where,
            hint="check the file; a .warc.gz must be gzip-compressed per record",
        )
    if html_seen == 0:
        raise InputError(
            f"the archive has {n} record(s) but no HTML response with status 200",
            where=file_where,
            hint="nothing to analyze in it",
        )


def _glued(record) -> bool:
    """A record cut inside its headers has the next record's first line glued into a header."""
    return any("WARC/1." in (value or "") for _name, value in record.rec_headers.headers)


def _offset(it, default: int) -> int:
    try:
        return int(it.offset)
    except (TypeError, ValueError):
        return default


def _starts_like_warc(f, gz: bool) -> bool:
    f.seek(0)
    head = f.read(8)
    return head.startswith(b"\x1f\x8b") if gz else head.startswith(b"WARC/")


def _next_boundary(f, pos: int, gz: bool) -> int | None:
    """Offset of the next record start at or after ``pos``: a gzip member header in a .warc.gz,
    a ``WARC/1.`` line otherwise. Scans the raw file in bounded chunks."""
    marker = b"\x1f\x8b\x08" if gz else b"WARC/1."
    skip = 0
    pos = max(0, pos - skip)
    try:
        f.seek(pos)
        carry = b""
        base = pos
        size = 4096  # grows: a marker is usually near, and reading 1 MiB per resync would be
        while True:  # quadratic in a file made of thousands of damaged members
            chunk = f.read(size)
            size = min(size * 4, _SCAN)
            if not chunk:
                return None
            buf = carry + chunk
            i = buf.find(marker)
            if i >= 0:
                return base - len(carry) + i + skip
            carry = buf[-(len(marker) - 1):]
            base += len(chunk)
    except OSError:
        return None


class _Truncated(Exception):
    pass


class _Skip(Exception):
    """A record too big to read or drain: reading jumps to the next record boundary."""

    def __init__(self, error: InputError | None = None):
        super().__init__()
        self.error = error


def _html_payload(record, where: str, options) -> tuple[bytes, str | None, str | None] | None:
    """(payload, target URI, charset) of an HTML 200 response record, else None."""
    ctype = ""
    if record.rec_type == "response" and record.http_headers is not None:
        if str(record.http_headers.get_statuscode()) == "200":
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
    declared = record.rec_headers.get_header("Content-Length") or ""
    over = declared.strip().isdigit() and len(declared.strip()) < 20 and int(declared) > options.max_bytes + MAX_HEADER_BYTES
    too_big = InputError(
        f"record payload is over the {options.max_bytes:,}-byte limit; skipped",
        where=where,
        hint="raise the limit with --max-bytes",
    )
    if ctype.split(";")[0].strip() not in _HTML_TYPES:
        if over:
            raise _Skip()
        _drain(record, options.max_bytes)
        return None
    if over:
        raise _Skip(too_big)
    uri = record.rec_headers.get_header("WARC-Target-URI")
    payload = record.content_stream().read(options.max_bytes + 1)
    if len(payload) > options.max_bytes:
        raise _Skip(too_big)
    if getattr(record.raw_stream, "limit", 0):  # fewer bytes than the record's Content-Length
        raise _Truncated()
    charset = None
    if "charset=" in ctype:
        charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
    return payload, uri, charset


def _unread_tail(f, it) -> bool:
    """True when bytes other than padding follow the last record warcio could read."""
    try:
        offset = int(it.offset)
        f.seek(0, 2)
        if offset >= f.tell():
            return False
        f.seek(offset)
        return bool(f.read(4096).strip(b"\r\n\t \x00"))
    except (OSError, ValueError, TypeError):
        return False


def _drain(record, max_bytes: int) -> None:
    """Read a record we skip to its end (bounded chunks) so that truncation is noticed; one
    that decompresses to more than ``max_bytes`` is jumped over instead."""
    raw = record.raw_stream
    total = 0
    while True:
        chunk = raw.read(1 << 16)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise _Skip()
    if getattr(raw, "limit", 0):
        raise _Truncated()


def _damaged(file_where: str, n: int, error: Exception | None, *, resumed: bool = False) -> Failure:
    detail = f" ({type(error).__name__}: {error})" if error is not None and str(error) else ""
    after = ("reading resumed at the next record found after it" if resumed
             else "the records before it were read, the rest is lost (re-download or repair the WARC)")
    return Failure(
        where=f"{file_where} record {n}",
        message=f"the archive is truncated or corrupt at record {n}{detail}; {after}",
        stage="read",
    )


def _bad_length(file_where: str, n: int, *, resumed: bool) -> Failure:
    after = "reading resumed at the next record" if resumed else "the rest of the archive is lost"
    return Failure(
        where=f"{file_where} record {n}",
        message="the record's Content-Length does not match its content (the next record does not start where "
        f"it says), so its text may be cut; {after}",
        stage="read",
    )

"""WARC and WARC.gz web archives (via warcio), streamed record by record.

Only ``response`` records for HTTP status 200 with an HTML content type become documents; each is
extracted like an HTML page (:mod:`narrascope.readers.html`) with the record's ``WARC-Target-URI``
as the document URL. The file is never loaded whole: one record's payload at a time, and a
payload over ``--max-bytes`` is skipped with a failure. A truncated or corrupt archive yields
every record read before the damage, then a failure naming the file and the record number
(``file record N``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..document import Document
from ..errors import Failure, InputError
from . import html as html_reader
from ._common import failure, open_binary

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _iterator_class():
    from warcio.archiveiterator import ArchiveIterator

    class QuietArchiveIterator(ArchiveIterator):
        # warcio prints a warning to stderr on a bad record boundary; we report it ourselves.
        INC_RECORD = ""

    return QuietArchiveIterator


def read(path: Path, options) -> Iterator[Document | Failure]:
    file_where = str(path)
    iterator_class = _iterator_class()
    n = 0
    html_seen = 0
    with open_binary(path) as f:
        it = iterator_class(f, check_digests=False)
        records = iter(it)
        while True:
            try:
                record = next(records)
            except StopIteration:
                if _unread_tail(f, it):  # warcio stops quietly at a gzip member cut short
                    yield _damaged(file_where, n + 1, None)
                    return
                break
            except Exception as e:  # noqa: BLE001 - warcio raises many kinds on damaged input
                if n == 0:
                    raise InputError(
                        f"not a WARC file ({type(e).__name__}: {e})".replace(": )", ")"),
                        where=file_where,
                        hint="check the file; a WARC starts with a 'WARC/1.0' or 'WARC/1.1' header",
                    ) from None
                yield _damaged(file_where, n + 1, e)
                return
            n += 1
            where = f"{file_where} record {n}"
            if record.rec_headers.get_header("Content-Length") is None or not hasattr(record.raw_stream, "limit"):
                # a record always declares its length; without it the headers were cut off
                if n == 1:
                    raise InputError(
                        "not a WARC file, or cut off inside its first record (no WARC record header found)",
                        where=file_where,
                        hint="check the file; a WARC starts with a 'WARC/1.0' or 'WARC/1.1' header",
                    )
                yield _damaged(file_where, n, None)
                return
            if it.err_count:
                yield Failure(
                    where=where,
                    message="the record does not start where the previous one's length says (corrupt archive); "
                    "records after this point may be wrong",
                    stage="read",
                )
                it.err_count = 0
            try:
                page = _html_payload(record, where, options)
            except _Truncated:
                yield _damaged(file_where, n, None)
                return
            except InputError as e:
                html_seen += 1
                yield failure(e, where)
                continue
            except Exception as e:  # noqa: BLE001 - a damaged payload (bad gzip/chunking)
                yield _damaged(file_where, n, e)
                return
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


class _Truncated(Exception):
    pass


def _html_payload(record, where: str, options) -> tuple[bytes, str | None, str | None] | None:
    """(payload, target URI, charset) of an HTML 200 response record, else None."""
    ctype = ""
    if record.rec_type == "response" and record.http_headers is not None:
        if str(record.http_headers.get_statuscode()) == "200":
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
    if ctype.split(";")[0].strip() not in _HTML_TYPES:
        _drain(record)
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI")
    payload = record.content_stream().read(options.max_bytes + 1)
    if len(payload) > options.max_bytes:
        raise InputError(
            f"record payload is over the {options.max_bytes:,}-byte limit; skipped",
            where=where,
            hint="raise the limit with --max-bytes",
        )
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


def _drain(record) -> None:
    """Read a record we skip to its end (bounded chunks) so that truncation is noticed."""
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    if getattr(raw, "limit", 0):
        raise _Truncated()


def _damaged(file_where: str, n: int, error: Exception | None) -> Failure:
    detail = f" ({type(error).__name__}: {error})" if error is not None and str(error) else ""
    return Failure(
        where=f"{file_where} record {n}",
        message=(
            f"the archive is truncated or corrupt at record {n}{detail}; the records before it were read, "
            "the rest is lost (re-download or repair the WARC)"
        ),
        stage="read",
    )

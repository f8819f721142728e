"""Shared reader helpers: bounded reads, encoding detection, binary refusal, size checks,
HTML-to-text, date normalisation and the one way readers build documents.

Every problem is a :class:`~narrascope.errors.InputError` (or child) whose ``where`` names the
file (and line/record) and whose hint says what to do.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ..document import Document, normalise_text
from ..errors import EmptyDocumentError, Failure, InputError, InputTooLargeError
from ..jsonsafe import scrub_value

# Magic numbers that cannot start a text file (short ones like "MZ" are left to the NUL check).
_BINARY_MAGIC = (
    b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"\x7fELF", b"SQLite format 3",
    b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"\xfd7zXZ", b"7z\xbc\xaf", b"\x28\xb5\x2f\xfd", b"OggS", b"wOFF",
    b"\xca\xfe\xba\xbe",
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# C0/C1 control characters other than tab, LF, CR, FF: a text file has (almost) none of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def read_bytes(path: Path, options) -> bytes:
    """The whole file, refusing it when over ``options.max_bytes`` (checked before and while reading)."""
    where = str(path)
    with open_binary(path) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > options.max_bytes:
                raise too_large_file(size, where, options)
            data = f.read(options.max_bytes + 1)
        except OSError as e:
            raise _os_error(e, where) from None
    if len(data) > options.max_bytes:  # the file grew while we looked at it
        raise too_large_file(len(data), where, options)
    return data


def open_binary(path: Path):
    """Open for streaming; OS errors become one-line :class:`InputError` messages."""
    try:
        return open(path, "rb")
    except OSError as e:
        raise _os_error(e, str(path)) from None


def _os_error(e: OSError, where: str) -> InputError:
    if isinstance(e, PermissionError):
        return InputError("permission denied", where=where, hint="check the file's permissions")
    if isinstance(e, IsADirectoryError):
        return InputError("is a directory, expected a file", where=where)
    if isinstance(e, FileNotFoundError):
        return InputError("no such file", where=where, hint="check the path")
    return InputError(f"cannot read file: {e.strerror or e}", where=where)


def too_large_file(size: int, where: str, options) -> InputTooLargeError:
    return InputTooLargeError(
        f"input is {size:,} bytes, over the {options.max_bytes:,}-byte limit",
        where=where,
        hint="split it, or raise the limit with --max-bytes",
    )


# -- encodings ---------------------------------------------------------------------------------


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the NUL pattern says so (ASCII-heavy UTF-16 without a BOM)."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even = even.count(0) / len(even)
    nul_odd = odd.count(0) / max(1, len(odd))
    if nul_odd > 0.3 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.3 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def binary_error(where: str) -> InputError:
    return InputError(
        "this is a binary file, not text",
        where=where,
        hint="convert it to text, HTML or JSON first, or remove it from the input",
    )


def undecodable_error(where: str) -> InputError:
    return InputError(
        "text encoding could not be recognised (not UTF-8, and no other encoding fits)",
        where=where,
        hint="re-save the file as UTF-8",
    )


def looks_binary(head: bytes) -> bool:
    """Magic numbers of common binary formats, or NUL bytes that are not UTF-16/32 text."""
    if any(head.startswith(m) for m in _BINARY_MAGIC):
        return True
    if b"\x00" in head[:8192]:
        if any(head.startswith(b) for b, _ in _BOMS) or _utf16_without_bom(head):
            return False
        return True
    return False


def _mostly_utf8(data: bytes, err: UnicodeDecodeError) -> bool:
    """UTF-8 with a handful of stray bytes (a damaged file), not another encoding."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return multibyte >= 10 and bad * 20 <= multibyte


def decode_bytes(data: bytes, where: str, declared: str | None = None) -> str:
    """Decode text: BOMs, then UTF-8, then a declared charset, then detection; refuse binary.

    Sets no global state. Raises :class:`InputError` for binary data or an undecodable file.
    """
    text, _ = decode_bytes_with_encoding(data, where, declared)
    return text


def decode_bytes_with_encoding(data: bytes, where: str, declared: str | None = None) -> tuple[str, str]:
    """Like :func:`decode_bytes`, also returning the encoding used (for the document's meta)."""
    if looks_binary(data):
        raise binary_error(where)
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data.decode(enc), enc.replace("-sig", "")
            except UnicodeDecodeError:
                raise undecodable_error(where) from None
            break
    if text is None and b"\x00" in data[:8192]:
        enc16 = _utf16_without_bom(data)
        if enc16:
            try:
                text, encoding = data.decode(enc16), enc16
            except UnicodeDecodeError:
                raise undecodable_error(where) from None
    if text is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as e:
            if _mostly_utf8(data, e):
                text, encoding = data.decode("utf-8", errors="replace"), "utf-8 (invalid bytes replaced)"
    if text is None and declared and is_text_encoding(declared):
        try:
            text, encoding = data.decode(declared), declared.lower()
        except (UnicodeError, LookupError):  # "undefined" and friends raise UnicodeError
            pass
    if text is None:
        guess = guess_legacy_encoding(data)
        if guess is None:
            raise _binary_or_undecodable(data, where)
        text, encoding = guess
    if _too_many_controls(text):
        raise binary_error(where)
    return text, encoding


def is_text_encoding(name: str) -> bool:
    """True for a codec that decodes bytes to text (not "undefined", "hex", "rot13", "base64"...)."""
    import codecs

    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        return False
    return getattr(info, "_is_text_encoding", True) and info.name != "undefined"


def _too_many_controls(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) > max(2, len(sample) // 100)


# Legacy encodings in the order the web uses them: when several decode the bytes to the same
# text with the same (low) chaos, the commoner one is named (charset-normalizer alone picks
# e.g. cp775 for short French text, which garbles "é").
_COMMON_LEGACY = (
    "cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp1250", "iso8859_2",
    "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1257", "iso8859_13", "cp1255", "cp1256", "shift_jis",
    "euc_jp", "gb18030", "gbk", "big5", "euc_kr", "cp874", "tis_620", "cp1258",
)


def guess_legacy_encoding(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) for bytes that are not UTF-8, or None when nothing fits."""
    from charset_normalizer import from_bytes

    results = [m for m in from_bytes(data) if m.encoding and m.chaos <= 0.3]
    if not results:
        return None
    low = min(m.chaos for m in results)
    close = [m for m in results if m.chaos <= low + 0.02]
    for enc in _COMMON_LEGACY:
        for m in close:
            if enc in m.could_be_from_charset:
                try:
                    return data.decode(enc), enc
                except (UnicodeDecodeError, LookupError):
                    break
    best = min(close, key=lambda m: (m.chaos, -m.coherence))
    return str(best), best.encoding


def _binary_or_undecodable(data: bytes, where: str) -> InputError:
    sample = data[:20000]
    if len(_CONTROL_BYTES.findall(sample)) > len(sample) // 20:
        return binary_error(where)
    return undecodable_error(where)


# -- sizes and documents -------------------------------------------------------------------------


def check_document_size(text: str, where: str, options) -> None:
    if len(text) > options.max_document_chars:
        raise InputTooLargeError(
            f"document has {len(text):,} characters, over the {options.max_document_chars:,}-character limit",
            where=where,
            hint="split it, or raise the limit with --max-chars",
        )


def build_document(text: str, *, where: str, options, **fields: Any) -> Document:
    """Check the size, then :meth:`Document.create` (which raises on empty text).

    ``meta["where"]`` always names the file/record, so later failures can point back at it.
    """
    check_document_size(text, where, options)
    meta = dict(fields.pop("meta", None) or {})
    meta["where"] = where
    # lone surrogates (a "\ud800" escape in JSON, a surrogate-escaped file name) are not text:
    # replaced one for one with U+FFFD (offsets unchanged), and said so in meta["read_warnings"]
    (text, fields, meta), replaced = scrub_value((text, fields, meta))
    if replaced:
        meta["read_warnings"] = [*meta.get("read_warnings", []),
                                 f"{replaced} lone UTF-16 surrogate(s) replaced with U+FFFD"]
    return Document.create(text, meta=meta, where=where, **fields)


def failure(error: InputError | str, where: str) -> Failure:
    """A per-record :class:`Failure` (stage ``read``) from an error or a message."""
    if isinstance(error, InputError):
        msg = error.message + (f" ({error.hint})" if error.hint else "")
        return Failure(where=error.where or where, message=msg, stage="read")
    return Failure(where=where, message=str(error), stage="read")


def empty_error(what: str, where: str) -> EmptyDocumentError:
    return EmptyDocumentError(what, where=where, hint="give it a body or drop it from the input")


# -- HTML to text ----------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    """address article aside blockquote body br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5
    h6 header hr li main nav ol p pre section table tbody td th thead tr ul""".split()
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head", "title")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def html_to_text(fragment: str, *, drop_boilerplate: bool = False) -> str:
    """Plain text of an HTML fragment: one line per block element, no markup, entities decoded."""
    if "<" not in fragment and "&" not in fragment:
        return tidy_text(fragment)
    from ._markup import bound_markup, strip_tags

    fragment, _notes = bound_markup(fragment)
    try:
        return _html_to_text(fragment, drop_boilerplate)
    except Exception:  # noqa: BLE001 - lxml fails on some mangled markup (AssertionError, ...)
        return tidy_text(strip_tags(fragment))


def _html_to_text(fragment: str, drop_boilerplate: bool) -> str:
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return tidy_text(fragment)
    drop = _DROP_TAGS + (("nav", "footer", "header", "aside", "form", "menu") if drop_boilerplate else ())
    for el in list(root.iter(*drop)):
        if el is not root and el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        if el.getparent() is not None:
            el.drop_tree()
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.text and tag:
                parts.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    return tidy_text("".join(parts))


def tidy_text(text: str) -> str:
    """Collapse runs of spaces inside lines, trim lines, drop blank lines, normalise Unicode (NFC)."""
    text = unicodedata.normalize("NFC", normalise_text(text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# -- dates -------------------------------------------------------------------------------------------


def normalise_date(value: Any) -> str | None:
    """ISO 8601: UTC with 'Z' when the zone is known, naive when not, 'YYYY-MM-DD' for dates.

    Accepts datetimes, dates, ``time.struct_time`` (taken as UTC, as feedparser gives them),
    epoch seconds or milliseconds, ISO 8601 strings and RFC 2822 strings. ``None`` when unparsable.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "tm_year"):
        try:
            return _iso(datetime(*value[:6], tzinfo=timezone.utc))
        except (TypeError, ValueError):
            return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return _iso(datetime.fromtimestamp(seconds, tz=timezone.utc))
        except (OverflowError, OSError, ValueError):
            return None
    s = str(value).strip()
    if not s:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        try:
            return date.fromisoformat(s).isoformat()
        except ValueError:
            return None
    iso = s.replace(" UTC", "Z").replace(" GMT", "Z")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", iso):
        try:
            return _iso(datetime.fromisoformat(iso))
        except ValueError:
            pass
    if re.fullmatch(r"\d{9,13}(\.\d+)?", s):
        return normalise_date(float(s))
    from email.utils import parsedate_to_datetime

    try:
        dt = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    if "-0000" in s:  # RFC 2822: "-0000" means UTC with no zone information about the source
        dt = dt.replace(tzinfo=timezone.utc)
    return _iso(dt)


def _iso(dt: datetime) -> str:
    dt = dt.replace(microsecond=0)
    if dt.tzinfo is None:
        return dt.isoformat()
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

"""Physical lines of a line-based file (JSON Lines, CSV/TSV), streamed, bounded and decoded one
at a time, so that one bad line costs that line only.

- The encoding is chosen once from the first bytes (:func:`stream_encoding`); a NUL byte or an
  invalid byte in one line does not make the whole file "binary" or "undecodable": each line is
  decoded on its own and a line that is binary (NUL / control bytes), not valid in the encoding,
  or over the byte limit comes back with a ``problem`` instead of text.
- A line is never held past ``max_bytes``: the rest of an over-long line is skipped in bounded
  chunks.
- UTF-16/32 lines are split on the encoded newline; a line cut by an odd number of bytes (a
  truncated code unit) is reported alone and the next line is read aligned again.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from ._common import (
    _BINARY_MAGIC,
    _BOMS,
    _mostly_utf8,
    _utf16_without_bom,
    binary_error,
    guess_legacy_encoding,
    _binary_or_undecodable,
)

_CHUNK = 1 << 16
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# encoded newline and code-unit size per encoding family
_WIDE = {
    "utf-16-le": (b"\n\x00", 2),
    "utf-16-be": (b"\x00\n", 2),
    "utf-32-le": (b"\n\x00\x00\x00", 4),
    "utf-32-be": (b"\x00\x00\x00\n", 4),
}


@dataclass(slots=True)
class Line:
    number: int  # 1-based physical line number
    text: str  # decoded, newline kept (best effort when the line has a problem)
    size: int  # bytes
    problem: str | None = None  # why the line is unusable


def stream_encoding(head: bytes, where: str) -> str:
    """Encoding of a line-based file from its first bytes (a whole number of lines, if possible).

    Refuses the file only when it is binary as a whole (a known binary magic number, or NUL /
    control bytes in most of its first lines) or when no encoding fits its first lines at all.
    Returns a codec name; UTF-16/32 come back with their byte order (``utf-16-le`` ...).
    """
    if any(head.startswith(m) for m in _BINARY_MAGIC):
        raise binary_error(where)
    for bom, enc in _BOMS:
        if head.startswith(bom):
            if enc.startswith(("utf-16", "utf-32")):
                order = "le" if bom.startswith(b"\xff\xfe") else "be"
                return f"{enc}-{order}"
            return enc
    if b"\x00" in head[:8192]:
        enc16 = _utf16_without_bom(head)
        if enc16:
            return enc16
    lines = head.split(b"\n")
    if len(lines) > 1 and not head.endswith(b"\n"):
        lines = lines[:-1]  # probably cut by the sample
    lines = [ln for ln in lines if ln.strip()]
    is_binary = [b"\x00" in ln or len(_CONTROL_BYTES.findall(ln)) > max(4, len(ln) // 10) for ln in lines]
    n_binary = sum(is_binary)
    if lines and n_binary * 2 > len(lines):
        raise binary_error(where)
    if n_binary:
        lines = [ln for ln, b in zip(lines, is_binary) if not b]
    text_lines = b"\n".join(lines) if n_binary else head
    try:
        text_lines.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        if e.start >= len(text_lines) - 4:  # a character cut at the end of the sample
            try:
                text_lines[: e.start].decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError:
                pass
        if _mostly_utf8(text_lines, e):
            return "utf-8"
        # more lines that are UTF-8 with non-ASCII characters (evidence for UTF-8: legacy bytes
        # almost never form valid UTF-8) than lines that are not UTF-8: stray bytes in a UTF-8 file
        bad = sum(1 for ln in lines if not _decodes(ln, "utf-8"))
        evidence = sum(1 for ln in lines if not ln.isascii() and _decodes(ln, "utf-8"))
        if evidence > bad:
            return "utf-8"
    guess = guess_legacy_encoding(text_lines)
    if guess is None:
        if lines and sum(1 for ln in lines if _decodes(ln, "utf-8")) * 2 > len(lines):
            return "utf-8"  # mostly UTF-8 lines: the others fail one by one
        raise _binary_or_undecodable(text_lines, where)
    return guess[1]


_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def iter_lines(f: BinaryIO, encoding: str, max_bytes: int) -> Iterator[Line]:
    """Every physical line of ``f`` (positioned at the start of the file) as a :class:`Line`."""
    if encoding in _WIDE:
        sep, unit = _WIDE[encoding]
        raw_lines = _wide_lines(f, sep, unit, max_bytes)
    else:
        raw_lines = _byte_lines(f, max_bytes)
    codec = codecs.lookup(encoding).name
    first = True
    for number, raw, too_long in raw_lines:
        if too_long:
            yield Line(number, "\n", raw, f"line is over the {max_bytes:,}-byte limit (raise it with --max-bytes)")
            first = False
            continue
        assert isinstance(raw, bytes)
        if first:
            first = False
            raw = _strip_bom(raw, encoding)
        yield decode_line(number, raw, encoding, codec)


_BOM_OF = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


def _strip_bom(raw: bytes, encoding: str) -> bytes:
    bom = _BOM_OF.get(encoding, codecs.BOM_UTF8)
    return raw[len(bom):] if raw.startswith(bom) else raw


def decode_line(number: int, raw: bytes, encoding: str, codec: str) -> Line:
    """A line decoded; a bad line keeps a best-effort text (invalid bytes replaced) so that CSV
    quoting around it still parses, and carries its ``problem``."""
    codec = "utf-8" if codec == "utf-8-sig" else codec
    if encoding in _WIDE and len(raw) % _WIDE[encoding][1]:
        return Line(number, _lenient(raw, codec), len(raw),
                    f"line is cut inside a {encoding} character (odd number of bytes)")
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as e:
        return Line(number, _lenient(raw, codec), len(raw),
                    f"line is not valid {encoding} (byte {e.start + 1}); re-save the file as UTF-8")
    except (UnicodeError, LookupError) as e:  # a codec that fails as a whole
        return Line(number, "\n", len(raw), f"line cannot be decoded as {encoding} ({e})")
    if "\x00" in text or len(_CONTROL.findall(text)) > max(4, len(text) // 10):
        return Line(number, text, len(raw), "line holds binary data (NUL or control bytes), not text")
    return Line(number, text, len(raw))


def _lenient(raw: bytes, codec: str) -> str:
    try:
        return raw.decode(codec, errors="replace")
    except (UnicodeError, LookupError):
        return "\n"


def _byte_lines(f: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | int, bool]]:
    number = 0
    while True:
        raw = f.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            size = len(raw)
            while True:  # skip the rest of the line without holding it
                rest = f.readline(_CHUNK)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, size, True
            continue
        yield number, raw, False


def _wide_lines(f: BinaryIO, sep: bytes, unit: int, max_bytes: int) -> Iterator[tuple[int, bytes | int, bool]]:
    """Lines of a UTF-16/32 stream split on the encoded newline found at ANY offset, so that a
    line cut by a byte does not misalign the rest of the file. Two neighbouring segments that are
    both not a whole number of code units are one line split inside a character pair (rejoined)."""
    number = 0
    segments = _wide_segments(f, sep, max_bytes)
    pending = None
    for seg in segments:
        if pending is None:
            pending = seg
            continue
        raw, too_long = pending
        nraw, ntoo = seg
        if (not too_long and not ntoo and isinstance(raw, bytes) and isinstance(nraw, bytes)
                and len(raw) % unit and len(nraw) % unit and (len(raw) + len(nraw)) % unit == 0
                and raw.endswith(sep) and len(raw) + len(nraw) <= max_bytes):
            pending = (raw + nraw, False)
            continue
        number += 1
        yield number, raw, too_long
        pending = seg
    if pending is not None:
        number += 1
        yield number, pending[0], pending[1]


def _wide_segments(f: BinaryIO, sep: bytes, max_bytes: int) -> Iterator[tuple[bytes | int, bool]]:
    """Byte segments each ending with ``sep`` (the last may not); over-long ones as their size."""
    buf = b""
    skipping = 0  # > 0: inside an over-long segment, bytes dropped so far
    eof = False
    while True:
        i = buf.find(sep)
        if i >= 0:
            end = i + len(sep)
            if not skipping and end > max_bytes:
                skipping = 0
                yield end, True
            elif skipping:
                yield skipping + end, True
                skipping = 0
            else:
                yield buf[:end], False
            buf = buf[end:]
            continue
        if eof:
            if buf or skipping:
                yield (skipping + len(buf), True) if skipping else (buf, False)
            return
        if len(buf) > max_bytes or skipping:
            keep = len(sep) - 1  # a separator may straddle two chunks
            skipping += max(0, len(buf) - keep)
            buf = buf[-keep:] if keep and len(buf) >= keep else buf
        chunk = f.read(_CHUNK)
        if not chunk:
            eof = True
        buf += chunk


def head_lines(head: bytes) -> bytes:
    """The head sample cut after its last newline (so it holds whole lines), if that leaves any."""
    cut = head.rfind(b"\n")
    return head[: cut + 1] if 0 < cut < len(head) - 1 else head


__all__ = ["Line", "stream_encoding", "iter_lines", "head_lines"]

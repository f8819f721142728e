"""Shared reader helpers: byte decoding with detection, binary refusal, size checks."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, InputTooLargeError

_BINARY_MAGIC = (
    b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"SQLite format 3",
    b"\xd0\xcf\x11\xe0",
)


def read_bytes(path: Path, options) -> bytes:
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            raise InputTooLargeError(
                f"file is {size:,} bytes, over the {options.max_bytes:,}-byte limit",
                where=str(path),
                hint="split it, or raise the limit with --max-bytes",
            )
        return path.read_bytes()
    except PermissionError:
        raise InputError("permission denied", where=str(path), hint="check the file's permissions") from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", where=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}", where=str(path)) from None


def decode_bytes(data: bytes, where: str, declared: str | None = None) -> str:
    """Decode text: BOMs, then UTF-8, then a declared charset, then detection; refuse binary."""
    if any(data.startswith(m) for m in _BINARY_MAGIC) or b"\x00" in data[:8192] and not data.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    ):
        raise InputError(
            "this is a binary file, not text",
            where=where,
            hint="convert it to text, HTML or JSON first, or remove it from the input",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None or best.chaos > 0.3:
        raise InputError(
            "text encoding could not be recognised (not UTF-8, and no other encoding fits)",
            where=where,
            hint="re-save the file as UTF-8",
        )
    return str(best)


def check_document_size(text: str, where: str, options) -> None:
    if len(text) > options.max_document_chars:
        raise InputTooLargeError(
            f"document has {len(text):,} characters, over the {options.max_document_chars:,}-character limit",
            where=where,
            hint="split it, or raise the limit with --max-chars",
        )

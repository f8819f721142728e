"""A seeded generator of hostile inputs for every reader (not a test module).

Each :class:`Case` is a file (name + bytes) and, when the mutation damaged exactly one record of
a multi-record file, the ids of the good records that must still come out (``must_keep``).
The same ``(seed, index)`` always gives the same case, so a finding can be replayed with
``python bench/fuzz.py --replay SEED:INDEX``.

Mutations come in two kinds:

- *targeted*: one record of a JSONL / CSV / TSV / JSON / WARC file is damaged in a known way
  (a NUL byte, an invalid UTF-8 byte, a lone surrogate escape, a huge integer, deep nesting, an
  unclosed quote, a wrong Content-Length, a header bomb, random bytes...) and every other record
  must be read;
- *blind*: random byte flips, insertions, truncations and splices of hostile snippets anywhere in
  any format (TXT, HTML, feeds too): only "no uncaught exception, no hang, bounded memory" is checked.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib
from dataclasses import dataclass, field

FORMATS = ("jsonl", "csv", "tsv", "json", "warc", "warc.gz", "html", "feed", "txt")
# formats where one damaged record must not cost the others (per-record isolation)
MULTI_RECORD = ("jsonl", "csv", "tsv", "json", "warc", "warc.gz")

WORDS = ("the minister said talks failed again on Monday while council members voted Ça été "
         "Москва заявила 北京 reported données élections über Straße — “quoted” ünïcödé").split()

HOSTILE_SNIPPETS = [
    b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\\ud800", b"\\udfff\\ud800",
    b'"', b'""', b"\r", b"\r\n\r\n", b"\n\n\n", b"\t", b"<", b">", b"&", b"&#0;", b"&#xD800;", b"&#1114112;",
    b"<body>", b"</body>", b"<html>", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<script>", b"</script>",
    b"<?xml version='1.0' encoding='undefined'?>", b'<meta charset="undefined">', b'<meta charset="rot13">',
    b"{", b"}", b"[", b"]", b"9" * 5000, b"1e999999", b"-0", b"NaN", b"Infinity",
    b"WARC/1.0\r\n", b"Content-Length: 999999999999\r\n", b"Content-Length: -5\r\n", b"\x1f\x8b\x08",
    b"HTTP/1.1 200 OK\r\n", b"Content-Type: text/html; charset=undefined\r\n",
    b"<div>" * 400, b"<b>" * 300, b"<p a=1 " + b"b=2 " * 600 + b">", "ẞ\u202e\u200b".encode(),
    "\U0001F600".encode("utf-16-le"), b"\x80\x81\x82", b"%PDF-", b"PK\x03\x04",
]


@dataclass
class Case:
    seed: int
    index: int
    fmt: str
    filename: str
    data: bytes
    mutation: str
    must_keep: set[str] = field(default_factory=set)  # ids that must be read
    max_bytes: int | None = None  # a smaller --max-bytes for this case

    @property
    def key(self) -> str:
        return f"{self.seed}:{self.index}"


def _sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _text(rng: random.Random) -> str:
    return "\n".join(_sentence(rng, rng.randint(4, 20)) for _ in range(rng.randint(1, 4)))


# -- good bases --------------------------------------------------------------------------------------


def _records(rng: random.Random, k: int) -> list[dict]:
    out = []
    for i in range(k):
        r = {"id": f"good-{i}", "text": _text(rng)}
        if rng.random() < 0.5:
            r["title"] = _sentence(rng, 5)
        if rng.random() < 0.3:
            r["published"] = rng.choice(["2024-03-05", "2024-03-05T12:00:00Z", "Tue, 05 Mar 2024 10:00:00 GMT", 1709630000])
        if rng.random() < 0.3:
            r["source"] = rng.choice(["Wire", "Herald", "Вести"])
        out.append(r)
    return out


def _csv_line(values: list[str], delim: str) -> str:
    cells = []
    for v in values:
        if any(ch in v for ch in (delim, '"', "\n", "\r")):
            v = '"' + v.replace('"', '""') + '"'
        cells.append(v)
    return delim.join(cells)


def _html(rng: random.Random, title: str, body: str, extra: str = "") -> str:
    paras = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{extra}{paras}</article>"
            "<footer>Copyright.</footer></body></html>")


def _warc(records: list[tuple[str, bytes]], gz: bool, http_headers: list[bytes] | None = None) -> list[bytes]:
    """One byte string per record (a gzip member each when ``gz``)."""
    out = []
    for i, (uri, body) in enumerate(records):
        extra = http_headers[i] if http_headers else b""
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + extra + b"\r\n" + body
        head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: " + uri.encode() +
                b"\r\nWARC-Date: 2024-03-05T10:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
                b"Content-Length: " + str(len(http)).encode() + b"\r\n\r\n")
        rec = head + http + b"\r\n\r\n"
        out.append(gzip.compress(rec, mtime=0) if gz else rec)
    return out


# -- targeted mutations (one record) -----------------------------------------------------------------


def _damage_text(rng: random.Random, s: str) -> tuple[str, str]:
    """A record's serialised text damaged in one way; returns (text, mutation name)."""
    kind = rng.choice(["nul", "control", "truncate", "garbage", "unclosed", "deep", "huge-int-raw"])
    cut = rng.randint(0, max(0, len(s) - 1))
    if kind == "nul":
        return s[:cut] + "\x00" + s[cut:], kind
    if kind == "control":
        return s[:cut] + "".join(chr(rng.randint(1, 8)) for _ in range(rng.randint(1, 40))) + s[cut:], kind
    if kind == "truncate":
        return s[:cut], kind
    if kind == "garbage":
        return "".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(1, 80))), kind
    if kind == "unclosed":
        return s[:cut] + '"' + s[cut:], kind
    if kind == "deep":
        d = rng.choice([100, 5000, 200_000])
        return '{"text": "deep", "x": ' + "[" * d + "]" * d + "}", kind
    return s[:cut] + "9" * rng.choice([4301, 6000, 50_000]) + s[cut:], kind


def _targeted_jsonl(rng: random.Random, recs: list[dict]) -> tuple[bytes, str, int]:
    lines = [json.dumps(r, ensure_ascii=rng.random() < 0.3) for r in recs]
    b = rng.randrange(len(lines))
    kind = rng.choice(["text", "surrogate", "huge-int", "bad-byte", "wrong-type", "empty-text", "utf16-cut"])
    encoding = "utf-8"
    if kind == "text":
        lines[b], kind = _damage_text(rng, lines[b])
    elif kind == "surrogate":  # kept (with U+FFFD), so nothing is lost
        lines[b] = lines[b].replace('"text": "', '"text": "\\ud800 ', 1)
        b = -1
    elif kind == "huge-int":  # kept (the number as text)
        lines[b] = lines[b][:-1] + ', "n": ' + "7" * rng.choice([4301, 20_000]) + "}"
        b = -1
    elif kind == "wrong-type":
        lines[b] = json.dumps({"id": "bad", "text": rng.choice([5, None, {"a": 1}, [1, 2], True])})
    elif kind == "empty-text":
        lines[b] = json.dumps({"id": "bad", "text": "   "})
    elif kind == "utf16-cut":
        encoding = "utf-16-le"
    data_lines = [ln.encode(encoding) for ln in lines]
    if kind == "bad-byte":
        raw = data_lines[b]
        at = rng.randrange(len(raw))
        data_lines[b] = raw[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"]) + raw[at:]
    sep = "\n".encode(encoding)
    if kind == "utf16-cut":
        raw = data_lines[b]
        at = rng.randrange(1, len(raw) - 1)
        data_lines[b] = raw[:at] + raw[at + 1:]
        return b"\xff\xfe" + sep.join(data_lines) + sep, "jsonl:" + kind, b
    return sep.join(data_lines) + sep, "jsonl:" + kind, b


def _targeted_csv(rng: random.Random, recs: list[dict], delim: str) -> tuple[bytes, str, int]:
    header = ["id", "title", "text"]
    rows = [_csv_line(header, delim)] + [_csv_line([r["id"], r.get("title", ""), r["text"]], delim) for r in recs]
    b = rng.randrange(len(recs))
    kind = rng.choice(["text", "bad-byte", "extra-field", "unclosed-quote", "nul"])
    if kind == "text":
        rows[b + 1], kind = _damage_text(rng, rows[b + 1])
        if kind in ("truncate",):
            rows[b + 1] = rows[b + 1] + delim + "x" + delim + "y"  # make sure the row is wrong
    elif kind == "extra-field":
        rows[b + 1] += delim + "surplus"
    elif kind == "unclosed-quote":
        rows[b + 1] = f'{recs[b]["id"]}{delim}"{recs[b].get("title", "")} unclosed{delim}{recs[b]["text"][:30]}'
    elif kind == "nul":
        rows[b + 1] = rows[b + 1][:5] + "\x00" + rows[b + 1][5:]
    data = [r.encode() for r in rows]
    if kind == "bad-byte":
        raw = data[b + 1]
        at = rng.randrange(len(raw))
        data[b + 1] = raw[:at] + b"\xff" + raw[at:]
    return b"\n".join(data) + b"\n", f"{'csv' if delim == ',' else 'tsv'}:{kind}", b


def _targeted_json(rng: random.Random, recs: list[dict]) -> tuple[bytes, str, int]:
    items: list = [dict(r) for r in recs]
    b = rng.randrange(len(items))
    kind = rng.choice(["wrong-type", "not-object", "empty-text", "surrogate", "huge-int", "deep-value"])
    if kind == "wrong-type":
        items[b] = {"id": "bad", "text": rng.choice([5, None, {"a": 1}, True])}
    elif kind == "not-object":
        items[b] = rng.choice([5, "text", None, [1]])
    elif kind == "empty-text":
        items[b] = {"id": "bad", "text": ""}
    text = json.dumps({"articles": items} if rng.random() < 0.5 else items)
    if kind == "surrogate":
        text = text.replace('"text": "', '"text": "\\udc80', 1)
        b = -1
    elif kind == "huge-int":
        text = text.replace('"id": "good-0"', '"id": "good-0", "n": ' + "1" * 5000, 1)
        b = -1
    elif kind == "deep-value":
        text = text.replace('"id": "good-0"', '"id": "good-0", "n": ' + "[" * 300 + "]" * 300, 1)
        b = -1
    return text.encode(), "json:" + kind, b


def _targeted_warc(rng: random.Random, recs: list[dict], gz: bool) -> tuple[bytes, str, int]:
    bodies = [(f"https://n.example/{r['id']}", _html(rng, r["id"], r["text"]).encode()) for r in recs]
    b = rng.randrange(len(bodies))
    kind = rng.choice(["length-short", "length-long", "header-bomb", "http-bomb", "many-headers", "flip",
                       "garbage-between", "truncate-member", "charset-undefined"])
    headers = None
    if kind == "charset-undefined":
        headers = [b""] * len(bodies)
        parts = _warc(bodies, gz)
        raw = _warc([bodies[b]], False)[0].replace(b"charset=utf-8", b"charset=undefined")
        parts[b] = gzip.compress(raw, mtime=0) if gz else raw
        return b"".join(parts), f"warc:{kind}", -1
    parts = _warc(bodies, False, headers)
    rec = parts[b]
    if kind in ("length-short", "length-long"):
        i = rec.index(b"Content-Length: ") + len(b"Content-Length: ")
        j = rec.index(b"\r\n", i)
        n = int(rec[i:j])
        delta = rng.choice([1, 2, 40, 500, 10**6]) * (-1 if kind == "length-short" else 1)
        rec = rec[:i] + str(max(0, n + delta)).encode() + rec[j:]
    elif kind == "header-bomb":
        rec = b"WARC/1.0\r\nWARC-Type: response\r\nX-Big: " + b"A" * rng.choice([300_000, 3_000_000]) + b"\r\n\r\n"
    elif kind == "http-bomb":
        i = rec.index(b"HTTP/1.1 200 OK\r\n") + len(b"HTTP/1.1 200 OK\r\n")
        rec = rec[:i] + b"X-Big: " + b"B" * rng.choice([300_000, 3_000_000]) + b"\r\n" + rec[i:]
    elif kind == "many-headers":
        i = rec.index(b"\r\n") + 2
        rec = rec[:i] + b"X-H: v\r\n" * rng.choice([10_000, 200_000]) + rec[i:]
    elif kind == "flip":
        rec = bytearray(rec)
        for _ in range(rng.randint(1, 20)):
            rec[rng.randrange(len(rec))] = rng.randrange(256)
        rec = bytes(rec)
    elif kind == "garbage-between":
        rec = rec + bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    elif kind == "truncate-member":
        rec = rec[: rng.randrange(1, len(rec))]
    if gz:
        members = [gzip.compress(p, mtime=0) for p in parts]
        if kind in ("header-bomb", "http-bomb") and rng.random() < 0.5:
            # a small member that decompresses to hundreds of MiB
            co = zlib.compressobj(9, zlib.DEFLATED, 31)
            prefix = rec[: rec.index(b"X-Big: ") + 7]
            chunks = [co.compress(prefix)] + [co.compress(b"A" * (1 << 20)) for _ in range(rng.choice([64, 256]))]
            members[b] = b"".join(chunks) + co.compress(b"\r\n\r\n") + co.flush()
        elif kind == "truncate-member":
            m = gzip.compress(parts[b], mtime=0)
            members[b] = m[: rng.randrange(10, len(m))]
        elif kind == "flip":
            m = bytearray(gzip.compress(parts[b], mtime=0))
            for _ in range(rng.randint(1, 5)):
                m[rng.randrange(10, len(m))] = rng.randrange(256)
            members[b] = bytes(m)
        else:
            members[b] = gzip.compress(rec, mtime=0)
        return b"".join(members), f"warc.gz:{kind}", b
    parts[b] = rec
    return b"".join(parts), f"warc:{kind}", b


# -- blind mutations (anywhere, any format) -----------------------------------------------------------


def _blind(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    data = bytearray(data)
    names = []
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(["flip", "insert", "delete", "truncate", "splice", "repeat"])
        names.append(op)
        if not data:
            data = bytearray(b" ")
        at = rng.randrange(len(data))
        if op == "flip":
            for _ in range(rng.randint(1, 16)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == "insert":
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == "delete":
            del data[at: at + rng.randint(1, 64)]
        elif op == "truncate":
            del data[at:]
        elif op == "splice":
            data[at:at] = rng.choice(HOSTILE_SNIPPETS) * rng.choice([1, 1, 1, 3, 50])
        elif op == "repeat":
            piece = bytes(data[at: at + rng.randint(1, 16)])
            data[at:at] = piece * rng.choice([10, 1000, 20_000])
    return bytes(data), "+".join(names)


def _base(rng: random.Random, fmt: str, recs: list[dict]) -> bytes:
    if fmt == "jsonl":
        return b"".join(json.dumps(r).encode() + b"\n" for r in recs)
    if fmt in ("csv", "tsv"):
        d = "," if fmt == "csv" else "\t"
        return ("\n".join([_csv_line(["id", "text"], d)] + [_csv_line([r["id"], r["text"]], d) for r in recs]) + "\n").encode()
    if fmt == "json":
        return json.dumps(recs).encode()
    if fmt in ("warc", "warc.gz"):
        return b"".join(_warc([(f"https://n.example/{r['id']}", _html(rng, r["id"], r["text"]).encode()) for r in recs],
                              fmt == "warc.gz"))
    if fmt == "html":
        r = recs[0]
        extra = rng.choice(["", "<div>" * 300 + "Deep text." + "</div>" * 300, "<body>" * 2000,
                            "<p " + " ".join(f"a{i}=1" for i in range(3000)) + ">Many attributes.</p>"])
        page = _html(rng, r.get("title", "Title"), r["text"], extra)
        return page.encode(rng.choice(["utf-8", "utf-8", "utf-16", "cp1252"]), errors="replace")
    if fmt == "feed":
        items = "".join(f"<item><title>{r['id']}</title><description><![CDATA[<p>{r['text']}</p>]]></description>"
                        f"<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>" for r in recs)
        enc = rng.choice(["utf-8", "undefined", "iso-8859-1", "utf-16"])
        return f'<?xml version="1.0" encoding="{enc}"?><rss version="2.0"><channel><title>W</title>{items}</channel></rss>'.encode(
            "utf-8")
    return ("\n\n".join(r["text"] for r in recs)).encode(rng.choice(["utf-8", "utf-16", "cp1251"]), errors="replace")


def make_case(seed: int, index: int) -> Case:
    rng = random.Random(seed * 1_000_003 + index)
    fmt = FORMATS[index % len(FORMATS)]
    recs = _records(rng, rng.randint(3, 12))
    ext = {"feed": "rss"}.get(fmt, fmt)
    filename = f"case-{seed}-{index}.{ext}"
    targeted = fmt in MULTI_RECORD and rng.random() < 0.6
    if targeted:
        if fmt == "jsonl":
            data, name, b = _targeted_jsonl(rng, recs)
        elif fmt in ("csv", "tsv"):
            data, name, b = _targeted_csv(rng, recs, "," if fmt == "csv" else "\t")
        elif fmt == "json":
            data, name, b = _targeted_json(rng, recs)
        else:
            data, name, b = _targeted_warc(rng, recs, fmt == "warc.gz")
        keep = {r["id"] for i, r in enumerate(recs) if i != b}
        return Case(seed, index, fmt, filename, data, name, keep)
    data, name = _blind(rng, _base(rng, fmt, recs))
    max_bytes = rng.choice([None, None, None, 4096, 65536])
    return Case(seed, index, fmt, filename, data, f"{fmt}:blind:{name}", set(), max_bytes)


def cases(seed: int, n: int, start: int = 0):
    for i in range(start, start + n):
        yield make_case(seed, i)


__all__ = ["Case", "FORMATS", "MULTI_RECORD", "make_case", "cases", "io"]

"""Hostile input to every reader: bounded time and memory, the project's own errors naming the
file and record, and one bad record never costing the good ones next to it (issue 17)."""

from __future__ import annotations

import gzip
import http.server
import io
import ipaddress
import json
import re
import resource
import socket
import threading
import time
import zlib

import pytest

from narrascope.document import Analysis, Document
from narrascope.errors import NetworkError
from narrascope.formats import write_analyses
from narrascope.readers import ReadOptions, read_documents
from narrascope.readers import url as url_reader

from tests.readers.readers_helpers import html_page, read_all, write_warc

N = 600


def _jsonl_records(n: int = N) -> list[str]:
    return [json.dumps({"id": f"r{i}", "text": f"Record {i}: the minister said the talks had failed. Ça va."},
                       ensure_ascii=False) for i in range(n)]


def _csv_rows(n: int = N) -> list[str]:
    return ["id,text"] + [f'c{i},"Row {i}: the council voted, then the mayor spoke. Éclair."' for i in range(n)]


def _ids(docs) -> list[str]:
    return [d.id for d in docs]


# -- per-record isolation in line-based formats -------------------------------------------------------


def test_one_nul_byte_in_a_jsonl_file_costs_only_its_line(tmp_path):
    lines = _jsonl_records()
    lines[2] = lines[2].replace("minister", "min\x00ister")
    p = tmp_path / "nul.jsonl"
    p.write_bytes(("\n".join(lines) + "\n").encode())
    docs, failures = read_all(p)
    assert len(docs) == N - 1 and "r2" not in _ids(docs)
    assert [f.where for f in failures] == [f"{p}:3"]
    assert "binary" in failures[0].message


def test_one_nul_byte_in_a_csv_file_costs_only_its_row(tmp_path):
    rows = _csv_rows()
    rows[11] = rows[11].replace("council", "coun\x00cil")
    p = tmp_path / "nul.csv"
    p.write_text("\n".join(rows) + "\n")
    docs, failures = read_all(p)
    assert len(docs) == N - 1 and "c10" not in _ids(docs)
    assert [f.where for f in failures] == [f"{p}:12"]


def test_a_file_that_is_binary_throughout_is_still_refused_as_a_whole(tmp_path):
    p = tmp_path / "blob.jsonl"
    p.write_bytes(bytes(range(256)) * 64)
    docs, failures = read_all(p)
    assert docs == [] and len(failures) == 1 and "binary file" in failures[0].message


def test_one_invalid_utf8_byte_in_a_csv_costs_only_its_row(tmp_path):
    raw = ("\n".join(_csv_rows()) + "\n").encode()
    at = raw.index(b"Row 300:")
    p = tmp_path / "bad.csv"
    p.write_bytes(raw[:at] + b"\xff" + raw[at:])
    docs, failures = read_all(p)
    assert len(docs) == N - 1 and "c300" not in _ids(docs)
    assert [f.where for f in failures] == [f"{p}:302"]
    assert "not valid utf-8" in failures[0].message
    assert all("\ufffd" not in d.text for d in docs)


@pytest.mark.parametrize("bad", ['c9,"an unclosed quote runs on', 'c9,"closes" too "soon and opens again'])
def test_an_unclosed_csv_quote_costs_only_its_row(tmp_path, bad):
    rows = _csv_rows()
    rows[10] = bad
    p = tmp_path / "quote.csv"
    p.write_text("\n".join(rows) + "\n")
    docs, failures = read_all(p)
    ids = _ids(docs)
    assert [f"c{i}" for i in range(N) if i != 9] == [i for i in ids if i != "c9"]
    assert all(f.where == f"{p}:11" for f in failures)


def test_an_unclosed_quote_on_the_last_row_is_reported(tmp_path):
    rows = _csv_rows(5) + ['c5,"never closed', "and a second line"]
    p = tmp_path / "tail.csv"
    p.write_text("\n".join(rows) + "\n")
    docs, failures = read_all(p)
    assert _ids(docs)[:5] == [f"c{i}" for i in range(5)]
    assert failures and failures[0].where == f"{p}:7" and "never closed" in failures[0].message


def test_a_utf16_jsonl_line_cut_by_one_byte_costs_only_that_line(tmp_path):
    raw = ("\n".join(_jsonl_records()) + "\n").encode("utf-16-le")
    at = raw.index("Record 10:".encode("utf-16-le"))
    p = tmp_path / "cut16.jsonl"
    p.write_bytes(b"\xff\xfe" + raw[: at + 3] + raw[at + 4 :])
    docs, failures = read_all(p)
    assert len(docs) == N - 1 and "r10" not in _ids(docs)
    assert [f.where for f in failures] == [f"{p}:11"]
    assert "cut inside" in failures[0].message


def test_lone_surrogates_are_replaced_and_said_so_huge_integers_kept_as_text(tmp_path):
    lines = _jsonl_records(4)
    lines[1] = '{"id": "s", "text": "Lone \\ud800 surrogate in the body.", "source": "Wire \\udc00"}'
    lines[2] = '{"id": "big", "text": "A record with a huge number.", "views": ' + "9" * 5000 + "}"
    lines[3] = '{"id": ' + "7" * 4400 + ', "text": "The id is a huge number."}'
    p = tmp_path / "odd.jsonl"
    p.write_text("\n".join(lines) + "\n")
    docs, failures = read_all(p)
    assert failures == []
    by = {d.id: d for d in docs}
    s = by["s"]
    assert s.text == "Lone \ufffd surrogate in the body." and s.source == "Wire \ufffd"
    assert s.meta["read_warnings"] == ["2 lone UTF-16 surrogate(s) replaced with U+FFFD"]
    assert "big" in by and "7" * 4400 in by


def test_a_huge_integer_in_a_json_file_is_no_crash(tmp_path):
    p = tmp_path / "big.json"
    p.write_text('[{"text": "First article.", "n": ' + "1" * 5000 + '}, {"text": "Second article."}]')
    docs, failures = read_all(p)
    assert [d.text for d in docs] == ["First article.", "Second article."] and failures == []


def test_deeply_nested_jsonl_line_is_a_failure_for_that_line(tmp_path):
    lines = _jsonl_records(3)
    lines[1] = '{"text": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    p = tmp_path / "deep.jsonl"
    p.write_text("\n".join(lines) + "\n")
    docs, failures = read_all(p)
    assert _ids(docs) == ["r0", "r2"] and [f.where for f in failures] == [f"{p}:2"]


# -- HTML --------------------------------------------------------------------------------------------


def test_charset_undefined_is_ignored_not_a_crash(tmp_path):
    p = tmp_path / "undefined.html"
    p.write_bytes('<html><head><meta charset="undefined"><title>T</title></head><body><p>Café au lait for '
                  'everyone, the minister said on Tuesday.</p></body></html>'.encode("utf-8"))
    (doc,) = read_documents(str(p))
    assert "Café au lait" in doc.text


def test_a_feed_declaring_an_undefined_encoding_is_read(tmp_path):
    p = tmp_path / "f.rss"
    p.write_bytes(b'<?xml version="1.0" encoding="undefined"?><rss version="2.0"><channel><title>W</title>'
                  b"<item><title>A</title><description>Body of the first entry.</description></item>"
                  b"</channel></rss>")
    docs, failures = read_all(p)
    assert [d.text for d in docs] == ["A\n\nBody of the first entry."] and failures == []


def test_many_attributes_on_one_element_are_capped_fast_and_the_text_kept(tmp_path):
    attrs = " ".join(f'a{i}="v"' for i in range(32_000))
    p = tmp_path / "attrs.html"
    p.write_text(f"<html><body><p {attrs}>The article text is still here.</p></body></html>")
    t0 = time.monotonic()
    (doc,) = read_documents(str(p))
    assert time.monotonic() - t0 < 8
    assert "The article text is still here." in doc.text
    assert any("attributes" in w for w in doc.meta["read_warnings"])


def test_html_nested_thousands_deep_keeps_the_text_below(tmp_path):
    p = tmp_path / "deep.html"
    p.write_text("<html><body>" + "<div>" * 3000 + "Deep text that must be kept. It is the article."
                 + "</div>" * 3000 + "</body></html>")
    (doc,) = read_documents(str(p))
    assert "Deep text that must be kept." in doc.text


def test_many_body_tags_do_not_make_the_fallback_quadratic(tmp_path):
    from narrascope.readers.html import _body_part, _fallback_text

    page = "<html><body>" + "<body>x " * 50_000
    t0 = time.monotonic()
    _body_part(page)
    _fallback_text(page)
    assert time.monotonic() - t0 < 5


def test_a_parser_crash_on_mangled_markup_falls_back_to_the_plain_text(tmp_path, monkeypatch):
    import trafilatura

    def boom(*a, **k):
        raise AssertionError("lxml internal assertion")

    monkeypatch.setattr(trafilatura, "bare_extraction", boom)
    p = tmp_path / "mangled.html"
    p.write_text(html_page("Mangled", ["The body of the mangled page is still read."]))
    (doc,) = read_documents(str(p))
    assert "The body of the mangled page is still read." in doc.text
    assert any("AssertionError" in w for w in doc.meta["read_warnings"])


# -- WARC --------------------------------------------------------------------------------------------


def _warc_records(k: int = 5) -> list[dict]:
    return [{"uri": f"https://n.example/{i}",
             "body": html_page(f"Title {i}", [f"Item {i}: the minister said the talks failed."] * 3).encode()}
            for i in range(k)]


def _members(data: bytes) -> list[bytes]:
    starts = [m.start() for m in re.finditer(rb"\x1f\x8b\x08", data)] + [len(data)]
    return [data[a:b] for a, b in zip(starts, starts[1:])]


def _gzip_bomb(prefix: bytes, mib: int, suffix: bytes) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [co.compress(prefix)]
    block = b"A" * (1 << 20)
    out += [co.compress(block) for _ in range(mib)]
    out += [co.compress(suffix), co.flush()]
    return b"".join(out)


@pytest.mark.parametrize("where", ["warc", "http"])
def test_a_gzip_bomb_header_line_is_cut_off_while_decompressing(tmp_path, where):
    ok = tmp_path / "ok.warc.gz"
    write_warc(ok, _warc_records(), gzip=True)
    members = _members(ok.read_bytes())
    if where == "warc":
        bomb = _gzip_bomb(b"WARC/1.0\r\nWARC-Type: response\r\nX-Big: ", 512, b"\r\n\r\n")
    else:
        head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://n.example/bomb\r\n"
                b"Content-Type: application/http; msgtype=response\r\nContent-Length: 3000000000\r\n\r\n"
                b"HTTP/1.1 200 OK\r\nX-Big: ")
        bomb = _gzip_bomb(head, 512, b"\r\n\r\n")
    p = tmp_path / "bomb.warc.gz"
    p.write_bytes(b"".join(members[:2]) + bomb + b"".join(members[2:]))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    docs, failures = read_all(p)
    assert time.monotonic() - t0 < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0 < 200 * 1024  # KiB: < 200 MB more
    assert [d.title for d in docs] == [f"Title {i}" for i in range(5)]
    assert [f.where for f in failures] == [f"{p} record 3"]
    assert "reading resumed" in failures[0].message


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
@pytest.mark.parametrize("delta", [-40, 40])
def test_a_wrong_content_length_costs_at_most_its_own_record(tmp_path, gz, delta):
    ok = tmp_path / "ok.warc"
    write_warc(ok, _warc_records(), gzip=False)
    data = ok.read_bytes()
    starts = [m.start() for m in re.finditer(rb"WARC/1\.0\r\n", data)] + [len(data)]
    recs = [data[a:b] for a, b in zip(starts, starts[1:])]
    m = re.search(rb"Content-Length: (\d+)", recs[2])
    recs[2] = recs[2][: m.start(1)] + str(int(m.group(1)) + delta).encode() + recs[2][m.end(1):]
    p = tmp_path / ("cl.warc.gz" if gz else "cl.warc")
    p.write_bytes(b"".join(gzip.compress(r) for r in recs) if gz else b"".join(recs))
    docs, failures = read_all(p)
    titles = [d.title for d in docs]
    assert [t for t in titles if t != "Title 2"] == ["Title 0", "Title 1", "Title 3", "Title 4"]
    assert [f.where for f in failures] == [f"{p} record 3"]


# -- URL: one deadline for the whole fetch ---------------------------------------------------------


class _Drip(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        try:
            if self.path == "/drip-body":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(200):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            elif self.path == "/drip-headers":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for i in range(200):
                    self.wfile.write(b"X-H%d: v\r\n" % i)
                    self.wfile.flush()
                    time.sleep(0.05)
            elif self.path == "/drip-chunks":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(200):
                    self.wfile.write(b"1\r\nx\r\n")
                    self.wfile.flush()
                    time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def drip_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers", "/drip-chunks"])
def test_the_timeout_bounds_the_whole_fetch_even_when_the_server_drips(drip_server, path):
    t0 = time.monotonic()
    with pytest.raises(NetworkError, match="timed out after 1 s"):
        read_documents(drip_server + path, ReadOptions(allow_private_network=True, timeout=1.0))
    assert time.monotonic() - t0 < 3


# -- SSRF: IPv6 addresses that carry a private IPv4 address --------------------------------------------


@pytest.mark.parametrize("address, kind", [
    ("2002:7f00:1::1", "6to4 (embedding the loopback IPv4 address 127.0.0.1)"),
    ("2002:a9fe:a9fe::1", "6to4 (embedding the link-local IPv4 address 169.254.169.254)"),
    ("2002:c0a8:0101::1", "6to4 (embedding the private IPv4 address 192.168.1.1)"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo (embedding the loopback IPv4 address 127.0.0.1)"),
    ("64:ff9b::a9fe:a9fe", "NAT64 (embedding the link-local IPv4 address 169.254.169.254)"),
    ("::127.0.0.1", "IPv4-compatible (embedding the loopback IPv4 address 127.0.0.1)"),
    ("::ffff:10.0.0.1", "private"),
])
def test_ipv6_addresses_embedding_private_ipv4_are_refused(address, kind):
    assert url_reader.address_refusal(ipaddress.ip_address(address)) == kind


def test_public_addresses_and_6to4_of_a_public_ipv4_are_allowed():
    for address in ("2002:0808:0808::1", "2606:4700::1111", "8.8.8.8"):
        assert url_reader.address_refusal(ipaddress.ip_address(address)) is None


def test_a_6to4_url_is_refused_before_any_connection(monkeypatch):
    def no_connect(*a, **k):
        raise AssertionError("must not connect")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    with pytest.raises(NetworkError, match=r"refused to fetch 2002:7f00:1::1: it is a 6to4 \(embedding the loopback"):
        read_documents("http://[2002:7f00:1::1]/", ReadOptions(timeout=2.0))


# -- writers -----------------------------------------------------------------------------------------


def _analyses() -> list[Analysis]:
    good = Document.create("A clean article body.", id="good1", source="Wire")
    bad = Document.create("Text with a lone \ud800 surrogate.", id="bad", source="Bad \udc00 source")
    last = Document.create("Another clean article.", id="good2")
    return [Analysis(document=d) for d in (good, bad, last)]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_a_surrogate_in_one_analysis_does_not_lose_the_output(tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    failures: list = []
    with open(out, "w", encoding="utf-8") as fh:
        n = write_analyses(_analyses(), fmt, fh, failures)
    assert n == 3
    text = out.read_text(encoding="utf-8")
    assert "good1" in text and "good2" in text and "\ufffd" in text
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        bad = rows[1]
        assert bad["document"]["text"] == "Text with a lone \ufffd surrogate."
        assert any("surrogate" in w for w in bad["warnings"])


def test_an_unwritable_value_costs_only_its_analysis(tmp_path):
    analyses = _analyses()
    analyses[1].data["odd"] = object()
    failures: list = []
    buf = io.StringIO()
    assert write_analyses(analyses, "jsonl", buf, failures) == 2
    assert [f.stage for f in failures] == ["write"]


def test_a_long_run_of_dots_does_not_make_sentence_splitting_quadratic(tmp_path):
    p = tmp_path / "dots.txt"
    p.write_text("Title\n\nIt began" + "." * 300_000 + "x and went on. Then it ended.")
    t0 = time.monotonic()
    (doc,) = read_documents(str(p))
    assert time.monotonic() - t0 < 5
    assert doc.sentences


def test_a_stray_byte_in_a_small_utf8_jsonl_costs_only_its_line(tmp_path):
    lines = [json.dumps({"id": f"r{i}", "text": f"Москва и Київ, запись {i}."}, ensure_ascii=False) for i in range(3)]
    raw = [ln.encode() for ln in lines]
    raw[1] = raw[1][:20] + b"\xff" + raw[1][20:]
    p = tmp_path / "small.jsonl"
    p.write_bytes(b"\n".join(raw) + b"\n")
    docs, failures = read_all(p)
    assert _ids(docs) == ["r0", "r2"] and [f.where for f in failures] == [f"{p}:2"]


def test_warc_oddities_are_reported_by_us_not_printed_by_the_library(tmp_path, capfd):
    ok = tmp_path / "ok.warc.gz"
    write_warc(ok, _warc_records(3), gzip=True)
    members = _members(ok.read_bytes())
    corrupt = bytearray(members[1])
    for i in range(20, len(corrupt) - 10, 7):
        corrupt[i] ^= 0x55
    p = tmp_path / "odd.warc.gz"
    p.write_bytes(members[0] + bytes(corrupt) + members[2])
    docs, failures = read_all(p)
    assert [d.title for d in docs] == ["Title 0", "Title 2"]
    assert [f.where for f in failures] == [f"{p} record 2"]
    assert capfd.readouterr().err == ""

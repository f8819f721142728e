"""WARC archives (generated with warcio into tmp_path) and http(s) URLs (a real server on 127.0.0.1)."""

from __future__ import annotations

import gzip
import http.server
import ipaddress
import threading
import time

import pytest

from narrascope.errors import InputError, InputTooLargeError, NetworkError
from narrascope.readers import ReadOptions, read_documents
from narrascope.readers import url as url_reader

from tests.readers.readers_helpers import FIX, assert_offsets_consistent, html_page, read_all, write_warc

ARTICLES = [
    ("Council delays vote on tram line", ["The city council postponed its vote on the new tram line for a third time on Tuesday.",
                                          "Supporters accused the mayor of stalling to avoid a defeat before the election."]),
    ("Hospital opens night clinic", ["The general hospital opened a night clinic for minor injuries on Monday.",
                                     "Staff said the first night brought forty patients through the door."]),
    ("Drought hits olive harvest", ["Olive growers in the south expect half a normal harvest after the driest spring on record.",
                                    "Prices for oil have already risen by a fifth in local markets."]),
]


def _records():
    recs = []
    for i, (title, paras) in enumerate(ARTICLES):
        recs.append({"rec_type": "request", "uri": f"https://news.example/{i}"})
        recs.append({"uri": f"https://news.example/{i}", "body": html_page(title, paras).encode("utf-8")})
    recs.insert(2, {"uri": "https://news.example/missing", "status": 404, "body": html_page("Not found", ["Gone."]).encode()})
    recs.insert(3, {"uri": "https://news.example/logo.png", "content_type": "image/png", "body": b"\x89PNG\r\n\x1a\n" + b"\x00" * 50})
    recs.append({"rec_type": "metadata", "uri": "https://news.example/2", "body": b"fetchTimeMs: 12"})
    return recs


@pytest.fixture(params=[False, True], ids=["warc", "warc.gz"])
def warc_file(request, tmp_path):
    path = tmp_path / ("crawl.warc.gz" if request.param else "crawl.warc")
    write_warc(path, _records(), gzip=request.param)
    return path


# -- WARC ------------------------------------------------------------------------------------------


def test_warc_html_200_responses_become_documents_with_the_target_uri(warc_file):
    docs, failures = read_all(warc_file)
    assert failures == []
    assert [d.title for d in docs] == [t for t, _ in ARTICLES]
    assert [d.url for d in docs] == ["https://news.example/0", "https://news.example/1", "https://news.example/2"]
    assert all(d.source == "news.example" for d in docs)
    first = docs[0]
    assert first.text == "Council delays vote on tram line\n\n" + "\n".join(ARTICLES[0][1])
    assert "Home" not in first.text and "Copyright" not in first.text
    assert first.meta["where"] == f"{warc_file} record 2"
    for d in docs:
        assert_offsets_consistent(d)


def test_warc_charset_from_the_http_header(tmp_path):
    path = tmp_path / "ru.warc.gz"
    page = html_page("Тариф на воду", ["Депутаты утвердили повышение тарифа на воду на двенадцать процентов."] * 3, charset="x")
    write_warc(path, [{"uri": "https://ru.example/a", "content_type": "text/html; charset=windows-1251",
                       "body": page.replace('<meta charset="x">', "").encode("cp1251")}], gzip=True)
    (doc,) = read_documents(str(path))
    assert doc.title == "Тариф на воду" and "Депутаты утвердили" in doc.text


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_truncated_warc_yields_what_was_readable_then_a_failure_naming_the_record(tmp_path, gz):
    full = tmp_path / ("full.warc.gz" if gz else "full.warc")
    write_warc(full, _records(), gzip=gz)
    data = full.read_bytes()
    cut = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    cut.write_bytes(data[: int(len(data) * 0.7)])
    docs, failures = read_all(cut)
    assert 1 <= len(docs) < 3
    assert [d.title for d in docs] == [t for t, _ in ARTICLES[: len(docs)]]
    assert len(failures) == 1
    f = failures[0]
    assert f.where.startswith(f"{cut} record ")
    n = int(f.where.rsplit(" ", 1)[1])
    assert n > int(docs[-1].meta["where"].rsplit(" ", 1)[1])
    assert f"the archive is truncated or corrupt at record {n}" in f.message
    assert "the records before it were read" in f.message


def test_warc_cut_inside_the_record_headers_is_reported(tmp_path):
    full = tmp_path / "full.warc"
    write_warc(full, _records(), gzip=False)
    data = full.read_bytes()
    second = data.index(b"WARC/1.0", 10)
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[: second + 30])
    docs, failures = read_all(cut)
    assert docs == []
    assert [f.where for f in failures] == [f"{cut} record 2"]
    assert "truncated or corrupt at record 2" in failures[0].message


def test_a_file_that_is_not_a_warc_is_refused(tmp_path):
    p = tmp_path / "fake.warc"
    p.write_text("This is not an archive.\n")
    with pytest.raises(InputError) as e:
        read_documents(str(p))
    assert e.value.where == str(p)
    assert e.value.message.startswith("not a WARC file")
    assert "WARC/1.0" in e.value.hint


def test_warc_without_html_responses_says_so(tmp_path):
    p = tmp_path / "images.warc.gz"
    write_warc(p, [{"uri": "https://x.example/a.png", "content_type": "image/png", "body": b"\x89PNG\r\n"}], gzip=True)
    with pytest.raises(InputError, match=r"the archive has 1 record\(s\) but no HTML response with status 200"):
        read_documents(str(p))


def test_warc_record_over_max_bytes_is_skipped_with_a_failure(tmp_path):
    p = tmp_path / "big.warc.gz"
    small = html_page("Small", ["A small article body that fits."] * 2).encode()
    big = html_page("Big", ["A very long paragraph of words. " * 200]).encode()
    write_warc(p, [{"uri": "https://x.example/big", "body": big}, {"uri": "https://x.example/small", "body": small}], gzip=True)
    docs, failures = read_all(p, max_bytes=len(small) + 10)
    assert [d.url for d in docs] == ["https://x.example/small"]
    assert [(f.where, f.message) for f in failures] == [
        (f"{p} record 1", f"record payload is over the {len(small) + 10:,}-byte limit; skipped (raise the limit with --max-bytes)")
    ]


def test_warc_is_streamed_record_by_record(tmp_path):
    """The first document is produced before the rest of the archive is read."""
    p = tmp_path / "many.warc.gz"
    recs = [{"uri": f"https://x.example/{i}", "body": html_page(f"Story {i}", [f"Body of story number {i}, long enough."] * 2).encode()}
            for i in range(200)]
    write_warc(p, recs, gzip=True)
    from narrascope.readers import read_source

    opened = []
    real_open = open

    def spy_open(*a, **k):
        f = real_open(*a, **k)
        opened.append(f)
        return f

    import narrascope.readers._common as common

    common.open = spy_open  # type: ignore[attr-defined]
    try:
        gen = read_source(p, ReadOptions())
        first = next(gen)
        assert first.url == "https://x.example/0"
        assert opened and opened[0].tell() < p.stat().st_size / 4
        gen.close()
    finally:
        del common.open


# -- URLs ------------------------------------------------------------------------------------------

RSS = (FIX / "feed-rss.xml").read_bytes()
PAGE = (FIX / "page.html").read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status, body=b"", ctype="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server API
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on purpose (size cap, timeout)
            pass

    def _route(self):
        _Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/article":
            self._send(200, PAGE)
        elif path == "/feed":
            self._send(200, RSS, "application/rss+xml")
        elif path == "/feed-as-xml":
            self._send(200, RSS, "text/xml")
        elif path == "/text":
            self._send(200, "Plain title\n\nPlain body sentence one. Sentence two.".encode(), "text/plain; charset=utf-8")
        elif path == "/redirect":
            self._send(302, b"", headers=[("Location", "/article")])
        elif path == "/redirect-private":
            self._send(302, b"", headers=[("Location", f"http://127.0.0.2:{self.server.server_port}/article")])
        elif path == "/redirect-file":
            self._send(302, b"", headers=[("Location", "file:///etc/passwd")])
        elif path == "/loop":
            self._send(302, b"", headers=[("Location", "/loop")])
        elif path == "/missing":
            self._send(404, b"not here", "text/plain")
        elif path == "/png":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        elif path == "/big-announced":
            self._send(200, b"<p>" + b"x" * 5000 + b"</p>")
        elif path == "/big-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(50):
                chunk = b"<p>" + b"y" * 1000 + b"</p>"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/gzip":
            self._send(200, gzip.compress(PAGE), headers=[("Content-Encoding", "gzip")])
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, PAGE)
        else:
            self._send(404, b"")


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


LOCAL = dict(allow_private_network=True, timeout=5.0)


def test_url_html_page_is_fetched_with_a_user_agent_and_extracted(server):
    docs, failures = read_all(f"{server}/article", **LOCAL)
    assert failures == []
    (doc,) = docs
    assert doc.title == "Tenants say landlord ignored mould for years"
    assert doc.url == f"{server}/article"
    assert doc.meta["canonical_url"] == "https://riverside-courier.example/housing/mould-complaints"
    assert doc.published == "2024-03-05T12:30:00Z"
    assert "Subscribe now" not in doc.text
    assert _Handler.seen_agents[-1].startswith("Narrascope/")


def test_url_feed_is_dispatched_by_content_type(server):
    for path in ("/feed", "/feed-as-xml"):
        docs, failures = read_all(f"{server}{path}", **LOCAL)
        assert [d.title for d in docs] == ["Budget row deepens as minister walks out",
                                           "Hospital waiting lists fall for the first time in a year"]
        assert [f.where for f in failures] == [f"{server}{path} entry 3"]


def test_url_plain_text_redirect_and_gzip(server):
    (doc,) = read_documents(f"{server}/text", ReadOptions(**LOCAL))
    assert doc.title == "Plain title"
    (doc,) = read_documents(f"{server}/redirect", ReadOptions(**LOCAL))
    assert doc.url == f"{server}/article"
    assert doc.meta["where"] == f"{server}/redirect"
    (doc,) = read_documents(f"{server}/gzip", ReadOptions(**LOCAL))
    assert doc.title == "Tenants say landlord ignored mould for years"


def test_url_loopback_is_refused_without_the_flag_and_says_which_flag(server):
    for url in (f"{server}/article", server.replace("127.0.0.1", "localhost") + "/article"):
        with pytest.raises(NetworkError) as e:
            read_documents(url, ReadOptions(timeout=5.0))
        assert e.value.where == url
        assert "loopback address" in e.value.message
        assert "--allow-private-network" in e.value.hint
    before = len(_Handler.seen_agents)
    with pytest.raises(NetworkError):
        read_documents(f"{server}/article")
    assert len(_Handler.seen_agents) == before  # refused before any request was sent


def test_url_redirect_to_a_private_address_is_refused(server, monkeypatch):
    # allow this test server's address only, so that the redirect target is what gets checked
    real = url_reader.address_refusal
    monkeypatch.setattr(url_reader, "address_refusal", lambda ip: None if str(ip) == "127.0.0.1" else real(ip))
    opts = ReadOptions(timeout=5.0)
    (doc,) = read_documents(f"{server}/article", opts)  # the server itself is allowed now
    with pytest.raises(NetworkError) as e:
        read_documents(f"{server}/redirect-private", opts)
    assert e.value.message == "refused to fetch 127.0.0.2: it is a loopback address"
    assert "--allow-private-network" in e.value.hint


def test_url_redirect_to_another_scheme_and_redirect_loops_are_refused(server):
    with pytest.raises(NetworkError, match="refused to follow a redirect to a file URL"):
        read_documents(f"{server}/redirect-file", ReadOptions(**LOCAL))
    with pytest.raises(NetworkError, match="too many redirects"):
        read_documents(f"{server}/loop", ReadOptions(**LOCAL))


def test_url_size_cap_is_enforced_announced_and_while_streaming(server):
    with pytest.raises(InputTooLargeError, match="the server announces 5,007 bytes, over the 2,000-byte limit"):
        read_documents(f"{server}/big-announced", ReadOptions(max_bytes=2000, **LOCAL))
    with pytest.raises(InputTooLargeError, match="the download is over the 2,000-byte limit"):
        read_documents(f"{server}/big-chunked", ReadOptions(max_bytes=2000, **LOCAL))


def test_url_timeout(server):
    t0 = time.monotonic()
    with pytest.raises(NetworkError, match=r"timed out after 0.5 s") as e:
        read_documents(f"{server}/slow", ReadOptions(allow_private_network=True, timeout=0.5))
    assert time.monotonic() - t0 < 1.4
    assert "--timeout" in e.value.hint


def test_url_http_errors_and_non_text_content(server):
    with pytest.raises(NetworkError, match="the server answered HTTP 404 Not Found"):
        read_documents(f"{server}/missing", ReadOptions(**LOCAL))
    with pytest.raises(InputError, match="this is a binary file|not HTML, a feed or text"):
        read_documents(f"{server}/png", ReadOptions(**LOCAL))


def test_url_connection_refused_is_a_network_error(server):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(NetworkError, match="cannot fetch") as e:
        read_documents(f"http://127.0.0.1:{port}/", ReadOptions(**LOCAL))
    assert e.value.where == f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(
    "ip, why",
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"), ("192.168.0.10", "private"), ("172.16.5.4", "private"), ("fd00::1", "private"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"), ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("8.8.8.8", None), ("2001:4860:4860::8888", None), ("93.184.216.34", None),
    ],
)
def test_address_policy(ip, why):
    assert url_reader.address_refusal(ipaddress.ip_address(ip)) == why

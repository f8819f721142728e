"""A real HTTP server on 127.0.0.1 serving feeds and pages that tests change between polls.

``FeedServer.set(path, body, content_type)`` publishes (or replaces) a resource; a resource's ETag
is a hash of its body and ``If-None-Match`` with that ETag gets ``304 Not Modified``;
``Last-Modified`` is sent too. ``set_status(path, code)`` makes a path fail. Every request is
counted in ``hits[path]`` and every 304 in ``not_modified[path]``; webhook POSTs are kept in
``posts``.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
from collections import Counter
from email.utils import formatdate
from xml.sax.saxutils import escape


class FeedServer:
    def __init__(self):
        self.resources: dict[str, tuple[bytes, str, str]] = {}
        self.statuses: dict[str, int] = {}
        self.hits: Counter = Counter()
        self.not_modified: Counter = Counter()
        self.posts: list[tuple[str, dict]] = []
        self.post_status = 200
        self.delay = 0.0
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path
                with server.lock:
                    server.hits[path] += 1
                    res = server.resources.get(path)
                    status = server.statuses.get(path)
                if server.delay:
                    time.sleep(server.delay)
                if status:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if res is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype, etag = res
                if self.headers.get("If-None-Match") == etag:
                    with server.lock:
                        server.not_modified[path] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(usegmt=True))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n)
                with server.lock:
                    server.posts.append((self.path, json.loads(data.decode("utf-8"))))
                self.send_response(server.post_status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def set(self, path: str, body: str | bytes, content_type: str = "application/rss+xml; charset=utf-8") -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        with self.lock:
            self.resources[path] = (data, content_type, etag)
            self.statuses.pop(path, None)
        return self.url + path

    def set_status(self, path: str, status: int) -> str:
        with self.lock:
            self.statuses[path] = status
        return self.url + path


def rss(title: str, items: list[dict]) -> str:
    """An RSS 2.0 feed. Item keys: guid, title, link, date (RFC 822 or ISO), content (full, HTML),
    summary (description)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
           f"<title>{escape(title)}</title><link>https://news.example/</link><description>test feed</description>"]
    for it in items:
        out.append("<item>")
        for tag, key in (("guid", "guid"), ("title", "title"), ("link", "link"), ("pubDate", "date")):
            if it.get(key):
                out.append(f"<{tag}>{escape(str(it[key]))}</{tag}>")
        if it.get("summary"):
            out.append(f"<description>{escape(it['summary'])}</description>")
        if it.get("content"):
            out.append(f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out)


def article_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>{escape(title)}</title></head><body>"
            f"<nav>Home | World | Sport</nav><article><h1>{escape(title)}</h1>{body}</article>"
            f"<footer>Copyright News Example</footer></body></html>")

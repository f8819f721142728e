"""Helpers shared by the reader tests (not a test module)."""

from __future__ import annotations

import io
from pathlib import Path

from narrascope.document import Document
from narrascope.errors import Failure
from narrascope.readers import ReadOptions, iter_documents

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def read_all(*sources, **options) -> tuple[list[Document], list[Failure]]:
    """Every document and every failure from ``sources`` (reading goes on past failures)."""
    failures: list[Failure] = []
    docs = list(iter_documents([str(s) for s in sources], ReadOptions(**options), on_failure=failures.append))
    return docs, failures


def assert_offsets_consistent(doc: Document) -> None:
    """Paragraphs and sentences lie inside the text, in order, trimmed; the title leads the text."""
    n = len(doc.text)
    prev = 0
    for s, e in doc.paragraphs:
        assert prev <= s < e <= n
        assert doc.text[s:e] == doc.text[s:e].strip()
        prev = e
    prev = 0
    for s, e in doc.sentences:
        assert prev <= s < e <= n
        assert doc.text[s:e].strip() == doc.text[s:e]
        prev = e
    if doc.title:
        assert doc.text.startswith(doc.title)


def html_page(title: str, paragraphs: list[str], *, charset: str = "utf-8", extra_head: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>{extra_head}</head>'
        f"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright Example Media. Terms of use.</footer></body></html>"
    )


def write_warc(path: Path, records: list[dict], *, gzip: bool) -> None:
    """Write a WARC with warcio. Each record: uri, body (bytes), status, content_type, rec_type."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip)
        for r in records:
            rec_type = r.get("rec_type", "response")
            if rec_type == "response":
                headers = StatusAndHeaders(
                    f"{r.get('status', 200)} {'OK' if r.get('status', 200) == 200 else 'Not Found'}",
                    [("Content-Type", r.get("content_type", "text/html; charset=utf-8"))],
                    protocol="HTTP/1.1",
                )
                rec = writer.create_warc_record(r["uri"], "response", payload=io.BytesIO(r["body"]), http_headers=headers)
            elif rec_type == "request":
                headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example")], is_http_request=True)
                rec = writer.create_warc_record(r["uri"], "request", payload=io.BytesIO(b""), http_headers=headers)
            else:
                rec = writer.create_warc_record(
                    r["uri"], rec_type, payload=io.BytesIO(r.get("body", b"")), warc_content_type="text/plain"
                )
            writer.write_record(rec)

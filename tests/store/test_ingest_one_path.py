"""One ingest path: every route that stores analyses made elsewhere keeps the text as sent and
checks every span (flat, label evidence, inside ``data``) against it."""

from __future__ import annotations

import json

import httpx
import pytest

from narrascope.api import create_app
from narrascope.document import Analysis, Document, Label, analysis_from_record, iter_data_spans, span_dict
from narrascope.errors import InputError
from narrascope.store import open_store
from narrascope.store.ingest import ingest_analyses

from tests._live_server import live_server

TOKEN = "ingest-token-11"
# CRLF line ends and a title that is NOT at the start of the text: Document.create would turn the
# CRLFs into LFs and prepend the title, shifting every offset.
TEXT = "Talks resume\r\n\r\nKremlin spokesman Dmitry Peskov said on Monday that talks would resume.\r\nNo date was set."
TITLE = "Geneva: peace talks to resume"


def crlf_analysis() -> dict:
    doc = Document(id="crlf-1", text=TEXT, title=TITLE, source="Wire", sentences=((16, 87), (89, len(TEXT))))
    a = Analysis(document=doc)
    start = TEXT.index("Peskov")
    a.spans.append(a.span(start, start + len("Peskov"), "Protagonist", "entities"))
    s0, e0 = doc.sentences[0]
    a.add_labels("narratives", [Label("URW: Talks", 0.9, "narratives", [a.span(s0, e0, "URW: Talks", "narratives")])])
    a.data["entities"] = [{"id": "E1", "name": "Dmitry Peskov",
                           "mentions": [span_dict(TEXT, TEXT.index("Dmitry"), start + len("Peskov"))]}]
    a.versions["entities"] = "test"
    return a.to_dict()


def every_span(d: dict):
    yield from d["spans"]
    for labs in d["labels"].values():
        for lab in labs:
            yield from lab["evidence"]
    for _, s in iter_data_spans(d["data"]):
        yield s


def test_post_documents_keeps_crlf_text_and_title_so_every_span_still_covers_its_text(tmp_path):
    sent = crlf_analysis()
    assert "\r\n" in sent["document"]["text"] and not sent["document"]["text"].startswith(TITLE)
    app = create_app(str(tmp_path / "c.db"), token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with live_server(app) as url, httpx.Client(base_url=url, timeout=20) as c:
        r = c.post("/documents", json={"analyses": [sent]}, headers=auth)
        assert r.status_code == 201, r.text
        assert r.json()["ids"] == ["crlf-1"]
        got = c.get("/documents/crlf-1").json()
    text = got["document"]["text"]
    assert text == TEXT and got["document"]["title"] == TITLE
    spans = list(every_span(got))
    assert len(spans) == 3  # flat, label evidence, data mention
    for s in spans:
        assert text[s["start"] : s["end"]] == s["text"]
    assert [s["text"] for s in got["spans"]] == ["Peskov"]


def test_post_documents_rejects_a_span_whose_text_does_not_match_its_offsets(tmp_path):
    bad = crlf_analysis()
    bad["data"]["entities"][0]["mentions"][0]["start"] += 1  # "mitry Peskov" != "Dmitry Peskov"
    app = create_app(str(tmp_path / "c.db"), token=TOKEN)
    with live_server(app) as url:
        r = httpx.post(f"{url}/documents", json={"analyses": [bad]}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert "data.entities[0].mentions[0]" in err["message"] and "does not match its offsets" in err["message"]


def test_cli_api_and_spark_routes_share_one_validator(tmp_path):
    """The same edited record is refused with the same message by every route."""
    bad = crlf_analysis()
    bad["spans"][0]["text"] = "Putin"
    with pytest.raises(InputError) as direct:
        analysis_from_record(bad, "x")
    line = tmp_path / "a.jsonl"
    line.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with open_store(str(tmp_path / "s.db")) as store:
        report = ingest_analyses([str(line)], store)
    assert report.added == 0 and direct.value.message in report.failures[0].message
    spark_out = tmp_path / "out"
    spark_out.mkdir()
    (spark_out / "_SUCCESS").write_text("")
    (spark_out / "part-00000.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    from narrascope.spark import iter_output

    with pytest.raises(InputError) as spark:
        list(iter_output(spark_out))
    assert spark.value.message == direct.value.message
    good = crlf_analysis()
    assert analysis_from_record(good, "x").document.text == TEXT

"""Malformed request bodies get the one error envelope with a 4xx status, never a 500 (issue 17).
Real app under uvicorn on loopback, real SQLite store."""

from __future__ import annotations

import httpx
import pytest

from narrascope.api import create_app

from tests._live_server import live_server
from tests._web_corpus import language_pipeline

TOKEN = "reliability-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(str(tmp_path_factory.mktemp("rel") / "c.db"), token=TOKEN, pipeline=language_pipeline(),
                     max_chars=5_000)
    with live_server(app) as url:
        with httpx.Client(base_url=url, timeout=30) as c:
            yield c


def assert_envelope(r: httpx.Response, statuses=(400, 413, 422)) -> dict:
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "where", "hint"}
    return body["error"]


DEEP = b'{"text": "x", "meta": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
FAIRLY_DEEP = b'{"text": "x", "meta": {"a": ' + b"[" * 500 + b"]" * 500 + b"}}"
HUGE_INT = b'{"text": "An article.", "id": ' + b"9" * 5000 + b"}"
SURROGATE_TITLE = b'{"text": "An article body.", "title": "Bad \\ud800 title"}'
SURROGATE_TEXT = b'{"text": "Body \\udfff here."}'
CESU = '{"text": "x"}'.encode() [:-2] + b'\xed\xa0\x80"}'


@pytest.mark.parametrize("body, where", [
    (DEEP, "body"),
    (FAIRLY_DEEP, "body.meta.a"),
    (HUGE_INT, "body.id"),
    (SURROGATE_TITLE, "body.title"),
    (SURROGATE_TEXT, "body.text"),
    (CESU, "body"),
    (b'{"text": "x", "meta": "not an object"}', "body.meta"),
    (b'{"text": {"nested": 1}}', "body.text"),
    (b'{"text": "x", "title": ["a"]}', "body.title"),
    (b"[1, 2]", "body"),
], ids=["deep", "fairly-deep", "huge-int", "surrogate-title", "surrogate-text", "cesu-8", "meta-type",
        "text-type", "title-type", "not-object"])
def test_post_analyze_refuses_malformed_json_with_the_envelope(client, body, where):
    err = assert_envelope(client.post("/analyze", content=body, headers=JSON))
    assert err["where"].startswith(where), err


@pytest.mark.parametrize("body", [DEEP, HUGE_INT, SURROGATE_TITLE, FAIRLY_DEEP],
                         ids=["deep", "huge-int", "surrogate-title", "fairly-deep"])
def test_post_documents_refuses_malformed_json_with_the_envelope(client, body):
    assert_envelope(client.post("/documents", content=body, headers=AUTH))


@pytest.mark.parametrize("item", [
    {"text": "x", "meta": 5},
    {"text": "x", "title": {"a": 1}},
    {"title": "no text"},
])
def test_post_documents_reports_each_bad_document_and_never_500s(client, item):
    r = client.post("/documents", json=[item], headers=AUTH)
    assert_envelope(r)


@pytest.mark.parametrize("analysis", [
    {"document": {"text": "x"}, "labels": []},
    {"document": {"text": "x"}, "spans": [{"start": "a"}]},
    {"document": {"text": "x"}, "labels": {"narratives": [{"label": "n"}]}},
    {"document": {"text": "x", "meta": []}},
])
def test_post_documents_with_malformed_analyses_never_500s(client, analysis):
    r = client.post("/documents", json={"analyses": [analysis]}, headers=AUTH)
    assert_envelope(r)


def test_a_good_document_next_to_a_bad_one_is_still_stored(client):
    r = client.post("/documents", json=[{"text": "The harbour reopened on Monday, officials said."},
                                        {"text": "x", "meta": "bad"}], headers=AUTH)
    assert r.status_code in (200, 201), r.text
    d = r.json()
    assert len(d["ids"]) == 1 and d["failed"] == 1 and d["failures"][0]["where"] == "body[1].meta"


def test_plain_text_with_invalid_utf8_is_a_400(client):
    err = assert_envelope(client.post("/analyze", content=b"caf\xe9 \xed\xa0\x80", headers={"Content-Type": "text/plain"}))
    assert err["where"] == "body"

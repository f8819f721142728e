"""REST API over real HTTP: the real app under uvicorn on a free loopback port, a real SQLite store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from narrascope.api import create_app
from narrascope.store import open_store

from tests._live_server import live_server
from tests._web_corpus import build_corpus, hostile_analysis, language_pipeline, peace_analysis

TOKEN = "test-token-7f3a"
MAX_CHARS = 5_000


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def corpus_db(request, tmp_path_factory):
    """The same corpus in each backend: the API must not care which one serves it."""
    if request.param == "sqlite":
        url = str(tmp_path_factory.mktemp("api") / "corpus.db")
    else:
        url = request.getfixturevalue("pg_server").create_schema("api_corpus")
    with open_store(url) as store:
        report = store.add_analyses(build_corpus(language_pipeline()))
        assert report.added == 13
    return url


@pytest.fixture(scope="module")
def server(corpus_db):
    app = create_app(corpus_db, token=TOKEN, pipeline=language_pipeline(), max_chars=MAX_CHARS)
    with live_server(app) as url:
        with httpx.Client(base_url=url, timeout=20) as client:
            yield client


@pytest.fixture(scope="module")
def peace_id():
    return peace_analysis(language_pipeline()).document.id


def assert_envelope(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "where", "hint"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# -- schema and analyze ----------------------------------------------------------------------------
def test_openapi_schema_is_served_and_lists_the_endpoints(server):
    schema = server.get("/openapi.json").json()
    paths = schema["paths"]
    for p in ["/analyze", "/documents", "/documents/{doc_id}", "/stats/narratives", "/stats/techniques",
              "/stats/entities", "/duplicates"]:
        assert p in paths, p
    assert "post" in paths["/documents"] and "get" in paths["/documents"]
    assert "text/plain" in paths["/analyze"]["post"]["requestBody"]["content"]
    assert paths["/documents"]["post"]["security"] == [{"bearer": []}]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_analyze_raw_text_runs_the_pipeline(server):
    text = "The mayor said the new tram line will open in May, and the council agreed to fund it."
    r = server.post("/analyze", content=text.encode(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["document"]["text"] == text
    assert d["data"]["language"]["language"] == "en"
    assert d["versions"]["language"]


def test_analyze_document_json_keeps_metadata(server):
    r = server.post("/analyze", json={"title": "Tram line", "text": "The council agreed to fund the tram.", "source": "City Paper"})
    assert r.status_code == 200, r.text
    doc = r.json()["document"]
    assert doc["title"] == "Tram line"
    assert doc["source"] == "City Paper"
    assert doc["text"].startswith("Tram line\n\n")


def test_analyze_over_the_size_limit_is_413_in_the_envelope(server):
    err = assert_envelope(server.post("/analyze", json={"text": "word " * (MAX_CHARS // 4)}), 413, "input_too_large")
    assert err["where"] == "body.text"
    assert f"{MAX_CHARS:,}" in err["message"]
    # a body far over the byte limit is refused before it is parsed
    huge = b"x" * (MAX_CHARS * 4 + 70_000)
    assert_envelope(server.post("/analyze", content=huge, headers={"Content-Type": "text/plain"}), 413, "input_too_large")


def test_analyze_bad_input_is_400_in_the_envelope(server):
    err = assert_envelope(server.post("/analyze", content=b"{not json", headers={"Content-Type": "application/json"}), 400, "bad_input")
    assert "not valid JSON" in err["message"] and err["where"] == "body"
    assert_envelope(server.post("/analyze", json={"title": "no text field"}), 400, "bad_input")
    assert_envelope(server.post("/analyze", content=b"   \n ", headers={"Content-Type": "text/plain"}), 400, "empty_document")


# -- one envelope for framework errors -------------------------------------------------------------
def test_unknown_route_wrong_method_and_bad_params_use_the_envelope(server, peace_id):
    err = assert_envelope(server.get("/no/such/thing"), 404, "not_found")
    assert err["where"] == "/no/such/thing"
    err = assert_envelope(server.delete(f"/documents/{peace_id}"), 405, "method_not_allowed")
    assert "GET" in err["hint"]
    err = assert_envelope(server.get("/documents", params={"limit": 0}), 422, "invalid_request")
    assert err["where"] == "query.limit"
    err = assert_envelope(server.get("/documents", params={"date_from": "March 3rd"}), 422, "invalid_request")
    assert err["where"] == "query.date_from" and "March 3rd" in err["message"]
    assert_envelope(server.get("/stats/narratives", params={"by": "month"}), 422, "invalid_request")
    assert_envelope(server.get("/duplicates", params={"threshold": 0}), 422, "invalid_request")


def test_missing_document_is_404_in_the_envelope(server):
    assert_envelope(server.get("/documents/0123456789abcdef01234567"), 404, "not_found")


# -- documents -------------------------------------------------------------------------------------
def test_get_document_returns_the_stored_analysis_with_exact_spans(server, peace_id):
    r = server.get(f"/documents/{peace_id}")
    assert r.status_code == 200
    d = r.json()
    assert d["id"] == peace_id
    text = d["document"]["text"]
    kinds = {s["analyzer"] for s in d["spans"]}
    assert {"techniques", "roles", "quotes", "claims"} <= kinds
    for s in d["spans"]:
        assert text[s["start"] : s["end"]] == s["text"]
    assert [lab["label"] for lab in d["labels"]["narratives"]][0] == "URW: Blaming the war on others"
    assert d["versions"]["techniques"] == "t1"


def test_pagination_walks_every_document_once(server):
    seen, offset, total = [], 0, None
    while True:
        page = server.get("/documents", params={"limit": 4, "offset": offset}).json()
        total = page["total"] if total is None else total
        assert page["total"] == total and page["limit"] == 4 and page["offset"] == offset
        seen += [row["id"] for row in page["items"]]
        if not page["next"]:
            break
        assert parse_qs(urlsplit(page["next"]).query)["offset"] == [str(offset + 4)]
        offset += 4
    assert total == 13 and page["total_is_lower_bound"] is False
    assert len(seen) == len(set(seen)) == 13
    assert page["prev"] is not None
    assert server.get("/documents", params={"offset": 100}).json()["items"] == []


def test_total_above_the_count_limit_is_flagged_and_paging_goes_on(corpus_db):
    app = create_app(corpus_db, pipeline=language_pipeline(), count_limit=5)
    with live_server(app) as url, httpx.Client(base_url=url, timeout=20) as client:
        first = client.get("/documents", params={"limit": 4}).json()
        assert (first["total"], first["total_is_lower_bound"]) == (5, True) and first["next"]
        assert parse_qs(urlsplit(first["next"]).query)["after"]  # keyset: deep pages cost what the first does
        assert client.get("/documents", params={"after": "garbage!"}).status_code == 400
        seen, nxt = [], "/documents?limit=4"
        while nxt:
            page = client.get(nxt).json()
            seen += [row["id"] for row in page["items"]]
            nxt = page["next"]
        assert len(seen) == len(set(seen)) == 13  # next does not stop at the counted total
        assert (page["total"], page["total_is_lower_bound"]) == (13, False)  # the last page knows it
        assert page["offset"] == 12 and page["prev"]
        search = client.get("/documents", params={"q": "the", "limit": 2}).json()
        assert search["next"] is None or "after" not in parse_qs(urlsplit(search["next"]).query)
        herald = client.get("/documents", params={"source": "Harbour Herald", "limit": 2}).json()
        assert (herald["total"], herald["total_is_lower_bound"]) == (5, False)  # up to the limit: exact
        html = client.get("/documents", params={"limit": 4, "format": "html"}).text
        assert "5+ matches" in html
        html = client.get("/documents", params={"source": "Harbour Herald", "limit": 2, "format": "html"}).text
        assert "5 matches" in html and "5+" not in html


def test_filters_by_source_dates_narrative_technique_and_text(server, peace_id):
    def ids(**params):
        return {row["id"] for row in server.get("/documents", params=params).json()["items"]}

    herald = server.get("/documents", params={"source": "Harbour Herald"}).json()
    assert herald["total"] == 5 and all(r["source"] == "Harbour Herald" for r in herald["items"])
    march = server.get("/documents", params={"date_from": "2026-03-01", "date_to": "2026-03-31"}).json()
    assert march["items"] and all(r["published"].startswith("2026-03") for r in march["items"])
    assert peace_id in ids(narrative="URW: Blaming the war on others")
    assert peace_id not in ids(narrative="CC: Green policies cost jobs")
    assert peace_id in ids(technique="Name_Calling")
    assert ids(q="prisoners") == {peace_id}
    assert ids(q="prisoners", source="Valley Voice") == set()
    hit = server.get("/documents", params={"q": "wind"}).json()["items"]
    assert hit and all("wind" in (r["title"] + (r.get("snippet") or "")).lower() for r in hit)


def test_stats_endpoints_count_documents(server):
    rows = server.get("/stats/narratives").json()["rows"]
    by = {(r["group"], r["label"]): r["documents"] for r in rows}
    assert by[("Harbour Herald", "URW: Blaming the war on others")] == 4  # 3 fillers + the peace article
    weekly = server.get("/stats/narratives", params={"by": "week"}).json()
    assert weekly["by"] == "week" and all(len(r["group"]) == 10 for r in weekly["rows"])
    tech = {(r["group"], r["label"]) for r in server.get("/stats/techniques").json()["rows"]}
    assert ("Harbour Herald", "Name_Calling") in tech
    roles = {(r["entity"], r["main_role"], r["fine_role"], r["source"]): r["documents"] for r in server.get("/stats/entities").json()["rows"]}
    assert roles[("Minister Ivanova", "Protagonist", "", "Harbour Herald")] == 1
    assert ("the rebels", "Antagonist", "Instigator", "Harbour Herald") in roles


def test_duplicates_marks_the_earliest_publication(server):
    page = server.get("/duplicates").json()
    clusters = page["clusters"]
    assert len(clusters) == 1 and page["total"] == 1 and page["next"] is None
    c = clusters[0]
    assert c["size"] == 3
    earliest = [d for d in c["documents"] if d["earliest"]]
    assert len(earliest) == 1 and earliest[0]["source"] == "Valley Voice"


# -- ingest ----------------------------------------------------------------------------------------
def test_ingest_requires_the_bearer_token(server):
    doc = {"text": "The ferry will run twice a day from June, the port authority said.", "source": "Port News"}
    r = server.post("/documents", json=doc)
    assert_envelope(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_envelope(server.post("/documents", json=doc, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    assert_envelope(server.post("/documents", json=doc, headers={"Authorization": f"Basic {TOKEN}"}), 401, "unauthorized")


def test_ingest_with_token_is_idempotent_and_searchable(tmp_path):
    db = tmp_path / "ingest.db"
    app = create_app(str(db), token=TOKEN, pipeline=language_pipeline(), max_chars=MAX_CHARS)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    docs = [
        {"text": "The ferry will run twice a day from June, the port authority said.", "source": "Port News", "published": "2026-05-01"},
        {"text": "Lighthouse keepers voted to keep the old lamp.", "source": "Port News"},
        {"title": "no text here"},
    ]
    with live_server(app) as url, httpx.Client(base_url=url) as c:
        r = c.post("/documents", json={"documents": docs}, headers=auth)
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["added"] == 2 and out["failed"] == 1 and out["failures"][0]["where"] == "body[2]"
        again = c.post("/documents", json=docs[:2], headers=auth).json()
        assert again["added"] == 0 and again["skipped"] == 2
        assert c.get("/documents").json()["total"] == 2
        hit = c.get("/documents", params={"q": "ferry"}).json()["items"]
        assert [h["id"] for h in hit] == [out["ids"][0]]
        stored = c.get(f"/documents/{out['ids'][0]}").json()
        assert stored["versions"]["language"] and stored["data"]["language"]["language"] == "en"
        # analyses made elsewhere are stored as given, after their spans are checked
        a = peace_analysis(language_pipeline()).to_dict()
        r = c.post("/documents", json={"analyses": [a]}, headers=auth)
        assert r.status_code == 201 and r.json()["added"] == 1
        assert {s["analyzer"] for s in c.get(f"/documents/{a['document']['id']}").json()["spans"]} >= {"roles", "quotes"}
        bad = dict(a, spans=[{"start": 0, "end": 10**6, "label": "x", "analyzer": "y"}])
        err = assert_envelope(c.post("/documents", json={"analyses": [bad]}, headers=auth), 400, "bad_input")
        assert "outside the text" in err["message"]
        too_big = {"text": "x" * (MAX_CHARS + 1)}
        assert_envelope(c.post("/documents", json=too_big, headers=auth), 400, "bad_input")


def test_ingest_is_disabled_without_a_configured_token(tmp_path, monkeypatch):
    monkeypatch.delenv("NARRASCOPE_API_TOKEN", raising=False)
    app = create_app(str(tmp_path / "x.db"), pipeline=language_pipeline())
    with live_server(app) as url:
        r = httpx.post(f"{url}/documents", json={"text": "hello"}, headers={"Authorization": "Bearer anything"})
        err = assert_envelope(r, 403, "ingest_disabled")
        assert "NARRASCOPE_API_TOKEN" in err["hint"]
        assert httpx.get(f"{url}/health").json()["ingest_enabled"] is False


def test_token_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NARRASCOPE_API_TOKEN", "from-env")
    app = create_app(str(tmp_path / "env.db"), pipeline=language_pipeline())
    with live_server(app) as url:
        r = httpx.post(f"{url}/documents", json={"text": "The ferry runs at noon."}, headers={"Authorization": "Bearer from-env"})
        assert r.status_code == 201, r.text


def test_no_store_means_only_analyze_works(monkeypatch):
    monkeypatch.delenv("NARRASCOPE_DB", raising=False)
    app = create_app(None, pipeline=language_pipeline())
    with live_server(app) as url:
        assert_envelope(httpx.get(f"{url}/documents"), 503, "no_store")
        assert httpx.post(f"{url}/analyze", json={"text": "A short note."}).status_code == 200


# -- HTML views and headers ------------------------------------------------------------------------
def test_views_answer_html_to_browsers_and_json_to_clients(server, peace_id):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ["/", "/documents", f"/documents/{peace_id}", "/duplicates", "/documents?q=harbour"]:
        r = server.get(path, headers=browser)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "Accept" in r.headers["vary"]
    assert server.get(f"/documents/{peace_id}", headers=browser, params={"format": "json"}).json()["id"] == peace_id
    assert server.get(f"/documents/{peace_id}", params={"format": "html"}).headers["content-type"].startswith("text/html")
    page = server.get("/no/such/page", headers=browser)
    assert page.status_code == 404 and "not_found" in page.text and page.headers["content-type"].startswith("text/html")


def test_every_response_carries_a_strict_csp(server, peace_id):
    for r in [server.get("/"), server.get(f"/documents/{peace_id}", params={"format": "html"}), server.get("/nope"),
              server.get("/static/style.css")]:
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_article_page_offers_one_layer_per_span_kind_and_the_selected_evidence(server, peace_id):
    html = server.get(f"/documents/{peace_id}", params={"format": "html"}).text
    for kind in ["techniques", "roles", "quotes", "claims", "evidence"]:
        assert f'name="layer" value="{kind}"' in html
    assert 'value="evidence" checked' in html  # the selected label's evidence is the layer shown first
    assert ('class="ev ' in html or 'class="ev"' in html) and 'class="o' not in html  # one layer painted
    assert "Evidence: URW: Blaming the war on others" in html
    other = server.get(f"/documents/{peace_id}", params={"format": "html", "select": "narratives:1"}).text
    assert "Evidence: URW: Talks are futile" in other
    quotes = server.get(f"/documents/{peace_id}", params={"format": "html", "layer": "techniques"}).text
    assert 'class="o0' in quotes and 'class="ev ' not in quotes and 'class="ev"' not in quotes
    high = server.get(f"/documents/{peace_id}", params={"format": "html", "layer": "techniques", "threshold": 0.6}).text
    assert high.count('class="o') == 1  # Loaded_Language 0.71 stays; Name_Calling 0.55 is below


def test_bad_article_page_parameters_are_refused_with_a_hint(server, peace_id):
    err = assert_envelope(server.get(f"/documents/{peace_id}", params={"select": "bogus"}), 422, "invalid_request")
    assert err["where"] == "query.select" and "narratives:0" in err["hint"]
    page = server.get(f"/documents/{peace_id}", params={"format": "html", "layer": "technique"})
    assert page.status_code == 422 and "did you mean techniques?" in page.text  # the error page, same fields
    assert_envelope(server.get(f"/documents/{peace_id}", params={"threshold": 2}), 422, "invalid_request")


def test_query_validation_rejects_impossible_dates_unknown_labels_and_unknown_parameters(server):
    err = assert_envelope(server.get("/documents", params={"date_from": "2024-13-01"}), 422, "invalid_request")
    assert err["where"] == "query.date_from" and "YYYY-MM-DD" in err["message"] and "01-12" in err["hint"]
    assert_envelope(server.get("/stats/narratives", params={"date_to": "2024-02-30"}), 422, "invalid_request")
    err = assert_envelope(server.get("/documents", params={"technique": "loaded_language"}), 422, "invalid_request")
    assert err["hint"] == "did you mean Loaded_Language?"
    err = assert_envelope(server.get("/documents", params={"narrative": "URW: Talks are futil"}), 422, "invalid_request")
    assert err["hint"] == "did you mean URW: Talks are futile?"
    err = assert_envelope(server.get("/documents", params={"narative": "x"}), 422, "invalid_request")
    assert err["where"] == "query.narative" and err["hint"].startswith("did you mean narrative?")
    assert server.get("/documents", params={"date_from": "", "narrative": ""}).status_code == 200  # empty form fields


def test_method_not_allowed_lists_every_method_of_the_path(server):
    r = server.delete("/documents")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"
    assert "GET, HEAD, POST" in r.json()["error"]["hint"]
    r = server.get("/analyze")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_bad_cursor_hint_names_the_next_link(server):
    err = assert_envelope(server.get("/documents", params={"after": "!!"}), 400, "bad_config")
    assert "`next` link" in err["hint"] and "next_cursor" not in err["hint"]


def test_report_download_is_self_contained(server, peace_id):
    r = server.get(f"/documents/{peace_id}/report.html")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment;")
    html = r.text
    assert "<script" not in html and "http://" not in html.replace("https://news.example/harbour", "") and "<link" not in html
    assert "Who said what" in html and "URW: Blaming the war on others" in html
    md = server.get(f"/documents/{peace_id}/report.md")
    assert md.status_code == 200 and md.text.startswith("# Narrascope report")
    assert_envelope(server.get(f"/documents/{peace_id}/report.pdf"), 400, "bad_input")


def test_entity_page_compare_and_export_answer_json_and_files(server):
    prof = server.get("/entities/minister ivanova").json()
    assert prof["entity"] == "Minister Ivanova" and prof["roles"] == {"Protagonist": 1}
    assert prof["by_source"] == {"Harbour Herald": {"Protagonist": 1}} and prof["over_time"] == {"2026-03": {"Protagonist": 1}}
    assert_envelope(server.get("/entities/nobody"), 404, "not_found")
    cmp = server.get("/compare", params={"a_source": "Valley Voice", "b_source": "Harbour Herald"}).json()
    rows = {r["label"]: r for r in cmp["tables"]["narratives"]}
    assert rows["URW: Blaming the war on others"]["b"] >= 1 and rows["URW: Blaming the war on others"]["a"] == 0
    assert 0 < rows["URW: Blaming the war on others"]["b_share"] <= 1
    err = assert_envelope(server.get("/compare", params={"a_source": "Valey Voice"}), 422, "invalid_request")
    assert err["hint"] == "did you mean Valley Voice?"
    csv_text = server.get("/export", params={"what": "narratives", "format": "csv", "source": "Valley Voice"}).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("doc_id,source") and len(lines) > 1 and all("Valley Voice" in ln for ln in lines[1:])
    pq = server.get("/export", params={"what": "documents", "format": "parquet"})
    assert pq.status_code == 200 and pq.content[:4] == b"PAR1"
    assert server.get("/export", params={"what": "quotes", "format": "jsonl"}).status_code == 200


def test_hostile_article_is_escaped_in_the_html(tmp_path):
    db = tmp_path / "hostile.db"
    with open_store(str(db)) as store:
        a = hostile_analysis(language_pipeline())
        store.add_analyses([a])
    app = create_app(str(db), pipeline=language_pipeline())
    with live_server(app) as url:
        for path in [f"/documents/{a.document.id}", "/documents", "/", "/documents?q=bridge"]:
            html = httpx.get(url + path, params={"format": "html"}).text
            assert "<script>window" not in html and "<img src=x" not in html and "<svg onload" not in html
            assert 'href="javascript:' not in html
        html = httpx.get(f"{url}/documents/{a.document.id}", params={"format": "html"}).text
        assert "&lt;script&gt;window.__pwned = 1;" in html
        assert "javascript:window.__pwned=11" in html  # the URL is shown as text, not linked


# -- the CLI command -------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_serves_a_store(corpus_db):
    port = _free_port()
    env = dict(os.environ, NARRASCOPE_API_TOKEN="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrascope", "serve", "--db", str(corpus_db), "--port", str(port), "-a", "language", "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "narrascope serve did not start"
                time.sleep(0.1)
        assert r.json()["documents"] == 13
        assert httpx.get(f"http://127.0.0.1:{port}/documents").json()["total"] == 13
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_refuses_a_missing_store(tmp_path, capsys):
    from narrascope.cli import run

    with pytest.raises(SystemExit) as exit_:
        run(["serve", "--db", str(tmp_path / "missing.db")])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "missing.db" in err and "Traceback" not in err


@pytest.mark.slow  # loads every shipped model (~10 s); the hand-built analyses above cover the rendering
def test_article_page_shows_whatever_the_registered_analyzers_produce(tmp_path):
    """The UI knows no analyzer: every span kind and label task of the full default pipeline appears."""
    from narrascope.pipeline import Pipeline

    text = ('"We will rebuild the bridge by winter," the mayor said on Monday, adding that 40 workers '
            "had been hired. Critics claimed the budget had doubled since March.")
    from narrascope.errors import ModelError

    pipeline = Pipeline.from_config()
    try:
        pipeline.load()
    except ModelError as e:  # a model still being trained in this checkout: the conformance test reports it
        pytest.skip(f"the default pipeline does not load here: {e}")
    app = create_app(str(tmp_path / "full.db"), token=TOKEN, pipeline=pipeline)
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        r = c.post("/documents", json={"title": "Bridge works", "text": text, "source": "Town Crier"},
                   headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201, r.text
        doc_id = r.json()["ids"][0]
        stored = c.get(f"/documents/{doc_id}").json()
        html = c.get(f"/documents/{doc_id}", params={"format": "html"}).text
    assert stored["spans"]  # the quote at least: the loop below must have something to check
    for kind in {s["analyzer"] for s in stored["spans"]}:
        assert f'<span class="kind-name">{kind}</span>' in html, kind
    for task in stored["labels"]:
        assert f"<h2>{task}</h2>" in html, task
    for name in stored["data"]:
        assert f"<summary>{name}</summary>" in html, name


def test_dashboard_says_what_its_charts_leave_out_and_why(tmp_path):
    from fastapi.testclient import TestClient

    from narrascope.document import Document, Label, Span

    db = tmp_path / "gaps.db"
    pipe = language_pipeline()
    with open_store(str(db)) as store:
        docs = []
        for i, (src, day) in enumerate([("Wire", "2026-01-05"), (None, "2026-01-06"), ("Wire", None), (None, None)]):
            a = pipe.analyze(Document.create(f"Article {i} about the harbour and the ferry.", source=src, published=day))
            a.add_labels("narratives", [Label("URW: Talks are futile", 0.6, "narratives", [Span(0, 7, "URW: Talks are futile", "narratives")])])
            docs.append(a)
        store.add_analyses(docs)
    html = TestClient(create_app(str(db), pipeline=pipe)).get("/", headers={"accept": "text/html"}).text
    assert "2 articles without a publication date left out" in html
    assert "2 articles without a source left out" in html and "--manifest" in html
    import re

    assert "Wire (2)" in re.sub(r"<[^>]+>", "", html)  # the source column counts its articles

"""The /review API and the article page's review forms, over a real HTTP server on loopback:
who may write (loopback, reviewer token, neither), CSRF and same-origin checks, the queue page."""

from __future__ import annotations

import re

import httpx
import pytest

from narrascope.api import create_app
from narrascope.api.review import ReviewConfig
from narrascope.store import open_store

from tests._live_server import live_server
from tests._web_corpus import build_corpus, hostile_analysis, language_pipeline, peace_analysis

NARR = "URW: Blaming the war on others"
FUTILE = "URW: Talks are futile"
TOKEN = "review-secret"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("review-api") / "corpus.db")
    with open_store(path) as s:
        s.add_analyses(build_corpus(language_pipeline()) + [hostile_analysis(language_pipeline())])
    return path


@pytest.fixture(scope="module")
def doc() -> str:
    return peace_analysis(language_pipeline()).document.id


def serve(db: str, cfg: ReviewConfig):
    return live_server(create_app(db, pipeline=language_pipeline(), review=cfg))


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert m, "no csrf field on the page"
    return m.group(1)


def test_on_loopback_the_article_page_has_controls_and_a_form_post_records_a_correction(db, doc):
    with serve(db, ReviewConfig(loopback=True, default_reviewer="ana")) as url, httpx.Client(base_url=url) as c:
        page = c.get(f"/documents/{doc}?format=html").text
        assert 'id="rv-add-label"' in page and "Reviewing as <strong>ana</strong>" in page
        assert '<script src="/static/review.js" defer></script>' in page
        r = c.post(f"/review/documents/{doc}", data={"csrf": csrf_of(page), "kind": "label", "task": "narratives",
                                                      "label": FUTILE, "action": "reject"})
        assert r.status_code == 303 and r.headers["location"] == f"/documents/{doc}?format=html#review"
        page = c.get(f"/documents/{doc}?format=html").text
        assert re.search(r'class="rv-item rv-rejected" data-status="rejected" data-label="URW: Talks are futile"', page)
        record = c.get(f"/documents/{doc}").json()  # the JSON view carries the reviewed state too
        assert record["review"]["corrections"] >= 1 and record["labels"]["narratives"][1]["label"] == FUTILE
        shown = c.get(f"/review/documents/{doc}").json()
        assert shown["corrections"][-1]["reviewer"] == "ana" and shown["corrections"][-1]["action"] == "reject"


@pytest.mark.parametrize("headers, form_csrf, code", [
    ({}, "0" * 64, "csrf_failed"),                                  # a stale or forged token
    ({"origin": "http://evil.example"}, None, "csrf_failed"),      # another origin
    ({"sec-fetch-site": "cross-site"}, None, "csrf_failed"),       # a cross-site navigation
    ({"host": "rebound.example"}, None, "unauthorized"),           # DNS rebinding: not a loopback Host
])
def test_state_changing_requests_from_elsewhere_are_refused(db, doc, headers, form_csrf, code):
    with serve(db, ReviewConfig(loopback=True)) as url, httpx.Client(base_url=url) as c:
        token = csrf_of(c.get(f"/documents/{doc}?format=html").text)
        before = len(c.get(f"/review/documents/{doc}").json()["corrections"])
        r = c.post(f"/review/documents/{doc}", headers=headers,
                   data={"csrf": form_csrf or token, "kind": "label", "task": "narratives", "label": NARR, "action": "accept"})
        assert r.status_code in (401, 403) and r.json()["error"]["code"] == code
        assert len(c.get(f"/review/documents/{doc}").json()["corrections"]) == before


def test_without_token_or_loopback_review_is_read_only(db, doc):
    with serve(db, ReviewConfig(loopback=False)) as url, httpx.Client(base_url=url) as c:
        page = c.get(f"/documents/{doc}?format=html").text
        assert 'id="rv-readonly"' in page and "rv-add-label" not in page and "review.js" not in page
        r = c.post(f"/review/documents/{doc}", json={"kind": "label", "task": "narratives", "label": NARR, "action": "accept"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "review_disabled"
        assert c.get("/review").status_code == 200  # the queue and progress stay readable


def test_with_a_reviewer_token_api_clients_need_the_bearer_token(db, doc):
    body = {"reviewer": "carla", "corrections": [{"kind": "label", "task": "narratives", "label": NARR, "action": "accept"}]}
    with serve(db, ReviewConfig(token=TOKEN)) as url, httpx.Client(base_url=url) as c:
        assert c.post(f"/review/documents/{doc}", json=body).status_code == 401
        wrong = c.post(f"/review/documents/{doc}", json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
        ok = c.post(f"/review/documents/{doc}", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 201 and ok.json()["corrections"][-1]["reviewer"] == "carla"
        bad = c.post(f"/review/documents/{doc}", headers={"Authorization": f"Bearer {TOKEN}"},
                     json={"kind": "span", "task": "techniques", "label": "X", "start": 5, "end": 10 ** 6, "action": "add"})
        assert bad.status_code == 400 and bad.json()["error"]["where"] == "corrections[0].start/end"


def test_with_a_reviewer_token_browsers_log_in_once_and_then_use_the_forms(db, doc):
    with serve(db, ReviewConfig(token=TOKEN)) as url, httpx.Client(base_url=url) as c:
        page = c.get(f"/documents/{doc}?format=html").text
        assert 'id="rv-login"' in page and "rv-add-label" not in page
        login = c.get("/review/login", params={"next": "//evil.example/x"}).text
        assert 'name="next" value="/review"' in login  # no open redirect
        refused = c.post("/review/login", data={"csrf": csrf_of(login), "reviewer": "dana", "token": "wrong", "next": "/review"})
        assert refused.status_code == 401
        r = c.post("/review/login", data={"csrf": csrf_of(login), "reviewer": "dana", "token": TOKEN,
                                          "next": f"/documents/{doc}?format=html"})
        assert r.status_code == 303 and r.headers["location"] == f"/documents/{doc}?format=html"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        page = c.get(f"/documents/{doc}?format=html").text
        assert "Reviewing as <strong>dana</strong>" in page
        r = c.post(f"/review/documents/{doc}", data={"csrf": csrf_of(page), "kind": "role", "task": "entities",
                                                      "entity": "the rebels", "label": "Innocent", "fine_roles": "Victim",
                                                      "action": "set"})
        assert r.status_code == 303
        rows = c.get(f"/review/documents/{doc}").json()["corrections"]
        assert (rows[-1]["reviewer"], rows[-1]["entity"], rows[-1]["label"], rows[-1]["value"]) == ("dana", "the rebels", "Innocent", "Victim")
        forged = c.cookies.get("narrascope_reviewer").replace(".", "x.", 1)
        c.cookies.set("narrascope_reviewer", forged)
        assert c.post(f"/review/documents/{doc}", data={"csrf": csrf_of(page)}).status_code in (401, 403)


def test_queue_page_and_json_list_uncertain_documents_and_progress(db):
    with serve(db, ReviewConfig(loopback=True)) as url, httpx.Client(base_url=url) as c:
        data = c.get("/review", params={"limit": 5}).json()
        margins = [r["margin"] for r in data["queue"]]
        assert margins == sorted(margins) and 1 <= len(margins) <= 5
        assert {"sources", "total"} <= set(data["progress"]) and c.get("/review/progress").json() == data["progress"]
        html = c.get("/review", headers={"accept": "text/html"}).text
        assert 'id="rv-queue"' in html and 'id="rv-progress"' in html and "Harbour Herald" in html
        assert "<script>window.__pwned" not in html  # hostile titles and sources are escaped

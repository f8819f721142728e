"""Alerts over the REST API (real uvicorn on loopback) and the Alerts page in headless Chromium."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from narrascope.api import create_app
from narrascope.monitor import evaluate_rules, parse_rules
from narrascope.store import open_store
from narrascope.store.monitor import MonitorStore

from tests._live_server import live_server
from tests._monitor_corpus import HOSTILE, hostile_alert, scenario_analyses
from tests.web.test_web_browser import browser, page, shot  # noqa: F401 - fixtures

TODAY = date(2026, 3, 28)
RULES = parse_rules({"rules": [
    {"id": "narrative-surge", "type": "surge", "what": "narrative"},
    {"id": "villain", "type": "new_entity_role", "roles": ["Antagonist"], "min_count": 3, "min_sources": 2},
]})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("alerts") / "alerts.db")
    with open_store(db) as store:
        store.add_analyses(scenario_analyses(TODAY, surge=True))
        fired = evaluate_rules(store, RULES, as_of=TODAY)
        assert sorted(a["rule"] for a in fired) == ["narrative-surge", "villain"]
        ms = MonitorStore(store)
        assert ms.add_alert(hostile_alert())
        ms.ensure_feed("https://feeds.example/rss", HOSTILE)
        ms.record_error("https://feeds.example/rss", "broken: " + HOSTILE, status=500, next_poll_after="2026-03-28T13:00:00Z")
    with live_server(create_app(db)) as url:
        yield url


def test_get_alerts_json_pages_and_filters(site):
    with httpx.Client(base_url=site) as c:
        body = c.get("/alerts").json()
        assert body["total"] == 3 and len(body["alerts"]) == 3 and body["next"] is None
        one = c.get("/alerts", params={"rule": "narrative-surge"}).json()
        (a,) = one["alerts"]
        assert a["subject"] == "Blame" and a["evidence"]["count"] == 10 and len(a["documents"]) == 10
        assert "subject_key" not in a
        paged = c.get("/alerts", params={"limit": 1}).json()
        assert len(paged["alerts"]) == 1 and "offset=1" in paged["next"]
        r = c.get("/alerts", params={"since": "yesterday"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
        feeds = c.get("/feeds").json()["feeds"]
        assert feeds[0]["healthy"] is False and feeds[0]["consecutive_errors"] == 1
        paths = c.get("/openapi.json").json()["paths"]
        assert "get" in paths["/alerts"] and "get" in paths["/feeds"]
        html = c.get("/alerts", headers={"Accept": "text/html"})
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert "<script>window.__pwned" not in html.text and "&lt;script&gt;window.__pwned" in html.text
        assert 'href="javascript:' not in html.text


@pytest.mark.browser
def test_alerts_page_explains_alerts_and_hostile_data_stays_inert(page, site):  # noqa: F811
    page.goto(site + "/")
    page.click("header nav >> text=Alerts")
    page.wait_for_selector("section.alert")
    assert page.locator("#alert-count").inner_text().startswith("3 alerts")
    blame = page.locator("section.alert", has_text="Blame")
    why = blame.locator("p.why").inner_text()
    assert "10 of 12 documents (83%)" in why and "28 of 224 (12%)" in why and "Bonferroni" in why
    evidence = blame.locator("table.evidence").inner_text()
    assert "p value" in evidence and "baseline documents" in evidence
    assert blame.locator("a.doclink").count() == 10
    villain = page.locator("section.alert", has_text="Mayor Lind as Antagonist")
    assert "before, cast as Protagonist" in villain.locator("p.why").inner_text()
    # an article behind the alert opens
    blame.locator("a.doclink").first.click()
    page.wait_for_selector("#text")
    assert "[N:Blame]" in page.locator("#text").inner_text()
    page.go_back()
    page.wait_for_selector("section.alert")
    # hostile alert data is shown as text; nothing runs
    hostile = page.locator("section.alert", has_text="surge of")
    assert HOSTILE in hostile.locator("p.why").inner_text()
    assert HOSTILE in hostile.locator("h2").inner_text()
    assert "broken: " + HOSTILE in page.locator("#feeds").inner_text()
    for el in page.locator("section.alert a, section.alert td").all()[:40]:
        el.hover()
    page.wait_for_timeout(100)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == [] and page.errors == []
    assert page.eval_on_selector_all("script", "ss => ss.map(s => s.getAttribute('src'))") == ["/static/app.js"]
    handlers = page.evaluate(
        "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name))")
    assert handlers == []
    assert page.locator("a[href^='javascript:' i], img[src='x']").count() == 0
    assert page.evaluate("window.__violations") == []
    shot(page, "alerts.png")

"""The web UI in a real browser: Debian's Chromium driven by Playwright against the real server.

Skipped (with the reason) when /usr/bin/chromium or the playwright package is missing -- unless
``NARRASCOPE_REQUIRE_BROWSER=1`` (set it in CI), which makes that a failure. The browser
is the system one (``executable_path``); nothing is downloaded. Screenshots go to
``tmp/artifacts/`` (or ``$NARRASCOPE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from narrascope.api import create_app
from narrascope.store import open_store

from tests._live_server import live_server
from tests._web_corpus import build_corpus, hostile_analysis, language_pipeline

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("NARRASCOPE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("NARRASCOPE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "tmp" / "artifacts"))
TOKEN = "browser-test-token"

# Records anything that tries to run: dialogs are caught by Playwright, CSP violations here.
WATCH_SCRIPT = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def browser():
    required = os.environ.get("NARRASCOPE_REQUIRE_BROWSER") == "1"  # CI sets it: fail instead of skipping
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or scripts/install-system-deps.sh)"
        pytest.fail(reason) if required else pytest.skip(reason)
    try:
        from playwright import sync_api
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[test]')"
        pytest.fail(reason) if required else pytest.skip(reason)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "corpus.db"
    with open_store(str(db)) as store:
        store.add_analyses(build_corpus(language_pipeline()))
    app = create_app(str(db), token=TOKEN, pipeline=language_pipeline())
    with live_server(app) as url:
        yield url


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.add_init_script(WATCH_SCRIPT)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    return path


def as_html_file(download: str | Path, name: str) -> Path:
    """A downloaded file saved under a .html name, so that the browser opens it as a page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(Path(download).read_bytes())
    return path


def test_dashboard_search_and_article_highlights(page, site):
    page.goto(site + "/")
    assert page.locator("h1").first.inner_text() == "Corpus"
    assert page.locator("#doc-count").inner_text() == "13"
    assert page.locator("svg.line-chart polyline").count() >= 2  # narratives over time
    assert page.locator("table.matrix").count() == 2  # narratives and techniques by source
    assert "Heating levy approved (Valley Voice)" in page.locator("ol.clusters").inner_text()
    roles = page.locator("figure.roles tbody tr").all_inner_texts()
    assert any("Minister Ivanova" in r and "Protagonist" in r and "Harbour Herald" in r for r in roles)
    # by source: articles and the share of the source's articles, not label counts
    matrix = page.locator("table.matrix").first.inner_text()
    assert "Harbour Herald (5)" in matrix and "4 (80%)" in matrix
    assert page.locator("#exports a[href*='what=quotes']").count() == 3
    shot(page, "dashboard.png")

    # search from the header box
    page.fill("header input[name=q]", "prisoners")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/documents?q=prisoners")
    links = page.locator("a.doclink")
    assert links.count() == 1
    assert page.locator("#result-count").inner_text().startswith("1 match")

    # filter form: source select narrows the list
    page.goto(site + "/documents")
    page.select_option("#filters select[name=source]", "Valley Voice")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**source=Valley+Voice**")
    sources = page.locator("table.docs tbody tr td:nth-child(2)").all_inner_texts()
    assert sources and set(sources) == {"Valley Voice"}

    # open the article from the search result
    page.goto(site + "/documents?q=prisoners")
    assert page.locator(".snippet mark.hit").first.inner_text().lower().startswith("prisoner")  # the match is marked
    page.click("a.doclink")
    page.wait_for_selector("#text mark")
    assert page.locator("#doc-title").inner_text() == "Harbour talks stall as both delegations walk out"
    layers = page.locator("#layers input[name=layer]")
    assert [layers.nth(i).get_attribute("value") for i in range(layers.count())] == [
        "evidence", "techniques", "quotes", "roles", "claims", "none"]
    # ONE layer at a time: first the evidence of the best narrative, nothing else coloured
    assert "".join(page.locator("#text mark.ev").all_inner_texts()) == "the rebels broke the truce"
    assert page.locator("#text mark.o0, #text mark.o1, #text mark.o2").count() == 0
    assert page.locator("#legend .legend-layer:visible").count() == 1
    assert page.locator("#text").inner_text().startswith("Harbour talks stall")
    # the panels read like notes: human names, scores, definitions where the taxonomy has one
    panel = page.locator("#panel").inner_text()
    assert "URW: Blaming the war on others" in panel and "0.82" in panel and "0.41" in panel
    assert page.locator("#p-entities").inner_text().count("Protagonist") >= 1
    shot(page, "article.png")

    # switch to techniques: only technique spans are coloured, each label its own Okabe-Ito colour
    page.check("#layers input[value=techniques]")
    assert page.locator("#text mark.ev").count() == 0
    walk = page.locator("#text mark", has_text="walk out").first
    truce = page.locator("#text mark", has_text="broke the truce").first
    assert "o0" in walk.get_attribute("class") and "o1" in truce.get_attribute("class")
    colours = page.eval_on_selector_all("#text mark.o0, #text mark.o1", "ms => ms.map(m => getComputedStyle(m).backgroundColor)")
    assert len(set(colours)) == 2 and all(c not in ("rgba(0, 0, 0, 0)", "transparent") for c in colours)
    legend = page.locator("#legend .legend-layer:visible li").all_inner_texts()
    assert [x.split(" (")[0] for x in legend] == ["Loaded language", "Name_Calling".replace("_", " ")]
    assert page.locator("#legend .legend-layer:visible li").first.get_attribute("title") == "Loaded_Language"  # the id on hover
    assert "layer=techniques" in page.url  # the view is shareable

    # the confidence threshold hides weak spans and weak panel items
    page.locator("#threshold").fill("0.6")
    page.locator("#threshold").dispatch_event("input")
    assert "o1" not in truce.get_attribute("class") and "o0" in walk.get_attribute("class")
    assert page.locator("#threshold-value").inner_text() == "0.60"
    assert "threshold=0.60" in page.url
    page.locator("#threshold").fill("0")
    page.locator("#threshold").dispatch_event("input")

    # click a highlight: its spans show in the panel (set with textContent by app.js)
    page.check("#layers input[value=roles]")
    page.locator("#text mark", has_text="Minister Ivanova").click()
    detail = page.locator("#span-detail")
    assert detail.is_visible()
    assert "roles: Protagonist (0.90)" in detail.inner_text()

    # select the other narrative: its evidence is shown instead
    page.click("text=URW: Talks are futile")
    page.wait_for_url("**select=narratives**")
    assert "".join(page.locator("#text mark.ev").all_inner_texts()) == "harbour talks stalled"

    # a panel link jumps to the text, switching to its layer
    page.locator("#p-narratives details.evidence summary").first.click()
    page.locator("#p-narratives a.goto").first.click()
    assert page.locator("#text .flash").count() >= 1
    assert page.errors == [] and page.evaluate("window.__violations") == []

    # duplicates view marks the earliest copy
    page.click("header nav >> text=Duplicates")
    page.wait_for_selector("section.cluster")
    earliest = page.locator("tr.earliest").all_inner_texts()
    assert len(earliest) == 1 and "Valley Voice" in earliest[0]
    shot(page, "duplicates.png")
    assert page.dialogs == [] and page.errors == []
    assert page.evaluate("window.__violations") == []


def test_hostile_article_runs_no_script(page, site):
    hostile = hostile_analysis(language_pipeline())
    r = httpx.post(
        site + "/documents",
        json={"analyses": [hostile.to_dict()]},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["ids"][0]

    from urllib.parse import quote

    from tests._web_corpus import HOSTILE_ATTR

    views = [f"/documents/{doc_id}", f"/documents/{doc_id}?layer=quotes", f"/documents/{doc_id}?layer=entities",
             f"/documents/{doc_id}?layer=claims", "/documents?q=bridge", "/", "/documents",
             "/entities/" + quote(HOSTILE_ATTR, safe=""), "/compare?a_source=" + quote(HOSTILE_ATTR, safe="") + "&b_source=Valley+Voice"]
    for path in views:
        page.goto(site + path)
        page.wait_for_load_state("load")
        # give any injected handler a chance to fire
        for el in page.locator("#text mark").all()[:5]:
            el.hover()
            el.click()
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert "PWNED" not in page.title(), path
        assert page.dialogs == [], path
        # no element made from article content: no script but ours, no on* attribute, no javascript: link
        scripts = page.eval_on_selector_all("script", "ss => ss.map(s => s.getAttribute('src'))")
        assert scripts == ["/static/app.js"], path
        handlers = page.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name))"
        )
        assert handlers == [], path
        assert page.locator("a[href^='javascript:' i], iframe, img[src='x'], svg[onload]").count() == 0, path
        assert page.evaluate("window.__violations") == [], path
        for a in page.locator("#panel a.goto").all()[:4]:  # panel links built from hostile data
            a.click()
        assert page.evaluate("typeof window.__pwned") == "undefined" and page.dialogs == [], path

    # the entity page shows the hostile name as text
    page.goto(site + "/entities/" + quote(HOSTILE_ATTR, safe=""))
    assert page.locator("#entity-name").inner_text() == HOSTILE_ATTR
    # the downloaded report, opened as a file, runs nothing either
    with page.expect_download() as dl:
        page.goto(site + f"/documents/{doc_id}")
        page.click("#report-html")
    report = as_html_file(dl.value.path(), "hostile-report.html")
    page.goto(report.as_uri())
    assert page.evaluate("typeof window.__pwned") == "undefined" and page.dialogs == []
    assert page.locator("script").count() == 0 and page.locator("img, iframe, svg").count() == 0
    assert "<script>window.__pwned = 1;" in page.locator("body").inner_text() or "window.__pwned" in page.locator("body").inner_text()

    page.goto(site + f"/documents/{doc_id}")
    text = page.locator("#text").inner_text()
    assert "<script>window.__pwned = 1;" in text  # shown as text, exactly
    assert "onerror=" in text and "javascript:window.__pwned=4" in text
    assert page.locator("#doc-title").inner_text().startswith('"><script>')
    shot(page, "hostile-article.png")
    assert page.errors == []


def test_csp_blocks_inline_script_even_if_markup_slipped_through(page, site):
    """Defence in depth: a page from this server cannot run an inline script at all."""
    page.goto(site + "/")
    ran = page.evaluate(
        """() => new Promise(resolve => {
            const s = document.createElement('script');
            s.textContent = 'window.__inline_ran = true';
            document.body.appendChild(s);
            setTimeout(() => resolve(window.__inline_ran === true), 50);
        })"""
    )
    assert ran is False
    assert any("script-src" in v for v in page.evaluate("window.__violations"))


def test_entity_compare_and_report_pages_read_without_json(page, site):
    # entity page: roles over time and by source, and the articles
    page.goto(site + "/")
    page.click("figure.roles a:text('Minister Ivanova')")
    page.wait_for_selector("#entity-name")
    assert page.locator("#entity-name").inner_text() == "Minister Ivanova"
    assert "Protagonist" in page.locator("#roles-time").inner_text() and "2026-03" in page.locator("#roles-time").inner_text()
    assert "Harbour Herald" in page.locator("#roles-source").inner_text()
    assert page.locator("#entity-articles a.doclink").count() == 1
    shot(page, "entity.png")

    # compare two sources side by side
    page.click("header nav >> text=Compare")
    page.select_option("#compare-form select[name=a_source]", "Harbour Herald")
    page.select_option("#compare-form select[name=b_source]", "Valley Voice")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#compare-narratives table")
    rows = page.locator("#compare-narratives tbody tr").all_inner_texts()
    blaming = next(r for r in rows if r.startswith("URW: Blaming the war on others"))
    assert blaming.split()[-4:] == ["4", "80%", "0", "0%"]
    # tables sort by a click on their header (numbers as numbers)
    head = page.locator("#compare-narratives thead th").nth(3)  # B articles
    head.click()
    head.click()
    first = page.locator("#compare-narratives tbody tr").first.inner_text()
    assert first.startswith("CC: Green policies cost jobs")
    assert head.get_attribute("aria-sort") == "descending"
    shot(page, "compare.png")

    # the article page's report download is a readable, self-contained page
    page.goto(site + "/documents?q=prisoners")
    page.click("a.doclink")
    with page.expect_download() as dl:
        page.click("#report-html")
    path = as_html_file(dl.value.path(), "report.html")
    html = path.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html.replace("https://news.example/harbour", "")  # no external asset
    assert "<link" not in html and "<script" not in html
    page.goto(path.as_uri())
    assert page.locator("h2").first.inner_text() == "Harbour talks stall as both delegations walk out"
    assert "URW: Blaming the war on others" in page.locator("body").inner_text()
    shot(page, "report.png")
    with page.expect_download() as dl:
        page.goto(site + "/documents?q=prisoners")
        page.click("a.doclink")
        page.click("#report-md")
    assert Path(dl.value.path()).read_text(encoding="utf-8").startswith("# Narrascope report")
    assert page.errors == [] and page.dialogs == []

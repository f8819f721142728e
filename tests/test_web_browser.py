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

from ._live_server import live_server
from ._web_corpus import build_corpus, hostile_analysis, language_pipeline

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
ARTIFACTS = Path(os.environ.get("NARRASCOPE_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "tmp" / "artifacts"))
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


def test_dashboard_search_and_article_highlights(page, site):
    page.goto(site + "/")
    assert page.locator("h1").first.inner_text() == "Corpus"
    assert page.locator("#doc-count").inner_text() == "13"
    assert page.locator("svg.line-chart polyline").count() >= 2  # narratives over time
    assert page.locator("svg.bar-chart rect").count() >= 3  # by source
    assert "Heating levy approved (Valley Voice)" in page.locator("ol.clusters").inner_text()
    roles = page.locator("figure.roles tbody tr").all_inner_texts()
    assert any("Minister Ivanova" in r and "Protagonist" in r and "Harbour Herald" in r for r in roles)
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
    page.click("a.doclink")
    page.wait_for_selector("#text mark")
    assert page.locator("#doc-title").inner_text() == "Harbour talks stall as both delegations walk out"
    legend = page.locator("#legend .kind-name").all_inner_texts()
    assert legend == ["claims", "quotes", "roles", "techniques"]
    marked = page.locator("#text mark").all_inner_texts()
    for piece in ["Minister Ivanova", "\"We will never surrender,\"", "the war will end by spring", "walk out"]:
        assert piece in marked, piece
    # overlapping spans: "the rebels" is a role inside the narrative evidence "the rebels broke the truce"
    evidence = "".join(page.locator("#text mark.ev").all_inner_texts())
    assert evidence == "the rebels broke the truce"
    assert "evidence for URW: Blaming the war on others (1)" in " ".join(page.locator("#legend").inner_text().split())
    # every highlight has a visible background colour, and the text is intact
    colours = page.eval_on_selector_all("#text mark:not(.none)", "ms => ms.map(m => getComputedStyle(m).backgroundColor)")
    assert colours and all(c not in ("rgba(0, 0, 0, 0)", "transparent") for c in colours)
    assert page.locator("#text").inner_text().startswith("Harbour talks stall")
    # the side panel lists labels with scores
    panel = page.locator("#panel").inner_text()
    assert "URW: Blaming the war on others" in panel and "0.82" in panel and "0.41" in panel
    shot(page, "article.png")

    # click a highlight: its spans show in the panel (set with textContent by app.js)
    page.locator("#text mark", has_text="Minister Ivanova").click()
    detail = page.locator("#span-detail")
    assert detail.is_visible()
    assert "roles: Protagonist (0.90)" in detail.inner_text()

    # legend toggle hides one kind's colour
    page.locator("#legend input.kind-toggle").nth(1).uncheck()  # quotes
    quote = page.locator("#text mark", has_text="We will never surrender")
    assert "off" in quote.get_attribute("class")

    # one label of a kind can be hidden on its own
    page.locator("#legend details.legend-labels summary").last.click()  # techniques
    page.locator("#legend input.label-toggle").last.uncheck()  # its rarer label: Name_Calling
    truce = page.locator("#text mark", has_text="broke the truce")
    assert "c3" not in truce.get_attribute("class")  # no technique colour left there
    walk = page.locator("#text mark", has_text="walk out")
    assert "c3" in walk.get_attribute("class")  # the other technique label is still shown

    # select the other narrative: its evidence is outlined instead
    page.click("text=URW: Talks are futile")
    page.wait_for_url("**select=narratives**")
    assert "".join(page.locator("#text mark.ev").all_inner_texts()) == "harbour talks stalled"

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

    for path in [f"/documents/{doc_id}", "/documents?q=bridge", "/", "/documents"]:
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

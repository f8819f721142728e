"""Reviewing an article in a real headless Chromium (Playwright, the system browser), on loopback:
accept / reject / add a label, add a span from a text selection, change an entity's role; the queue
page; and hostile article content staying inert on the review views. Skips like test_web_browser."""

from __future__ import annotations

import httpx
import pytest

from narrascope.api import create_app
from narrascope.api.review import ReviewConfig
from narrascope.store import open_store

from tests._live_server import live_server
from tests._web_corpus import HOSTILE_ATTR, build_corpus, hostile_analysis, language_pipeline, peace_analysis
from tests.web.test_web_browser import WATCH_SCRIPT, browser, shot  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser

NARR = "URW: Blaming the war on others"
FUTILE = "URW: Talks are futile"

SELECT_JS = """([needle]) => {
  const root = document.getElementById('text');
  const i = root.textContent.indexOf(needle);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let pos = 0, node, range = document.createRange(), started = false;
  while ((node = walker.nextNode())) {
    const len = node.textContent.length;
    if (!started && i < pos + len) { range.setStart(node, i - pos); started = true; }
    if (started && i + needle.length <= pos + len) { range.setEnd(node, i + needle.length - pos); break; }
    pos += len;
  }
  const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
  return sel.toString();
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("review-browser") / "corpus.db"
    with open_store(str(db)) as store:
        store.add_analyses(build_corpus(language_pipeline()) + [hostile_analysis(language_pipeline())])
    app = create_app(str(db), pipeline=language_pipeline(), review=ReviewConfig(loopback=True, default_reviewer="ana"))
    with live_server(app) as url:
        yield url


@pytest.fixture()
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.add_init_script(WATCH_SCRIPT)
    pg.dialogs, pg.errors = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def status_of(page, label: str) -> str:
    return page.locator(f'#review li.rv-item[data-label="{label}"]').first.get_attribute("data-status")


def test_an_analyst_reviews_an_article_in_the_browser(page, site):
    doc = peace_analysis(language_pipeline()).document
    page.goto(f"{site}/documents/{doc.id}?format=html")
    assert "Reviewing as" in page.locator("#rv-who").inner_text()
    assert status_of(page, NARR) == "model"

    with page.expect_navigation():
        page.locator(f'#review li.rv-item[data-label="{NARR}"] button.rv-accept').click()
    assert status_of(page, NARR) == "accepted"
    with page.expect_navigation():
        page.locator(f'#review li.rv-item[data-label="{FUTILE}"] button.rv-reject').click()
    assert status_of(page, FUTILE) == "rejected"

    page.fill('#rv-add-label input[name="label"]', "CC: Amplifying Climate Fears")
    with page.expect_navigation():
        page.locator('#rv-add-label button[type="submit"]').click()
    assert status_of(page, "CC: Amplifying Climate Fears") == "added"

    # a missing span: select it in the article, let the page fill the offsets, name it
    assert page.evaluate(SELECT_JS, ["walk out"]) == "walk out"
    page.click("#rv-use-selection")
    start = doc.text.index("walk out")
    assert page.input_value("#rv-start") == str(start) and page.input_value("#rv-end") == str(start + len("walk out"))
    assert page.locator("#rv-selection").inner_text() == "\u201cwalk out\u201d"
    page.select_option('#rv-add-span select[name="task"]', "techniques")
    page.fill('#rv-add-span input[name="label"]', "Exaggeration")
    with page.expect_navigation():
        page.locator('#rv-add-span button[type="submit"]').click()
    added = page.locator('.rv-spans li.rv-added')
    assert added.count() == 1 and "Exaggeration" in added.inner_text() and "walk out" in added.inner_text()

    row = page.locator('table.rv-roles tr[data-entity="the rebels"]')
    row.locator('select[name="label"]').select_option("Innocent")
    row.locator('input[name="fine_roles"]').fill("Victim")
    with page.expect_navigation():
        row.locator("button.rv-set").click()
    row = page.locator('table.rv-roles tr[data-entity="the rebels"]')
    assert row.get_attribute("data-status") == "changed" and "Innocent" in row.inner_text()
    shot(page, "review-article.png")

    rows = httpx.get(f"{site}/review/documents/{doc.id}").json()["corrections"]
    assert [(r["kind"], r["action"]) for r in rows] == [("label", "accept"), ("label", "reject"), ("label", "add"),
                                                        ("span", "add"), ("role", "set")]
    assert all(r["reviewer"] == "ana" for r in rows)
    span = rows[3]
    assert doc.text[span["span_start"] : span["span_end"]] == "walk out"

    page.goto(f"{site}/review")
    assert page.locator("#rv-progress tr.total").inner_text().split()[1] == "1"  # one reviewed document
    assert doc.id not in page.locator("#rv-queue").inner_html()
    shot(page, "review-queue.png")
    assert page.dialogs == [] and page.errors == []
    assert page.evaluate("window.__violations") == []


def test_hostile_content_stays_inert_on_the_review_views(page, site):
    hostile = hostile_analysis(language_pipeline()).document
    page.goto(f"{site}/documents/{hostile.id}?format=html")
    # review the hostile label and add one more hostile label, then look at every review view
    with page.expect_navigation():
        page.locator('#review li.rv-item button.rv-reject').first.click()
    page.fill('#rv-add-label input[name="label"]', HOSTILE_ATTR)
    with page.expect_navigation():
        page.locator('#rv-add-label button[type="submit"]').click()
    for path in [f"/documents/{hostile.id}?format=html", "/review?include_reviewed=true", "/review", "/review/login"]:
        page.goto(site + path)
        page.wait_for_load_state("load")
        for el in page.locator("#review li:visible, #rv-queue li:visible, #text mark:visible").all()[:8]:
            el.hover()
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.dialogs == [], path
        scripts = page.eval_on_selector_all("script", "ss => ss.map(s => s.getAttribute('src'))")
        assert set(scripts) <= {"/static/app.js", "/static/review.js"}, path
        handlers = page.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name))"
        )
        assert handlers == [], path
        assert page.evaluate("window.__violations") == [], path
    page.goto(f"{site}/documents/{hostile.id}?format=html")
    shown = page.eval_on_selector_all("#review .rv-label", "ls => ls.map(l => l.textContent)")
    assert shown.count(HOSTILE_ATTR) >= 2  # the model's hostile label and the added one, shown as text

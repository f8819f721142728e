"""Take the README screenshots (docs/screenshots/*.png) in headless Chromium against a live server.

    PYTHONPATH=src python scripts/screenshots.py [--out docs/screenshots]

The corpus: examples/peace-talks.txt analysed by the full shipped pipeline, plus the made-up test
corpus of tests/_web_corpus.py (sources and dates over three months). Needs Chromium and playwright.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrascope.api import create_app  # noqa: E402
from narrascope.document import Document  # noqa: E402
from narrascope.pipeline import Pipeline  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from tests._live_server import live_server  # noqa: E402
from tests._web_corpus import build_corpus, language_pipeline  # noqa: E402

CHROMIUM = os.environ.get("NARRASCOPE_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db = Path(tempfile.mkdtemp()) / "shots.db"
    text = (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8")
    doc = Document.create(text, source="Example Wire", published="2026-03-14", title_in_text=True,
                          title=text.strip().split("\n", 1)[0])
    real = Pipeline.from_config().analyze(doc)
    with open_store(str(db)) as store:
        store.add_analyses([real, *build_corpus(language_pipeline())])
    app = create_app(str(db), pipeline=language_pipeline())
    from playwright.sync_api import sync_playwright

    with live_server(app) as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1360, "height": 860})

        def shot(name: str, full: bool = False) -> None:
            page.screenshot(path=str(out / name), full_page=full)
            print("wrote", out / name)

        page.goto(url + f"/documents/{real.document.id}?layer=techniques")
        shot("article.png")
        page.goto(url + f"/documents/{real.document.id}?layer=quotes")
        page.locator("#p-quotes").scroll_into_view_if_needed()
        shot("article-quotes.png")
        page.goto(url + "/")
        shot("dashboard.png")
        page.goto(url + "/entities/Minister%20Ivanova")
        shot("entity.png")
        page.goto(url + "/compare?a_source=Harbour+Herald&b_source=Valley+Voice")
        shot("compare.png")
        b.close()
    # the report is a download: render the file itself
    from narrascope.formats.report import render_report

    rep = Path(tempfile.mkdtemp()) / "report.html"
    rep.write_text(render_report([real.to_dict()], "html"), encoding="utf-8")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1000, "height": 860})
        page.goto(rep.as_uri())
        page.screenshot(path=str(out / "report.png"))
        print("wrote", out / "report.png")
        b.close()


if __name__ == "__main__":
    main()

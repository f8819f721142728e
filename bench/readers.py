"""Reader throughput: documents/s for reading + splitting synthetic articles in every input format.

Generates N synthetic news-like articles (our own generator: ~600 words, ~30 sentences in 6
paragraphs, with titles, dates, outlets, quotes and abbreviations) and writes them into a temp dir
as: a folder of .txt files (shared-task layout), one .jsonl, one .json array, one .csv, a folder
of .html pages (with nav/footer/script boilerplate), RSS feeds (100 entries each) and one
.warc.gz archive (a request + an HTML response record per article). Each format is then read in a
fresh subprocess with ``iter_documents`` (decoding, extraction, Document.create = paragraph and
sentence splitting) and timed: wall clock, CPU time of the process (steadier on a shared machine),
and the CPU split between sentence splitting and everything else (reading, decoding, extraction);
the child reports its own peak RSS. Never asserted in tests.

    .venv/bin/python bench/readers.py                 # 10,000 articles per format
    .venv/bin/python bench/readers.py --n 2000 --formats jsonl,html
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

FORMATS = ["txt", "jsonl", "json", "csv", "html", "feed", "warc"]

# -- a small synthetic news generator (our own words) ----------------------------------------------

PLACES = ["Port Avery", "Carrow", "Elm Hollow", "Kessel", "the northern valleys", "the capital", "Larkspur", "Brenmoor"]
ACTORS = ["the finance ministry", "the city council", "opposition leaders", "the harbour board", "union officials",
          "the health secretary", "local farmers", "the regional governor", "Gen. Marta Ilves", "Dr. Samuel Okoro",
          "the U.S. embassy", "Mayor Lena Okafor", "the water company", "transport planners"]
VERBS = ["announced", "rejected", "defended", "criticised", "postponed", "approved", "questioned", "welcomed"]
OBJECTS = ["a plan to raise water bills", "the new tram line", "cuts to rural bus routes", "the grain export deal",
           "a review of hospital waiting lists", "higher berth fees for cruise ships", "the emergency housing fund",
           "a freeze on public sector pay"]
TAILS = ["on Tuesday", "after a tense meeting", "despite weeks of protests", "before the Jan. 14 deadline",
         "in a statement released late on Friday", "at 3 p.m. local time", "for the second time this year"]
QUOTES = ["We will not be rushed into a bad decision", "Families cannot afford another increase",
          "The numbers simply do not add up", "This is a victory for common sense", "They have ignored us for years"]
OUTLETS = ["Coastal Herald", "Northern Ledger", "Riverside Courier", "Metro Daily", "Valley Post"]


def make_article(i: int, rng: random.Random) -> dict:
    paragraphs = []
    for _ in range(6):
        sents = []
        for _ in range(5):
            kind = rng.random()
            if kind < 0.15:
                sents.append(f'"{rng.choice(QUOTES)}," said {rng.choice(ACTORS)}.')
            elif kind < 0.25:
                n = rng.randint(2, 95)
                sents.append(f"Figures published in {rng.choice(PLACES)} show a rise of {n}.{rng.randint(0, 9)} per cent since 2019.")
            else:
                actor = rng.choice(ACTORS)
                sents.append(f"{actor[0].upper()}{actor[1:]} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in "
                             f"{rng.choice(PLACES)} {rng.choice(TAILS)}, according to people familiar with the talks.")
        paragraphs.append(" ".join(sents))
    title = f"{rng.choice(ACTORS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} (story {i})"
    published = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=37 * i)
    return {"id": f"bench-{i:05d}", "title": title, "paragraphs": paragraphs, "source": rng.choice(OUTLETS),
            "url": f"https://news.example/{i}", "published": published}


def html_of(a: dict) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in a["paragraphs"])
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{a["title"]} | {a["source"]}</title>'
        f'<meta property="og:site_name" content="{a["source"]}">'
        f'<meta property="article:published_time" content="{a["published"].isoformat()}">'
        f'<link rel="canonical" href="{a["url"]}"><script>var tracking = {{id: {len(a["title"])}}};</script></head>'
        f'<body><nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/sport">Sport</a></nav>'
        f'<article><h1>{a["title"]}</h1>{body}</article>'
        f'<aside><h3>Most read</h3><ul><li>Cup final tickets</li><li>Best pubs</li></ul></aside>'
        f"<footer>Copyright {a['source']}. All rights reserved.</footer></body></html>"
    )


def generate(n: int, out: Path, formats: list[str], seed: int = 1) -> None:
    rng = random.Random(seed)
    arts = [make_article(i, rng) for i in range(n)]
    text = lambda a: "\n\n".join(a["paragraphs"])  # noqa: E731
    if "txt" in formats:
        d = out / "txt"
        d.mkdir()
        for a in arts:
            (d / f"{a['id']}.txt").write_text(f"{a['title']}\n\n{text(a)}\n", encoding="utf-8")
    records = [{"id": a["id"], "title": a["title"], "text": text(a), "url": a["url"], "source": a["source"],
                "published": a["published"].isoformat()} for a in arts]
    if "jsonl" in formats:
        with open(out / "articles.jsonl", "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if "json" in formats:
        (out / "articles.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    if "csv" in formats:
        with open(out / "articles.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(records[0]))
            w.writeheader()
            w.writerows(records)
    if "html" in formats:
        d = out / "html"
        d.mkdir()
        for a in arts:
            (d / f"{a['id']}.html").write_text(html_of(a), encoding="utf-8")
    if "feed" in formats:
        from email.utils import format_datetime
        from xml.sax.saxutils import escape

        d = out / "feed"
        d.mkdir()
        for k in range(0, n, 100):
            items = "".join(
                f"<item><title>{escape(a['title'])}</title><link>{a['url']}</link><guid>{a['url']}</guid>"
                f"<pubDate>{format_datetime(a['published'])}</pubDate>"
                f"<description>{escape(''.join(f'<p>{p}</p>' for p in a['paragraphs']))}</description></item>"
                for a in arts[k:k + 100]
            )
            (d / f"feed-{k // 100:04d}.rss").write_text(
                f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench feed</title>'
                f"<link>https://news.example/</link><description>x</description>{items}</channel></rss>",
                encoding="utf-8",
            )
    if "warc" in formats:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        with open(out / "crawl.warc.gz", "wb") as f:
            writer = WARCWriter(f, gzip=True)
            for a in arts:
                req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example")], is_http_request=True)
                writer.write_record(writer.create_warc_record(a["url"], "request", payload=io.BytesIO(b""), http_headers=req))
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    a["url"], "response", payload=io.BytesIO(html_of(a).encode("utf-8")), http_headers=headers))


SOURCES = {"txt": "txt", "jsonl": "articles.jsonl", "json": "articles.json", "csv": "articles.csv",
           "html": "html", "feed": "feed", "warc": "crawl.warc.gz"}


def child(fmt: str, data_dir: Path) -> None:
    """Runs in a fresh process: import, read everything, report docs, seconds, sentences, RSS."""
    t0 = time.perf_counter()
    import narrascope.document as document_module
    from narrascope.readers import iter_documents

    split_cpu = [0.0]
    real_split = document_module.sentence_spans

    def timed_split(*a, **k):  # CPU spent in sentence splitting, to tell reading from splitting
        c = time.process_time()
        try:
            return real_split(*a, **k)
        finally:
            split_cpu[0] += time.process_time() - c

    document_module.sentence_spans = timed_split

    failures: list = []
    docs = sentences = chars = 0
    t1 = time.perf_counter()
    c1 = time.process_time()
    for d in iter_documents([str(data_dir / SOURCES[fmt])], on_failure=failures.append):
        docs += 1
        sentences += len(d.sentences)
        chars += len(d.text)
    t2 = time.perf_counter()
    cpu = time.process_time() - c1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"format": fmt, "docs": docs, "failures": len(failures), "seconds": t2 - t1, "cpu_s": cpu, "split_cpu_s": split_cpu[0],
                      "import_s": t1 - t0, "sentences": sentences, "chars": chars, "peak_rss_mb": rss}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="articles per format (default 10,000)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset of " + ",".join(FORMATS))
    ap.add_argument("--child", nargs=2, metavar=("FORMAT", "DIR"), help=argparse.SUPPRESS)
    ap.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    if args.generate:
        generate(args.n, Path(args.generate), formats)
        return
    with tempfile.TemporaryDirectory(prefix="narrascope-bench-readers-") as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        # generated in a child too: an exec'd child inherits its parent's peak RSS on Linux, so the
        # parent stays small for the per-format RSS numbers to mean something
        subprocess.run([sys.executable, __file__, "--generate", str(out), "--n", str(args.n), "--formats", args.formats],
                       check=True)
        print(f"generated {args.n:,} articles per format in {time.perf_counter() - t:.1f} s", flush=True)
        print(f"{'format':<7} {'docs':>7} {'fail':>5} {'seconds':>8} {'docs/s':>8} {'docs/cpu-s':>10} {'split ms/doc':>12} {'read ms/doc':>11} {'MB/s':>6} {'sent/doc':>8} {'peak RSS MB':>11}")
        for fmt in formats:
            res = subprocess.run([sys.executable, __file__, "--child", fmt, str(out)], capture_output=True, text=True)
            if res.returncode != 0:
                print(f"{fmt:<7} failed: {res.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            size = sum(p.stat().st_size for p in (out / SOURCES[fmt]).rglob("*") if p.is_file()) if (out / SOURCES[fmt]).is_dir() \
                else (out / SOURCES[fmt]).stat().st_size
            print(f"{fmt:<7} {r['docs']:>7,} {r['failures']:>5} {r['seconds']:>8.1f} {r['docs'] / r['seconds']:>8.0f} {r['docs'] / r['cpu_s']:>10.0f} "
                  f"{1000 * r['split_cpu_s'] / max(1, r['docs']):>12.2f} {1000 * (r['cpu_s'] - r['split_cpu_s']) / max(1, r['docs']):>11.2f} "
                  f"{size / 1e6 / r['seconds']:>6.1f} {r['sentences'] / max(1, r['docs']):>8.1f} {r['peak_rss_mb']:>11.0f}",
                  flush=True)


if __name__ == "__main__":
    main()

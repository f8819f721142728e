"""Monitoring benchmark: items/s of a watch cycle, and the cost of evaluating alert rules at 100k documents.

All feeds and documents are synthetic (made up here). Prints numbers, asserts nothing.

    .venv/bin/python bench/monitor.py                 # 100,000 documents for the rules part
    .venv/bin/python bench/monitor.py --docs 20000 --items 200 --full-items 40

Sections:
1. watch cycle: ``--feeds`` RSS feeds on a loopback HTTP server with ``--items`` entries in all
   (full content, no page fetch), one ``Watcher.cycle()`` into a fresh SQLite store, items/s --
   with the ``language`` analyzer only (fetch + parse + store overhead) and with every registered
   analyzer (``--full-items`` entries); then a second cycle where every feed answers 304;
2. rules: a store of ``--docs`` documents over 60 days (12 sources, narratives, techniques,
   entity roles), then each rule of a realistic rule set evaluated (``dry_run``: nothing stored),
   median ms of 3 runs, and the whole set.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from narrascope.document import Analysis, Document, Label, Span  # noqa: E402
from narrascope.monitor import FeedSpec, Watcher, evaluate_rules, parse_rules  # noqa: E402
from narrascope.monitor.rules import RuleSet  # noqa: E402
from narrascope.pipeline import Pipeline  # noqa: E402
from narrascope.readers import ReadOptions  # noqa: E402
from narrascope.store import open_store  # noqa: E402
from tests._feed_server import FeedServer, rss  # noqa: E402

WORDS = ("minister council harbour ferry grain energy levy parliament border army talks truce rebels price winter bill "
         "election court river bridge tunnel school strike union budget tariff export drought hospital nurses police "
         "report village festival museum library water supply treaty summit drone factory workers wages tax reform "
         "pension inflation bank market farmers railway station airport contract mayor plan flood storm grid").split()
SOURCES = [f"outlet-{i:02d}" for i in range(12)]
NARRATIVES = [f"Narrative {c}" for c in "ABCDEFGHIJKL"]
TECHNIQUES = ["Loaded_Language", "Doubt", "Name_Calling", "Flag_Waving", "Appeal_to_Fear", "Exaggeration"]
ENTITIES = [f"Person {i}" for i in range(40)]
ROLES = ["Protagonist", "Antagonist", "Innocent"]
AS_OF = date(2026, 3, 31)

RULES = parse_rules({"rules": [
    {"id": "narrative-surge", "type": "surge", "what": "narrative"},
    {"id": "narrative-surge-per-source", "type": "surge", "what": "narrative", "per_source": True},
    {"id": "technique-surge", "type": "surge", "what": "technique"},
    {"id": "role-surge", "type": "surge", "what": "entity_role", "roles": ["Antagonist"]},
    {"id": "keyword-surge", "type": "surge", "what": "keyword", "keywords": ["blackout", "drone strike"]},
    {"id": "new-narrative-in-outlet", "type": "new_narrative_for_source"},
    {"id": "villain", "type": "new_entity_role", "roles": ["Antagonist"], "min_sources": 2},
]})


def article(i: int, rng: random.Random) -> str:
    return " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() + "." for _ in range(rng.randint(10, 20)))


# -- 1. watch cycle ------------------------------------------------------------------------------------
def watch_cycle(n_feeds: int, n_items: int, analyzers: list[str] | None, label: str) -> None:
    rng = random.Random(n_items)
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        urls = []
        per = max(1, n_items // n_feeds)
        for f in range(n_feeds):
            items = [{"guid": f"f{f}-{i}", "title": f"Story {f}-{i}", "link": f"https://news.invalid/{f}/{i}",
                      "date": "Tue, 31 Mar 2026 08:00:00 GMT", "content": f"<p>{article(i, rng)}</p>"} for i in range(per)]
            urls.append(server.set(f"/feed{f}.rss", rss(f"Outlet {f}", items)))
        pipe = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
        t0 = time.perf_counter()
        pipe.load()
        load = time.perf_counter() - t0
        with open_store(str(Path(tmp) / "w.db")) as store:
            w = Watcher(store, [FeedSpec(u) for u in urls], pipeline=pipe,
                        read_options=ReadOptions(allow_private_network=True), every=900)
            rep = w.cycle()
            rep2 = w.cycle()
        stored = rep.total("stored")
        print(f"  {label:<26} {stored / rep.seconds:>7.1f} items/s ({stored} items from {n_feeds} feeds in "
              f"{rep.seconds:.1f} s; model load {load:.1f} s not included); next cycle, all 304: "
              f"{rep2.seconds * 1000:.0f} ms")


# -- 2. rules at scale ---------------------------------------------------------------------------------
def synthetic(i: int, n: int, rng: random.Random) -> Analysis:
    back = int(60 * (n - 1 - i) / n)  # 60 days ending on AS_OF, evenly filled
    day = AS_OF - timedelta(days=back)
    text = article(i, rng)
    if back == 0 and rng.random() < 0.3:
        text += " The blackout spread."
    doc = Document.create(text, title=f"Story {i}", id=f"d{i}", source=SOURCES[i % len(SOURCES)],
                          url=f"https://news.invalid/{i}", published=f"{day.isoformat()}T{8 + i % 10:02d}:00:00Z")
    a = Analysis(document=doc)
    end = len(doc.text)
    labs = rng.sample(NARRATIVES[:-1], rng.randint(0, 2))
    if back == 0 and rng.random() < 0.4:  # a surge on the last day
        labs = list(dict.fromkeys(labs + ["Narrative A"]))
    for lab in labs:
        s = rng.randrange(0, max(1, end - 40))
        a.add_labels("narratives", [Label(lab, rng.random(), "narratives", [Span(s, min(end, s + 40), lab, "narratives")])])
    for _ in range(rng.randint(0, 4)):
        s = rng.randrange(0, max(1, end - 20))
        a.spans.append(Span(s, min(end, s + 20), rng.choice(TECHNIQUES), "techniques", rng.random()))
    a.data["entities"] = [{"name": e, "main_role": rng.choice(ROLES), "fine_roles": []} for e in rng.sample(ENTITIES, 2)]
    return a


def rules_at_scale(n: int, db: str) -> None:
    with open_store(db) as store:
        have = store.count_documents()
        if have < n:
            rng = random.Random(7)
            t0 = time.perf_counter()
            for start in range(have, n, 5000):
                store.add_analyses([synthetic(i, n, rng) for i in range(start, min(n, start + 5000))], batch_size=1000)
            print(f"  built a store of {store.count_documents():,} documents in {time.perf_counter() - t0:.0f} s")
        total = []
        for rule in RULES:
            rs = RuleSet((rule,))
            ts, fired = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                fired = evaluate_rules(store, rs, as_of=AS_OF, dry_run=True)
                ts.append((time.perf_counter() - t0) * 1000)
            total.append(statistics.median(ts))
            print(f"  {rule.id:<28} {statistics.median(ts):>8.0f} ms  ({len(fired)} alert(s) would fire)")
        t0 = time.perf_counter()
        fired = evaluate_rules(store, RULES, as_of=AS_OF)
        dt = time.perf_counter() - t0
        print(f"  {'whole rule set, stored':<28} {dt * 1000:>8.0f} ms  ({len(fired)} new alert(s) stored; sum of medians "
              f"{sum(total):.0f} ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=10)
    ap.add_argument("--items", type=int, default=500, help="entries in the language-only watch cycle")
    ap.add_argument("--full-items", type=int, default=60, help="entries in the all-analyzers watch cycle")
    ap.add_argument("--docs", type=int, default=100_000, help="documents in the rules store")
    ap.add_argument("--db", default=None, help="keep/reuse the rules store here (default: a temporary file)")
    ap.add_argument("--only", choices=["watch", "rules"], default=None, help="run one section only")
    args = ap.parse_args()
    if args.only != "rules":
        print("watch cycle (loopback HTTP, SQLite):")
        watch_cycle(args.feeds, args.items, ["language"], "language only")
        watch_cycle(args.feeds, args.full_items, None, "all analyzers")
    if args.only == "watch":
        return
    print(f"rule evaluation at {args.docs:,} documents (SQLite, dry run, median of 3):")
    if args.db:
        rules_at_scale(args.docs, args.db)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rules_at_scale(args.docs, str(Path(tmp) / "rules.db"))


if __name__ == "__main__":
    main()

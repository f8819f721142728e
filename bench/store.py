"""Store benchmark: ingest rate (with and without analysis) and query latency at 100k documents.

All documents are synthetic (made up here; no shared data). Prints numbers, asserts nothing.

    .venv/bin/python bench/store.py                    # 100,000 documents, SQLite
    .venv/bin/python bench/store.py --docs 20000 --pg  # also PostgreSQL (throwaway local server)
    .venv/bin/python bench/store.py --api              # then bench/api.py (GET /documents, 20 clients)

Sections:
1. store-only ingest: ``Store.add_analyses`` of ready analyses (labels, spans, entities), docs/s;
2. ingest with analysis: ``narrascope.store.ingest.ingest_sources`` over .txt files with the
   ``language`` analyzer only and with every registered analyzer, docs/s;
3. query latency on a store of ``--docs`` documents: median / p95 ms per query kind;
4. hook: ``--api`` runs ``bench/api.py`` (the REST API's requests/s) on the same size.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from narrascope.document import Analysis, Document, Label, Span  # noqa: E402
from narrascope.store import open_store  # noqa: E402

WORDS = (
    "minister council harbour ferry grain energy levy parliament border army talks truce rebels price "
    "winter bill election court river bridge tunnel school strike union budget tariff export drought "
    "hospital nurses police report village festival museum library water supply treaty summit drone "
    "factory workers wages tax reform pension inflation bank market farmers railway station airport "
    "contract mayor plan flood storm grid cables engineers protest crossing diplomats ceasefire"
).split()
SYLLABLES = "ba be bi bo da de di do ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to va ve vi vo".split()
_vr = random.Random(0)
# a news-like vocabulary: the topic words above plus 5,000 made-up words with Zipf frequencies
VOCAB = WORDS + sorted({"".join(_vr.choice(SYLLABLES) for _ in range(_vr.randint(2, 4))) for _ in range(6000)})[:5000]
_vr.shuffle(VOCAB)
ZIPF = [1.0 / (r + 1) ** 1.05 for r in range(len(VOCAB))]
SOURCES = [f"outlet-{i:02d}" for i in range(12)]
NARRATIVES = [f"Narrative {c}" for c in "ABCDEFGHIJ"]
TECHNIQUES = ["Loaded_Language", "Doubt", "Name_Calling", "Flag_Waving", "Appeal_to_Fear", "Exaggeration",
              "Repetition", "Slogans"]
ENTITIES = ["Minister Vale", "the Council", "Harbour Union", "General Ostrow", "the Bank", "Mayor Lind"]
ROLES = ["Protagonist", "Antagonist", "Innocent"]


_last = [""]


def synthetic(i: int, rng: random.Random) -> Analysis:
    n = rng.randint(12, 30)
    body = " ".join(" ".join(rng.choices(VOCAB, ZIPF, k=rng.randint(8, 18))).capitalize() + "." for _ in range(n))
    if i % 50 == 49 and _last[0]:  # 2% republished: the previous document's body with a new first sentence
        body = "Republished today. " + _last[0]
    _last[0] = body
    day = 1 + (i * 7919) % 365
    doc = Document.create(body, title=f"Story {i}: {' '.join(rng.choices(WORDS, k=4))}", id=f"doc-{i}",
                          source=SOURCES[i % len(SOURCES)], url=f"https://news.invalid/{i}",
                          published=f"2024-{1 + (day - 1) // 31 % 12:02d}-{1 + (day - 1) % 28:02d}T08:00:00Z")
    a = Analysis(document=doc)
    end = len(doc.text)
    for lab in rng.sample(NARRATIVES, rng.randint(0, 2)):
        s = rng.randrange(0, max(1, end - 40))
        a.add_labels("narratives", [Label(lab, rng.random(), "narratives", [Span(s, min(end, s + 40), lab, "narratives")])])
    for _ in range(rng.randint(0, 5)):
        s = rng.randrange(0, max(1, end - 20))
        a.spans.append(Span(s, min(end, s + 20), rng.choice(TECHNIQUES), "techniques", rng.random()))
    a.data["entities"] = [{"name": e, "main_role": rng.choice(ROLES), "fine_roles": []} for e in rng.sample(ENTITIES, 2)]
    a.versions.update(narratives="bench", techniques="bench", entities="bench")
    return a


def timed(fn, reps: int) -> tuple[float, float]:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return statistics.median(ts), ts[min(len(ts) - 1, int(0.95 * len(ts)))]


def store_only_ingest(url: str, n: int, label: str) -> None:
    rng = random.Random(1)
    analyses = [synthetic(i, rng) for i in range(n)]
    with open_store(url) as s:
        t0 = time.perf_counter()
        r = s.add_analyses(analyses, batch_size=500)
        dt = time.perf_counter() - t0
        t0 = time.perf_counter()
        r2 = s.add_analyses(analyses, batch_size=500)
        dt2 = time.perf_counter() - t0
    print(f"  {label:<28} {r.added / dt:>8,.0f} docs/s stored ({n} docs); re-ingest of the same: "
          f"{r2.skipped / dt2:,.0f} docs/s skipped")


def analysed_ingest(tmp: Path, n: int) -> None:
    from narrascope.analyzers import analyzer_names
    from narrascope.pipeline import Pipeline
    from narrascope.store.ingest import ingest_sources

    folder = tmp / "txt"
    folder.mkdir(exist_ok=True)
    rng = random.Random(2)
    for i in range(n):
        a = synthetic(100_000 + i, rng)
        (folder / f"a{i:05d}.txt").write_text(a.document.text, encoding="utf-8")
    for name, analyzers in (("language only", ["language"]), (f"all registered ({len(analyzer_names())})", None)):
        db = tmp / f"an-{len(analyzers or [])}.db"
        try:
            pipe = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
            t0 = time.perf_counter()
            pipe.load()
            load = time.perf_counter() - t0
            with open_store(str(db)) as s:
                t0 = time.perf_counter()
                r = ingest_sources([str(folder)], s, pipeline=pipe, batch_size=64)
                dt = time.perf_counter() - t0
            print(f"  {name:<28} {r.added / dt:>8,.1f} docs/s ({r.added} docs, {len(r.failures)} failed; "
                  f"model load {load:.1f} s not included)")
        except Exception as e:  # noqa: BLE001 - analyzers are being written concurrently
            print(f"  {name:<28} failed: {type(e).__name__}: {e}")


def query_latency(url: str, n: int, label: str, reuse: bool = False) -> None:
    with open_store(url) as s:
        have = s.count_documents()
        if have < n:
            rng = random.Random(3)
            t0 = time.perf_counter()
            batch = []
            for i in range(have, n):
                batch.append(synthetic(i, rng))
                if len(batch) == 5000:
                    s.add_analyses(batch, batch_size=1000)
                    batch = []
            if batch:
                s.add_analyses(batch, batch_size=1000)
            dt = time.perf_counter() - t0
            print(f"  built {label} store of {n:,} docs in {dt:.0f} s ({(n - have) / dt:,.0f} docs/s incl. generation)")
        deep = s.list_documents(narrative="Narrative C", limit=5000, count_limit=None).next_cursor  # keyset cursor
        queries = {
            "list newest (page 1)": lambda: s.list_documents(limit=50),
            "list page 100": lambda: s.list_documents(limit=50, offset=5000),
            "filter source": lambda: s.list_documents(source="outlet-03", limit=50),
            "filter date range": lambda: s.list_documents(date_from="2024-03-01", date_to="2024-03-31", limit=50),
            "filter narrative": lambda: s.list_documents(narrative="Narrative C", limit=50),
            "narrative page 100 offset": lambda: s.list_documents(narrative="Narrative C", limit=50, offset=5000),
            "narrative page 100 cursor": lambda: s.list_documents(narrative="Narrative C", limit=50, after=deep),
            "filter technique+source": lambda: s.list_documents(technique="Doubt", source="outlet-05", limit=50),
            "filter technique (broad)": lambda: s.list_documents(technique="Doubt", limit=50),
            "filter narrative+month": lambda: s.list_documents(narrative="Narrative C", date_from="2024-03-01",
                                                              date_to="2024-03-31", limit=50),
            "search one word": lambda: s.list_documents(q="drought", limit=50),
            "search word+source": lambda: s.list_documents(q="drought", source="outlet-05", limit=50),
            "search two words": lambda: s.list_documents(q="harbour ferry", limit=50),
            "search phrase": lambda: s.list_documents(q='"grain export"', limit=50),
            "get one document": lambda: s.get("doc-4242"),
            "stats narratives/week": lambda: s.stats_narratives(by="week"),
            "stats techniques/source": lambda: s.stats_techniques(by="source"),
            "entity roles": lambda: s.entity_roles(),
            "sources": lambda: s.sources(),
        }
        print(f"  {'query':<26} {'median ms':>9} {'p95 ms':>8}  {'total':>8}   ({label}, {s.count_documents():,} docs)")
        for name, fn in queries.items():
            med, p95 = timed(fn, 3 if name.startswith("stats") or name == "entity roles" else 15)
            res = fn()
            total = ""
            if name.startswith(("list", "filter", "search")):  # "10000+": counting stopped at the limit
                total = f"{res[1]}{'+' if getattr(res, 'total_is_lower_bound', False) else ''}"
            print(f"  {name:<26} {med:>9.1f} {p95:>8.1f}  {total:>8}")
        t0 = time.perf_counter()
        clusters = s.duplicate_clusters()
        print(f"  {'duplicate clusters (cold)':<26} {(time.perf_counter() - t0) * 1000:>9.0f}           "
              f"({len(clusters)} clusters)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000, help="store size for query latency")
    ap.add_argument("--ingest-docs", type=int, default=5000, help="documents for the store-only ingest rate")
    ap.add_argument("--analysed-docs", type=int, default=300, help="documents for the ingest-with-analysis rate")
    ap.add_argument("--db", default=None, help="reuse/keep this SQLite file for the query part (default: temp)")
    ap.add_argument("--pg", action="store_true", help="also run against a throwaway local PostgreSQL server")
    ap.add_argument("--pg-docs", type=int, default=None, help="store size for the PostgreSQL query part (default: --docs)")
    ap.add_argument("--api", action="store_true", help="then run bench/api.py (REST API requests/s)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="narrascope-bench-"))
    print("1. store-only ingest (ready analyses; content hash, JSON, labels, entities, MinHash, FTS)")
    store_only_ingest(str(tmp / "ingest.db"), args.ingest_docs, "SQLite")
    pg = None
    if args.pg:
        from tests.pgserver import PostgresServer, find_bindir

        if find_bindir() is None:
            print("  PostgreSQL: server binaries not found, skipped")
        else:
            pg = PostgresServer().start()
            store_only_ingest(pg.create_database("bench_ingest"), args.ingest_docs, "PostgreSQL")
    if args.analysed_docs > 0:
        print("2. ingest with analysis (read .txt -> Pipeline.pipe -> store)")
        analysed_ingest(tmp, args.analysed_docs)
    print(f"3. query latency at {args.docs:,} documents")
    db = args.db or str(tmp / "big.db")
    query_latency(db, args.docs, "SQLite")
    size = sum(p.stat().st_size for p in Path(db).parent.glob(Path(db).name + "*"))
    print(f"  SQLite file size: {size / 1e6:,.0f} MB ({size / args.docs / 1000:.1f} kB/doc)")
    if pg is not None:
        try:
            query_latency(pg.create_database("bench_query"), args.pg_docs or args.docs, "PostgreSQL")
        finally:
            pg.stop()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.api:
        api = ROOT / "bench" / "api.py"
        if api.exists():
            print("4. REST API (bench/api.py)")
            subprocess.run([sys.executable, str(api), "--docs", str(min(args.docs, 100_000))], check=False)
        else:
            print("4. REST API: bench/api.py not present")
    if not args.db:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""API throughput: requests/s for GET /documents with concurrent loopback clients.

Builds a SQLite store of N synthetic analysed documents (made up here, no shared data), starts
`narrascope serve` on a free 127.0.0.1 port in a subprocess (one uvicorn worker, as a user runs it),
and hits it from C client threads (keep-alive connections) with a bounded number of requests per
scenario. Prints requests/s, latency percentiles and the server's peak RSS. Never asserted in tests.

    .venv/bin/python bench/api.py                      # 10,000 documents, 20 clients
    .venv/bin/python bench/api.py --docs 100000 --requests 1000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from narrascope.document import Analysis, Document, Label, Span
from narrascope.store import open_store

WORDS = (
    "minister council harbour ferry grain energy levy parliament border army talks truce rebels price "
    "winter bill election court river bridge tunnel school strike union budget tariff export drought"
).split()
SOURCES = [f"Outlet {i}" for i in range(12)]
NARRATIVES = ["URW: Blaming the war on others", "URW: Talks are futile", "CC: Green policies cost jobs", "CC: Climate science is doubted"]
TECHNIQUES = ["Loaded_Language", "Doubt", "Name_Calling", "Flag_Waving", "Appeal_to_Fear"]


def _vocabulary(n: int = 6000) -> list[str]:
    rng = random.Random(3)
    syll = ["ka", "ro", "mi", "ten", "la", "vor", "si", "do", "pre", "an", "ul", "es", "tri", "mon", "ge", "ba"]
    extra = {"".join(rng.choice(syll) for _ in range(rng.randint(2, 4))) for _ in range(n)}
    return WORDS + sorted(extra - set(WORDS))


VOCAB = _vocabulary()
WEIGHTS = [1.0 / (r + 1) for r in range(len(VOCAB))]  # Zipf-like, as in real text


def synthetic(i: int, rng: random.Random) -> Analysis:
    words = rng.choices(VOCAB, weights=WEIGHTS, k=rng.randint(120, 400))
    body = " ".join(words).capitalize() + "."
    title = f"Story {i}: {' '.join(words[:6])}"
    doc = Document.create(body, title=title, source=rng.choice(SOURCES), published=f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    a = Analysis(document=doc)
    n = len(doc.text)
    narr = rng.choice(NARRATIVES)
    a.add_labels("narratives", [Label(narr, round(rng.random(), 3), "narratives", [Span(0, min(40, n), narr, "narratives")])])
    for _ in range(rng.randint(1, 4)):
        s = rng.randint(0, max(0, n - 30))
        a.add_spans([Span(s, s + 20, rng.choice(TECHNIQUES), "techniques", round(rng.random(), 3))])
    a.versions.update({"narratives": "bench", "techniques": "bench"})
    return a


def build_store(path: Path, n: int) -> float:
    rng = random.Random(7)
    t0 = time.perf_counter()
    with open_store(str(path)) as store:
        batch = []
        for i in range(n):
            batch.append(synthetic(i, rng))
            if len(batch) == 1000:
                store.add_analyses(batch)
                batch = []
        if batch:
            store.add_analyses(batch)
    return time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_scenario(base: str, name: str, paths: list[str], clients: int, total: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def worker(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            for j in counter:  # shared iterator: `total` requests over all clients
                if time.monotonic() > deadline:
                    break
                path = paths[(j + k) % len(paths)]
                t = time.perf_counter()
                r = c.get(path)
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors[0] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    return {
        "scenario": name,
        "requests": len(lat),
        "errors": errors[0],
        "rps": len(lat) / wall if wall else 0.0,
        "p50_ms": q(0.50),
        "p95_ms": q(0.95),
        "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000, help="synthetic documents in the store")
    ap.add_argument("--clients", type=int, default=20, help="concurrent loopback clients")
    ap.add_argument("--requests", type=int, default=500, help="requests per scenario")
    ap.add_argument("--max-seconds", type=float, default=30.0, help="time cap per scenario")
    ap.add_argument("--db", type=Path, default=None, help="reuse/keep this store file (default: a temporary one)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="narrascope-bench-api-")
    db = args.db or Path(tmp.name) / "bench.db"
    if not db.exists():
        secs = build_store(db, args.docs)
        print(f"store: {args.docs:,} synthetic documents written in {secs:.1f} s ({args.docs / secs:,.0f} docs/s)")
    with open_store(str(db), create=False) as store:
        n_docs = store.count_documents()
        some_id = store.list_documents(limit=1)[0][0]["id"]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, NARRASCOPE_API_TOKEN="")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrascope", "serve", "--db", str(db), "--port", str(port), "-a", "language", "--log-level", "warning"],
        env=env,
    )
    try:
        while True:
            try:
                httpx.get(base + "/health", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.perf_counter() - t0 > 60:
                    raise SystemExit("the server did not start")
                time.sleep(0.05)
        print(f"server: cold start {time.perf_counter() - t0:.2f} s (process start to first answer), {n_docs:,} documents")

        scenarios = [
            ("GET /documents (first page, 20 rows)", ["/documents"]),
            ("GET /documents (pages at offsets 0..1000)", [f"/documents?offset={o}" for o in range(0, 1001, 100)]),
            ("GET /documents?source=... (filter)", [f"/documents?source={s.replace(' ', '+')}" for s in SOURCES]),
            ("GET /documents?q=rare word (~1% of docs)", [f"/documents?q={w}" for w in VOCAB[2000:2010]]),
            ("GET /documents?q=common word (~40% of docs)", [f"/documents?q={w}" for w in VOCAB[60:70]]),
            ("GET /documents?narrative=... (label filter)", [f"/documents?narrative={n.replace(' ', '+')}" for n in NARRATIVES]),
            ("GET /documents/{id} (JSON)", [f"/documents/{some_id}"]),
            ("GET /documents/{id}?format=html (article page)", [f"/documents/{some_id}?format=html"]),
        ]
        print(f"{args.clients} concurrent loopback clients, {args.requests} requests per scenario:")
        print(f"  {'scenario':<50} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for name, paths in scenarios:
            httpx.get(base + paths[0], timeout=60)  # warm caches
            r = run_scenario(base, name, paths, args.clients, args.requests, args.max_seconds)
            print(f"  {name:<50} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['errors']:>7}")
    finally:
        proc.terminate()
        proc.wait(10)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"server peak RSS: {rss:.0f} MB")
    tmp.cleanup()


if __name__ == "__main__":
    main()

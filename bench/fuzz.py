"""Fuzz every reader with N generated hostile inputs and print what was found.

    python bench/fuzz.py -n 10000 [--seed 1] [--start 0] [--workers 2] [--json out.json]
    python bench/fuzz.py --replay 1:159          # one case again, with its findings

Inputs come from ``tests/fuzz/generate.py`` (seeded: the same SEED:INDEX is the same file). For
each input it checks: no exception other than the project's own (NarrascopeError), no run over
10 s, every good record next to a damaged one read (targeted mutations), every document sound
(offsets in range, writable as UTF-8 JSON). It prints the count of inputs per format, the
findings by kind, the slowest inputs, and the peak RSS of the worker processes.

Numbers depend on the machine; say how loaded it was when you quote them.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def _work(args):
    seed, start, n = args
    from tests.fuzz.generate import make_case
    from tests.fuzz.oracle import run_case

    out = []
    with tempfile.TemporaryDirectory() as d:
        for i in range(start, start + n):
            case = make_case(seed, i)
            v = run_case(case, Path(d))
            out.append((case.fmt, v.case, v.mutation, round(v.seconds, 3), v.findings, v.lost, v.documents))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out, rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of generated inputs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    ap.add_argument("--batch", type=int, default=200, help="inputs per worker task (a fresh process every 20 tasks)")
    ap.add_argument("--json", help="write every finding to this file")
    ap.add_argument("--replay", help="SEED:INDEX: run one case and print its findings")
    a = ap.parse_args()

    if a.replay:
        seed, index = (int(x) for x in a.replay.split(":"))
        from tests.fuzz.generate import make_case
        from tests.fuzz.oracle import run_case

        case = make_case(seed, index)
        with tempfile.TemporaryDirectory() as d:
            v = run_case(case, Path(d))
        print(json.dumps({"case": v.case, "mutation": v.mutation, "bytes": len(case.data), "seconds": round(v.seconds, 3),
                          "documents": v.documents, "failures": v.failures, "findings": v.findings}, indent=1))
        return 1 if v.findings else 0

    tasks = [(a.seed, s, min(a.batch, a.start + a.n - s)) for s in range(a.start, a.start + a.n, a.batch)]
    t0 = time.monotonic()
    per_format = collections.Counter()
    kinds = collections.Counter()
    findings = []
    slowest = []
    max_rss = 0.0
    lost = 0
    done = 0
    with mp.get_context("spawn").Pool(a.workers, maxtasksperchild=20) as pool:
        for out, rss in pool.imap_unordered(_work, tasks):
            max_rss = max(max_rss, rss)
            for fmt, key, mutation, seconds, found, n_lost, _docs in out:
                per_format[fmt] += 1
                slowest.append((seconds, key, mutation))
                lost += n_lost
                for f in found:
                    kinds[f.split(":", 1)[0]] += 1
                    findings.append({"case": key, "mutation": mutation, "seconds": seconds, "finding": f})
            done += len(out)
            print(f"\r{done}/{a.n} inputs, {len(findings)} finding(s), {time.monotonic() - t0:.0f} s", end="",
                  file=sys.stderr, flush=True)
    print(file=sys.stderr)
    slowest.sort(reverse=True)
    print(f"inputs: {done} (seed {a.seed}, cases {a.start}..{a.start + a.n - 1}) in {time.monotonic() - t0:.0f} s "
          f"with {a.workers} worker(s)")
    print("per format: " + ", ".join(f"{k} {v}" for k, v in sorted(per_format.items())))
    print(f"uncaught exceptions: {kinds.get('exception', 0)}")
    print(f"runs over 10 s: {kinds.get('slow', 0)}")
    print(f"good records lost: {lost} (in {kinds.get('lost', 0)} input(s))")
    print(f"unsound documents: {kinds.get('bad-document', 0)}")
    print(f"max RSS of a worker: {max_rss:.0f} MB")
    print("slowest: " + "; ".join(f"{k} {m} {s:.2f} s" for s, k, m in slowest[:5]))
    for f in findings[:40]:
        print(f"  {f['case']} {f['mutation']}: {f['finding']}")
    if a.json:
        Path(a.json).write_text(json.dumps(findings, indent=1, ensure_ascii=False))
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())

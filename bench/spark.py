"""Spark runner vs the single-process pipeline on the same synthetic articles.

For the default pipeline without ``entities`` and with it: articles/s of ``Pipeline.pipe`` in one
process, and of ``narrascope.spark.analyze_to_directory`` on ``local[1]`` and ``local[2]`` (first
job: includes loading the models in each Python worker; second job in the same session: warm
workers), the cold start of the SparkSession, and peak RSS of the driver (Python) and of the JVM +
Python workers. Each measurement runs in a fresh process. Articles are the variations of
examples/peace-talks.txt from bench/pipeline.py, written as .txt files and read by the readers in
both cases. Run: python bench/spark.py [--n 160] [--masters local[1],local[2]]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _articles(n: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_pipeline", BENCH / "pipeline.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.synthetic_articles(n)


def _tree_peak_mb(pid: int) -> float:
    """Sum of peak RSS (VmHWM) of the descendants of ``pid`` (the JVM and its Python workers)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    total, stack = 0.0, list(children.get(pid, []))
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def run_single(folder: str, analyzers: list[str]) -> dict:
    t0 = time.perf_counter()
    from narrascope import Pipeline
    from narrascope.readers import iter_documents

    pipe = Pipeline.from_config({"analyzers": analyzers}).load()
    load = time.perf_counter() - t0
    t = time.perf_counter()
    n = sum(1 for _ in pipe.pipe(iter_documents([folder])))
    wall = time.perf_counter() - t
    return {"n": n, "load_s": load, "wall_s": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_spark(folder: str, analyzers: list[str], master: str, out_root: str) -> dict:
    t0 = time.perf_counter()
    from narrascope.spark import analyze_to_directory, local_session

    with local_session(master) as spark:
        cold = time.perf_counter() - t0
        cores = spark.sparkContext.defaultParallelism
        walls = []
        for i in range(2):
            t = time.perf_counter()
            report = analyze_to_directory(spark, [folder], f"{out_root}/run{i}", analyzers=analyzers,
                                          partitions=cores * 4)
            walls.append(time.perf_counter() - t)
        tree = _tree_peak_mb(os.getpid())
    return {
        "n": report.documents_ok, "failed": report.documents_failed, "cold_s": cold, "first_s": walls[0],
        "warm_s": walls[1], "driver_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "jvm_workers_rss_mb": tree,
    }


def _child(args: list[str]) -> dict:
    r = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench child failed: {' '.join(args)}\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=160)
    ap.add_argument("--masters", default="local[1],local[2]")
    ap.add_argument("--only", choices=["without-entities", "with-entities"], default=None)
    ap.add_argument("--child", nargs=3, metavar=("MODE", "FOLDER", "ANALYZERS"), help=argparse.SUPPRESS)
    ap.add_argument("--master", default="local[1]", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, folder, names = args.child
        analyzers = names.split(",")
        res = run_single(folder, analyzers) if mode == "single" else run_spark(folder, analyzers, args.master, args.out)
        print(json.dumps(res))
        return

    from narrascope.analyzers import analyzer_names

    everything = analyzer_names()
    sets = {"without-entities": [a for a in everything if a != "entities"], "with-entities": everything}
    if args.only:
        sets = {args.only: sets[args.only]}
    with tempfile.TemporaryDirectory(prefix="narrascope-bench-spark-") as tmp:
        folder = Path(tmp, "articles")
        folder.mkdir()
        texts = _articles(args.n)
        for i, text in enumerate(texts):
            (folder / f"A{i:05d}.txt").write_text(text, encoding="utf-8")
        words = sum(len(t.split()) for t in texts) / len(texts)
        print(f"articles: {args.n} (~{words:.0f} words each), cores: {os.cpu_count()}")
        for label, names in sets.items():
            joined = ",".join(names)
            s = _child(["--child", "single", str(folder), joined])
            print(f"[{label}] single process: {s['n'] / s['wall_s']:.1f} articles/s "
                  f"(load {s['load_s']:.1f} s, peak RSS {s['rss_mb']:.0f} MB)")
            for i, master in enumerate(args.masters.split(",")):
                out = f"{tmp}/out-{label}-{i}"
                r = _child(["--child", "spark", str(folder), joined, "--master", master, "--out", out])
                print(f"[{label}] {master}: {r['n'] / r['first_s']:.1f} articles/s first job, "
                      f"{r['n'] / r['warm_s']:.1f} warm; session cold start {r['cold_s']:.1f} s; "
                      f"peak RSS driver {r['driver_rss_mb']:.0f} MB, JVM + workers {r['jvm_workers_rss_mb']:.0f} MB")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

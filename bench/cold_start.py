"""Cold start of the CLI: ``narrascope analyze`` on one short article, in a fresh process each time.

Prints wall time and CPU time (user + system: steadier than wall time on a shared machine) to the
first result, the five most expensive imports (``-X importtime``), and whether a heavy framework
(torch, tensorflow) was imported. ``--site DIR`` puts DIR first on the module path, e.g. a folder
where torch is installed (``pip install --target DIR torch``), to measure the cold start of a user
who has torch installed without touching the environment.

Run: python bench/cold_start.py [--runs 3] [--site DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "tensorflow", "cupy")
# the CLI, reporting at exit which heavy frameworks ended up in sys.modules (an import that was
# tried and refused leaves a line in -X importtime, but no module)
RUN_CLI = ("import atexit, runpy, sys; atexit.register(lambda: sys.stderr.write('HEAVY=' + ','.join(sorted("
           "{m.split('.')[0] for m in sys.modules} & set(%r))) + '\\n')); "
           "sys.argv = ['narrascope'] + sys.argv[1:]; runpy.run_module('narrascope', run_name='__main__')" % (HEAVY,))


def one_run(article: Path, env: dict, importtime: bool) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-c", RUN_CLI, "analyze", str(article), "-q"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode:
        raise SystemExit(r.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--site", default=None, help="folder put first on PYTHONPATH (e.g. with torch installed)")
    args = ap.parse_args()
    title, _, body = (ROOT / "examples" / "peace-talks.txt").read_text(encoding="utf-8").partition("\n\n")
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "short.txt"
        article.write_text(title + "\n\n" + body[:1200], encoding="utf-8")
        env = dict(os.environ)
        paths = [p for p in (args.site, str(ROOT / "src"), env.get("PYTHONPATH")) if p]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        runs = [one_run(article, env, importtime=False) for _ in range(args.runs)]
        _, _, trace = one_run(article, env, importtime=True)
    imports = []
    for line in trace.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line.split("|")
            if cum.strip().isdigit():
                imports.append((int(cum), name.rstrip()))
    top = [(us, name) for us, name in imports if not name.startswith("  ")]  # top-level imports only
    top.sort(reverse=True)
    heavy = [line[len("HEAVY="):] for line in trace.splitlines() if line.startswith("HEAVY=")]
    walls = sorted(w for w, _, _ in runs)
    cpus = sorted(c for _, c, _ in runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cold start of `narrascope analyze` on one short article ({args.runs} runs, load average {load:.1f}, "
          f"{os.cpu_count()} cores{', --site ' + args.site if args.site else ''}):")
    print(f"  wall  median {walls[len(walls) // 2]:.2f} s (min {walls[0]:.2f})")
    print(f"  CPU   median {cpus[len(cpus) // 2]:.2f} s (min {cpus[0]:.2f})")
    print(f"  heavy frameworks imported: {(heavy[-1] if heavy else '?') or 'none'}")
    print("  largest top-level imports (cumulative, one traced run):")
    for us, name in top[:5]:
        print(f"    {us / 1e6:5.2f} s  {name.strip()}")


if __name__ == "__main__":
    main()

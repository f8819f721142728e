"""Simulated review on the SemEval-2025 narratives data (see narrascope.review.simulate).

    python bench/review_simulation.py --data ../shared/data/semeval2025-t10 [--target EN] [--out result.json]

Prints a Markdown table: official F1 (coarse / fine, mean over held-out articles, ± the standard
deviation over folds) after N reviewed articles, per review mode, order and weight.
"""

from __future__ import annotations

import argparse
import json

from narrascope.review.simulate import simulate, table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--target", default="EN")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ns", default="0,25,50,100,200,-1")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    res = simulate(args.data, target=args.target, n_splits=args.folds, seed=args.seed,
                   ns=[int(x) for x in args.ns.split(",")], progress=lambda m: print(m, flush=True))
    print(json.dumps(res["protocol"]), f"{res['seconds']} s")
    print(table(res))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()

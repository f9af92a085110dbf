#!/usr/bin/env python3
"""The two walks of `check FOLDER` run below the project's root (issue 17): the run's walk of
FOLDER, then the index's walk of the root, with the first walk's record (files.Walked) and
without it; medians of --repeat, each code in its own process, alternating.

    python benchmarks/bench_walks.py --root /tmp/c2 --folder corpus2 CODE_DIR [CODE_DIR ...]

CODE_DIR: a folder holding an `ac_fixer` package (a `git archive` copy of a commit, or `.`).
Before c6cf271 there is no record: run it on later commits only.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = """
import os, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from ac_fixer import files
root, folder, repeat, taken = Path(sys.argv[2]).resolve(), sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
os.chdir(root)
times = []
for _ in range(repeat):
    start = time.perf_counter()
    walks = {}
    files.discover([folder], (), root, walks=walks)
    files.discover([str(root)], (), root, walked=walks if taken else None)
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("codes", nargs="+")
    parser.add_argument("--root", required=True, help="the project's root (a pyproject.toml there)")
    parser.add_argument("--folder", required=True, help="the folder below it that the run names")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict = {}
    for _ in range(args.rounds):
        for code in args.codes:
            for taken in ("1", "0"):
                out = subprocess.run([sys.executable, "-c", CHILD, os.path.abspath(code), args.root, args.folder,
                                      str(args.repeat), taken], capture_output=True, text=True, check=True)
                results.setdefault((code, taken), []).append(float(out.stdout))
    print(f"1-min load: {os.getloadavg()[0]:.2f}")
    for (code, taken), values in results.items():
        label = "record taken" if taken == "1" else "no record"
        print(f"{code}: {label}: " + ", ".join(f"{v:.4f}" for v in values) + " s (medians of each round)")


if __name__ == "__main__":
    main()

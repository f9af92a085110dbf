#!/usr/bin/env python3
"""Two versions of ac-fixer side by side on one corpus: cold, warm and --fix (issue 12).

    python benchmarks/bench_two_codes.py --old /tmp/old-tree --new . --corpus /tmp/perf-bench/corpus

``--old`` and ``--new`` are source trees (each with an ``ac_fixer/`` package); every
measurement alternates between them (old, new, new, old, ...) so that the load of the
machine falls on both alike. Prints medians, new/old ratios, and the 1-minute load average
before and after. Standard library only.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(tree: Path, args: list, cwd: Path, cache: Path, timeout: float) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "AC_FIXER_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ac_fixer", *args], cwd=cwd, env=env, timeout=timeout,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: ac-fixer {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]!r}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--new", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--repeat", "-n", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    codes = {"old": args.old.resolve(), "new": args.new.resolve()}
    corpus = args.corpus.resolve()
    times: dict = {(code, what): [] for code in codes for what in ("cold", "warm", "fix")}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="two-codes-") as scratch:
        scratch = Path(scratch)
        for rep in range(args.repeat):
            order = ("old", "new") if rep % 2 == 0 else ("new", "old")
            for code in order:
                tree, cache = codes[code], scratch / f"cache-{code}"
                shutil.rmtree(cache, ignore_errors=True)
                cache.mkdir()
                common = ["check", "--output-format", "json"]
                times[(code, "cold")].append(
                    _run(tree, [*common, "--no-cache", corpus.name], corpus.parent, cache, args.timeout))
                _run(tree, [*common, corpus.name], corpus.parent, cache, args.timeout)  # populate
                times[(code, "warm")].append(_run(tree, [*common, corpus.name], corpus.parent, cache, args.timeout))
                copy_root = scratch / f"fix-{code}"
                shutil.rmtree(copy_root, ignore_errors=True)
                shutil.copytree(corpus, copy_root / corpus.name, symlinks=True)
                times[(code, "fix")].append(
                    _run(tree, [*common, "--no-cache", "--fix", corpus.name], copy_root, cache, args.timeout))
                shutil.rmtree(copy_root, ignore_errors=True)
            print(f"repetition {rep + 1}/{args.repeat} done", file=sys.stderr)
    load_after = os.getloadavg()
    print(f"corpus: {corpus}; {args.repeat} repetitions, alternating; "
          f"1-min load average {load_before[0]:.2f} before, {load_after[0]:.2f} after\n")
    print("| measurement | old (median) | new (median) | new / old |")
    print("|---|---:|---:|---:|")
    for what in ("cold", "warm", "fix"):
        old = statistics.median(times[("old", what)])
        new = statistics.median(times[("new", what)])
        print(f"| {what} | {old:.3f} s | {new:.3f} s | {new / old:.2f} |")
    old_cold, new_cold = statistics.median(times[("old", "cold")]), statistics.median(times[("new", "cold")])
    print("\nratios within each code: "
          f"old fix/cold {statistics.median(times[('old', 'fix')]) / old_cold:.2f}, "
          f"new fix/cold {statistics.median(times[('new', 'fix')]) / new_cold:.2f}; "
          f"old warm/cold {statistics.median(times[('old', 'warm')]) / old_cold:.3f}, "
          f"new warm/cold {statistics.median(times[('new', 'warm')]) / new_cold:.3f}")
    print("raw seconds:", {f"{c}/{w}": [round(t, 3) for t in v] for (c, w), v in times.items()})


if __name__ == "__main__":
    main()

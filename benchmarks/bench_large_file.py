"""Peak memory of `ac-fixer check` on one very large file, and just under the size bounds.

    python benchmarks/bench_large_file.py            # every case
    python benchmarks/bench_large_file.py --only 50mb
    python benchmarks/bench_large_file.py --fix      # `check --fix` instead of `check`

Each case is written to a temporary folder and checked by `python -m ac_fixer check
--no-cache --jobs 1` in a child process; its peak resident memory is the child's
``ru_maxrss`` (``resource.getrusage(RUSAGE_CHILDREN)``, one child per measurement).
The cases:

- ``50mb``: a 50 MB line of 961k ``F.interpolate(...)`` calls (before the bounds: 15.9 GB,
  then SIGABRT). Now skipped at once: named on stderr, exit 2.
- ``8mb-other-calls``: one interpolate call and an 8 MB line of other calls (under the size
  bound, 1.9M syntax marks): skipped, named on stderr (it took 2.5 GB before the bounds).
- ``calls-at-bound``: one line of just under ``MAX_NAMED_CALLS`` interpolate calls.
- ``nodes-at-bound``: one interpolate call and a line of other calls just under
  ``MAX_SYNTAX_MARKS``.
- ``both-at-bound``: both at once (the worst case the bounds let through).

Target (issue 16): peak at most 1 GB for each case. Needs only the standard library.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ac_fixer.fast.screen import MAX_NAMED_CALLS, MAX_SYNTAX_MARKS  # noqa: E402

HEADER = b"import torch.nn.functional as F\n"
TARGET = b'F.interpolate(x, size=(2, 2), mode="bilinear"); '  # 10 syntax marks, 51 bytes
OTHER = b'print(x,size=(2,2),mode="bilinear");'  # 9 syntax marks
LIMIT_KB = 1024 * 1024


def _case(name: str) -> bytes:
    if name == "50mb":
        return HEADER + TARGET * 961_000 + b"\n"
    if name == "8mb-other-calls":
        return HEADER + TARGET + OTHER * (8 * 1024 * 1024 // len(OTHER) - 200) + b"\n"
    if name == "calls-at-bound":
        return HEADER + TARGET * (MAX_NAMED_CALLS - 10) + b"\n"
    if name == "nodes-at-bound":
        return HEADER + TARGET + OTHER * (MAX_SYNTAX_MARKS // 9 - 100) + b"\n"
    if name == "both-at-bound":
        calls = MAX_NAMED_CALLS - 10
        others = (MAX_SYNTAX_MARKS - calls * 10) // 9 - 100
        return HEADER + TARGET * calls + OTHER * others + b"\n"
    raise ValueError(name)


CASES = ("50mb", "8mb-other-calls", "calls-at-bound", "nodes-at-bound", "both-at-bound")


def measure(name: str, folder: Path, fix: bool = False) -> dict:
    path = folder / f"{name}.py"
    path.write_bytes(_case(name))
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "check", "--no-cache", "--jobs", "1", *(["--fix"] if fix else []), str(path)],
        cwd=folder, capture_output=True, text=True, env=env,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
    stderr = proc.stderr.strip().splitlines()
    return {
        "case": name,
        "MB": path.stat().st_size / 1e6,
        "rc": proc.returncode,
        "seconds": seconds,
        # RUSAGE_CHILDREN is the largest child so far: the cases run largest-bound last,
        # and a case whose peak is below an earlier one shows "≤ earlier".
        "peak_kb": peak if peak > before else None,
        "earlier_kb": before,
        "stderr": stderr[-1] if stderr else "",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=CASES, action="append")
    parser.add_argument("--fix", action="store_true", help="run `check --fix` (the fixes are written to the temp copy)")
    args = parser.parse_args(argv)
    cases = args.only or list(CASES)
    print(f"python {sys.version.split()[0]}, bounds: MAX_NAMED_CALLS={MAX_NAMED_CALLS}, "
          f"MAX_SYNTAX_MARKS={MAX_SYNTAX_MARKS}; command: python -m ac_fixer check --no-cache --jobs 1 "
          f"{'--fix ' if args.fix else ''}FILE")
    print("| case | MB | exit | seconds | peak RSS | ≤ 1 GB | stderr |")
    print("|---|---:|---:|---:|---:|---|---|")
    worst = 0
    with tempfile.TemporaryDirectory() as temp:
        for name in cases:
            row = measure(name, Path(temp), args.fix)
            peak = row["peak_kb"] if row["peak_kb"] is not None else row["earlier_kb"]
            shown = f"{peak / 1024:.0f} MB" if row["peak_kb"] is not None else f"≤ {peak / 1024:.0f} MB"
            worst = max(worst, peak)
            print(f"| {name} | {row['MB']:.1f} | {row['rc']} | {row['seconds']:.1f} | {shown} | "
                  f"{'yes' if peak <= LIMIT_KB else 'NO'} | {row['stderr'][:110]} |")
    return 0 if worst <= LIMIT_KB else 1


if __name__ == "__main__":
    sys.exit(main())

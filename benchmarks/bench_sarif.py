"""Time SARIF against JSON output on one generated file with many findings (not a test).

    python benchmarks/bench_sarif.py [--findings 50 100 200 400] [--runs 3]

For each N, writes one module with N fixable ACF001 calls (spread over functions, some
one-per-line, some in nested blocks) into a temporary folder and times
``ac-fixer check --no-cache --output-format json|sarif FILE`` as a subprocess, the median
of RUNS. SARIF gives each finding its fix's exact replacement; the target (issue 14):
400 findings in one file, SARIF at most 2x the JSON time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ac_fixer.catalog import default_catalog  # noqa: E402

# The modes that use the flag and take it either way (from the catalog, in its order).
MODES = tuple(
    m for m in default_catalog().modes if m in default_catalog().modes_using_flag - default_catalog().modes_rejecting_true
)


def generate_source(findings: int) -> str:
    lines = ["import torch.nn.functional as F", ""]
    for i in range(findings):
        mode = MODES[i % len(MODES)]
        if i % 10 == 0:
            lines += [f"def block_{i}(x):", "    if x is not None:", "        y = F.interpolate(",
                      "            x,", "            scale_factor=2,", f'            mode="{mode}",', "        )",
                      "        return y"]
        else:
            lines.append(f'y_{i} = F.interpolate(x, scale_factor=2, mode="{mode}")')
    return "\n".join(lines) + "\n"


def time_check(path: Path, output_format: str, runs: int) -> tuple:
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "ac_fixer", "check", "--no-cache", "--output-format", output_format, str(path)]
    times, output = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, env=env, cwd=path.parent)
        times.append(time.perf_counter() - start)
        if proc.returncode != 1:
            raise SystemExit(f"unexpected exit {proc.returncode}: {proc.stderr.decode()}")
        output = proc.stdout
    return statistics.median(times), output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {args.runs} runs")
    print("| findings in one file | json s | sarif s | sarif/json | fixes in SARIF |")
    print("|---:|---:|---:|---:|---:|")
    verdicts = []
    with tempfile.TemporaryDirectory() as folder:
        for count in args.findings:
            path = Path(folder) / f"many_{count}.py"
            path.write_text(generate_source(count))
            json_time, _ = time_check(path, "json", args.runs)
            sarif_time, sarif = time_check(path, "sarif", args.runs)
            fixes = sarif.count(b'"insertedContent"')
            ratio = sarif_time / json_time
            print(f"| {count} | {json_time:.2f} | {sarif_time:.2f} | {ratio:.2f} | {fixes} |")
            if count == 400:
                verdicts.append(f"target (400 findings: SARIF <= 2x JSON): {'met' if ratio <= 2 else 'NOT met'}")
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    main()

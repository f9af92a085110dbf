#!/usr/bin/env python3
"""Where a cold check's CPU goes, process by process and phase by phase (issue 17).

    python benchmarks/cpu_split.py [--code DIR] [--timeline] CORPUS_DIR [CHECK ARGS...]

Runs ``ac-fixer check --no-cache --output-format json CORPUS_DIR`` (the package from
``--code``, default this checkout) and prints:

- for each function the worker processes run (the index's light summaries, its whole
  summaries, the screens, the LibCST analysis) and for the main process's phases (the
  facts, the wait for the screens' rows): how many calls, their CPU seconds
  (``time.process_time`` in the process that ran them) and the wall-clock span from the
  first start to the last end, in seconds since the command line started;
- the CPU of those worker functions together, and the rest of the run's (``getrusage``);
- with ``--timeline``: a second run, sampled every 0.1 s from /proc: each process's share of
  a CPU per half second, and the machine's idle and stolen CPUs (a shared host's noise).

The functions are wrapped in this process before the command line runs (the workers are
forked from it, so they run the wrapped ones): the same run, with a line of log per call.
Linux only (/proc). Run it on an idle machine; compare runs side by side.
"""
from __future__ import annotations

import argparse
import collections
import functools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import bench_check as bc  # noqa: E402

# (module, attribute): what the worker processes and the main process run, by phase.
WRAPPED = [
    ("ac_fixer.project", "_summarize_files"),  # the index's light summaries (workers)
    ("ac_fixer.project", "_summarize_each"),  # summaries made ahead for the facts (workers)
    ("ac_fixer.runner", "_screen_batch"),  # the screens (workers)
    ("ac_fixer.runner", "_analyze_batch"),  # the LibCST analysis (workers)
    ("ac_fixer.project", "resolved"),  # the project's facts (main)
    ("ac_fixer.runner", "_EarlyScreen.rows"),  # waiting for the screens' rows (main)
]


def run_wrapped(log: str, check_args: list) -> None:
    """The command line in this process, every WRAPPED function logging its calls."""
    import importlib

    def wrap(owner, name: str, label: str) -> None:
        function = getattr(owner, name)

        # The same names (functools.wraps): the pool pickles a function by its module and name.
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            cpu, start = time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with open(log, "a") as handle:
                    handle.write(f"{os.getpid()} {label} {time.process_time() - cpu:.4f} {start:.4f} "
                                 f"{time.perf_counter():.4f}\n")

        setattr(owner, name, wrapped)

    for module_name, dotted in WRAPPED:
        owner = importlib.import_module(module_name)
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part)
        wrap(owner, name, dotted)
    # (runner.run imports `resolved` from the module when it runs: the wrapped one.)
    import ac_fixer.cli

    sys.argv = ["ac-fixer", "check", "--no-cache", "--output-format", "json", *check_args]
    try:
        ac_fixer.cli.run()
    except SystemExit:
        pass


def summary(log: str, started: float, wall: float, rest_cpu: float, workers_cpu: float) -> str:
    rows: dict = collections.OrderedDict((label, [0, 0.0, None, None]) for _, label in WRAPPED)
    for line in Path(log).read_text().splitlines():
        _, label, cpu, start, end = line.split()
        row = rows[label]
        row[0] += 1
        row[1] += float(cpu)
        row[2] = float(start) - started if row[2] is None else min(row[2], float(start) - started)
        row[3] = float(end) - started if row[3] is None else max(row[3], float(end) - started)
    lines = [f"{'function':<22} {'calls':>5} {'CPU s':>7}  wall span (s since start)"]
    for label, (calls, cpu, first, last) in rows.items():
        span = f"{first:6.2f} .. {last:6.2f}" if calls else "     -"
        lines.append(f"{label:<22} {calls:>5} {cpu:7.2f}  {span}")
    lines.append(f"{'the worker functions':<22} {'':>5} {workers_cpu:7.2f}")
    lines.append(f"{'the rest':<22} {'':>5} {rest_cpu:7.2f}  (the main process, and the workers outside these functions)")
    return "\n".join(lines)


def timeline(command: list, env: dict, cwd: str) -> str:
    """Each process's share of a CPU per half second, and the machine's idle and stolen
    CPUs, sampled from /proc every 0.1 s while ``command`` runs."""

    def ticks(pid: int):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except OSError:
            return None

    def machine() -> list:
        with open("/proc/stat") as handle:
            return [int(x) for x in handle.readline().split()[1:]]

    hertz = os.sysconf("SC_CLK_TCK")
    cpus = os.cpu_count() or 1
    started = time.perf_counter()
    # In a session of its own: its processes are those of the session (bench_check._tree).
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    samples = []
    while process.poll() is None:
        pids = bc._tree(process.pid)
        samples.append((time.perf_counter() - started, {pid: ticks(pid) for pid in pids}, machine()))
        time.sleep(0.1)
    pids = sorted({pid for _, seen, _ in samples for pid in seen})
    lines = [f"{'t (s)':>6} " + " ".join(f"{pid:>7}" for pid in pids) + "    idle  stolen (CPUs)"]
    previous = samples[0] if samples else None
    for sample in samples[1:]:
        if sample[0] - previous[0] < 0.5 and sample is not samples[-1]:
            continue
        seconds = sample[0] - previous[0]
        shares = []
        for pid in pids:
            before, after = previous[1].get(pid), sample[1].get(pid)
            ok = before is not None and after is not None
            shares.append(f"{(after - before) / hertz / seconds:7.2f}" if ok else f"{'.':>7}")
        deltas = [b - a for a, b in zip(previous[2], sample[2])]
        total = sum(deltas) or 1
        lines.append(f"{sample[0]:6.1f} " + " ".join(shares)
                     + f"    {cpus * deltas[3] / total:4.2f}  {cpus * deltas[7] / total:4.2f}")
        previous = sample
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=str(REPO), help="the folder holding the ac_fixer package to run")
    parser.add_argument("--timeline", action="store_true", help="a second run, sampled from /proc")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the run itself (a log file)
    parser.add_argument("corpus")
    parser.add_argument("check_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    corpus = Path(args.corpus).resolve()
    if args.child:
        sys.path.insert(0, args.code)
        run_wrapped(args.child, [corpus.name, *args.check_args])
        return 0
    env = dict(os.environ, PYTHONPATH=args.code)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the package's bytecode is written once, then read
    with tempfile.TemporaryDirectory() as folder:
        log = os.path.join(folder, "calls.log")
        command = [sys.executable, __file__, "--code", args.code, "--child", log, str(corpus), *args.check_args]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        # The child's own start is its command line's start: the log's times are perf_counter
        # readings of the child, on the same clock as this process's (CLOCK_MONOTONIC).
        subprocess.run(command, env=env, cwd=str(corpus.parent), stdout=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        workers = sum(float(line.split()[2]) for line in Path(log).read_text().splitlines()
                      if line.split()[1] in ("_summarize_files", "_summarize_each", "_screen_batch", "_analyze_batch"))
        print(f"{corpus} (load average {os.getloadavg()[0]:.2f}): the whole run {wall:.2f} s wall, {cpu:.2f} s CPU")
        print(summary(log, started, wall, cpu - workers, workers))
    if args.timeline:
        print()
        print(timeline([sys.executable, "-m", "ac_fixer", "check", "--no-cache", "--output-format", "json",
                        corpus.name, *args.check_args], env, str(corpus.parent)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

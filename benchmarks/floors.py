#!/usr/bin/env python3
"""The least time any Python run of ac-fixer can take, next to issue 17's targets: what each
part that no code of ours can skip costs on this machine, side by side with grep.

    python benchmarks/floors.py [--repeat 7] [CORPUS_DIR ...]

For each corpus (default: the copies bench_corpora.py makes under /tmp/perf-bench, else
benchmarks/corpus and benchmarks/corpus2), medians of --repeat alternating rounds, each a
fresh process:

- the interpreter alone (`python -c pass`, with the site-packages of this venv);
- the command line's imports (`import ac_fixer.cli`: click, the runner, the catalog);
- LibCST's import (`import libcst`: every file with a finding the screens cannot decide is
  analyzed with it; its node classes are most of the cost), alone and after the command
  line's (`import ac_fixer.cli, libcst`: the modules both load counted once);
- a walk of the corpus and an `os.stat` of each `.py` file, in Python (`os.walk`; the least
  a warm run does to see an edit; ac-fixer's own walk also reads ignore files);
- reading every `.py` file once, in Python (a cold run's project-wide name searches need
  every file's bytes, for a single named file too: a mode set by a caller anywhere);
- grep of the trigger names (`grep -rlE`, issue 17's reference for the warm run) and of
  one word as a whole word (`grep -rlw`): reading every file once, in C.

Standard library only (the commands run through bench_check.py's runner, which stops
on a command that fails). The sums printed at the end are floors: a run does all of that part
and more.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_check as bc  # noqa: E402
import corpus as corpus_mod  # noqa: E402

# Every .py file under argv[1], walked with os.walk: stat each ("stat") or read each ("read").
EACH_FILE = """
import os, sys
for folder, dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            if sys.argv[2] == "stat":
                os.stat(path)
            else:
                with open(path, "rb") as handle:
                    handle.read()
"""
START, CLI, LIBCST, BOTH = ("interpreter (python -c pass)", "command line's imports (import ac_fixer.cli)",
                            "LibCST's import (import libcst)", "both (import ac_fixer.cli, libcst)")
WALK, READ, GREP, WORD = ("walk + os.stat of each .py file (Python)", "read every .py file once (Python)",
                          "grep -rlE of the trigger names", "grep -rlw of one word")


def _timed(cmd: list, cwd: Path, label: str) -> float:
    """Wall seconds of ``cmd``; a command that fails (an import error, say) stops the bench
    rather than give a floor (grep exits 1 when it finds nothing)."""
    return bc.run(cmd, cwd=cwd, timeout=300, ok=(0, 1) if cmd[0] == "grep" else (0,), what=label).wall


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="*", type=Path)
    ap.add_argument("--repeat", "-n", type=int, default=7)
    args = ap.parse_args(argv)
    corpora = args.corpora or [p for p in (Path("/tmp/perf-bench/corpus/corpus"), Path("/tmp/perf-bench/corpus2/corpus2"))
                               if p.is_dir()] or [HERE / "corpus", HERE / "corpus2"]
    py = sys.executable
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: the imports below may compile modules each time")
    fixed = {
        START: [py, "-c", "pass"],
        CLI: [py, "-c", "import ac_fixer.cli"],
        LIBCST: [py, "-c", "import libcst"],
        BOTH: [py, "-c", "import ac_fixer.cli, libcst"],
    }
    per_corpus = {
        WALK: lambda c: [py, "-c", EACH_FILE, str(c), "stat"],
        READ: lambda c: [py, "-c", EACH_FILE, str(c), "read"],
        GREP: lambda c: ["grep", "-rlE", corpus_mod.CATALOG_REGEX, str(c)],
        WORD: lambda c: ["grep", "-rlw", "Decoder", str(c)],
    }
    times: dict = {}
    loads = []
    for rep in range(-1, args.repeat):  # round -1: unmeasured (page cache, bytecode)
        loads.append(os.getloadavg()[0])
        for label, cmd in fixed.items():
            t = _timed(cmd, HERE, label)
            if rep >= 0:
                times.setdefault(("", label), []).append(t)
        for c in corpora:
            for label, make in per_corpus.items():
                t = _timed(make(c), c.parent, label)
                if rep >= 0:
                    times.setdefault((c.name, label), []).append(t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; 1-min load {min(loads[1:]):.2f}-{max(loads[1:]):.2f};"
          f" medians of {args.repeat}")
    for label in fixed:
        print(f"  {label}: {med[('', label)]:.3f} s")
    start, imports, both = med[("", START)], med[("", CLI)], med[("", BOTH)]
    print(f"  (past the interpreter's start: the command line's imports {imports - start:.3f} s, LibCST's"
          f" {med[('', LIBCST)] - start:.3f} s, both {both - start:.3f} s)")
    for c in corpora:
        print(f"{c.name}:")
        for label in per_corpus:
            print(f"  {label}: {med[(c.name, label)]:.3f} s")
        walk, read = med[(c.name, WALK)] - start, med[(c.name, READ)] - start
        grep = med[(c.name, GREP)]
        print(f"  floor of a warm run (imports + walk and stat): {imports + walk:.3f} s"
              f" = {(imports + walk) / grep:.2f}x the grep of the trigger names (target <= 1x)")
        print(f"  floor of one file cold, analyzed by LibCST: {both:.3f} s (target <= 0.25 s);"
              f" when a caller anywhere may set its mode (every file read): {both + read:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

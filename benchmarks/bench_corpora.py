#!/usr/bin/env python3
"""Both benchmark corpora side by side in ONE run, repetitions alternating (issue 17).

For each repetition, on each corpus in turn: grep of the trigger names, ruff's parse-only pass,
`ac-fixer check --no-cache` (cold), the warm re-run (cache populated beforehand), and one file
with a finding cold and warm. Medians of the repetitions, the 1-minute load average of each
repetition, then peak memory (summed over the process tree) of the cold runs, taken separately.

    python benchmarks/corpus.py && python benchmarks/corpus.py --corpus second
    python benchmarks/bench_corpora.py --ac-fixer PATH --repeat 5
    python benchmarks/bench_corpora.py --ac-fixer PATH --repeat 3 --project-analysis off

Each copy gets an empty pyproject.toml at its root (the folder holding the corpus), so that the
whole corpus is one project: the worst case for project-wide analysis, whose root is the
folder of the nearest pyproject.toml. `--project-analysis on|off` passes
`--project-analysis` / `--no-project-analysis` to every ac-fixer command (default: neither,
the tool's own default).

Each corpus is copied (not timed) to --copy-to (default: a temporary directory) first: the
repository's .gitignore lists benchmarks/corpus*/ and ac-fixer skips git-ignored files.
Standard library only; ruff is installed on first use as bench_check.py does.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_check as bc  # noqa: E402
import corpus as corpus_mod  # noqa: E402

OK = (0, 1, 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ac-fixer", help="the executable under test (default: ac-fixer on PATH)")
    ap.add_argument("--repeat", "-n", type=int, default=5)
    ap.add_argument("--corpus", type=Path, action="append",
                    help="a corpus directory (repeatable; default: benchmarks/corpus and "
                         "benchmarks/corpus2)")
    ap.add_argument("--copy-to", type=Path, help="where the corpora are copied first")
    ap.add_argument("--project-analysis", choices=("on", "off"),
                    help="pass --project-analysis / --no-project-analysis to ac-fixer")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--json-out", type=Path, default=bc.WORK / "bench-corpora.json")
    args = ap.parse_args(argv)

    ac = bc.resolve_ac_fixer(args.ac_fixer)
    ruff = str(bc.ensure_venv(bc.VENV_TOOLS, HERE / "requirements-tools.txt", "ruff", 600))
    corpora = args.corpus or [HERE / "corpus", HERE / "corpus2"]
    root = args.copy_to or Path(tempfile.mkdtemp(prefix="ac-fixer-bench-"))
    T = args.timeout
    for line in bc.machine_info():
        print(line)
    print(f"ac-fixer: {ac} at {bc.git_rev()}; ruff: {bc.version_of([ruff, '--version'])}")
    analysis = {"on": ["--project-analysis"], "off": ["--no-project-analysis"]}.get(args.project_analysis, [])
    print(f"project-wide analysis: {args.project_analysis or 'the default'}")

    setups = []
    for c in corpora:
        if not c.is_dir():
            raise bc.BenchError(f"no corpus at {c}: build it with benchmarks/corpus.py")
        cwd = root / c.name
        if not (cwd / c.name).is_dir():
            shutil.rmtree(cwd, ignore_errors=True)
            cwd.mkdir(parents=True)
            shutil.copytree(c, cwd / c.name)
        (cwd / "pyproject.toml").touch()  # the whole corpus is one project
        stats = corpus_mod.corpus_stats(cwd / c.name)
        cache = bc.CACHE_ROOT / f"corpora-{c.name}"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        env = dict(os.environ, AC_FIXER_CACHE_DIR=str(cache))
        # As installed (pip compiles the package): the first run below writes the bytecode
        # that a PYTHONDONTWRITEBYTECODE inherited from the shell would leave unwritten, so
        # that no timed run compiles the package's changed modules again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        rel = c.name
        # the cold output names the files with a finding; the median-sized one is "one file"
        out = bc.OUT_ROOT / f"corpora-{c.name}-cold.json"
        bc.OUT_ROOT.mkdir(parents=True, exist_ok=True)
        res = bc.run([ac, "check", *analysis, "--no-cache", "--output-format", "json", rel], cwd=cwd,
                     timeout=T, ok=OK, env=env, stdout=out, what="cold (first run)")
        found = bc.expect_json_array(res, "cold (first run)")
        one = bc.pick_median_size(sorted({cwd / f["path"] for f in found}))
        one_rel = str(one.relative_to(cwd))
        # populate the warm cache (the whole corpus and the one file share it)
        bc.run([ac, "check", *analysis, "--output-format", "json", rel], cwd=cwd, timeout=T, ok=OK,
               env=env, what="warm (populating run)")
        bc.run([ac, "check", *analysis, one_rel], cwd=cwd, timeout=T, ok=OK, env=env,
               what="one file (populating run)")
        cmds = {
            "grep": ["grep", "-rlE", corpus_mod.CATALOG_REGEX, rel],
            "ruff": [ruff, "check", "--no-cache", "--select", "E9,F63", "--quiet", rel],
            "cold": [ac, "check", *analysis, "--no-cache", "--output-format", "json", rel],
            "warm": [ac, "check", *analysis, "--output-format", "json", rel],
            "one_cold": [ac, "check", *analysis, "--no-cache", one_rel],
            "one_warm": [ac, "check", *analysis, one_rel],
        }
        setups.append({"name": c.name, "cwd": cwd, "env": env, "cmds": cmds, "stats": stats,
                       "findings": len(found), "one": f"{one_rel} ({one.stat().st_size} B)",
                       "times": {k: [] for k in cmds}, "cpu": {k: [] for k in cmds},
                       "loads": [], "mem": {}})
        print(f"{c.name}: {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB, "
              f"{stats['candidates']} candidates, {len(found)} findings; one file: "
              f"{setups[-1]['one']}", flush=True)

    for rep in range(-1, args.repeat):  # rep -1: one unmeasured round (page cache, imports)
        for s in setups:
            if rep >= 0:
                s["loads"].append(os.getloadavg()[0])
            for key, cmd in s["cmds"].items():
                ok = (0, 1) if key == "grep" else OK
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                r = bc.run(cmd, cwd=s["cwd"], timeout=T, ok=ok, env=s["env"], what=key)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if rep >= 0:
                    s["times"][key].append(r.wall)
                    # CPU seconds (user + sys) of the command and every process it waited
                    # for (the workers): far less sensitive to other load than wall time
                    s["cpu"][key].append(after.ru_utime + after.ru_stime
                                         - before.ru_utime - before.ru_stime)
        if rep >= 0:
            print(f"  round {rep + 1}/{args.repeat}: " + "; ".join(
                f"{s['name']} cold {s['times']['cold'][-1]:.2f} ruff {s['times']['ruff'][-1]:.2f}"
                f" load {s['loads'][-1]:.1f}" for s in setups), flush=True)

    if not args.skip_memory:
        for s in setups:
            for key in ("cold", "warm", "one_cold"):
                r = bc.run(s["cmds"][key], cwd=s["cwd"], timeout=T, ok=OK, env=s["env"],
                           sample_mem=True, what=f"memory {key}")
                s["mem"][key] = vars(r.mem)

    med = {s["name"]: {k: statistics.median(v) for k, v in s["times"].items()} for s in setups}
    cpu = {s["name"]: {k: statistics.median(v) for k, v in s["cpu"].items()} for s in setups}
    print("\n| measurement | " + " | ".join(s["name"] for s in setups) + " | target |")
    print("|---|" + "---:|" * len(setups) + "---|")

    def line(label, fn, target=""):
        print(f"| {label} | " + " | ".join(fn(s) for s in setups) + f" | {target} |")

    line("files / MB / candidates / findings", lambda s: (
        f"{s['stats']['files']} / {s['stats']['bytes'] / 1e6:.1f} / {s['stats']['candidates']}"
        f" / {s['findings']}"))
    for key, label in (("grep", "grep of the trigger names"), ("ruff", "ruff E9,F63"),
                       ("cold", "cold `--no-cache`"), ("warm", "warm")):
        line(label, lambda s, k=key: f"{med[s['name']][k]:.3f} s")
    line("**cold / ruff**", lambda s: f"**{med[s['name']]['cold'] / med[s['name']]['ruff']:.2f}×**",
         "≤ 3×")
    line("**warm / grep**", lambda s: f"**{med[s['name']]['warm'] / med[s['name']]['grep']:.2f}×**",
         "≤ 1×")
    for key, label in (("grep", "grep"), ("ruff", "ruff"), ("cold", "cold"), ("warm", "warm")):
        line(f"CPU s (user+sys, all processes), {label}",
             lambda s, k=key: f"{cpu[s['name']][k]:.3f} s")
    line("CPU cold / CPU ruff", lambda s: f"{cpu[s['name']]['cold'] / cpu[s['name']]['ruff']:.2f}×")
    line("CPU warm / CPU grep", lambda s: f"{cpu[s['name']]['warm'] / cpu[s['name']]['grep']:.2f}×")
    line("one file with a finding, cold", lambda s: f"{med[s['name']]['one_cold']:.3f} s",
         "≤ 0.25 s")
    line("one file with a finding, warm", lambda s: f"{med[s['name']]['one_warm']:.3f} s",
         "≤ 0.15 s")
    if not args.skip_memory:
        for key in ("cold", "warm", "one_cold"):
            line(f"peak Σ RSS, {key} (processes)", lambda s, k=key: (
                f"{s['mem'][k]['peak_sum_rss'] / 1e6:.0f} MB ({s['mem'][k]['processes']})"),
                "≤ 200 MB")
        # Forked workers share their parent's pages: RSS counts them once per process, PSS
        # splits them between the processes that share them (the memory really used).
        for key in ("cold", "one_cold"):
            line(f"peak Σ PSS, {key}", lambda s, k=key: f"{s['mem'][k]['peak_sum_pss'] / 1e6:.0f} MB")
    line("1-min load per round", lambda s: ", ".join(f"{x:.1f}" for x in s["loads"]))
    print("\ncommands (cwd = the copy of each corpus' parent):")
    for s in setups:
        for k, cmd in s["cmds"].items():
            print(f"- {s['name']} {k}: `{shlex.join(cmd)}`")
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps({
        "argv": sys.argv, "project_analysis": args.project_analysis, "machine": bc.machine_info(), "rev": bc.git_rev(),
        "corpora": [{k: (str(v) if isinstance(v, Path) else v) for k, v in s.items()
                     if k != "env"} for s in setups], "medians": med, "cpu_medians": cpu}, indent=1))
    print(f"\nraw numbers: {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Where the cold check's time goes, stage by stage, on one corpus (issue 17).

    python benchmarks/profile_stages.py --ac-fixer PATH CORPUS_DIR [--cprofile OUT.prof]

1. Fixed costs, as subprocesses (medians of --repeat): the bare interpreter, the imports of
   the CLI, `ac-fixer check --no-cache --jobs 1` on an empty folder, and a fork pool of
   os.cpu_count() workers started and shut down around one trivial task.
2. The pipeline of `check --no-cache --jobs 1`, in this process, stage by stage with the
   functions the runner calls: discovery, read, byte pre-filter, screen (of which: the
   stdlib parse of whole files, the large-file group path), slice, LibCST parse, analysis.
   The cyclic GC is paused as the runner's batches do.
3. With --cprofile: cProfile of the whole `--jobs 1` run in this process (runner.run), and the
   cache write of a run with a fresh cache (Cache.put + Cache.save).
Run from the repository root with the package importable (PYTHONPATH=.).
"""
from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def med_subprocess(cmd, repeat, cwd=None) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


POOL_SNIPPET = """
import multiprocessing, os
from concurrent.futures import ProcessPoolExecutor
import ac_fixer.runner, libcst  # what the parent holds when it forks
ctx = multiprocessing.get_context("fork")
with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=ctx) as pool:
    list(pool.map(abs, range(os.cpu_count())))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--ac-fixer", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cprofile", type=Path)
    args = ap.parse_args(argv)
    py = sys.executable
    empty = tempfile.mkdtemp(prefix="empty-")
    print(f"## {args.corpus}\n")
    print("### fixed costs (subprocess medians)\n")
    fixed = {
        "python -c pass": med_subprocess([py, "-c", "pass"], args.repeat),
        "python -c 'import ac_fixer.cli'": med_subprocess(
            [py, "-c", "import ac_fixer.cli"], args.repeat),
        "... + import ac_fixer.runner, libcst": med_subprocess(
            [py, "-c", "import ac_fixer.cli, ac_fixer.runner, ac_fixer.analysis, libcst"],
            args.repeat),
        "ac-fixer check --no-cache --jobs 1 EMPTY_DIR": med_subprocess(
            [args.ac_fixer, "check", "--no-cache", "--jobs", "1", empty], args.repeat),
        "python + imports + fork pool start/stop": med_subprocess(
            [py, "-c", POOL_SNIPPET], args.repeat),
    }
    for k, v in fixed.items():
        print(f"- {k}: {v * 1000:.0f} ms")

    from ac_fixer import runner
    from ac_fixer.api import DEFAULT_SETTINGS, parse
    from ac_fixer.fast.prefilter import might_have_findings
    from ac_fixer.fixes import source_text
    from ac_fixer.analysis import analyze_module
    from ac_fixer.files import discover, read_source_and_signature
    from ac_fixer.fast import screen as scr

    settings = DEFAULT_SETTINGS
    catalog = settings.catalog
    rel = args.corpus.name
    os.chdir(args.corpus.parent)
    stage: dict = {}

    def clock(name, t0):
        stage[name] = stage.get(name, 0.0) + time.perf_counter() - t0

    gc.disable()
    t0 = time.perf_counter()
    items, _missing = discover([rel])
    clock("discovery", t0)
    counts = {"files": len(items), "prefilter pass": 0, "word pass": 0, "large-path tried": 0,
              "large-path clean": 0, "whole stdlib parse": 0, "screen pass": 0,
              "libcst parsed": 0}
    word = scr.whole_word_pattern(catalog.short_names())
    for item in items:
        t0 = time.perf_counter()
        source, _sig = read_source_and_signature(item)
        clock("read + stat", t0)
        t0 = time.perf_counter()
        passed = might_have_findings(source, settings)
        clock("byte pre-filter", t0)
        if not passed:
            continue
        counts["prefilter pass"] += 1
        # the screen, timed whole; its parts timed again separately below (same work)
        t0 = time.perf_counter()
        screened = scr.screen(source, catalog)
        clock("screen (whole)", t0)
        t0 = time.perf_counter()
        w = bool(word.search(source))
        clock("  screen: whole-word regex", t0)
        if w:
            counts["word pass"] += 1
            large_clean = False
            if getattr(scr, "SCREEN_BY_GROUPS", False):
                counts["groups clean"] = counts.get("groups clean", 0)
                t0 = time.perf_counter()
                large_clean = scr.groups_prove_clean(source, catalog)
                clock("  screen: by groups (top-level statements, class members)", t0)
                counts["groups clean"] += large_clean
            elif len(source) >= scr.LARGE_FILE_BYTES:
                counts["large-path tried"] += 1
                t0 = time.perf_counter()
                large_clean = scr.large_file_is_clean(source, catalog)
                clock("  screen: large-file group path", t0)
                counts["large-path clean"] += large_clean
            if not large_clean:
                counts["whole stdlib parse"] += 1
                t0 = time.perf_counter()
                try:
                    ast.parse(source)
                except (SyntaxError, ValueError):
                    pass
                clock("  screen: stdlib ast.parse of whole files", t0)
        if screened is None or screened.error is not None:
            continue
        counts["screen pass"] += 1
        t0 = time.perf_counter()
        sliced = scr.slice_for_check(source, screened)
        clock("slice", t0)
        src = sliced if sliced is not None else source
        t0 = time.perf_counter()
        try:
            module = parse(src, item.display)
        except Exception:
            clock("LibCST parse", t0)
            continue
        clock("LibCST parse", t0)
        counts["libcst parsed"] += 1
        t0 = time.perf_counter()
        analyze_module(module, item.display, catalog=catalog, value=settings.value,
                       enabled=settings.enabled, source_text=source_text(module, src),
                       respect_noqa=settings.respect_noqa)
        clock("analysis (scopes, rules)", t0)
    gc.enable()
    gc.collect()
    print("\n### pipeline of `check --no-cache --jobs 1`, in process\n")
    print("| stage | s |\n|---|---:|")
    for k, v in stage.items():
        print(f"| {k} | {v:.3f} |")
    print("\n" + ", ".join(f"{k}: {v}" for k, v in counts.items()))

    if args.cprofile:
        for label, use_cache in (("run --no-cache --jobs 1", False), ("run with a fresh cache", True)):
            cache_dir = Path(tempfile.mkdtemp(prefix="prof-cache-"))
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.enable()
            items, _ = discover([rel])
            runner.run(items, settings, jobs=1, use_cache=use_cache, cache_dir=cache_dir)
            prof.disable()
            wall = time.perf_counter() - t0
            out = args.cprofile.with_suffix(f".{'cache' if use_cache else 'nocache'}.prof")
            prof.dump_stats(out)
            buf = io.StringIO()
            st = pstats.Stats(prof, stream=buf)
            print(f"\n### cProfile: {label} ({wall:.2f} s under the profiler; {out.name})\n")
            st.sort_stats("tottime").print_stats(18)
            if use_cache:
                st.print_stats(r"runner.py.*\((put|save|get|content_digest)\)")
            text = buf.getvalue()
            print("```\n" + text[text.find("   ncalls"):].strip() + "\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())

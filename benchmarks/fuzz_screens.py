#!/usr/bin/env python3
"""Differential fuzz of the cheap screens against the analysis (issue 6's soundness).

Every finding the analysis (LibCST, the whole file) reports must survive each cheaper step:

- the byte pre-filter (``fast.prefilter.might_have_findings``);
- the whole-file ``ast`` screen (``screen.screen``);
- the large-file group screen (``screen.large_file_is_clean``) with groups of 0, 10 and 4096
  characters, as if every program were a large file;
- the screen by groups of every file (``screen.groups_prove_clean``: top-level statements,
  class members);
- the slice: ``api.check_source`` reports what the whole-file analysis reports, and
  ``api.fix_source`` writes what a whole-file fix writes.

    python benchmarks/fuzz_screens.py                        # seeds 0..1999, three settings
    python benchmarks/fuzz_screens.py --seeds 5000:9000 --out /tmp/fuzz-failures
    python benchmarks/fuzz_screens.py --show FILE            # re-check one saved program

Generated programs come from ``fuzz_programs.py``. Exits 1 when any program disagrees (the
first 30 of each kind are saved under ``--out``), 0 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fuzz_programs import Gen  # noqa: E402

from ac_fixer.fast import screen  # noqa: E402
from ac_fixer.fast.prefilter import might_have_findings  # noqa: E402
from ac_fixer.api import (  # noqa: E402
    Settings,
    SourceError,
    analyze_source,
    checked_fix,
    fix_unscreened,
    check_source,
    fix_source,
)
from ac_fixer.config import target_from_row  # noqa: E402

GROUP_SIZES = (0, 10, 4096)


def settings_by_name() -> dict:
    wrapper = target_from_row({"name": "mypkg.ops.resize", "mode-position": 1, "mode-keyword": "how",
                       "align-corners-position": 2, "align-corners-keyword": "corners"}, "fuzz")
    return {
        "default": Settings(),
        "value": Settings(value=True, unsafe_fixes=True),
        "user": Settings(extra_targets=(wrapper,)),
        # An inferred wrapper method (project-wide analysis): the screens must let its
        # calls through on any object (`self.resize`, `r.resize`).
        "method": Settings(extra_targets=(dataclasses.replace(wrapper, kind="method"),)),
    }


def _json(findings) -> list:
    return [f.to_json() for f in findings]


def disagreements(source: bytes, settings: Settings) -> tuple:
    """(list of (step, detail) where a step disagrees with the analysis, reference findings
    or None when the analysis rejects the source)."""
    try:
        reference = _json(analyze_source(source, "<fuzz>", settings).findings)
    except SourceError:
        return [], None
    failures = []
    catalog = settings.catalog
    saved = screen.LARGE_FILE_BYTES, screen.GROUP_CHARS
    try:
        screen.LARGE_FILE_BYTES = 1 << 60  # the whole-file screen and slice, whatever the size
        if reference:
            if not might_have_findings(source, settings):
                failures.append(("prefilter", reference))
            if screen.screen(source, catalog) is None:
                failures.append(("ast-screen", reference))
            if screen.groups_prove_clean(source, catalog):
                failures.append(("groups-screen", reference))
            screen.SCREEN_BY_GROUPS = False  # the whole-file parse the groups fall back on
            try:
                if screen.screen(source, catalog) is None:
                    failures.append(("ast-screen[whole]", reference))
            finally:
                screen.SCREEN_BY_GROUPS = True
            for size in GROUP_SIZES:
                screen.GROUP_CHARS = size
                if screen.large_file_is_clean(source, catalog):
                    failures.append((f"group-screen[{size}]", reference))
            screen.GROUP_CHARS = saved[1]
        try:
            sliced = _json(check_source(source, "<fuzz>", settings))
        except SourceError as error:
            sliced = ("SourceError", str(error))
        if sliced != reference:
            failures.append(("slice-check", (reference, sliced)))
        fixed = []
        for fix in (lambda: fix_source(source, "<fuzz>", settings),
                    lambda: checked_fix(source, fix_unscreened(source, "<fuzz>", settings, None), "<fuzz>")):
            try:
                fixed.append(fix().source)
            except SourceError as error:
                fixed.append(("SourceError", str(error)))
        if fixed[0] != fixed[1]:
            failures.append(("slice-fix", tuple(fixed)))
    finally:
        screen.LARGE_FILE_BYTES, screen.GROUP_CHARS = saved
    return failures, reference


def run(first: int, last: int, out: Path | None) -> int:
    all_settings = settings_by_name()
    counts = {"programs": 0, "parsed": 0, "with findings": 0}
    failures: dict = {}
    started = time.perf_counter()
    for seed in range(first, last):
        for number, (name, settings) in enumerate(all_settings.items()):
            source = Gen(seed * 7 + number, user=(name == "user")).program()
            counts["programs"] += 1
            try:
                ast.parse(source)
            except (SyntaxError, ValueError):
                continue
            counts["parsed"] += 1
            found, reference = disagreements(source, settings)
            counts["with findings"] += bool(reference)
            for step, _ in found:
                key = f"{step} ({name})"
                failures[key] = failures.get(key, 0) + 1
                if out is not None and failures[key] <= 30:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / f"{step}_{name}_{seed}.py").write_bytes(source)
    elapsed = time.perf_counter() - started
    print(f"seeds {first}..{last - 1}: {counts['programs']} programs, {counts['parsed']} parse, "
          f"{counts['with findings']} with findings; {elapsed:.0f} s")
    if not failures:
        print("OK: every screen keeps every finding, and the slice reports and fixes as the whole file")
        return 0
    for key, count in sorted(failures.items()):
        print(f"DISAGREES: {key}: {count}")
    return 1


def show(path: Path) -> int:
    source = path.read_bytes()
    status = 0
    for name, settings in settings_by_name().items():
        found, reference = disagreements(source, settings)
        codes = None if reference is None else [(f["code"], f["line"]) for f in reference]
        print(f"{name}: analysis {codes}")
        for step, _ in found:
            print(f"  DISAGREES: {step}")
            status = 1
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0:2000", help="FIRST:LAST (LAST excluded)")
    parser.add_argument("--out", type=Path, help="save disagreeing programs here")
    parser.add_argument("--show", type=Path, metavar="FILE", help="re-check one program")
    args = parser.parse_args(argv)
    if args.show:
        return show(args.show)
    first, _, last = args.seeds.partition(":")
    return run(int(first), int(last), args.out)


if __name__ == "__main__":
    sys.exit(main())

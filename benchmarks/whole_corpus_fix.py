#!/usr/bin/env python3
"""Whole-codebase property run of ``ac-fixer check --fix`` (issue 7).

Copies a tree of Python code (default ``benchmarks/corpus``, built by ``corpus.py``; any
folder works, e.g. a copy of ``site-packages/torch``) to a temporary folder, runs the real
command line on the copy with ``--fix`` and checks, for every file:

1. every changed file still parses (``ast.parse``);
2. its AST differs from the original only by what the fixes may add: an
   ``align_corners=False`` keyword, or an ``align_corners`` argument that was ``None`` now
   ``False``; in this default strict mode (``--select ACF001,ACF002``) every changed block of
   lines must also keep every old byte, in order, with only the keyword, commas and whitespace
   inserted. With ``--all-rules`` the deprecated-name fixes (ACF101/ACF102) are applied as
   well; then names are compared after mapping ``upsample``/``upsample_bilinear``/
   ``upsample_nearest`` to ``interpolate`` and ``UpsamplingBilinear2d``/``UpsamplingNearest2d``
   to ``Upsample``, and an added ``mode="bilinear"``/``mode="nearest"`` keyword or an added
   name in a ``from ... import`` list is allowed. A changed notebook must still be JSON with
   nothing changed but code cells' sources, each compared the same way;
3. a second ``--fix`` run changes nothing (byte for byte);
4. no ACF001/ACF002 is left (checked file by file through ``ac_fixer.api``, also in folders
   the walker skips; findings in files the run reported on stderr are counted apart);
5. no file appeared or disappeared (no stray temporary files) and the original tree is untouched.

Prints a summary and exits 0 when every check holds, 1 otherwise.

    python benchmarks/whole_corpus_fix.py                       # benchmarks/corpus
    python benchmarks/whole_corpus_fix.py /path/to/tree --jobs 2
    python benchmarks/whole_corpus_fix.py /path/to/tree --all-rules
    python benchmarks/whole_corpus_fix.py --strip-flags    # remove align_corners= first: many more fixes
    python benchmarks/whole_corpus_fix.py /path/to/site-packages/torch --sources-only
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE / "corpus"
STRICT_SELECT = "ACF001,ACF002"

RENAMES = {
    "upsample": "interpolate",
    "upsample_bilinear": "interpolate",
    "upsample_nearest": "interpolate",
    "UpsamplingBilinear2d": "Upsample",
    "UpsamplingNearest2d": "Upsample",
}
FLAG = "align_corners"


# --------------------------------------------------------------------------- AST comparison


@dataclass
class Comparison:
    problems: list = field(default_factory=list)  # (line, text): differences a fix may not make
    added_flags: int = 0  # align_corners=... keywords added
    none_to_value: int = 0  # align_corners None -> False/True
    renamed: int = 0  # names mapped by RENAMES (all-rules mode)
    added_modes: int = 0  # mode=... keywords added (ACF102)
    added_imports: int = 0  # names added to a from-import (ACF101/ACF102)


def _is_const(node, *values) -> bool:
    return isinstance(node, ast.Constant) and any(node.value is v for v in values)


class _Comparer:
    def __init__(self, rename: bool):
        self.rename = rename
        self.result = Comparison()

    def name(self, old: str, new: str) -> bool:
        if old == new:
            return True
        if self.rename and RENAMES.get(old) == new:
            self.result.renamed += 1
            return True
        return False

    def problem(self, node, text: str) -> None:
        self.result.problems.append((getattr(node, "lineno", 0), text))

    def compare(self, old, new) -> None:
        if type(old) is not type(new):
            self.problem(old, f"{type(old).__name__} became {type(new).__name__}")
            return
        if isinstance(old, list):
            if len(old) != len(new):
                self.problem(old[0] if old else None, f"a list of {len(old)} became {len(new)}")
                return
            for a, b in zip(old, new):
                self.compare(a, b)
            return
        if not isinstance(old, ast.AST):
            if old != new:
                self.problem(None, f"{old!r} became {new!r}")
            return
        if isinstance(old, ast.Call):
            self.call(old, new)
            return
        if isinstance(old, ast.ImportFrom) and self.rename:
            self.import_from(old, new)
            return
        for name, a in ast.iter_fields(old):
            b = getattr(new, name, None)
            if isinstance(old, ast.Name) and name == "id":
                if not self.name(a, b):
                    self.problem(old, f"name {a!r} became {b!r}")
            elif isinstance(old, ast.Attribute) and name == "attr":
                if not self.name(a, b):
                    self.problem(old, f"attribute {a!r} became {b!r}")
            elif name == "ctx":
                continue
            else:
                self.compare(a, b)

    def call(self, old: ast.Call, new: ast.Call) -> None:
        self.compare(old.func, new.func)
        # Positional arguments: the same, except an align_corners=None passed by position
        # that became False/True (the fix's SetArgValue).
        if len(old.args) != len(new.args):
            self.problem(old, f"call with {len(old.args)} positional arguments now has {len(new.args)}")
        else:
            for a, b in zip(old.args, new.args):
                if _is_const(a, None) and _is_const(b, False, True):
                    self.result.none_to_value += 1
                else:
                    self.compare(a, b)
        old_keywords = {k.arg: k for k in old.keywords if k.arg is not None}
        new_keywords = {k.arg: k for k in new.keywords if k.arg is not None}
        old_stars = [k for k in old.keywords if k.arg is None]
        new_stars = [k for k in new.keywords if k.arg is None]
        self.compare(old_stars, new_stars)
        for arg, keyword in old_keywords.items():
            if arg not in new_keywords:
                self.problem(old, f"keyword {arg}= removed")
                continue
            b = new_keywords[arg].value
            if arg == FLAG and _is_const(keyword.value, None) and _is_const(b, False, True):
                self.result.none_to_value += 1
            else:
                self.compare(keyword.value, b)
        for arg, keyword in new_keywords.items():
            if arg in old_keywords:
                continue
            if arg == FLAG and _is_const(keyword.value, False, True):
                self.result.added_flags += 1
            elif self.rename and arg == "mode" and _is_const_str(keyword.value, "bilinear", "nearest"):
                self.result.added_modes += 1
            else:
                self.problem(new, f"keyword {arg}={ast.unparse(keyword.value)} added")
        # Keyword order among the old ones must be kept (the fix only appends).
        old_order = [k.arg for k in old.keywords if k.arg is not None]
        new_order = [k.arg for k in new.keywords if k.arg in old_keywords]
        if old_order != new_order:
            self.problem(old, f"keyword order {old_order} became {new_order}")

    def import_from(self, old: ast.ImportFrom, new: ast.ImportFrom) -> None:
        if (old.module, old.level) != (new.module, new.level):
            self.problem(old, f"from {old.module} became from {new.module}")
            return
        remaining = [(a.name, a.asname) for a in new.names]
        for alias in old.names:
            mapped = (RENAMES.get(alias.name, alias.name), alias.asname)
            kept = (alias.name, alias.asname)  # a module-level rename keeps the old name too
            if mapped in remaining:
                remaining.remove(mapped)
                if mapped != kept:
                    self.result.renamed += 1
            elif kept in remaining:
                remaining.remove(kept)
            else:
                self.problem(old, f"import of {alias.name} lost")
        for name, _ in remaining:
            if name in RENAMES.values():
                self.result.added_imports += 1
            else:
                self.problem(new, f"import of {name} added")


def _is_const_str(node, *values) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in values


FLAG_TEXTS = (b"align_corners=False", b"align_corners=True")
INSERTABLE = frozenset(b", \t\r\n\\")


def _is_subsequence(short: bytes, long: bytes) -> bool:
    iterator = iter(long)
    return all(byte in iterator for byte in short)


def _only_insertions(old: bytes, new: bytes) -> bool:
    """``new`` is ``old`` with an align_corners keyword, commas and whitespace inserted
    (an explicit ``align_corners=None`` may have become ``False``/``True``): every old byte kept,
    in order."""
    old = old.replace(b"align_corners=None", b"align_corners=False")
    for text in FLAG_TEXTS:
        extra = new.count(text) - old.count(text)
        new = new.replace(text, b"", max(extra, 0)) if extra > 0 else new
    if not _is_subsequence(old, new):
        return False
    from collections import Counter as _Counter

    inserted = _Counter(new) - _Counter(old)
    return all(byte in INSERTABLE for byte in inserted)


def byte_differences(old: bytes, new: bytes) -> list:
    """Line blocks whose change is more than inserting the keyword, commas and whitespace.

    Lines outside the changed blocks are byte-identical by construction of the diff; inside a
    block, every old byte must still be there, in order (strict mode only: renames change
    other tokens).
    """
    import difflib

    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    problems = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = b"".join(old_lines[i1:i2]), b"".join(new_lines[j1:j2])
        if not _only_insertions(before, after):
            problems.append((i1 + 1, f"lines {i1 + 1}-{i2} changed beyond the keyword: "
                                     f"{before[:160]!r} -> {after[:160]!r}"))
    return problems


def compare_sources(old: bytes, new: bytes, rename: bool) -> Comparison:
    comparer = _Comparer(rename)
    try:
        old_tree = ast.parse(old)
    except (SyntaxError, ValueError) as error:
        comparer.problem(None, f"the original does not parse ({error}), yet it was changed")
        return comparer.result
    try:
        new_tree = ast.parse(new)
    except (SyntaxError, ValueError) as error:
        comparer.problem(None, f"the fixed file does not parse: {error}")
        return comparer.result
    comparer.compare(old_tree, new_tree)
    return comparer.result


def _cell_sources(notebook) -> list:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(source) if isinstance(source, list) else str(source))
            cell["source"] = None
    return sources


def compare_notebooks(old: bytes, new: bytes, rename: bool) -> Comparison:
    """Only code cells' sources may change, each like a module (magics commented out)."""
    total = Comparison()
    try:
        old_nb, new_nb = json.loads(old), json.loads(new)
    except ValueError as error:
        total.problems.append((0, f"the notebook is no longer JSON: {error}"))
        return total
    old_cells, new_cells = _cell_sources(old_nb), _cell_sources(new_nb)
    if old_nb != new_nb or len(old_cells) != len(new_cells):
        total.problems.append((0, "something other than code cells' sources changed"))
        return total
    magic = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)
    for index, (a, b) in enumerate(zip(old_cells, new_cells)):
        if a == b:
            continue
        result = compare_sources(magic.sub(r"\1pass  # \2", a).encode(), magic.sub(r"\1pass  # \2", b).encode(),
                                 rename)
        total.problems.extend((0, f"cell {index}: {text}") for _, text in result.problems)
        total.added_flags += result.added_flags
        total.none_to_value += result.none_to_value
        total.renamed += result.renamed
        total.added_modes += result.added_modes
        total.added_imports += result.added_imports
    return total


# --------------------------------------------------------------------------- --strip-flags

STRIP_CALLEES = frozenset({"interpolate", "upsample", "Upsample", "grid_sample", "affine_grid"})


def strip_flags(root: Path) -> tuple:
    """Remove every ``align_corners=...`` keyword from calls of the catalogued names, with
    LibCST directly (not through ac-fixer): real-world calls, in every layout the corpus has,
    become findings. Returns (files changed, keywords removed)."""
    import libcst as cst

    class Strip(cst.CSTTransformer):
        removed = 0

        def leave_Call(self, original, updated):
            func = updated.func
            name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if name not in STRIP_CALLEES:
                return updated
            args = list(updated.args)
            for index in reversed(range(len(args))):
                arg = args[index]
                if arg.keyword is not None and arg.keyword.value == FLAG:
                    removed = args.pop(index)
                    if index == len(args) and args:  # it was the last: its comma habit passes on
                        args[-1] = args[-1].with_changes(comma=removed.comma,
                                                         whitespace_after_arg=removed.whitespace_after_arg)
                    Strip.removed += 1
            return updated.with_changes(args=args)

    changed = 0
    for path in sorted(root.rglob("*.py")):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if FLAG.encode() not in data:
            continue
        try:
            module = cst.parse_module(data)
            new = module.visit(Strip()).bytes
            ast.parse(new)
        except Exception:  # noqa: BLE001 - a file LibCST or CPython cannot take stays as it is
            continue
        if new != data:
            path.write_bytes(new)
            changed += 1
    return changed, Strip.removed


# --------------------------------------------------------------------------- the tree


SOURCE_SUFFIXES = (".py", ".ipynb")


def snapshot(root: Path, sources_only: bool = False) -> dict:
    """relative path -> sha256 of the bytes (regular files only; links by their target text)."""
    result = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in filenames:
            if sources_only and not name.endswith(SOURCE_SUFFIXES):
                continue
            path = Path(directory, name)
            relative = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                result[relative] = "link:" + os.readlink(path)
            elif stat.S_ISREG(mode):
                result[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:  # FIFOs, sockets, devices: never opened
                result[relative] = f"special:{stat.S_IFMT(mode)}"
    return result


def run_tool(command: list, cwd: Path, timeout: float) -> tuple:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, timeout=timeout)
    return proc, time.perf_counter() - started


def parse_errors(stderr: bytes) -> list:
    lines = stderr.decode("utf-8", "replace").splitlines()
    return [line[len("error: "):] for line in lines if line.startswith("error: ")]


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS), help="the tree to copy and fix")
    parser.add_argument("--all-rules", action="store_true",
                        help=f"apply every safe fix (default: --select {STRICT_SELECT}, the strict check)")
    parser.add_argument("--jobs", type=int, default=0, help="passed to ac-fixer --jobs (0: all cores)")
    parser.add_argument("--ac-fixer", default=None,
                        help="command to run (default: this Python's `-m ac_fixer`)")
    parser.add_argument("--keep", action="store_true", help="keep the fixed copy and print where it is")
    parser.add_argument("--strip-flags", action="store_true",
                        help="first remove every align_corners= keyword from the copy (with LibCST), so that "
                             "the real-world calls become findings; the stripped copy is the baseline")
    parser.add_argument("--sources-only", action="store_true",
                        help="copy (and compare) only *.py and *.ipynb files, e.g. for an installed package")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per ac-fixer run")
    parser.add_argument("--show", type=int, default=20, help="problems to print in full")
    args = parser.parse_args(argv)

    corpus = Path(args.corpus).resolve()
    if not corpus.is_dir():
        print(f"no such folder: {corpus} (build the default one with `python benchmarks/corpus.py`)",
              file=sys.stderr)
        return 2
    tool = args.ac_fixer.split() if args.ac_fixer else [sys.executable, "-m", "ac_fixer"]
    select = [] if args.all_rules else ["--select", STRICT_SELECT]

    work = Path(tempfile.mkdtemp(prefix="ac-fixer-whole-"))
    copy = work / "tree"
    env_cache = work / "cache"
    os.environ["AC_FIXER_CACHE_DIR"] = str(env_cache)
    failures = []
    try:
        started = time.perf_counter()

        def not_sources(directory, names):
            return [n for n in names
                    if not n.endswith(SOURCE_SUFFIXES) and not os.path.isdir(os.path.join(directory, n))]

        not_copied = []
        try:
            shutil.copytree(corpus, copy, symlinks=True, ignore=not_sources if args.sources_only else None)
        except shutil.Error as error:  # FIFOs, sockets, unreadable files: the rest is copied
            not_copied = [Path(entry[0]).relative_to(corpus).as_posix() for entry in error.args[0]]
        copy_seconds = time.perf_counter() - started
        original = {k: v for k, v in snapshot(corpus, args.sources_only).items() if k not in not_copied}
        baseline_root = corpus
        stripped = None
        if args.strip_flags:
            stripped = strip_flags(copy)
            baseline_root = work / "baseline"
            shutil.copytree(copy, baseline_root, symlinks=True)
            corpus_original = original
            original = snapshot(baseline_root)
        regular = {p for p, digest in original.items() if not digest.startswith(("link:", "special:"))}
        py_files = sorted(p for p in regular if p.endswith(".py"))
        nb_files = sorted(p for p in original if p.endswith(".ipynb"))

        base = [*tool, "check", str(copy), "--no-cache", "--jobs", str(args.jobs), *select]
        # 0. what there is to fix
        before, before_s = run_tool([*base, "--output-format", "json", "--exit-zero"], work, args.timeout)
        try:
            before_findings = json.loads(before.stdout or b"[]")
        except ValueError:
            before_findings = []
            failures.append("the first check did not print a JSON array")
        by_code = Counter(f["code"] for f in before_findings)
        fixable_by_code = Counter(f["code"] for f in before_findings if f.get("fixable"))

        # 1. fix
        fixed, fix_s = run_tool([*base, "--fix", "--output-format", "json"], work, args.timeout)
        fix_errors = parse_errors(fixed.stderr)
        if b"Traceback" in fixed.stderr:
            failures.append("--fix printed a traceback:\n" + fixed.stderr.decode("utf-8", "replace")[-3000:])
        if fixed.returncode not in (0, 1, 2):
            failures.append(f"--fix exited {fixed.returncode}")
        after = snapshot(copy)  # everything in the copy: stray files show up
        appeared = sorted(set(after) - set(original))
        vanished = sorted(set(original) - set(after))
        if appeared:
            failures.append(f"{len(appeared)} files appeared: {appeared[:10]}")
        if vanished:
            failures.append(f"{len(vanished)} files vanished: {vanished[:10]}")
        changed = sorted(p for p in original if p in after and after[p] != original[p])
        changed_non_source = [p for p in changed if not p.endswith((".py", ".ipynb"))]
        if changed_non_source:
            failures.append(f"files that are not sources changed: {changed_non_source[:10]}")

        # 2. every changed .py file parses and differs only by the fixes
        totals = Comparison()
        bad_files = []
        for relative in changed:
            old_bytes, new_bytes = (baseline_root / relative).read_bytes(), (copy / relative).read_bytes()
            if relative.endswith(".ipynb"):
                result = compare_notebooks(old_bytes, new_bytes, args.all_rules)
            else:
                result = compare_sources(old_bytes, new_bytes, args.all_rules)
            if not args.all_rules:
                result.problems.extend(byte_differences(old_bytes, new_bytes))
            totals.added_flags += result.added_flags
            totals.none_to_value += result.none_to_value
            totals.renamed += result.renamed
            totals.added_modes += result.added_modes
            totals.added_imports += result.added_imports
            if result.problems:
                bad_files.append((relative, result.problems))
        if bad_files:
            failures.append(f"{len(bad_files)} changed files differ by more than the fixes")

        # 3. a second run changes nothing
        second, second_s = run_tool([*base, "--fix"], work, args.timeout)
        again = snapshot(copy)
        changed_again = sorted(p for p in after if again.get(p) != after[p])
        if changed_again:
            failures.append(f"the second --fix changed {len(changed_again)} files: {changed_again[:10]}")
        if b"Traceback" in second.stderr:
            failures.append("the second --fix printed a traceback")

        # 4. nothing left to report, file by file through the API
        from ac_fixer.api import Settings, SourceError, check_source

        strict = Settings(select=tuple(STRICT_SELECT.split(",")))
        left, unreadable = [], []
        for relative in py_files:
            try:
                findings = check_source((copy / relative).read_bytes(), relative, strict)
            except SourceError as error:
                unreadable.append((relative, error.reason))
                continue
            left.extend(findings)
        walked = {e.split(":", 1)[0] for e in fix_errors}
        left_in_error_files = [f for f in left if str(copy / f.path) in walked]
        left_elsewhere = [f for f in left if str(copy / f.path) not in walked]
        if left_elsewhere:
            failures.append(f"{len(left_elsewhere)} ACF001/ACF002 findings left in files fixed without error")

        # 5. the original is untouched
        untouched = {k: v for k, v in snapshot(corpus, args.sources_only).items() if k not in not_copied}
        if untouched != (corpus_original if args.strip_flags else original):
            failures.append("the original tree changed!")

        # ----------------------------------------------------------------- summary
        print(f"corpus:            {corpus}")
        print(f"files:             {len(original)} ({len(py_files)} .py, {len(nb_files)} .ipynb); "
              f"copied in {copy_seconds:.1f} s")
        print(f"command:           {' '.join(base)} --fix")
        if not_copied:
            print(f"not copied:        {len(not_copied)} entries (special files or unreadable): {not_copied[:5]}")
        if stripped is not None:
            print(f"--strip-flags:     {stripped[1]} align_corners keywords removed from {stripped[0]} files "
                  "(the stripped copy is the baseline)")
        print(f"rules applied:     {'all safe fixes' if args.all_rules else STRICT_SELECT}")
        print(f"findings before:   {sum(by_code.values())} "
              f"({', '.join(f'{c} {n}' for c, n in sorted(by_code.items())) or 'none'}); "
              f"fixable: {sum(fixable_by_code.values())}  [check {before_s:.1f} s]")
        print(f"--fix:             exit {fixed.returncode}, {fix_s:.1f} s; {len(changed)} files changed; "
              f"{len(fix_errors)} files reported on stderr")
        print(f"AST differences:   +{totals.added_flags} align_corners keywords, "
              f"{totals.none_to_value} None -> value" +
              (f", {totals.renamed} renames, +{totals.added_modes} mode keywords, "
               f"+{totals.added_imports} imported names" if args.all_rules else "") +
              f"; {len(bad_files)} files with other differences")
        print(f"second --fix:      exit {second.returncode}, {second_s:.1f} s; {len(changed_again)} files changed")
        print(f"left (API check):  {len(left)} ACF001/ACF002 ({len(left_in_error_files)} in files the run "
              f"reported as errors); {len(unreadable)} .py files the API cannot read")
        print(f"stray files:       {len(appeared)} appeared, {len(vanished)} vanished")
        if fix_errors:
            reasons = Counter(e.split(": ", 1)[1].split(":")[0] if ": " in e else e for e in fix_errors)
            print("errors by reason:  " + "; ".join(f"{r} ({n})" for r, n in reasons.most_common(8)))
            for line in fix_errors[: args.show]:
                print(f"  {line[:300]}")
        for relative, problems in bad_files[: args.show]:
            print(f"DIFFERS {relative}:")
            for line, text in problems[:5]:
                print(f"  line {line}: {text}")
        for finding in left_elsewhere[: args.show]:
            print(f"LEFT {finding.path}:{finding.line}: {finding.code} {finding.message[:120]}")
        print()
        if failures:
            print("FAILED:")
            for failure in failures:
                print(f"  - {failure}")
        else:
            print("OK: every changed file parses and differs only by the fixes; a second run changes "
                  "nothing; no ACF001/ACF002 left outside files reported as errors")
        if args.keep:
            print(f"fixed copy kept in {copy}")
        return 1 if failures else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Byte-exact fixtures (issue 2): ``fixtures/X.py`` fixed by the real CLI is ``fixtures/X.fixed.py``.

- ``X.py`` + ``X.fixed.py``: ``ac-fixer check --fix`` turns the first into the second, byte for
  byte; ``unsafe_*`` pairs need ``--unsafe-fixes`` (without it they stay untouched).
- ``negative_*.py``: no finding at all, never written.
- each before file declares the codes it must report in a ``# expect:`` header line.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, expected_codes, fixture_pairs, negative_fixtures, run_cli

from ac_fixer.api import Settings, check_source, should_apply

PAIRS = fixture_pairs()
NEGATIVES = negative_fixtures()
OLD_TIME = 1_000_000_000  # a fixed, old mtime: a rewrite of the file would change it

# Fixtures that show a bug of the code (the lead fixes the code and removes the entry).
# name -> (reason, the tests of this file that fail because of it)
KNOWN_BUGS: dict = {}


def _params(paths, test):
    params = []
    for path in paths:
        marks = ()
        bug = KNOWN_BUGS.get(path.name)
        if bug is not None and test in bug[1]:
            marks = (pytest.mark.xfail(strict=True, reason=bug[0]),)
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


def _is_unsafe(path: Path) -> bool:
    return path.name.startswith("unsafe_")


def _fix_args(path: Path) -> list:
    return ["check", "--fix", "--no-cache", *(["--unsafe-fixes"] if _is_unsafe(path) else [])]


def _settings(path: Path) -> Settings:
    return Settings(unsafe_fixes=_is_unsafe(path))


def _copy_old(source: Path, directory: Path) -> Path:
    """Copy a fixture into ``directory`` and give it an old mtime (a project folder's
    configuration files, such as its pyproject.toml, go with it)."""
    if source.parent != FIXTURES:
        for config in source.parent.iterdir():
            if config.is_file() and config.suffix != ".py":
                shutil.copyfile(config, directory / config.name)
    target = directory / source.name
    shutil.copyfile(source, target)
    os.utime(target, (OLD_TIME, OLD_TIME))
    return target


def _untouched(path: Path, content: bytes) -> None:
    info = path.stat()
    assert path.read_bytes() == content
    assert info.st_mtime_ns == OLD_TIME * 10**9, "the file was rewritten"


def _no_error_lines(stderr: str) -> None:
    assert "error" not in stderr.lower(), stderr
    assert "Traceback" not in stderr


# --------------------------------------------------------------------------- inventory


def test_fixture_inventory_is_complete():
    assert len(PAIRS) >= 40
    assert len(NEGATIVES) >= 8
    for path in FIXTURES.glob("*.py"):
        if path.name.endswith(".fixed.py"):
            assert path.name.replace(".fixed.py", ".py") in {p.name for p in PAIRS}, f"orphan {path.name}"
        else:
            assert path in PAIRS or path in NEGATIVES, f"{path.name}: neither a pair nor negative_*"
    readme = (FIXTURES / "README.md").read_text("utf-8")
    for path in FIXTURES.glob("*.py"):
        if not path.name.endswith(".fixed.py"):
            assert f"`{path.name}`" in readme, f"{path.name} is not listed in fixtures/README.md"


@pytest.mark.parametrize("path", PAIRS + NEGATIVES, ids=lambda p: p.name)
def test_fixture_says_what_it_covers(path):
    head = path.read_bytes()[:400]
    assert b"# Covers" in head
    if path in PAIRS:
        assert expected_codes(path.read_bytes()), f"{path.name} has no `# expect:` line"


def test_every_rule_has_a_fixture():
    codes = set()
    for path in PAIRS:
        codes.update(expected_codes(path.read_bytes()))
    assert {"ACF001", "ACF002", "ACF003", "ACF004", "ACF101", "ACF102"} <= codes


def test_special_byte_fixtures_are_what_they_claim():
    crlf = (FIXTURES / "acf001_crlf.py").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 5
    assert (FIXTURES / "acf001_crlf.fixed.py").read_bytes().count(b"\r\n") == crlf.count(b"\r\n") + 1
    latin1 = (FIXTURES / "acf001_latin1.py").read_bytes()
    assert latin1.startswith(b"# -*- coding: latin-1 -*-\n")
    assert b"\xe9" in latin1
    with pytest.raises(UnicodeDecodeError):
        latin1.decode("utf-8")
    assert (FIXTURES / "acf001_bom.py").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (FIXTURES / "acf001_bom.fixed.py").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (FIXTURES / "acf001_no_final_newline.py").read_bytes().endswith(b"\n")
    assert not (FIXTURES / "acf001_no_final_newline.fixed.py").read_bytes().endswith(b"\n")
    assert b"\n\t\t" in (FIXTURES / "acf001_tabs.fixed.py").read_bytes()


# --------------------------------------------------------------------------- findings


@pytest.mark.parametrize("path", _params(PAIRS, "header"))
def test_findings_match_expect_header(path):
    source = path.read_bytes()
    findings = check_source(source, path.name, _settings(path))
    assert sorted(f.code for f in findings) == expected_codes(source)


@pytest.mark.parametrize("path", _params(PAIRS, "no_fixable_left"))
def test_fixed_file_has_no_fixable_finding_left(path):
    fixed = path.with_suffix(".fixed.py").read_bytes()
    settings = _settings(path)
    left = [f for f in check_source(fixed, path.name, settings) if should_apply(f, settings)]
    assert left == []


# --------------------------------------------------------------------------- --fix


@pytest.mark.parametrize("path", _params(PAIRS, "fix"))
def test_fix_produces_fixed_file_byte_for_byte(path, tmp_path):
    expected = path.with_suffix(".fixed.py").read_bytes()
    target = _copy_old(path, tmp_path)
    result = run_cli([*_fix_args(path), str(target)], cwd=tmp_path)
    _no_error_lines(result.stderr)
    assert target.read_bytes() == expected
    remaining = check_source(expected, target.name, _settings(path))
    assert result.exit_code == (1 if remaining else 0), result.stdout
    if expected == path.read_bytes():
        _untouched(target, expected)  # nothing to fix (ACF003 only): not written at all
    else:
        assert "Fixed" in result.stdout


@pytest.mark.parametrize("path", _params(PAIRS, "fixed_point"))
def test_second_fix_changes_nothing(path, tmp_path):
    fixed = path.with_suffix(".fixed.py")
    target = _copy_old(fixed, tmp_path)
    result = run_cli([*_fix_args(path), str(target)], cwd=tmp_path)
    _no_error_lines(result.stderr)
    _untouched(target, fixed.read_bytes())
    assert "Fixed" not in result.stdout


@pytest.mark.parametrize("path", [p for p in PAIRS if _is_unsafe(p)], ids=lambda p: p.name)
def test_unsafe_fixes_need_the_flag(path, tmp_path):
    target = _copy_old(path, tmp_path)
    result = run_cli(["check", "--fix", "--no-cache", str(target)], cwd=tmp_path)
    _untouched(target, path.read_bytes())
    assert result.exit_code == 1
    assert "--unsafe-fixes" in result.stdout


@pytest.mark.parametrize("path", [p for p in PAIRS if p.name.startswith("acf003_")], ids=lambda p: p.name)
def test_undecidable_modes_are_reported_not_changed(path, tmp_path):
    assert path.read_bytes() == path.with_suffix(".fixed.py").read_bytes()
    target = _copy_old(path, tmp_path)
    result = run_cli(["check", "--fix", "--no-cache", "--unsafe-fixes", str(target)], cwd=tmp_path)
    _untouched(target, path.read_bytes())
    assert result.exit_code == 1
    assert "ACF003" in result.stdout
    assert "[*]" not in result.stdout


@pytest.mark.parametrize("path", _params(NEGATIVES, "negative"))
def test_negative_fixture_has_no_finding_and_is_not_written(path, tmp_path):
    assert check_source(path.read_bytes(), path.name, Settings(unsafe_fixes=True)) == []
    target = _copy_old(path, tmp_path)
    result = run_cli(["check", "--fix", "--no-cache", "--unsafe-fixes", str(target)], cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert "All checks passed!" in result.stdout
    _untouched(target, path.read_bytes())


# --------------------------------------------------------------------------- --diff


@pytest.mark.parametrize("path", _params(PAIRS, "diff"))
def test_diff_shows_the_fix_and_writes_nothing(path, tmp_path):
    """The diff is in the file's own bytes (CRLF, latin-1, BOM kept), so `patch` accepts it."""
    before = path.read_bytes()
    after = path.with_suffix(".fixed.py").read_bytes()
    target = _copy_old(path, tmp_path)
    args = ["check", "--diff", "--no-cache", *(["--unsafe-fixes"] if _is_unsafe(path) else []), target.name]
    result = run_cli(args, cwd=tmp_path)
    _untouched(target, before)
    _no_error_lines(result.stderr)
    name = target.name.encode()
    expected = b"".join(
        difflib.diff_bytes(
            difflib.unified_diff,
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=b"a/" + name,
            tofile=b"b/" + name,
        )
    )
    assert result.stdout_bytes == expected
    if before != after:
        assert result.exit_code == 1
        assert result.stdout_bytes.startswith(b"--- a/" + name + b"\n+++ b/" + name + b"\n")
    else:
        assert result.stdout_bytes == b""


# --------------------------------------------------------------------------- whole folder


def _digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_whole_folder_fix_with_worker_processes(tmp_path):
    """Many files at once go through the worker pool; each ends up as its .fixed.py."""
    chosen = [p for p in PAIRS if not _is_unsafe(p) and p.name not in KNOWN_BUGS and p.parent == FIXTURES]
    negatives = [p for p in NEGATIVES if p.name not in KNOWN_BUGS]
    folder = tmp_path / "project"
    folder.mkdir()
    for path in chosen + negatives:
        shutil.copyfile(path, folder / path.name)
    result = run_cli(["check", "--fix", "--no-cache", "--jobs", "2", "project"], cwd=tmp_path)
    _no_error_lines(result.stderr)
    for path in chosen:
        assert (folder / path.name).read_bytes() == path.with_suffix(".fixed.py").read_bytes(), path.name
    for path in negatives:
        assert (folder / path.name).read_bytes() == path.read_bytes(), path.name
    # ACF003 findings remain: exit 1, and they are reported with relative paths.
    assert result.exit_code == 1
    assert "project/acf003_undecidable_modes.py:" in result.stdout or (
        "project" + os.sep + "acf003_undecidable_modes.py:" in result.stdout
    )


def test_demo_command_on_fixtures_folder_reports_and_writes_nothing():
    """The README's demo: ``ac-fixer check fixtures/`` reports every rule and changes no file."""
    before = _digest(FIXTURES)
    result = run_cli(["check", "--no-cache", "fixtures/"], cwd=FIXTURES.parent)
    assert _digest(FIXTURES) == before
    assert result.exit_code == 1
    _no_error_lines(result.stderr)
    for code in ("ACF001", "ACF002", "ACF003", "ACF004", "ACF101", "ACF102"):
        assert code in result.stdout
    assert "fixtures/acf001_crlf.py:" in result.stdout

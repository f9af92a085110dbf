"""Editor mode: ``ac-fixer check --stdin-filename PATH -`` reads the source from stdin.

PATH picks the configuration, its excludes and the name in messages; with ``--fix`` the
fixed source (exactly the input when nothing changed) goes to stdout and the report to
stderr, as ruff does; nothing is written to disk and nothing is cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main

HEADER = b"import torch.nn.functional as F\n"
SOURCE = HEADER + b'y = F.interpolate(x, scale_factor=2, mode="bilinear")\nz = F.grid_sample(y, g)\n'
FIXED = HEADER + (
    b'y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)\n'
    b"z = F.grid_sample(y, g, align_corners=False)\n"
)
UNFIXABLE = HEADER + b"def up(x, mode):\n    return F.interpolate(x, mode=mode)\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str, stdin: bytes):
    return CliRunner().invoke(main, ["check", *args], input=stdin, catch_exceptions=False)


def tree_snapshot(root: Path) -> dict:
    return {str(p): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def test_reports_findings_under_the_given_name_and_writes_nothing(tmp_path):
    before = tree_snapshot(tmp_path)
    result = check("--stdin-filename", "src/model.py", "-", stdin=SOURCE)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("src/model.py:2:5: ACF001 [*] ")
    assert "src/model.py:3:5: ACF002" in result.stdout
    assert result.stderr == ""
    assert tree_snapshot(tmp_path) == before  # no file, no cache


def test_stdin_filename_alone_reads_stdin():
    result = check("--stdin-filename", "m.py", stdin=SOURCE)
    assert result.exit_code == 1 and "m.py:2:5: ACF001" in result.stdout


def test_dash_without_a_name_is_called_dash():
    result = check("--output-format", "json", "-", stdin=SOURCE)
    assert {r["path"] for r in json.loads(result.stdout)} == {"-"}


def test_fix_prints_the_fixed_source_and_the_report_on_stderr(tmp_path):
    Path("m.py").write_bytes(b"on disk, never touched\n")
    before = tree_snapshot(tmp_path)
    result = check("--fix", "--stdin-filename", "m.py", "-", stdin=SOURCE)
    assert result.exit_code == 0
    assert result.stdout_bytes == FIXED
    assert "Fixed 2 errors." in result.stderr
    assert tree_snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "source",
    [
        b"x = 1\n",  # nothing the tool looks for
        HEADER + b'y = F.interpolate(x, mode="bilinear", align_corners=False)',  # no final newline
        HEADER.replace(b"\n", b"\r\n") + b"y = F.interpolate(x, scale_factor=2)\r\n",  # CRLF, nearest
        b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + HEADER,  # not UTF-8
        b"",
    ],
)
def test_fix_prints_exactly_the_input_when_nothing_changes(source):
    result = check("--fix", "--stdin-filename", "m.py", "-", stdin=source)
    assert result.exit_code == 0
    assert result.stdout_bytes == source


def test_fix_keeps_the_input_and_exits_2_on_a_syntax_error():
    broken = HEADER + b"y = F.interpolate(x, mode='bilinear'\n"
    result = check("--fix", "--stdin-filename", "m.py", "-", stdin=broken)
    assert result.exit_code == 2
    assert result.stdout_bytes == broken
    assert result.stderr.startswith("error: m.py: syntax error")
    assert "Traceback" not in result.stderr


def test_fix_with_unfixable_findings_prints_the_source_and_exits_1():
    result = check("--fix", "--stdin-filename", "m.py", "-", stdin=UNFIXABLE)
    assert result.exit_code == 1
    assert result.stdout_bytes == UNFIXABLE
    assert "m.py:3:12: ACF003" in result.stderr


def test_fix_with_a_machine_format_keeps_stdout_the_source_only():
    source = UNFIXABLE + SOURCE[len(HEADER):]
    result = check("--fix", "--output-format", "json", "--stdin-filename", "m.py", "-", stdin=source)
    assert result.stdout_bytes.endswith(FIXED[len(HEADER):])
    assert [r["code"] for r in json.loads(result.stderr)] == ["ACF003"]


def test_fix_with_output_file_puts_the_report_there():
    result = check("--fix", "-o", "report.txt", "--stdin-filename", "m.py", "-", stdin=SOURCE)
    assert result.stdout_bytes == FIXED
    assert "Fixed 2 errors." in Path("report.txt").read_text()
    assert result.stderr == ""


def test_diff_prints_the_diff_and_exits_1():
    result = check("--diff", "--stdin-filename", "m.py", "-", stdin=SOURCE)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/m.py\n+++ b/m.py\n")
    assert '+y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)' in result.stdout


def test_the_configuration_is_found_from_the_given_path():
    Path("sub").mkdir()
    Path("sub/pyproject.toml").write_text('[tool.ac-fixer]\nignore = ["ACF002"]\nvalue = true\n')
    result = check("--output-format", "json", "--stdin-filename", "sub/new_file.py", "-", stdin=SOURCE)
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == ["ACF001"]
    assert findings[0]["fix"] == "align_corners=True"
    # the same source under another name: the current folder has no configuration
    elsewhere = json.loads(check("--output-format", "json", "--stdin-filename", "new.py", "-", stdin=SOURCE).stdout)
    assert [f["code"] for f in elsewhere] == ["ACF001", "ACF002"]


def test_config_option_still_wins():
    Path("strict.toml").write_text('select = ["ACF002"]\n')
    result = check("--config", "strict.toml", "--output-format", "json", "--stdin-filename", "m.py", "-", stdin=SOURCE)
    assert [f["code"] for f in json.loads(result.stdout)] == ["ACF002"]


def test_an_excluded_path_reports_nothing_and_fix_hands_the_input_back():
    Path("pyproject.toml").write_text('[tool.ac-fixer]\nexclude = ["generated/"]\n')
    result = check("--stdin-filename", "generated/m.py", "-", stdin=SOURCE)
    assert (result.exit_code, result.stdout) == (0, "")
    fixed = check("--fix", "--stdin-filename", "generated/m.py", "-", stdin=SOURCE)
    assert (fixed.exit_code, fixed.stdout_bytes) == (0, SOURCE)
    assert check("--stdin-filename", "src/m.py", "-", stdin=SOURCE).exit_code == 1


def test_a_notebook_from_stdin_is_checked_and_fixed_as_a_notebook():
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
            "source": ["import torch.nn.functional as F\n", "y = F.grid_sample(x, g)"]}
    notebook = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()
    report = check("--output-format", "json", "--stdin-filename", "nb.ipynb", "-", stdin=notebook)
    assert [(f["cell"], f["line"], f["code"]) for f in json.loads(report.stdout)] == [(0, 2, "ACF002")]
    fixed = check("--fix", "--stdin-filename", "nb.ipynb", "-", stdin=notebook)
    assert fixed.exit_code == 0
    assert json.loads(fixed.stdout_bytes)["cells"][0]["source"][1] == "y = F.grid_sample(x, g, align_corners=False)"
    assert fixed.stdout_bytes == notebook.replace(b"g)", b"g, align_corners=False)")


def test_stdin_with_other_paths_is_a_usage_error():
    Path("a.py").write_bytes(SOURCE)
    result = check("-", "a.py", stdin=SOURCE)
    assert result.exit_code == 2
    assert "cannot be checked together" in result.stderr


def test_real_process_pipes_the_fixed_source(tmp_path):
    env = dict(os.environ, NO_COLOR="1", AC_FIXER_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "check", "--fix", "--stdin-filename", "m.py", "-"],
        input=SOURCE, capture_output=True, cwd=tmp_path / "work", env=env, timeout=120,
    )
    assert (proc.returncode, proc.stdout) == (0, FIXED)
    assert b"Fixed 2 errors." in proc.stderr
    assert not (tmp_path / "cache").exists()

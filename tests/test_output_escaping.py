"""Hostile file names and messages in every output (issue 16, item 10).

A file name may hold any byte but ``/`` and NUL: newlines, terminal escape codes, line
separators, GitHub workflow commands (``::error …`` at the start of a line, the legacy
``##[error]`` anywhere in a line). Each output escapes them by its own rules:

- GitHub annotations: ``%``, CR and LF percent-encoded, in properties also ``:`` and ``,``
  (the runner's ActionCommand rules);
- text output and stderr (every format): control characters, line and paragraph
  separators and bidi controls as ``\\xNN``/``\\uNNNN``, and ``##[`` as ``#\\x23[``, so
  that one finding or error is one line and no line is a workflow command;
- JSON and SARIF: JSON string escapes (the path round-trips);
- ``--diff``: a name with such characters is C-quoted as git does (``"a/x\\ny.py"``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ac_fixer.findings import Finding
from ac_fixer.report import format_github, format_text, printable

HEADER = b"import torch.nn.functional as F\n"
GOOD = HEADER + b'y = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
BROKEN = GOOD + b"(\n"  # a finding's name and a syntax error: named on stdout and on stderr
REPO = Path(__file__).resolve().parent.parent

HOSTILE_NAMES = [
    "a\n::error file=x.py,line=1::forged.py",
    "b\r::warning::forged.py",
    "c##[error]forged.py",
    "d##[stop-commands]token.py",
    "e\x1b[2Jclear.py",
    "f\u2028line-separator.py",
    "g\x85next-line.py",
    "h\x0bvertical-tab.py",
    "i\u202eevil-bidi.py",
]

# Anything but a printable character or the line end.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _run(args, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    env["AC_FIXER_CACHE_DIR"] = str(cwd / ".test-cache")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "ac_fixer", "check", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=120)
    proc.stdout = proc.stdout.decode("utf-8", "surrogateescape")
    proc.stderr = proc.stderr.decode("utf-8", "surrogateescape")
    return proc


def _hostile_tree(root: Path, content: bytes = BROKEN) -> Path:
    (root / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    tree = root / "tree"
    tree.mkdir()
    for name in HOSTILE_NAMES:
        (tree / name).write_bytes(content)
    return tree


def _assert_no_workflow_command(lines, allowed_prefix=None) -> None:
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("::"):
            assert allowed_prefix and stripped.startswith(allowed_prefix), f"forged workflow command: {line!r}"
            continue  # a line that is a workflow command is never read for the legacy form
        assert "##[" not in line, f"legacy workflow command: {line!r}"


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_stderr_names_each_bad_file_on_one_line_in_every_format(tmp_path, fmt):
    _hostile_tree(tmp_path)
    run = _run(["tree", "--no-cache", "--output-format", fmt], tmp_path)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == len(HOSTILE_NAMES), run.stderr
    assert all(line.startswith("error: tree/") and "syntax error" in line for line in lines), run.stderr
    assert not RAW_CONTROL.search(run.stderr)
    _assert_no_workflow_command(lines)
    assert "error: tree/a\\n::error file=x.py,line=1::forged.py: syntax error" in run.stderr
    assert "error: tree/c#\\x23[error]forged.py: syntax error" in run.stderr
    assert "error: tree/e\\x1b[2Jclear.py: syntax error" in run.stderr


def test_github_output_has_no_forged_annotation(tmp_path):
    _hostile_tree(tmp_path, GOOD)
    run = _run(["tree", "--no-cache", "--output-format", "github"], tmp_path)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.split("\n")[:-1]  # only LF ends a line of ours; the runner also splits at CR
    assert all("\r" not in line for line in lines)
    assert len(lines) == len(HOSTILE_NAMES)
    _assert_no_workflow_command(lines, allowed_prefix="::warning file=tree/")
    assert "::warning file=tree/a%0A%3A%3Aerror file=x.py%2Cline=1%3A%3Aforged.py," in run.stdout


def test_text_output_is_one_line_per_finding(tmp_path):
    _hostile_tree(tmp_path, GOOD)
    run = _run(["tree", "--no-cache"], tmp_path)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(HOSTILE_NAMES) + 1  # and the summary
    assert all(line.startswith("tree/") and ": ACF001 " in line for line in lines[:-1]), run.stdout
    assert not RAW_CONTROL.search(run.stdout)
    _assert_no_workflow_command(lines)
    assert "tree/i\\u202eevil-bidi.py:2:5: ACF001" in run.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_keep_the_exact_names(tmp_path, fmt):
    _hostile_tree(tmp_path, GOOD)
    run = _run(["tree", "--no-cache", "--output-format", fmt], tmp_path)
    assert run.returncode == 1
    _assert_no_workflow_command(run.stdout.splitlines())  # "##[" is written "#\u0023[" in JSON strings
    data = json.loads(run.stdout)
    if fmt == "json":
        assert sorted(f["path"] for f in data) == sorted(f"tree/{name}" for name in HOSTILE_NAMES)
    else:
        assert len(data["runs"][0]["results"]) == len(HOSTILE_NAMES)
    assert all(line.startswith((" ", "{", "}", "[", "]")) for line in run.stdout.splitlines())


def test_fix_of_hostile_names_says_fixed_in_one_line(tmp_path):
    tree = _hostile_tree(tmp_path, GOOD)
    run = _run(["tree", "--no-cache", "--fix"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"Fixed {len(HOSTILE_NAMES)} errors.\n"
    assert sorted(os.listdir(tree)) == sorted(HOSTILE_NAMES)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_quotes_hostile_names_as_git_does_and_git_applies_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    name = 'x\n+++ forged.py\t"q"\\.py'
    (tmp_path / name).write_bytes(GOOD)
    run = _run(["--no-cache", "--diff", name], tmp_path)
    assert run.returncode == 1, run.stderr
    headers = [line for line in run.stdout.splitlines() if line.startswith(("---", "+++"))]
    assert headers == ['--- "a/x\\n+++ forged.py\\t\\"q\\"\\\\.py"', '+++ "b/x\\n+++ forged.py\\t\\"q\\"\\\\.py"']
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "change.diff").write_text(run.stdout)
    subprocess.run(["git", "apply", "change.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / name).read_bytes() == GOOD.replace(b'"bilinear")', b'"bilinear", align_corners=False)')


def _finding(path: str, message: str) -> Finding:
    return Finding(path=path, line=1, column=2, end_line=1, end_column=9, code="ACF001", message=message,
                   function="torch.nn.functional.interpolate", mode="bilinear", fixable=True,
                   fix="align_corners=False")


def test_printable_escapes_what_would_split_or_forge_a_line():
    assert printable("plain/name.py") == "plain/name.py"
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert printable("\x1b[31m\x7f\x85") == "\\x1b[31m\\x7f\\x85"
    assert printable("\u2028\u2029\u202e\u2066") == "\\u2028\\u2029\\u202e\\u2066"
    assert printable("x##[error]y") == "x#\\x23[error]y"
    assert printable("caf\u00e9 \u65e5\u672c") == "caf\u00e9 \u65e5\u672c"  # printable text stays
    assert printable("bad\udce9byte") == "bad\udce9byte"  # undecodable bytes: shown as before


def test_format_text_escapes_path_and_message():
    text = format_text([_finding("p\n::error::x.py", "mode=(\n'bilinear'\x1b)")])
    lines = text.splitlines()
    assert lines[0] == "p\\n::error::x.py:1:2: ACF001 [*] mode=(\\n'bilinear'\\x1b)"
    assert len(lines) == 2


def test_format_github_escapes_path_and_message():
    text = format_github([_finding("p\n::error::x,y.py", "m\r\n%0A")])
    assert text.count("\n") == 1 and "\r" not in text
    assert text.startswith("::warning file=p%0A%3A%3Aerror%3A%3Ax%2Cy.py,line=1,")
    assert text.endswith("::ACF001 m%0D%0A%250A\n")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_quotes_a_legacy_workflow_command_in_a_name(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    name = "c##[error]forged.py"
    (tmp_path / name).write_bytes(GOOD)
    run = _run(["--no-cache", "--diff", name], tmp_path)
    assert run.returncode == 1, run.stderr
    assert "##[" not in run.stdout
    assert '--- "a/c#\\043[error]forged.py"' in run.stdout
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "change.diff").write_text(run.stdout)
    subprocess.run(["git", "apply", "change.diff"], cwd=tmp_path, check=True)
    assert b"align_corners=False" in (tmp_path / name).read_bytes()

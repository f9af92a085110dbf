"""The text summary never says "All checks passed!" when a file errored: it says how many
could not be checked (issue 14, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer import report
from ac_fixer.cli import main

HEADER = "import torch.nn.functional as F\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_missing_path_is_not_all_checks_passed():
    result = check("missing.py")
    assert result.exit_code == 2
    assert "All checks passed!" not in result.stdout
    assert "1 file could not be checked" in result.stdout
    assert "missing.py: no such file or directory" in result.stderr


def test_stdin_with_a_syntax_error_is_not_all_checks_passed():
    # `check -` reads the source from stdin (editor mode): an error there is an error too.
    result = CliRunner().invoke(main, ["check", "-"], input=HEADER + "def (:\n    F.interpolate(x)\n", catch_exceptions=False)
    assert result.exit_code == 2
    assert "All checks passed!" not in result.stdout
    assert "syntax error" in result.stderr


def test_syntax_error_next_to_a_clean_file():
    Path("ok.py").write_text("x = 1\n")
    Path("bad.py").write_text(HEADER + "def (:\n    F.interpolate(x)\n")
    result = check("ok.py", "bad.py")
    assert result.exit_code == 2
    assert "All checks passed!" not in result.stdout
    assert result.stdout == "No findings in the other files; 1 file could not be checked (named on stderr).\n"
    assert "bad.py: syntax error" in result.stderr


def test_findings_and_errors_both_summarized():
    Path("m.py").write_text(HEADER + 'a = F.interpolate(x, mode="bilinear")\n')
    result = check("m.py", "missing1.py", "missing2.py")
    assert result.exit_code == 2
    assert "Found 1 error (1 fixable with `--fix`)." in result.stdout
    assert "2 files could not be checked (named on stderr)." in result.stdout


def test_clean_run_still_says_all_checks_passed():
    Path("ok.py").write_text("x = 1\n")
    result = check("ok.py")
    assert result.exit_code == 0 and result.stdout == "All checks passed!\n"


def test_format_text_unit():
    assert report.format_text([], not_checked=3) == (
        "No findings in the other files; 3 files could not be checked (named on stderr).\n"
    )
    assert report.format_text([]) == "All checks passed!\n"

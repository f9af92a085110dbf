"""``check`` flags as ruff users know them: --show-fixes, --exit-non-zero-on-fix,
-o/--output-file, -q/--quiet, -s/--silent; and the progress bar on long work (click's, on
stderr, only when stderr is a terminal)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, check_in_process, isolate_in, write_text

from ac_fixer.cli import PROGRESS_MIN_FILES, Progress, main

HEADER = "import torch.nn.functional as F\n"
FIXABLE = HEADER + 'y = F.interpolate(x, scale_factor=2, mode="bilinear")\nz = F.grid_sample(y, g)\n'
UNFIXABLE = HEADER + "def up(x, mode):\n    return F.interpolate(x, mode=mode)\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


check = check_in_process
write = write_text


# --------------------------------------------------------------------------- --show-fixes


def test_show_fixes_lists_the_fixes_made_per_file_and_rule():
    write("a.py", FIXABLE)
    write("b.py", HEADER + "z = F.grid_sample(y, g)\nw = F.affine_grid(t, size)\n")
    result = check("--fix", "--show-fixes", "a.py", "b.py")
    assert result.exit_code == 0
    assert result.stdout == (
        "Fixed 4 errors:\n"
        "- a.py:\n"
        "    1 \u00d7 ACF001 (implicit-align-corners)\n"
        "    1 \u00d7 ACF002 (implicit-align-corners-grid)\n"
        "- b.py:\n"
        "    2 \u00d7 ACF002 (implicit-align-corners-grid)\n"
        "\n"
    )


def test_show_fixes_without_fix_lists_the_available_ones():
    write("a.py", FIXABLE + UNFIXABLE[len(HEADER):])
    result = check("--show-fixes", "a.py")
    assert result.exit_code == 1
    assert "2 fixes available with `--fix`:\n- a.py:\n    1 \u00d7 ACF001" in result.stdout
    assert result.stdout.rstrip().endswith("Found 3 errors (2 fixable with `--fix`).")


def test_without_show_fixes_the_summary_is_unchanged():
    write("a.py", FIXABLE)
    assert check("--fix", "a.py").stdout == "Fixed 2 errors.\n"


# --------------------------------------------------------------------------- --exit-non-zero-on-fix


def test_exit_non_zero_on_fix_exits_1_when_a_fix_was_written():
    write("a.py", FIXABLE)
    result = check("--fix", "--exit-non-zero-on-fix", "a.py")
    assert result.exit_code == 1
    assert "align_corners=False" in Path("a.py").read_text()
    # nothing left to fix: 0
    assert check("--fix", "--exit-non-zero-on-fix", "a.py").exit_code == 0


def test_without_the_flag_a_complete_fix_exits_0_and_exit_zero_wins():
    write("a.py", FIXABLE)
    write("b.py", FIXABLE)
    assert check("--fix", "a.py").exit_code == 0
    assert check("--fix", "--exit-non-zero-on-fix", "--exit-zero", "b.py").exit_code == 0


def test_exit_non_zero_on_fix_without_fix_changes_nothing():
    write("clean.py", "x = 1\n")
    assert check("--exit-non-zero-on-fix", "clean.py").exit_code == 0


def test_exit_non_zero_on_fix_from_stdin():
    result = CliRunner().invoke(
        main, ["check", "--fix", "--exit-non-zero-on-fix", "--stdin-filename", "m.py", "-"], input=FIXABLE
    )
    assert result.exit_code == 1 and "align_corners=False" in result.stdout


# --------------------------------------------------------------------------- -o/--output-file


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "junit"])
def test_output_file_gets_the_report_and_stdout_nothing(output_format):
    write("a.py", FIXABLE)
    expected = check("--output-format", output_format, "a.py").stdout
    result = check("--output-format", output_format, "-o", "out/report", "a.py")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert Path("out/report").read_text("utf-8") == expected
    assert [p.name for p in Path("out").iterdir()] == ["report"]  # no temporary file left


def test_output_file_replaces_atomically_keeps_mode_and_symlink():
    write("a.py", FIXABLE)
    target = write("real-report.txt", "old\n")
    target.chmod(0o640)
    Path("link.txt").symlink_to("real-report.txt")
    inode = target.stat().st_ino
    result = check("-o", "link.txt", "a.py")
    assert result.exit_code == 1
    assert Path("link.txt").is_symlink()
    assert "Found 2 errors" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # a new file renamed over the old one, never half-written


def test_output_file_has_no_colors_even_when_forced(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    write("a.py", FIXABLE)
    check("-o", "r.txt", "a.py")
    assert "\x1b[" not in Path("r.txt").read_text()


def test_output_file_that_cannot_be_written_is_one_line_on_stderr_exit_2():
    write("a.py", FIXABLE)
    Path("blocker").write_text("a file, not a folder\n")
    result = check("-o", "blocker/report.txt", "a.py")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: blocker/report.txt: cannot write the report")
    assert len(result.stderr.splitlines()) == 1


def test_output_file_with_statistics_and_diff():
    write("a.py", FIXABLE)
    check("--statistics", "-o", "stats.txt", "a.py")
    assert "ACF001" in Path("stats.txt").read_text()
    result = check("--diff", "-o", "fix.diff", "a.py")
    assert result.stdout == "" and Path("fix.diff").read_text().startswith("--- a/a.py")


# --------------------------------------------------------------------------- -q/--quiet, -s/--silent


def test_quiet_prints_the_findings_without_a_summary():
    write("a.py", FIXABLE)
    result = check("-q", "a.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("a.py:") for line in lines)


def test_quiet_prints_nothing_when_clean_or_all_fixed():
    write("clean.py", "x = 1\n")
    assert (check("-q", "clean.py").stdout, check("--quiet", "clean.py").exit_code) == ("", 0)
    write("a.py", FIXABLE)
    assert check("--fix", "-q", "a.py").stdout == ""


def test_quiet_keeps_the_behavior_change_warning():
    write("a.py", FIXABLE)
    result = check("--fix", "-q", "--value", "true", "a.py")
    assert "Warning: align_corners=True changes" in result.stdout


def test_silent_prints_no_report_but_keeps_exit_codes_and_errors():
    write("a.py", FIXABLE)
    write("broken.py", HEADER + "y = F.interpolate(\n")
    result = check("-s", "a.py")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    result = check("--silent", "a.py", "broken.py")
    assert result.exit_code == 2 and result.stdout == ""
    assert "broken.py: syntax error" in result.stderr


# --------------------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_renders_on_a_terminal_once_the_work_is_long():
    stream = FakeTerminal()
    with Progress("Checking", 10, stream=stream) as progress:
        for done in range(1, 13):
            progress(done, 12)
    text = stream.getvalue()
    assert "Checking" in text and "100%" in text


def test_progress_is_silent_for_short_work_off_a_terminal_and_when_disabled():
    short = FakeTerminal()
    with Progress("Checking", 10, stream=short) as progress:
        progress(1, 3)
    not_a_terminal = io.StringIO()
    with Progress("Checking", 10, stream=not_a_terminal) as progress:
        for done in range(1, 13):
            progress(done, 12)
    disabled = FakeTerminal()
    with Progress("Checking", 10, stream=disabled, enabled=False) as progress:
        progress(12, 12)
    assert (short.getvalue(), not_a_terminal.getvalue(), disabled.getvalue()) == ("", "", "")


def many_files(count: int) -> None:
    Path("tree").mkdir()
    for index in range(count):
        Path(f"tree/m{index}.py").write_text("x = 1\n")


def test_no_progress_output_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # colors forced into a CI log: still no progress bar
    many_files(PROGRESS_MIN_FILES + 1)
    result = check("--no-cache", "-j", "1", "tree")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "All checks passed!" in result.stdout


def test_progress_bar_on_a_terminal_stderr_and_never_on_stdout(tmp_path):
    many_files(PROGRESS_MIN_FILES + 1)
    master, slave = os.openpty()
    chunks: list = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = dict(os.environ, PYTHONPATH=str(REPO), AC_FIXER_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "check", "-j", "1", "tree"],
        stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, timeout=120,
    )
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert proc.stdout == b"All checks passed!\n"
    assert "Checking" in terminal and "100%" in terminal


def test_verify_and_the_audit_report_call_progress_once_per_site():
    from ac_fixer.api import check_source
    from ac_fixer.runtime.audit import build_report

    calls: list = []
    records = [{"sites": [{"path": "<stdin>", "line": line, "function": "torch.nn.functional.interpolate",
                           "calls": 1, "modes": ["bilinear"]} for line in (3, 1, 2)]}]
    build_report(records, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]

    pytest.importorskip("torch")
    from ac_fixer.runtime.verify import verify_findings

    calls.clear()
    findings = check_source(FIXABLE.encode(), "m.py")
    verify_findings(findings, device="cpu", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]

"""The runtime audit under faults: warnings it must not add, report paths, lost records,
signals, stale temporary folders, and the text summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from ac_fixer.runtime import audit  # noqa: E402
from ac_fixer.runtime.audit import format_audit_text, run_audit  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
INTERPOLATE = (
    "import torch, torch.nn.functional as F\n"
    "F.interpolate(torch.zeros(1, 1, 2, 2), scale_factor=2, mode='bilinear')\n"
)


def _env(**extra) -> dict:
    env = dict(os.environ)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _ac_fixer(*args, cwd, env=None, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "ac_fixer", *args],
        cwd=cwd,
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


# ------------------------------------------------------------- 1. no warning added


@pytest.mark.parametrize(
    "how", ["ini", pytest.param("dash-W", marks=pytest.mark.slow)]  # one nested pytest with torch by default
)
def test_audit_adds_no_warning_to_a_pytest_run_that_errors_on_warnings(tmp_path, how):
    project = tmp_path / "project"
    project.mkdir()
    if how == "ini":
        (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
        python = [sys.executable]
    else:
        (project / "pytest.ini").write_text("[pytest]\n")
        python = [sys.executable, "-W", "error"]
    (project / "test_resize.py").write_text(
        "import torch, torch.nn.functional as F\n\n"
        "def test_resize():\n"
        "    y = F.interpolate(torch.zeros(1, 1, 2, 2), scale_factor=2, mode='bilinear')\n"
        "    assert y.shape == (1, 1, 4, 4)\n"
    )
    report = tmp_path / "audit.json"
    proc = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "audit", "--output-format", "json", "--output", str(report), "--",
         *python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=project, env=_env(), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PytestAssertRewriteWarning" not in proc.stdout + proc.stderr
    (site,) = json.loads(report.read_text())
    assert site["path"] == "test_resize.py" and site["line"] == 4


# ------------------------------------------------------------- 2. report path checked first


def test_unwritable_output_is_refused_before_the_command_runs(tmp_path, capfd):
    marker = tmp_path / "ran"
    code = run_audit(
        [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"],
        output=str(tmp_path / "no-such-folder" / "x.json"),
        output_format="json",
        shadow=True,
    )
    err = capfd.readouterr().err
    assert code == 2
    assert not marker.exists()
    assert "cannot write the report" in err and "no-such-folder" in err
    assert "Traceback" not in err


def test_cli_unwritable_output_is_a_clear_error(tmp_path):
    command = [sys.executable, "-c", "print('ran')"]
    proc = _ac_fixer("audit", "--output", "/nonexistent/x.json", "--", *command, cwd=tmp_path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "ran" not in out and "Traceback" not in err
    assert "/nonexistent/x.json" in err


def test_a_write_that_fails_at_the_end_keeps_the_exit_code_and_the_records(tmp_path, capfd):
    folder = tmp_path / "reports"
    folder.mkdir()
    program = INTERPOLATE + f"import shutil, sys\nshutil.rmtree({str(folder)!r})\nsys.exit(3)\n"
    code = run_audit([sys.executable, "-c", program], output=str(folder / "x.json"), output_format="json", shadow=True)
    out, err = capfd.readouterr()
    assert code == 3
    assert "cannot write the report" in err and "Traceback" not in err
    (site,) = json.loads(out)  # the report is not lost: it goes to stdout
    assert site["function"] == "torch.nn.functional.interpolate"


def test_pytest_plugin_refuses_an_unwritable_report_path_before_running(tmp_path):
    (tmp_path / "test_marker.py").write_text("def test_marker():\n    open('ran', 'w').close()\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--ac-fixer-audit=nodir/x.json"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 4, proc.stdout + proc.stderr  # pytest's usage error
    assert not (tmp_path / "ran").exists()
    assert "nodir/x.json" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_pytest_plugin_keeps_the_exit_status_when_the_write_fails_at_the_end(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "test_fails.py").write_text(
        "import shutil\n\ndef test_fails():\n    shutil.rmtree('out')\n    assert False\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--ac-fixer-audit=out/x.json"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the tests' outcome, not an internal error
    assert "INTERNALERROR" not in proc.stdout + proc.stderr
    assert "cannot write the report to out/x.json" in proc.stdout


# ------------------------------------------------------------- 3. nothing recorded: say why


def test_command_not_found_says_nothing_was_recorded(tmp_path, capfd):
    report = tmp_path / "r.txt"
    code = run_audit(["no-such-command-ac-fixer"], output=str(report), output_format="text", shadow=True)
    text = report.read_text()
    assert code == 127
    assert "No call reached torch" not in text
    assert "Nothing was recorded" in text and "could not be started" in text


def _text_report(tmp_path, command: list) -> tuple:
    """(exit code, text report) of an audit of ``command``."""
    report = tmp_path / "r.txt"
    code = run_audit(command, output=str(report), output_format="text", shadow=True)
    return code, report.read_text()


def test_killed_program_says_nothing_was_recorded(tmp_path):
    program = INTERPOLATE + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    code, text = _text_report(tmp_path, [sys.executable, "-c", program])
    assert code == 128 + 9
    assert "No call reached torch" not in text
    assert "Nothing was recorded" in text and "signal 9" in text


def test_os_exit_from_a_timeout_thread_says_nothing_was_recorded(tmp_path):
    program = INTERPOLATE + "import os, threading, time\nthreading.Timer(0.1, os._exit, (1,)).start()\ntime.sleep(30)\n"
    code, text = _text_report(tmp_path, [sys.executable, "-c", program])
    assert code == 1
    assert "No call reached torch" not in text
    assert "Nothing was recorded" in text and "os._exit" in text


def test_a_lost_child_record_is_named_next_to_the_sites(tmp_path, capfd):
    report = tmp_path / "r.txt"
    child = "import os\nos._exit(0)\n"
    program = INTERPOLATE + f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}])\n"
    code = run_audit([sys.executable, "-c", program], output=str(report), output_format="text", shadow=True)
    text = report.read_text()
    assert code == 0
    assert "torch.nn.functional.interpolate" in text
    assert "Records lost: 1 of 2 audited Python processes wrote no record: 1 ended without writing its record" in text
    assert "1 of 2 audited Python processes" in capfd.readouterr().err


def _ends_once_its_child_runs(tmp_path, seconds: float) -> str:
    """A command that starts a child sleeping ``seconds`` and ends once the child says it
    runs (its start mark is written before its code runs): a slow interpreter start under
    load cannot hide the child, a started process still running when the command ends."""
    ready = tmp_path / "child-started"
    child = f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep({seconds})\n"
    return (f"import pathlib, subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', {child!r}])\n"
            f"while not pathlib.Path({str(ready)!r}).exists():\n    time.sleep(0.02)\n")


@pytest.mark.slow  # waits out a 4-second child
def test_a_process_still_running_when_the_command_ends_is_waited_for_then_named(tmp_path):
    report = tmp_path / "r.txt"
    program = INTERPOLATE + _ends_once_its_child_runs(tmp_path, 4)
    started = time.monotonic()
    code = run_audit([sys.executable, "-c", program], output=str(report), output_format="text", shadow=True)
    text = report.read_text()
    assert code == 0
    assert "1 was still running when the command ended" in text
    assert time.monotonic() - started < 30


def test_a_process_that_ends_shortly_after_the_command_is_not_lost(tmp_path, capfd):
    report = tmp_path / "r.txt"
    program = _ends_once_its_child_runs(tmp_path, 0.5)
    code = run_audit([sys.executable, "-c", program], output=str(report), output_format="text", shadow=True)
    assert code == 0
    assert report.read_text() == format_audit_text([])  # its record was waited for
    assert "no record" not in capfd.readouterr().err


def test_a_child_started_as_the_command_ends_is_waited_for(tmp_path, capfd):
    """A child the command starts just before it ends may not have marked its start when
    the command ends: while a process of the command's group runs, the auditor waits, so
    that the child is counted (here it ends without its record, and is named so)."""
    report = tmp_path / "r.txt"
    child = "import os, time\ntime.sleep(0.5)\nos._exit(0)\n"
    program = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {child!r}])\n"
    code = run_audit([sys.executable, "-c", program], output=str(report), output_format="text", shadow=True)
    assert code == 0
    assert "1 of 2 audited Python processes wrote no record: 1 ended without writing its record" in (
        report.read_text()), report.read_text()


def test_a_program_without_torch_still_reports_no_call(tmp_path):
    report = tmp_path / "r.txt"
    code = run_audit([sys.executable, "-c", "print('hi')"], output=str(report), output_format="text", shadow=True)
    assert code == 0
    assert report.read_text() == format_audit_text([])


# ------------------------------------------------------------- 4. the text summary


def _site(function, modes, equal, fixable):
    return {
        "path": "m.py", "line": 3, "function": function, "modes": modes, "calls": 1, "static_code": "ACF002",
        "equal": equal, "fixable": fixable, "shapes": [], "dtypes": [], "devices": [],
    }


def test_grid_sample_nearest_is_only_safe_to_fix():
    text = format_audit_text([_site("torch.nn.functional.grid_sample", ["nearest"], True, True)])
    closing = [line for line in text.splitlines() if line.startswith("Safe to fix")][0]
    safe, rejecting = closing.split("leave unset")
    assert "m.py:3" in safe and "m.py:3" not in rejecting


def test_grid_sample_nearest_without_shadow_is_not_shadow_checked():
    text = format_audit_text([_site("torch.nn.functional.grid_sample", ["nearest"], None, False)])
    assert "Not shadow-checked: m.py:3." in text
    assert "leave unset: none" in text


@pytest.mark.slow
def test_text_summary_agrees_with_the_json_on_a_real_run(tmp_path):
    program = (
        "import torch, torch.nn.functional as F\n"
        "x, g = torch.randn(1, 1, 4, 4), torch.zeros(1, 2, 2, 2)\n"
        "F.grid_sample(x, g, mode='nearest')\n"
        "F.interpolate(x, scale_factor=2, mode='nearest')\n"
    )
    (tmp_path / "p.py").write_text(program)
    for shadow in (True, False):
        out = tmp_path / "r.json"
        run_audit([sys.executable, str(tmp_path / "p.py")], output=str(out), output_format="json", shadow=shadow)
        sites = json.loads(out.read_text())
        text = format_audit_text(sites)
        closing = [line for line in text.splitlines() if line.startswith("Safe to fix")][0]
        safe, rejecting = closing.split("leave unset")
        grid = next(s for s in sites if s["function"].endswith("grid_sample"))
        where = f"{grid['path']}:{grid['line']}"
        assert (where in safe) == grid["fixable"]
        assert where not in rejecting
        assert (f"Not shadow-checked: {where}" in text) == (not shadow)


# ------------------------------------------------------------- 5. signals and temp folders

SLEEPER = textwrap.dedent(
    """
    import os, sys, time
    import torch, torch.nn.functional as F
    F.interpolate(torch.zeros(1, 1, 2, 2), scale_factor=2, mode='bilinear')
    with open(sys.argv[1] + '.tmp', 'w') as handle:
        handle.write(str(os.getpid()))
    os.replace(sys.argv[1] + '.tmp', sys.argv[1])
    time.sleep(60)
    """
)


def _default_signals() -> None:
    """The auditor starts with the default SIGHUP/SIGINT handlers, whatever the test run
    inherited (under `nohup`, SIGHUP is ignored, and the audit rightly keeps it so)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP, signal.SIGINT})


def _start_sleeper(tmp_path, *audit_args, env=None):
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    ready = tmp_path / "ready"
    proc = _ac_fixer(
        "audit", *audit_args, "--", sys.executable, str(tmp_path / "sleeper.py"), str(ready), cwd=tmp_path, env=env,
        preexec_fn=_default_signals,
    )
    _wait_for(ready)
    return proc, int(ready.read_text())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
# SIGHUP takes SIGTERM's path in the auditor and in the program (_FORWARDED_SIGNALS,
# _RECORDED_SIGNALS): a run of its own (~4 s) only with -m slow.
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM,
                                    pytest.param(signal.SIGHUP, marks=pytest.mark.slow)])
def test_a_signal_to_the_auditor_alone_reaches_the_program(tmp_path, signum):
    report = tmp_path / "r.json"
    proc, program_pid = _start_sleeper(tmp_path, "--output-format", "json", "--output", str(report))
    os.kill(proc.pid, signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert not _alive(program_pid)
    (site,) = json.loads(report.read_text())  # what was recorded before the signal is kept
    assert site["calls"] == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_signals_ignored_by_the_caller_stay_ignored_for_the_program(tmp_path):
    """nohup and background jobs of scripts: SIGHUP / SIGINT ignored stay so in the program."""
    probe = "import signal\nprint([signal.getsignal(s) == signal.SIG_IGN for s in (signal.SIGHUP, signal.SIGINT)])\n"

    def ignore():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    proc = _ac_fixer("audit", "--output", str(tmp_path / "r.txt"), "--", sys.executable, "-c", probe,
                     cwd=tmp_path, preexec_fn=ignore)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.strip() == "[True, True]"


@pytest.mark.slow  # waits for a killed process tree
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_sigkill_of_the_auditor_takes_the_program_along_and_the_next_run_cleans_up(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = _env(TMPDIR=str(temp))
    proc, program_pid = _start_sleeper(tmp_path, env=env)
    (left,) = [p for p in temp.iterdir() if p.name.startswith("ac-fixer-audit-")]
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while _alive(program_pid):
        assert time.monotonic() < deadline, "the audited program outlived its auditor"
        time.sleep(0.05)
    assert left.exists()
    again = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "audit", "--", sys.executable, "-c", "pass"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert not left.exists()
    assert not [p for p in temp.iterdir() if p.name.startswith("ac-fixer-audit-")]


def test_stale_folder_cleanup_keeps_folders_of_live_auditors_and_of_others(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = audit.make_audit_folder()
    dead = tmp_path / "ac-fixer-audit-999999-dead"
    dead.mkdir()
    (dead / "auditor").write_text(f"999999 1 {audit.pid_namespace()}\n")
    foreign = tmp_path / "ac-fixer-audit-999998-foreign"
    foreign.mkdir()
    (foreign / "auditor").write_text(f"999998 1 {audit.pid_namespace()}\n")
    linked = tmp_path / "ac-fixer-audit-999997-link"
    linked.symlink_to(dead)
    unmarked = tmp_path / "ac-fixer-audit-unmarked"
    unmarked.mkdir()
    other_namespace = tmp_path / "ac-fixer-audit-999996-container"
    other_namespace.mkdir()
    (other_namespace / "auditor").write_text("999996 1 pid:[1]\n")  # another container's pids
    if os.getuid() == 0:
        os.chown(foreign, 12345, 12345)
    else:
        foreign.chmod(0o755)
        pytest.skip("needs root to give a folder to another user")
    audit.remove_stale_audit_folders()
    assert Path(mine).exists()
    assert not dead.exists()
    assert foreign.exists() and linked.is_symlink() and unmarked.exists() and other_namespace.exists()


def test_stale_folder_of_a_reused_pid_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    reused = tmp_path / f"ac-fixer-audit-{os.getpid()}-old"
    reused.mkdir()
    (reused / "auditor").write_text(f"{os.getpid()} 1 {audit.pid_namespace()}\n")  # another start time
    audit.remove_stale_audit_folders()
    if sys.platform.startswith("linux"):
        assert not reused.exists()


def test_report_path_that_is_a_symlink_is_refused_unless_followed(tmp_path, capfd):
    target = tmp_path / "elsewhere.json"
    target.write_text("keep")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    marker = tmp_path / "ran"
    command = [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"]
    code = run_audit(command, output=str(link), output_format="json", shadow=True)
    err = capfd.readouterr().err
    assert code == 2 and "symlink" in err and "--follow-symlink" in err
    assert target.read_text() == "keep" and not marker.exists()
    code = run_audit(command, output=str(link), output_format="json", shadow=True, follow_symlink=True)
    assert code == 0 and marker.exists()
    assert link.is_symlink() and json.loads(target.read_text()) == []


def test_cli_follow_symlink_flag(tmp_path):
    target = tmp_path / "elsewhere.txt"
    link = tmp_path / "report.txt"
    link.symlink_to(target)
    refused = _ac_fixer("audit", "--output", str(link), "--", sys.executable, "-c", "pass", cwd=tmp_path)
    _, err = refused.communicate(timeout=120)
    assert refused.returncode == 2 and "symlink" in err
    followed = _ac_fixer("audit", "--follow-symlink", "--output", str(link), "--", sys.executable, "-c", "pass",
                         cwd=tmp_path)
    followed.communicate(timeout=120)
    assert followed.returncode == 0 and "No call reached torch" in target.read_text()


@pytest.mark.slow  # a pseudo-terminal session with timeouts: seconds of waiting, load-sensitive
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.skipif(
    "PYTEST_XDIST_WORKER" in os.environ,
    reason="inside a pytest-xdist worker the pty's Ctrl-C did not always reach the program: "
    "run it with -p no:xdist",
)
def test_interactive_program_keeps_the_terminal(tmp_path):
    """Run in its own process group, the program still reads the terminal and gets its Ctrl-C."""
    import pty

    script = tmp_path / "ask.py"
    script.write_text(
        "import sys\nname = input('name? ')\nprint('hello', name, flush=True)\n"
        "try:\n    input('again? ')\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n    sys.exit(5)\n"
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        try:
            _default_signals()  # a shell's defaults, whatever the test runner ignores (xdist: SIGINT)
            os.chdir(tmp_path)
            env = _env()
            argv = [sys.executable, "-m", "ac_fixer", "audit", "--", sys.executable, str(script)]
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(99)
    output = b""

    def read_until(needle: bytes, timeout: float = 60) -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while needle not in output:
            assert time.monotonic() < deadline, output
            import select

            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 1024)
                except OSError:
                    break

    read_until(b"name? ")
    os.write(fd, b"bob\n")
    read_until(b"hello bob")
    read_until(b"again? ")
    os.write(fd, b"\x03")  # Ctrl-C at the terminal: reaches the program once
    read_until(b"interrupted")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 5, output


@pytest.mark.slow  # a pseudo-terminal session with timeouts: seconds of waiting, load-sensitive
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_ctrl_z_stops_the_job_and_it_continues(tmp_path):
    """Job control: the program stopped at the terminal stops its auditor too (the shell
    sees the job stopped); continued, the auditor gives it the terminal back."""
    import pty
    import select

    script = tmp_path / "ask.py"
    script.write_text("answer = input('go? ')\nprint('done', answer, flush=True)\n")
    pid, fd = pty.fork()
    if pid == 0:
        try:
            _default_signals()  # a shell's defaults, whatever the test runner ignores (xdist: SIGINT)
            os.chdir(tmp_path)
            argv = [sys.executable, "-m", "ac_fixer", "audit", "--", sys.executable, str(script)]
            os.execve(sys.executable, argv, _env())
        finally:
            os._exit(99)
    output = b""

    def read_until(needle: bytes, timeout: float = 60) -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while needle not in output:
            assert time.monotonic() < deadline, output
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    output += os.read(fd, 1024)
                except OSError:
                    break

    try:
        read_until(b"go? ")
        os.write(fd, b"\x1a")  # Ctrl-Z
        _, status = os.waitpid(pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), status
        os.kill(pid, signal.SIGCONT)  # what `fg` does
        time.sleep(0.5)
        os.write(fd, b"yes\n")
        read_until(b"done yes")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, output
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os.close(fd)

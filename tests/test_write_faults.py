"""Writes that fail, attributes a fix must keep, SIGTERM and --jobs (issue 16, items 6, 7, 9).

A finding whose fix was not written stays reported (text, JSON, SARIF, GitHub,
--statistics), the reason is on stderr and the exit code is 2. A rewrite keeps the
setuid/setgid bits, extended attributes and POSIX ACLs of the file. SIGTERM removes the
temporary file of a write in flight; --jobs is capped.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

HEADER = b"import torch.nn.functional as F\n"
CALL = b'y = F.interpolate(x, scale_factor=2, mode="bilinear")'
CALL_FIXED = b'y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)'
GOOD = HEADER + b"\n\ndef up(x):\n    " + CALL + b"\n    return y\n"
GOOD_FIXED = GOOD.replace(CALL, CALL_FIXED)
REPO = Path(__file__).resolve().parent.parent


def _env(cwd: Path) -> dict:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    env["AC_FIXER_CACHE_DIR"] = str(cwd / ".test-cache")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _tree(root: Path, count: int = 3) -> list:
    (root / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    tree = root / "tree"
    tree.mkdir()
    paths = []
    for i in range(count):
        path = tree / f"m{i}.py"
        path.write_bytes(GOOD)
        paths.append(path)
    return paths


def _invoke(args, cwd: Path, monkeypatch):
    from ac_fixer.cli import main

    monkeypatch.chdir(cwd)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("AC_FIXER_CACHE_DIR", str(cwd / ".test-cache"))
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def _errors(stderr: str) -> list:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def _fail_replace_of(monkeypatch, victim: str, code: int = errno.EROFS) -> None:
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if os.path.basename(os.fspath(dst)) == victim:
            raise OSError(code, os.strerror(code))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


# --------------------------------------------------------------------------- item 6: failed writes


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "statistics"])
def test_a_fix_that_was_not_written_stays_reported(tmp_path, monkeypatch, fmt):
    paths = _tree(tmp_path)
    _fail_replace_of(monkeypatch, "m1.py")
    args = ["tree", "--fix", "--no-cache", "--jobs", "1"]
    args += ["--statistics"] if fmt == "statistics" else ["--output-format", fmt]
    result = _invoke(args, tmp_path, monkeypatch)
    assert result.exit_code == 2, result.output
    assert _errors(result.stderr) == ["error: tree/m1.py: cannot write: Read-only file system"]
    assert [p.read_bytes() == GOOD_FIXED for p in paths] == [True, False, True]
    out = result.stdout
    if fmt == "text":
        assert "Fixed 2 errors." in out
        assert "tree/m1.py:5:9: ACF001" in out
        assert "1 error remaining" in out
    elif fmt == "json":
        assert [(f["path"], f["code"]) for f in json.loads(out)] == [("tree/m1.py", "ACF001")]
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
        assert uris == ["tree/m1.py"]
    elif fmt == "github":
        assert out.count("::warning file=tree/m1.py,") == 1 and out.count("::warning") == 1
    else:
        assert out.split() == ["1", "ACF001", "[*]", "implicit-align-corners"]


def test_file_changed_on_disk_keeps_its_finding_too(tmp_path, monkeypatch):
    import ac_fixer.runner as runner

    paths = _tree(tmp_path)
    real = runner.write_target

    def write_target(item):
        target = real(item)
        if target.name == "m0.py":
            target.write_bytes(GOOD + b"# edited\n")
        return target

    monkeypatch.setattr(runner, "write_target", write_target)
    result = _invoke(["tree", "--fix", "--no-cache", "--jobs", "1", "--output-format", "json"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert [f["path"] for f in json.loads(result.stdout)] == ["tree/m0.py"]
    assert paths[0].read_bytes() == GOOD + b"# edited\n"


def _chattr(flag: str, path: Path) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


def test_append_only_file_is_not_reported_as_fixed(tmp_path):
    paths = _tree(tmp_path, 2)
    if not _chattr("+a", paths[0]):
        pytest.skip("chattr +a is not available here (needs root and a file system that has it)")
    try:
        proc = subprocess.run([sys.executable, "-m", "ac_fixer", "check", "tree", "--fix", "--no-cache"],
                              cwd=tmp_path, capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    finally:
        _chattr("-a", paths[0])
    assert proc.returncode == 2, proc.stderr
    assert _errors(proc.stderr) == ["error: tree/m0.py: cannot write: Operation not permitted"]
    assert "Fixed 1 error." in proc.stdout and "tree/m0.py:5:9: ACF001" in proc.stdout
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD_FIXED]
    assert sorted(os.listdir(tmp_path / "tree")) == ["m0.py", "m1.py"]  # no temp file left


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 64 KiB tmpfs mounted at tmp_path/mnt (root only), unmounted afterwards."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    except OSError:
        pytest.skip("no mount command")
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_full_disk_is_not_reported_as_fixed(tiny_tmpfs):
    paths = _tree(tiny_tmpfs, 2)
    filler = tiny_tmpfs / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    proc = subprocess.run([sys.executable, "-m", "ac_fixer", "check", "tree", "--fix", "--no-cache", "--output-format",
                           "json"], cwd=tiny_tmpfs, capture_output=True, text=True, env=_env(tiny_tmpfs), timeout=120)
    assert proc.returncode == 2, proc.stderr
    errors = _errors(proc.stderr)
    assert len(errors) == 2 and all("cannot write: No space left on device" in e for e in errors), proc.stderr
    assert sorted(f["path"] for f in json.loads(proc.stdout)) == ["tree/m0.py", "tree/m1.py"]
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD]
    assert sorted(os.listdir(tiny_tmpfs / "tree")) == ["m0.py", "m1.py"]


def test_read_only_file_system_is_not_reported_as_fixed(tiny_tmpfs):
    paths = _tree(tiny_tmpfs, 2)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tiny_tmpfs)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip("cannot remount read-only")
    proc = subprocess.run([sys.executable, "-m", "ac_fixer", "check", "tree", "--fix", "--no-cache"],
                          cwd=tiny_tmpfs, capture_output=True, text=True, env=_env(tiny_tmpfs), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert len(_errors(proc.stderr)) == 2 and "cannot write: Read-only file system" in proc.stderr
    assert "Fixed" not in proc.stdout and "2 errors remaining" not in proc.stdout
    assert "Found 2 errors" in proc.stdout
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a folder whatever its mode")
def test_read_only_folder_is_not_reported_as_fixed(tmp_path):
    paths = _tree(tmp_path, 2)
    (tmp_path / "tree").chmod(0o555)
    try:
        proc = subprocess.run([sys.executable, "-m", "ac_fixer", "check", "tree", "--fix", "--no-cache"],
                              cwd=tmp_path, capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    finally:
        (tmp_path / "tree").chmod(0o755)
    assert proc.returncode == 2
    assert "Found 2 errors" in proc.stdout and "Fixed" not in proc.stdout
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD]


# --------------------------------------------------------------------------- item 7: attributes


def _fix_one(tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ac_fixer", "check", "m.py", "--fix", "--no-cache"],
                          cwd=tmp_path, capture_output=True, text=True, env=_env(tmp_path), timeout=120)


@pytest.mark.parametrize("mode", [0o4755, 0o2755, 0o6750, 0o2644, 0o1644])
def test_fix_keeps_setuid_setgid_and_sticky_bits(tmp_path, mode):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    path = tmp_path / "m.py"
    path.write_bytes(GOOD)
    path.chmod(mode)
    if stat.S_IMODE(path.stat().st_mode) != mode:
        pytest.skip("this file system or user cannot set these bits")
    proc = _fix_one(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert path.read_bytes() == GOOD_FIXED
    assert oct(stat.S_IMODE(path.stat().st_mode)) == oct(mode)


def test_setgid_bit_that_chmod_drops_refuses_the_write(tmp_path, monkeypatch):
    """chmod drops setgid silently for a group this user is not in: refused, not lost."""
    paths = _tree(tmp_path, 2)
    paths[0].chmod(0o2755)
    real = os.chmod

    def chmod(target, mode, *args, **kwargs):
        return real(target, mode & ~stat.S_ISGID, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    result = _invoke(["tree", "--fix", "--no-cache", "--jobs", "1"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert _errors(result.stderr) == [
        "error: tree/m0.py: cannot keep mode 2755 (the new file would have 755); not written"
    ]
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD_FIXED]
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o2755


def test_setuid_file_whose_owner_cannot_be_kept_is_not_written(tmp_path, monkeypatch):
    """A setuid file rewritten by another user would run as that user: refused."""
    paths = _tree(tmp_path, 2)
    paths[0].chmod(0o4755)

    def chown(*args, **kwargs):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "chown", chown)
    result = _invoke(["tree", "--fix", "--no-cache", "--jobs", "1"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert _errors(result.stderr) == [
        "error: tree/m0.py: cannot keep the owner of a setuid/setgid file; not written"
    ]
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD_FIXED]  # m1 (0o644) is written all the same
    assert sorted(os.listdir(tmp_path / "tree")) == ["m0.py", "m1.py"]


def _set_xattr_or_skip(path: Path, name: str, value: bytes) -> None:
    try:
        os.setxattr(path, name, value)
    except (OSError, AttributeError) as error:
        pytest.skip(f"this file system does not keep {name} xattrs: {error}")


def _acl(*entries) -> bytes:
    """A system.posix_acl_access value (version 2; entries of tag, permissions, id)."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


USER_OBJ, USER, GROUP_OBJ, MASK, OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
UNDEFINED_ID = 0xFFFFFFFF


def test_fix_keeps_extended_attributes(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    path = tmp_path / "m.py"
    path.write_bytes(GOOD)
    _set_xattr_or_skip(path, "user.origin", b"downloaded")
    _set_xattr_or_skip(path, "user.empty", b"")
    proc = _fix_one(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert path.read_bytes() == GOOD_FIXED
    assert os.getxattr(path, "user.origin") == b"downloaded"
    assert os.getxattr(path, "user.empty") == b""


def test_fix_keeps_the_posix_acl(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    path = tmp_path / "m.py"
    path.write_bytes(GOOD)
    acl = _acl((USER_OBJ, 6, UNDEFINED_ID), (USER, 6, 4321), (GROUP_OBJ, 4, UNDEFINED_ID),
               (MASK, 6, UNDEFINED_ID), (OTHER, 0, UNDEFINED_ID))
    _set_xattr_or_skip(path, "system.posix_acl_access", acl)
    mode = stat.S_IMODE(path.stat().st_mode)
    proc = _fix_one(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert path.read_bytes() == GOOD_FIXED
    assert os.getxattr(path, "system.posix_acl_access") == acl
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_an_attribute_that_cannot_be_kept_refuses_the_write(tmp_path, monkeypatch):
    paths = _tree(tmp_path, 2)
    _set_xattr_or_skip(paths[0], "user.keep", b"1")
    real = os.setxattr

    def setxattr(path, name, *args, **kwargs):
        if name == "user.keep":
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))
        return real(path, name, *args, **kwargs)

    monkeypatch.setattr(os, "setxattr", setxattr)
    result = _invoke(["tree", "--fix", "--no-cache", "--jobs", "1"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert _errors(result.stderr) == [
        "error: tree/m0.py: cannot keep extended attribute user.keep (Operation not permitted); not written"
    ]
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD_FIXED]
    assert "Fixed 1 error." in result.stdout and "tree/m0.py:5:9: ACF001" in result.stdout
    assert sorted(os.listdir(tmp_path / "tree")) == ["m0.py", "m1.py"]


# --------------------------------------------------------------------------- item 9: SIGTERM, --jobs

_SLOW_FSYNC = """
import os, sys, time
marker = sys.argv[1]
real_fsync = os.fsync
def fsync(fd):
    open(marker, "w").close()
    time.sleep(60)
    return real_fsync(fd)
os.fsync = fsync
from ac_fixer.cli import main
main(sys.argv[2:], prog_name="ac-fixer")
"""

_SLOW_ANALYSIS = """
import os, sys, time
marker = sys.argv[1]
import ac_fixer.runner as runner
real = runner.screen_file  # what the workers run on every file
def slow(*args, **kwargs):
    open(marker + str(os.getpid()), "w").close()
    time.sleep(60)
    return real(*args, **kwargs)
runner.screen_file = slow
from ac_fixer.cli import main
main(sys.argv[2:], prog_name="ac-fixer")
"""


def _start(script: str, marker: Path, args: list, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, str(marker), "check", *args], cwd=cwd,
                            env=_env(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for(predicate, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(f"the run never got there: exit {proc.returncode}\n{out.decode()}\n{err.decode()}")
        time.sleep(0.02)


def _group_gone(pgid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_during_a_write_removes_the_temp_file(tmp_path, signum):
    paths = _tree(tmp_path, 2)
    marker = tmp_path / "writing"
    proc = _start(_SLOW_FSYNC, marker, ["tree", "--fix", "--no-cache", "--jobs", "1"], tmp_path)
    _wait_for(marker.exists, proc)
    assert [n for n in os.listdir(tmp_path / "tree") if n.endswith(".ac-fixer-tmp")]  # the write is in flight
    proc.send_signal(signum)
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum
    assert sorted(os.listdir(tmp_path / "tree")) == ["m0.py", "m1.py"]
    assert [p.read_bytes() for p in paths] == [GOOD, GOOD]
    assert _group_gone(proc.pid)


def test_sigterm_during_the_analysis_stops_the_workers(tmp_path):
    _tree(tmp_path, 12)
    marker = tmp_path / "analyzing-"
    proc = _start(_SLOW_ANALYSIS, marker, ["tree", "--fix", "--no-cache", "--jobs", "2"], tmp_path)
    _wait_for(lambda: any(tmp_path.glob("analyzing-*")), proc)
    proc.send_signal(signal.SIGTERM)  # to the main process only: it must end its workers
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert _group_gone(proc.pid), "a worker process outlived the run"


def test_jobs_is_capped(tmp_path, monkeypatch):
    import ac_fixer.runner as runner

    cap = runner.MAX_JOBS
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    assert runner.worker_count(200) == min(cap, cpus)
    assert runner.worker_count(0) == min(cap, cpus)
    assert runner.worker_count(1) == 1
    seen = []
    real_pool = runner.ProcessPoolExecutor

    def pool(max_workers, **kwargs):
        seen.append(max_workers)
        return real_pool(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(runner, "ProcessPoolExecutor", pool)
    _tree(tmp_path, 12)
    result = _invoke(["tree", "--no-cache", "--jobs", "200"], tmp_path, monkeypatch)
    assert result.exit_code == 1, result.output
    assert seen and max(seen) <= min(cap, cpus)


def test_help_says_how_jobs_is_capped():
    from ac_fixer.cli import main

    text = " ".join(CliRunner().invoke(main, ["check", "--help"]).output.split())
    assert "at most 32" in text and "CPU" in text

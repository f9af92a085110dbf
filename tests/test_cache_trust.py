"""A cache no one else can poison (issue 16, item 11).

The cache folder may sit in a shared tree: a folder that is a symlink, that another user
owns or that group/others may write is refused (one warning, the run goes on without the
cache), and an entry counts only when it carries the MAC of this user's secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ac_fixer import __version__, cache, runner
from ac_fixer.api import Settings
from ac_fixer.files import SourceFile

SOURCE = b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n"
EXPECTED = [(2, "ACF001")]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A file with one finding, a private key folder of its own, and ``check(cache_dir)``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "a.py"
    path.write_bytes(SOURCE)

    def check(cache_dir: Path, settings: Settings = Settings()):
        return runner.run([SourceFile(str(path), path, explicit=True)], settings, jobs=1, cache_dir=cache_dir)

    return path, check


def _codes(result) -> list:
    return [(f.line, f.code) for f in result.findings]


def _hiding_entries(path: Path) -> dict:
    """Entries that claim the file, with its current signature and content digest, has
    no finding."""
    return {os.path.abspath(path): [cache.signature_text(os.stat(path)), [], cache.content_digest(path.read_bytes())]}


def _cache_name(settings: Settings = Settings()) -> str:
    return f"findings-{cache.settings_key(settings)}.json"


def _plant(folder: Path, content: bytes, settings: Settings = Settings()) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / _cache_name(settings)
    target.write_bytes(content)
    return target


def _plain_json(path: Path) -> bytes:
    """The cache file as earlier versions wrote it: JSON, no MAC."""
    return json.dumps({"version": __version__, "entries": _hiding_entries(path)}).encode()


def _signed(path: Path, key: bytes, name: str) -> bytes:
    payload = json.dumps({"version": __version__, "entries": _hiding_entries(path)}).encode()
    mac = hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).hexdigest()
    return cache.CACHE_MAGIC + mac.encode() + b"\n" + payload


# --------------------------------------------------------------------------- entries


def test_planted_json_entries_without_a_mac_do_not_hide_findings(tree, tmp_path):
    path, check = tree
    _plant(tmp_path / "cache", _plain_json(path))
    assert _codes(check(tmp_path / "cache")) == EXPECTED


def test_planted_entries_with_a_wrong_mac_do_not_hide_findings(tree, tmp_path):
    path, check = tree
    _plant(tmp_path / "cache", _signed(path, b"not the user's key", _cache_name()))
    assert _codes(check(tmp_path / "cache")) == EXPECTED


def test_entries_signed_with_another_users_key_do_not_hide_findings(tree, tmp_path, monkeypatch):
    path, check = tree
    check(tmp_path / "cache")  # this user's key exists now
    key = cache.user_key()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-user"))
    other_key = cache.user_key()
    assert other_key != key
    _plant(tmp_path / "cache", _signed(path, other_key, _cache_name()))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _codes(check(tmp_path / "cache")) == EXPECTED


def test_an_entry_moved_to_another_configurations_file_is_a_miss(tree, tmp_path):
    path, check = tree
    other = Settings(value=True)
    _plant(tmp_path / "cache", _signed(path, cache.user_key(), _cache_name(Settings())), other)
    assert _codes(check(tmp_path / "cache", other)) == EXPECTED


def test_the_users_own_signed_entries_are_used(tree, tmp_path):
    """The control of the tests above: the same entries with this user's MAC are trusted
    (so the tests above really reach the entries)."""
    path, check = tree
    _plant(tmp_path / "cache", _signed(path, cache.user_key(), _cache_name()))
    assert _codes(check(tmp_path / "cache")) == []


def test_a_warm_run_uses_what_a_cold_run_wrote(tree, tmp_path, monkeypatch):
    path, check = tree
    assert _codes(check(tmp_path / "cache")) == EXPECTED
    monkeypatch.setattr(runner, "analyze_file", lambda item, *a, **k: runner.FileOutcome(item, error="analyzed"))
    assert _codes(check(tmp_path / "cache")) == EXPECTED


# --------------------------------------------------------------------------- the key


def test_the_key_is_a_private_file_in_a_private_folder(tree, tmp_path):
    path, check = tree
    check(tmp_path / "cache")
    folder = tmp_path / "xdg" / "ac-fixer"
    key = folder / "key"
    assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.lstat(key).st_mode) == 0o600 and stat.S_ISREG(os.lstat(key).st_mode)
    assert len(cache.user_key()) == 32
    assert [p.name for p in folder.iterdir()] == ["key"]  # no temporary file left


def test_home_cache_is_used_without_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cache.user_key()
    assert (tmp_path / "home" / ".cache" / "ac-fixer" / "key").is_file()


def test_a_key_folder_others_can_reach_is_refused(tree, tmp_path):
    path, check = tree
    folder = tmp_path / "xdg" / "ac-fixer"
    folder.mkdir(parents=True)
    folder.chmod(0o755)  # others may enter it, not write it: refused for the key's privacy alone
    result = check(tmp_path / "cache")
    assert _codes(result) == EXPECTED
    assert "ac-fixer" in (result.cache_warning or "") and "others" in result.cache_warning
    assert not (folder / "key").exists()


def test_a_key_that_is_a_symlink_is_refused(tree, tmp_path):
    path, check = tree
    folder = tmp_path / "xdg" / "ac-fixer"
    folder.mkdir(parents=True, mode=0o700)
    (tmp_path / "planted-key").write_text("0" * 64)
    (tmp_path / "planted-key").chmod(0o600)  # a private key file: only the link is wrong
    (folder / "key").symlink_to(tmp_path / "planted-key")
    result = check(tmp_path / "cache")
    assert _codes(result) == EXPECTED and "key" in (result.cache_warning or "")
    assert not (tmp_path / "cache").exists()


# --------------------------------------------------------------------------- the folder


def test_a_cache_folder_that_is_a_symlink_is_refused(tree, tmp_path):
    path, check = tree
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "cache").symlink_to(outside)
    result = check(tmp_path / "cache")
    assert _codes(result) == EXPECTED
    assert sorted(os.listdir(outside)) == [], "nothing is written through the link"
    assert "symlink" in result.cache_warning


def test_a_symlinked_cache_folder_with_planted_entries_is_not_read(tree, tmp_path):
    path, check = tree
    outside = tmp_path / "outside"
    _plant(outside, _signed(path, cache.user_key(), _cache_name()))
    (tmp_path / "cache").symlink_to(outside)
    assert _codes(check(tmp_path / "cache")) == EXPECTED


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_cache_folder_others_may_write_is_refused(tree, tmp_path, mode):
    path, check = tree
    cache_file = _plant(tmp_path / "cache", _signed(path, cache.user_key(), _cache_name()))
    (tmp_path / "cache").chmod(mode)
    before = cache_file.read_bytes()
    result = check(tmp_path / "cache")
    assert _codes(result) == EXPECTED
    assert "writable" in result.cache_warning
    assert cache_file.read_bytes() == before and sorted(os.listdir(tmp_path / "cache")) == [cache_file.name]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown to another uid needs root")
def test_a_cache_folder_of_another_user_is_refused(tree, tmp_path):
    path, check = tree
    cache_file = _plant(tmp_path / "cache", _signed(path, cache.user_key(), _cache_name()))
    os.chown(tmp_path / "cache", 4321, 4321)
    result = check(tmp_path / "cache")
    assert _codes(result) == EXPECTED
    assert "owned by uid 4321" in result.cache_warning
    assert sorted(os.listdir(tmp_path / "cache")) == [cache_file.name]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown to another uid needs root")
def test_a_cache_file_of_another_user_is_a_miss(tree, tmp_path):
    path, check = tree
    cache_file = _plant(tmp_path / "cache", _signed(path, cache.user_key(), _cache_name()))
    os.chown(cache_file, 4321, 4321)
    assert _codes(check(tmp_path / "cache")) == EXPECTED


def test_a_cache_file_that_is_a_symlink_is_a_miss_and_not_written_through(tree, tmp_path):
    path, check = tree
    target = tmp_path / "elsewhere.json"
    target.write_bytes(_signed(path, cache.user_key(), _cache_name()))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / _cache_name()).symlink_to(target)
    before = target.read_bytes()
    assert _codes(check(tmp_path / "cache")) == EXPECTED
    assert target.read_bytes() == before


def test_a_created_cache_folder_is_not_writable_by_others_even_with_umask_0(tree, tmp_path):
    path, check = tree
    old = os.umask(0)
    try:
        check(tmp_path / "cache")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.lstat(tmp_path / "cache").st_mode) & 0o022 == 0
    result = check(tmp_path / "cache")
    assert result.cache_warning is None


def test_the_refusal_is_one_warning_on_stderr(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[tool.ac-fixer]\nvalue = false\n")
    for name in ("a.py", "sub/b.py"):
        (tmp_path / name).write_bytes(SOURCE)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "cache").symlink_to(outside)
    env = dict(os.environ, AC_FIXER_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1",
               XDG_CACHE_HOME=str(tmp_path / "xdg"))
    proc = subprocess.run([sys.executable, "-m", "ac_fixer", "check", "a.py", "sub/b.py"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, proc.stderr
    assert "symlink" in warnings[0] and "without the cache" in warnings[0]
    assert "Traceback" not in proc.stderr
    assert os.listdir(outside) == []

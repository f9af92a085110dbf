"""The findings cache is keyed by file content (issue 6): the stat signature only saves reading."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ac_fixer import cache, runner
from ac_fixer.api import Settings
from ac_fixer.files import SourceFile

SOURCE = b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n"
OTHER = b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bicubic')\n"  # same size
CLEAN = b"import torch.nn.functional as F\ny = F.interpolate(x, mode='nearest')\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """One file, a cache folder, and a counter of the files the analysis is run on."""
    path = tmp_path / "a.py"
    path.write_bytes(SOURCE)
    analyzed = []
    real = runner.analyze_file
    monkeypatch.setattr(runner, "analyze_file", lambda item, *a, **k: analyzed.append(item.display) or real(item, *a, **k))

    def check(fix: bool = False, settings: Settings = Settings()):
        items = [SourceFile(str(path), path, explicit=True)]
        return runner.run(items, settings, fix=fix, jobs=1, cache_dir=tmp_path / "cache")

    return path, check, analyzed


def _codes(result) -> list:
    return [(f.line, f.code, f.mode) for f in result.findings]


def _read_cache(cache_file: Path) -> dict:
    """The JSON payload of a cache file (after its MAC line)."""
    data = cache_file.read_bytes()
    assert data.startswith(cache.CACHE_MAGIC)
    return json.loads(data.partition(b"\n")[2])


def _write_cache(cache_file: Path, data: dict) -> None:
    """Write ``data`` as this user's run would (signed with the user's key): the entries'
    own logic is under test here, not the MAC (tests/test_cache_trust.py)."""
    cache_file.write_bytes(cache.signed_bytes(cache.user_key(), cache_file.name, json.dumps(data).encode()))


def _bump_times(path: Path) -> None:
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns + 10**9, info.st_mtime_ns + 10**9))


def test_a_file_touched_without_a_change_is_not_analyzed_again(tree):
    path, check, analyzed = tree
    first = check()
    assert analyzed == [str(path)]
    _bump_times(path)  # new signature, same content
    second = check()
    assert analyzed == [str(path)], "same content: the cached findings stand"
    assert _codes(second) == _codes(first) == [(2, "ACF001", "bilinear")]
    # The entry took the new signature: a third run does not even read the file.
    reads = []
    real_read = runner.read_source_and_signature
    runner.read_source_and_signature = lambda item: reads.append(item) or real_read(item)
    try:
        assert _codes(check()) == _codes(first)
    finally:
        runner.read_source_and_signature = real_read
    assert reads == []


def test_a_changed_file_is_analyzed_again_even_with_its_old_times(tree):
    path, check, analyzed = tree
    check()
    info = os.stat(path)
    path.write_bytes(OTHER)  # same size, other content
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # and the old mtime
    second = check()
    assert analyzed == [str(path), str(path)]
    assert _codes(second) == [(2, "ACF001", "bicubic")]
    path.write_bytes(CLEAN)
    assert _codes(check()) == []


def test_fix_analyzes_a_file_whose_cached_findings_are_fixable(tree):
    path, check, analyzed = tree
    check()
    _bump_times(path)
    result = check(fix=True)
    assert len(analyzed) == 2 and [o.new_source for o in result.changed] == [
        SOURCE.replace(b"'bilinear')", b"'bilinear', align_corners=False)")
    ]


def test_the_content_digest_is_stored_and_an_entry_without_one_still_loads(tree, tmp_path):
    path, check, analyzed = tree
    check()
    (cache_file,) = (tmp_path / "cache").glob("findings-*.json")
    data = _read_cache(cache_file)
    (entry,) = data["entries"].values()
    assert entry[2] == cache.content_digest(SOURCE)
    # An entry of the earlier [signature, findings] shape: a signature hit still counts...
    data["entries"] = {k: v[:2] for k, v in data["entries"].items()}
    _write_cache(cache_file, data)
    assert _codes(check()) == [(2, "ACF001", "bilinear")] and len(analyzed) == 1
    # ...and without a digest, a changed signature means the file is analyzed again.
    _bump_times(path)
    check()
    assert len(analyzed) == 2


def test_a_foreign_digest_is_a_miss(tree, tmp_path):
    path, check, analyzed = tree
    check()
    (cache_file,) = (tmp_path / "cache").glob("findings-*.json")
    data = _read_cache(cache_file)
    for entry in data["entries"].values():
        entry[1] = []  # findings that do not belong to this content
        entry[2] = cache.content_digest(OTHER)
    _write_cache(cache_file, data)
    _bump_times(path)
    assert _codes(check()) == [(2, "ACF001", "bilinear")] and len(analyzed) == 2


def test_the_content_shortcut_works_in_worker_processes(tmp_path, monkeypatch):
    files = []
    for i in range(20):  # enough for the worker pool
        path = tmp_path / f"m{i}.py"
        path.write_bytes(SOURCE if i % 2 else CLEAN)
        files.append(SourceFile(str(path), path, explicit=True))
    first = runner.run(files, Settings(), jobs=2, cache_dir=tmp_path / "cache")
    for item in files:
        _bump_times(item.path)
    # Forked workers inherit this: an analysis would show as an error.
    monkeypatch.setattr(runner, "analyze_file", lambda item, *a, **k: runner.FileOutcome(item, error="analyzed"))
    second = runner.run(files, Settings(), jobs=2, cache_dir=tmp_path / "cache")
    assert second.errors == []
    assert [f.to_json() for f in second.findings] == [f.to_json() for f in first.findings]
    assert len(first.findings) == 10


def test_a_file_saved_while_it_is_read_is_not_cached(tree, monkeypatch):
    """A save between the read and the signature must not pair the new signature with the
    old content's findings."""
    from ac_fixer import cache, files

    path, check, analyzed = tree
    path.write_bytes(CLEAN)
    cache.user_key()  # made (or read) now: its own fstat calls would shift the count below
    real_fstat = files.os.fstat
    calls = []

    def fstat_with_a_save_after_the_read(fd):
        calls.append(fd)
        if len(calls) == 2:  # the fstat after the read loop: an editor saves now
            path.write_bytes(SOURCE)
        return real_fstat(fd)

    monkeypatch.setattr(files.os, "fstat", fstat_with_a_save_after_the_read)
    assert _codes(check()) == []  # what was read
    monkeypatch.setattr(files.os, "fstat", real_fstat)
    assert _codes(check()) == [(2, "ACF001", "bilinear")]


def test_the_cache_key_covers_the_code_that_decides_findings(tmp_path):
    key = cache.settings_key(Settings())
    assert key == cache.settings_key(Settings())
    assert key != cache.settings_key(Settings(value=True))
    # Every file of the package counts, listed by nobody: a copy keys alike, a changed or
    # an added module does not.
    import shutil

    copy = tmp_path / "ac_fixer"
    shutil.copytree(cache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert cache.settings_key(Settings(), copy) == key
    (copy / "new_rule.py").write_text("# a new module\n")
    added = cache.settings_key(Settings(), copy)
    assert added != key
    with open(copy / "catalog.toml", "a") as catalog:
        catalog.write("\n# a new row\n")
    assert cache.settings_key(Settings(), copy) not in (key, added)
    assert "catalog.toml" in cache.package_files() and "runtime/verify.py" in cache.package_files()

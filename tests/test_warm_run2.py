"""The warm run's second round of cuts (issue 17): discovery asks no stat per folder (a
virtualenv is known from its own listing, a symlinked folder from its parent's), the
collector is paused while discovery and the cache make their many objects, and a warm
run imports neither the catalog nor what only writes need. Speed only: discovery finds
what os.walk found, in its order."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import runs_listing_modules

from ac_fixer.files import SKIPPED_DIRECTORIES, SOURCE_SUFFIXES, CollectorPaused, discover


def _os_walk_reference(top: str) -> list:
    """Discovery as os.walk with an isfile(pyvenv.cfg) per folder (the code before)."""
    found, seen = [], set()
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = [d for d in sorted(dirnames) if d not in SKIPPED_DIRECTORIES and not d.endswith(".egg-info")
                       and not os.path.isfile(os.path.join(directory, d, "pyvenv.cfg"))]
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                shown = os.path.join(directory, name)
                key = os.path.realpath(shown) if os.path.islink(shown) else os.path.abspath(shown)
                if key not in seen:
                    seen.add(key)
                    found.append(shown)
    return found


def _tree_of_virtualenvs(base: Path) -> None:
    """Folders that are virtualenvs (pyvenv.cfg a file, or a symlink to one) and folders
    that only look like one (pyvenv.cfg a folder, a dangling link, in a subfolder)."""
    for name in ("real_env", "linked_env", "folder_cfg", "dangling_cfg", "deeper", "plain"):
        (base / name).mkdir(parents=True)
        (base / name / "m.py").write_text("x = 1\n")
    (base / "real_env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (base / "cfg_target").write_text("home = /usr/bin\n")
    (base / "linked_env" / "pyvenv.cfg").symlink_to(base / "cfg_target")
    (base / "folder_cfg" / "pyvenv.cfg").mkdir()
    (base / "dangling_cfg" / "pyvenv.cfg").symlink_to(base / "missing")
    (base / "deeper" / "inner").mkdir()
    (base / "deeper" / "inner" / "pyvenv.cfg").write_text("")
    (base / "deeper" / "inner" / "n.py").write_text("x = 1\n")
    (base / "plain" / "sub.py").mkdir()  # a folder named like a source file
    (base / "plain" / "sub.py" / "k.py").write_text("x = 1\n")
    (base / "plain" / "to_deeper").symlink_to(base / "deeper")  # a symlinked folder: not entered
    (base / "top.py").write_text("x = 1\n")


def test_virtualenvs_and_symlinked_folders_are_skipped_as_with_a_stat_per_folder(tmp_path, monkeypatch):
    _tree_of_virtualenvs(tmp_path / "tree")
    monkeypatch.chdir(tmp_path)
    found, errors = discover(["tree"])
    assert errors == []
    shown = [item.display for item in found]
    assert shown == _os_walk_reference("tree")
    assert "tree/real_env/m.py" not in shown and "tree/linked_env/m.py" not in shown
    assert "tree/folder_cfg/m.py" in shown and "tree/dangling_cfg/m.py" in shown
    assert "tree/deeper/m.py" in shown and "tree/deeper/inner/n.py" not in shown
    assert "tree/plain/sub.py/k.py" in shown


def test_a_virtualenv_named_on_the_command_line_is_walked(tmp_path, monkeypatch):
    """Only folders found below a named one are skipped for their pyvenv.cfg (as before)."""
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("")
    (tmp_path / "env" / "a.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    assert [item.display for item in discover(["env"])[0]] == ["env/a.py"]


def test_discovery_stats_no_folder(tmp_path, monkeypatch):
    """No os.stat / lstat of a folder or file per entry: the listing's d_type answers."""
    _tree_of_virtualenvs(tmp_path / "tree")
    monkeypatch.chdir(tmp_path)
    calls = []
    real_stat, real_lstat = os.stat, os.lstat
    monkeypatch.setattr(os, "stat", lambda *a, **k: (calls.append(a[0]), real_stat(*a, **k))[1])
    monkeypatch.setattr(os, "lstat", lambda *a, **k: (calls.append(a[0]), real_lstat(*a, **k))[1])
    found, _ = discover(["tree"])
    monkeypatch.undo()
    assert found
    per_folder = [c for c in calls if str(c).endswith(("pyvenv.cfg", "inner", "sub.py", "plain", "deeper"))]
    assert per_folder == []


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_pause_restores_what_it_found(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with CollectorPaused():
            assert not gc.isenabled()
        assert gc.isenabled() == enabled
        with pytest.raises(ValueError):
            with CollectorPaused():
                raise ValueError
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_discovery_leaves_the_collector_as_it_was(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    assert gc.isenabled()
    discover([str(tmp_path)])
    assert gc.isenabled()


def test_a_warm_run_imports_neither_the_catalog_nor_what_writes_need(tmp_path):
    """A warm run (every file cached) of files checked each on its own reads no catalog:
    neither its module nor its TOML; nor does it import tempfile or secrets (only a write
    needs them). (The project's facts are keyed by the catalog's rows: a warm run with the
    project-wide analysis reads it.)"""
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\nproject-analysis = false\n")
    (tmp_path / "a.py").write_text("import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    cold, warm = runs_listing_modules(tmp_path, ["check", "--output-format", "json", "."],
                                      ("ac_fixer.catalog", "tempfile", "secrets", "ac_fixer.fast.screen"))
    assert "ac_fixer.catalog" in cold.stdout  # the first run analyzes a.py
    assert warm.stdout.strip().splitlines()[-1] == "[]", warm.stdout + warm.stderr
    # the same report, cached or not
    assert cold.stdout.rsplit("\n", 2)[0] == warm.stdout.rsplit("\n", 2)[0] and cold.stderr == warm.stderr


def test_the_pause_freezes_what_lives_on_only_when_the_process_ends_after_the_run(monkeypatch):
    """``freeze_after`` (the command line's entry point sets it) moves what is alive when a
    pause ends to the permanent generation; left unset (tests, editors), nothing is frozen."""
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    with CollectorPaused():
        pass
    assert frozen == []
    monkeypatch.setattr(CollectorPaused, "freeze_after", True)
    with CollectorPaused():
        pass
    assert frozen == [True]
    gc.disable()
    try:
        with CollectorPaused():  # a caller that paused the collector itself keeps it as it was
            pass
    finally:
        gc.enable()
    assert frozen == [True]


def test_the_entry_point_sets_freezing_and_the_report_is_unchanged(tmp_path):
    (tmp_path / "a.py").write_text("import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n")
    code = ("import sys, ac_fixer.cli\nfrom ac_fixer.files import CollectorPaused\n"
            "try:\n    ac_fixer.cli.run()\nexcept SystemExit as exit:\n"
            "    print(CollectorPaused.freeze_after, exit.code)\n")
    env = dict(os.environ, AC_FIXER_CACHE_DIR=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    run = subprocess.run([sys.executable, "-c", code, "check", "--output-format", "json", "."], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "True 1", run.stdout + run.stderr


def test_an_entry_stores_the_signature_as_one_string_and_an_earlier_list_is_a_miss(tmp_path):
    """The stored signature is files.signature as one string (it decodes faster than four
    large integers); an entry of the earlier list form is a signature miss: the file is
    read, its digest decides, and the entry is written in the new form. Same findings."""
    import json

    from ac_fixer import cache, runner
    from ac_fixer.api import Settings
    from ac_fixer.files import SourceFile, signature

    path = tmp_path / "a.py"
    path.write_bytes(b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n")
    item = SourceFile(str(path), path, explicit=True)
    reads = []
    real_read = runner.read_source_and_signature

    def counting_read(source_file):
        reads.append(source_file.display)
        return real_read(source_file)

    def check() -> list:
        result = runner.run([item], Settings(), jobs=1, cache_dir=tmp_path / "cache")
        return [(f.line, f.code) for f in result.findings]

    def entry() -> list:
        (cache_file,) = (tmp_path / "cache").glob("findings-*.json")
        return json.loads(cache_file.read_bytes().partition(b"\n")[2])["entries"][os.path.abspath(path)]

    runner.read_source_and_signature, saved = counting_read, runner.read_source_and_signature
    try:
        first = check()
        stored = entry()
        assert stored[0] == cache.signature_text(os.stat(path)) == " ".join(map(str, signature(os.stat(path))))
        assert check() == first and len(reads) == 1  # a signature hit: not read
        the_cache = cache.Cache(tmp_path / "cache", Settings())
        the_cache.entries[os.path.abspath(path)] = [signature(os.stat(path))] + stored[1:]  # the earlier form
        the_cache.dirty = True
        the_cache.save()
        assert check() == first and len(reads) == 2  # read again; the digest keeps the findings
        assert entry()[0] == stored[0]  # rewritten in the new form
        assert check() == first and len(reads) == 2
    finally:
        runner.read_source_and_signature = saved


def test_a_warm_run_with_the_project_analysis_stats_each_file_once(tmp_path, monkeypatch):
    """The project's facts take an os.stat of every project file (their cache key); the
    findings cache reads those instead of asking again. A file changed since the last run
    is still seen as changed, and the findings are those of a run that stats twice."""
    from dataclasses import replace

    from ac_fixer import cache as cache_module
    from ac_fixer import runner
    from ac_fixer.api import Settings
    from ac_fixer.project import DeferredFacts

    from conftest import write_project

    write_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/ops.py": "import torch.nn.functional as F\n\n\ndef resize(x, size=None, mode='nearest', "
                      "align_corners=None):\n    return F.interpolate(x, size, mode=mode, align_corners=align_corners)\n",
        "pkg/neck.py": "from pkg.ops import resize\n\ny = resize(x, 4, mode='bilinear')\n",
        "pkg/clean.py": "x = 1\n",
    })
    package = tmp_path / "pkg"
    items = discover([str(tmp_path)], (), tmp_path)[0]
    cache_dir = tmp_path / ".cache"

    def checked() -> list:
        settings = replace(Settings(), project=DeferredFacts(tmp_path, (), tmp_path, cache_dir,
                                                             named=[i.filename for i in items], discovered=items))
        result = runner.run(items, settings, jobs=1, cache_dir=cache_dir)
        return [(o.item.path.name, [(f.line, f.code) for f in o.findings]) for o in result.outcomes]

    cold = checked()
    assert ("neck.py", [(3, "ACF001")]) in cold
    asked = []
    get = cache_module.Cache.get
    monkeypatch.setattr(cache_module.Cache, "get", lambda self, item, info=None: asked.append(info) or get(self, item, info))
    assert checked() == cold
    assert len(asked) == len(items) and None not in asked  # every file's stat came from the facts
    (package / "neck.py").write_text("from pkg.ops import resize\n\ny = resize(x, 4, mode='nearest')\n")
    assert ("neck.py", []) in checked()


def test_the_facts_key_changes_with_every_part_of_every_signature():
    from ac_fixer.project import _files_key

    stats = {"a.py": [1700000000000000000, 10, 5, 1700000000000000001], "pkg/b.py": [1, 2, 3, 4]}
    key = _files_key("config", stats)
    assert _files_key("config", dict(reversed(stats.items()))) == key  # the order of the walk
    seen = {key}
    for name in stats:
        for position in range(4):
            changed = {n: list(s) for n, s in stats.items()}
            changed[name][position] += 1
            seen.add(_files_key("config", changed))
    seen.add(_files_key("other", stats))
    seen.add(_files_key("config", {"a.py": stats["a.py"]}))
    seen.add(_files_key("config", {"a.py\0pkg/b.py": stats["a.py"]}))  # no name holds NUL; still apart
    seen.add(_files_key("config", {"a.py": stats["a.py"], "pkg/c.py": stats["pkg/b.py"]}))
    assert len(seen) == 13


def test_the_facts_key_takes_any_signature_and_any_name():
    from ac_fixer.project import _files_key

    huge = {"a.py": [2 ** 70, 1, 2, -5]}  # beyond 64 bits, before 1970
    assert _files_key("c", huge) != _files_key("c", {"a.py": [2 ** 70 + 1, 1, 2, -5]})
    odd = {"caf\udce9.py": [1, 2, 3, 4]}  # a name that is not UTF-8 (surrogate escape)
    assert _files_key("c", odd) != _files_key("c", {"caf\u00e9.py": [1, 2, 3, 4]})


def test_the_facts_key_of_packed_signatures_is_never_that_of_a_text():
    """Signatures past 64 bits go in as a JSON text: a text whose bytes read as the packed
    integers of other signatures (same names) must not give the same key."""
    import array
    import json

    from ac_fixer.project import _files_key

    as_text = {"a.py": [2 ** 70, 1, 2, 3], "b.py": [10 ** 15, 0, 0, 0]}
    text = json.dumps([as_text["a.py"], as_text["b.py"]]).encode()
    assert len(text) == 64  # eight integers of 8 bytes each
    numbers = array.array("q", text).tolist()
    packed = {"a.py": numbers[:4], "b.py": numbers[4:]}
    assert _files_key("c", packed) != _files_key("c", as_text)

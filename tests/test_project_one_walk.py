"""`check .` at the project's root walks the tree once: the index takes the run's files."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ac_fixer import files
from ac_fixer.cli import main

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "wrappers"


def _check(tmp_path: Path, monkeypatch, path: str) -> tuple:
    walks = []
    real = files.discover
    monkeypatch.setattr(files, "discover", lambda paths, *a, **k: walks.append(list(paths)) or real(paths, *a, **k))
    monkeypatch.chdir(tmp_path / "project")
    result = CliRunner().invoke(main, ["check", "--project-analysis", "--no-cache", "--output-format", "json", path])
    assert result.exit_code == 1, result.output
    return json.loads(result.output), walks


def test_check_at_the_root_walks_once_and_finds_what_two_walks_find(tmp_path, monkeypatch):
    shutil.copytree(PROJECT, tmp_path / "project")
    at_root, walks = _check(tmp_path, monkeypatch, ".")
    assert walks == [["."]]
    below, walks = _check(tmp_path, monkeypatch, "mmlite")  # a folder below the root: two walks
    assert len(walks) == 2
    assert at_root == below
    assert any(f["function"] == "mmlite.ops.wrappers.resize" for f in at_root)  # a wrapper's call


def test_a_folder_below_the_root_is_listed_once(tmp_path, monkeypatch):
    """`check pkg` from the project's root: the index's walk of the root takes the files the
    run's walk of pkg found, without listing pkg's folders again (pkg itself is listed by
    both: the root's walk tests that it can list it, and whether it is a virtualenv)."""
    shutil.copytree(PROJECT, tmp_path / "project")
    listed = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(os.path.realpath(path)) or real(path))
    below, walks = _check(tmp_path, monkeypatch, "mmlite")
    top = str(tmp_path / "project" / "mmlite")
    folders = [p for p in listed if p.startswith(top + os.sep)]
    assert folders and len(folders) == len(set(folders))
    assert listed.count(top) == 2
    monkeypatch.setattr(os, "scandir", real)
    at_root, _ = _check(tmp_path, monkeypatch, ".")
    assert below == at_root


def _fields(items: list) -> list:
    """What a found file is: its display, its path as given, explicit, its root, its absolute path."""
    return [(i.display, i.filename, i.explicit, i.root, i.abspath) for i in items]


# What the root's walk finds with the named folder's walk taken, against without: every
# case where the two walks could differ (the walk then lists the folder as before).
def _tree(root: Path, layout: dict) -> None:
    for name, content in layout.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):  # ("link", target relative to root)
            path.symlink_to(root / content[1])
        elif content is None:
            path.mkdir(exist_ok=True)
        else:
            path.write_text(content)


BASE = {
    "a.py": "", "z.py": "", "pkg/b.py": "", "pkg/sub/c.py": "", "pkg/sub/d.gen.py": "", "zz/e.py": "",
    "pkg/skip/f.py": "", "pkg/sub/ignored.py": "",
}
CASES = {
    "plain": ({}, (), "pkg"),
    "git ignore files at two levels": (
        {".git": None, ".gitignore": "pkg/sub/ignored.py\n", "pkg/.gitignore": "*.gen.py\n"}, (), "pkg"),
    "an exclude": ({}, ("pkg/skip/",), "pkg"),
    "the named folder excluded": ({}, ("pkg/",), "pkg"),
    "a symlinked file inside": ({"pkg/link.py": ("link", "a.py")}, (), "pkg"),
    "a link met first to a file inside": ({"aa_link.py": ("link", "pkg/b.py")}, (), "pkg"),
    "a link met later to a file inside": ({"zz/link.py": ("link", "pkg/b.py")}, (), "pkg"),
    "a virtualenv named": ({"pkg/pyvenv.cfg": ""}, (), "pkg"),
    "a skipped name": ({"build/g.py": ""}, (), "build"),
    "reached through a symlinked folder": ({"linked": ("link", "pkg")}, (), "linked"),
    "its own repository": ({"pkg/.git": None, "pkg/.gitignore": "*.gen.py\n"}, (), "pkg"),
    "its own repository in the root's": ({".git": None, "pkg/.git": None, "pkg/.gitignore": "*.gen.py\n"}, (),
                                         "pkg"),
    "ignored by the root's git": ({".git": None, ".gitignore": "pkg/\n"}, (), "pkg"),
    "a deeper folder": ({".git": None, "pkg/.gitignore": "c.py\n"}, (), "pkg/sub"),
    "an invalid pattern in an ignore file inside": ({".git": None, "pkg/sub/.gitignore": "!\nd.gen.py\n"}, (), "pkg"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_root_walk_with_a_named_folder_taken_finds_the_same(tmp_path, monkeypatch, case):
    extra, exclude, named = CASES[case]
    root = tmp_path / "root"
    _tree(root, {**BASE, **extra})
    root = root.resolve()
    walks: dict = {}
    files.discover([str(root / named)], exclude, root, walks=walks)
    listed, scandir = [], os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(os.path.realpath(path)) or scandir(path))
    taken = files.discover([str(root)], exclude, root, walked=walks)
    monkeypatch.setattr(os, "scandir", scandir)
    alone = files.discover([str(root)], exclude, root)
    assert _fields(taken[0]) == _fields(alone[0])
    assert [str(e) for e in taken[1]] == [str(e) for e in alone[1]]
    if case in ("plain", "an exclude", "git ignore files at two levels", "a deeper folder",
                "an invalid pattern in an ignore file inside",
                "a link met first to a file inside", "a link met later to a file inside"):
        assert walks  # the named walk recorded its folders
    if case in ("plain", "an exclude", "git ignore files at two levels", "an invalid pattern in an ignore file inside",
                "a link met first to a file inside", "a link met later to a file inside"):
        # ... and the root's walk took them: no folder below the named one is listed again.
        top = os.path.realpath(root / named)
        assert [path for path in listed if path.startswith(top + os.sep)] == []
    if case in ("a symlinked file inside", "reached through a symlinked folder", "its own repository"):
        assert not walks or all(w.linked or w.repo_root != files._repo_root(str(root)) for w in walks.values())


def _long_path_tree(tmp_path: Path, length: int) -> Path:
    """A tree of BASE under a folder whose absolute path is ``length`` bytes long: made a
    step at a time from inside (its files' absolute paths may be past PATH_MAX)."""
    folder = str(tmp_path.resolve())
    while len(folder) < length:
        step = min(200, length - len(folder) - 1)
        if step < 1:  # one byte left: a separator alone cannot make it
            folder = os.path.dirname(folder)
            continue
        folder = os.path.join(folder, "d" * step)
    os.makedirs(folder)
    return Path(folder)


def test_a_named_folder_spelled_past_the_path_limit_is_not_taken(tmp_path, monkeypatch):
    """`./` repeated: the named walk's own paths to pkg/sub are too long to list (the named
    run does not check c.py), the root's walk by its real path lists it: its facts keep
    c.py, so the named walk's files must not stand for its listing."""
    root = tmp_path / "root"
    _tree(root, BASE)
    root = root.resolve()
    monkeypatch.chdir(root)
    named = "./" * 2045 + "pkg"  # itself 4093 bytes; named + "/sub" is past 4095
    walks: dict = {}
    found, _ = files.discover([named], (), root, walks=walks)
    assert not any(item.abspath.endswith("c.py") for item in found)  # as before: the walk cannot list sub
    taken = files.discover([str(root)], (), root, walked=walks)
    alone = files.discover([str(root)], (), root)
    assert _fields(taken[0]) == _fields(alone[0])
    assert any(i.abspath.endswith("c.py") for i in alone[0])


@pytest.mark.parametrize("virtualenv", [False, True])
def test_a_root_whose_real_path_is_near_the_path_limit(tmp_path, monkeypatch, virtualenv):
    """The named walk, relative, lists pkg/sub; the root's walk by absolute paths cannot
    (past PATH_MAX), nor stat pkg/pyvenv.cfg by its path: taking the named walk's files
    would add files the root's walk does not find."""
    root = _long_path_tree(tmp_path, 4088)  # root/pkg: 4092 bytes; root/pkg/sub: 4096
    monkeypatch.chdir(root)  # its files are written from inside: their absolute paths are too long
    _tree(Path("."), {**BASE, **({"pkg/pyvenv.cfg": ""} if virtualenv else {})})
    walks: dict = {}
    found, _ = files.discover(["pkg"], (), root, walks=walks)
    assert any(item.abspath.endswith("c.py") for item in found)
    taken = files.discover([str(root)], (), root, walked=walks)
    alone = files.discover([str(root)], (), root)
    assert _fields(taken[0]) == _fields(alone[0])


def test_an_earlier_named_folder_that_finds_nothing_leaves_the_problems_inside_the_next(tmp_path, monkeypatch):
    """`pkg/sub` (no source file) is walked first: reaching it loads pkg/.gitignore, whose
    invalid pattern is then already named when pkg is walked. pkg's walk is still the
    first to find files; the root's walk that takes it names the problem as it would."""
    root = tmp_path / "root"
    _tree(root, {".git": None, "pkg/.gitignore": "!\n", "pkg/b.py": "", "pkg/sub/notes.txt": ""})
    root = root.resolve()
    monkeypatch.chdir(root)
    walks: dict = {}
    files.discover(["pkg/sub", "pkg"], (), root, walks=walks)
    assert walks
    taken = files.discover([str(root)], (), root, walked=walks)
    alone = files.discover([str(root)], (), root)
    assert [str(e) for e in alone[1]]  # the invalid pattern is named
    assert [str(e) for e in taken[1]] == [str(e) for e in alone[1]]
    assert _fields(taken[0]) == _fields(alone[0])


def test_check_of_the_root_spelled_past_the_path_limit_finds_what_check_dot_finds(tmp_path, monkeypatch):
    """`check ././…/.` from the root: the run's own walk cannot list mmlite/ (its spelling
    is too long), the index's walk by the root's real path can: the run's walk must not
    stand for it (a wrapper's call in use.py is found either way)."""
    shutil.copytree(PROJECT, tmp_path / "project")
    (tmp_path / "project" / "use.py").write_text(
        "import mmlite.ops.wrappers as wr\n\n\ndef f(x):\n    return wr.resize(x, scale_factor=2, mode=\"bilinear\")\n")
    at_root, _ = _check(tmp_path, monkeypatch, ".")
    assert any(f["path"].endswith("use.py") for f in at_root)
    long_root, _ = _check(tmp_path, monkeypatch, "./" * 2046 + ".")
    assert [f for f in long_root if f["path"].endswith("use.py")] == \
        [f for f in at_root if f["path"].endswith("use.py")]


def test_a_walk_that_took_a_folder_stands_for_its_listing_too(tmp_path, monkeypatch):
    """pkg/sub walked first, then pkg taking it, then the root taking pkg: the files and the
    problems of pkg/sub's ignore file come through both."""
    root = tmp_path / "root"
    _tree(root, {**BASE, ".git": None, "pkg/sub/.gitignore": "!\n"})
    root = root.resolve()
    monkeypatch.chdir(root)
    inner: dict = {}
    files.discover(["pkg/sub"], (), root, walks=inner)
    outer: dict = {}
    files.discover(["pkg"], (), root, walks=outer, walked=inner)
    assert str(root / "pkg") in outer
    taken = files.discover([str(root)], (), root, walked=outer)
    alone = files.discover([str(root)], (), root)
    assert _fields(taken[0]) == _fields(alone[0])
    assert [str(e) for e in taken[1]] == [str(e) for e in alone[1]] != []

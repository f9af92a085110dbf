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
    run's walk of pkg found, without listing pkg's folders again."""
    shutil.copytree(PROJECT, tmp_path / "project")
    listed = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(os.path.realpath(path)) or real(path))
    below, walks = _check(tmp_path, monkeypatch, "mmlite")
    folders = [p for p in listed if p.startswith(str(tmp_path / "project" / "mmlite"))]
    assert folders and len(folders) == len(set(folders))
    monkeypatch.setattr(os, "scandir", real)
    at_root, _ = _check(tmp_path, monkeypatch, ".")
    assert below == at_root


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
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_root_walk_with_a_named_folder_taken_finds_the_same(tmp_path, case):
    extra, exclude, named = CASES[case]
    root = tmp_path / "root"
    _tree(root, {**BASE, **extra})
    root = root.resolve()
    walks: dict = {}
    files.discover([str(root / named)], exclude, root, walks=walks)
    taken = files.discover([str(root)], exclude, root, walked=walks)
    alone = files.discover([str(root)], exclude, root)
    assert [i.abspath for i in taken[0]] == [i.abspath for i in alone[0]]
    assert [str(e) for e in taken[1]] == [str(e) for e in alone[1]]
    if case in ("plain", "an exclude", "git ignore files at two levels", "a deeper folder",
                "a link met first to a file inside", "a link met later to a file inside"):
        assert walks  # the speed path was taken: the test compares something
    if case in ("a symlinked file inside", "reached through a symlinked folder", "its own repository"):
        assert not walks or all(w.repo_root != files._repo_root(str(root)) for w in walks.values())

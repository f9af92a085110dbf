"""Which files ``ac-fixer check DIR`` looks at (docs/contract.md §2): *.py and *.ipynb,
never .git, virtualenvs, __pycache__, build, node_modules or what .gitignore excludes;
a file named explicitly is always checked; the order is deterministic."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main
from ac_fixer.files import discover

FINDING = "import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n"
NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "code", "metadata": {}, "source": ["x = 1\n"], "outputs": [], "execution_count": None}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    work = isolate_in(tmp_path / "tree", tmp_path / "cache", monkeypatch)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    return work


def touch(*names: str, text: str = FINDING) -> None:
    for name in names:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(NOTEBOOK if name.endswith(".ipynb") else text, encoding="utf-8")


def git_init(folder: str = ".") -> None:
    subprocess.run(["git", "init", "-q", folder], check=True)


def listed(*paths: str, exclude=(), exclude_base=None) -> list:
    """The display paths discover() returns, with '/' separators."""
    found, errors = discover(paths or (".",), exclude, exclude_base)
    assert errors == []
    return [Path(item.display).as_posix() for item in found]


def checked_paths(*args: str) -> list:
    """Paths the real command reports (every test file holds one finding)."""
    result = CliRunner().invoke(main, ["check", "--output-format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return [Path(r["path"]).as_posix() for r in json.loads(result.stdout)]


# --------------------------------------------------------------------------- what is walked


def test_walks_py_and_ipynb_only():
    touch("a.py", "pkg/b.py", "pkg/n.ipynb", "stub.pyi", "script", "notes.txt", "pkg/data.json", "c.py.bak")
    assert listed() == ["a.py", "pkg/b.py", "pkg/n.ipynb"]


@pytest.mark.parametrize(
    "folder",
    [
        ".git/hooks", "__pycache__", "build", "node_modules/pkg", ".venv", "venv", ".tox/py311",
        ".mypy_cache", "dist", "mypkg.egg-info", ".ipynb_checkpoints", ".ac-fixer-cache",
    ],
)
def test_skipped_folders(folder):
    touch("keep.py", f"{folder}/skip.py", f"{folder}/skip.ipynb")
    assert listed() == ["keep.py"]
    assert checked_paths(".") == ["keep.py"]


def test_any_folder_with_pyvenv_cfg_is_a_virtualenv():
    touch("keep.py", "my-env/lib/python3.11/site-packages/torch/x.py", "my-env/bin/tool.py")
    Path("my-env/pyvenv.cfg").write_text("home = /usr/bin\n")
    touch("not-an-env/y.py")
    assert listed() == ["keep.py", "not-an-env/y.py"]


def test_nested_skipped_folders_are_skipped_too():
    touch("src/app.py", "src/sub/__pycache__/app.cpython-311.py", "src/sub/build/gen.py", "src/sub/ok.py")
    assert listed("src") == ["src/app.py", "src/sub/ok.py"]


def test_build_is_skipped_by_name_only():
    touch("builder/a.py", "rebuild.py", "build.py")
    assert listed() == ["build.py", "rebuild.py", "builder/a.py"]


# --------------------------------------------------------------------------- .gitignore


@needs_git
def test_gitignore_in_a_git_repository():
    git_init()
    Path(".gitignore").write_text("generated/\n*_gen.py\n/rootonly.py\nlogs\n!important_gen.py\n")
    touch(
        "main.py", "generated/a.py", "pkg/generated/b.py", "pkg/x_gen.py", "important_gen.py", "rootonly.py",
        "pkg/rootonly.py", "logs/l.py", "pkg/ok.ipynb",
    )
    assert listed() == ["important_gen.py", "main.py", "pkg/ok.ipynb", "pkg/rootonly.py"]
    assert checked_paths(".") == ["important_gen.py", "main.py", "pkg/rootonly.py"]


@needs_git
def test_nested_gitignore_applies_below_its_folder():
    git_init()
    touch("a/skip_me.py", "a/b/skip_me.py", "skip_me.py", "c/skip_me.py")
    Path("a/.gitignore").write_text("skip_me.py\n")
    assert listed() == ["skip_me.py", "c/skip_me.py"]


@needs_git
def test_root_gitignore_applies_when_checking_a_subfolder():
    git_init()
    Path(".gitignore").write_text("src/vendored/\n")
    touch("src/own.py", "src/vendored/v.py")
    assert listed("src") == ["src/own.py"]
    assert checked_paths("src") == ["src/own.py"]


@needs_git
def test_gitignore_of_a_subfolder_checked_from_inside(monkeypatch):
    git_init()
    Path(".gitignore").write_text("gen.py\n")
    touch("pkg/gen.py", "pkg/own.py")
    monkeypatch.chdir("pkg")
    assert listed() == ["own.py"]


@needs_git
def test_ignored_file_named_explicitly_is_checked():
    git_init()
    Path(".gitignore").write_text("generated/\n*_gen.py\n")
    touch("generated/a.py", "x_gen.py", "build/b.py", ".venv/c.py", "node_modules/d.py")
    Path(".venv/pyvenv.cfg").write_text("")
    explicit = ["generated/a.py", "x_gen.py", "build/b.py", ".venv/c.py", "node_modules/d.py"]
    assert listed(*explicit) == explicit
    assert checked_paths(*explicit) == explicit
    assert checked_paths(".") == []


def test_gitignore_outside_a_git_repository_is_not_read(tmp_path):
    # Without a repository, .gitignore means nothing to git; the walk does not apply it.
    Path(".gitignore").write_text("ignored.py\n")
    touch("ignored.py")
    if any((parent / ".git").exists() for parent in Path.cwd().parents):
        pytest.skip("the temporary folder lies inside a git repository")
    assert listed() == ["ignored.py"]


# --------------------------------------------------------------------------- order


def test_order_is_deterministic_whatever_the_creation_order():
    names = ["b.py", "a.py", "z/a.py", "a/z.py", "a/b/c.py", "A.py", "m/n.ipynb", "_x.py", "a/a.py"]
    expected = ["A.py", "_x.py", "a.py", "b.py", "a/a.py", "a/z.py", "a/b/c.py", "m/n.ipynb", "z/a.py"]
    first = None
    for seed in range(3):
        for child in list(Path(".").iterdir()):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        shuffled = names[:]
        random.Random(seed).shuffle(shuffled)
        touch(*shuffled)
        order = listed()
        if first is None:
            first = order
        assert order == first
    # files of a folder, sorted by name, before its subfolders, each sorted by name
    assert sorted(first) == sorted(expected)
    assert first.index("a.py") < first.index("a/a.py") < first.index("a/z.py") < first.index("a/b/c.py")
    assert first.index("a/b/c.py") < first.index("m/n.ipynb") < first.index("z/a.py")


def test_paths_keep_the_order_given_and_duplicates_are_dropped():
    touch("b.py", "a.py", "d/c.py")
    assert listed("b.py", "d", "a.py", "b.py", "./b.py") == ["b.py", "d/c.py", "a.py"]
    assert checked_paths("b.py", "d", "a.py", "b.py") == ["b.py", "d/c.py", "a.py"]


def test_relative_paths_stay_relative_and_absolute_stay_absolute(tmp_path):
    touch("pkg/m.py")
    assert listed("pkg") == ["pkg/m.py"]
    absolute = str(Path("pkg").resolve())
    assert listed(absolute) == [Path(absolute, "m.py").as_posix()]


def test_missing_path_is_an_error_and_others_are_still_checked():
    touch("a.py")
    found, errors = discover(["a.py", "missing.py"])
    assert [f.display for f in found] == ["a.py"]
    assert [(e.path, e.reason) for e in errors] == [("missing.py", "no such file or directory")]
    result = CliRunner().invoke(main, ["check", "a.py", "missing.py"])
    assert result.exit_code == 2
    assert "missing.py" in result.stderr
    assert "a.py:2:5: ACF001" in result.stdout


def test_default_path_is_the_current_folder():
    touch("a.py", "sub/b.py")
    result = CliRunner().invoke(main, ["check", "--output-format", "json"])
    assert [Path(r["path"]).as_posix() for r in json.loads(result.stdout)] == ["a.py", "sub/b.py"]


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_symlinked_folder_is_not_followed():
    touch("real/a.py")
    os.symlink("real", "link", target_is_directory=True)
    assert listed() == ["real/a.py"]

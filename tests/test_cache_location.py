"""Where the cache lives (issue 15): at the project root, `--cache-dir`, the
AC_FIXER_CACHE_DIR variable and the `cache-dir` key (CLI > variable > key > default, as
ruff), and `ac-fixer clean`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli

SOURCE = b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """root/pyproject.toml and root/pkg/sub/m.py; no cache variable from outside."""
    monkeypatch.delenv("AC_FIXER_CACHE_DIR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    root = tmp_path / "root"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "sub" / "m.py").write_bytes(SOURCE)
    return root


def _caches(top: Path) -> list:
    return sorted(str(p.relative_to(top)) for p in top.rglob(".ac-fixer-cache"))


def _has_cache_file(folder: Path) -> bool:
    return any(folder.glob("findings-*.json"))


def test_the_cache_is_next_to_the_configuration_not_in_the_current_folder(project):
    (project / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    result = run_cli(["check", "."], cwd=project / "pkg")
    assert result.exit_code == 1
    assert _caches(project) == [".ac-fixer-cache"]
    assert _has_cache_file(project / ".ac-fixer-cache")


def test_a_pyproject_without_a_table_marks_the_project_root(project):
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    run_cli(["check", "sub"], cwd=project / "pkg")
    assert _caches(project) == [".ac-fixer-cache"]


def test_else_the_git_root(project):
    (project / ".git").mkdir()
    run_cli(["check", "sub/m.py"], cwd=project / "pkg")
    assert _caches(project) == [".ac-fixer-cache"]


def test_else_the_current_folder(project):
    run_cli(["check", "sub/m.py"], cwd=project / "pkg")
    assert _caches(project) == ["pkg/.ac-fixer-cache"]


def test_cache_dir_option_variable_and_key_in_that_order(project, tmp_path, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.ac-fixer]\ncache-dir = "build/lint-cache"\n')
    run_cli(["check", "."], cwd=project / "pkg")
    assert _has_cache_file(project / "build" / "lint-cache"), "the key, relative to its file's folder"
    monkeypatch.setenv("AC_FIXER_CACHE_DIR", str(tmp_path / "from-env"))
    run_cli(["check", "."], cwd=project / "pkg")
    assert _has_cache_file(tmp_path / "from-env"), "the variable beats the key"
    run_cli(["check", "--cache-dir", str(tmp_path / "from-cli"), "."], cwd=project / "pkg")
    assert _has_cache_file(tmp_path / "from-cli"), "the option beats the variable"
    assert _caches(project) == []


def test_cache_dir_key_must_be_a_string(project):
    (project / "pyproject.toml").write_text("[tool.ac-fixer]\ncache-dir = 5\n")
    result = run_cli(["check", "."], cwd=project)
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and "cache-dir" in result.stderr


def test_no_cache_writes_no_folder(project):
    (project / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    run_cli(["check", "--no-cache", "."], cwd=project)
    assert _caches(project) == []


# --------------------------------------------------------------------------- clean


def test_clean_removes_the_project_cache_and_caches_below(project):
    (project / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    run_cli(["check", "."], cwd=project / "pkg")
    old = project / "pkg" / "sub" / ".ac-fixer-cache"  # e.g. left by an earlier version
    old.mkdir()
    (old / "findings-0123.json").write_text("{}")
    (old / ".gitignore").write_text("# Created by ac-fixer.\n*\n")
    assert _caches(project) == [".ac-fixer-cache", "pkg/sub/.ac-fixer-cache"]
    result = run_cli(["clean"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert _caches(project) == []
    assert "Removed" in result.stdout
    assert (project / "pkg" / "sub" / "m.py").read_bytes() == SOURCE


def test_clean_removes_the_configured_cache_dir(project, tmp_path):
    run_cli(["check", "--cache-dir", str(tmp_path / "c"), "."], cwd=project)
    assert _has_cache_file(tmp_path / "c")
    assert run_cli(["clean", "--cache-dir", str(tmp_path / "c")], cwd=project).exit_code == 0
    assert not (tmp_path / "c").exists()


def test_clean_never_follows_a_symlink(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "findings-0123.json").write_text("{}")
    (outside / ".gitignore").write_text("keep me\n")
    (project / ".ac-fixer-cache").symlink_to(outside)
    inner = project / "pkg" / ".ac-fixer-cache"
    inner.mkdir()
    (inner / "findings-1.json").symlink_to(outside / "findings-0123.json")
    result = run_cli(["clean"], cwd=project)
    assert sorted(os.listdir(outside)) == [".gitignore", "findings-0123.json"]
    assert (project / ".ac-fixer-cache").is_symlink(), "a symlink is not followed (and left as it is)"
    assert "symlink" in result.stderr
    assert not inner.exists() and not os.path.lexists(inner), "a link inside is removed, never its target"


def test_clean_leaves_a_folder_with_files_that_are_not_the_caches(project, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    (folder / "findings-1.json").write_text("{}")
    result = run_cli(["clean", "--cache-dir", str(folder)], cwd=project)
    assert sorted(os.listdir(folder)) == ["notes.txt"]
    assert "not removed" in result.stderr


def test_clean_with_nothing_to_clean(project):
    result = run_cli(["clean"], cwd=project)
    assert result.exit_code == 0 and result.stdout == ""

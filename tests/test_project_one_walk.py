"""`check .` at the project's root walks the tree once: the index takes the run's files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

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

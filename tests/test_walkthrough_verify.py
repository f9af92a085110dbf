"""``verify`` and the project-wide analysis (issue 13's walk-through): on by default, as
for ``check``, ``verify`` replays the calls of the project's own wrappers that ``check``
reports; ``--no-project-analysis`` or the key turn it off for both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

pytest.importorskip("torch")

WRAPPER = '''\
import torch.nn.functional as F


def resize(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    return F.interpolate(input, size, scale_factor, mode, align_corners)
'''

CALLER = '''\
from .wrappers import resize


def up(x):
    return resize(x, scale_factor=2, mode='bilinear')
'''


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")  # the analysis is on by default
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "wrappers.py").write_text(WRAPPER)
    (package / "neck.py").write_text(CALLER)
    return tmp_path


def _replayed(folder: Path, *args: str) -> list:
    result = run_cli(["verify", "--device", "cpu", "--output-format", "json", *args, "."], cwd=folder)
    assert result.exit_code == 0, result.stdout + result.stderr
    return [(r["path"].replace("\\", "/"), r["line"], r["status"]) for r in json.loads(result.stdout)]


def test_verify_takes_the_project_analysis_flag(tmp_path):
    folder = _project(tmp_path)
    assert _replayed(folder) == [("pkg/neck.py", 5, "equal")]  # on by default
    assert _replayed(folder, "--project-analysis") == [("pkg/neck.py", 5, "equal")]
    assert _replayed(folder, "--no-project-analysis") == []
    config = folder / "pyproject.toml"
    config.write_text(config.read_text() + "project-analysis = false\n")
    assert _replayed(folder) == []
    assert _replayed(folder, "--project-analysis") == [("pkg/neck.py", 5, "equal")]

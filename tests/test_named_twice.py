"""A file named twice is one file (issue 16, item 8).

Named directly and through a folder, spelled two ways (``sub/b.py``, ``./sub/b.py``,
``sub/../sub/b.py``), or as a symlink and its target: checked, reported and fixed once,
under the configuration of the pyproject.toml nearest to the file (as ruff does),
whatever the order of the arguments. Hard links are two names of one file: each name
is fixed (a fix replaces the name it writes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = b"import torch.nn.functional as F\n"
CALL = b'y = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
CALL_FIXED = b'y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)\n'
GRID = b"g = F.grid_sample(x, grid)\n"  # ACF002
REPO = Path(__file__).resolve().parent.parent


def _run(args, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    env["AC_FIXER_CACHE_DIR"] = str(cwd / ".test-cache")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "ac_fixer", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _project(root: Path, sub_config: str = "") -> Path:
    """root/pyproject.toml (empty table), root/a.py, root/sub/pyproject.toml, root/sub/b.py."""
    (root / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    (root / "a.py").write_bytes(HEADER + CALL)
    (root / "sub").mkdir()
    (root / "sub" / "pyproject.toml").write_text("[tool.ac-fixer]\n" + sub_config)
    b = root / "sub" / "b.py"
    b.write_bytes(HEADER + CALL)
    return b


@pytest.mark.parametrize("args", [
    [".", "sub/b.py"],
    ["sub/b.py", "."],
    [".", "./sub/b.py"],
    ["sub", "sub/b.py"],
    [".", "sub/../sub/b.py"],
    [".", "sub", "sub/b.py", "./sub/b.py"],
])
def test_file_named_directly_and_through_a_folder_is_fixed_once(tmp_path, args):
    b = _project(tmp_path)
    run = _run(["--fix", "--no-cache", *args], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr == ""
    expected = 2 if "." in args else 1
    assert run.stdout == f"Fixed {expected} error{'s' if expected > 1 else ''}.\n"
    assert b.read_bytes() == HEADER + CALL_FIXED


@pytest.mark.parametrize("args", [[".", "sub/b.py"], ["sub/b.py", "."], ["./sub/b.py", "."]])
def test_file_named_twice_is_reported_once(tmp_path, args):
    _project(tmp_path)
    run = _run(["--no-cache", "--output-format", "json", *args], tmp_path)
    assert run.returncode == 1, run.stderr
    paths = sorted(os.path.normpath(f["path"]) for f in json.loads(run.stdout))
    assert paths == ["a.py", "sub/b.py"]


@pytest.mark.parametrize("args", [[".", "sub/b.py"], ["sub/b.py", "."], ["sub", "."]])
def test_the_nearest_configuration_applies_to_a_file_named_twice(tmp_path, args):
    """sub/ ignores ACF001 and checks ACF002: sub/b.py follows sub/pyproject.toml
    (also when the folder that holds it is named as well)."""
    b = _project(tmp_path, 'ignore = ["ACF001"]\n')
    b.write_bytes(HEADER + CALL + GRID)
    run = _run(["--no-cache", "--output-format", "json", *args], tmp_path)
    found = sorted((os.path.normpath(f["path"]), f["code"]) for f in json.loads(run.stdout))
    assert found == [("a.py", "ACF001"), ("sub/b.py", "ACF002")]


def test_symlink_and_its_target_named_explicitly_are_one_file(tmp_path):
    _project(tmp_path)
    (tmp_path / "link.py").symlink_to("a.py")
    run = _run(["--fix", "--no-cache", "a.py", "link.py"], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == "Fixed 1 error.\n"
    assert (tmp_path / "a.py").read_bytes() == HEADER + CALL_FIXED
    assert (tmp_path / "link.py").is_symlink()


def test_symlinked_folder_and_the_folder_are_one_tree(tmp_path):
    b = _project(tmp_path)
    (tmp_path / "alias").symlink_to("sub")
    run = _run(["--fix", "--no-cache", "sub", "alias/b.py"], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == "Fixed 1 error.\n"
    assert b.read_bytes() == HEADER + CALL_FIXED


def test_hard_links_are_two_names_each_fixed(tmp_path):
    _project(tmp_path)
    os.link(tmp_path / "a.py", tmp_path / "sub" / "hard.py")
    run = _run(["--fix", "--no-cache", "."], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == "Fixed 3 errors.\n"
    assert (tmp_path / "a.py").read_bytes() == HEADER + CALL_FIXED
    assert (tmp_path / "sub" / "hard.py").read_bytes() == HEADER + CALL_FIXED

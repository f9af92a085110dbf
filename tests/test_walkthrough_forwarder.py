"""The walk-through on a real package (issue 13): mmsegmentation's own ``resize`` is a
forwarding wrapper. Its warning reads ``align_corners`` in an f-string inside a branch that
runs only when ``align_corners`` is truthy (``if size is not None and align_corners:``), a
branch that runs for neither None nor False, so adding ``align_corners=False`` at a call
changes nothing there."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

# mmseg/models/utils/wrappers.py of mmsegmentation 1.2.2 (Apache-2.0), as the walk-through's
# fixture keeps it byte for byte: its imports and the function, verbatim.
WRAPPERS = Path(__file__).resolve().parent.parent / "fixtures" / "walkthrough" / "mmsegmentation" / "mmseg" / \
    "models" / "utils" / "wrappers.py"
MMSEG_RESIZE = WRAPPERS.read_text().split("\n\n\nclass Upsample", 1)[0] + "\n"
assert MMSEG_RESIZE.rstrip().endswith("return F.interpolate(input, size, scale_factor, mode, align_corners)")

CALLER = '''\
from .wrappers import resize


def up(x):
    return resize(x, scale_factor=2, mode='bilinear')
'''


def _project(tmp_path: Path, wrapper: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\nproject-analysis = true\n")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "wrappers.py").write_text(wrapper)
    (package / "neck.py").write_text(CALLER)
    return tmp_path


def _codes(folder: Path) -> list:
    result = run_cli(["check", "--no-cache", "--output-format", "json", "."], cwd=folder)
    return [(r["path"].replace("\\", "/"), r["line"], r["code"]) for r in json.loads(result.stdout)]


def test_mmseg_resize_is_a_forwarder(tmp_path):
    assert _codes(_project(tmp_path, MMSEG_RESIZE)) == [("pkg/neck.py", 5, "ACF001")]


def test_a_read_in_a_branch_that_none_and_false_both_skip_is_harmless_only_there(tmp_path):
    """The same f-string read outside the truthy branch (it runs for None and False, and
    prints them differently) still makes the function a non-forwarder."""
    changed = MMSEG_RESIZE.replace(
        "    if warning:\n", "    warnings.warn(f'{align_corners}')\n    if warning:\n", 1
    )
    assert _codes(_project(tmp_path, changed)) == []


def test_a_branch_run_when_the_flag_is_false_is_not_skipped(tmp_path):
    """``if not align_corners:`` runs for None and for False: a read there still counts."""
    changed = MMSEG_RESIZE.replace("if size is not None and align_corners:", "if size is not None and not align_corners:")
    assert _codes(_project(tmp_path, changed)) == []

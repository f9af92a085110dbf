"""Adding an API or a mode is adding catalog rows, not code (issue 12).

A copy of the package gets two rows in its catalog.toml — an API whose mode keyword is
``interpolation`` (kornia's ``resize`` shape) and a new mode — and every command picks
them up: check, --fix, verify, audit, the rule docs and the CLI help.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ac_fixer
from ac_fixer import catalog as cat

PACKAGE = Path(ac_fixer.__file__).parent
REPO = PACKAGE.parent

EXTRA_ROWS = '''
[mode.smoothcubic]
uses_flag = true
rank = 4
edge = "the smooth kernel's neighbours there repeat the edge sample"

[[target]]
name = "fakekornia.resize"
kind = "function"
params = ["input", "size", "interpolation", "align_corners"]
mode_keyword = "interpolation"
default_mode = "bilinear"
rule = "ACF001"
audit = "wrap"
'''

# The library the new row describes: "smoothcubic" is bicubic under a new name.
FAKE_KORNIA = '''
import torch.nn.functional as F


def resize(input, size, interpolation="bilinear", align_corners=None):
    mode = "bicubic" if interpolation == "smoothcubic" else interpolation
    return F.interpolate(input, size=size, mode=mode, align_corners=align_corners)
'''

USER_CODE = '''import fakekornia

def f(x):
    a = fakekornia.resize(x, (6, 6), interpolation="nearest")
    b = fakekornia.resize(x, (6, 6), interpolation="smoothcubic")
    return a, b
'''


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> Path:
    """A copy of the package whose catalog.toml has the extra rows, plus the fake library."""
    home = tmp_path_factory.mktemp("extended")
    shutil.copytree(PACKAGE, home / "ac_fixer", ignore=shutil.ignore_patterns("__pycache__"))
    with open(home / "ac_fixer" / "catalog.toml", "a", encoding="utf-8") as catalog:
        catalog.write(EXTRA_ROWS)
    (home / "fakekornia.py").write_text(FAKE_KORNIA)
    return home


def _run(home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(home), "AC_FIXER_CACHE_DIR": str(cwd / ".cache")}
    return subprocess.run(
        [sys.executable, "-m", "ac_fixer", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _project(tmp_path: Path) -> Path:
    (tmp_path / "user.py").write_text(USER_CODE)
    return tmp_path


def test_the_row_loads_with_its_mode_keyword():
    catalog = cat.load_catalog(
        (PACKAGE / "catalog.toml").read_text(encoding="utf-8") + EXTRA_ROWS
    )
    target = catalog.lookup("fakekornia.resize")
    assert target.mode_param == cat.Param(2, "interpolation")
    assert target.flag_param == cat.Param(3, "align_corners")
    assert "smoothcubic" in catalog.modes_using_flag
    assert catalog.mode("smoothcubic").rank == 4


def test_check_reads_the_mode_keyword_and_the_new_mode(extended, tmp_path):
    project = _project(tmp_path)
    result = _run(extended, "check", "--output-format", "json", "--no-cache", "user.py", cwd=project)
    findings = json.loads(result.stdout)
    # interpolation="nearest": nothing to report (never align_corners next to "nearest").
    assert [(f["line"], f["code"]) for f in findings] == [(5, "ACF001")], result.stdout + result.stderr
    assert "smoothcubic" in findings[0]["message"]


def test_fix_writes_the_flag_only_where_the_mode_uses_it(extended, tmp_path):
    project = _project(tmp_path)
    result = _run(extended, "check", "--fix", "--no-cache", "user.py", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = (project / "user.py").read_text()
    assert 'interpolation="nearest")' in fixed
    assert 'interpolation="smoothcubic", align_corners=False)' in fixed


def test_verify_replays_the_new_row(extended, tmp_path):
    pytest.importorskip("torch")
    project = _project(tmp_path)
    shutil.copy(extended / "fakekornia.py", project / "fakekornia.py")
    result = _run(extended, "verify", "--output-format", "json", "user.py", cwd=project)
    results = json.loads(result.stdout)
    assert results and {r["status"] for r in results} == {"equal"}, result.stdout + result.stderr


def test_audit_wraps_the_new_row(extended, tmp_path):
    pytest.importorskip("torch")
    project = _project(tmp_path)
    (project / "run.py").write_text(
        "import torch, user\nuser.f(torch.rand(1, 1, 3, 3))\n"
    )
    shutil.copy(extended / "fakekornia.py", project / "fakekornia.py")
    result = _run(extended, "audit", "--output-format", "json", "--", sys.executable, "run.py", cwd=project)
    sites = json.loads(result.stdout)
    by_line = {(Path(s["path"]).name, s["line"]): s for s in sites if s["function"] == "fakekornia.resize"}
    assert by_line[("user.py", 4)]["modes"] == ["nearest"], result.stdout + result.stderr
    assert by_line[("user.py", 5)]["modes"] == ["smoothcubic"]
    assert by_line[("user.py", 5)]["equal"] is True


def test_docs_and_help_list_the_new_mode(extended, tmp_path):
    rule = _run(extended, "rule", "ACF001", cwd=tmp_path)
    assert "smoothcubic" in rule.stdout, rule.stdout + rule.stderr
    explain_help = _run(extended, "explain", "--help", cwd=tmp_path)
    assert "smoothcubic" in explain_help.stdout


# --------------------------------------------------------------------------- one home

FLAG_MODES = sorted(cat.default_catalog().modes_using_flag)


def _spells_the_flag_modes(text: str) -> bool:
    """True when ``text`` writes at least three of the flag-using modes as quoted words or
    a comma list: a list of modes, not an example mentioning one."""
    quoted = {m for m in FLAG_MODES if re.search(rf"""["'`]{m}["'`]""", text)}
    listed = re.findall(r"\b(" + "|".join(FLAG_MODES) + r")\b(?=\s*(?:,|\bor\b|\band\b|:))", text)
    return len(quoted) >= 3 or len(set(listed)) >= 3


def _modes_lines(path: Path):
    """Each line of a module, and the dict keys it spreads over lines (one mode a line)."""
    text = path.read_text(encoding="utf-8")
    yield from text.splitlines()
    keys = re.findall(r"""^\s*["']([a-z-]+)["']\s*:""", text, flags=re.M)
    yield ", ".join(f'"{key}"' for key in keys if key in FLAG_MODES)


def _container_lists(path: Path):
    """(line, modes) of each tuple, list or set literal and each dict's keys holding at least
    three of the flag-using modes, however they are laid out (one item a line included)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if items is None:
            continue
        modes = {i.value for i in items if isinstance(i, ast.Constant) and i.value in FLAG_MODES}
        if len(modes) >= 3:
            yield node.lineno, sorted(modes)


def test_only_the_catalog_spells_the_flag_modes():
    """The list of modes that use align_corners is written in catalog.toml and nowhere else
    in the package (rule examples quote single modes; that is not a list): in its text
    (docs, comments, strings) and as a literal in the code."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted((REPO / "benchmarks").glob("*.py")):
        if "fuzz_programs" in path.name:
            continue  # the fuzzer's inputs: mode spellings to feed the analysis, not a fact
        for chunk in _modes_lines(path):
            if _spells_the_flag_modes(chunk):
                offenders.append(f"{path.relative_to(REPO)}: {chunk.strip()[:120]}")
        offenders += [f"{path.relative_to(REPO)}:{line}: {modes}" for line, modes in _container_lists(path)]
    assert offenders == []


def test_the_guard_catches_a_spelled_list():
    assert _spells_the_flag_modes('MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4}')
    assert _spells_the_flag_modes('help="linear, bilinear, bicubic or trilinear"')
    assert not _spells_the_flag_modes('F.interpolate(x, mode="bilinear" if s else "bicubic")')

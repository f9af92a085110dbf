"""``extend-select`` and ``per-file-ignores`` (issue 15), with ruff's semantics.

Rule selection: ``--select`` replaces the configuration's ``select`` and
``extend-select``; ``extend-select`` adds to the ``select`` that applies. Per-file
ignores: a glob against the file's name or its path relative to the configuration's
folder (``*`` also crosses ``/``, ``**/`` any folders, ``{a,b}``), ``!`` negates.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main
from ac_fixer.config import ConfigError, PerFileIgnore, glob_regex, load_file

HEADER = "import torch.nn.functional as F\n"
SOURCE = HEADER + (
    'a = F.interpolate(x, mode="bilinear")\n'  # 2: ACF001 (fixable)
    "b = F.grid_sample(x, grid)\n"  # 3: ACF002
    "c = F.upsample(x, scale_factor=2)\n"  # 4: ACF101
)


@pytest.fixture(autouse=True)
def project(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "project", tmp_path / "cache", monkeypatch)


def write(path, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def config(text: str) -> None:
    write("pyproject.toml", "[tool.ac-fixer]\n" + text)


def check(*args: str, cwd: Path = None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["check", "--output-format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


def found(result) -> list:
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["code"]) for f in json.loads(result.stdout))


# --------------------------------------------------------------------------- extend-select


def test_extend_select_adds_to_select():
    write("m.py", SOURCE)
    config('select = ["ACF001"]\nextend-select = ["ACF1"]\n')
    assert found(check("m.py")) == [("m.py", "ACF001"), ("m.py", "ACF101")]


def test_extend_select_without_select_keeps_every_rule():
    write("m.py", SOURCE)
    config('extend-select = ["ACF1"]\n')
    assert found(check("m.py")) == [("m.py", "ACF001"), ("m.py", "ACF002"), ("m.py", "ACF101")]


def test_select_on_the_command_line_replaces_select_and_extend_select():
    write("m.py", SOURCE)
    config('select = ["ACF001"]\nextend-select = ["ACF1"]\n')
    assert found(check("--select", "ACF002", "m.py")) == [("m.py", "ACF002")]
    assert found(check("--select", "ACF002", "--extend-select", "ACF001", "m.py")) == [
        ("m.py", "ACF001"), ("m.py", "ACF002")]


def test_extend_select_on_the_command_line_adds_to_the_configuration():
    write("m.py", SOURCE)
    config('select = ["ACF001"]\n')
    assert found(check("--extend-select", "ACF002", "m.py")) == [("m.py", "ACF001"), ("m.py", "ACF002")]


def test_ignore_still_wins_over_extend_select():
    write("m.py", SOURCE)
    config('select = ["ACF001"]\nextend-select = ["ACF1"]\nignore = ["ACF101"]\n')
    assert found(check("m.py")) == [("m.py", "ACF001")]


@pytest.mark.parametrize("value", ['"ACF9999"', "5", '["nope"]'])
def test_bad_extend_select_is_a_configuration_error(value):
    write("m.py", SOURCE)
    config(f"extend-select = {value}\n")
    result = check("m.py")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and "extend-select" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- per-file-ignores


def test_per_file_ignores_by_path_relative_to_the_configuration():
    for name in ("src/m.py", "tests/t.py", "tests/deep/t2.py", "other/tests/t3.py"):
        write(name, SOURCE)
    config('[tool.ac-fixer.per-file-ignores]\n"tests/*" = ["ACF001", "ACF1"]\n')
    results = found(check("."))
    assert ("src/m.py", "ACF001") in results
    # ruff's globs: `*` also crosses `/`, so tests/deep/ is ignored too; other/tests is not.
    assert [r for r in results if r[0].startswith("tests/")] == [
        ("tests/deep/t2.py", "ACF002"), ("tests/t.py", "ACF002")]
    assert ("other/tests/t3.py", "ACF001") in results
    # From a subfolder, the patterns stay relative to the configuration's folder.
    assert found(check(".", cwd=Path("tests"))) == [("deep/t2.py", "ACF002"), ("t.py", "ACF002")]


def test_per_file_ignores_by_file_name_anywhere():
    for name in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/m.py"):
        write(name, SOURCE)
    config('per-file-ignores = { "__init__.py" = ["ACF0"] }\n')
    assert found(check(".")) == [
        ("pkg/__init__.py", "ACF101"), ("pkg/m.py", "ACF001"), ("pkg/m.py", "ACF002"), ("pkg/m.py", "ACF101"),
        ("pkg/sub/__init__.py", "ACF101")]


def test_per_file_ignores_globstar_braces_and_negation():
    for name in ("a/x.py", "a/b/c/y.py", "keep.py", "legacy_one.py"):
        write(name, SOURCE)
    config('[tool.ac-fixer.per-file-ignores]\n'
           '"a/**/*.py" = ["ACF001"]\n'
           '"{keep,nothing}.py" = ["ACF002"]\n'
           '"!legacy_*.py" = ["ACF101"]\n')
    results = found(check("."))
    assert ("a/x.py", "ACF001") not in results and ("a/b/c/y.py", "ACF001") not in results
    assert ("keep.py", "ACF002") not in results and ("keep.py", "ACF001") in results
    assert [r for r in results if r[1] == "ACF101"] == [("legacy_one.py", "ACF101")]


def test_a_per_file_ignored_finding_is_not_fixed():
    write("tests/t.py", SOURCE)
    write("m.py", SOURCE)
    config('per-file-ignores = { "tests/**" = ["ACF001"] }\n')
    result = CliRunner().invoke(main, ["check", "--fix", "--select", "ACF001", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert Path("tests/t.py").read_text() == SOURCE
    assert 'a = F.interpolate(x, mode="bilinear", align_corners=False)' in Path("m.py").read_text()


def test_per_file_ignores_with_a_warm_cache_give_the_same_findings(tmp_path):
    write("tests/t.py", SOURCE)
    write("m.py", SOURCE)
    config('per-file-ignores = { "tests/*" = ["ACF001"] }\n')
    cold = found(check("."))
    assert found(check(".")) == cold == found(check("--no-cache", "."))
    config('per-file-ignores = { "tests/*" = ["ACF002"] }\n')  # another table: another cache file
    assert ("tests/t.py", "ACF001") in found(check("."))


def test_the_order_of_findings_follows_the_files():
    for name in ("a.py", "b.py", "c.py"):
        write(name, SOURCE)
    config('per-file-ignores = { "b.py" = ["ACF001"] }\n')
    result = check(".")
    names = [f["path"] for f in json.loads(result.stdout)]
    assert names == sorted(names)


@pytest.mark.parametrize("table, key", [
    ('per-file-ignores = ["tests/*"]\n', "per-file-ignores"),
    ('per-file-ignores = { "tests/*" = ["NOPE"] }\n', "per-file-ignores"),
    ('per-file-ignores = { "tests/*" = 5 }\n', "per-file-ignores"),
    ('per-file-ignores = { "tests/[*" = ["ACF001"] }\n', "per-file-ignores"),
    ('per-file-ignores = { "{a,{b}}" = ["ACF001"] }\n', "per-file-ignores"),
    ('force-exclude = "yes"\n', "force-exclude"),
    ('cache-dir = ""\n', "cache-dir"),
])
def test_bad_values_are_configuration_errors(table, key):
    write("m.py", SOURCE)
    config(table)
    result = check("m.py")
    assert result.exit_code == 2, result.output
    assert "pyproject.toml" in result.stderr and key in result.stderr
    assert "Traceback" not in result.stderr


def test_load_file_raises_the_documented_error():
    write("pyproject.toml", '[tool.ac-fixer]\nper-file-ignores = { "x[" = ["ACF001"] }\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.ac-fixer\].per-file-ignores: 'x\[' is not"):
        load_file(Path("pyproject.toml").resolve(), required_table=True)


@pytest.mark.parametrize("glob, path, matches", [
    ("*.py", "a/b.py", True),
    ("a/*.py", "a/b/c.py", True),  # `*` crosses `/` (globset without literal_separator, as ruff)
    ("**/c.py", "c.py", True),
    ("a/**/c.py", "a/c.py", True),
    ("a/**/c.py", "a/b/d/c.py", True),
    ("a/**", "a/b/c.py", True),
    ("a/**", "ab/c.py", False),
    ("?.py", "a.py", True),
    ("?.py", "ab.py", False),
    ("[ab].py", "b.py", True),
    ("[!ab].py", "b.py", False),
    ("{x,y}.py", "y.py", True),
    ("{x,y}.py", "z.py", False),
    ("a.py", "xa.py", False),
    ("\\*.py", "*.py", True),
    ("\\*.py", "a.py", False),
    ("(x)+.py", "(x)+.py", True),
])
def test_glob_semantics(glob, path, matches):
    import re

    assert bool(re.fullmatch(glob_regex(glob), path, re.S)) is matches


def test_an_entry_matches_the_name_or_the_path(tmp_path):
    base = os.path.realpath(tmp_path)
    entry = PerFileIgnore("sub/*.py", base, ("ACF001",))
    assert entry.matches(tmp_path / "sub" / "a.py")
    assert not entry.matches(tmp_path / "other" / "a.py")
    assert PerFileIgnore("a.py", base, ("ACF001",)).matches(tmp_path / "deep" / "a.py")
    assert PerFileIgnore("sub/*.py", base, ("ACF001",), negated=True).matches(tmp_path / "other" / "a.py")


def test_per_file_ignores_apply_in_worker_processes():
    for i in range(12):  # enough files for the worker pool
        write(f"tests/t{i:02d}.py", SOURCE)
        write(f"src/m{i:02d}.py", SOURCE)
    config('per-file-ignores = { "tests/*" = ["ACF001"] }\n')
    results = found(check("--jobs", "2", "--no-cache", "."))
    assert {code for name, code in results if name.startswith("tests/")} == {"ACF002", "ACF101"}
    assert {code for name, code in results if name.startswith("src/")} == {"ACF001", "ACF002", "ACF101"}


def test_the_readme_configuration_example_loads():
    """The README's example is valid TOML and a valid configuration, as written."""
    import re
    import sys

    from conftest import REPO

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from ac_fixer.config import config_from_table

    readme = (REPO / "README.md").read_text("utf-8")
    example = re.search(r"## Configuration.*?```toml\n(.*?)```", readme, re.S).group(1)
    loaded = config_from_table(tomllib.loads(example)["tool"]["ac-fixer"], REPO / "pyproject.toml")
    assert loaded.extend_select and loaded.per_file_ignores and loaded.extra_targets
    assert loaded.cache_dir == REPO / ".ac-fixer-cache"

"""Project-wide analysis at speed (issue 13's limits): the on-demand facts of a few named
files give each of them the findings the whole project's index gives; the name searches
find exactly the files whose identifiers hold the name."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, fuzz_examples, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import ac_fixer.project as project
from ac_fixer.project import IDENTIFIER, holds_identifier

PROJECTS = FIXTURES / "projects"
NAMES = sorted(
    p.name for p in PROJECTS.iterdir()
    if p.is_dir() and "." not in p.name and not any(p.glob("*.fixed.py"))
)


def _records(folder: Path, *args: str) -> list:
    result = run_cli(["check", "--no-cache", "--unsafe-fixes", "--output-format", "json", *args], cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", NAMES)
def test_on_demand_facts_give_each_file_the_findings_of_the_whole_index(name, tmp_path, monkeypatch):
    folder = tmp_path / name
    shutil.copytree(PROJECTS / name, folder)
    whole = _records(folder, "--project-analysis", ".")
    calls = []
    real = project.build_facts_for

    def counted(*args, **kwargs):
        calls.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(project, "FEW_SHARE", 1.0)
    monkeypatch.setattr(project, "build_facts_for", counted)
    paths = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.py"))
    for path in paths:
        alone = _records(folder, "--project-analysis", path)
        assert alone == [r for r in whole if r["path"].replace(os.sep, "/") == path], path
    assert len(calls) == len(paths)  # the on-demand path answered every run
    pair = _records(folder, "--project-analysis", *paths[:2])
    assert pair == [r for r in whole if r["path"].replace(os.sep, "/") in paths[:2]]


def test_on_demand_facts_are_cached_by_the_files_signatures(tmp_path, monkeypatch):
    folder = tmp_path / "callers"
    shutil.copytree(PROJECTS / "callers", folder)
    monkeypatch.setenv("AC_FIXER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(project, "FEW_SHARE", 1.0)
    built = []
    real = project.build_facts_for
    monkeypatch.setattr(project, "build_facts_for", lambda *a, **k: built.append(1) or real(*a, **k))

    def line7() -> dict:
        result = run_cli(["check", "--output-format", "json", "net/layers.py"], cwd=folder)
        return next(r for r in json.loads(result.stdout) if r["line"] == 7)

    assert line7()["code"] == "ACF001" and len(built) == 1
    assert line7()["code"] == "ACF001" and len(built) == 1  # warm: read from the cache
    model = folder / "net" / "model.py"
    model.write_text(model.read_text() + "\nz = up(None, 'nearest')\n")
    assert line7()["code"] == "ACF003" and len(built) == 2


@settings(max_examples=fuzz_examples(100), deadline=None)
@given(st.binary(max_size=24).map(lambda b: bytes(b"ab9_ .(\n\xc3"[x % 9] for x in b)),
       st.sampled_from([b"ab", b"a", b"b9", b"_a", b"ba"]))
def test_the_name_search_finds_the_identifiers_the_tokenizer_finds(source, name):
    assert holds_identifier(source, name) == (name in set(IDENTIFIER.findall(source)))


def test_a_wrapper_called_by_another_name_is_judged_alike_on_demand(tmp_path, monkeypatch):
    """A forwarder that calls a wrapper through a renamed import, and a wrapper of a
    wrapper: each file's findings are the same with the whole index and on demand."""
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "w.py").write_text(
        "import torch.nn.functional as F\n\n\n"
        "def resize(x, size=None, mode='nearest', align_corners=None):\n"
        "    return F.interpolate(x, size, mode=mode, align_corners=align_corners)\n"
    )
    (pkg / "up.py").write_text(
        "from pkg.w import resize as rs\nfrom pkg.w import resize\n\n\n"
        "def up(x, mode='nearest', align_corners=None):\n    return rs(x, mode=mode, align_corners=align_corners)\n\n\n"
        "def up2(x, mode='nearest', align_corners=None):\n    return resize(x, mode=mode, align_corners=align_corners)\n"
    )
    (pkg / "use.py").write_text(
        "from pkg.up import up, up2\n\nup(None, mode='bilinear')\nup2(None, mode='bilinear')\n"
    )
    whole = _records(tmp_path, "--project-analysis", ".")
    assert [r["line"] for r in whole if r["path"].endswith("use.py")] == [4]  # up2 only
    monkeypatch.setattr(project, "FEW_SHARE", 1.0)
    for path in ("pkg/use.py", "pkg/up.py", "pkg/w.py"):
        assert _records(tmp_path, "--project-analysis", path) == [r for r in whole if r["path"].replace(os.sep, "/") == path], path


def test_project_analysis_is_on_by_default(tmp_path):
    """Without the key or the flag the project is analyzed as a whole (issue 13: a setting
    turns it off); `--no-project-analysis` or `project-analysis = false` check each file on
    its own, `--project-analysis` overrides the key."""
    folder = tmp_path / "wrappers"
    shutil.copytree(PROJECTS / "wrappers", folder)
    config = folder / "pyproject.toml"
    config.write_text(re.sub(r"(?m)^project-analysis = true\n", "", config.read_text()))
    assert "project-analysis" not in config.read_text()
    on = _records(folder, "--project-analysis", ".")
    assert any("forwards mode and align_corners" in r["message"] for r in on)
    off = _records(folder, "--no-project-analysis", ".")
    assert not any("forwards mode and align_corners" in r["message"] for r in off)
    assert _records(folder, ".") == on
    config.write_text(config.read_text() + "project-analysis = false\n")
    assert _records(folder, ".") == off
    assert _records(folder, "--project-analysis", ".") == on


def test_a_wrapper_imported_inside_a_function_and_a_file_that_calls_no_torch_api(tmp_path, monkeypatch):
    """Found on the benchmark corpus: a wrapper imported where it is used, and a wrapper
    called with a parameter's mode in a file that calls no torch API, read alike on demand."""
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkg.w import resize\n")
    (pkg / "w.py").write_text(
        "import torch.nn.functional as F\n\n\n"
        "def resize(x, size=None, mode='nearest', align_corners=None):\n"
        "    return F.interpolate(x, size, mode=mode, align_corners=align_corners)\n"
    )
    (pkg / "lazy.py").write_text(
        "def convert(x):\n    from pkg import resize\n    return resize(x, mode='bilinear')\n"
    )
    (pkg / "param.py").write_text(
        "from pkg import resize\n\n\ndef up(x, interpolation='bicubic'):\n"
        "    return resize(x, mode=interpolation)\n\n\nup(None, interpolation='nearest')\n"
    )
    whole = _records(tmp_path, "--project-analysis", ".")
    assert [r["line"] for r in whole if r["path"].endswith("lazy.py")] == [3]
    monkeypatch.setattr(project, "FEW_SHARE", 1.0)
    for path in ("pkg/lazy.py", "pkg/param.py"):
        assert _records(tmp_path, "--project-analysis", path) == [
            r for r in whole if r["path"].replace(os.sep, "/") == path
        ], path

"""Project-wide analysis (issue 13, part 1): the fixture projects under fixtures/projects/.

Each project is a folder with a pyproject.toml and several modules. A line that must be
reported ends with a comment naming the code (``# ACF001``, ``# ACF003``); ``# ACF001 unsafe``
is a decision that rests on the project's calls (closed world), fixed only with
``--unsafe-fixes``. ``NAME.fixed/`` holds every file ``check --fix`` changes, byte for byte;
``NAME.unsafe-fixed/`` every file ``check --fix --unsafe-fixes`` changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

from ac_fixer import catalog as cat
from ac_fixer.project import module_name, resolve_relative, summarize

PROJECTS = FIXTURES / "projects"
# Multi-module fixture projects; a folder of single-file before/after pairs (``x.fixed.py``,
# checked by test_fixtures.py with the folder's configuration) is not one.
NAMES = sorted(
    p.name for p in PROJECTS.iterdir()
    if p.is_dir() and "." not in p.name and not any(p.glob("*.fixed.py"))
)
_MARK = re.compile(r"#\s*(ACF\d{3})(\s+unsafe)?\s*$")


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target)
    return target


def _sources(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.py")) if ".ac-fixer-cache" not in p.parts
    }


def _expected(folder: Path) -> set:
    found = set()
    for relative, data in _sources(folder).items():
        for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
            match = _MARK.search(line)
            if match:
                found.add((relative, number, match.group(1), bool(match.group(2))))
    return found


def _findings(folder: Path, *args: str, cwd: Path = None) -> list:
    result = run_cli(["check", "--no-cache", "--output-format", "json", *args], cwd=cwd or folder)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def _reported(records: list, unsafe_fixes: bool) -> set:
    # Without --unsafe-fixes a closed-world ACF001 is reported as not fixable.
    return {
        (r["path"].replace(os.sep, "/"), r["line"], r["code"], r["code"] == "ACF001" and not r["fixable"])
        for r in records
    }


def test_there_are_fixture_projects():
    assert {"wrappers", "nonforwarders", "callers", "constants"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_findings_are_the_annotated_lines(name, tmp_path):
    folder = _copy(name, tmp_path)
    expected = _expected(folder)
    assert _reported(_findings(folder, "."), unsafe_fixes=False) == expected
    with_flag = _reported(_findings(folder, "--unsafe-fixes", "."), unsafe_fixes=True)
    assert with_flag == {(path, line, code, False) for path, line, code, _ in expected}


@pytest.mark.parametrize("name", NAMES)
def test_without_project_analysis_nothing_comes_from_other_modules(name, tmp_path):
    """The setting and the flag turn it off: no wrapper call, no closed-world decision."""
    folder = _copy(name, tmp_path)
    off = _findings(folder, "--no-project-analysis", ".")
    assert not any("forwards mode and align_corners" in r["message"] for r in off)
    assert not any("decided from every call" in r["message"] for r in off)
    config = folder / "pyproject.toml"
    config.write_text(config.read_text().replace("project-analysis = true", "project-analysis = false"))
    assert _findings(folder, ".") == off


@pytest.mark.parametrize("name", NAMES)
def test_fix_writes_the_fixed_tree(name, tmp_path):
    for flags, suffix in (([], ".fixed"), (["--unsafe-fixes"], ".unsafe-fixed")):
        folder = _copy(name, tmp_path / (suffix or "x"))
        before = _sources(folder)
        result = run_cli(["check", "--fix", "--no-cache", *flags, "."], cwd=folder)
        assert "Traceback" not in result.stderr
        after = _sources(folder)
        changed = {path: data for path, data in after.items() if data != before[path]}
        fixed = PROJECTS / (name + suffix)
        if not fixed.exists() and suffix == ".unsafe-fixed":
            fixed = PROJECTS / (name + ".fixed")
        assert changed == (_sources(fixed) if fixed.exists() else {}), name + suffix
        # A second run changes nothing.
        run_cli(["check", "--fix", "--no-cache", *flags, "."], cwd=folder)
        assert _sources(folder) == after


@pytest.mark.parametrize("name", NAMES)
def test_a_file_alone_has_the_findings_it_has_in_the_tree(name, tmp_path):
    """Pre-commit names only the changed files: each file's findings stay what they are
    when the whole tree is checked, in any order, with one or two worker processes."""
    folder = _copy(name, tmp_path)
    whole = _findings(folder, "--jobs", "1", ".")
    assert _findings(folder, "--jobs", "2", ".") == whole
    paths = sorted(_sources(folder))
    reordered = _findings(folder, "--jobs", "2", *reversed(paths))
    assert sorted(map(json.dumps, reordered)) == sorted(map(json.dumps, whole))
    for path in paths:
        alone = _findings(folder, path)
        assert alone == [r for r in whole if r["path"].replace(os.sep, "/") == path], path
        # ...and from another working folder.
        outside = _findings(folder, str(folder / path), cwd=tmp_path)
        assert [(r["line"], r["code"], r["message"]) for r in outside] == [
            (r["line"], r["code"], r["message"]) for r in alone
        ]


def test_excluded_files_are_not_evidence(tmp_path):
    folder = _copy("callers", tmp_path)
    (folder / "net" / "legacy.py").write_text("from net.layers import up\n\ny = up(None, 'nearest')\n")
    messages = [r["message"] for r in _findings(folder, ".") if r["line"] == 7]
    assert messages and "nearest" in messages[0] and "legacy.py" in messages[0]
    config = folder / "pyproject.toml"
    config.write_text(config.read_text() + 'exclude = ["net/legacy.py"]\n')
    decided = [r for r in _findings(folder, "net/layers.py") if r["line"] == 7]
    assert decided[0]["code"] == "ACF001" and "legacy" not in decided[0]["message"]


def test_a_new_caller_in_another_file_changes_the_decision_with_the_cache(tmp_path, monkeypatch):
    """The facts are cached by content: a warm run reuses them, and a changed file of the
    project changes the findings of the files that depend on it."""
    folder = _copy("callers", tmp_path)
    monkeypatch.setenv("AC_FIXER_CACHE_DIR", str(tmp_path / "cache"))

    def line7() -> dict:
        result = run_cli(["check", "--output-format", "json", "net/layers.py"], cwd=folder)
        return next(r for r in json.loads(result.stdout) if r["line"] == 7)

    assert line7()["code"] == "ACF001"
    assert any(p.name.startswith("project-") for p in (tmp_path / "cache").iterdir())
    assert line7()["code"] == "ACF001"  # warm
    model = folder / "net" / "model.py"
    model.write_text(model.read_text() + "\nz = up(None, 'nearest')\n")
    found = line7()
    assert found["code"] == "ACF003" and '"nearest" at net/model.py:25' in found["message"]


def test_wrapper_message_names_the_torch_call_it_reaches(tmp_path):
    folder = _copy("wrappers", tmp_path)
    records = _findings(folder, ".")
    first = next(r for r in records if r["line"] == 14)
    assert first["function"] == "mmlite.ops.wrappers.resize"
    assert first["mode"] == "bilinear"
    assert "forwards mode and align_corners to `interpolate` at mmlite/ops/wrappers.py:12" in first["message"]


def test_the_wrapper_s_own_torch_call_is_not_reported(tmp_path):
    folder = _copy("wrappers", tmp_path)
    assert not [r for r in _findings(folder, ".") if r["path"].endswith("wrappers.py") and r["line"] in (12, 26)]


def test_undecided_messages_say_why_and_what_was_seen(tmp_path):
    folder = _copy("callers", tmp_path)
    by_line = {r["line"]: r["message"] for r in _findings(folder, "net/layers.py")}
    assert '"bilinear" at net/model.py:14; "nearest" at net/model.py:15' in by_line[15]
    assert "runtime_mode" in by_line[19] and "net/model.py:16" in by_line[19]
    assert "used as a value" in by_line[23] and "net/model.py:19" in by_line[23]
    assert "no call in the project" in by_line[35]
    assert '"nearest" at net/model.py:23' in by_line[57]


def test_a_subclass_with_its_own_init_makes_the_attribute_undecided(tmp_path):
    folder = _copy("callers", tmp_path)
    (folder / "net" / "more.py").write_text(
        "from net.layers import Block\n\n\nclass Wide(Block):\n    def __init__(self):\n"
        "        super().__init__(mode='nearest')\n"
    )
    found = next(r for r in _findings(folder, "net/layers.py") if r["line"] == 48)
    assert found["code"] == "ACF003" and "subclass `Wide`" in found["message"]


@pytest.mark.parametrize("text", [
    "def (:\n",
    # Names a catalogued API (and, below, a wrapper): the index reads it, and its parse fails.
    "import torch.nn.functional as F\n\ndef up(x, mode):\n    return F.interpolate(x, mode=mode\n",
    "from mmlite.ops import resize\n\ndef (:\n    resize(x, mode='bilinear')\n",
])
def test_unparsable_project_file_costs_nothing_but_itself(tmp_path, text):
    folder = _copy("wrappers", tmp_path)
    (folder / "broken.py").write_text(text)
    result = run_cli(["check", "--no-cache", "mmlite"], cwd=folder)
    assert "Traceback" not in result.stderr and "skipped" not in result.stderr, result.stderr
    assert result.stdout.count("ACF001") == 8


def test_outside_any_project_there_is_no_project_analysis(tmp_path):
    """No pyproject.toml and no git root above: the current folder is never a project."""
    (tmp_path / "a.py").write_text(
        "import torch.nn.functional as F\n\n\ndef up(x, mode):\n    return F.interpolate(x, mode=mode)\n\n\n"
        "up(None, 'bilinear')\n"
    )
    records = _findings(tmp_path, "a.py")
    assert [r["code"] for r in records] == ["ACF003"]


def test_config_rejects_a_non_boolean_setting(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\nproject-analysis = 'no'\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_cli(["check", "--no-cache", "a.py"], cwd=tmp_path)
    assert result.exit_code == 2 and "project-analysis" in result.stderr


# --------------------------------------------------------------------------- the index


def test_module_names_packages_and_src_layout(tmp_path):
    (tmp_path / "src" / "pkg" / "sub").mkdir(parents=True)
    for path in ("src/pkg/__init__.py", "src/pkg/sub/__init__.py", "src/pkg/sub/m.py", "tool.py"):
        (tmp_path / path).write_text("")
    assert module_name(tmp_path / "src/pkg/sub/m.py", tmp_path) == ("pkg.sub.m", False)
    assert module_name(tmp_path / "src/pkg/__init__.py", tmp_path) == ("pkg", True)
    assert module_name(tmp_path / "tool.py", tmp_path) == ("tool", False)


@pytest.mark.parametrize(
    "module, is_package, level, name, expected",
    [
        ("pkg.sub.m", False, 1, "config", "pkg.sub.config"),
        ("pkg.sub.m", False, 2, "ops", "pkg.ops"),
        ("pkg.sub", True, 1, "m", "pkg.sub.m"),
        ("pkg.sub.m", False, 1, None, "pkg.sub"),
        ("pkg.m", False, 3, "x", None),  # above the top package: not resolvable
        ("pkg", False, 0, "abs.mod", "abs.mod"),
    ],
)
def test_relative_imports(module, is_package, level, name, expected):
    assert resolve_relative(module, is_package, level, name) == expected


def test_summary_never_imports_or_evaluates(tmp_path):
    """The index reads syntax only: a module that would fail or act on import is read."""
    summary = summarize(b"raise SystemExit('imported!')\nMODE = 'bilinear'\nimport os\nos.remove('x')\n")
    assert summary["literals"]["MODE"] == "bilinear"
    assert summarize(b"def (:\n") is None


def test_inferred_wrapper_is_a_user_target_row(tmp_path):
    """An inferred wrapper is the same kind of row as an `extend-targets` entry."""
    from ac_fixer.project import target_from, target_row

    folder = _copy("wrappers", tmp_path)
    from ac_fixer.project import project_facts

    facts = project_facts(folder, (), folder, cat.default_catalog(), None)
    resize = facts.wrappers["mmlite.ops.wrappers.resize"].target
    declared = cat.user_target(
        "mmlite.ops.wrappers.resize", mode_position=3, mode_keyword="mode", flag_position=4,
        flag_keyword="align_corners", default_mode="nearest",
    )
    assert resize.params == declared.params and resize.mode_param == declared.mode_param
    assert resize.flag_param == declared.flag_param and resize.rule == declared.rule
    assert {"mmlite.resize", "mmlite.ops.resize", "mmlite.models.head.rs"} <= set(resize.aliases)
    assert target_from(target_row(resize)) == resize
    assert facts.wrappers["mmlite.ops.wrappers.resize"].reaches == "torch.nn.functional.interpolate"
    assert set(facts.wrappers) == {
        "mmlite.ops.wrappers.resize", "mmlite.ops.wrappers.resize_twice", "mmlite.ops.wrappers.Resizer.resize",
    }


def test_worker_processes_see_the_project(tmp_path):
    """Enough files for worker processes: they get the project's facts with the settings."""
    folder = _copy("wrappers", tmp_path)
    for index in range(10):
        (folder / "mmlite" / "models" / f"extra{index}.py").write_text(
            f"from mmlite import resize\n\n\ndef f{index}(x):\n    return resize(x, scale_factor=2, mode='bilinear')\n"
        )
    one = _findings(folder, "--jobs", "1", ".")
    two = _findings(folder, "--jobs", "2", ".")
    assert one == two and len(one) == 18


def test_torch_s_own_sources_are_not_wrappers_of_themselves(tmp_path):
    """A tree that holds torch's sources defines `upsample` as a forwarder of `interpolate`:
    the catalog's row (deprecated alias, ACF101) stands."""
    from ac_fixer.project import project_facts

    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    functional = tmp_path / "torch" / "nn"
    functional.mkdir(parents=True)
    (tmp_path / "torch" / "__init__.py").write_text("")
    (functional / "__init__.py").write_text("")
    (functional / "functional.py").write_text(
        "def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None):\n"
        "    return input\n\n\n"
        "def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):\n"
        "    return interpolate(input, size, scale_factor, mode, align_corners)\n"
    )
    (tmp_path / "use.py").write_text("import torch.nn.functional as F\n\nF.upsample(None, mode='bilinear')\n")
    facts = project_facts(tmp_path, (), tmp_path, cat.default_catalog(), None)
    assert "torch.nn.functional.upsample" not in facts.wrappers
    codes = sorted(r["code"] for r in _findings(tmp_path, "use.py"))
    assert codes == ["ACF001", "ACF101"]


def test_an_internal_error_of_the_index_costs_the_project_analysis_not_the_run(tmp_path, monkeypatch):
    import ac_fixer.project as project

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(project, "build_facts", broken)
    folder = _copy("constants", tmp_path)
    result = run_cli(["check", "--no-cache", "."], cwd=folder)
    assert "project-wide analysis skipped" in result.stderr and "Traceback" not in result.stderr
    monkeypatch.undo()
    alone = run_cli(["check", "--no-cache", "--no-project-analysis", "."], cwd=folder)
    assert result.stdout == alone.stdout  # each file on its own


def test_a_new_file_and_a_removed_caller_between_cached_runs(tmp_path, monkeypatch):
    """The name searches of the previous run stand for the files whose content it saw; an
    added file and an edited one are read again."""
    folder = _copy("callers", tmp_path)
    monkeypatch.setenv("AC_FIXER_CACHE_DIR", str(tmp_path / "cache"))

    def line(number: int) -> dict:
        result = run_cli(["check", "--output-format", "json", "net/layers.py"], cwd=folder)
        return next(r for r in json.loads(result.stdout) if r["line"] == number)

    assert line(15)["code"] == "ACF003"  # mixed
    model = folder / "net" / "model.py"
    model.write_text(model.read_text().replace('    y = mixed(y, "nearest")\n', ""))
    assert line(15)["code"] == "ACF001"
    (folder / "net" / "extra.py").write_text("from net.layers import mixed\n\nmixed(None, 'area')\n")
    assert line(15)["code"] == "ACF003" and "net/extra.py:3" in line(15)["message"]
    (folder / "net" / "extra.py").unlink()
    assert line(15)["code"] == "ACF001"


def test_an_unparsable_file_that_names_the_function_leaves_the_site_undecided(tmp_path):
    folder = _copy("callers", tmp_path)
    (folder / "net" / "broken.py").write_text("from net.layers import up\nup(None, 'nearest'\n")
    found = next(r for r in _findings(folder, "net/layers.py") if r["line"] == 7)
    assert found["code"] == "ACF003" and "net/broken.py" in found["message"] and "cannot be parsed" in found["message"]


def test_the_project_cache_folder_ignores_itself(tmp_path, monkeypatch):
    folder = _copy("constants", tmp_path)
    monkeypatch.delenv("AC_FIXER_CACHE_DIR", raising=False)
    run_cli(["check", "--fix", "."], cwd=folder)  # every finding fixed: no findings cached
    assert (folder / ".ac-fixer-cache" / ".gitignore").read_bytes() == b"# Created by ac-fixer.\n*\n"


_ALIAS_LAYERS = '''import torch.nn as nn
import torch.nn.functional as F


def up(x, mode="bilinear"):
    return F.interpolate(x, scale_factor=2, mode=mode)


class Block(nn.Module):
    def __init__(self, mode="bilinear"):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode=self.mode)
'''
_UP_SITE, _BLOCK_SITE = 6, 15


@pytest.mark.parametrize("other, site, decided_by_bilinear", [
    ("from net.layers import up as u\n\ny = u(x, '{mode}')\n", _UP_SITE, True),
    ("from net.layers import Block as B\n\nb = B(mode='{mode}')\n", _BLOCK_SITE, True),
    ("from net import upsample\n\ny = upsample(x, '{mode}')\n", _UP_SITE, True),  # a re-export's other name
    ("import net.layers as L\n\ny = L.up(x, '{mode}')\n", _UP_SITE, True),
    ("from net.layers import Block as B\n\n\nclass Wide(B):\n    def __init__(self):\n"
     "        super().__init__('{mode}')\n", _BLOCK_SITE, False),  # its own __init__: unknown
    ("def g(x):\n    from net.layers import up\n    return up(x, '{mode}')\n", _UP_SITE, False),
    ("def g(x):\n    from net.layers import up as u\n    return u(x, '{mode}')\n", _UP_SITE, False),
])
def test_a_caller_that_imports_the_function_under_another_name_is_a_caller(tmp_path, other, site, decided_by_bilinear):
    """The modes the project passes decide a parameter's mode (closed world) only when
    every caller is seen: one that imports the function or the class under another name
    (`import ... as`, a re-export's name), subclasses it through such a name or imports it
    in a function body is one. A caller passing `nearest` makes the site mixed (ACF003),
    never an ACF001 whose unsafe fix would break that call."""
    from conftest import write_project

    files = {"net/__init__.py": "from net.layers import up as upsample\n", "net/layers.py": _ALIAS_LAYERS,
             "net/model.py": "from net.layers import Block, up\n\ny = up(x)\nb = Block()\n"}
    alone = {(r["path"], r["line"]): r for r in _findings(write_project(tmp_path / "alone", files), ".")}
    assert alone[("net/layers.py", site)]["code"] == "ACF001" and not alone[("net/layers.py", site)]["fixable"]
    for mode, decided in (("nearest", False), ("bilinear", decided_by_bilinear)):
        root = write_project(tmp_path / mode, {**files, "net/other.py": other.format(mode=mode)})
        found = {(r["path"], r["line"]): r for r in _findings(root, ".")}
        assert found[("net/layers.py", site)]["code"] == ("ACF001" if decided else "ACF003"), (mode, found)
        if not decided:
            assert "net/other.py" in found[("net/layers.py", site)]["message"]


def test_the_messages_name_the_evidence_and_the_reason(tmp_path):
    """A closed-world decision lists each mode with the file:line it comes from and says
    why its fix is unsafe; a constant that is not one says which write it saw."""
    callers = {(r["path"], r["line"]): r["message"] for r in _findings(_copy("callers", tmp_path), ".")}
    assert callers[("net/layers.py", 7)].endswith(
        'decided from every call in the project ("bilinear" at net/model.py:9 (default); "bilinear" at '
        'net/model.py:10; "bicubic" at net/model.py:11 (`HEAD_MODE`)): code outside the project may pass other '
        "modes, so this fix is unsafe")
    constants = {(r["path"], r["line"]): r["message"] for r in _findings(_copy("constants", tmp_path), ".")}
    model = "src/cpkg/sub/model.py"
    assert "`cpkg.settings.PATCHED` may be rebound by an attribute write `….PATCHED = …` in src/cpkg/patch.py" \
        in constants[(model, 14)]
    assert "`cpkg.settings.GLOBAL_MODE` is bound 2 times in src/cpkg/settings.py (`global` writes included)" \
        in constants[(model, 16)]
    assert "`cpkg.settings.IMPORTED_THEN_REBOUND` is imported and bound again in src/cpkg/patch.py " \
           "(a `global` write)" in constants[(model, 17)]


def test_a_decision_that_would_read_too_many_files_is_not_made(tmp_path, monkeypatch):
    """More files naming a function or a class than MAX_EVIDENCE_FILES: its site stays
    ACF003 and says so (a very common name would cost more than the check)."""
    from ac_fixer import project as project_module

    folder = _copy("callers", tmp_path)
    monkeypatch.setattr(project_module, "MAX_EVIDENCE_FILES", 1)
    found = {(r["path"], r["line"]): r for r in _findings(folder, ".")}
    site = found[("net/layers.py", 7)]
    assert site["code"] == "ACF003" and "too many to read for a decision" in site["message"]

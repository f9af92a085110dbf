"""Issue 13's walk-through on a real package: three modules of mmsegmentation 1.2.2 with its
own ``resize`` wrapper and a mode set from a constructor (fixtures/walkthrough/mmsegmentation,
its README says what is verbatim). The README's "Walk-through: a real package" shows these
steps: ``check --project-analysis`` names the wrapper call and the undecided site with what
it saw; the audit of the fixture's tests records the modes; ``check --fix --evidence`` writes
the fixes the run proved, and ``verify`` replays every one of them.

The fast tests use the audit report recorded from the fixture
(``mmsegmentation.audit.json``); the slow one records it again with ``ac-fixer audit --
python -m pytest`` and checks that it is the same."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, run_subprocess

WALK = FIXTURES / "walkthrough"
PROJECT = WALK / "mmsegmentation"
FIXED = WALK / "mmsegmentation.fixed"
REPORT = WALK / "mmsegmentation.audit.json"

NECK = "mmseg/models/necks/multilevel_neck.py"
PPM = "mmseg/models/utils/ppm.py"
WRAPPERS = "mmseg/models/utils/wrappers.py"


def _copy(tmp_path: Path, with_report: bool = False) -> Path:
    folder = tmp_path / "mmsegmentation"
    shutil.copytree(PROJECT, folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ac-fixer-cache"))
    if with_report:
        shutil.copyfile(REPORT, folder / "audit.json")
    return folder


def _sources(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.py")) if not {"__pycache__", ".ac-fixer-cache"} & set(p.parts)
    }


def _findings(folder: Path, *args: str) -> list:
    result = run_cli(["check", "--no-cache", "--output-format", "json", *args, "."], cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_check_names_the_wrapper_call_and_what_decides_the_constructor_mode(tmp_path):
    folder = _copy(tmp_path)
    found = {(r["path"], r["line"]): r for r in _findings(folder, "--project-analysis")}
    assert sorted(found) == [(NECK, 76), (PPM, 124)]
    neck, ppm = found[(NECK, 76)], found[(PPM, 124)]
    assert (neck["code"], neck["fixable"], neck["applicability"]) == ("ACF001", True, "safe")
    assert f"(`resize` forwards mode and align_corners to `interpolate` at {WRAPPERS}:27)" in neck["message"]
    assert (ppm["code"], ppm["fixable"]) == ("ACF003", False)
    assert '`self.unsample_mode` is set where its value is not known; seen: "bilinear" at tests/test_models.py:11 ' \
           "(default); subclass `PAPPM` has its own `__init__` (mmseg/models/utils/ppm.py:134)" in ppm["message"]
    # the project-wide analysis is on by default; without it the wrapper call is not seen at all
    assert sorted((r["path"], r["line"]) for r in _findings(folder)) == [(NECK, 76), (PPM, 124)]
    assert [(r["path"], r["line"]) for r in _findings(folder, "--no-project-analysis")] == [(PPM, 124)]


def test_the_recorded_report_proves_both_sites(tmp_path):
    sites = {(s["path"], s["line"]): s for s in json.loads(REPORT.read_text())}
    assert sorted(sites) == [(PPM, 124), (WRAPPERS, 27)]
    assert (sites[(PPM, 124)]["modes"], sites[(PPM, 124)]["fixable"]) == (["bilinear"], True)
    (caller,) = sites[(WRAPPERS, 27)]["call_sites"]
    assert (caller["path"], caller["line"], caller["modes"], caller["fixable"]) == (NECK, 76, ["bilinear"], True)


def test_fix_with_the_report_writes_the_proved_fixes(tmp_path):
    folder = _copy(tmp_path, with_report=True)
    before = _sources(folder)
    result = run_cli(["check", "--no-cache", "--project-analysis", "--fix", "--evidence", "audit.json", "."], cwd=folder)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "Fixed 2 errors.",
        "1 of them rests on runtime evidence (audit.json: 4 recorded calls, mode bilinear), not on the source alone.",
    ]
    changed = {path: data for path, data in _sources(folder).items() if data != before[path]}
    assert changed == _sources(FIXED)
    assert _findings(folder, "--project-analysis") == []


def test_without_the_report_only_the_wrapper_call_is_fixed(tmp_path):
    folder = _copy(tmp_path)
    run_cli(["check", "--no-cache", "--project-analysis", "--fix", "."], cwd=folder)
    assert (folder / NECK).read_bytes() == (FIXED / NECK).read_bytes()
    assert (folder / PPM).read_bytes() == (PROJECT / PPM).read_bytes()


def test_a_report_older_than_the_file_is_refused_for_that_file(tmp_path):
    folder = _copy(tmp_path, with_report=True)
    (folder / PPM).write_bytes((folder / PPM).read_bytes() + b"\n")
    result = run_cli(["check", "--no-cache", "--project-analysis", "--fix", "--evidence", "audit.json", "."], cwd=folder)
    assert f"the runtime evidence for {PPM} is not used: the file changed since the audit" in result.stderr
    assert (folder / PPM).read_bytes() == (PROJECT / PPM).read_bytes() + b"\n"  # not fixed
    assert (folder / NECK).read_bytes() == (FIXED / NECK).read_bytes()


def test_verify_replays_every_fix_before_it_is_written(tmp_path):
    pytest.importorskip("torch")
    folder = _copy(tmp_path, with_report=True)
    result = run_cli(["verify", "--project-analysis", "--evidence", "audit.json", "--device", "cpu",
                      "--output-format", "json", "."], cwd=folder)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert [(r["path"], r["line"], r["code"], r["status"]) for r in json.loads(result.stdout)] == [
        (NECK, 76, "ACF001", "equal"), (PPM, 124, "ACF003", "equal"),
    ]
    fixed = run_cli(["check", "--no-cache", "--project-analysis", "--fix", "--verify", "--device", "cpu",
                     "--evidence", "audit.json", "."], cwd=folder)
    assert fixed.exit_code == 0, fixed.stdout + fixed.stderr
    assert ("Runtime check on cpu: 2 of 2 fixes reproduce their calls bitwise with align_corners=False; "
            "only confirmed fixes are written.") in fixed.stderr
    assert {path: (folder / path).read_bytes() for path in _sources(FIXED)} == _sources(FIXED)


@pytest.mark.slow  # runs the fixture's tests under the audit (torch in a subprocess, ~15 s)
def test_the_audit_of_the_fixture_tests_records_the_report(tmp_path):
    pytest.importorskip("torch")
    folder = _copy(tmp_path)
    result = run_subprocess(
        ["audit", "--output-format", "json", "--output", "audit.json", "--",
         sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder, timeout=300,
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout

    def comparable(sites):
        keep = ("path", "line", "function", "modes", "calls", "static_code", "equal", "fixable", "sha256")
        return [
            {**{k: s[k] for k in keep},
             "call_sites": [(c["path"], c["line"], c["calls"], c["modes"], c["fixable"]) for c in s["call_sites"]]}
            for s in sites
        ]

    assert comparable(json.loads((folder / "audit.json").read_text())) == comparable(json.loads(REPORT.read_text()))
    before = _sources(folder)
    run_cli(["check", "--no-cache", "--project-analysis", "--fix", "--evidence", "audit.json", "."], cwd=folder)
    changed = {path: data for path, data in _sources(folder).items() if data != before[path]}
    assert changed == _sources(FIXED)

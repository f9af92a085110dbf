"""Runtime evidence drives fixes (issue 13, parts 2-4): ``ac-fixer audit`` of a fixture
project, then ``check --fix --evidence`` fixes exactly the sites the audit proved (ACF003
sites and a wrapper's call site), ``verify`` confirms them, and a report that no longer
fits a file (or has no digests) is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli, run_subprocess

from ac_fixer.config import ConfigError, config_from_table
from ac_fixer.evidence import FileEvidence, SiteEvidence, _matching
from ac_fixer.findings import Finding
from ac_fixer.runtime.audit import format_audit_text

pytest.importorskip("torch")

PROJECT = FIXTURES / "projects" / "evidence"
MODEL = "evpkg/model.py"
BLOCKS = "evpkg/blocks.py"


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    """The fixture project with the report of a real audit of run.py (audit.json)."""
    folder = tmp_path_factory.mktemp("evidence") / "project"
    shutil.copytree(PROJECT, folder)
    result = run_subprocess(
        ["audit", "--output-format", "json", "--output", "audit.json", "--", "python", "run.py"], cwd=folder
    )
    assert result.exit_code == 0, result.stderr
    return folder


@pytest.fixture
def project(audited, tmp_path) -> Path:
    folder = tmp_path / "project"
    shutil.copytree(audited, folder, ignore=shutil.ignore_patterns(".ac-fixer-cache"))
    return folder


def _report(folder: Path) -> list:
    return json.loads((folder / "audit.json").read_text())


def _json_findings(folder: Path, *args: str) -> list:
    result = run_cli(["check", "--no-cache", "--output-format", "json", *args], cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- the audit


def test_the_report_carries_digests_and_the_wrappers_call_site(audited):
    report = _report(audited)
    for site in report:
        assert site["version"] == 2
        assert site["sha256"] == hashlib.sha256((audited / site["path"]).read_bytes()).hexdigest()
    (wrapped,) = [site for site in report if site["path"] == "evpkg/ops.py"]
    model = audited / MODEL
    assert wrapped["call_sites"] == [{
        "path": MODEL, "line": _line(model, "z = resize("), "calls": 1, "modes": ["bilinear"], "equal": True,
        "fixable": True, "sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
    }]
    # A call made directly (not through a wrapper) has no call sites.
    direct = [site for site in report if site["path"] == MODEL]
    assert direct and all(site["call_sites"] == [] for site in direct)


def test_a_multi_line_call_is_recorded_at_its_first_line(audited):
    lines = {site["line"] for site in _report(audited) if site["path"] == MODEL}
    assert _line(audited / MODEL, "y = F.interpolate(") in lines


# --------------------------------------------------------------------------- check --evidence


def test_without_the_report_every_site_stays_acf003(project):
    findings = _json_findings(project, ".")
    assert {f["code"] for f in findings} == {"ACF003"} and not any(f["fixable"] for f in findings)


def test_the_report_makes_exactly_the_proved_sites_fixable(project):
    model = project / MODEL
    findings = {(f["path"], f["line"]): f for f in _json_findings(project, "--evidence", "audit.json", ".")}
    proved = {
        (MODEL, _line(model, "nn.Upsample(")): ["bilinear"],
        (MODEL, _line(model, "y = F.interpolate(")): ["bilinear"],
        (MODEL, _line(model, "z = resize(")): ["bilinear"],
        (BLOCKS, _line(project / BLOCKS, "F.interpolate(")): ["bicubic"],
    }
    for site, modes in proved.items():
        finding = findings[site]
        assert finding["fixable"] is True and finding["applicability"] == "evidence", site
        assert finding["evidence"] == {"source": "runtime", "calls": 1, "modes": modes, "report": "audit.json"}
        assert "runtime evidence (audit.json)" in finding["message"]
    # nearest at Head.forward, bilinear and nearest at upsample(): not fixed, and said why.
    others = [f for site, f in findings.items() if site not in proved]
    assert len(others) == 2
    for finding in others:
        assert finding["fixable"] is False and "evidence" not in finding
        assert "a mode that rejects align_corners was seen" in finding["message"]


def test_fix_writes_align_corners_false_at_the_proved_sites_only(project):
    before = (project / MODEL).read_text()
    result = run_cli(["check", "--no-cache", "--fix", "--evidence", "audit.json", "."], cwd=project)
    assert result.exit_code == 1  # the two sites the audit did not prove remain
    note = "4 of them rest on runtime evidence (audit.json: 4 recorded calls, modes bicubic, bilinear)"
    assert f"Fixed 4 errors.\n{note}" in result.stdout
    after = (project / MODEL).read_text()
    flag = ", align_corners=False)"
    expected = (
        before.replace("nn.Upsample(scale_factor=2, mode=mode)", "nn.Upsample(scale_factor=2, mode=mode" + flag)
        .replace("mode=self.mode,\n        )", "mode=self.mode,\n            align_corners=False,\n        )")
        .replace("resize(x, scale_factor=2, mode=self.mode)", "resize(x, scale_factor=2, mode=self.mode" + flag)
    )
    assert after == expected != before
    assert "mode=mode, align_corners=False)  # ACF003" in (project / BLOCKS).read_text()
    # The two left keep what the audit saw there, at their places in the fixed file.
    remaining = [line for line in result.stdout.splitlines() if ": ACF003 " in line]
    assert len(remaining) == 2 and all("a mode that rejects align_corners was seen" in line for line in remaining)
    head = _line(project / MODEL, "return F.interpolate(x, scale_factor=2, mode=self.mode)")
    assert remaining[0].startswith(f"{MODEL}:{head}:")
    assert (project / "evpkg/ops.py").read_bytes() == (PROJECT / "evpkg/ops.py").read_bytes()
    assert (project / "run.py").read_bytes() == (PROJECT / "run.py").read_bytes()


def test_evidence_without_fix_shows_the_diff_and_writes_nothing(project):
    before = (project / MODEL).read_bytes()
    result = run_cli(["check", "--no-cache", "--diff", "--evidence", "audit.json", "."], cwd=project)
    assert result.exit_code == 1
    assert result.stdout.count("+") >= 4 and "align_corners=False" in result.stdout
    assert (project / MODEL).read_bytes() == before


def test_a_file_changed_since_the_audit_is_refused_and_only_that_file(project):
    model = project / MODEL
    model.write_text(model.read_text() + "# edited after the audit\n")
    before = model.read_bytes()
    result = run_cli(["check", "--no-cache", "--fix", "--evidence", "audit.json", "."], cwd=project)
    assert "Traceback" not in result.stderr
    assert model.read_bytes() == before
    assert f"the runtime evidence for {MODEL} is not used: the file changed since the audit" in result.stderr
    assert "blocks.py" not in result.stderr
    assert "mode=mode, align_corners=False)" in (project / BLOCKS).read_text()


def test_mixed_modes_or_an_unequal_shadow_run_fix_nothing_there(project):
    model = project / MODEL
    report = _report(project)
    upsample_line, interpolate_line = _line(model, "nn.Upsample("), _line(model, "y = F.interpolate(")
    for site in report:
        if site["path"] == MODEL and site["line"] == upsample_line:
            site["modes"] = ["bilinear", "nearest"]
        if site["path"] == MODEL and site["line"] == interpolate_line:
            site["equal"] = False
        for caller in site["call_sites"]:
            caller["equal"] = None  # --no-shadow: not checked
    (project / "edited.json").write_text(json.dumps(report))
    findings = {f["line"]: f for f in _json_findings(project, "--evidence", "edited.json", MODEL)}
    assert not any(f["fixable"] for f in findings.values())
    assert "a mode that rejects align_corners was seen" in findings[upsample_line]["message"]
    assert "shadow run with align_corners=False was not equal" in findings[interpolate_line]["message"]
    assert "not equal (or did not run)" in findings[_line(model, "z = resize(")]["message"]


def test_a_report_without_digests_is_refused(project):
    old = [{k: v for k, v in site.items() if k not in ("version", "sha256", "call_sites")} for site in _report(project)]
    (project / "old.json").write_text(json.dumps(old))
    result = run_cli(["check", "--no-cache", "--evidence", "old.json", "."], cwd=project)
    assert result.exit_code == 2
    assert "older ac-fixer audit (report format 1, without file digests)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}'])
def test_a_file_that_is_not_a_report_is_a_clear_error(project, content):
    (project / "bad.json").write_text(content)
    result = run_cli(["check", "--no-cache", "--evidence", "bad.json", "."], cwd=project)
    assert result.exit_code == 2 and "not an audit report" in result.stderr


@pytest.mark.parametrize("damage", ["no function", "no line", "a line that is no number"])
def test_a_report_whose_site_lacks_a_field_is_a_clear_error(project, damage):
    report = _report(project)
    site = report[0]
    if damage == "no function":
        del site["function"]
    elif damage == "no line":
        del site["line"]
    else:
        site["line"] = "three"
    (project / "damaged.json").write_text(json.dumps(report))
    result = run_cli(["check", "--no-cache", "--evidence", "damaged.json", "."], cwd=project)
    assert result.exit_code == 2 and "not an audit report (a site lacks" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_sarif_names_the_evidence_and_carries_the_fix(project):
    result = run_cli(
        ["check", "--no-cache", "--output-format", "sarif", "--evidence", "audit.json", MODEL], cwd=project
    )
    results = json.loads(result.stdout)["runs"][0]["results"]
    with_evidence = [r for r in results if "evidence" in r.get("properties", {})]
    assert len(with_evidence) == 3
    assert all(r["fixes"] for r in with_evidence)
    assert all(r["properties"]["evidence"]["source"] == "runtime" for r in with_evidence)


# --------------------------------------------------------------------------- verify


def test_verify_confirms_the_fixes_the_evidence_writes(project):
    result = run_cli(["verify", "--evidence", "audit.json", "--output-format", "json", "."], cwd=project)
    records = json.loads(result.stdout)
    equal = {(r["path"], r["line"]) for r in records if r["status"] == "equal"}
    model = project / MODEL
    assert equal == {
        (MODEL, _line(model, "nn.Upsample(")), (MODEL, _line(model, "y = F.interpolate(")),
        (MODEL, _line(model, "z = resize(")), (BLOCKS, _line(project / BLOCKS, "F.interpolate(")),
    }
    assert result.exit_code == 0


def test_fix_verify_writes_every_fix_the_evidence_proves(project, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(project, plain)
    run_cli(["check", "--no-cache", "--fix", "--evidence", "audit.json", "."], cwd=plain)
    result = run_cli(["check", "--no-cache", "--fix", "--verify", "--evidence", "audit.json", "."], cwd=project)
    assert "not fixed" not in result.stderr, result.stderr
    for name in (MODEL, BLOCKS):
        assert (project / name).read_bytes() == (plain / name).read_bytes() != (PROJECT / name).read_bytes()


def test_verify_replays_an_extend_targets_wrapper_through_what_it_reaches(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ac-fixer]\nproject-analysis = false\n"
        '[[tool.ac-fixer.extend-targets]]\nname = "ops.resize"\nmode-keyword = "mode"\n'
        'align-corners-keyword = "align_corners"\nreaches = "torch.nn.functional.interpolate"\n'
    )
    (tmp_path / "use.py").write_text("from ops import resize\n\ny = resize(None, mode='bicubic')\n")
    result = run_cli(["verify", "--output-format", "json", "use.py"], cwd=tmp_path)
    (record,) = json.loads(result.stdout)
    assert (record["line"], record["code"], record["status"]) == (3, "ACF001", "equal")
    assert "through `resize`" in record["detail"]


def test_an_extend_targets_row_without_reaches_is_skipped_by_verify_as_before(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ac-fixer]\nproject-analysis = false\n"
        '[[tool.ac-fixer.extend-targets]]\nname = "ops.resize"\nmode-keyword = "mode"\n'
    )
    (tmp_path / "use.py").write_text("from ops import resize\n\ny = resize(None, mode='bicubic')\n")
    (record,) = json.loads(run_cli(["verify", "--output-format", "json", "use.py"], cwd=tmp_path).stdout)
    assert record["status"] == "skipped" and "reaches" in record["detail"]


@pytest.mark.parametrize("reaches", ["torch.nn.functional.pad", "torch.nn.functional.grid_sample", 3])
def test_reaches_must_name_a_catalogued_api_of_the_same_kind(reaches):
    row = {"name": "ops.resize", "mode-keyword": "mode", "reaches": reaches}
    with pytest.raises(ConfigError, match="reaches"):
        config_from_table({"extend-targets": [row]}, None)


# --------------------------------------------------------------------------- matching


def _finding(line: int, end_line: int, column: int = 1) -> Finding:
    function = "torch.nn.functional.interpolate"
    return Finding("m.py", line, column, end_line, 40, "ACF003", "", function, None, False, None)


def test_a_recorded_line_inside_a_call_goes_to_the_innermost_call_holding_it():
    outer, inner = _finding(1, 6), _finding(3, 4, column=9)
    site = SiteEvidence(4, "torch.nn.functional.interpolate", False, 1, ("bilinear",), True)
    matched = _matching(FileEvidence("r.json", "/m.py", "x", (site,)), [outer, inner])
    assert matched == {id(inner): [site]}
    first = SiteEvidence(1, "torch.nn.functional.interpolate", False, 1, ("bilinear",), True)
    assert _matching(FileEvidence("r.json", "/m.py", "x", (first,)), [outer, inner]) == {id(outer): [first]}


# --------------------------------------------------------------------------- audit: call sites

WRAPPERS = '''\
import torch
import torch.nn.functional as F


def forwards(x, mode="nearest", align_corners=None):
    return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)


def twice(x, *, interp="bilinear", corners=None):
    return forwards(x, mode=interp, align_corners=corners)


def leaves_the_flag_out(x, mode):
    return F.interpolate(x, scale_factor=2, mode=mode)


def changes_the_mode(x, mode, align_corners=None):
    return F.interpolate(x, scale_factor=2, mode=mode.lower(), align_corners=align_corners)


class Block(torch.nn.Module):
    def forward(self, x, mode, align_corners=None):
        return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)


x = torch.randn(1, 2, 4, 4)
forwards(x, mode="bilinear")  # direct
twice(x)  # twice
leaves_the_flag_out(x, "bilinear")
changes_the_mode(x, "BILINEAR")
Block()(x, "bilinear")
'''


def test_audit_follows_forwarding_wrappers_only(tmp_path):
    (tmp_path / "w.py").write_text(WRAPPERS)
    result = run_subprocess(["audit", "--output-format", "json", "--", "python", "w.py"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    sites = {site["line"]: site for site in json.loads(result.stdout)}
    line = {text: _line(tmp_path / "w.py", text) for text in (
        "return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)",
        "return forwards(", "# direct", "# twice", "mode=mode.lower()", "Block()(x",
    )}
    forwarded = sites[line["return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)"]]
    # Through `twice` (keyword names of its own): its call of `forwards`, and the call of `twice`.
    assert [(c["line"], c["calls"], c["modes"]) for c in forwarded["call_sites"]] == [
        (line["return forwards("], 1, ["bilinear"]), (line["# direct"], 1, ["bilinear"]),
        (line["# twice"], 1, ["bilinear"]),
    ]
    # Not followed: the flag left out, a mode changed on the way, a call through nn.Module.__call__.
    assert all(site["call_sites"] == [] for n, site in sites.items() if n != forwarded["line"])
    assert line["mode=mode.lower()"] in sites
    # The text report of the same records: a pure function of them, as a second audit (with
    # torch imported again) would print it (test_audit_faults'
    # test_text_summary_agrees_with_the_json_on_a_real_run checks the two formats agree).
    text = format_audit_text(json.loads(result.stdout))
    assert f"Calls through forwarding wrappers: w.py:{line['return forwards(']} (to w.py:" in text


@pytest.mark.slow  # a nested pytest with torch (the audit report of ac-fixer audit drives the same fixes by default)
def test_the_pytest_plugins_report_drives_the_same_fixes(project):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "ac_fixer.runtime.pytest_plugin"]
    result = subprocess.run([*command, "--ac-fixer-audit=plugin.json", "tests"], cwd=project, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    from_plugin = _json_findings(project, "--evidence", "plugin.json", ".")
    from_audit = _json_findings(project, "--evidence", "audit.json", ".")
    fixable = {(f["path"], f["line"]) for f in from_plugin if f["fixable"]}
    assert len(fixable) == 4
    assert fixable == {(f["path"], f["line"]) for f in from_audit if f["fixable"]}


# --------------------------------------------------------------------------- closed-world decisions


def _synthetic_report(folder: Path, path: str, line: int, function: str, modes: list, equal) -> None:
    digest = hashlib.sha256((folder / path).read_bytes()).hexdigest()
    site = {
        "path": path, "line": line, "function": function, "modes": modes, "calls": 3, "static_code": None,
        "equal": equal, "fixable": equal is True, "shapes": [], "dtypes": [], "devices": [], "version": 2,
        "sha256": digest, "call_sites": [],
    }
    (folder / "report.json").write_text(json.dumps([site]))


def test_a_closed_world_fix_the_runs_confirm_applies_with_evidence_alone(tmp_path):
    folder = tmp_path / "callers"
    shutil.copytree(FIXTURES / "projects" / "callers", folder)
    layers = "net/layers.py"
    line = _line(folder / layers, "return F.interpolate(x, scale_factor=2, mode=mode)")
    _synthetic_report(folder, layers, line, "torch.nn.functional.interpolate", ["bilinear"], True)
    findings = {f["line"]: f for f in _json_findings(folder, "--evidence", "report.json", layers)}
    assert findings[line]["fixable"] is True and findings[line]["applicability"] == "evidence"
    others = [f for n, f in findings.items() if n != line and f["code"] == "ACF001"]
    assert others and all(f["fixable"] is False and f["applicability"] == "unsafe" for f in others)


def test_a_closed_world_decision_the_runs_contradict_is_not_fixed(tmp_path):
    folder = tmp_path / "callers"
    shutil.copytree(FIXTURES / "projects" / "callers", folder)
    layers = "net/layers.py"
    line = _line(folder / layers, "return F.interpolate(x, scale_factor=2, mode=mode)")
    _synthetic_report(folder, layers, line, "torch.nn.functional.interpolate", ["bilinear", "nearest"], True)
    findings = {f["line"]: f for f in _json_findings(folder, "--unsafe-fixes", "--evidence", "report.json", layers)}
    assert findings[line]["fixable"] is False
    assert "a mode that rejects align_corners was seen" in findings[line]["message"]

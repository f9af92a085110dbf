"""The runtime audit: real runs of the small programs in tests/audit_programs/."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from ac_fixer.runtime import audit  # noqa: E402
from ac_fixer.runtime.audit import format_audit_json, format_audit_text, run_audit  # noqa: E402

PROGRAMS = Path(__file__).parent / "audit_programs"


def line_of(program: str, marker: str) -> int:
    """The line of ``program`` that carries ``# SITE: marker``."""
    for number, text in enumerate((PROGRAMS / program).read_text().splitlines(), start=1):
        if text.rstrip().endswith(f"# SITE: {marker}"):
            return number
    raise AssertionError(f"no marker {marker!r} in {program}")


def sites_of(report: list[dict], program: str, base: Path | None = None) -> dict[int, dict]:
    """The report's sites in ``program``, by line."""
    base = base or Path.cwd()
    wanted = os.path.realpath(PROGRAMS / program)
    return {
        site["line"]: site
        for site in report
        if not site["path"].startswith("<") and os.path.realpath(base / site["path"]) == wanted
    }


def audit_run(tmp_path, *args, shadow=True, output_format="json"):
    output = tmp_path / f"report.{output_format}"
    command = [sys.executable, *map(str, args)]
    code = run_audit(command, output=str(output), output_format=output_format, shadow=shadow)
    text = output.read_text()
    return code, (json.loads(text) if output_format == "json" else text)


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """Runs a program under the audit once per test module: (exit code, JSON report)."""
    runs = {}

    def run(program: str):
        if program not in runs:
            runs[program] = audit_run(tmp_path_factory.mktemp("audit"), PROGRAMS / program)
        return runs[program]

    return run


def test_modes_chosen_at_run_time(audited):
    code, report = audited("modes_from_config.py")
    assert code == 0
    sites = sites_of(report, "modes_from_config.py")
    resize = sites[line_of("modes_from_config.py", "resize")]
    assert resize["function"] == "torch.nn.functional.interpolate"
    assert resize["modes"] == ["bilinear", "nearest"]
    assert resize["calls"] == 2
    assert resize["equal"] is True  # the bilinear call matched
    assert resize["fixable"] is False  # nearest rejects the flag

    decode = sites[line_of("modes_from_config.py", "decode")]
    assert decode["modes"] == ["bilinear"]
    assert decode["calls"] == 2
    assert decode["dtypes"] == ["torch.float32", "torch.float64"]
    assert decode["shapes"] == [[2, 3, 5, 5]]
    assert decode["devices"] == ["cpu"]
    assert decode["equal"] is True and decode["fixable"] is True

    grid_sample = sites[line_of("modes_from_config.py", "grid_sample")]
    affine_grid = sites[line_of("modes_from_config.py", "affine_grid")]
    assert grid_sample["function"] == "torch.nn.functional.grid_sample"
    assert grid_sample["modes"] == ["bilinear"] and grid_sample["fixable"] is True
    assert affine_grid["modes"] == [] and affine_grid["fixable"] is True
    # The call that passes align_corners is not reported.
    assert len(sites) == 4
    assert list(report[0]) == [
        "path", "line", "function", "modes", "calls", "static_code",
        "equal", "fixable", "shapes", "dtypes", "devices", "version", "sha256", "call_sites",
    ]  # fmt: skip


def test_module_reported_where_it_was_constructed(audited):
    code, report = audited("module_built_elsewhere.py")
    assert code == 0
    sites = sites_of(report, "module_built_elsewhere.py")
    assert list(sites) == [line_of("module_built_elsewhere.py", "built")]
    built = sites[line_of("module_built_elsewhere.py", "built")]
    assert built["function"] == "torch.nn.Upsample"
    assert built["calls"] == 3  # the forward calls F.interpolate: counted once each
    assert built["modes"] == ["bilinear"] and built["fixable"] is True


def test_static_code_comes_from_the_static_check(audited):
    try:
        import ac_fixer.api  # noqa: F401
    except ImportError:
        pytest.skip("ac_fixer.api is not there yet")
    _, report = audited("module_built_elsewhere.py")
    built = sites_of(report, "module_built_elsewhere.py")[line_of("module_built_elsewhere.py", "built")]
    assert built["static_code"] == "ACF001"


def test_exception_inside_a_call_is_unchanged_and_reported(tmp_path, capfd):
    program = PROGRAMS / "raises_inside.py"
    plain = subprocess.run([sys.executable, str(program)], capture_output=True, text=True)
    code, report = audit_run(tmp_path, program)
    audited_stderr = capfd.readouterr().err
    assert code == plain.returncode == 1
    last_line = plain.stderr.strip().splitlines()[-1]
    assert "bilinear" in last_line
    assert audited_stderr.strip().splitlines()[-1] == last_line
    site = sites_of(report, "raises_inside.py")[line_of("raises_inside.py", "raises")]
    assert site["calls"] == 1 and site["equal"] is None


def test_exit_status_passes_through_and_no_shadow(tmp_path):
    code, report = audit_run(tmp_path, PROGRAMS / "exits_with_error.py", shadow=False)
    assert code == 3
    site = sites_of(report, "exits_with_error.py")[line_of("exits_with_error.py", "bicubic")]
    assert site["modes"] == ["bicubic"]
    assert site["equal"] is None and site["fixable"] is False


def test_sigterm_still_writes_the_report(tmp_path):
    code, report = audit_run(tmp_path, PROGRAMS / "terminated.py")
    assert code == 128 + 15
    site = sites_of(report, "terminated.py")[line_of("terminated.py", "before_sigterm")]
    assert site["function"] == "torch.nn.functional.grid_sample" and site["calls"] == 1


def test_python_dash_m(tmp_path, monkeypatch):
    monkeypatch.chdir(PROGRAMS)
    code, report = audit_run(tmp_path, "-m", "audited_module")
    assert code == 0
    site = sites_of(report, "audited_module.py")[line_of("audited_module.py", "linear")]
    assert site["path"] == "audited_module.py"  # relative to the current directory
    assert site["modes"] == ["linear"] and site["fixable"] is True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_child_processes_are_merged(tmp_path):
    code, report = audit_run(tmp_path, PROGRAMS / "starts_children.py")
    assert code == 0
    parent = sites_of(report, "starts_children.py")
    assert set(parent) == {line_of("starts_children.py", "forked"), line_of("starts_children.py", "parent")}
    assert list(sites_of(report, "child_process.py")) == [line_of("child_process.py", "child")]


def test_results_gradients_rng_and_warnings_are_unchanged(tmp_path):
    program = PROGRAMS / "bitwise_model.py"
    plain_out, audited_out = tmp_path / "plain.pt", tmp_path / "audited.pt"
    subprocess.run([sys.executable, str(program), str(plain_out)], check=True)
    code, report = audit_run(tmp_path, program, audited_out)
    assert code == 0
    assert len(sites_of(report, "bitwise_model.py")) == 5
    plain, audited = torch.load(plain_out), torch.load(audited_out)
    for key in ("y", "z", "x_grad", "next_random"):
        assert torch.equal(plain[key], audited[key]), key
    assert all(torch.equal(a, b) for a, b in zip(plain["grads"], audited["grads"]))
    # grid_sample/affine_grid/upsample warn with stacklevel=2: still at the program's lines
    assert plain["warnings"] == audited["warnings"]
    assert {name for name, *_ in plain["warnings"]} == {"bitwise_model.py"}


def test_lazy_hooks_and_existing_sitecustomize(tmp_path, monkeypatch):
    user_site = tmp_path / "user_site"
    user_site.mkdir()
    (user_site / "sitecustomize.py").write_text('MARKER = "user sitecustomize ran"\n')
    monkeypatch.setenv("PYTHONPATH", str(user_site))
    out = tmp_path / "seen.json"
    code, report = audit_run(tmp_path, PROGRAMS / "without_torch.py", out)
    assert code == 0 and report == []
    seen = json.loads(out.read_text())
    assert seen == {"torch_imported": False, "user_sitecustomize": "user sitecustomize ran"}


@pytest.mark.slow  # torch.compile in a child process
def test_torchscript_and_compile_still_work(tmp_path, capfd):
    code, report = audit_run(tmp_path, PROGRAMS / "scripted_and_compiled.py")
    assert code == 0
    assert "scripted and compiled: ok" in capfd.readouterr().out
    assert sites_of(report, "scripted_and_compiled.py")  # the eager calls are seen


def test_text_report(audited):
    _, report = audited("modes_from_config.py")
    text = format_audit_text(report)
    header, *_ = text.splitlines()
    assert header.split() == ["SITE", "FUNCTION", "MODES", "CALLS", "STATIC", "EQUAL"]
    closing = [line for line in text.splitlines() if line.startswith("Safe to fix")]
    assert len(closing) == 1
    safe, rejecting = closing[0].split("leave unset")
    assert f"modes_from_config.py:{line_of('modes_from_config.py', 'decode')}" in safe
    assert f"modes_from_config.py:{line_of('modes_from_config.py', 'resize')}" not in safe
    assert f"modes_from_config.py:{line_of('modes_from_config.py', 'resize')}" in rejecting


def test_text_output_of_run_audit_and_empty_report(tmp_path):
    code, text = audit_run(tmp_path, "-c", "print('no torch here')", output_format="text")
    assert code == 0
    assert text == format_audit_text([]) and "No call" in text
    assert json.loads(format_audit_json([])) == []


def _run_plugin_suite(tmp_path, *pytest_args, extra_files=()):
    """Run tests/audit_programs/suite_for_plugin.py (and ``extra_files``: name -> text) under
    pytest with ``--ac-fixer-audit=audit.json``; (completed process, report or None)."""
    shutil.copy(PROGRAMS / "suite_for_plugin.py", tmp_path / "suite_for_plugin.py")
    for name, text in extra_files:
        (tmp_path / name).write_text(text)
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    command += ["-p", "ac_fixer.runtime.pytest_plugin", "suite_for_plugin.py", *(name for name, _ in extra_files)]
    result = subprocess.run([*command, "--ac-fixer-audit=audit.json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    report = tmp_path / "audit.json"
    return result, (json.loads(report.read_text()) if report.exists() else None)


def _assert_suite_sites(report, calls=None) -> None:
    by_line = {site["line"]: site for site in report if site["path"] == "suite_for_plugin.py"}
    module = by_line[line_of("suite_for_plugin.py", "module")]
    functional = by_line[line_of("suite_for_plugin.py", "functional")]
    assert module["function"] == "torch.nn.Upsample" and module["modes"] == ["bicubic"]
    assert functional["modes"] == ["bilinear"] and functional["equal"] is True
    if calls is not None:
        assert module["calls"] == functional["calls"] == calls


def test_pytest_plugin_writes_the_report(tmp_path):
    result, report = _run_plugin_suite(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ac-fixer audit: 2 site(s) written to audit.json" in result.stdout
    _assert_suite_sites(report)


@pytest.mark.slow  # a nested pytest with xdist workers importing torch
def test_pytest_plugin_merges_the_records_of_xdist_workers(tmp_path):
    pytest.importorskip("xdist")
    result, report = _run_plugin_suite(tmp_path, "-p", "xdist.plugin", "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ac-fixer audit: 2 site(s) written to audit.json (from 2 pytest-xdist workers)" in result.stdout
    _assert_suite_sites(report, calls=1)


@pytest.mark.slow  # a nested pytest with xdist workers importing torch (the merge of worker records runs by default)
def test_pytest_plugin_names_an_xdist_worker_that_died(tmp_path):
    pytest.importorskip("xdist")
    crash = ("test_crash.py", "import os\n\ndef test_crash():\n    os._exit(3)\n")
    result, report = _run_plugin_suite(tmp_path, "-p", "xdist.plugin", "-n", "2", extra_files=[crash])
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"pytest-xdist worker gw\d+ went down without its record", result.stdout), result.stdout
    assert isinstance(report, list)


def test_pytest_plugin_imports_nothing_heavy():
    probe = "import sys, ac_fixer.runtime.pytest_plugin; print(sorted({'torch', 'libcst'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_build_report_merges_processes():
    site = {"path": "/x/a.py", "line": 3, "function": "torch.nn.functional.interpolate", "calls": 2}
    site.update(modes=["bilinear"], equal=True, shapes=[[1, 2]], dtypes=["torch.float32"], devices=["cpu"])
    other = dict(site, calls=1, modes=["nearest"], equal=None, shapes=[[3, 4]])
    (merged,) = audit.build_report([{"sites": [site]}, {"sites": [other]}])
    assert merged["calls"] == 3
    assert merged["modes"] == ["bilinear", "nearest"]
    assert merged["equal"] is True and merged["fixable"] is False
    assert merged["shapes"] == [[1, 2], [3, 4]]
    (differs,) = audit.build_report([{"sites": [site]}, {"sites": [dict(site, equal=False)]}])
    assert differs["equal"] is False and differs["fixable"] is False

"""The command line (docs/contract.md §2, §3), in-process through CliRunner and as a real process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_cli, run_subprocess

from ac_fixer import __version__

FIXABLE = (
    "import torch.nn.functional as F\n"
    "\n"
    'y = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
    "z = F.grid_sample(y, grid)\n"
)
FIXABLE_FIXED = (
    "import torch.nn.functional as F\n"
    "\n"
    'y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)\n'
    "z = F.grid_sample(y, grid, align_corners=False)\n"
)
UNDECIDABLE = "import torch.nn.functional as F\n\n\ndef up(x, mode):\n    return F.interpolate(x, mode=mode)\n"
CLEAN = 'import torch.nn.functional as F\n\ny = F.interpolate(x, mode="bilinear", align_corners=False)\n'
MIXED = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    'F.interpolate(x, size=4, mode="bicubic")\n'  # line 3, column 1
    "a = torch.nn.modules.upsampling.Upsample(scale_factor=2, mode=m)\n"  # line 4, column 5: ACF003
    "b = F.upsample(x, scale_factor=2)\n"  # line 5: ACF101
    "c = F.interpolate(x, mode='nearest', align_corners=True)\n"  # line 6: ACF004
)

BROKEN = {
    "syntax_error.py": b"import torch.nn.functional as F\ndef f(:\n    return F.interpolate(x)\n",
    "python2.py": b'import torch.nn.functional as F\nprint "x"\ny = F.interpolate(x, mode="bilinear")\n',
    "binary.py": b"\x00\x01\x02interpolate\xff\xfe\x89PNG\r\n\x1a\n" + bytes(range(256)),
}


def write(folder: Path, name: str, text) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode())
    return path


def json_findings(stdout: str) -> list:
    data = json.loads(stdout)
    assert isinstance(data, list)
    return data


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Exception" not in stderr


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_nothing_to_report(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    write(tmp_path, "other.py", "print('no torch here')\n")
    result = run_cli(["check", "--no-cache", "."], cwd=tmp_path)
    assert result.exit_code == 0
    assert "All checks passed!" in result.stdout


def test_exit_1_when_findings_remain(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--no-cache", "a.py"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "a.py:3:5: ACF001 [*]" in result.stdout
    assert "a.py:4:5: ACF002 [*]" in result.stdout
    assert "Found 2 errors (2 fixable with `--fix`)." in result.stdout


def test_fix_then_exit_0_when_everything_was_fixed(tmp_path):
    path = write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--fix", "--no-cache", "a.py"], cwd=tmp_path)
    assert result.exit_code == 0
    assert "Fixed 2 errors." in result.stdout
    assert path.read_text() == FIXABLE_FIXED


def test_fix_exit_1_when_unfixable_findings_remain(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    write(tmp_path, "b.py", UNDECIDABLE)
    result = run_cli(["check", "--fix", "--no-cache", "."], cwd=tmp_path)
    assert result.exit_code == 1
    assert "b.py:5:12: ACF003" in result.stdout
    assert "1 error remaining" in result.stdout
    assert (tmp_path / "b.py").read_text() == UNDECIDABLE


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--select", "XYZ"],
        ["check", "--ignore", "ACF0001"],
        ["check", "--value", "maybe"],
        ["check", "--output-format", "xml"],
        ["check", "--no-such-option"],
        ["check", "--verify"],  # --verify needs --fix
        ["check", "--config", "missing.toml"],
        ["check", "--jobs", "-1"],
    ],
    ids=lambda a: " ".join(a[1:]),
)
def test_exit_2_on_usage_errors(tmp_path, args):
    write(tmp_path, "a.py", FIXABLE)
    result = run_cli([*args, "--no-cache"], cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip()
    assert (tmp_path / "a.py").read_text() == FIXABLE


def test_exit_2_on_a_missing_path_but_other_paths_are_checked(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--no-cache", "a.py", "missing.py"], cwd=tmp_path)
    assert result.exit_code == 2
    assert "missing.py" in result.stderr
    assert "a.py:3:5: ACF001" in result.stdout


def test_exit_zero_turns_findings_into_0_but_not_errors(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    assert run_cli(["check", "--no-cache", "--exit-zero", "a.py"], cwd=tmp_path).exit_code == 0
    result = run_cli(["check", "--no-cache", "--exit-zero", "a.py", "missing.py"], cwd=tmp_path)
    assert result.exit_code == 2


def test_default_path_is_the_current_folder(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    write(tmp_path, "pkg/b.py", UNDECIDABLE)
    result = run_cli(["check", "--no-cache", "--output-format", "json"], cwd=tmp_path)
    assert result.exit_code == 1
    paths = {Path(f["path"]).as_posix() for f in json_findings(result.stdout)}
    assert paths == {"a.py", "pkg/b.py"}


# --------------------------------------------------------------------------- JSON

FIELDS = {
    "path": str, "line": int, "column": int, "end_line": int, "end_column": int, "code": str,
    "message": str, "function": str, "mode": (str, type(None)), "fixable": bool, "fix": (str, type(None)),
    "applicability": (str, type(None)),
}


def test_json_schema_fields_and_types(tmp_path):
    write(tmp_path, "pkg/mod.py", MIXED)
    result = run_cli(["check", "--no-cache", "--output-format", "json", "pkg/mod.py"], cwd=tmp_path)
    assert result.exit_code == 1
    findings = json_findings(result.stdout)
    for record in findings:
        assert set(record) == set(FIELDS)
        for name, kind in FIELDS.items():
            assert isinstance(record[name], kind), (name, record[name])
        assert record["path"] == "pkg/mod.py"
        assert record["line"] >= 1 and record["column"] >= 1
        assert (record["end_line"], record["end_column"]) > (record["line"], record["column"])
    by_line = {f["line"]: f for f in findings}
    assert sorted(by_line) == [3, 4, 5, 6]

    acf001 = by_line[3]
    assert (acf001["code"], acf001["column"], acf001["end_line"], acf001["end_column"]) == ("ACF001", 1, 3, 41)
    assert acf001["function"] == "torch.nn.functional.interpolate"
    assert acf001["mode"] == "bicubic"
    assert acf001["fixable"] is True
    assert acf001["fix"] == "align_corners=False"
    assert "keeps what it computes" in acf001["message"]

    acf003 = by_line[4]
    assert (acf003["code"], acf003["column"]) == ("ACF003", 5)
    assert acf003["function"] == "torch.nn.Upsample"  # the qualified name, whatever the spelling
    assert acf003["mode"] is None
    assert acf003["fixable"] is False
    assert acf003["fix"] is None

    assert by_line[5]["code"] == "ACF101"
    assert by_line[5]["function"] == "torch.nn.functional.upsample"
    assert by_line[5]["mode"] is None
    assert by_line[6]["code"] == "ACF004"
    assert by_line[6]["mode"] == "nearest"


def test_json_sorted_by_path_and_position(tmp_path):
    write(tmp_path, "b.py", FIXABLE)
    write(tmp_path, "a.py", FIXABLE)
    findings = json_findings(run_cli(["check", "--no-cache", "--output-format", "json", "."], cwd=tmp_path).stdout)
    keys = [(f["path"], f["line"], f["column"]) for f in findings]
    assert keys == sorted(keys)
    assert len(keys) == 4


@pytest.mark.parametrize("spelling", ["./pkg/mod.py", "pkg/../pkg/mod.py", "ABSOLUTE"])
def test_json_path_is_kept_as_given(tmp_path, spelling):
    path = write(tmp_path, "pkg/mod.py", FIXABLE)
    given = str(path) if spelling == "ABSOLUTE" else spelling
    findings = json_findings(run_cli(["check", "--no-cache", "--output-format", "json", given], cwd=tmp_path).stdout)
    assert {f["path"] for f in findings} == {given}


def test_json_paths_of_a_walked_folder_stay_relative(tmp_path):
    write(tmp_path, "src/pkg/mod.py", FIXABLE)
    findings = json_findings(run_cli(["check", "--no-cache", "--output-format", "json", "src"], cwd=tmp_path).stdout)
    assert {Path(f["path"]).as_posix() for f in findings} == {"src/pkg/mod.py"}
    assert not any(os.path.isabs(f["path"]) for f in findings)


def test_json_empty_array_when_clean(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    result = run_cli(["check", "--no-cache", "--output-format", "json", "clean.py"], cwd=tmp_path)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


# --------------------------------------------------------------------------- --select / --ignore


def _codes(tmp_path, *args) -> list:
    result = run_cli(["check", "--no-cache", "--output-format", "json", *args, "mod.py"], cwd=tmp_path)
    return sorted(f["code"] for f in json_findings(result.stdout))


@pytest.mark.parametrize(
    "args, expected",
    [
        ([], ["ACF001", "ACF003", "ACF004", "ACF101"]),
        (["--select", "ACF001"], ["ACF001"]),
        (["--select", "acf001,ACF101"], ["ACF001", "ACF101"]),
        (["--select", "ACF00"], ["ACF001", "ACF003", "ACF004"]),
        (["--select", "ACF1"], ["ACF101"]),
        (["--select", "ACF"], ["ACF001", "ACF003", "ACF004", "ACF101"]),
        (["--ignore", "ACF003"], ["ACF001", "ACF004", "ACF101"]),
        (["--ignore", "ACF1"], ["ACF001", "ACF003", "ACF004"]),
        (["--select", "ACF00", "--ignore", "ACF004"], ["ACF001", "ACF003"]),
        (["--ignore", "ACF"], []),
    ],
)
def test_select_and_ignore_with_prefixes(tmp_path, args, expected):
    write(tmp_path, "mod.py", MIXED)
    assert _codes(tmp_path, *args) == expected


def test_ignored_codes_are_not_fixed(tmp_path):
    path = write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--fix", "--no-cache", "--ignore", "ACF002", "a.py"], cwd=tmp_path)
    assert result.exit_code == 0
    text = path.read_text()
    assert 'mode="bilinear", align_corners=False)' in text
    assert "z = F.grid_sample(y, grid)\n" in text


# --------------------------------------------------------------------------- --value true


def test_value_true_inserts_true_and_says_behavior_changes(tmp_path):
    path = write(tmp_path, "a.py", FIXABLE)
    report = run_cli(["check", "--no-cache", "--value", "true", "a.py"], cwd=tmp_path)
    assert report.exit_code == 1
    assert "align_corners=True changes what it computes" in report.stdout
    assert "changes behavior" in report.stdout
    result = run_cli(["check", "--fix", "--no-cache", "--value", "true", "a.py"], cwd=tmp_path)
    assert result.exit_code == 0
    assert path.read_text() == FIXABLE_FIXED.replace("align_corners=False", "align_corners=True")
    assert "changes what the fixed calls compute" in result.stdout


def test_value_true_in_json_fix_field(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--no-cache", "--value", "TRUE", "--output-format", "json", "a.py"], cwd=tmp_path)
    findings = json_findings(result.stdout)
    assert {f["fix"] for f in findings} == {"align_corners=True"}
    assert all("changes what it computes" in f["message"] for f in findings)


def test_default_value_keeps_behavior(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--no-cache", "a.py"], cwd=tmp_path)
    assert "align_corners=False keeps what it computes today" in result.stdout
    assert "changes" not in result.stdout


# --------------------------------------------------------------------------- --diff


def test_diff_prints_unified_diff_exits_1_and_writes_nothing(tmp_path):
    path = write(tmp_path, "a.py", FIXABLE)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    result = run_cli(["check", "--diff", "--no-cache", "a.py"], cwd=tmp_path)
    assert result.exit_code == 1
    assert path.read_text() == FIXABLE
    assert path.stat().st_mtime_ns == 1_000_000_000 * 10**9
    assert result.stdout.splitlines() == [
        "--- a/a.py",
        "+++ b/a.py",
        "@@ -1,4 +1,4 @@",
        " import torch.nn.functional as F",
        " ",
        '-y = F.interpolate(x, scale_factor=2, mode="bilinear")',
        "-z = F.grid_sample(y, grid)",
        '+y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)',
        "+z = F.grid_sample(y, grid, align_corners=False)",
    ]


def test_diff_on_clean_files_prints_nothing_and_exits_0(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    result = run_cli(["check", "--diff", "--no-cache", "clean.py"], cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_diff_with_unfixable_finding_exits_1(tmp_path):
    write(tmp_path, "b.py", UNDECIDABLE)
    result = run_cli(["check", "--diff", "--no-cache", "b.py"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "+++" not in result.stdout


def test_diff_with_json_output_keeps_stdout_one_json_array(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    result = run_cli(["check", "--diff", "--no-cache", "--output-format", "json", "a.py"], cwd=tmp_path)
    assert isinstance(json.loads(result.stdout), list)


# --------------------------------------------------------------------------- unparsable files


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_unparsable_file_is_named_others_still_fixed_exit_2(tmp_path, name):
    broken = write(tmp_path, name, BROKEN[name])
    good = write(tmp_path, "good.py", FIXABLE)
    result = run_cli(["check", "--fix", "--no-cache", "."], cwd=tmp_path)
    assert result.exit_code == 2
    assert name in result.stderr
    assert_no_traceback(result.stderr)
    assert good.read_text() == FIXABLE_FIXED
    assert broken.read_bytes() == BROKEN[name]
    assert "Fixed 2 errors." in result.stdout


def test_unparsable_files_in_check_mode_are_all_named(tmp_path):
    for name, data in BROKEN.items():
        write(tmp_path, name, data)
    write(tmp_path, "good.py", FIXABLE)
    result = run_cli(["check", "--no-cache", "--output-format", "json", "."], cwd=tmp_path)
    assert result.exit_code == 2
    for name in BROKEN:
        assert name in result.stderr
    assert_no_traceback(result.stderr)
    assert {f["path"] for f in json_findings(result.stdout)} == {"good.py"}  # stdout stays valid JSON


def test_syntax_error_message_says_syntax_error(tmp_path):
    write(tmp_path, "python2.py", BROKEN["python2.py"])
    result = run_cli(["check", "--no-cache", "python2.py"], cwd=tmp_path)
    assert result.exit_code == 2
    error_lines = [line for line in result.stderr.splitlines() if "python2.py" in line]
    assert error_lines and "syntax error" in error_lines[0]


def test_exit_2_beats_exit_zero_for_unparsable_files(tmp_path):
    write(tmp_path, "syntax_error.py", BROKEN["syntax_error.py"])
    result = run_cli(["check", "--no-cache", "--exit-zero", "."], cwd=tmp_path)
    assert result.exit_code == 2


# --------------------------------------------------------------------------- --statistics


def test_statistics_counts_per_rule(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    write(tmp_path, "b.py", FIXABLE)
    write(tmp_path, "c.py", UNDECIDABLE)
    result = run_cli(["check", "--no-cache", "--statistics", "."], cwd=tmp_path)
    assert result.exit_code == 1
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(count.strip(), code) for count, code, _ in rows] == [("2", "ACF001"), ("2", "ACF002"), ("1", "ACF003")]
    assert rows[0][2] == "[*] implicit-align-corners"
    assert rows[2][2] == "[ ] undecidable-mode"
    assert "a.py:" not in result.stdout


def test_statistics_empty_when_clean(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    result = run_cli(["check", "--no-cache", "--statistics", "."], cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == ""


# --------------------------------------------------------------------------- rule


@pytest.mark.parametrize("code", ["ACF001", "ACF002", "ACF003", "ACF004", "ACF101", "ACF102", "acf001"])
def test_rule_shows_documentation(code):
    result = run_cli(["rule", code])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"## {code.upper()} ")
    for heading in ("### What it does", "### Why is this bad?", "### Example", "### Fix safety"):
        assert heading in result.stdout


def test_rule_acf001_says_the_fix_is_safe_and_explains_true():
    text = run_cli(["rule", "ACF001"]).stdout
    assert "implicit-align-corners" in text
    assert "align_corners=False" in text
    assert "Safe" in text


def test_rule_unknown_code_exits_2():
    result = run_cli(["rule", "ACF999"])
    assert result.exit_code == 2
    assert "ACF999" in result.stderr


def test_rule_all_lists_every_rule():
    text = run_cli(["rule", "--all"]).stdout
    for code in ("ACF001", "ACF002", "ACF003", "ACF004", "ACF101", "ACF102"):
        assert f"## {code} " in text


# --------------------------------------------------------------------------- unsafe fixes


def test_unsafe_fix_hidden_without_flag_and_applied_with_it(tmp_path):
    source = "import torch.nn.functional as F\ny = F.interpolate(x, mode='nearest', align_corners=True)\n"
    path = write(tmp_path, "a.py", source)
    result = run_cli(["check", "--fix", "--no-cache", "a.py"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in result.stdout
    assert path.read_text() == source
    result = run_cli(["check", "--fix", "--no-cache", "--unsafe-fixes", "a.py"], cwd=tmp_path)
    assert result.exit_code == 0
    assert path.read_text() == "import torch.nn.functional as F\ny = F.interpolate(x, mode='nearest')\n"


# --------------------------------------------------------------------------- noqa


def test_noqa_suppresses_report_and_fix(tmp_path):
    source = (
        "import torch.nn.functional as F\n"
        'a = F.interpolate(x, mode="bilinear")  # noqa: ACF001\n'
        'b = F.interpolate(x, mode="bilinear")  # NOQA\n'
        'c = F.grid_sample(x, g)  # noqa: ACF001\n'
    )
    path = write(tmp_path, "a.py", source)
    result = run_cli(["check", "--fix", "--no-cache", "a.py"], cwd=tmp_path)
    assert result.exit_code == 0
    assert path.read_text() == source.replace("F.grid_sample(x, g)", "F.grid_sample(x, g, align_corners=False)")


# --------------------------------------------------------------------------- a real process


def test_subprocess_exit_codes_and_output(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    ok = run_subprocess(["check", "clean.py"], tmp_path)
    assert ok.exit_code == 0, ok.stderr
    assert "All checks passed!" in ok.stdout

    write(tmp_path, "a.py", FIXABLE)
    found = run_subprocess(["check", "--no-cache", "a.py"], tmp_path)
    assert found.exit_code == 1
    assert "a.py:3:5: ACF001 [*]" in found.stdout

    usage = run_subprocess(["check", "--select", "NOPE"], tmp_path)
    assert usage.exit_code == 2
    assert "NOPE" in usage.stderr


def test_subprocess_json_and_default_path(tmp_path):
    write(tmp_path, "pkg/mod.py", MIXED)
    result = run_subprocess(["check", "--no-cache", "--output-format", "json"], tmp_path)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert {Path(f["path"]).as_posix() for f in findings} == {"pkg/mod.py"}
    assert [f["code"] for f in findings] == ["ACF001", "ACF003", "ACF101", "ACF004"]


def test_subprocess_fix_diff_and_broken_file(tmp_path):
    good = write(tmp_path, "good.py", FIXABLE)
    write(tmp_path, "python2.py", BROKEN["python2.py"])
    diff = run_subprocess(["check", "--diff", "--no-cache", "good.py"], tmp_path)
    assert diff.exit_code == 1
    assert "+z = F.grid_sample(y, grid, align_corners=False)" in diff.stdout
    assert good.read_text() == FIXABLE

    fixed = run_subprocess(["check", "--fix", "--no-cache", "."], tmp_path)
    assert fixed.exit_code == 2
    assert "python2.py" in fixed.stderr
    assert_no_traceback(fixed.stderr)
    assert good.read_text() == FIXABLE_FIXED


def test_subprocess_version_and_rule(tmp_path):
    version = run_subprocess(["--version"], tmp_path)
    assert version.exit_code == 0
    assert __version__ in version.stdout
    rule = run_subprocess(["rule", "ACF002"], tmp_path)
    assert rule.exit_code == 0
    assert rule.stdout.startswith("## ACF002 implicit-align-corners-grid")


def test_subprocess_cache_gives_the_same_findings(tmp_path):
    write(tmp_path, "a.py", FIXABLE)
    first = run_subprocess(["check", "--output-format", "json", "a.py"], tmp_path)
    second = run_subprocess(["check", "--output-format", "json", "a.py"], tmp_path)
    assert first.exit_code == second.exit_code == 1
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert len(json.loads(second.stdout)) == 2


# --------------------------------------------------------------------------- regressions (bugs found by this suite)


def test_value_true_never_writes_true_for_lanczos(tmp_path):
    source = 'import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, mode="lanczos", antialias=True)\n'
    path = write(tmp_path, "a.py", source)
    run_cli(["check", "--fix", "--no-cache", "--value", "true", "a.py"], cwd=tmp_path)
    assert "align_corners=True" not in path.read_text()


def test_diff_of_latin1_file_uses_the_files_own_bytes(tmp_path):
    import subprocess
    import sys

    source = (
        "# -*- coding: latin-1 -*-\n# caf\xe9\nimport torch.nn.functional as F\n"
        'y = F.interpolate(x, scale_factor=2, mode="bilinear")  # \xe9chelle\n'
    ).encode("latin-1")
    write(tmp_path, "a.py", source)
    proc = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "check", "--diff", "--no-cache", "a.py"],
        cwd=tmp_path, capture_output=True, timeout=120,
    )
    assert proc.returncode == 1
    assert b"\n # caf\xe9\n" in proc.stdout
    assert b'\n-y = F.interpolate(x, scale_factor=2, mode="bilinear")  # \xe9chelle\n' in proc.stdout


def test_rename_keeps_names_listed_in_all(tmp_path):
    import ast

    # ACF102 (an ACF101 rename never drops the old import): once no call uses the old name,
    # the rename would drop its import, but __all__ lists it.
    source = (
        "from torch.nn.functional import upsample_bilinear\n\n__all__ = [\"upsample_bilinear\", \"up2\"]\n\n\n"
        "def up2(x):\n    return upsample_bilinear(x, scale_factor=2)\n"
    )
    path = write(tmp_path, "ops.py", source)
    run_cli(["check", "--fix", "--no-cache", "ops.py"], cwd=tmp_path)
    text = path.read_text()
    assert "interpolate(x, scale_factor=2" in text  # the rename was written
    tree = ast.parse(text)
    bound = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    bound |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"upsample_bilinear", "up2", "interpolate"} <= bound


@pytest.mark.parametrize(
    "files, libcst_expected",
    [
        ({"plain.py": "x = 1\n", "clean.py": CLEAN}, False),  # the screens decide: no LibCST
        ({"plain.py": "x = 1\n", "undecidable.py": UNDECIDABLE}, True),
    ],
)
def test_check_imports_libcst_only_when_a_file_needs_it_and_never_torch(tmp_path, files, libcst_expected):
    import subprocess
    import sys

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    probe = (
        "import sys\n"
        "from ac_fixer.cli import main\n"
        "try:\n"
        "    main(['check', '--no-cache', '--jobs', '1', '.'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', sorted({'libcst', 'torch'} & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    modules = result.stdout.strip().splitlines()[-1]
    assert modules == ("MODULES ['libcst']" if libcst_expected else "MODULES []")


def test_output_order_is_the_path_order_whatever_the_jobs(tmp_path):
    # Workers take the largest files first; the report keeps the order of the paths.
    for i in range(24):
        padding = "# pad\n" * (((i * 7) % 24) * 50)
        (tmp_path / f"m{i:02d}.py").write_text(padding + FIXABLE)
    one = run_cli(["check", "--no-cache", "--jobs", "1", "--output-format", "json", "."], cwd=tmp_path)
    two = run_cli(["check", "--no-cache", "--jobs", "2", "--output-format", "json", "."], cwd=tmp_path)
    assert one.stdout == two.stdout
    paths = [finding["path"] for finding in json.loads(two.stdout)]
    assert paths == sorted(paths) and len(set(paths)) == 24 and len(paths) == 48

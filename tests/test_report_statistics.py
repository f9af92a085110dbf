"""``--statistics`` in every output format, the hidden-fix count's grammar, and the
``applicability`` of each JSON finding (issue 14, item 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer import report
from ac_fixer.cli import main
from ac_fixer.findings import Finding

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
EVERY_CODE = HEADER + (
    'a = F.interpolate(x, scale_factor=2, mode="bilinear")\n'  # ACF001 (safe fix)
    'a2 = F.interpolate(x, scale_factor=2, mode="bicubic")\n'  # ACF001 (safe fix)
    "def up(x, mode):\n"
    "    return F.interpolate(x, mode=mode)\n"  # ACF003 (no fix)
    'c = F.interpolate(x, mode="nearest", align_corners=False)\n'  # ACF004 (unsafe fix)
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_statistics_json_is_a_list_of_code_name_count_fixable():
    Path("m.py").write_text(EVERY_CODE)
    result = check("--statistics", "--output-format", "json", "m.py")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"code": "ACF001", "name": "implicit-align-corners", "count": 2, "fixable": True},
        {"code": "ACF003", "name": "undecidable-mode", "count": 1, "fixable": False},
        {"code": "ACF004", "name": "align-corners-rejected", "count": 1, "fixable": False},
    ]


def test_statistics_json_counts_unsafe_fixes_as_fixable_with_unsafe_fixes():
    Path("m.py").write_text(EVERY_CODE)
    result = check("--statistics", "--output-format", "json", "--unsafe-fixes", "m.py")
    rows = {row["code"]: row for row in json.loads(result.stdout)}
    assert rows["ACF004"]["fixable"] is True


def test_statistics_json_of_a_clean_tree_is_an_empty_list():
    Path("m.py").write_text("x = 1\n")
    result = check("--statistics", "--output-format", "json", "m.py")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("output_format", ["sarif", "github"])
def test_statistics_with_a_format_that_has_none_is_a_usage_error(output_format):
    Path("m.py").write_text(EVERY_CODE)
    result = check("--statistics", "--output-format", output_format, "m.py")
    assert result.exit_code == 2
    assert "--statistics" in result.stderr and output_format in result.stderr
    assert result.stdout == ""


def test_one_hidden_fix_is_singular():
    Path("m.py").write_text(EVERY_CODE)
    result = check("m.py")
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in result.stdout
    assert "hidden fixes" not in result.stdout


def test_two_hidden_fixes_are_plural():
    Path("m.py").write_text(EVERY_CODE + 'd = F.interpolate(x, mode="area", align_corners=True)\n')
    result = check("m.py")
    assert "2 hidden fixes can be enabled with the `--unsafe-fixes` option." in result.stdout


def test_json_findings_carry_the_fix_applicability():
    Path("m.py").write_text(EVERY_CODE)
    records = json.loads(check("--output-format", "json", "m.py").stdout)
    by_code = {r["code"]: r for r in records}
    assert by_code["ACF001"]["applicability"] == "safe"
    assert by_code["ACF003"]["applicability"] is None  # no fix at all
    # not applied without --unsafe-fixes, but tools can tell it has an unsafe fix
    assert by_code["ACF004"]["fixable"] is False and by_code["ACF004"]["applicability"] == "unsafe"
    with_unsafe = json.loads(check("--output-format", "json", "--unsafe-fixes", "m.py").stdout)
    unsafe = [r for r in with_unsafe if r["code"] == "ACF004"][0]
    assert unsafe["fixable"] is True and unsafe["applicability"] == "unsafe"


def test_format_statistics_json_unit():
    finding = Finding("m.py", 1, 1, 1, 5, "ACF001", "msg", "f", "bilinear", True, "align_corners=False")
    assert json.loads(report.format_statistics_json([finding, finding])) == [
        {"code": "ACF001", "name": "implicit-align-corners", "count": 2, "fixable": True}
    ]

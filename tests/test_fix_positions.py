"""``check --fix`` reports the findings that remain at their positions in the fixed file,
as ruff does (issue 14, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main

HEADER = "import torch.nn.functional as F\n"
# The multi-line call gains a line (align_corners=False on its own line); the ACF003 below
# it moves from line 8 to line 9. The ACF003 on line 2 does not move.
SOURCE = HEADER + (
    "def up(x, mode):\n"  # 2
    "    return F.interpolate(x, mode=mode)\n"  # 3: ACF003, stays
    "y = F.interpolate(\n"  # 4: ACF001
    "    x,\n"
    '    mode="bilinear",\n'
    ")\n"
    "def down(x, mode):\n"  # 8
    "    return F.interpolate(x, mode=mode)  # ACF003\n"  # 9 -> 10
    'z = F.interpolate(x, mode="bicubic") + F.interpolate(x, mode=m)\n'  # 10 -> 11: ACF001 + ACF003 col 40 -> 61
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def _line_of(text: str, needle: str, occurrence: int = 0) -> tuple:
    lines = text.splitlines()
    hits = [(number, line.index(needle)) for number, line in enumerate(lines, 1) if needle in line]
    number, index = hits[occurrence]
    return number, index + 1


def test_fix_reports_remaining_findings_at_their_final_positions_json():
    Path("m.py").write_text(SOURCE)
    result = check("--fix", "--output-format", "json", "m.py")
    fixed = Path("m.py").read_text()
    assert "align_corners=False" in fixed
    records = [(r["line"], r["column"], r["code"]) for r in json.loads(result.stdout)]
    expected = [
        (*_line_of(fixed, "F.interpolate(x, mode=mode)", 0), "ACF003"),
        (*_line_of(fixed, "F.interpolate(x, mode=mode)", 1), "ACF003"),
        (*_line_of(fixed, "F.interpolate(x, mode=m)"), "ACF003"),
    ]
    assert records == expected
    assert [line for line, _, _ in records] == [3, 10, 11]
    # end positions move too
    last = json.loads(result.stdout)[-1]
    assert (last["end_line"], last["end_column"]) == (11, expected[-1][1] + len("F.interpolate(x, mode=m)"))


@pytest.mark.parametrize("output_format", ["text", "github", "sarif"])
def test_fix_final_positions_in_every_format(output_format):
    Path("m.py").write_text(SOURCE)
    result = check("--fix", "--output-format", output_format, "m.py")
    fixed = Path("m.py").read_text()
    line, column = _line_of(fixed, "F.interpolate(x, mode=m)")
    if output_format == "text":
        assert f"m.py:{line}:{column}: ACF003" in result.stdout
    elif output_format == "github":
        assert f"line={line},col={column}," in result.stdout
    else:
        regions = [
            r["locations"][0]["physicalLocation"]["region"] for r in json.loads(result.stdout)["runs"][0]["results"]
        ]
        assert {"startLine": line, "startColumn": column} in [
            {"startLine": r["startLine"], "startColumn": r["startColumn"]} for r in regions
        ]


def test_diff_keeps_the_positions_of_the_unchanged_file():
    Path("m.py").write_text(SOURCE)
    result = check("--diff", "--output-format", "json", "m.py")
    assert Path("m.py").read_text() == SOURCE
    lines = sorted({r["line"] for r in json.loads(result.stdout) if r["code"] == "ACF003"})
    assert lines == [3, 9, 10]


def test_notebook_fix_reports_final_positions(tmp_path):
    cell = (
        "import torch.nn.functional as F\n"
        "y = F.interpolate(\n"
        "    x,\n"
        '    mode="bilinear",\n'
        ")\n"
        "z = F.interpolate(x, mode=m)\n"
    )
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": cell.splitlines(keepends=True)}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    Path("n.ipynb").write_text(json.dumps(notebook, indent=1))
    result = check("--fix", "--output-format", "json", "n.ipynb")
    (record,) = json.loads(result.stdout)
    assert record["code"] == "ACF003" and record["line"] == 7

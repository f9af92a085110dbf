"""Issue 14 item 7: notebook magic masking, the cell boundary marker, locations in SARIF/GitHub."""

from __future__ import annotations

import json

import pytest

from ac_fixer.api import Settings
from ac_fixer.notebooks import fix_notebook
from ac_fixer.report import format_github, format_sarif
from tests.conftest import FIXTURES, run_cli

SETTINGS = Settings()


def _notebook(*sources) -> bytes:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
        for source in sources
    ]
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(document, indent=1) + "\n").encode()


IMPORT = ["import torch.nn.functional as F"]
CALL = ["y = F.interpolate(x, scale_factor=2, mode='bilinear')"]


# Lines that continue the line before them, though they start with `%` or `!`.
CONTINUATIONS = pytest.mark.parametrize(
    "cell",
    [
        ['s = ("%d"\n', "     % 3)"],
        ["a = (b\n", " != c)"],
        ["t = 10 \\\n", "    % 3"],
        ['u = """\n', "%not a magic, text in a string\n", '"""'],
    ],
    ids=["percent", "not-equal", "backslash", "string"],
)


@CONTINUATIONS
def test_continuation_lines_are_not_magics(cell):
    source = _notebook(IMPORT, cell, CALL)
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert [(f.code, f.cell, f.line) for f in result.applied] == [("ACF001", 2, 1)]
    cells = json.loads(result.source)["cells"]
    assert cells[1]["source"] == cell
    assert cells[2]["source"] == ["y = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)"]


@CONTINUATIONS
def test_continuation_lines_are_not_masked(cell):
    """The mask itself (it is undone after the fix: in the backslash and string cases a
    masked line would leave the same findings and bytes)."""
    from ac_fixer.notebooks import _mask_magics

    text = "".join(cell)
    magics: dict = {}
    assert _mask_magics(text, "ac-fixer", magics) == text
    assert magics == {}


def test_a_backslash_continuation_that_starts_with_percent_is_code():
    """`'bilinear' % ()` is no literal mode (ACF003); its second line masked as a magic would
    leave the literal `'bilinear'` (ACF001, fixed)."""
    source = _notebook(IMPORT, ["m = 'bilinear' \\\n", "    % ()"], ["y = F.interpolate(x, scale_factor=2, mode=m)"])
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert result.applied == []
    assert [(f.code, f.cell, f.line) for f in result.remaining] == [("ACF003", 2, 1)]


def test_magics_that_start_a_line_are_still_masked():
    cell = ["%matplotlib inline\n", "x = (1 +\n", "     2)\n", "!ls\n", "files = !ls\n", "y = F.grid_sample(x, g)"]
    result = fix_notebook(_notebook(IMPORT, cell), "nb.ipynb", SETTINGS, fix=True)
    assert [(f.code, f.cell, f.line) for f in result.applied] == [("ACF002", 1, 6)]
    assert json.loads(result.source)["cells"][1]["source"][-1] == "y = F.grid_sample(x, g, align_corners=False)"


@pytest.mark.parametrize(
    "text",
    ["# ac-fixer-cell-boundary 1", "# ac-fixer-cell-boundary 2\n", "# ac-fixer-magic-line 0:"],
)
def test_a_cell_with_the_marker_text_is_fixed(text):
    lines = ["z = 0\n", text + ("" if text.endswith("\n") else "\n"), "%time z = 1\n"]
    source = _notebook(IMPORT, lines + CALL, ["%time w = 2\n", *CALL])
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert [f.code for f in result.applied] == ["ACF001", "ACF001"]
    cells = json.loads(result.source)["cells"]
    assert cells[1]["source"][:3] == lines
    assert cells[1]["source"][3].endswith("align_corners=False)")
    assert cells[2]["source"] == ["%time w = 2\n", CALL[0].replace(")", ", align_corners=False)")]


def test_cli_fixes_a_notebook_with_the_marker_text(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(_notebook(IMPORT, ["z = 0\n", "# ac-fixer-cell-boundary 1\n", *CALL]))
    result = run_cli(["check", "--fix", "--no-cache", "nb.ipynb"], cwd=tmp_path)
    assert "internal error" not in result.stderr
    assert result.exit_code == 0, result.stdout + result.stderr
    assert b"align_corners=False" in path.read_bytes()


def _findings(tmp_path):
    source = _notebook(IMPORT, ["\n", "\n", *CALL])
    return fix_notebook(source, "nb.ipynb", SETTINGS, fix=False).remaining


def test_github_points_at_the_notebook_file_and_names_the_cell(tmp_path):
    (finding,) = _findings(tmp_path)
    assert (finding.cell, finding.line, finding.column) == (1, 3, 5)
    line = format_github([finding]).strip()
    properties, _, message = line.partition("::")[2].partition("::")
    assert "file=nb.ipynb" in properties
    assert "line=1" in properties.split(",") and "col=1" in properties.split(",")
    assert "endLine" not in properties  # no range that reads as lines of the JSON file
    assert "cell 1, line 3, column 5" in message


def test_sarif_points_at_the_notebook_file_and_names_the_cell(tmp_path):
    (finding,) = _findings(tmp_path)
    result = json.loads(format_sarif([finding]))["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "nb.ipynb"
    assert location["region"] == {"startLine": 1, "startColumn": 1}
    assert "cell 1, line 3, column 5" in result["message"]["text"]
    assert result["properties"] == {"cell": 1, "cellLine": 3, "cellColumn": 5}
    assert "fixes" not in result


def test_sarif_of_a_notebook_is_valid_sarif(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.test_reports import SARIF_SUBSET_SCHEMA

    jsonschema.validate(json.loads(format_sarif(_findings(tmp_path))), SARIF_SUBSET_SCHEMA)


NOTEBOOK_PAIRS = sorted(p for p in FIXTURES.glob("*.ipynb") if not p.name.endswith(".fixed.ipynb"))


def test_notebook_fixtures_are_pairs():
    assert len(NOTEBOOK_PAIRS) >= 2
    for before in NOTEBOOK_PAIRS:
        assert before.with_name(before.stem + ".fixed.ipynb").exists()
        assert f"`{before.name}`" in (FIXTURES / "README.md").read_text("utf-8")


@pytest.mark.parametrize("before", NOTEBOOK_PAIRS, ids=lambda p: p.name)
def test_notebook_fixture_pair(before, tmp_path):
    after = before.with_name(before.stem + ".fixed.ipynb")
    target = tmp_path / before.name
    target.write_bytes(before.read_bytes())
    result = run_cli(["check", "--fix", "--no-cache", target.name], cwd=tmp_path)
    assert "error" not in result.stderr.lower(), result.stderr
    assert target.read_bytes() == after.read_bytes()
    again = run_cli(["check", "--fix", "--no-cache", target.name], cwd=tmp_path)
    assert "Fixed" not in again.stdout and target.read_bytes() == after.read_bytes()

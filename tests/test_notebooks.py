"""Notebooks: code cells checked as one module, only changed cells rewritten, bytes kept."""

from __future__ import annotations

import json

import pytest

from ac_fixer.api import Settings, SourceError
from ac_fixer.notebooks import fix_notebook
from tests.conftest import run_cli

SETTINGS = Settings()


def _notebook(cells, indent=1, final_newline=True, ensure_ascii=False) -> bytes:
    document = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}, "zeta": 1, "alpha": 2},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(document, indent=indent, ensure_ascii=ensure_ascii)
    return (text + ("\n" if final_newline else "")).encode("utf-8")


def _code(source, outputs=None, count=1):
    return {
        "cell_type": "code",
        "execution_count": count,
        "id": f"cell-{count}",
        "metadata": {"tags": ["b", "a"]},
        "outputs": outputs or [],
        "source": source,
    }


IMPORTS = _code(["%matplotlib inline\n", "import torch.nn.functional as F\n", "!pip install torch"], count=1)
OUTPUT = [{"output_type": "stream", "name": "stdout", "text": ["déjà vu\n", "42\n"]}]
CALLS = _code(
    ["x = prepare()\n", "y = F.interpolate(x, scale_factor=2, mode='bilinear')\n", "files = !ls\n", "z = F.grid_sample(y, g)"],
    outputs=OUTPUT,
    count=2,
)
CLEAN = _code(["w = F.interpolate(x, scale_factor=2)\n", "w.shape?"], count=3)
MARKDOWN = {"cell_type": "markdown", "metadata": {}, "source": ["F.interpolate(x, mode='bilinear')  # prose, not code"]}


def test_findings_carry_the_cell_and_the_line_within_it():
    source = _notebook([MARKDOWN, IMPORTS, CALLS, CLEAN])
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=False)
    assert [(f.code, f.cell, f.line, f.column) for f in result.remaining] == [
        ("ACF001", 2, 2, 5),
        ("ACF002", 2, 4, 5),
    ]
    assert result.source is source  # nothing written in check mode


@pytest.mark.parametrize("indent", [1, 2, 4])
@pytest.mark.parametrize("final_newline", [True, False])
@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_fix_rewrites_only_the_changed_cell_and_keeps_every_other_byte(indent, final_newline, ensure_ascii):
    source = _notebook([MARKDOWN, IMPORTS, CALLS, CLEAN], indent, final_newline, ensure_ascii)
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert len(result.applied) == 2
    expected_cells = [MARKDOWN, IMPORTS, dict(CALLS), CLEAN]
    expected_cells[2]["source"] = [
        "x = prepare()\n",
        "y = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)\n",
        "files = !ls\n",
        "z = F.grid_sample(y, g, align_corners=False)",
    ]
    assert result.source == _notebook(expected_cells, indent, final_newline, ensure_ascii)
    assert json.loads(result.source)["cells"][2]["outputs"] == OUTPUT
    again = fix_notebook(result.source, "nb.ipynb", SETTINGS, fix=True)
    assert not again.applied and again.source is result.source


def test_string_sources_and_cells_without_findings():
    cells = [_code("import torch.nn.functional as F\ny = F.affine_grid(t, s)", count=1), CLEAN]
    source = _notebook(cells)
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert json.loads(result.source)["cells"][0]["source"] == (
        "import torch.nn.functional as F\ny = F.affine_grid(t, s, align_corners=False)"
    )
    assert result.source.replace(b", align_corners=False", b"") == source


def test_python_cell_magics_are_checked_other_cell_magics_skipped():
    timed = _code(["%%time\n", "y = F.grid_sample(x, g)"], count=2)
    bash = _code(["%%bash\n", "F.grid_sample(x, g)"], count=3)
    source = _notebook([IMPORTS, timed, bash])
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert [(f.cell, f.line) for f in result.applied] == [(1, 2)]
    cells = json.loads(result.source)["cells"]
    assert cells[1]["source"] == ["%%time\n", "y = F.grid_sample(x, g, align_corners=False)"]
    assert cells[2]["source"] == ["%%bash\n", "F.grid_sample(x, g)"]


def test_a_notebook_without_catalogued_names_is_left_alone():
    source = _notebook([_code(["print('hello')"])])
    result = fix_notebook(source, "nb.ipynb", SETTINGS, fix=True)
    assert result.source is source and not result.remaining


@pytest.mark.parametrize(
    "content",
    # Each holds a catalogued name (past the byte pre-filter); the last three are JSON, so
    # that what refuses them is the check of the notebook's shape, not the JSON parser.
    [b"{not json interpolate", b'{"cells": 3, "x": "interpolate"}', b'["interpolate"]',
     b'{"nbformat": 4, "x": "interpolate"}'],
)
def test_invalid_notebooks_raise_source_error(content):
    with pytest.raises(SourceError):
        fix_notebook(content, "bad.ipynb", SETTINGS, fix=False)


def test_cli_fixes_a_notebook_and_names_a_broken_one(tmp_path):
    good = tmp_path / "good.ipynb"
    good.write_bytes(_notebook([IMPORTS, CALLS]))
    broken = tmp_path / "broken.ipynb"
    broken.write_bytes(b'{"cells": [ interpolate')
    result = run_cli(["check", "--fix", "--no-cache", "good.ipynb", "broken.ipynb"], cwd=tmp_path)
    assert result.exit_code == 2
    assert "broken.ipynb" in result.stderr and "Traceback" not in result.stderr
    assert b"align_corners=False" in good.read_bytes()
    assert broken.read_bytes() == b'{"cells": [ interpolate'


def test_cli_json_for_a_notebook_has_the_cell(tmp_path):
    (tmp_path / "a.ipynb").write_bytes(_notebook([IMPORTS, CALLS]))
    result = run_cli(["check", "--no-cache", "--output-format", "json", "a.ipynb"], cwd=tmp_path)
    records = json.loads(result.stdout)
    assert [(r["cell"], r["line"], r["code"]) for r in records] == [(1, 2, "ACF001"), (1, 4, "ACF002")]

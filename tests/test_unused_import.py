"""Issue 14 item 11: an ACF102 rename that leaves the old import unused removes that import."""

from __future__ import annotations

import json

import pytest

from ac_fixer.api import Settings, check_source, fix_source
from ac_fixer.notebooks import fix_notebook

SETTINGS = Settings()


def _fix(source: str, path: str = "m.py") -> str:
    return fix_source(source.encode(), path, SETTINGS).source.decode()


def test_the_only_use_renamed_renames_the_import():
    source = "from torch.nn.functional import upsample_bilinear\n\ny = upsample_bilinear(x, scale_factor=2)\n"
    assert _fix(source) == (
        "from torch.nn.functional import interpolate\n\n"
        'y = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)\n'
    )


def test_other_names_of_the_same_import_are_kept():
    source = "from torch.nn.functional import pad, upsample_nearest, relu\n\ny = upsample_nearest(pad(x, (1, 1)), 2)\n"
    assert _fix(source) == (
        "from torch.nn.functional import pad, interpolate, relu\n\n"
        'y = interpolate(pad(x, (1, 1)), 2, mode="nearest")\n'
    )


def test_every_call_is_renamed_in_the_same_fix():
    source = (
        "from torch.nn import UpsamplingBilinear2d\n\n"
        "a = UpsamplingBilinear2d(scale_factor=2)\n"
        "def f():\n    return UpsamplingBilinear2d(size=(4, 4))\n"
    )
    fixed = _fix(source)
    assert fixed == (
        "from torch.nn import Upsample\n\n"
        'a = Upsample(scale_factor=2, mode="bilinear", align_corners=True)\n'
        'def f():\n    return Upsample(size=(4, 4), mode="bilinear", align_corners=True)\n'
    )
    # each finding's own fix carries the whole rename (a partial fix never leaves a dangling name)
    findings = check_source(source.encode(), "m.py", SETTINGS)
    assert len(findings) == 2
    for finding in findings:
        single = fix_source(source.encode(), "m.py", SETTINGS, accept=lambda f, t=finding: f.line == t.line)
        assert single.source.decode() == fixed


@pytest.mark.parametrize(
    "use",
    [
        "resize = upsample_bilinear\n",
        "print(upsample_bilinear.__doc__)\n",
        "__all__ = ['upsample_bilinear']\n",
        '__all__ = ["other"]\n__all__ += ["upsample_bilinear"]\n',
    ],
)
def test_a_name_used_elsewhere_or_exported_stays(use):
    source = "from torch.nn.functional import upsample_bilinear\n\ny = upsample_bilinear(x, scale_factor=2)\n" + use
    assert _fix(source) == (
        "from torch.nn.functional import upsample_bilinear, interpolate\n\n"
        'y = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)\n' + use
    )


def test_a_package_init_keeps_its_imports():
    source = "from torch.nn.functional import upsample_bilinear\n\ny = upsample_bilinear(x, scale_factor=2)\n"
    assert _fix(source, "pkg/__init__.py").startswith("from torch.nn.functional import upsample_bilinear, interpolate\n")


def test_the_new_name_already_imported_removes_the_old_name():
    source = (
        "from torch.nn.functional import interpolate, upsample_bilinear\n\n"
        "y = upsample_bilinear(x, scale_factor=2)\nz = interpolate(y, scale_factor=2)\n"
    )
    assert _fix(source) == (
        "from torch.nn.functional import interpolate\n\n"
        'y = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)\nz = interpolate(y, scale_factor=2)\n'
    )


def test_a_whole_import_statement_goes_and_the_comment_above_it_stays():
    source = (
        "import torch\n"
        "from torch.nn.functional import interpolate\n"
        "# helpers\n"
        "from torch.nn.functional import upsample_nearest  # old\n"
        "y = upsample_nearest(x, scale_factor=2)\n"
    )
    assert _fix(source) == (
        "import torch\n"
        "from torch.nn.functional import interpolate\n"
        "# helpers\n"
        'y = interpolate(x, scale_factor=2, mode="nearest")\n'
    )


def test_the_last_name_of_a_parenthesized_import():
    source = (
        "from torch.nn.functional import (\n    interpolate,\n    upsample_bilinear,\n)\n"
        "y = upsample_bilinear(x, scale_factor=2)\n"
    )
    assert _fix(source) == (
        "from torch.nn.functional import (\n    interpolate,\n)\n"
        'y = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)\n'
    )


def test_acf101_keeps_its_import():
    """ACF101 (upsample) keeps a module-level name for other modules: unchanged behavior."""
    source = "from torch.nn.functional import upsample\n\ny = upsample(x, scale_factor=2)\n"
    assert _fix(source).startswith("from torch.nn.functional import upsample, interpolate\n")


def _notebook(*sources) -> bytes:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
        for source in sources
    ]
    return (json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n").encode()


def _cells(source: bytes) -> list:
    return [cell["source"] for cell in json.loads(source)["cells"]]


IMPORT_CELL = ["from torch.nn.functional import upsample_bilinear"]
CALL_CELL = ["y = upsample_bilinear(x, scale_factor=2)"]


def test_notebook_import_removed_when_no_cell_uses_it():
    result = fix_notebook(_notebook(IMPORT_CELL, CALL_CELL), "nb.ipynb", SETTINGS, fix=True)
    assert _cells(result.source) == [
        ["from torch.nn.functional import interpolate"],
        ['y = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)'],
    ]


@pytest.mark.parametrize(
    "later",
    [["z = upsample_bilinear\n"], ["%timeit upsample_bilinear(x, scale_factor=2)\n"], ["!echo {upsample_bilinear}\n"]],
)
def test_notebook_import_kept_when_a_later_cell_uses_it(later):
    result = fix_notebook(_notebook(IMPORT_CELL, CALL_CELL, later), "nb.ipynb", SETTINGS, fix=True)
    cells = _cells(result.source)
    assert cells[0] == ["from torch.nn.functional import upsample_bilinear, interpolate"]
    assert cells[2] == later


def test_one_name_renamed_and_one_kept_in_the_same_import():
    source = (
        "from torch.nn.functional import upsample_bilinear, upsample_nearest\n"
        "a = upsample_bilinear(x, scale_factor=2)\n"
        "b = upsample_nearest(x, scale_factor=2)\n"
        "keep = upsample_nearest\n"
    )
    assert _fix(source) == (
        "from torch.nn.functional import interpolate, upsample_nearest\n"
        'a = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)\n'
        'b = interpolate(x, scale_factor=2, mode="nearest")\n'
        "keep = upsample_nearest\n"
    )


def test_a_name_renamed_in_an_earlier_import_is_not_added_again():
    source = (
        "from torch.nn.functional import upsample_bilinear\n"
        "from torch.nn.functional import upsample_nearest\n"
        "a = upsample_bilinear(x, scale_factor=2)\n"
        "b = upsample_nearest(x, scale_factor=2)\n"
        "keep = upsample_nearest\n"
    )
    assert _fix(source) == (
        "from torch.nn.functional import interpolate\n"
        "from torch.nn.functional import upsample_nearest\n"
        'a = interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)\n'
        'b = interpolate(x, scale_factor=2, mode="nearest")\n'
        "keep = upsample_nearest\n"
    )
    # each fix alone is still complete
    for line in (3, 4):
        single = fix_source(source.encode(), "m.py", SETTINGS, accept=lambda f, n=line: f.line == n).source.decode()
        compile(single, "m.py", "exec")
        assert "interpolate(" in single.splitlines()[line - 1]
        assert "import interpolate" in single or "upsample_nearest, interpolate" in single

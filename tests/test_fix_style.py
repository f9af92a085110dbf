"""Issue 14 item 10: the inserted keyword follows the file's style and the project's line length."""

from __future__ import annotations

import ast

import pytest

from ac_fixer.api import Settings, fix_source
from ac_fixer.config import find_line_length
from tests.conftest import run_cli

HEADER = "import torch.nn.functional as F\nimport torch.nn as nn\n"


def _fix(body: str, **settings) -> str:
    return fix_source((HEADER + body).encode(), "m.py", Settings(**settings)).source.decode()[len(HEADER):]


def test_spaced_keywords_get_a_spaced_keyword():
    assert _fix("y = F.interpolate(x, scale_factor = 2, mode = 'bilinear')\n") == (
        "y = F.interpolate(x, scale_factor = 2, mode = 'bilinear', align_corners = False)\n"
    )


def test_unspaced_keywords_stay_unspaced():
    assert _fix("y = F.interpolate(x, scale_factor=2, mode='bilinear')\n") == (
        "y = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)\n"
    )


def test_spaced_keywords_in_a_multiline_call():
    body = "y = F.interpolate(\n    x,\n    mode = 'bicubic',\n)\n"
    assert _fix(body) == "y = F.interpolate(\n    x,\n    mode = 'bicubic',\n    align_corners = False,\n)\n"


LONG = "    up = F.interpolate(features, size=(height, width), mode='bilinear')\n"


def test_no_limit_keeps_one_line():
    body = "def f(features, height, width):\n" + LONG
    assert _fix(body) == "def f(features, height, width):\n" + LONG.replace("')", "', align_corners=False)")


def test_a_line_over_the_limit_is_exploded_one_argument_per_line():
    body = "def f(features, height, width):\n" + LONG
    fixed = _fix(body, line_length=79)
    assert fixed == (
        "def f(features, height, width):\n"
        "    up = F.interpolate(\n"
        "        features,\n"
        "        size=(height, width),\n"
        "        mode='bilinear',\n"
        "        align_corners=False,\n"
        "    )\n"
    )
    assert max(len(line) for line in fixed.splitlines()) <= 79
    # AST-equal but for the new keyword; a second fix changes nothing
    new = ast.dump(ast.parse(HEADER + fixed))
    old = ast.dump(ast.parse(HEADER + body.replace("')", "', align_corners=False)")))
    assert new == old
    again = fix_source((HEADER + fixed).encode(), "m.py", Settings(line_length=79))
    assert not again.changed


def test_a_line_that_fits_stays_on_one_line():
    body = "def f(features, height, width):\n" + LONG
    assert _fix(body, line_length=100) == "def f(features, height, width):\n" + LONG.replace("')", "', align_corners=False)")


def test_explode_keeps_tabs_and_comments_after_the_call():
    body = "def f(features, height, width):\n\tup = F.interpolate(features, size=(height, width), mode='bilinear')  # up\n"
    assert _fix(body, line_length=60) == (
        "def f(features, height, width):\n"
        "\tup = F.interpolate(\n"
        "\t\tfeatures,\n"
        "\t\tsize=(height, width),\n"
        "\t\tmode='bilinear',\n"
        "\t\talign_corners=False,\n"
        "\t)  # up\n"
    )


def test_explode_of_a_spaced_call_on_a_continuation_line():
    body = "z = g(a,\n      F.grid_sample(inputs_tensor, sampling_grid, mode = 'nearest'))\n"
    assert _fix(body, line_length=50) == (
        "z = g(a,\n"
        "      F.grid_sample(\n"
        "          inputs_tensor,\n"
        "          sampling_grid,\n"
        "          mode = 'nearest',\n"
        "          align_corners = False,\n"
        "      ))\n"
    )


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}, 100),
        ({"pyproject.toml": "[tool.ruff.lint.pycodestyle]\nmax-line-length = 90\n"}, 90),
        ({"pyproject.toml": "[tool.black]\nline-length = 79\n"}, 79),
        ({"pyproject.toml": "[project]\nname = 'x'\n", "setup.cfg": "[flake8]\nmax-line-length = 99\n"}, 99),
        ({"pyproject.toml": "", "tox.ini": "[flake8]\nmax_line_length = 98\n"}, 98),
        ({"pyproject.toml": "", ".flake8": "[flake8]\nmax-line-length = 97\n"}, 97),
        ({"pyproject.toml": "", "ruff.toml": "line-length = 96\n"}, 96),
        ({"pyproject.toml": "[tool.black]\nline-length = 100\n", ".flake8": "[flake8]\nmax-line-length = 88\n"}, 88),
        ({"pyproject.toml": "[tool.isort]\nprofile = 'black'\n"}, None),
    ],
)
def test_find_line_length(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (package / "m.py").write_text("")
    assert find_line_length(package / "m.py") == expected


def test_find_line_length_stops_at_the_project_root(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\nmax-line-length = 60\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "m.py").write_text("")
    assert find_line_length(project / "m.py") is None


def test_cli_fix_uses_the_project_line_length(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 79\n")
    path = tmp_path / "m.py"
    path.write_text(HEADER + "def f(features, height, width):\n" + LONG)
    result = run_cli(["check", "--fix", "--no-cache", "m.py"], cwd=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert max(len(line) for line in path.read_text().splitlines()) <= 79
    assert "        align_corners=False,\n    )\n" in path.read_text()


# --------------------------------------------------------------------------- property

from hypothesis import given  # noqa: E402

from tests.test_properties import SETTINGS as PROPERTY_SETTINGS  # noqa: E402
from tests.test_properties import _comments, _normalized, calls  # noqa: E402


@PROPERTY_SETTINGS
@given(calls())
def test_with_a_line_length_the_fix_still_adds_only_the_flag(case):
    """The generated calls of test_properties, fixed under a short line length: the AST differs
    only by align_corners=False, comments are kept in order, a second fix changes nothing."""
    settings = Settings(line_length=40)
    result = fix_source(case.source.encode(), "m.py", settings)
    assert result.changed
    fixed = result.source.decode()
    before_dump, _ = _normalized(case.source, case)
    after_dump, after_flags = _normalized(fixed, case)
    assert after_dump == before_dump, f"\n{case.source}\n---\n{fixed}"
    assert after_flags == ["False"], fixed
    assert _comments(fixed) == _comments(case.source)
    newline = "\r\n" if "\r\n" in case.source else "\n"
    assert fixed.count("\n") == fixed.count(newline)
    again = fix_source(result.source, "m.py", settings)
    assert not again.changed


def test_nested_calls_both_exploded_are_indented_by_level():
    body = "def f(x, g):\n    return F.grid_sample(F.interpolate(x, scale_factor=2, mode='bilinear'), g, mode='bilinear')\n"
    assert _fix(body, line_length=60) == (
        "def f(x, g):\n"
        "    return F.grid_sample(\n"
        "        F.interpolate(\n"
        "            x,\n"
        "            scale_factor=2,\n"
        "            mode='bilinear',\n"
        "            align_corners=False,\n"
        "        ),\n"
        "        g,\n"
        "        mode='bilinear',\n"
        "        align_corners=False,\n"
        "    )\n"
    )


def test_hanging_indent_call_gets_the_keyword_on_a_line_of_its_own():
    body = (
        "def f(features, height, width):\n"
        "    up = F.interpolate(features,\n"
        "                       size=(height, width), mode='bilinear')  # up\n"
    )
    assert _fix(body, line_length=79) == (
        "def f(features, height, width):\n"
        "    up = F.interpolate(features,\n"
        "                       size=(height, width), mode='bilinear',\n"
        "                       align_corners=False)  # up\n"
    )
    # without a limit (or when it fits) it stays on the last line
    assert _fix(body).endswith("mode='bilinear', align_corners=False)  # up\n")
    assert _fix(body, line_length=100).endswith("mode='bilinear', align_corners=False)  # up\n")

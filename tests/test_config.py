"""``[tool.ac-fixer]`` in the nearest pyproject.toml, and ``--config FILE`` (docs/contract.md §6).

Keys: select, ignore, exclude (gitignore-style), value, extend-targets. Configuration
errors name the file and the key, exit 2, and never show a traceback.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main
from ac_fixer.config import ConfigError, find_config

HEADER = "import torch.nn.functional as F\n"
SOURCE = HEADER + (
    'a = F.interpolate(x, mode="bilinear")\n'  # 2: ACF001
    "b = F.grid_sample(x, grid)\n"  # 3: ACF002
    "c = F.upsample(x, scale_factor=2)\n"  # 4: ACF101
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "project", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def write(path, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(text), encoding="utf-8")
    return target


def codes(*args: str) -> list:
    result = check("--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return [(r["path"], r["line"], r["code"]) for r in json.loads(result.stdout)]


def pyproject(body: str, folder: str = ".") -> Path:
    return write(Path(folder) / "pyproject.toml", "[tool.ac-fixer]\n" + textwrap.dedent(body))


# --------------------------------------------------------------------------- select / ignore / value


def test_no_configuration_reports_everything():
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("m.py")] == ["ACF001", "ACF002", "ACF101"]


def test_select_from_pyproject():
    pyproject('select = ["ACF00"]\n')
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("m.py")] == ["ACF001", "ACF002"]


def test_ignore_from_pyproject():
    pyproject('ignore = ["ACF002", "ACF1"]\n')
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("m.py")] == ["ACF001"]


def test_command_line_select_replaces_and_ignore_adds():
    pyproject('select = ["ACF001"]\nignore = ["ACF101"]\n')
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("--select", "ACF1", "m.py")] == []  # ACF101 still ignored by the file
    assert [c for _, _, c in codes("--select", "ACF", "m.py")] == ["ACF001", "ACF002"]
    assert [c for _, _, c in codes("--ignore", "ACF001", "m.py")] == []


def test_value_true_from_pyproject_and_command_line_override():
    pyproject("value = true\n")
    path = write("m.py", HEADER + 'a = F.interpolate(x, mode="bilinear")\n')
    result = check("--diff", "m.py")
    assert '+a = F.interpolate(x, mode="bilinear", align_corners=True)' in result.stdout
    result = check("--diff", "--value", "false", "m.py")
    assert '+a = F.interpolate(x, mode="bilinear", align_corners=False)' in result.stdout
    result = check("--fix", "m.py")
    assert result.exit_code == 0, result.output
    assert path.read_text().endswith('F.interpolate(x, mode="bilinear", align_corners=True)\n')
    assert "changes what the fixed calls compute" in result.stdout  # said out loud, not silently


def test_value_accepts_the_strings_true_and_false():
    pyproject('value = "true"\n')
    write("m.py", HEADER + "g = F.grid_sample(x, grid)\n")
    assert "align_corners=True" in check("--diff", "m.py").stdout


# --------------------------------------------------------------------------- nearest pyproject.toml


def test_nearest_pyproject_upward_from_the_checked_path(tmp_path):
    pyproject('select = ["ACF002"]\n')
    pyproject('select = ["ACF101"]\n', folder="sub")
    write("sub/deep/er/m.py", SOURCE)
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("sub/deep/er/m.py")] == ["ACF101"]
    assert [c for _, _, c in codes("sub")] == ["ACF101"]
    assert [c for _, _, c in codes("m.py")] == ["ACF002"]


def test_each_path_gets_its_own_nearest_pyproject():
    pyproject('select = ["ACF001"]\n', folder="a")
    pyproject('select = ["ACF002"]\n', folder="b")
    write("a/m.py", SOURCE)
    write("b/m.py", SOURCE)
    assert codes("a/m.py", "b/m.py") == [
        (os.path.join("a", "m.py"), 2, "ACF001"),
        (os.path.join("b", "m.py"), 3, "ACF002"),
    ]


def test_pyproject_without_the_table_is_skipped():
    pyproject('select = ["ACF002"]\n')
    write("sub/pyproject.toml", '[project]\nname = "x"\n')
    write("sub/m.py", SOURCE)
    assert [c for _, _, c in codes("sub/m.py")] == ["ACF002"]


def test_configuration_follows_the_path_not_the_working_directory(monkeypatch):
    pyproject('select = ["ACF101"]\n', folder="a")
    write("a/m.py", SOURCE)
    write("b/keep.txt", "")
    monkeypatch.chdir("b")
    assert [c for _, _, c in codes("../a/m.py")] == ["ACF101"]


def test_find_config_returns_the_file_and_its_folder():
    path = pyproject('exclude = ["gen/"]\n', folder="proj")
    write("proj/src/m.py", "x = 1\n")
    config = find_config(Path("proj/src/m.py"))
    assert config.path == path.resolve()
    assert config.base == path.resolve().parent
    assert config.exclude == ("gen/",)


# --------------------------------------------------------------------------- exclude


def test_exclude_is_gitignore_style_relative_to_the_pyproject():
    pyproject('exclude = ["generated/", "*_pb2.py", "/top_only.py", "!keep_pb2.py"]\n')
    for name in (
        "generated/a.py", "pkg/generated/b.py", "pkg/m_pb2.py", "keep_pb2.py", "top_only.py",
        "pkg/top_only.py", "pkg/ok.py",
    ):
        write(name, HEADER + 'y = F.interpolate(x, mode="bilinear")\n')
    found = sorted(path for path, _, _ in codes("."))
    assert found == sorted(os.path.join(*p.split("/")) for p in ("keep_pb2.py", "pkg/ok.py", "pkg/top_only.py"))


def test_exclude_applies_when_checking_a_subfolder():
    pyproject('exclude = ["pkg/vendor/"]\n')
    write("pkg/vendor/v.py", HEADER + 'y = F.interpolate(x, mode="bilinear")\n')
    write("pkg/own.py", HEADER + 'y = F.interpolate(x, mode="bilinear")\n')
    assert [p for p, _, _ in codes("pkg")] == [os.path.join("pkg", "own.py")]


def test_excluded_file_named_explicitly_is_checked():
    pyproject('exclude = ["gen/"]\n')
    write("gen/g.py", HEADER + 'y = F.interpolate(x, mode="bilinear")\n')
    assert codes(".") == []
    assert [c for _, _, c in codes("gen/g.py")] == ["ACF001"]


# --------------------------------------------------------------------------- extend-targets

WRAPPER_CONFIG = """\
[[tool.ac-fixer.extend-targets]]
name = "mypkg.ops.resize"
mode-position = 2
mode-keyword = "mode"
align-corners-position = 3
default-mode = "nearest"
"""

WRAPPER_USE = (
    "from mypkg.ops import resize\n"
    "import mypkg.ops as ops\n"
    'y = resize(x, 2, "bilinear")\n'  # 3: ACF001
    'z = ops.resize(x, 2, mode="bicubic")\n'  # 4: ACF001, through the module alias
    "w = resize(x, 2)\n"  # 5: default mode nearest: fine
    'v = resize(x, 2, "bilinear", False)\n'  # 6: passed by position: fine
    'u = resize(x, 2, "nearest", True)\n'  # 7: ACF004
    'def f(m):\n    return resize(x, 2, m)\n'  # 9: ACF003
    'from other import resize as other_resize\nother_resize(x, 2, "bilinear")\n'  # 11: not the wrapper
)


def test_extend_targets_reports_a_wrapper_like_torch_own():
    write("pyproject.toml", WRAPPER_CONFIG)
    write("use.py", WRAPPER_USE)
    result = check("--output-format", "json", "use.py")
    records = json.loads(result.stdout)
    assert [(r["line"], r["code"]) for r in records] == [(3, "ACF001"), (4, "ACF001"), (7, "ACF004"), (9, "ACF003")]
    assert records[0]["function"] == "mypkg.ops.resize"
    assert records[0]["mode"] == "bilinear" and records[1]["mode"] == "bicubic"


def test_extend_targets_fix():
    write("pyproject.toml", WRAPPER_CONFIG)
    path = write("use.py", WRAPPER_USE)
    result = check("--fix", "use.py")
    assert result.exit_code == 1  # ACF003 and ACF004 (unsafe) remain
    lines = path.read_text().splitlines()
    assert lines[2] == 'y = resize(x, 2, "bilinear", align_corners=False)'
    assert lines[3] == 'z = ops.resize(x, 2, mode="bicubic", align_corners=False)'
    assert lines[4:] == WRAPPER_USE.splitlines()[4:]


def test_extend_targets_inline_table_form_and_default_mode():
    pyproject('extend-targets = [{ name = "mypkg.ops.resize", default-mode = "bilinear" }]\n')
    write("use.py", "from mypkg.ops import resize\nresize(x, 2)\nresize(x, 2, mode='nearest')\n")
    result = check("--diff", "use.py")
    assert "+resize(x, 2, align_corners=False)" in result.stdout
    assert [r for _, r, _ in codes("use.py")] == [2]


def test_extend_targets_every_mode_is_acf002_like():
    pyproject('extend-targets = [{ name = "mypkg.warp", every-mode = true }]\n')
    write("use.py", "import mypkg\nmypkg.warp(x, grid)\n")
    assert [c for _, _, c in codes("use.py")] == ["ACF002"]


def test_extend_targets_mode_keyword_defaults_to_mode():
    pyproject('extend-targets = [{ name = "mypkg.ops.resize", mode-position = 2, align-corners-position = 3 }]\n')
    write("use.py", 'from mypkg.ops import resize\nresize(x, 2, mode="bicubic")\n')
    assert [c for _, _, c in codes("use.py")] == ["ACF001"]


# --------------------------------------------------------------------------- --config FILE


def test_config_file_overrides_pyproject():
    pyproject('select = ["ACF001"]\n')
    write("other.toml", '[tool.ac-fixer]\nselect = ["ACF002"]\n')
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("m.py")] == ["ACF001"]
    assert [c for _, _, c in codes("--config", "other.toml", "m.py")] == ["ACF002"]


def test_config_file_with_top_level_keys():
    pyproject('select = ["ACF001"]\n')
    write("ac-fixer.toml", 'select = ["ACF101"]\n')
    write("m.py", SOURCE)
    assert [c for _, _, c in codes("--config", "ac-fixer.toml", "m.py")] == ["ACF101"]


def test_config_file_that_has_no_table_is_an_error():
    write("other.toml", '[tool.black]\nline-length = 100\n')
    write("m.py", SOURCE)
    result = check("--config", "other.toml", "m.py")
    assert result.exit_code == 2
    assert "other.toml" in result.stderr and "[tool.ac-fixer]" in result.stderr


def test_missing_config_file_is_an_error():
    write("m.py", SOURCE)
    result = check("--config", "nope.toml", "m.py")
    assert result.exit_code == 2
    assert "nope.toml" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- errors

BAD_CONFIGS = [
    ('selec = ["ACF001"]\n', "'selec'"),
    ("select = 3\n", ".select"),
    ('select = ["E501"]\n', ".select"),
    ('ignore = [1]\n', ".ignore"),
    ("exclude = 1\n", ".exclude"),
    ('value = "maybe"\n', ".value"),
    ("value = 1\n", ".value"),
    ('extend-targets = { name = "a.b" }\n', ".extend-targets"),
    ('extend-targets = [{ name = "a.b", colour = 1 }]\n', "'colour'"),
    ('extend-targets = [{ name = "resize" }]\n', "extend-targets[0].name"),
    ('extend-targets = [{ name = "a.b", mode-position = "2" }]\n', "extend-targets[0].mode-position"),
    ('extend-targets = [{ name = "a.b", mode-position = -1 }]\n', "extend-targets[0].mode-position"),
    ('extend-targets = [{ name = "a.b", every-mode = "yes" }]\n', "extend-targets[0].every-mode"),
    ('extend-targets = [{ name = "a.b", default-mode = 3 }]\n', "extend-targets[0].default-mode"),
]


BAD_CONFIG_IDS = [f"{i}-{body.split('=')[0].strip()}" for i, (body, _) in enumerate(BAD_CONFIGS)]


@pytest.mark.parametrize("body, names", BAD_CONFIGS, ids=BAD_CONFIG_IDS)
def test_bad_configuration_is_a_clear_error(body, names):
    path = pyproject(body)
    write("m.py", SOURCE)
    result = check("m.py")
    assert result.exit_code == 2, result.output
    assert str(path.resolve()) in result.stderr
    assert names in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert result.stdout == ""  # nothing checked, nothing reported


@pytest.mark.parametrize("body, names", BAD_CONFIGS[:3])
def test_bad_configuration_through_config_option(body, names):
    write("cfg.toml", "[tool.ac-fixer]\n" + body)
    write("m.py", SOURCE)
    result = check("--config", "cfg.toml", "m.py")
    assert result.exit_code == 2
    assert "cfg.toml" in result.stderr and names in result.stderr


def test_invalid_toml_is_a_clear_error():
    write("pyproject.toml", "[tool.ac-fixer\nselect = 1\n")
    write("m.py", SOURCE)
    result = check("m.py")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and "invalid TOML" in result.stderr
    assert "Traceback" not in result.output


def test_config_error_names_the_key_in_the_exception():
    pyproject('valeu = true\n')
    expected = r"unknown key 'valeu'.*known: select, ignore, exclude, value, extend-targets"
    with pytest.raises(ConfigError, match=expected):
        find_config(Path("."))

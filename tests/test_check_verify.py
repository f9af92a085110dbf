"""``check --fix --verify``: writes only the fixes the runtime check found to keep every
output bitwise, also with ``--value true``; ``--device`` as ``verify`` has it (issue 14, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main

torch = pytest.importorskip("torch")

HEADER = "import torch\nimport torch.nn.functional as F\n"
BILINEAR = 'a = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
# upsample's default mode is nearest: the rename to interpolate keeps the output, whatever --value says
RENAME = "b = F.upsample(x, scale_factor=2)\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)


def test_verify_with_value_true_writes_only_fixes_found_equal():
    path = Path("m.py")
    path.write_text(HEADER + BILINEAR + RENAME)
    result = check("--fix", "--verify", "--value", "true", "--device", "cpu", "m.py")
    fixed = path.read_text()
    # align_corners=True changes what the bilinear call computes: not written
    assert BILINEAR in fixed and "align_corners=True" not in fixed
    # the rename reproduces the output bitwise: written
    assert "F.upsample" not in fixed and "b = F.interpolate(x, scale_factor=2)" in fixed
    assert "m.py:3:" in result.stderr and "not fixed" in result.stderr
    assert result.exit_code == 1  # the bilinear finding remains


def test_verify_with_value_false_writes_the_equal_fix():
    path = Path("m.py")
    path.write_text(HEADER + BILINEAR)
    result = check("--fix", "--verify", "--device", "cpu", "m.py")
    assert result.exit_code == 0, result.output
    assert "align_corners=False" in path.read_text()


def test_check_verify_on_a_missing_device_is_an_error_and_writes_nothing():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    path = Path("m.py")
    path.write_text(HEADER + BILINEAR)
    result = check("--fix", "--verify", "--device", "cuda", "m.py")
    assert result.exit_code == 2
    assert "CUDA is not available" in result.stderr
    assert path.read_text() == HEADER + BILINEAR


def test_check_device_has_verify_choices_and_default():
    def device_option(command: str):
        (option,) = [p for p in main.commands[command].params if p.name == "device"]
        return option

    check_option, verify_option = device_option("check"), device_option("verify")
    assert list(check_option.type.choices) == list(verify_option.type.choices)
    assert check_option.default == verify_option.default == "auto"


def test_device_without_verify_is_a_usage_error():
    Path("m.py").write_text(HEADER + BILINEAR)
    result = check("--fix", "--device", "cpu", "m.py")
    assert result.exit_code == 2 and "--device" in result.stderr

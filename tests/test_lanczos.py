"""Issue 14 item 6: lanczos with align_corners=True raises in torch; reported as ACF004."""

from __future__ import annotations

import pytest

from ac_fixer import catalog as cat
from ac_fixer.api import Settings, check_source, fix_source

HEADER = "import torch.nn.functional as F\nimport torch.nn as nn\n"


def _codes(body: str, **settings):
    return [f.code for f in check_source((HEADER + body).encode(), "m.py", Settings(**settings))]


def test_catalog_says_which_modes_reject_true():
    catalog = cat.default_catalog()
    assert catalog.modes_rejecting_true == frozenset({"lanczos"})
    assert catalog.modes_rejecting_true <= catalog.modes_using_flag


@pytest.mark.parametrize(
    "call",
    [
        'F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=True, antialias=True)',
        'F.interpolate(x, None, 2, "lanczos", True, antialias=True)',
        'F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=1, antialias=True)',
    ],
)
def test_lanczos_with_true_is_acf004(call):
    findings = check_source((HEADER + f"y = {call}\n").encode(), "m.py", Settings())
    assert [f.code for f in findings] == ["ACF004"]
    assert "align_corners=True" in findings[0].message
    assert findings[0].unsafe


@pytest.mark.parametrize(
    "call",
    [
        'F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=False, antialias=True)',
        'F.interpolate(x, scale_factor=2, mode="lanczos" if c else "bilinear", align_corners=True)',
        'F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)',
        'F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=flag, antialias=True)',
    ],
)
def test_no_acf004_when_true_is_not_certain_to_raise(call):
    assert _codes(f"y = {call}\n") == []


def test_fix_writes_false_only_with_unsafe_fixes():
    """Removing the flag would leave it implicit (ACF001 next run): the fix writes the False that
    removing it means, in one step, and the result has nothing left to report."""
    source = (HEADER + 'y = F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=True, antialias=True)\n').encode()
    assert fix_source(source, "m.py", Settings()).source == source
    fixed = fix_source(source, "m.py", Settings(unsafe_fixes=True)).source
    assert fixed == (
        HEADER + 'y = F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=False, antialias=True)\n'
    ).encode()
    assert check_source(fixed, "m.py", Settings(unsafe_fixes=True)) == []
    positional = (HEADER + 'y = F.interpolate(x, None, 2, "lanczos", True, antialias=True)\n').encode()
    assert fix_source(positional, "m.py", Settings(unsafe_fixes=True)).source == positional.replace(b"True,", b"False,")


def test_lanczos_in_a_module_constant():
    body = 'MODE = "lanczos"\ny = F.interpolate(x, scale_factor=2, mode=MODE, align_corners=True, antialias=True)\n'
    assert _codes(body) == ["ACF004"]


def test_rule_docs_mention_lanczos_true():
    from ac_fixer.rules import RULES_BY_CODE

    rule = RULES_BY_CODE["ACF004"]
    assert "lanczos" in rule.what and "align_corners=True" in rule.what


def test_torch_agrees_with_the_catalog():
    torch = pytest.importorskip("torch")
    x = torch.rand(1, 1, 4, 4)
    for mode in cat.default_catalog().modes_rejecting_true:
        with pytest.raises(ValueError):
            torch.nn.functional.interpolate(x, scale_factor=2, mode=mode, align_corners=True, antialias=True)
        torch.nn.functional.interpolate(x, scale_factor=2, mode=mode, align_corners=False, antialias=True)


def test_verify_skips_the_lanczos_acf004_like_every_acf004():
    pytest.importorskip("torch")
    from ac_fixer.runtime.verify import verify_findings

    source = (HEADER + 'y = F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=True, antialias=True)\n').encode()
    (finding,) = check_source(source, "m.py", Settings())
    (result,) = verify_findings([finding], device="cpu")
    assert result.status == "skipped"
    assert "lanczos" in result.detail


def test_catalog_says_which_modes_need_antialias_and_torch_agrees():
    catalog = cat.default_catalog()
    assert catalog.modes_requiring_antialias == frozenset({"lanczos"})
    torch = pytest.importorskip("torch")
    x = torch.rand(1, 1, 4, 4)
    for mode in catalog.modes_requiring_antialias:
        with pytest.raises(ValueError):
            torch.nn.functional.interpolate(x, scale_factor=2, mode=mode, align_corners=False)

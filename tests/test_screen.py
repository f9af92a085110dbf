"""The cheap screens never drop a file that has a finding (issue 6's soundness test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ac_fixer.api import DEFAULT_SETTINGS, Settings, SourceError, _analyze, fix_source, might_have_findings
from ac_fixer.rules import RULES, example_module
from ac_fixer.screen import needs_analysis

ROOT = Path(__file__).resolve().parent.parent


def _findings(source: bytes):
    try:
        return _analyze(source, "<test>", DEFAULT_SETTINGS).findings
    except SourceError:
        return None


def _assert_sound(source: bytes) -> None:
    findings = _findings(source)
    if findings:
        assert might_have_findings(source), "byte pre-filter dropped a file with findings"
        assert needs_analysis(source, DEFAULT_SETTINGS.catalog), "ast screen dropped a file with findings"
    # The slice the check analyzes (unrelated functions cut to stubs) reports the same.
    full, checked = _full_and_sliced(source)
    assert checked == full, "the sliced check reports other findings than the whole file"


def _corpus_files():
    for folder in (ROOT / "fixtures", ROOT / "tests" / "realworld"):
        if folder.is_dir():
            yield from sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", list(_corpus_files()), ids=lambda p: p.name)
def test_screen_keeps_every_fixture_with_findings(path):
    _assert_sound(path.read_bytes())


def _rule_examples():
    for rule in RULES:
        for snippet in rule.valid:
            yield snippet
        for snippet, _ in rule.invalid:
            yield snippet


@pytest.mark.parametrize("snippet", list(_rule_examples()))
def test_screen_keeps_every_rule_example_with_findings(snippet):
    _assert_sound(example_module(snippet).encode())


def test_screen_drops_files_whose_calls_are_all_clean():
    source = b"""import torch.nn.functional as F
import torch.nn as nn

def forward(self, x):
    x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    x = F.interpolate(x, scale_factor=2)
    x = F.interpolate(x, size=(3, 3), mode="nearest")
    x = F.grid_sample(x, grid, align_corners=True)
    x = self.upsample(x)
    up = nn.Upsample(scale_factor=2, mode="nearest")
    return isinstance(up, nn.Upsample)
"""
    assert _findings(source) == []
    assert not needs_analysis(source, DEFAULT_SETTINGS.catalog)


IMPORTS = [
    ("import torch", "torch.nn.functional.{f}"),
    ("import torch.nn.functional as F", "F.{f}"),
    ("from torch.nn import functional as nnf", "nnf.{f}"),
    ("from torch.nn.functional import {f}", "{f}"),
    ("from torch.nn.functional import {f} as renamed", "renamed"),
    ("from torch.nn.functional import *", "{f}"),
    ("import torch.nn.functional as F\nalias = F.{f}", "alias"),
    ("import torch.nn.functional as F\nfrom functools import partial", "partial(F.{f}, mode=MODE)"),
    ("import torch.nn.functional as F\nimport functools\np = functools.partial", "p(F.{f}, mode=MODE)"),
    ("import torch.nn.functional as F\nfrom functools import partial as P", "P(F.{f}, mode=MODE)"),
]
FUNCTIONS = ["interpolate", "upsample", "grid_sample", "affine_grid", "upsample_bilinear"]
MODES = ['"bilinear"', '"nearest"', "MODE", '"bicubic" if c else "nearest"', None]
FLAGS = [None, "align_corners=None", "align_corners=True", "align_corners=flag", "**kw"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(IMPORTS),
    st.sampled_from(FUNCTIONS),
    st.sampled_from(MODES),
    st.sampled_from(FLAGS),
    st.sampled_from(['MODE = "bilinear"', 'MODE = "nearest"', "MODE = pick()"]),
    st.booleans(),
)
def test_screen_is_sound_on_generated_programs(import_style, function, mode, flag, constant, inside_function):
    import_line, callee = import_style
    callee = callee.format(f=function)
    import_line = import_line.format(f=function)
    arguments = ["x", "grid" if function == "grid_sample" else "scale_factor=2"]
    if mode is not None and function != "affine_grid":
        arguments.append(f"mode={mode}")
    if flag is not None:
        arguments.append(flag)
    if "(F." in callee:
        call = f"{callee}"
    else:
        call = f"{callee}({', '.join(arguments)})"
    body = f"    y = {call}\n" if inside_function else f"y = {call}\n"
    unrelated = "def unrelated(a,  b):\n    return a\n"  # cut from the slice
    program = (
        f"{import_line}\n{constant}\n{unrelated}"
        + ("def f(x, grid, c, flag, kw):\n" if inside_function else "")
        + body
        + unrelated.replace("unrelated", "after")
    )
    _assert_sound(program.encode())
    _assert_same_fix(program.encode())


def _full_and_sliced(source: bytes):
    from ac_fixer.api import check_source

    full = [f.to_json() for f in _findings(source) or []]
    sliced = [f.to_json() for f in check_source(source, "<test>")]
    return full, sliced


@pytest.mark.parametrize("path", list(_corpus_files()), ids=lambda p: p.name)
def test_sliced_check_reports_what_the_whole_file_reports(path):
    source = path.read_bytes()
    if _findings(source) is None:
        pytest.skip("not parsable")
    full, sliced = _full_and_sliced(source)
    assert sliced == full


def test_slicing_keeps_bindings_that_decide_findings():
    source = b'''import torch.nn.functional as F
MODE = "bilinear"

def elsewhere():
    global MODE
    MODE = "nearest"

class Unrelated:
    def interpolate_like(self):
        return 1

def MODE2():
    pass

@decorator
def uses(x):
    return F.interpolate(x, mode=MODE) + F.interpolate(x, mode="bicubic")
'''
    from ac_fixer.screen import screen, slice_for_check

    sliced = slice_for_check(source, screen(source, DEFAULT_SETTINGS.catalog))
    assert sliced is not None and b"interpolate_like" not in sliced and b"def MODE2(): pass" in sliced
    assert b"global MODE" in sliced  # a body that binds a module-level name stays
    assert sliced.count(b"\n") == source.count(b"\n")
    full, cut = _full_and_sliced(source)
    assert cut == full and [f["code"] for f in cut] == ["ACF003", "ACF001"]


def test_slicing_keeps_functions_that_call_through_an_assigned_alias():
    # A regression: `resize = F.interpolate` at module level, called only inside
    # functions. The screen passed the file but the slice cut the calling functions.
    source = b'''import torch.nn.functional as F
resize = F.interpolate
up: object = resize

def f(x):
    return resize(x, scale_factor=2, mode="bilinear")

def g(x):
    return up(x, scale_factor=2, mode="bicubic")

def h(x):
    return x
'''
    from ac_fixer.screen import screen, slice_for_check

    sliced = slice_for_check(source, screen(source, DEFAULT_SETTINGS.catalog))
    assert sliced is not None and b"def h(): pass" in sliced and b"return resize(" in sliced
    full, cut = _full_and_sliced(source)
    assert cut == full and [(f["line"], f["code"]) for f in cut] == [(6, "ACF001"), (9, "ACF001")]


# --------------------------------------------------------------------------- fixes on the slice

FIX_SETTINGS = [
    DEFAULT_SETTINGS,
    Settings(unsafe_fixes=True),
    Settings(value=True, unsafe_fixes=True),
]


def _fixed_whole_and_sliced(source: bytes, settings):
    """``--fix`` as made (on the slice, lines carried back) and on the whole file."""
    from ac_fixer.api import _checked, _fix_module, fix_source

    whole = _checked(source, _fix_module(source, "<test>", settings, None), "<test>")
    sliced = fix_source(source, "<test>", settings)
    return whole, sliced


def _assert_same_fix(source: bytes) -> None:
    for settings_ in FIX_SETTINGS:
        try:
            whole, sliced = _fixed_whole_and_sliced(source, settings_)
        except SourceError:
            continue
        assert sliced.source == whole.source
        assert [f.to_json() for f in sliced.applied] == [f.to_json() for f in whole.applied]
        assert [f.to_json() for f in sliced.remaining] == [f.to_json() for f in whole.remaining]


@pytest.mark.parametrize("path", list(_corpus_files()), ids=lambda p: p.name)
def test_fix_on_the_slice_writes_what_the_whole_file_fix_writes(path):
    _assert_same_fix(path.read_bytes())


@pytest.mark.parametrize("snippet", list(_rule_examples()))
def test_fix_on_the_slice_matches_on_every_rule_example(snippet):
    _assert_same_fix(example_module(snippet).encode())


def test_fix_on_the_slice_keeps_cut_functions_byte_for_byte():
    unrelated = "def helper(a,\tb):  # odd spacing\r\n    return  a+b\r\n\r\n"
    source = (
        "import torch.nn.functional as F\r\n\r\n" + unrelated
        + "def up(x):\r\n    return F.interpolate(\r\n        x,\r\n        scale_factor=2,\r\n"
        "        mode='bilinear',\r\n    )\r\n\r\n" + unrelated.replace("helper", "other")
    ).encode()
    from ac_fixer.screen import screen, slice_for_check

    assert b"def helper(): pass" in slice_for_check(source, screen(source, DEFAULT_SETTINGS.catalog))
    result = fix_source(source, "<test>")
    assert result.source == source.replace(b"mode='bilinear',\r\n", b"mode='bilinear',\r\n        align_corners=False,\r\n")
    _assert_same_fix(source)


def test_carry_line_changes_refuses_a_change_on_a_line_the_slice_replaced():
    from ac_fixer.api import carry_line_changes

    source = b"a\nb\nc\nd\n"
    base = b"a\n\nc\nd\n"  # line 2 replaced
    assert carry_line_changes(source, base, b"a\n\nC\nd\n") == b"a\nb\nC\nd\n"
    assert carry_line_changes(source, base, b"a\nX\nc\nd\n") is None
    assert carry_line_changes(source, base, b"a\n\nnew\nc\nd\n") is None  # beside the replaced line
    assert carry_line_changes(source, base, b"a\n\nc\nnew\nd\n") == b"a\nb\nc\nnew\nd\n"
    assert carry_line_changes(source, b"a\n", b"a\n") is None  # not a slice of it


def test_fix_falls_back_to_the_whole_file_when_lines_cannot_be_carried(monkeypatch):
    from ac_fixer import api

    source = b"import torch.nn.functional as F\n\ndef other():\n    return 1\n\ndef f(x):\n    return F.interpolate(x, mode='bilinear')\n"
    expected = source.replace(b"'bilinear')", b"'bilinear', align_corners=False)")
    assert fix_source(source).source == expected
    monkeypatch.setattr(api, "carry_line_changes", lambda *args: None)
    parsed = []
    real_analyze = api._analyze
    monkeypatch.setattr(api, "_analyze", lambda s, *a: parsed.append(s) or real_analyze(s, *a))
    assert fix_source(source).source == expected
    assert parsed[-1] == source and b"def other(): pass" in parsed[0]

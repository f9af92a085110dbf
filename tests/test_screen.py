"""The cheap screens never drop a file that has a finding (issue 6's soundness test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import fuzz_examples

from ac_fixer.api import DEFAULT_SETTINGS, Settings, SourceError, analyze_source, fix_source
from ac_fixer.fast.prefilter import might_have_findings
from ac_fixer.rules import RULES, example_module
from ac_fixer.fast.screen import needs_analysis

ROOT = Path(__file__).resolve().parent.parent


def _findings(source: bytes):
    try:
        return analyze_source(source, "<test>", DEFAULT_SETTINGS).findings
    except SourceError:
        return None


def _assert_sound(source: bytes) -> None:
    findings = _findings(source)
    if findings:
        assert might_have_findings(source, DEFAULT_SETTINGS), "byte pre-filter dropped a file with findings"
        assert needs_analysis(source, DEFAULT_SETTINGS.catalog), "ast screen dropped a file with findings"
    # The slice the check analyzes (unrelated functions cut to stubs) reports the same.
    full, checked = _full_and_sliced(source)
    assert checked == full, "the sliced check reports other findings than the whole file"


def _corpus_files():
    for folder in (ROOT / "fixtures", ROOT / "tests" / "realworld"):
        if folder.is_dir():
            yield from sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", list(_corpus_files()), ids=lambda p: p.name)
def test_screens_slice_and_sliced_fix_are_sound_on_every_fixture(path):
    source = path.read_bytes()
    _assert_sound(source)
    _assert_same_fix(source)
    _assert_large_path_sound(source)


def _rule_examples():
    for rule in RULES:
        for snippet in rule.valid:
            yield snippet
        for snippet, _ in rule.invalid:
            yield snippet


@pytest.mark.parametrize("snippet", list(_rule_examples()))
def test_screens_slice_and_sliced_fix_are_sound_on_every_rule_example(snippet):
    source = example_module(snippet).encode()
    _assert_sound(source)
    _assert_same_fix(source)
    _assert_large_path_sound(source)


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


def _generated_call(import_style, function, mode, flag):
    """(import line, call expression) of a generated program."""
    import_line, callee = import_style
    callee = callee.format(f=function)
    arguments = ["x", "grid" if function == "grid_sample" else "scale_factor=2"]
    if mode is not None and function != "affine_grid":
        arguments.append(f"mode={mode}")
    if flag is not None:
        arguments.append(flag)
    call = callee if "(F." in callee else f"{callee}({', '.join(arguments)})"
    return import_line.format(f=function), call


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(
    st.sampled_from(IMPORTS),
    st.sampled_from(FUNCTIONS),
    st.sampled_from(MODES),
    st.sampled_from(FLAGS),
    st.sampled_from(['MODE = "bilinear"', 'MODE = "nearest"', "MODE = pick()"]),
    st.booleans(),
)
def test_screen_is_sound_on_generated_programs(import_style, function, mode, flag, constant, inside_function):
    import_line, call = _generated_call(import_style, function, mode, flag)
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
    from ac_fixer.fast.screen import screen, slice_for_check

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
    from ac_fixer.fast.screen import screen, slice_for_check

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
    from ac_fixer.api import checked_fix, fix_unscreened, fix_source

    whole = checked_fix(source, fix_unscreened(source, "<test>", settings, None), "<test>")
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


def test_fix_on_the_slice_keeps_cut_functions_byte_for_byte():
    unrelated = "def helper(a,\tb):  # odd spacing\r\n    return  a+b\r\n\r\n"
    source = (
        "import torch.nn.functional as F\r\n\r\n" + unrelated
        + "def up(x):\r\n    return F.interpolate(\r\n        x,\r\n        scale_factor=2,\r\n"
        "        mode='bilinear',\r\n    )\r\n\r\n" + unrelated.replace("helper", "other")
    ).encode()
    from ac_fixer.fast.screen import screen, slice_for_check

    assert b"def helper(): pass" in slice_for_check(source, screen(source, DEFAULT_SETTINGS.catalog))
    result = fix_source(source, "<test>")
    assert result.source == source.replace(b"mode='bilinear',\r\n", b"mode='bilinear',\r\n        align_corners=False,\r\n")
    _assert_same_fix(source)


def test_carry_line_changes_refuses_a_change_on_a_line_the_slice_replaced():
    from ac_fixer.fast.screen import carry_line_changes

    source = b"a\nb\nc\nd\n"
    base = b"a\n\nc\nd\n"  # line 2 replaced
    assert carry_line_changes(source, base, b"a\n\nC\nd\n") == b"a\nb\nC\nd\n"
    assert carry_line_changes(source, base, b"a\nX\nc\nd\n") is None
    assert carry_line_changes(source, base, b"a\n\nnew\nc\nd\n") is None  # beside the replaced line
    assert carry_line_changes(source, base, b"a\n\nc\nnew\nd\n") == b"a\nb\nc\nnew\nd\n"
    assert carry_line_changes(source, b"a\n", b"a\n") is None  # not a slice of it


def test_fix_falls_back_to_the_whole_file_when_lines_cannot_be_carried(monkeypatch):
    from ac_fixer import api
    from ac_fixer.fast import screen

    source = b"import torch.nn.functional as F\n\ndef other():\n    return 1\n\ndef f(x):\n    return F.interpolate(x, mode='bilinear')\n"
    expected = source.replace(b"'bilinear')", b"'bilinear', align_corners=False)")
    assert fix_source(source).source == expected
    monkeypatch.setattr(screen, "carry_line_changes", lambda *args: None)
    parsed = []
    real_analyze = api.analyze_source
    monkeypatch.setattr(api, "analyze_source", lambda s, *a: parsed.append(s) or real_analyze(s, *a))
    assert fix_source(source).source == expected
    assert parsed[-1] == source and b"def other(): pass" in parsed[0]


# --------------------------------------------------------------------------- large files, group by group

def _large_path_says_clean(source: bytes, group_chars: int) -> bool:
    from ac_fixer.fast import screen as screen_module

    saved = screen_module.GROUP_CHARS
    screen_module.GROUP_CHARS = group_chars
    try:
        return screen_module.large_file_is_clean(source, DEFAULT_SETTINGS.catalog)
    finally:
        screen_module.GROUP_CHARS = saved


def _whole_file_screen(source: bytes):
    from ac_fixer.fast import screen as screen_module

    saved = screen_module.LARGE_FILE_BYTES
    screen_module.LARGE_FILE_BYTES = 1 << 60
    try:
        return screen_module.screen(source, DEFAULT_SETTINGS.catalog)
    finally:
        screen_module.LARGE_FILE_BYTES = saved


def _assert_large_path_sound(source: bytes) -> None:
    """The group-by-group screen of large files calls a file clean only when the
    whole-file screen drops it too (so never a file with a finding)."""
    for group_chars in (0, 120):  # every column-0 statement its own group; small groups
        if _large_path_says_clean(source, group_chars):
            assert _whole_file_screen(source) is None, f"group screen ({group_chars}) dropped a file the whole screen keeps"
            assert not _findings(source)


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(
    st.sampled_from(IMPORTS),
    st.sampled_from(FUNCTIONS),
    st.sampled_from(MODES),
    st.sampled_from(FLAGS),
    st.sampled_from(["", "@decorator\n", "if c:\n    pass\nelse:\n    pass\n", 'DOC = """\ndef x(): pass\n"""\n']),
    st.booleans(),
)
def test_large_file_screen_is_sound_on_generated_programs(import_style, function, mode, flag, between, inside_function):
    import_line, call = _generated_call(import_style, function, mode, flag)
    body = f"def f(x, grid, c, flag, kw):\n    y = {call}\n" if inside_function else f"y = {call}\n"
    if between.startswith("@"):
        body = between + body if inside_function else body
        between = ""
    program = f"{import_line}\nMODE = 'bilinear'\n{between}def unrelated(a):\n    return a\n{body}"
    _assert_large_path_sound(program.encode())


LARGE_PATH_CASES = {
    # the alias is made in a later group than the call that uses it
    "alias bound after use": "import torch.nn.functional as F\ndef f(x):\n    return resize(x, mode='bilinear')\nresize = F.interpolate\n",
    "chained alias": "import torch.nn.functional as F\ndef f(x):\n    return up(x, mode='bilinear')\nup = resize\nresize = F.interpolate\n",
    "import alias in a later group": "def f(x):\n    return r(x, mode='bicubic')\nfrom torch.nn.functional import interpolate as r\n",
    "partial alias in another group": "import functools\nP = functools.partial\nimport torch.nn.functional as F\ng = P(F.interpolate, mode='bilinear')\n",
    "star import in another group": "from torch.nn.functional import *\nx = 1\ny = interpolate(x, mode='bilinear')\n",
    "future annotations, a call in an annotation": "from __future__ import annotations\nimport torch.nn.functional as F\ndef f(x: F.interpolate(x, mode='bilinear')):\n    pass\n",
    "dead code": "import torch.nn.functional as F\nif 0:\n    F.interpolate(x, mode='bilinear')\n",
    "column-0 text inside a string": 'import torch.nn.functional as F\nDOC = """\nnothing here\n"""\nF.interpolate(x, mode="bilinear")\n',
    "latin-1 cookie": "# -*- coding: latin-1 -*-\nimport torch.nn.functional as F\nNAME = '\xe9'\nF.interpolate(x, mode='bilinear')\n",
}


@pytest.mark.parametrize("name", sorted(LARGE_PATH_CASES))
def test_large_file_screen_keeps_files_with_findings(name):
    text = LARGE_PATH_CASES[name]
    source = text.encode("latin-1" if "latin-1" in text else "utf-8")
    assert _findings(source), "the case must have a finding"
    for group_chars in (0, 10, 120):
        assert not _large_path_says_clean(source, group_chars), group_chars


def test_large_file_screen_drops_names_in_strings_without_an_ast_of_them():
    clean_call = "F.interpolate(x, mode='nearest')\n"
    strings = "".join(f"OP_{i} = ('nn.functional.interpolate', 'grid_sample')\n" for i in range(50))
    source = ("import torch.nn.functional as F\n" + strings + clean_call).encode()
    assert _large_path_says_clean(source, 0) and _large_path_says_clean(source, 200)
    assert _whole_file_screen(source) is None


def test_large_file_screen_defers_to_the_whole_parse_on_errors():
    from ac_fixer.fast import screen as screen_module

    broken = b"import torch.nn.functional as F\nx = (\n1)\nF.interpolate(x, mode='nearest'\n"
    assert not _large_path_says_clean(broken, 0)
    # Brackets that balance: the groups are found, and their parse fails.
    balanced = b"import torch.nn.functional as F\nx = = 1\nF.interpolate(x, mode='nearest')\n"
    for group_chars in (0, 4096):
        assert not _large_path_says_clean(balanced, group_chars), group_chars
    misplaced_future = b"import torch.nn.functional as F\nfrom __future__ import annotations\nF.interpolate(x, mode='nearest')\n"
    assert not _large_path_says_clean(misplaced_future, 0)
    # A large file with a syntax error is named (by the screen's whole parse).
    big = b"import torch.nn.functional as F\n" + b"x = 1\n" * 60000 + b"F.interpolate(x, mode='bilinear'\n"
    assert len(big) >= screen_module.LARGE_FILE_BYTES
    assert screen_module.screen(big, DEFAULT_SETTINGS.catalog).error.startswith("syntax error")


@pytest.mark.slow
def test_large_file_screen_is_sound_on_the_benchmark_corpus():
    """Every candidate file of benchmarks/corpus (built by benchmarks/corpus.py), screened
    group by group with per-statement and with default groups."""
    corpus = ROOT / "benchmarks" / "corpus"
    if not corpus.is_dir():
        pytest.skip("no benchmarks/corpus: run python benchmarks/corpus.py")
    from ac_fixer.fast import screen as screen_module

    pattern = screen_module.whole_word_pattern(DEFAULT_SETTINGS.catalog.short_names())
    checked = 0
    for path in sorted(corpus.rglob("*.py")):
        source = path.read_bytes()
        if not pattern.search(source):
            continue
        checked += 1
        whole = _whole_file_screen(source)
        for group_chars in (0, screen_module.GROUP_CHARS):
            if _large_path_says_clean(source, group_chars):
                assert whole is None, (group_chars, path)
    assert checked > 100


# Regressions found in review: each of these was dropped by a screen or cut by the slice.
LOCAL_ANNOTATIONS = [
    "def f(x):\n    y: F.interpolate(x, mode='bilinear') = x\n    return y\n",
    "def f(x):\n    y: F.interpolate(x, mode='bilinear')\n",
    "class C:\n    def f(self, x):\n        self.y: F.interpolate(x, mode='bilinear') = 1\n",
    "def outer():\n    def f(x):\n        y[0]: F.interpolate(x, mode='bilinear') = 1\n",
]


@pytest.mark.parametrize("body", LOCAL_ANNOTATIONS)
def test_large_file_screen_parses_groups_whose_defs_name_a_watched_name_in_an_annotation(body):
    # Annotations of assignments in function bodies are never compiled: no bytecode names.
    source = ("import torch.nn.functional as F\n" + body).encode()
    assert _findings(source), "the case must have a finding"
    for group_chars in (0, 10, 120):
        assert not _large_path_says_clean(source, group_chars)


def test_large_file_screen_sees_private_names_mangled_in_a_class():
    source = b"from torch.nn.functional import interpolate as __up\nclass Net:\n    def forward(self, x):\n        return __up(x, mode='bilinear')\n"
    assert _findings(source)
    for group_chars in (0, 10, 120):
        assert not _large_path_says_clean(source, group_chars)


NON_ASCII_ALIASES = {
    "alias ending in a non-ASCII letter": "from torch.nn.functional import interpolate as resiz\u00e9\nresiz\u00e9(x, mode='bilinear')\n",
    "alias in NFKC form (fullwidth r)": "from torch.nn.functional import interpolate as \uff52\n\uff52(x, mode='bilinear')\n",
    "assigned alias, called in a function": "import torch.nn.functional as F\nr\u00e9 = F.interpolate\ndef other():\n    return 1\ndef g(x):\n    return r\u00e9(x, mode='bilinear')\n",
}


@pytest.mark.parametrize(
    "name, encoding",
    [(name, encoding) for name in sorted(NON_ASCII_ALIASES) for encoding in ("utf-8", "latin-1")
     if encoding == "utf-8" or all(ord(c) < 256 for c in NON_ASCII_ALIASES[name])],
)
def test_non_ascii_aliases_are_neither_dropped_nor_cut(name, encoding):
    text = NON_ASCII_ALIASES[name]
    if encoding == "latin-1":
        text = "# -*- coding: latin-1 -*-\n" + text
    source = text.encode(encoding)
    assert _findings(source), "the case must have a finding"
    _assert_sound(source)
    _assert_same_fix(source)
    _assert_large_path_sound(source)


@pytest.mark.parametrize("flag", ["0", "1", "1.0", "-0.0", "0x1", "1e0", "0b0", "+1", "--1", "(1)", "True"])
def test_a_number_given_as_the_flag_with_a_rejecting_mode_is_kept_for_acf004(flag):
    source = f"import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, align_corners={flag})\n".encode()
    assert [f.code for f in _findings(source)] == ["ACF004"]
    _assert_sound(source)
    _assert_large_path_sound(source)


# Regressions found by a differential fuzz of the screens against the analysis.
FUZZ_CASES = {
    "partial alias made by an annotated assignment": "import functools\nimport torch.nn.functional as F\nP: object = functools.partial\ng = P(F.interpolate, mode='bilinear')\n",
    "partial alias made by a chain": "import functools\nimport torch.nn.functional as F\nP = functools.partial\nQ = P\ng = Q(F.interpolate, mode='bilinear')\n",
    "a def in dead code": "import torch.nn.functional as F\nSCALE = 2\nif False:\n    def up(x):\n        return F.interpolate(x, scale_factor=SCALE, mode='bilinear')\n",
    "a lambda in dead code": "import torch.nn.functional as F\nif 0:\n    h = lambda x: F.interpolate(x, mode='bilinear')\n",
    "a class in dead code": "import torch.nn.functional as F\nwhile 0:\n    class K:\n        y = F.grid_sample(x, g)\n",
    "a lambda in a dead branch of a constant conditional": "import torch.nn.functional as F\nz = 1 if 1 else (lambda: F.interpolate(x, mode='bilinear'))\n",
    "a keyword spelled in NFKC form": "import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear', align_\uff43orners=True)\n",
    "a call inside an f-string (one token before Python 3.12)": "import torch.nn.functional as F\ns = f\"{F.upsample_nearest(x, 2)}\"\n",
    "an upper-case NOQA beside a lower-case one": "import torch.nn.functional as F\ndef a():\n    return 1  # noqa\ny = F.interpolate(x, mode='bilinear')  # NOQA\nz = F.interpolate(x, mode='bicubic')\n",
}


@pytest.mark.parametrize("name", sorted(FUZZ_CASES))
def test_fuzz_regressions_are_kept_by_every_screen(name):
    source = FUZZ_CASES[name].encode()
    assert _findings(source), "the case must have a finding"
    _assert_sound(source)
    _assert_same_fix(source)
    _assert_large_path_sound(source)
    for group_chars in (0, 10, 4096):
        assert not _large_path_says_clean(source, group_chars), group_chars


def test_an_upper_case_noqa_suppresses_like_a_lower_case_one():
    source = b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')  # NOQA\n"
    assert _findings(source) == []
    assert [f.line for f in _findings(source.replace(b"# NOQA", b"# NOQA: ACF003"))] == [2]


ESCAPING_ENCODINGS = {
    "utf-7": b"# coding: utf-7\nimport torch.nn.functional as F\ny = F.+AGkAbgB0-erpolate(x, mode='bilinear')\n",
    "unicode_escape": b"# coding: unicode_escape\nimport torch.nn.functional as F\ny = F.\\x69nterpolate(x, mode='bilinear')\n",
    "raw_unicode_escape": b"# coding: raw_unicode_escape\nimport torch.nn.functional as F\ny = F.\\u0069nterpolate(x, mode='bilinear')\n",
}


@pytest.mark.parametrize("name", sorted(ESCAPING_ENCODINGS))
def test_files_whose_encoding_spells_names_otherwise_skip_the_byte_screens(name):
    from ac_fixer.api import check_source
    from ac_fixer.fast.screen import spells_identifiers_otherwise

    source = ESCAPING_ENCODINGS[name]
    assert spells_identifiers_otherwise(source)
    assert [f.code for f in _findings(source)] == ["ACF001"]
    assert [f.code for f in check_source(source, "<test>")] == ["ACF001"]
    _assert_sound(source)


@pytest.mark.parametrize("cookie", [b"", b"# -*- coding: utf-8 -*-\n", b"# coding: latin-1\n", b"# vim: set fileencoding=cp1252 :\n", b"# coding: shift_jis\n"])
def test_plain_encodings_keep_the_byte_screens(cookie):
    from ac_fixer.fast.screen import spells_identifiers_otherwise

    assert not spells_identifiers_otherwise(cookie + b"import torch\n")


def test_differential_fuzz_smoke():
    """Two hundred programs of benchmarks/fuzz_screens.py, a hundred in the default run
    (see conftest.fuzz_examples; run the script for thousands)."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import fuzz_screens
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    assert fuzz_screens.run(0, fuzz_examples(50), None) == 0


# Regressions found in the second review.
def test_identifiers_the_pure_python_tokenizer_splits_make_the_large_path_give_up():
    for name in ("up\u00b7x", "\u2118", "\u212e"):
        source = f"from torch.nn.functional import interpolate as {name}\ny = {name}(x, mode='bilinear')\n".encode()
        assert _findings(source), name
        for group_chars in (0, 4096):
            assert not _large_path_says_clean(source, group_chars), name
        fstring = f"from torch.nn.functional import interpolate as {name}\ns = f\"{{{name}(x, mode='bilinear')}}\"\n".encode()
        assert not _large_path_says_clean(fstring, 0), name


def test_repeated_identity_re_exports_do_not_multiply_targets():
    # `import x as x` twenty times once made 2**20 entries (exponential in the repeats).
    import ast as stdlib_ast

    from ac_fixer.fast.screen import Bindings, catalog_targets_by_short, watched_names

    source = "from torch.nn.functional import interpolate as interpolate\n" * 20 + "y = interpolate(x, mode='nearest')\n"
    targets_by_short = catalog_targets_by_short(DEFAULT_SETTINGS.catalog)
    watched, aliased = watched_names(Bindings(stdlib_ast.parse(source)), targets_by_short)
    assert len(watched["interpolate"]) == len(targets_by_short["interpolate"]) and not aliased
    assert _whole_file_screen(source.encode()) is None


def test_large_path_takes_crlf_files_and_multi_line_decorators():
    body = "@decorator(\n    1,\n)\ndef helper(a):\n    return a\n"
    source = ("import torch.nn.functional as F\n" + body * 3 + "y = F.interpolate(x, mode='nearest')\n")
    for text in (source, source.replace("\n", "\r\n")):
        assert _large_path_says_clean(text.encode(), 0)
        assert _large_path_says_clean(text.encode(), 4096)


def test_non_ascii_text_keeps_line_numbers_unless_a_name_may_be_written_otherwise():
    from ac_fixer.fast.screen import screen

    plain = "# \u00a9 someone\nfrom torch.nn.functional import interpolate as up\ndef other():\n    return 1\ny = up(x, mode='bilinear')\n"
    screened = screen(plain.encode(), DEFAULT_SETTINGS.catalog)
    assert screened.lines is not None  # the slice still cuts `other`
    lookalike = plain.replace("\u00a9", "\uff41")  # fullwidth a: NFKC "a"
    assert screen(lookalike.encode(), DEFAULT_SETTINGS.catalog).lines is None


_WORD_PIECES = [b"interpolate", b"upsample", b"upsample_bilinear", b"Upsample", b"grid_sample", b"_", b"x", b"9",
                b" ", b"(", b".", b"\n", b"\xc3\xa9", b"sample"]


@settings(max_examples=fuzz_examples(400), deadline=None)
@given(st.lists(st.sampled_from(_WORD_PIECES), max_size=14))
def test_the_byte_tests_of_the_screen_give_the_regex_answers(pieces):
    """The screen's first tests read names by byte searches (speed only): a catalogued name
    as a whole word exactly where the regex finds one, and the names' count an upper bound
    of the regex's whole-word matches (the memory bound's shortcut)."""
    from ac_fixer.fast import screen as screen_module

    source = b"".join(pieces)
    catalog = DEFAULT_SETTINGS.catalog
    pattern = screen_module.whole_word_pattern(catalog.short_names())
    matches = len(pattern.findall(source))
    assert screen_module.names_a_whole_word(source, catalog) == (matches > 0)
    import os

    for limit in (max(1, matches - 1), matches + 1):
        os.environ["AC_FIXER_MAX_CALLS"] = str(limit)
        try:
            assert (screen_module.too_many_calls(source, catalog) is not None) == (matches > limit)
        finally:
            del os.environ["AC_FIXER_MAX_CALLS"]


@pytest.mark.parametrize("source", [
    "from mypkg import resizé\nresizé(x, mode='bilinear')\n", "xresizé = 1\n", "resizéx = 1\n", "resizé\n", "é resizé\n",
])
def test_a_name_that_is_not_ascii_is_read_as_the_regex_reads_it(source):
    """An `extend-targets` row may name `resizé`: next to its last byte the regex's `\\b`
    reads otherwise than the byte test of ASCII names, so such a catalog takes the regex
    (found in review)."""
    from dataclasses import replace

    from ac_fixer.fast import screen as screen_module

    catalog = DEFAULT_SETTINGS.catalog
    wrapper = replace(catalog.lookup("torch.nn.functional.interpolate"), name="mypkg.resizé", aliases=())
    catalog = catalog.with_targets([wrapper])
    data = source.encode()
    expected = screen_module.whole_word_pattern(catalog.short_names()).search(data) is not None
    assert screen_module.names_a_whole_word(data, catalog) == expected

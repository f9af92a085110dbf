"""The slice's stubs: a cut function or class that spanned several lines keeps them inside
one string (`def f(): pass; \"\"\"` … `\"\"\"`) instead of blank lines, which LibCST parses
faster; lines, findings and fixes stay what they were."""

from ac_fixer.api import DEFAULT_SETTINGS, check_source, fix_source
from ac_fixer.fast.screen import screen, slice_for_check

SOURCE = (
    b"import torch.nn.functional as F\r\n"
    b"\r\n"
    b"@decorator(\r\n"
    b"    1)\r\n"
    b"def helper(a,\r\n"
    b"           b):\r\n"
    b"    '''doc'''\r\n"
    b"    return a + b  # comment\r\n"
    b"\r\n"
    b"class Other:\r\n"
    b"    def one(self): return 1\r\n"
    b"    def two(self):\r\n"
    b"        return 2\r\n"
    b"\r\n"
    b"def up(x):\r\n"
    b"    return F.interpolate(x, scale_factor=2, mode='bilinear')\r\n"
    b"def last(): return 3\r\n"
    b"def tail():\r\n"
    b"    return 4"
)


def test_a_multi_line_cut_keeps_its_lines_in_one_string():
    sliced = slice_for_check(SOURCE, screen(SOURCE, DEFAULT_SETTINGS.catalog))
    lines = sliced.splitlines(keepends=True)
    assert len(lines) == len(SOURCE.splitlines(keepends=True))
    assert lines[2:4] == [b"\r\n", b"\r\n"]  # the decorator's lines
    assert lines[4] == b'def helper(): pass; """\r\n'
    assert lines[5:7] == [b"\r\n", b"\r\n"] and lines[7] == b'"""\r\n'
    assert lines[9] == b'class Other: pass; """\r\n' and lines[12] == b'"""\r\n'
    assert lines[16] == b"def last(): pass\r\n"  # one line: no string
    assert lines[17] == b'def tail(): pass; """\r\n' and lines[18] == b'"""'
    assert lines[14:16] == SOURCE.splitlines(keepends=True)[14:16]


def test_findings_and_fix_of_a_sliced_file_are_those_of_the_whole_file():
    findings = check_source(SOURCE, "<test>")
    assert [(f.line, f.code) for f in findings] == [(16, "ACF001")]
    fixed = fix_source(SOURCE, "<test>").source
    assert fixed == SOURCE.replace(b"mode='bilinear')", b"mode='bilinear', align_corners=False)")


def test_the_bound_on_named_calls_counts_whole_words_only(monkeypatch):
    # The names' byte counts (here 4: two inside longer words) only decide that the exact
    # count is not needed; the bound still counts whole words.
    from ac_fixer.fast.screen import too_many_calls

    source = b"F.interpolate(x)\nF.interpolate(y)\ninterpolate_pos(z)\nmy_interpolate(w)\n"
    monkeypatch.setenv("AC_FIXER_MAX_CALLS", "2")
    assert too_many_calls(source, DEFAULT_SETTINGS.catalog) is None
    monkeypatch.setenv("AC_FIXER_MAX_CALLS", "1")
    assert "more than 1 uses" in too_many_calls(source, DEFAULT_SETTINGS.catalog)


def _key(call):
    import ast

    return (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset, ast.dump(call.func))


def test_the_calls_of_a_slice_read_from_the_screen_tree_are_those_of_its_parse():
    import ast

    from ac_fixer.fast.screen import calls_of_slice, slice_with_cuts

    source = SOURCE.replace(b"@decorator(\r\n", b"@decorator(call(),\r\n") + b"\r\nprint(len([]))\r\n"
    screened = screen(source, DEFAULT_SETTINGS.catalog)
    sliced, cut = slice_with_cuts(source, screened)
    assert sliced is not None and len(cut) == 4  # helper, Other, last, tail
    calls = calls_of_slice(source, screened, cut)
    parsed = ast.parse(sliced.decode())
    expected = sorted((n for n in ast.walk(parsed) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    assert [_key(c) for c in calls] == [_key(c) for c in expected] and len(calls) == 3


def test_no_calls_from_the_screen_tree_where_its_offsets_may_differ():
    from ac_fixer.fast.screen import calls_of_slice, slice_with_cuts

    for source in (b"\xef\xbb\xbf" + SOURCE, b"# -*- coding: latin-1 -*-\n" + SOURCE):
        screened = screen(source, DEFAULT_SETTINGS.catalog)
        assert calls_of_slice(source, screened, slice_with_cuts(source, screened)[1]) is None
        assert [(f.line, f.code) for f in check_source(source, "<test>")] == [(16 + (not source.startswith(b"\xef")), "ACF001")]


def test_the_screen_of_an_undecided_file_leaves_no_reference_cycle():
    """A worker collects cycles once per batch, walking every object they keep alive: the
    slice's walk once was a recursive closure (a cycle) that kept the cut statements' trees
    alive until then. Reference counting alone frees what a screen made."""
    import gc

    from ac_fixer.api import screen_for_check

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        screened = screen_for_check(SOURCE, "<test>", DEFAULT_SETTINGS)
        assert screened is not None and screened.analyzed != SOURCE  # a slice, statements cut
        del screened
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_the_analysis_leaves_no_cycle_that_holds_the_module_tree():
    """A binding points to its scope and the scope to its bindings: the index empties its
    scopes once the analysis is done, so that reference counting frees the LibCST tree (a
    cycle kept it alive until the worker's collection, which walked all of it)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        gc.garbage.clear()
        findings = check_source(SOURCE, "<test>")
        assert [f.code for f in findings] == ["ACF001"]
        del findings
        gc.collect()
        kept = [o for o in gc.garbage if type(o).__module__.startswith(("libcst", "ac_fixer"))]
        assert kept == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()

"""Syntax newer than the running interpreter: when Python's own parser rejects a file that
LibCST parses (PEP 695 type parameters and aliases, PEP 701 f-strings, 3.13 type parameter
defaults, 3.14 t-strings, ...), the file is analyzed and fixed; only what LibCST rejects too
is a syntax error (issue 14, item 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.api import SourceError, check_source, fix_source
from ac_fixer.cli import main

HEADER = "import torch.nn.functional as F\n"
CALL = 'y = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
FIXED_CALL = 'y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)\n'

NEWER = {
    "type-alias": "type Point = tuple[float, float]\n",
    "generic-type-alias": "type ListOrSet[T] = list[T] | set[T]\n",
    "generic-def": "def up[T](x: T) -> T:\n    return F.interpolate(x, scale_factor=2, mode=\"bicubic\")\n",
    "generic-class": "class Net[T]:\n    def forward(self, x: T) -> T:\n        return x\n",
    "bounded-params": "def f[T: int, *Ts, **P](x: T) -> T:\n    return x\n",
    "f-string-same-quotes": 'label = f"{names["k"]}"\n',
    "f-string-nested": "label = f\"{'a' + f\"{1}\"}\"\n",
    "f-string-backslash": 'label = f"{"\\n".join(parts)}"\n',
    "type-param-default": "def g[T = int](x: T) -> T:\n    return x\n",
    "t-string": 'label = t"{x}"\n',
}


def _interpreter_rejects(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return True
    return False


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(NEWER))
def test_newer_syntax_is_checked_and_fixed(name):
    source = HEADER + NEWER[name] + CALL
    if not _interpreter_rejects(source):
        pytest.skip("this interpreter parses it itself")
    findings = check_source(source.encode(), "m.py")
    assert ("ACF001", 3 + NEWER[name].count("\n") - 1) in [(f.code, f.line) for f in findings]
    Path("m.py").write_text(source)
    result = check("--fix", "m.py")
    assert result.exit_code in (0, 1), result.output
    assert "syntax error" not in result.stderr
    fixed = Path("m.py").read_text()
    assert fixed.endswith(FIXED_CALL)
    assert NEWER[name] in fixed or 'mode="bicubic", align_corners=False' in fixed


def test_newer_syntax_findings_inside_generic_function():
    source = HEADER + NEWER["generic-def"]
    findings = check_source(source.encode(), "m.py")
    assert [(f.code, f.line) for f in findings] == [("ACF001", 3)]
    result = fix_source(source.encode(), "m.py")
    assert b'mode="bicubic", align_corners=False)' in result.source


def test_what_libcst_rejects_too_stays_a_syntax_error():
    Path("m.py").write_text(HEADER + "type X = \n" + CALL)
    result = check("m.py")
    assert result.exit_code == 2
    assert "m.py: syntax error" in result.stderr


def test_python2_print_stays_a_syntax_error_with_pythons_message():
    with pytest.raises(SourceError) as raised:
        check_source((HEADER + 'print "x"\n' + CALL).encode(), "m.py")
    assert "syntax error" in raised.value.reason and "line 2" in raised.value.reason


def test_too_deep_nesting_is_never_handed_to_libcst(monkeypatch):
    import libcst

    # Recorded, not raised: the screen's attempt with LibCST (libcst_parses) takes any
    # exception of the parser for a refusal.
    seen = []
    monkeypatch.setattr(libcst, "parse_module", lambda *args, **kwargs: seen.append(args))
    source = HEADER + CALL + "z = " + "(" * 300 + ")" * 300 + "\n"
    with pytest.raises(SourceError) as raised:
        check_source(source.encode(), "m.py")
    assert "nested" in raised.value.reason
    assert seen == [], "LibCST was handed a file Python rejects for its nesting"


def test_valid_files_do_not_pay_for_a_libcst_attempt_in_the_screen(monkeypatch):
    from ac_fixer.fast import screen

    calls = []
    original = screen.libcst_parses
    monkeypatch.setattr(screen, "libcst_parses", lambda *a: calls.append(a) or original(*a))
    check_source((HEADER + CALL).encode(), "m.py")
    assert calls == []


@pytest.mark.parametrize(
    "source",
    [
        b"\xef\xa4\x80#\x00\rimport torch.nn.functional as B\rA:B.upsample_bilinear()",  # NUL in a comment
        b"import torch.nn.functional as F\n# \x00\ny = F.interpolate(x, mode='bilinear')\n",
    ],
)
def test_what_no_python_reads_is_never_handed_to_libcst(source):
    with pytest.raises(SourceError) as raised:
        check_source(source, "m.py")
    assert "null bytes" in raised.value.reason


@pytest.mark.parametrize(
    "line, reason",
    [
        ("n = " + "7" * 5000 + "\n", "Exceeds the limit"),
        ("label = b'caf\u00e9'\n", "ASCII literal characters"),
        ("print 'x'\n", "syntax error"),
    ],
)
def test_limits_and_old_syntax_stay_syntax_errors(line, reason):
    with pytest.raises(SourceError) as raised:
        check_source((HEADER + CALL + line).encode(), "m.py")
    assert reason in raised.value.reason

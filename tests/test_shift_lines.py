"""The group screen's line shift equals ``ast.increment_lineno`` on every node."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ac_fixer.fast.screen import shift_lines

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "ac_fixer" / "fast" / "screen.py", ROOT / "ac_fixer" / "runner.py"] + sorted(
    (ROOT / "fixtures").glob("*.py"))[:30]

MATCH = """
match command:
    case [x, *rest] if x > 1:
        pass
    case {"k": v, **kw}:
        pass
    case Point(x=0, y=_) | None:
        pass
"""


def _parses(path: Path):
    try:
        return ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return None


@pytest.mark.parametrize("text", [MATCH, "async def f(a, /, b=1, *c, d, **e) -> 'x':\n    async with a as b: await b\n",
                                  "try:\n    pass\nexcept* E as e:\n    raise\n", "x = f'{a!r:>{w}}' + u'x'\n"])
def test_shift_lines_on_syntax_of_every_kind(text):
    expected, shifted = ast.parse(text), ast.parse(text)
    ast.increment_lineno(expected, 2500)
    shift_lines(shifted, 2500)
    assert ast.dump(shifted, include_attributes=True) == ast.dump(expected, include_attributes=True)


def test_shift_lines_on_real_modules():
    checked = 0
    for path in SOURCES:
        expected, shifted = _parses(path), _parses(path)
        if expected is None:
            continue
        ast.increment_lineno(expected, 1234)
        shift_lines(shifted, 1234)
        assert ast.dump(shifted, include_attributes=True) == ast.dump(expected, include_attributes=True), path
        checked += 1
    assert checked > 20

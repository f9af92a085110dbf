"""Finding positions read from the stdlib ast agree with LibCST's PositionProvider."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from ac_fixer.engine.index import ModuleIndex, walk
from ac_fixer.engine.positions import spans_from_ast

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "fixtures").glob("*.py")) + sorted((ROOT / "tests" / "realworld").rglob("*.py"))

ODD_ORDER = '''
import torch.nn.functional as F

@deco(F.interpolate(a, mode="bilinear"))
def f(x, /, y=F.grid_sample(a, b), *, z=g()) -> h():
    return F.interpolate(x) if c(x) else F.interpolate(y)

class C(base(), metaclass=meta()):
    @staticmethod
    def m():
        return [F.interpolate(v) for v in F.grid_sample(w, u) if k(v)]

try:
    pass
except E(1) as e:
    f(g(h()))(i())
match p():
    case [q] if r():
        s()
x = f"{F.interpolate(é, mode='bilinear')}" + t()
'''


def _all_spans(source: bytes):
    module = cst.parse_module(source)
    index = ModuleIndex()
    walk(module, index)
    nodes = [site.node for site in index.calls]
    from_ast = spans_from_ast(index, source.decode(module.encoding), nodes)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    expected = {
        id(n): (positions[n].start.line, positions[n].start.column, positions[n].end.line, positions[n].end.column)
        for n in nodes
    }
    return from_ast, expected


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_ast_spans_equal_position_provider(path):
    source = path.read_bytes()
    try:
        from_ast, expected = _all_spans(source)
    except cst.ParserSyntaxError:
        pytest.skip("not parsable")
    if cst.parse_module(source).bytes != source:
        pytest.skip("LibCST does not round-trip this file (a form feed): its columns are off, the ast's are right")
    assert from_ast is not None
    assert {k: (s.line, s.column, s.end_line, s.end_column) for k, s in from_ast.items()} == expected


def test_ast_spans_in_nodes_whose_fields_are_not_in_source_order():
    from_ast, expected = _all_spans(ODD_ORDER.encode())
    assert from_ast is not None and len(expected) > 20
    assert {k: (s.line, s.column, s.end_line, s.end_column) for k, s in from_ast.items()} == expected

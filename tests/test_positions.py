"""Finding positions read from the stdlib ast agree with LibCST's PositionProvider."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from ac_fixer.engine.index import ModuleIndex, _children, walk
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



class _Recorder:
    """Records each visit_/leave_ call of a few node types, in order: types with both
    handlers, a visit_ only (Name), a leave_ only (Attribute)."""

    def __init__(self) -> None:
        self.events: list = []

    def _visit(self, node) -> None:
        self.events.append(("visit", id(node)))

    def _leave(self, node) -> None:
        self.events.append(("leave", id(node)))

    visit_Call = visit_Name = visit_FunctionDef = visit_ClassDef = visit_Lambda = visit_ListComp = _visit
    leave_FunctionDef = leave_ClassDef = leave_Lambda = leave_ListComp = leave_Call = leave_Attribute = _leave


def _reference_walk(node, visitor) -> None:
    """What ``walk`` does, written plainly: each node's visit_, its children (``_children``,
    in its order), its leave_."""
    name = type(node).__name__
    visit, leave = getattr(visitor, "visit_" + name, None), getattr(visitor, "leave_" + name, None)
    if visit is not None:
        visit(node)
    for child in _children(node):
        _reference_walk(child, visitor)
    if leave is not None:
        leave(node)


@pytest.mark.parametrize("path", [None] + SOURCES[:40], ids=lambda p: "odd-order" if p is None else p.name)
def test_walk_calls_visit_and_leave_as_a_plain_recursive_walk(path):
    """The walk's work list (no entry to come back to for a node whose type has no leave_
    handler) calls the handlers in the order a recursive walk does."""
    source = ODD_ORDER.encode() if path is None else path.read_bytes()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        pytest.skip("not parsable")
    ours, reference = _Recorder(), _Recorder()
    walk(module, ours)
    _reference_walk(module, reference)
    assert ours.events == reference.events
    assert {e[0] for e in ours.events} == {"visit", "leave"}

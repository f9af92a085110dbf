"""Positions of calls: read from the stdlib ast where it provably agrees with the tree,
else from LibCST's PositionProvider."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ac_fixer.engine.index import ModuleIndex


@dataclass(frozen=True)
class Span:
    """Lines 1-based, columns 0-based in characters (as LibCST's PositionProvider)."""

    line: int
    column: int
    end_line: int
    end_column: int


def _terminal_name(node) -> Optional[str]:
    if isinstance(node, (cst.Name, ast.Name)):
        return node.value if isinstance(node, cst.Name) else node.id
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def spans_from_ast(index: ModuleIndex, text: Optional[str], nodes: list, ast_calls: Optional[list] = None) -> Optional[dict]:
    """Positions of the given calls, read from the stdlib ast (several times cheaper than
    LibCST's PositionProvider, which prints the whole module). The n-th call in source
    order is the same call in both trees; every pair used is checked, and any doubt
    returns None so that the caller falls back to PositionProvider.

    ``ast_calls``: the ``ast.Call`` nodes of ``text`` in source order when the caller
    already has them (the screen parsed the file); else ``text`` is parsed here."""
    if text is None:
        return None
    if ast_calls is not None:
        calls = ast_calls
    else:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    if len(calls) != len(index.calls):
        return None
    rank = {id(site.node): site.rank for site in index.calls}
    lines = re.split(r"\r\n|\r|\n", text)

    def column(line: int, offset: int) -> int:
        # ast counts UTF-8 bytes; findings count characters.
        return len(lines[line - 1].encode("utf-8")[:offset].decode("utf-8", "replace"))

    spans = {}
    for node in nodes:
        call = calls[rank[id(node)]]
        if _terminal_name(call.func) != _terminal_name(node.func) or call.end_lineno is None:
            return None
        spans[id(node)] = Span(
            call.lineno, column(call.lineno, call.col_offset), call.end_lineno, column(call.end_lineno, call.end_col_offset)
        )
    return spans


def call_spans(module: cst.Module, index: ModuleIndex, text: Optional[str], nodes: list, ast_calls: Optional[list] = None) -> dict:
    """id(call) -> Span for each of ``nodes``: from the stdlib ast when it agrees, else from
    PositionProvider (which prints the whole module)."""
    spans = spans_from_ast(index, text, nodes, ast_calls)
    if spans is None:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        spans = {
            id(node): Span(
                positions[node].start.line, positions[node].start.column,
                positions[node].end.line, positions[node].end.column,
            )
            for node in nodes
        }
    return spans

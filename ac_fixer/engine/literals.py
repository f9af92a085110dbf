"""Values of literal expressions, read off the syntax tree. Nothing is evaluated.

Only numbers, strings, ``True``/``False``/``None``, unary minus/plus on numbers
and tuples/lists of those are literals. Everything else is :data:`NOT_LITERAL`.
"""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from ac_fixer.findings import NOT_LITERAL

_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}


def string_value(node: cst.BaseExpression) -> Any:
    if isinstance(node, cst.SimpleString):
        # A single string token, read by the tokenizer's own rules: ast.literal_eval
        # of one token cannot run code (the token is a string literal by grammar).
        try:
            value = ast.literal_eval(node.value)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return NOT_LITERAL  # e.g. an unknown \N{...} escape or a NUL: not a usable literal
        return value if isinstance(value, str) else NOT_LITERAL
    if isinstance(node, cst.ConcatenatedString):
        left = string_value(node.left)
        right = string_value(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    return NOT_LITERAL


def literal_value(node: cst.BaseExpression) -> Any:
    """The value of a literal expression, or NOT_LITERAL."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return string_value(node)
    if isinstance(node, cst.Name):
        return _NAMED_CONSTANTS.get(node.value, NOT_LITERAL)
    if isinstance(node, cst.Integer):
        text = node.value.replace("_", "")
        try:
            # int(text, 0) reads 0x/0o/0b prefixes; "0" and "00" are valid decimal zeros.
            return int(text, 0) if text.strip("0") else 0
        except ValueError:
            return NOT_LITERAL  # more digits than int() converts
    if isinstance(node, cst.Float):
        try:
            return float(node.value.replace("_", ""))
        except (ValueError, OverflowError):
            return NOT_LITERAL
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        operand = literal_value(node.expression)
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand if isinstance(node.operator, cst.Minus) else operand
        return NOT_LITERAL
    if isinstance(node, (cst.Tuple, cst.List)):
        items = []
        for element in node.elements:
            if not isinstance(element, cst.Element):
                return NOT_LITERAL  # starred element
            value = literal_value(element.value)
            if value is NOT_LITERAL:
                return NOT_LITERAL
            items.append(value)
        return tuple(items) if isinstance(node, cst.Tuple) else items
    return NOT_LITERAL


def literal_alternatives(node: cst.BaseExpression) -> tuple[bool, tuple]:
    """All values a literal or a conditional expression of literals can take.

    Returns ``(known, values)``; ``known`` is False when some branch is not a literal.
    """
    if isinstance(node, cst.IfExp):
        known_body, body = literal_alternatives(node.body)
        known_else, orelse = literal_alternatives(node.orelse)
        values: list = []
        for value in body + orelse:
            if value not in values:  # values may be unhashable (lists)
                values.append(value)
        return known_body and known_else, tuple(values)
    value = literal_value(node)
    if value is NOT_LITERAL:
        return False, ()
    return True, (value,)

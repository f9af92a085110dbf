"""A small symbol table for one module: which names are bound where, and to what.

This is the part of name resolution that LibCST's ScopeProvider does in full; we
keep only what ac-fixer needs (imports, simple aliases, literal constants and
parameters) because the full provider costs several times the parse on large
trees. Python's rules are followed where they decide the answer: a name bound
anywhere in a function is local to it, class bodies are not visible from nested
functions, ``global``/``nonlocal`` redirect bindings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

# Binding kinds.
IMPORT = "import"  # qualname: what the import binds
ALIAS = "alias"  # expr: a name/attribute chain assigned to the name
LITERAL = "literal"  # values: the literal values the assigned expression can take
PARAM = "param"  # values: the default's literal values (empty: none or not literal)
OTHER = "other"  # anything else: def, class, loop target, augmented assignment, del...


@dataclass
class Binding:
    kind: str
    order: int
    qualname: Optional[str] = None
    expr: Optional[cst.BaseExpression] = None
    values: tuple = ()
    # The scope the binding was made in, and for imports the ImportAlias and statement.
    scope: Optional["Scope"] = None
    node: Optional[cst.CSTNode] = None
    statement: Optional[cst.CSTNode] = None


@dataclass
class Scope:
    kind: str  # module, function, lambda, class, comprehension
    parent: Optional["Scope"]
    bindings: dict = field(default_factory=dict)
    globals: set = field(default_factory=set)
    nonlocals: set = field(default_factory=set)
    star_imports: list = field(default_factory=list)
    name: Optional[str] = None  # a function's or class's own name (project-wide analysis)

    def module(self) -> "Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def add(self, name: str, binding: Binding) -> None:
        target = self
        if name in self.globals:
            target = self.module()
        elif name in self.nonlocals:
            target = self._enclosing_function() or self
        target.bindings.setdefault(name, []).append(binding)

    def _enclosing_function(self) -> Optional["Scope"]:
        scope = self.parent
        while scope is not None and scope.kind not in ("function", "lambda"):
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> tuple[Optional["Scope"], list]:
        """The scope that binds ``name`` as seen from here, and its bindings."""
        scope: Optional[Scope] = self
        first = True
        while scope is not None:
            if name in scope.globals:
                scope = scope.module()
                continue
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            if name in scope.bindings and name not in scope.nonlocals:
                return scope, scope.bindings[name]
            if scope.kind == "module" and scope.star_imports:
                return scope, [Binding(IMPORT, -1, qualname=f"{m}.{name}") for m in scope.star_imports]
            scope = scope.parent
            first = False
        return None, []


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def import_module_name(node: cst.ImportFrom) -> Optional[str]:
    """The absolute module of a ``from X import ...``; None for relative imports."""
    if node.relative or node.module is None:
        return None
    return dotted_name(node.module)

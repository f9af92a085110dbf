"""The one pass over a module's LibCST tree: scopes, bindings (imports and aliases
included), calls and name references, recorded by :class:`ModuleIndex` in one :func:`walk`.

Nothing here knows a rule or a catalog row; the resolver (``resolve.py``) and the rules
read what the pass recorded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Optional

import libcst as cst

from ac_fixer.engine.literals import literal_alternatives
from ac_fixer.engine.scopes import ALIAS, IMPORT, LITERAL, OTHER, PARAM, Binding, Scope, dotted_name, import_module_name


@dataclass
class CallSite:
    node: cst.Call
    scope: Scope
    order: int
    rank: int  # index among all calls of the module, in source order


@dataclass
class Reference:
    node: cst.Name
    scope: Scope


class ModuleIndex(cst.CSTVisitor):
    """Scopes, bindings, calls and name references of one module, in one walk."""

    def __init__(self, project=None) -> None:
        super().__init__()
        self.project = project  # project.FileContext: resolves relative imports
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self._scopes: list[Scope] = [self.module_scope]  # every scope made (see release)
        self.calls: list[CallSite] = []
        self.references: list[Reference] = []
        self._order = 0
        self._not_references: set[int] = set()
        self._scope_stack: list[Scope] = []
        # Subtrees evaluated in another scope than their place suggests (a comprehension's
        # first iterable): node id -> that scope (see walk()).
        self.scope_overrides: dict = {}
        self._references_by_binding: Optional[dict] = None

    # -- helpers
    def _next(self) -> int:
        self._order += 1
        return self._order

    def _push(self, kind: str) -> Scope:
        self._scope_stack.append(self.scope)
        self.scope = Scope(kind, self.scope)
        self._scopes.append(self.scope)
        return self.scope

    def release(self) -> None:
        """Empty every scope, once the analysis is done with the index: a binding points to
        its scope and the scope to its bindings, a reference cycle that kept the module's
        whole tree alive until a cyclic collection (which then walked it)."""
        for scope in self._scopes:
            scope.bindings.clear()

    def _pop(self) -> None:
        self.scope = self._scope_stack.pop()

    def _bind(self, name: str, binding: Binding, scope: Optional[Scope] = None) -> None:
        binding.scope = scope or self.scope
        (scope or self.scope).add(name, binding)

    def _bind_other(self, name: str, scope: Optional[Scope] = None) -> None:
        self._bind(name, Binding(OTHER, self._next()), scope)

    def _bind_target(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, self._binding_for_value(value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)
        # Attribute and Subscript targets bind no name.

    def _binding_for_value(self, value: Optional[cst.BaseExpression]) -> Binding:
        order = self._next()
        if value is None:
            return Binding(OTHER, order)
        named_constant = isinstance(value, cst.Name) and value.value in ("True", "False", "None")
        if not named_constant and dotted_name(value) is not None:
            return Binding(ALIAS, order, expr=value)
        known, values = literal_alternatives(value)
        if known:
            return Binding(LITERAL, order, values=values)
        # A call's result keeps its expression: `r = Resizer(); r.resize(...)` (project-wide analysis)
        return Binding(OTHER, order, expr=value if isinstance(value, cst.Call) else None)

    # -- imports
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._not_references.update(id(n) for n in _names_in(alias.name))
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._not_references.add(id(alias.asname.name))
                self._bind(alias.asname.name.value, Binding(IMPORT, self._next(), qualname=full, node=alias))
            else:
                head = full.split(".", 1)[0]
                self._bind(head, Binding(IMPORT, self._next(), qualname=head, node=alias))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = import_module_name(node)
        if module is None and node.relative and self.project is not None:
            module = self.project.absolute(len(node.relative), dotted_name(node.module) if node.module else None)
        if node.module is not None:
            self._not_references.update(id(n) for n in _names_in(node.module))
        if isinstance(node.names, cst.ImportStar):
            if module is not None:
                self.scope.module().star_imports.append(module)
            return
        for alias in node.names:
            self._not_references.update(id(n) for n in _names_in(alias.name))
            name = dotted_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._not_references.add(id(alias.asname.name))
                bound = alias.asname.name.value
            else:
                bound = name
            if bound is None:
                continue
            if module is None:
                self._bind_other(bound)
            else:
                self._bind(
                    bound, Binding(IMPORT, self._next(), qualname=f"{module}.{name}", node=alias, statement=node)
                )

    # -- assignments and other bindings
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._bind_other(node.target.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind_other(node.name.name.value)

    def visit_ExceptStarHandler(self, node) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind_other(node.name.name.value)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, cst.Name):
            self._bind_other(node.target.value, scope)

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.globals.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocals.update(item.name.value for item in node.names)

    def visit_MatchAs(self, node) -> None:
        if node.name is not None:
            self._bind_other(node.name.value)

    def visit_MatchStar(self, node) -> None:
        if node.name is not None:
            self._bind_other(node.name.value)

    def visit_MatchMapping(self, node) -> None:
        if node.rest is not None:
            self._bind_other(node.rest.value)

    # -- scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._not_references.add(id(node.name))
        self._bind_other(node.name.value)
        self._push("function").name = node.name.value
        self._bind_params(node.params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push("lambda")
        self._bind_params(node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._not_references.add(id(node.name))
        self._bind_other(node.name.value)
        self._push("class").name = node.name.value

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._pop()

    def _visit_comprehension(self, node) -> None:
        # The first iterable is evaluated in the enclosing scope (see walk()).
        self.scope_overrides[id(node.for_in.iter)] = self.scope
        self._push("comprehension")

    def _leave_comprehension(self, original_node) -> None:
        self._pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None)

    def _bind_params(self, params: cst.Parameters) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                every.append(star)
        for param in every:
            self._not_references.add(id(param.name))
            values: tuple = ()
            if param.default is not None:
                known, alternatives = literal_alternatives(param.default)
                values = alternatives if known else ()
            self._bind(param.name.value, Binding(PARAM, self._next(), values=values))

    # -- uses
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_references.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_references.add(id(node.keyword))

    def enter_scope_override(self, scope: Scope) -> None:
        self._scope_stack.append(self.scope)
        self.scope = scope

    def leave_scope_override(self) -> None:
        self._pop()

    def visit_Call(self, node: cst.Call) -> None:
        # Calls are met in source order (see _children), so the index is also the call's
        # rank among the module's calls, which locates it in the stdlib ast.
        self.calls.append(CallSite(node, self.scope, self._next(), len(self.calls)))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._not_references:
            self.references.append(Reference(node, self.scope))

    def references_of(self, binding: Binding) -> list[Reference]:
        """The name references that resolve to ``binding`` and nothing else (the table is
        built on the first question)."""
        if self._references_by_binding is None:
            table: dict = {}
            for ref in self.references:
                _, bindings = ref.scope.lookup(ref.node.value)
                if len(bindings) == 1:
                    table.setdefault(id(bindings[0]), []).append(ref)
            self._references_by_binding = table
        return self._references_by_binding.get(id(binding), [])


_FIELDS: dict = {}
# LibCST's field order differs from source order for a few nodes; these fields go first.
_SOURCE_ORDER_FIRST = {
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords"),
    "IfExp": ("body",),
    "Parameters": ("posonly_params", "posonly_ind"),
    "MatchCase": ("pattern", "guard"),
    "ExceptHandler": ("type", "name"),
    "ExceptStarHandler": ("type", "name"),
}


# Fields that hold only layout (whitespace, commas, parentheses, operators): no name, call
# or binding can be inside, so the walk does not descend into them.
_LAYOUT_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "leading_lines", "lines_after_decorators", "header", "footer",
        "semicolon", "trailing_whitespace", "equal", "colon", "dot", "operator", "first_line",
        "empty_lines", "last_line", "asynchronous", "lbracket", "rbracket", "lbrace", "rbrace",
        "star_tok", "arrow", "newline", "whitespace",
    }
)


def _field_names(node_type) -> tuple:
    names = _FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _LAYOUT_FIELDS and not f.name.startswith("whitespace")
        )
        first = tuple(n for n in _SOURCE_ORDER_FIRST.get(node_type.__name__, ()) if n in names)
        names = _FIELDS[node_type] = first + tuple(n for n in names if n not in first)
    return names


# type -> 1 (a CSTNode), 2 (a tuple or list), 0 (anything else). CSTNode is an abstract
# base class: isinstance goes through the ABC machinery each time, a type's answer never
# changes, and a dict lookup is several times cheaper.
_KINDS: dict = {}


def _kind(value_type) -> int:
    kind = _KINDS.get(value_type)
    if kind is None:
        kind = _KINDS[value_type] = (
            1 if issubclass(value_type, cst.CSTNode) else 2 if issubclass(value_type, (tuple, list)) else 0
        )
    return kind


def _children(node: cst.CSTNode) -> list:
    """A node's child nodes in source order, read directly from the dataclass fields.

    LibCST's own ``visit`` rebuilds every node it passes (its visitors may replace
    children); for a read-only pass, reading the fields is about 4 times faster.
    """
    found = []
    kinds = _KINDS
    for name in _field_names(type(node)):
        value = getattr(node, name)
        kind = kinds.get(type(value))
        if kind is None:
            kind = _kind(type(value))
        if kind == 1:
            found.append(value)
        elif kind == 2:
            found.extend([item for item in value if (kinds.get(type(item)) or _kind(type(item))) == 1])
    return found


_ENTER, _LEAVE, _END_OVERRIDE = 0, 1, 2


def walk(root: cst.CSTNode, visitor) -> None:
    """Call ``visit_<Node>`` before and ``leave_<Node>`` after each node's children, in
    source order, like ``root.visit(visitor)`` for a visitor that never stops descending.

    A subtree listed in ``visitor.scope_overrides`` is walked between
    ``enter_scope_override(scope)`` and ``leave_scope_override()``.
    """
    stack: list = [(root, _ENTER)]
    overrides = getattr(visitor, "scope_overrides", None)
    handlers: dict = {}  # node type -> (visit_<Node>, leave_<Node>), each None when absent
    while stack:
        node, state = stack.pop()
        if state == _END_OVERRIDE:
            visitor.leave_scope_override()
            continue
        node_type = type(node)
        pair = handlers.get(node_type)
        if pair is None:
            name = node_type.__name__
            pair = handlers[node_type] = (
                getattr(visitor, "visit_" + name, None), getattr(visitor, "leave_" + name, None)
            )
        if state == _LEAVE:
            pair[1](node)
            continue
        if overrides and id(node) in overrides:
            visitor.enter_scope_override(overrides[id(node)])
            stack.append((node, _END_OVERRIDE))
        visit = pair[0]
        if visit is not None:
            visit(node)
        if pair[1] is not None:  # (most types have no leave_: nothing to come back for)
            stack.append((node, _LEAVE))
        children = _children(node)
        if children:
            children.reverse()
            stack.extend([(child, _ENTER) for child in children])


def _names_in(node: cst.BaseExpression) -> Iterable[cst.Name]:
    while isinstance(node, cst.Attribute):
        yield node.attr
        node = node.value
    if isinstance(node, cst.Name):
        yield node

"""The analysis: one LibCST pass over a module, then the rules, giving findings and edits.

The pass (:class:`ModuleIndex`) records scopes, bindings, calls and name
references. The rules then resolve each call's callee to a qualified name
through the module's own imports, look it up in the catalog and decide, from
the call's arguments, which codes apply and which edits fix them.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ac_fixer import catalog as cat
from ac_fixer.fixes import (
    AddImportAlias,
    AddKeyword,
    Edit,
    RemoveArg,
    RemoveImportAlias,
    RenameImportAlias,
    RenameReference,
    SetArgValue,
)
from ac_fixer.findings import NOT_LITERAL, CallArgument, Finding
from ac_fixer.literals import literal_alternatives, literal_value
from ac_fixer.project_rules import (
    closed_world_note, method_qualname, project_attribute_modes, project_modes, wrapper_note,
)
from ac_fixer.scopes import ALIAS, IMPORT, LITERAL, OTHER, PARAM, Binding, Scope, dotted_name, import_module_name

PARTIAL_NAMES = frozenset({"functools.partial"})

# --------------------------------------------------------------------------- the pass


@dataclass
class _CallSite:
    node: cst.Call
    scope: Scope
    order: int
    rank: int  # index among all calls of the module, in source order


@dataclass
class _Reference:
    node: cst.Name
    scope: Scope


class ModuleIndex(cst.CSTVisitor):
    """Scopes, bindings, calls and name references of one module, in one walk."""

    def __init__(self, project=None) -> None:
        super().__init__()
        self.project = project  # project.FileContext: resolves relative imports
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self.calls: list[_CallSite] = []
        self.references: list[_Reference] = []
        self._order = 0
        self._not_references: set[int] = set()
        self._scope_stack: list[Scope] = []
        # Subtrees evaluated in another scope than their place suggests (a comprehension's
        # first iterable): node id -> that scope (see walk()).
        self.scope_overrides: dict = {}

    # -- helpers
    def _next(self) -> int:
        self._order += 1
        return self._order

    def _push(self, kind: str) -> Scope:
        self._scope_stack.append(self.scope)
        self.scope = Scope(kind, self.scope)
        return self.scope

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
        self.calls.append(_CallSite(node, self.scope, self._next(), len(self.calls)))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._not_references:
            self.references.append(_Reference(node, self.scope))


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


def _children(node: cst.CSTNode) -> list:
    """A node's child nodes in source order, read directly from the dataclass fields.

    LibCST's own ``visit`` rebuilds every node it passes (its visitors may replace
    children); for a read-only pass, reading the fields is about 4 times faster.
    """
    found = []
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
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
    while stack:
        node, state = stack.pop()
        if state == _END_OVERRIDE:
            visitor.leave_scope_override()
            continue
        name = type(node).__name__
        if state == _LEAVE:
            leave = getattr(visitor, "leave_" + name, None)
            if leave is not None:
                leave(node)
            continue
        if overrides and id(node) in overrides:
            visitor.enter_scope_override(overrides[id(node)])
            stack.append((node, _END_OVERRIDE))
        visit = getattr(visitor, "visit_" + name, None)
        if visit is not None:
            visit(node)
        stack.append((node, _LEAVE))
        stack.extend((child, _ENTER) for child in reversed(_children(node)))


def _names_in(node: cst.BaseExpression) -> Iterable[cst.Name]:
    while isinstance(node, cst.Attribute):
        yield node.attr
        node = node.value
    if isinstance(node, cst.Name):
        yield node


# --------------------------------------------------------------------------- resolution


class _Resolver:
    def __init__(self, index: ModuleIndex, catalog: cat.Catalog, project=None):
        self.index = index
        self.catalog = catalog
        self.project = project  # project.FileContext, or None

    def name(self, name: str, scope: Scope, depth: int = 0) -> Optional[str]:
        """The qualified name ``name`` refers to in ``scope``, when it is certain."""
        if depth > 10:
            return None
        owner, bindings = scope.lookup(name)
        candidates = set()
        for binding in bindings:
            if binding.kind == IMPORT:
                candidates.add(binding.qualname)
            elif binding.kind == ALIAS:
                candidates.add(self.expression(binding.expr, binding.scope, depth + 1))
            elif binding.kind == LITERAL and binding.values == (None,):
                continue  # `F = None` beside an import: calling it would fail anyway
            else:
                return None
        if len(candidates) == 1:
            return candidates.pop()
        if candidates and all(b.order == -1 for b in bindings):
            # Several star imports: a name is bound by the modules that export it. We know
            # what torch modules export only through the catalog; use it when it decides.
            known = {self.catalog.lookup(c) for c in candidates} - {None}
            if len(known) == 1:
                target = known.pop()
                return next(c for c in sorted(candidates) if self.catalog.lookup(c) is target)
        return None

    def expression(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        resolved = self.name(head, scope, depth)
        if resolved is None:
            return None
        return f"{resolved}.{rest}" if rest else resolved

    def mode(self, node: cst.BaseExpression, scope: Scope, order: int, depth: int = 0) -> "_Modes":
        """The modes an argument can take, where Python's semantics make it certain."""
        known, values = literal_alternatives(node)
        if known:
            return _Modes(values, None)
        if isinstance(node, cst.IfExp):
            body = self.mode(node.body, scope, order, depth + 1)
            orelse = self.mode(node.orelse, scope, order, depth + 1)
            if body.known and orelse.known:
                merged = [v for i, v in enumerate(body.values + orelse.values) if v not in (body.values + orelse.values)[:i]]
                return _Modes(tuple(merged), None)
            return _Modes(None, body.unknown_because or orelse.unknown_because)
        if isinstance(node, cst.Name) and depth < 10:
            owner, bindings = scope.lookup(node.value)
            if owner is None:
                return _Modes(None, f"`{node.value}` is not defined in this file")
            if len(bindings) == 1:
                binding = bindings[0]
                if binding.kind == LITERAL and (owner is not scope or binding.order < order):
                    return _Modes(binding.values, None)
                if self.project is not None:
                    decided = project_modes(self.project, node, owner, binding)
                    if decided is not None:
                        return decided
                if binding.kind == PARAM:
                    default = _describe_values(binding.values)
                    why = f"parameter `{node.value}`" + (f", default {default}" if default else "")
                    return _Modes(None, why)
                if binding.kind == ALIAS and isinstance(binding.expr, cst.Name) and owner is not scope:
                    return self.mode(binding.expr, binding.scope, order, depth + 1)
            return _Modes(None, f"`{node.value}` is assigned more than once or not from a literal")
        if isinstance(node, cst.Attribute) and self.project is not None:
            decided = project_attribute_modes(self.project, self, node, scope)
            if decided is not None:
                return decided
        return _Modes(None, f"`{cst.Module([]).code_for_node(node)}` is computed at run time")


@dataclass
class _Modes:
    values: Optional[tuple]
    unknown_because: Optional[str]
    # Decided from the project's calls (project-wide analysis): what was seen, and
    # whether the decision rests on a closed world (then its fix is unsafe).
    evidence: tuple = ()
    closed_world: bool = False

    @property
    def known(self) -> bool:
        return self.values is not None


def _describe_values(values: Iterable) -> str:
    return " or ".join(repr(v) for v in values)


# --------------------------------------------------------------------------- rules


@dataclass
class PendingFinding:
    """A finding before positions are known."""

    node: cst.Call
    code: str
    message: str
    target: cat.Target
    mode: Optional[str]
    modes: tuple
    fix: Optional[str]
    edits: list = field(default_factory=list)
    unsafe: bool = False
    changes_behavior: bool = False
    arguments: tuple = ()
    rewrite_to: Optional[str] = None
    rewrite_keywords: tuple = ()
    fix_value: Optional[bool] = None


_ABSENT = object()
_DYNAMIC = object()


class _BoundArguments:
    """A call's arguments matched to a target's parameters, as Python would."""

    def __init__(self, args: Iterable[cst.Arg]):
        self.by_position: dict[int, cst.Arg] = {}
        self.by_keyword: dict[str, cst.Arg] = {}
        self.first_star: Optional[int] = None
        self.has_double_star = False
        position = 0
        for arg in args:
            if arg.star == "*":
                if self.first_star is None:
                    self.first_star = position
            elif arg.star == "**":
                self.has_double_star = True
            elif arg.keyword is None:
                if self.first_star is None:
                    self.by_position[position] = arg
                position += 1
            else:
                self.by_keyword[arg.keyword.value] = arg

    def get(self, param: Optional[cat.Param]):
        """The Arg passed for ``param``, _DYNAMIC when *args/**kwargs may carry it, else _ABSENT."""
        if param is None:
            return _ABSENT
        if param.position is not None and param.position in self.by_position:
            return self.by_position[param.position]
        if param.keyword and param.keyword in self.by_keyword:
            return self.by_keyword[param.keyword]
        if param.position is not None and self.first_star is not None and param.position >= self.first_star:
            return _DYNAMIC
        if self.has_double_star and param.keyword:
            return _DYNAMIC
        return _ABSENT


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _quote(mode: str) -> str:
    return f'"{mode}"'


class _Rules:
    def __init__(
        self,
        index: ModuleIndex,
        catalog: cat.Catalog,
        value: bool,
        project=None,
        *,
        path: str = "",
        text: Optional[Callable[[], str]] = None,
        used_names: frozenset = frozenset(),
    ):
        self.index = index
        self.catalog = catalog
        self.value = value
        self.project = project
        self.resolve = _Resolver(index, catalog, project)
        self._references_by_binding: Optional[dict] = None
        self.path = path
        self._text = text  # the module's source text, read only when an import may go
        self.used_names = used_names  # used where the tree cannot show it (notebook magics)

    # -- entry
    def findings(self) -> list[PendingFinding]:
        pending: list[PendingFinding] = []
        rewrite_sites = {}
        for site in self.index.calls:
            resolved = self._target_of(site)
            if resolved is None:
                continue
            target, args, callee = resolved
            pending.extend(self._check_flag(site, target, args, via_partial=callee is not site.node.func))
            if target.rename_to or target.replace_with:
                rewrite_sites[id(site.node)] = (site, target, args, callee)
        for site, target, args, callee in rewrite_sites.values():
            finding = self._check_deprecated(site, target, args, callee, rewrite_sites)
            if finding is not None:
                pending.append(finding)
        return pending

    def _target_of(self, site: _CallSite):
        qualname = self.resolve.expression(site.node.func, site.scope)
        if qualname is None and self.project is not None:
            qualname = method_qualname(self.project, self.resolve, site.node.func, site.scope)
        if qualname is None:
            return None
        target = self.catalog.lookup(qualname)
        if target is not None:
            return target, site.node.args, site.node.func
        if qualname in PARTIAL_NAMES and site.node.args:
            first = site.node.args[0]
            if first.star or first.keyword is not None:
                return None
            inner = self.resolve.expression(first.value, site.scope)
            target = self.catalog.lookup(inner) if inner else None
            if target is not None:
                return target, site.node.args[1:], first.value
        return None

    # -- ACF001 / ACF002 / ACF003 / ACF004
    def _check_flag(self, site: _CallSite, target: cat.Target, args, via_partial: bool = False) -> list[PendingFinding]:
        if target.flag_param is None or target.rule is None:
            return []
        bound = _BoundArguments(args)
        flag = bound.get(target.flag_param)
        if flag is _DYNAMIC:
            return []
        if via_partial and not target.every_mode and bound.get(target.mode_param) is _ABSENT:
            return []  # partial(F.interpolate, ...) without a mode: the final call picks it
        modes = self._modes(site, target, bound)
        arguments = tuple(_call_argument(a) for a in args)
        if flag is _ABSENT or _is_none(flag.value):
            return self._missing_flag(site, target, bound, flag, modes, arguments)
        rejected = self._rejected_flag(site, target, flag, modes, arguments)
        return [rejected] if rejected else []

    def _modes(self, site: _CallSite, target: cat.Target, bound: _BoundArguments) -> _Modes:
        if target.mode_param is None:
            return _Modes((target.default_mode,) if target.default_mode else (), None)
        mode = bound.get(target.mode_param)
        if mode is _ABSENT:
            return _Modes((target.default_mode,), None) if target.default_mode else _Modes(None, "no mode")
        if mode is _DYNAMIC:
            return _Modes(None, "the mode may come from *args or **kwargs")
        return self.resolve.mode(mode.value, site.scope, site.order)

    def _missing_flag(self, site, target, bound, flag, modes: _Modes, arguments) -> list[PendingFinding]:
        name = _short(target.name)
        value_text = "True" if self.value else "False"
        edits: list[Edit] = []
        if flag is _ABSENT:
            edits.append(AddKeyword(site.node, target.flag_param.keyword, value_text))
        else:
            edits.append(SetArgValue(flag, value_text))
        fix = f"{target.flag_param.keyword}={value_text}"
        consequence = (
            f"{fix} changes what it computes (restores the pre-default results)"
            if self.value
            else f"{fix} keeps what it computes today"
        )
        implicit = "align_corners=None" if flag is not _ABSENT else "no align_corners"
        if self.project is not None:
            consequence += wrapper_note(self.project, target)
        if target.every_mode:
            mode = modes.values[0] if modes.known and len(modes.values) == 1 else None
            return [
                PendingFinding(
                    site.node, cat.MISSING_FLAG_EVERY_MODE,
                    f"`{name}` with {implicit} (torch warns at every call): {consequence}",
                    target, mode, modes.values or (), fix, edits,
                    changes_behavior=self.value, arguments=arguments, fix_value=self.value,
                )
            ]
        if not modes.known:
            return [self._unknown_mode(site, target, modes.unknown_because, (), arguments, modes.evidence)]
        strings = [m for m in modes.values if isinstance(m, str)]
        if len(strings) != len(modes.values):
            return [self._unknown_mode(site, target, "the mode may be None", modes.values, arguments, modes.evidence)]
        using = [m for m in strings if m in self.catalog.modes_using_flag]
        if not using:
            return []
        if len(using) != len(strings):
            return [self._unknown_mode(
                site, target, "some of its modes reject align_corners", strings, arguments, modes.evidence
            )]
        if modes.closed_world:
            consequence += closed_world_note(modes)
        mode_text = " or ".join(_quote(m) for m in strings)
        if self.value and any(m in self.catalog.modes_rejecting_true for m in strings):
            # lanczos raises ValueError for align_corners=True: only False can be written.
            return [
                PendingFinding(
                    site.node, cat.MISSING_FLAG,
                    f"`{name}` with mode={mode_text} and {implicit}: this mode rejects align_corners=True; "
                    "only align_corners=False (today's behavior) can be written",
                    target, strings[0] if len(strings) == 1 else None, tuple(strings), None, [],
                    arguments=arguments,
                )
            ]
        return [
            PendingFinding(
                site.node, cat.MISSING_FLAG,
                f"`{name}` with mode={mode_text} and {implicit}: {consequence}",
                target, strings[0] if len(strings) == 1 else None, tuple(strings), fix, edits,
                changes_behavior=self.value, arguments=arguments, fix_value=self.value, unsafe=modes.closed_world,
            )
        ]

    def _unknown_mode(self, site, target, why, modes, arguments, evidence=()) -> PendingFinding:
        name = _short(target.name)
        rejecting = ", ".join(sorted(self.catalog.modes_rejecting_flag))
        seen = f" (can be {_describe_values(modes)})" if modes else ""
        if evidence:  # decided (or not) from the project: say why, and what was seen
            seen = f"{seen}: {why}; seen: {'; '.join(evidence)}"
        message = (
            f"`{name}` without align_corners and a mode not known statically{seen}"
            f"{': ' + why if why and not modes and not evidence else ''}. "
            f"Adding align_corners raises ValueError if the mode is {rejecting}; "
            "run `ac-fixer audit` to see which modes occur"
        )
        return PendingFinding(
            site.node, cat.UNKNOWN_MODE, message, target, None, tuple(modes), None, [], arguments=arguments
        )

    def _rejected_flag(self, site, target, flag: cst.Arg, modes: _Modes, arguments) -> Optional[PendingFinding]:
        if target.every_mode or not modes.known or not modes.values:
            return None
        value = literal_value(flag.value)
        if value not in (True, False):
            return None  # a value that may be None at run time
        mode_text = " or ".join(_quote(m) for m in modes.values)
        if not all(isinstance(m, str) and m in self.catalog.modes_rejecting_flag for m in modes.values):
            # A mode that uses the flag but raises for a true one (lanczos): only False runs.
            # Removing the flag would leave it implicit (ACF001), so the fix writes the False
            # that removing it means.
            if value is False or value == 0:
                return None
            if not all(isinstance(m, str) and m in self.catalog.modes_rejecting_true for m in modes.values):
                return None
            return PendingFinding(
                site.node, cat.REJECTED_FLAG,
                f"`{_short(target.name)}` with mode={mode_text} rejects align_corners=True (raises ValueError): "
                f"only {cat.FLAG}=False runs",
                target, modes.values[0] if len(modes.values) == 1 else None, tuple(modes.values),
                f"{cat.FLAG}=False", [SetArgValue(flag, "False")], unsafe=True, arguments=arguments,
            )
        if flag.keyword is not None or flag is site.node.args[-1]:
            edit: Edit = RemoveArg(site.node, flag)
        else:
            edit = SetArgValue(flag, "None")
        return PendingFinding(
            site.node, cat.REJECTED_FLAG,
            f"`{_short(target.name)}` with mode={mode_text} rejects align_corners (raises ValueError): "
            "remove the argument",
            target, modes.values[0] if len(modes.values) == 1 else None, tuple(modes.values), "", [edit],
            unsafe=True, arguments=arguments,
        )

    # -- ACF101 / ACF102
    def _check_deprecated(self, site, target: cat.Target, args, callee, rewrite_sites) -> Optional[PendingFinding]:
        arguments = tuple(_call_argument(a) for a in args)
        old = _short(target.name)
        if target.rename_to:
            new_qualname = target.rename_to
            code = cat.DEPRECATED_ALIAS
            keywords: tuple = ()
            semantics_kept_for_any_use = True
        else:
            replacement = target.replace_with
            new_qualname = replacement.name
            code = cat.DEPRECATED_FIXED_MODE
            keywords = (("mode", replacement.mode),)
            if replacement.align_corners is not None:
                keywords += ((cat.FLAG, replacement.align_corners),)
            semantics_kept_for_any_use = False
        new = _short(new_qualname)
        edits: list[Edit] = []
        renames = self._rename_edits(site, callee, new, new_qualname, semantics_kept_for_any_use, rewrite_sites)
        if renames is not None and any(k in _BoundArguments(args).by_keyword for k, _ in keywords):
            renames = None  # e.g. upsample_bilinear(x, mode=...): a TypeError today
        fixable = renames is not None
        if fixable:
            edits.extend(renames)
            # A renamed import changes every call through it: each such call gets its
            # keywords in the same fix, so no subset of fixes can leave one half-done.
            renamed_callees = {id(e.node) for e in renames if isinstance(e, RenameReference)}
            affected = [site] + [
                s for s, *_ in rewrite_sites.values() if s is not site and id(s.node.func) in renamed_callees
            ]
            for call_site in affected:
                for keyword, value in keywords:
                    edits.append(AddKeyword(call_site.node, keyword, _python_literal(value)))
        keyword_text = ", ".join(f"{k}={_python_literal(v)}" for k, v in keywords)
        if code == cat.DEPRECATED_ALIAS:
            message = f"`{old}` is deprecated: use `{new}` (the same function)"
            fix_text = new
        else:
            message = f"`{old}` is deprecated: use `{new}(..., {keyword_text})`, which computes the same"
            fix_text = f"{new}(..., {keyword_text})"
        return PendingFinding(
            site.node, code, message, target, None, (), fix_text if fixable else None,
            edits if fixable else [], arguments=arguments, rewrite_to=new_qualname, rewrite_keywords=keywords,
        )

    def _same_target(self, module: Optional[str], new: str, new_qualname: str) -> bool:
        """Whether ``module.new`` names what ``new_qualname`` names (catalog aliases count)."""
        if not module:
            return False
        wanted = self.catalog.lookup(new_qualname)
        return wanted is not None and self.catalog.lookup(f"{module}.{new}") is wanted

    def _rename_edits(self, site, callee, new: str, new_qualname: str, any_use_ok: bool, rewrite_sites):
        """Edits that make ``callee`` refer to ``new_qualname``; None when no safe rename exists."""
        if isinstance(callee, cst.Attribute):
            module = self.resolve.expression(callee.value, site.scope)
            return [RenameReference(callee, new)] if self._same_target(module, new, new_qualname) else None
        if not isinstance(callee, cst.Name):
            return None
        if self.resolve.name(new, site.scope) == new_qualname:
            # The new name is already imported; the old import goes when nothing else uses it.
            removal = self._remove_old_import(site, callee, new, new_qualname, any_use_ok, rewrite_sites)
            return removal or [RenameReference(callee, new)]
        owner, bindings = site.scope.lookup(callee.value)
        if len(bindings) != 1 or bindings[0].kind != IMPORT or bindings[0].node is None:
            return None
        binding = bindings[0]
        alias: cst.ImportAlias = binding.node
        statement = binding.statement
        if not isinstance(statement, cst.ImportFrom):
            return None
        if not self._same_target(import_module_name(statement), new, new_qualname):
            return None
        if site.scope.lookup(new)[0] is not None or owner.lookup(new)[0] is not None:
            return None  # the new name means something else here
        if owner.kind == "module":
            # A module-level name may be imported from this module elsewhere (or listed
            # in __all__): keep it, import the new name beside it, rename this call --
            # unless the rename leaves it unused (ACF102): then the import itself is renamed,
            # as ruff's F401 would otherwise report it.
            local = None
            if self._import_unused_after(callee.value, binding, any_use_ok, rewrite_sites):
                local = self._rename_import(alias, new, self._references_of(binding))
            return local or [AddImportAlias(statement, new), RenameReference(callee, new)]
        references = self._references_of(binding)
        if not any_use_ok:
            callee_ids = {id(s.node.func) for s, *_ in rewrite_sites.values()}
            if any(id(ref.node) not in callee_ids for ref in references):
                return None  # used other than as a call we rewrite
        return self._rename_import(alias, new, references)

    @staticmethod
    def _rename_import(alias: cst.ImportAlias, new: str, references: list) -> Optional[list]:
        """Rename an imported name and every reference to it; None when ``new`` means
        something else where a reference is."""
        if alias.asname is not None:
            kept = alias.asname.name.value
            return [RenameImportAlias(alias, new), *(RenameReference(ref.node, kept) for ref in references)]
        if any(ref.scope.lookup(new)[0] is not None for ref in references):
            return None
        return [RenameImportAlias(alias, new), *(RenameReference(ref.node, new) for ref in references)]

    def _import_unused_after(self, name: str, binding: Binding, any_use_ok: bool, rewrite_sites) -> bool:
        """Whether a module-level imported ``name`` is used only as the callee of calls this
        fix rewrites (ACF102 only), is not exported (``__all__``, a package's ``__init__``)
        and is not used where the tree cannot show it (a notebook's magic lines)."""
        if any_use_ok or name in self.used_names:
            return False
        if self.path.replace("\\", "/").rsplit("/", 1)[-1] in ("__init__.py", "__init__.pyi"):
            return False
        references = self._references_of(binding)
        callee_ids = {id(s.node.func) for s, *_ in rewrite_sites.values()}
        if not references or any(id(ref.node) not in callee_ids for ref in references):
            return False
        text = self._text() if self._text is not None else ""
        if "__all__" in text and re.search(r"""['"]""" + re.escape(name) + r"""['"]""", text):
            return False  # may be listed in __all__
        return True

    def _remove_old_import(self, site, callee: cst.Name, new: str, new_qualname: str, any_use_ok, rewrite_sites):
        """With ``new`` already imported: remove the old ``from … import`` name and rename every
        use of it, when the rename leaves it unused; None otherwise."""
        owner, bindings = site.scope.lookup(callee.value)
        if owner is None or owner.kind != "module" or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind != IMPORT or binding.node is None or not isinstance(binding.statement, cst.ImportFrom):
            return None
        if not self._import_unused_after(callee.value, binding, any_use_ok, rewrite_sites):
            return None
        references = self._references_of(binding)
        if any(self.resolve.name(new, ref.scope) != new_qualname for ref in references):
            return None
        return [RemoveImportAlias(binding.statement, binding.node), *(RenameReference(r.node, new) for r in references)]

    def _references_of(self, binding: Binding) -> list[_Reference]:
        if self._references_by_binding is None:
            table: dict = {}
            for ref in self.index.references:
                _, bindings = ref.scope.lookup(ref.node.value)
                if len(bindings) == 1:
                    table.setdefault(id(bindings[0]), []).append(ref)
            self._references_by_binding = table
        return self._references_by_binding.get(id(binding), [])


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _python_literal(value) -> str:
    if isinstance(value, str):
        return _quote(value)
    return repr(value)


def _call_argument(arg: cst.Arg) -> CallArgument:
    source = cst.Module([]).code_for_node(arg.value)
    keyword = arg.keyword.value if arg.keyword is not None else None
    if arg.star:
        return CallArgument(arg.star, NOT_LITERAL, source)
    return CallArgument(keyword, literal_value(arg.value), source)


# --------------------------------------------------------------------------- entry point

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def noqa_codes(line: str) -> Optional[frozenset]:
    """Codes suppressed on a line: None when none, an empty set for a bare ``# noqa``."""
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)


@dataclass(frozen=True)
class _Span:
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


def spans_from_ast(index: ModuleIndex, text: Optional[str], nodes: list) -> Optional[dict]:
    """Positions of the given calls, read from the stdlib ast (several times cheaper than
    LibCST's PositionProvider, which prints the whole module). The n-th call in source
    order is the same call in both trees; every pair used is checked, and any doubt
    returns None so that the caller falls back to PositionProvider."""
    if text is None:
        return None
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
        spans[id(node)] = _Span(
            call.lineno, column(call.lineno, call.col_offset), call.end_lineno, column(call.end_lineno, call.end_col_offset)
        )
    return spans


@dataclass
class Analysis:
    module: cst.Module
    findings: list[Finding]
    edits: dict  # id(finding) -> list of edits
    nodes: dict = field(default_factory=dict)  # id(finding) -> the call it is about


def analyze_module(
    module: cst.Module,
    path: str,
    *,
    catalog: Optional[cat.Catalog] = None,
    value: bool = False,
    enabled: Callable[[str], bool] = lambda code: True,
    source_text: Optional[str] = None,
    respect_noqa: bool = True,
    used_names: frozenset = frozenset(),
    project=None,
) -> Analysis:
    catalog = catalog or cat.default_catalog()
    index = ModuleIndex(project)
    walk(module, index)
    text_of = (lambda: source_text) if source_text is not None else (lambda: module.code)
    rules = _Rules(index, catalog, value, project, path=path, text=text_of, used_names=used_names)
    pending = [p for p in rules.findings() if enabled(p.code)]
    if not pending:
        return Analysis(module, [], {})
    spans = spans_from_ast(index, source_text, [item.node for item in pending])
    if spans is None:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        spans = {
            id(item.node): _Span(
                positions[item.node].start.line, positions[item.node].start.column,
                positions[item.node].end.line, positions[item.node].end.column,
            )
            for item in pending
        }
    text = module.code if source_text is None else source_text
    # Physical lines as Python counts them (str.splitlines would also split at \x0c & co.).
    has_noqa = respect_noqa and re.search("noqa", text, re.IGNORECASE) is not None  # `# NOQA` counts too
    lines = re.split(r"\r\n|\r|\n", text) if has_noqa else None
    findings: list[Finding] = []
    edits: dict = {}
    nodes: dict = {}
    for item in pending:
        span = spans[id(item.node)]
        if lines is not None and 0 < span.line <= len(lines):
            suppressed = noqa_codes(lines[span.line - 1])
            if suppressed is not None and (not suppressed or item.code in suppressed):
                continue
        finding = Finding(
            path=path,
            line=span.line,
            column=span.column + 1,
            end_line=span.end_line,
            end_column=span.end_column + 1,
            code=item.code,
            message=item.message,
            function=item.target.name,
            mode=item.mode,
            fixable=item.fix is not None and bool(item.edits),
            fix=item.fix if item.edits else None,
            unsafe=item.unsafe,
            changes_behavior=item.changes_behavior,
            arguments=item.arguments,
            modes=tuple(m for m in item.modes if isinstance(m, str)),
            rewrite_to=item.rewrite_to,
            rewrite_keywords=item.rewrite_keywords,
            fix_value=item.fix_value,
        )
        findings.append(finding)
        edits[id(finding)] = item.edits
        nodes[id(finding)] = item.node
    findings.sort(key=Finding.sort_key)
    return Analysis(module, findings, edits, nodes)

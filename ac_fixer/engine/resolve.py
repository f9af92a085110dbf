"""Name resolution: which qualified name a callee names (through the module's imports,
aliases and star imports), which catalog row a call is of (``functools.partial`` seen
through), and which values a mode argument can take.

The project's facts (constants of other modules, parameters decided from every call)
are asked through ``project_rules.py`` when a project is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import libcst as cst

from ac_fixer import catalog as cat
from ac_fixer.engine.binding import ABSENT, DYNAMIC, BoundCall
from ac_fixer.engine.index import CallSite, ModuleIndex
from ac_fixer.engine.literals import literal_alternatives
from ac_fixer.engine.scopes import ALIAS, IMPORT, LITERAL, PARAM, Scope, dotted_name
from ac_fixer.project_rules import method_qualname, project_attribute_modes, project_modes

PARTIAL_NAMES = frozenset({"functools.partial"})


class Resolver:
    """Qualified names and mode values, where Python's semantics make them certain."""

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

    def call_target(self, site: CallSite) -> Optional[BoundCall]:
        """The call as a call of a catalog row, or None when it is not one (for certain)."""
        qualname = self.expression(site.node.func, site.scope)
        if qualname is None and self.project is not None:
            qualname = method_qualname(self.project, self, site.node.func, site.scope)
        if qualname is None:
            return None
        target = self.catalog.lookup(qualname)
        if target is not None:
            return BoundCall(site, target, site.node.args, site.node.func)
        if qualname in PARTIAL_NAMES and site.node.args:
            first = site.node.args[0]
            if first.star or first.keyword is not None:
                return None
            inner = self.expression(first.value, site.scope)
            target = self.catalog.lookup(inner) if inner else None
            if target is not None:
                return BoundCall(site, target, site.node.args[1:], first.value)
        return None

    def call_modes(self, call: BoundCall) -> "Modes":
        """The modes a call of a catalog row runs with (its row's default when none is passed)."""
        target = call.target
        if target.mode_param is None:
            return Modes((target.default_mode,) if target.default_mode else (), None)
        mode = call.bound.get(target.mode_param)
        if mode is ABSENT:
            return Modes((target.default_mode,), None) if target.default_mode else Modes(None, "no mode")
        if mode is DYNAMIC:
            return Modes(None, "the mode may come from *args or **kwargs")
        return self.mode(mode.value, call.site.scope, call.site.order)

    def mode(self, node: cst.BaseExpression, scope: Scope, order: int, depth: int = 0) -> "Modes":
        """The modes an argument can take, where Python's semantics make it certain."""
        known, values = literal_alternatives(node)
        if known:
            return Modes(values, None)
        if isinstance(node, cst.IfExp):
            body = self.mode(node.body, scope, order, depth + 1)
            orelse = self.mode(node.orelse, scope, order, depth + 1)
            if body.known and orelse.known:
                merged = [v for i, v in enumerate(body.values + orelse.values) if v not in (body.values + orelse.values)[:i]]
                return Modes(tuple(merged), None)
            return Modes(None, body.unknown_because or orelse.unknown_because)
        if isinstance(node, cst.Name) and depth < 10:
            owner, bindings = scope.lookup(node.value)
            if owner is None:
                return Modes(None, f"`{node.value}` is not defined in this file")
            if len(bindings) == 1:
                binding = bindings[0]
                if binding.kind == LITERAL and (owner is not scope or binding.order < order):
                    return Modes(binding.values, None)
                if self.project is not None:
                    decided = project_modes(self.project, node, owner, binding)
                    if decided is not None:
                        return decided
                if binding.kind == PARAM:
                    default = describe_values(binding.values)
                    why = f"parameter `{node.value}`" + (f", default {default}" if default else "")
                    return Modes(None, why)
                if binding.kind == ALIAS and isinstance(binding.expr, cst.Name) and owner is not scope:
                    return self.mode(binding.expr, binding.scope, order, depth + 1)
            return Modes(None, f"`{node.value}` is assigned more than once or not from a literal")
        if isinstance(node, cst.Attribute) and self.project is not None:
            decided = project_attribute_modes(self.project, self, node, scope)
            if decided is not None:
                return decided
        return Modes(None, f"`{cst.Module([]).code_for_node(node)}` is computed at run time")


@dataclass
class Modes:
    """The values a mode argument can take (None: not known, and why)."""

    values: Optional[tuple]
    unknown_because: Optional[str]
    # Decided from the project's calls (project-wide analysis): what was seen, and
    # whether the decision rests on a closed world (then its fix is unsafe).
    evidence: tuple = ()
    closed_world: bool = False

    @property
    def known(self) -> bool:
        return self.values is not None


def describe_values(values: Iterable) -> str:
    return " or ".join(repr(v) for v in values)

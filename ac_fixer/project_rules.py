"""The per-file analysis' questions to the project's facts (see project.py).

Kept apart from the analysis so that its hooks stay one call each: a mode read from a
constant of another module, a parameter or ``self.<attr>`` decided from the project's
calls, and the note that names the torch call a wrapper reaches.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ac_fixer.engine.scopes import IMPORT, PARAM, dotted_name


def _modes(values, why, evidence=(), closed_world=False):
    from ac_fixer.engine.resolve import Modes as _Modes

    return _Modes(values, why, evidence, closed_world)


def _names(scope) -> list:
    """The function/class names from the module down to ``scope`` (its qualified name)."""
    names = []
    while scope is not None and scope.parent is not None:
        if scope.kind in ("function", "class") and scope.name:
            names.append(scope.name)
        elif scope.kind in ("lambda", "comprehension"):
            return []  # a lambda's parameters: no qualified name to look up
        scope = scope.parent
    return list(reversed(names))


def _from_decision(decided):
    if decided is None:
        return None
    if decided.values is None:
        return _modes(None, decided.why, decided.evidence)
    return _modes(decided.values, decided.why, decided.evidence, closed_world=True)


def project_modes(project, node: cst.Name, owner, binding):
    """The modes of a name bound once: an imported constant of another module, or a
    parameter decided from every call in the project. None: the project does not know."""
    if binding.kind == IMPORT:
        values = project.constant(binding.qualname)
        if values is not None:
            return _modes(values, None)
        why = project.not_constant(binding.qualname)
        return _modes(None, why) if why else None
    if binding.kind == PARAM and owner.kind == "function":
        names = _names(owner)
        if names:
            return _from_decision(project.parameter(names, node.value))
    return None


def project_attribute_modes(project, resolver, node: cst.Attribute, scope):
    """``cfg.UP_MODE`` (a constant of an imported module) or ``self.mode`` (set from a
    constructor parameter, decided from every construction in the project)."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    qualname = resolver.expression(node, scope)
    values = project.constant(qualname)
    if values is not None:
        return _modes(values, None)
    why = project.not_constant(qualname)
    if why:
        return _modes(None, why)
    head, _, attr = dotted.partition(".")
    if "." in attr:
        return None
    owner, bindings = scope.lookup(head)
    if len(bindings) != 1 or not _first_param_of_method(owner, bindings[0]):
        return None
    names = _names(owner.parent)
    return _from_decision(project.attribute(names, attr)) if names else None


def _first_param_of_method(owner, binding) -> bool:
    if owner is None or owner.kind != "function" or binding.kind != PARAM:
        return False
    if owner.parent is None or owner.parent.kind != "class":
        return False
    params = [b for group in owner.bindings.values() for b in group if b.kind == PARAM]
    return min(b.order for b in params) == binding.order


def method_qualname(project, resolver, callee, scope) -> Optional[str]:
    """``obj.method`` where the class of ``obj`` is known: ``self`` in a method of the
    class, or a name assigned once from a construction of a project class. Only methods
    that are inferred wrappers are named (nothing else of a class is checked)."""
    if not (isinstance(callee, cst.Attribute) and isinstance(callee.value, cst.Name)):
        return None
    owner, bindings = scope.lookup(callee.value.value)
    if len(bindings) != 1:
        return None
    binding = bindings[0]
    qualname = None
    if _first_param_of_method(owner, binding):
        names = _names(owner.parent)
        qualname = project.qualified(names + [callee.attr.value]) if names else None
    elif binding.expr is not None and isinstance(binding.expr, cst.Call) and binding.kind != PARAM:
        klass = resolver.expression(binding.expr.func, binding.scope)
        qualname = f"{klass}.{callee.attr.value}" if klass else None
    if qualname is None:
        return None
    wrapper = project.wrapper(qualname)
    return wrapper.target.name if wrapper is not None else None


def wrapper_note(project, target) -> str:
    """For a call of an inferred wrapper: which torch call its arguments reach."""
    wrapper = project.wrapper(target.name)
    if wrapper is None:
        return ""
    short = wrapper.reaches.rsplit(".", 1)[-1]
    return f" (`{target.short_name}` forwards mode and align_corners to `{short}` at {wrapper.where})"


def closed_world_note(modes) -> str:
    """The evidence of a decision made from the project's calls."""
    return (
        f"; decided from every call in the project ({'; '.join(modes.evidence)}): code outside the project "
        "may pass other modes, so this fix is unsafe"
    )

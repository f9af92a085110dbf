"""Argument binding: a call's arguments matched to a catalog row's parameters, as Python
would match them, and the call's arguments as plain records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Optional

import libcst as cst

from ac_fixer import catalog as cat
from ac_fixer.engine.index import CallSite
from ac_fixer.engine.literals import literal_value
from ac_fixer.findings import NOT_LITERAL, CallArgument

# What BoundArguments.get answers for a parameter that is not passed, or may be passed
# through *args/**kwargs.
ABSENT = object()
DYNAMIC = object()


class BoundArguments:
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
        """The Arg passed for ``param``, DYNAMIC when *args/**kwargs may carry it, else ABSENT."""
        if param is None:
            return ABSENT
        if param.position is not None and param.position in self.by_position:
            return self.by_position[param.position]
        if param.keyword and param.keyword in self.by_keyword:
            return self.by_keyword[param.keyword]
        if param.position is not None and self.first_star is not None and param.position >= self.first_star:
            return DYNAMIC
        if self.has_double_star and param.keyword:
            return DYNAMIC
        return ABSENT


def call_argument(arg: cst.Arg) -> CallArgument:
    """An argument as the finding records it: keyword, literal value, source text."""
    source = cst.Module([]).code_for_node(arg.value)
    keyword = arg.keyword.value if arg.keyword is not None else None
    if arg.star:
        return CallArgument(arg.star, NOT_LITERAL, source)
    return CallArgument(keyword, literal_value(arg.value), source)


@dataclass
class BoundCall:
    """A call resolved to a catalog row: its arguments (for ``functools.partial(f, ...)``,
    those after ``f``) and the expression that names the row (``callee``)."""

    site: CallSite
    target: cat.Target
    args: tuple
    callee: cst.BaseExpression

    @property
    def node(self) -> cst.Call:
        return self.site.node

    @property
    def via_partial(self) -> bool:
        return self.callee is not self.site.node.func

    @cached_property
    def bound(self) -> BoundArguments:
        return BoundArguments(self.args)

    @cached_property
    def arguments(self) -> tuple:
        return tuple(call_argument(a) for a in self.args)

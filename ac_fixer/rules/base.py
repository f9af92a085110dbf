"""What every rule is made of: :class:`Rule` (docs, examples, predicate), :class:`Invalid`,
and :class:`CallShape`, what the screen tells a rule's predicate about a call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ac_fixer import catalog as cat
from ac_fixer.catalog import default_catalog

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


@dataclass(frozen=True)
class Invalid:
    code: str
    fixed: str | None = None  # None: no automatic fix


def listed(modes, last: str = "or") -> str:
    """Modes as the docs write them, in catalog order: `a`, `b` or `c`."""
    order = list(default_catalog().modes)
    names = [f"`{m}`" for m in sorted(modes, key=lambda m: order.index(m) if m in order else len(order))]
    return ", ".join(names[:-1]) + f" {last} " + names[-1] if len(names) > 1 else "".join(names)


USING = listed(default_catalog().modes_using_flag, "and")
REJECTING = listed(default_catalog().modes_rejecting_flag)
REJECTING_TRUE = listed(default_catalog().modes_rejecting_true)


# --------------------------------------------------------------------------- call shapes

# How a call passes align_corners, as far as a syntax tree tells without resolving names.
FLAG_ABSENT = "absent"  # not passed, and no *args/**kwargs that could carry it
FLAG_DYNAMIC = "dynamic"  # not passed by name or position, but *args/**kwargs may carry it
FLAG_NONE = "none"  # the literal None
FLAG_BOOLISH = "boolish"  # a literal the analysis may read as True or False (1, 0.0, -0, True)
FLAG_OTHER = "other"  # anything else (a name, an attribute, a call, ...)

# How a call passes its mode.
MODE_ABSENT = "absent"
MODE_DYNAMIC = "dynamic"  # *args/**kwargs may carry it
MODE_LITERAL = "literal"  # a string literal: CallShape.mode_text
MODE_RESOLVABLE = "resolvable"  # a name or a conditional the analysis resolves to literals
MODE_OTHER = "other"


@dataclass(frozen=True)
class CallShape:
    """What a rule's predicate may know of a call: its catalog row and how the flag and
    the mode are passed. Built by the screen; true whatever the callee resolves to."""

    target: cat.Target
    flag: str
    mode: str
    mode_text: Optional[str] = None
    catalog: Optional[cat.Catalog] = None

    @property
    def flag_rule(self) -> bool:
        return self.target.flag_param is not None and self.target.rule is not None

    @property
    def implicit_flag(self) -> bool:
        return self.flag_rule and self.flag in (FLAG_ABSENT, FLAG_NONE)

    def facts(self) -> cat.Catalog:
        return self.catalog or default_catalog()


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    what: str
    why: str
    example: str
    fix_safety: str
    valid: tuple
    invalid: tuple  # (source, fixed or None)
    may_fire: Callable[[CallShape], bool]  # the screen's question; True when unsure

    def markdown(self) -> str:
        return (
            f"## {self.code} {self.name}\n\n{self.summary}\n\n"
            f"### What it does\n{self.what}\n\n### Why is this bad?\n{self.why}\n\n"
            f"### Example\n```python\n{self.example}\n```\n\n### Fix safety\n{self.fix_safety}\n"
        )


# --------------------------------------------------------------------------- checks
#
# A family's ``check(calls, context)`` decides its codes for the calls the engine resolved
# to catalog rows (engine.binding.BoundCall) and returns PendingFindings. The engine and
# the fixes import LibCST; the checks import them when they run, so that the screen and a
# warm run (which ask only the predicates and the docs) never load LibCST.


@dataclass
class PendingFinding:
    """A finding before positions are known: what a rule's check returns."""

    node: object  # the libcst.Call it is about
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


@dataclass
class CheckContext:
    """What a check knows of the module besides its calls."""

    index: object  # engine.index.ModuleIndex: scopes, references
    resolve: object  # engine.resolve.Resolver
    catalog: cat.Catalog
    value: bool  # the align_corners value a fix writes (--value)
    project: object = None  # project.FileContext, or None
    path: str = ""
    text: Optional[Callable[[], str]] = None  # the module's source text, read only when needed
    used_names: frozenset = frozenset()  # used where the tree cannot show it (notebook magics)


def flag_argument(call):
    """For the flag rules (ACF001-ACF004): the align_corners argument the call passes, or
    engine.binding.ABSENT; None when they do not judge the call (the row has no flag or no
    rule, *args/**kwargs may carry the flag, or a functools.partial leaves the mode to the
    final call)."""
    from ac_fixer.engine.binding import ABSENT, DYNAMIC

    target = call.target
    if target.flag_param is None or target.rule is None:
        return None
    flag = call.bound.get(target.flag_param)
    if flag is DYNAMIC:
        return None
    if call.via_partial and not target.every_mode and call.bound.get(target.mode_param) is ABSENT:
        return None  # partial(F.interpolate, ...) without a mode: the final call picks it
    return flag


def is_none(node) -> bool:
    """The literal ``None`` (a libcst expression)."""
    import libcst as cst

    return isinstance(node, cst.Name) and node.value == "None"


def short_name(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def quoted(mode: str) -> str:
    return f'"{mode}"'


def python_literal(value) -> str:
    if isinstance(value, str):
        return quoted(value)
    return repr(value)

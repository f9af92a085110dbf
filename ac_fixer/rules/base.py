"""What every rule is made of: :class:`Rule` (docs, examples, predicate), :class:`Invalid`,
and :class:`CallShape`, what the screen tells a rule's predicate about a call."""

from __future__ import annotations

from dataclasses import dataclass
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



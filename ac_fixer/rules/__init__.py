"""Each rule: its documentation (ruff-style), its VALID/INVALID examples (Fixit-style)
and its cheap "may this call fire?" predicate.

The examples are tests: ``tests/test_rules.py`` checks that every VALID example
has no finding of the rule, every INVALID one has exactly the rule's finding,
and that the fix turns it into ``fixed``.

One module per rule family (``missing_flag``, ``rejected_flag``, ``deprecated``); what
a rule is made of is in ``base``. The decision itself runs in the analysis's one pass
(``analysis.py``).

The predicate is what the fast screen (``screen.py``) asks of a call it reads with
``ast``: the screen describes the call as a :class:`CallShape` and lets the file
through when any rule's ``may_fire`` says yes. A predicate may say yes too often
(the analysis decides), never too rarely: the differential fuzz (tests/test_screen.py,
benchmarks/fuzz_screens.py) holds the screen to that.
"""

from __future__ import annotations

from ac_fixer.rules import deprecated, missing_flag, rejected_flag
from ac_fixer.rules.base import (  # noqa: F401  (the names rules.* always offered)
    FLAG_ABSENT,
    FLAG_BOOLISH,
    FLAG_DYNAMIC,
    FLAG_NONE,
    FLAG_OTHER,
    HEADER,
    MODE_ABSENT,
    MODE_DYNAMIC,
    MODE_LITERAL,
    MODE_OTHER,
    MODE_RESOLVABLE,
    CallShape,
    Invalid,
    Rule,
)

# Every rule, in code order: each family module lists its own.
RULES = missing_flag.RULES + rejected_flag.RULES + deprecated.RULES

RULES_BY_CODE = {rule.code: rule for rule in RULES}


def may_fire(call: CallShape, rules=None) -> bool:
    """Whether any rule may report this call (the screen's one question)."""
    return any(rule.may_fire(call) for rule in (RULES if rules is None else rules))


def example_module(snippet: str) -> str:
    """A rule example as a whole module: the usual torch imports, then the snippet."""
    return HEADER + snippet + "\n"

"""Each rule: its documentation (ruff-style), its VALID/INVALID examples (Fixit-style),
its cheap "may this call fire?" predicate and its check.

The examples are tests: ``tests/test_rules.py`` checks that every VALID example
has no finding of the rule, every INVALID one has exactly the rule's finding,
and that the fix turns it into ``fixed``.

One module per rule family (``missing_flag``: ACF001-003, ``rejected_flag``: ACF004,
``deprecated``: ACF101/102), each listed in :data:`FAMILIES`; what a rule is made of is in
``base``. A family's ``check(calls, context)`` decides its codes for the calls the engine
(``ac_fixer/engine/``) resolved to catalog rows; the analysis (``analysis.py``) asks every
family's check once per module.

The predicate is what the fast screen (``fast/screen.py``) asks of a call it reads with
``ast``: the screen describes the call as a :class:`CallShape` and lets the file
through when any rule's ``may_fire`` says yes. A predicate may say yes too often
(the check decides), never too rarely: the differential fuzz (tests/test_screen.py,
benchmarks/fuzz_screens.py) holds the screen to that.
"""

from __future__ import annotations

from ac_fixer.rules import deprecated, missing_flag, rejected_flag
from ac_fixer.rules.base import HEADER
from ac_fixer.rules.base import (  # noqa: F401  (the vocabulary of the screen's question, rules.CallShape)
    FLAG_ABSENT,
    FLAG_BOOLISH,
    FLAG_DYNAMIC,
    FLAG_NONE,
    FLAG_OTHER,
    MODE_ABSENT,
    MODE_DYNAMIC,
    MODE_LITERAL,
    MODE_OTHER,
    MODE_RESOLVABLE,
    CallShape,
)

# Every rule family: its RULES (docs, examples, predicates) and its check.
FAMILIES = (missing_flag, rejected_flag, deprecated)

# Every rule, in code order: each family module lists its own.
RULES = tuple(rule for family in FAMILIES for rule in family.RULES)

RULES_BY_CODE = {rule.code: rule for rule in RULES}


def may_fire(call: CallShape, rules=None) -> bool:
    """Whether any rule may report this call (the screen's one question)."""
    return any(rule.may_fire(call) for rule in (RULES if rules is None else rules))


def example_module(snippet: str) -> str:
    """A rule example as a whole module: the usual torch imports, then the snippet."""
    return HEADER + snippet + "\n"

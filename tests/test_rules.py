"""Every rule's VALID/INVALID examples (ac_fixer/rules/) are tests, Fixit-style."""

from __future__ import annotations

import ast

import pytest

from ac_fixer.api import Settings, check_source, fix_source
from ac_fixer.rules import RULES, RULES_BY_CODE, example_module
from ac_fixer.rules.base import Invalid

DESIGN_CODES = ("ACF001", "ACF002", "ACF003", "ACF004", "ACF101", "ACF102")
UNSAFE = Settings(unsafe_fixes=True)

# INVALID examples whose `fixed` text disagrees with what the code does (the lead fixes one of them).
STALE_EXAMPLES: dict = {}


def _stale(code, index):
    reason = STALE_EXAMPLES.get((code, index))
    return (pytest.mark.xfail(strict=True, reason=reason),) if reason else ()


VALID = [pytest.param(rule.code, snippet, id=f"{rule.code}-valid-{i}") for rule in RULES for i, snippet in enumerate(rule.valid)]
INVALID = [
    pytest.param(rule.code, snippet, expected, id=f"{rule.code}-invalid-{i}", marks=_stale(rule.code, i))
    for rule in RULES
    for i, (snippet, expected) in enumerate(rule.invalid)
]


def _source(snippet: str) -> bytes:
    return example_module(snippet).encode()


def test_rules_are_the_designed_codes():
    assert tuple(rule.code for rule in RULES) == DESIGN_CODES
    assert set(RULES_BY_CODE) == set(DESIGN_CODES)
    assert len({rule.name for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_documentation_is_complete(rule):
    for field in ("name", "summary", "what", "why", "example", "fix_safety"):
        assert getattr(rule, field).strip(), field
    assert rule.valid, "a rule needs VALID examples"
    assert rule.invalid, "a rule needs INVALID examples"
    markdown = rule.markdown()
    assert markdown.startswith(f"## {rule.code} {rule.name}\n")
    assert rule.example in markdown


@pytest.mark.parametrize("code, snippet", VALID)
def test_valid_example_has_no_finding_of_its_rule(code, snippet):
    source = _source(snippet)
    ast.parse(source)
    findings = check_source(source, "example.py", UNSAFE)
    assert [f for f in findings if f.code == code] == []


@pytest.mark.parametrize("code, snippet, expected", INVALID)
def test_invalid_example_has_its_rule_and_fixes_to_fixed(code, snippet, expected):
    assert isinstance(expected, Invalid)
    assert expected.code == code
    source = _source(snippet)
    settings = UNSAFE if code == "ACF004" else Settings()
    findings = check_source(source, "example.py", settings)
    assert [f.code for f in findings] == [code]
    finding = findings[0]
    # The snippet starts after the three import lines.
    assert 4 <= finding.line <= 4 + snippet.count("\n")
    result = fix_source(source, "example.py", settings)
    if expected.fixed is None:
        assert not finding.fixable
        assert not result.changed
        assert result.source == source
    else:
        assert finding.fixable
        assert result.source.decode() == example_module(expected.fixed)
        again = fix_source(result.source, "example.py", settings)
        assert not again.changed
        assert [f.code for f in check_source(result.source, "example.py", settings)] == []


@pytest.mark.parametrize("code, snippet, expected", [p for p in INVALID if p.values[0] == "ACF004"])
def test_acf004_example_needs_unsafe_fixes(code, snippet, expected):
    source = _source(snippet)
    result = fix_source(source, "example.py", Settings())
    assert not result.changed
    assert [f.code for f in result.remaining] == ["ACF004"]
    assert result.remaining[0].unsafe


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_documented_example_is_reported_and_fixed_as_shown(rule):
    before, _, after = rule.example.partition("\n# fixed:\n")
    settings = UNSAFE if rule.code == "ACF004" else Settings()
    findings = check_source(_source(before), "example.py", settings)
    assert rule.code in [f.code for f in findings]
    result = fix_source(_source(before), "example.py", settings)
    if after:
        assert result.source.decode() == example_module(after)
    else:
        assert not any(f.code == rule.code and f.fixable for f in findings)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(code, marks=_stale(code, 1) if (code, 1) in STALE_EXAMPLES else ())
        for code in DESIGN_CODES
    ],
)
def test_invalid_examples_with_value_true(code):
    """``--value true``: the ACF001/ACF002 fixes write True; the other rules' fixes are unchanged."""
    rule = RULES_BY_CODE[code]
    settings = Settings(value=True, unsafe_fixes=True)
    for snippet, expected in rule.invalid:
        result = fix_source(_source(snippet), "example.py", settings)
        if expected.fixed is None:
            assert not result.changed
        elif code in ("ACF001", "ACF002"):
            want = example_module(expected.fixed).replace("align_corners=False", "align_corners=True")
            want = want.replace("size, False)", "size, True)")
            assert result.source.decode() == want
            assert all(f.changes_behavior for f in result.applied)
        else:
            assert result.source.decode() == example_module(expected.fixed)

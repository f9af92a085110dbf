"""Every rule carries its docs, its examples and the screen's predicate (issue 12)."""

from __future__ import annotations

import dataclasses

import pytest

from ac_fixer import rules
from ac_fixer.api import Settings, check_source
from ac_fixer.fast import screen
from ac_fixer.fast.prefilter import might_have_findings
from ac_fixer.rules import RULES


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_a_predicate_and_examples(rule):
    assert callable(rule.may_fire), f"{rule.code} has no may_fire predicate: the screen would never pass its calls"
    assert rule.valid and rule.invalid, f"{rule.code} needs VALID and INVALID examples"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_each_invalid_example_fires_its_own_predicate(rule):
    """The screen lets each INVALID example through because the rule's own predicate says
    so (not by luck of another rule's)."""
    from ac_fixer.rules import example_module

    for snippet, _ in rule.invalid:
        source = example_module(snippet).encode()
        assert might_have_findings(source, Settings())
        assert any(rule.may_fire(shape) for shape in _shapes(source)), f"{rule.code}: {snippet!r}"


def _shapes(source: bytes):
    import ast

    from ac_fixer.catalog import default_catalog

    catalog = default_catalog()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            for target in catalog.targets:
                if name in (n.rsplit(".", 1)[-1] for n in target.all_names()):
                    yield screen.call_shape(node, target, catalog)


def test_the_screen_asks_the_rules(monkeypatch):
    """A rule the screen has never heard of is consulted: its predicate alone passes a file."""
    from ac_fixer.catalog import default_catalog

    source = b'import torch.nn.functional as F\nF.interpolate(x, scale_factor=2, mode="nearest")\n'
    assert not screen.needs_analysis(source, default_catalog())
    extra = dataclasses.replace(RULES[0], code="ACF999", may_fire=lambda call: call.mode_text == "nearest")
    monkeypatch.setattr(rules, "RULES", RULES + (extra,))
    assert screen.needs_analysis(source, default_catalog())
    assert check_source(source, "<string>", Settings()) == []  # the analysis still decides


def test_every_rule_family_module_defines_its_check():
    """Each family module carries its check next to its docs, examples and predicates, and
    every rule comes from a family the analysis asks."""
    from ac_fixer.rules import FAMILIES

    for family in FAMILIES:
        assert callable(getattr(family, "check", None)), f"{family.__name__} has no check(calls, context)"
        assert family.RULES, f"{family.__name__} lists no rules"
    assert [r.code for r in RULES] == [r.code for family in FAMILIES for r in family.RULES]


@pytest.mark.parametrize("family_name, snippet, code", [
    ("missing_flag", 'F.interpolate(x, scale_factor=2, mode="bilinear")', "ACF001"),
    ("rejected_flag", 'F.interpolate(x, mode="nearest", align_corners=False)', "ACF004"),
    ("deprecated", "F.upsample(x, scale_factor=2)", "ACF101"),
])
def test_the_family_check_decides(monkeypatch, family_name, snippet, code):
    """The finding comes from the family module's check: silenced there, it is gone."""
    import importlib

    from ac_fixer.rules import example_module

    family = importlib.import_module(f"ac_fixer.rules.{family_name}")
    source = example_module(snippet).encode()
    assert [f.code for f in check_source(source, "<string>", Settings())] == [code]
    monkeypatch.setattr(family, "check", lambda calls, context: [])
    assert check_source(source, "<string>", Settings()) == []

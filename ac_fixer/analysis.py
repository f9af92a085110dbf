"""The analysis, a thin driver: the engine's one pass over a module, then each rule
family's check on the calls it resolved, giving findings (with positions, ``# noqa``
honoured) and their edits.

The machinery is in ``ac_fixer/engine/`` (the pass, scopes, literals, binding, name
resolution, positions, noqa); the decisions are in ``ac_fixer/rules/`` (one module per
rule family, next to its docs, examples and predicate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

from ac_fixer import catalog as cat
from ac_fixer.engine.index import ModuleIndex, walk
from ac_fixer.engine.noqa import noqa_codes
from ac_fixer.engine.positions import call_spans
from ac_fixer.engine.resolve import Resolver
from ac_fixer.findings import Finding
from ac_fixer.rules import FAMILIES
from ac_fixer.rules.base import CheckContext, PendingFinding


def pending_findings(index: ModuleIndex, context: CheckContext) -> list[PendingFinding]:
    """Every family's findings for the calls of ``index`` that resolve to catalog rows."""
    calls = []
    for site in index.calls:
        call = context.resolve.call_target(site)
        if call is not None:
            calls.append(call)
    pending: list[PendingFinding] = []
    if calls:
        for family in FAMILIES:
            pending.extend(family.check(calls, context))
    return pending


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
    ast_calls: Optional[list] = None,
) -> Analysis:
    """``ast_calls``: the stdlib ``ast.Call`` nodes of the module's text in source order,
    when the caller has them (positions are then read from them, not from a new parse)."""
    catalog = catalog or cat.default_catalog()
    index = ModuleIndex(project)
    walk(module, index)
    try:
        text_of = (lambda: source_text) if source_text is not None else (lambda: module.code)
        context = CheckContext(
            index, Resolver(index, catalog, project), catalog, value, project,
            path=path, text=text_of, used_names=used_names,
        )
        pending = [p for p in pending_findings(index, context) if enabled(p.code)]
        if not pending:
            return Analysis(module, [], {})
        spans = call_spans(module, index, source_text, [item.node for item in pending], ast_calls)
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
    finally:
        index.release()  # no finding holds the index: its cycles go now (see release)

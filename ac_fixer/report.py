"""Reports: pure functions from findings to text. Nothing here prints or reads files."""

from __future__ import annotations

import json
import os
from collections import Counter
from urllib.parse import quote
from typing import Iterable, Optional, Sequence

from ac_fixer import __version__
from ac_fixer.findings import Finding
from ac_fixer.rules import RULES, RULES_BY_CODE

FORMATS = ("text", "json", "sarif", "github")


def _location(finding: Finding) -> str:
    cell = f"[cell {finding.cell}]" if finding.cell is not None else ""
    return f"{finding.path}{cell}:{finding.line}:{finding.column}"


def _marker(finding: Finding, unsafe_fixes: bool) -> str:
    if finding.fixable and (unsafe_fixes or not finding.unsafe):
        return "[*] "
    return ""


class Style:
    """Colors for the terminal; all empty when colors are off."""

    def __init__(self, color: bool):
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("1;31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)


def format_text(
    findings: Sequence[Finding],
    *,
    fixed: Sequence[Finding] = (),
    unsafe_fixes: bool = False,
    color: bool = False,
    value: bool = False,
    not_checked: int = 0,
) -> str:
    """ruff-like lines ``path:line:col: CODE [*] message`` and a summary.

    ``not_checked`` files could not be read, parsed or written (they are named on stderr):
    the summary then never says that all checks passed."""
    style = Style(color)
    lines = [
        f"{style.bold(_location(f))}: {style.red(f.code)} {_marker(f, unsafe_fixes)}{f.message}" for f in findings
    ]
    fixable = sum(1 for f in findings if f.fixable and (unsafe_fixes or not f.unsafe))
    hidden_unsafe = sum(1 for f in findings if f.fixable and f.unsafe and not unsafe_fixes)
    if fixed:
        lines.append(f"Fixed {len(fixed)} {'error' if len(fixed) == 1 else 'errors'}.")
        if value and any(f.changes_behavior for f in fixed):
            lines.append(
                style.yellow(
                    "Warning: align_corners=True changes what the fixed calls compute "
                    "(it restores the results of old torch versions). Review and retrain/evaluate."
                )
            )
    if findings:
        summary = f"Found {len(findings)} {'error' if len(findings) == 1 else 'errors'}"
        if fixed:
            summary = f"{len(findings)} {'error' if len(findings) == 1 else 'errors'} remaining"
        if fixable:
            summary += f" ({fixable} fixable with `--fix`"
            summary += ", changes behavior: align_corners=True)" if value else ")"
        summary += "."
        lines.append(summary)
        if hidden_unsafe:
            noun = "fix" if hidden_unsafe == 1 else "fixes"
            lines.append(f"{hidden_unsafe} hidden {noun} can be enabled with the `--unsafe-fixes` option.")
    elif not fixed and not not_checked:
        lines.append("All checks passed!")
    if not_checked:
        files = f"{not_checked} {'file' if not_checked == 1 else 'files'} could not be checked (named on stderr)."
        lines.append(files if findings or fixed else f"No findings in the other files; {files}")
    return "\n".join(lines) + "\n"


def _statistics(findings: Iterable[Finding], unsafe_fixes: bool) -> list:
    """(code, name, count, fixable) per code, most frequent first; fixable when every
    finding of the code has a fix that ``--fix`` applies (with these options)."""
    findings = list(findings)
    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fixable and (unsafe_fixes or not f.unsafe))
    return [
        (code, RULES_BY_CODE[code].name if code in RULES_BY_CODE else "", count, fixable[code] == count)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def format_statistics(findings: Iterable[Finding], unsafe_fixes: bool = False) -> str:
    rows = [
        f"{count:>5}\t{code}\t{'[*]' if fixable else '[ ]'} {name}"
        for code, name, count, fixable in _statistics(findings, unsafe_fixes)
    ]
    return "\n".join(rows) + ("\n" if rows else "")


def format_statistics_json(findings: Iterable[Finding], unsafe_fixes: bool = False) -> str:
    """``--statistics --output-format json``: ruff's shape, a list of {code, name, count, fixable}."""
    rows = [
        {"code": code, "name": name, "count": count, "fixable": fixable}
        for code, name, count, fixable in _statistics(findings, unsafe_fixes)
    ]
    return json.dumps(rows, indent=2) + "\n"


# The formats that have a --statistics form (the others refuse the combination).
STATISTICS_FORMATS = {"text": format_statistics, "json": format_statistics_json}


def format_json(findings: Sequence[Finding], unsafe_fixes: bool = False) -> str:
    return json.dumps([f.to_json(unsafe_fixes) for f in findings], indent=2) + "\n"


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: one ``::warning`` annotation per finding."""
    lines = []
    for f in findings:
        properties = ",".join(
            [
                f"file={_github_escape(f.path, True)}",
                f"line={f.line}",
                f"col={f.column}",
                f"endLine={f.end_line}",
                f"endColumn={f.end_column}",
                f"title={_github_escape('ac-fixer ' + f.code, True)}",
            ]
        )
        cell = f"[cell {f.cell}] " if f.cell is not None else ""
        lines.append(f"::warning {properties}::{_github_escape(f'{f.code} {cell}{f.message}')}")
    return "\n".join(lines) + ("\n" if lines else "")


def _uri(path: str) -> str:
    """A relative or absolute path as a SARIF artifact URI (percent-encoded, forward slashes)."""
    # Paths may carry surrogate escapes (non-UTF-8 file names): quote their raw bytes.
    return quote(os.fsencode(path.replace("\\", "/")), safe="/:")


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _sarif_rules() -> list:
    return [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.what},
            "help": {"text": f"{rule.why}\n\nFix safety: {rule.fix_safety}", "markdown": rule.markdown()},
            "defaultConfiguration": {"level": "warning"},
        }
        for rule in RULES
    ]


def _sarif_fix(f: Finding) -> Optional[dict]:
    """The fix as a SARIF replacement, when the run computed its exact region."""
    replacement = f.extra.get("replacement") if f.fixable else None
    if not replacement:
        return None
    (start_line, start_column), (end_line, end_column), text = replacement
    region = {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}
    return {
        "description": {"text": f.message},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": _uri(f.path)},
                "replacements": [{"deletedRegion": region, "insertedContent": {"text": text}}],
            }
        ],
    }


def format_sarif(findings: Sequence[Finding]) -> str:
    """SARIF 2.1.0: one run, the tool's rules with their help, one result per finding."""
    rule_index = {rule.code: i for i, rule in enumerate(RULES)}
    results = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line, "endColumn": f.end_column}
        result = {
            "ruleId": f.code,
            "ruleIndex": rule_index.get(f.code, -1),
            "level": "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.path)}, "region": region}}],
        }
        if f.cell is not None:
            result["properties"] = {"cell": f.cell}
        fix = _sarif_fix(f) if f.cell is None else None
        if fix is not None:
            result["fixes"] = [fix]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ac-fixer",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/ac-fixer/",
                        "rules": _sarif_rules(),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def render(findings: Sequence[Finding], output_format: str, **text_options) -> str:
    if output_format == "json":
        return format_json(findings, text_options.get("unsafe_fixes", False))
    if output_format == "sarif":
        return format_sarif(findings)
    if output_format == "github":
        return format_github(findings)
    return format_text(findings, **text_options)

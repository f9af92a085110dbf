"""Reports: pure functions from findings to text. Nothing here prints or reads files."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from typing import Iterable, Optional, Sequence

from ac_fixer import __version__
from ac_fixer.findings import Finding

# What must not reach a terminal or a CI log as it is: control characters (C0, DEL, C1),
# line and paragraph separators, bidi controls, and the GitHub runner's legacy command
# prefix "##[" (read anywhere in a line of any step's output).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]|##\[")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "##[": "#\\x23["}


def _rules() -> tuple:
    """The rules (imported for the reports that name them: a plain report of findings
    does without loading them)."""
    from ac_fixer.rules import RULES

    return RULES


def _rule_name(code: str) -> str:
    from ac_fixer.rules import RULES_BY_CODE

    return RULES_BY_CODE[code].name if code in RULES_BY_CODE else ""


def _escaped(match) -> str:
    text = match.group()
    if text in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[text]
    code = ord(text)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` as one line of plain text: what a terminal or a CI log would act on is
    written as a backslash escape (``\\n``, ``\\x1b``, ``\\u2028``, ``#\\x23[``)."""
    return _UNPRINTABLE.sub(_escaped, text)


def _location(finding: Finding) -> str:
    cell = f"[cell {finding.cell}]" if finding.cell is not None else ""
    return f"{printable(finding.path)}{cell}:{finding.line}:{finding.column}"


def _marker(finding: Finding, unsafe_fixes: bool) -> str:
    if finding.fixable and (unsafe_fixes or not finding.unsafe):
        return "[*] "
    return ""


def _evidence_note(findings: Sequence[Finding], *, applied: bool) -> list:
    """The line on fixes that rest on runtime evidence (check --evidence), if any."""
    from ac_fixer.evidence import evidence_summary

    note = evidence_summary(findings, applied=applied)
    return [note] if note else []


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
    show_fixes: bool = False,
    summary: bool = True,
    not_checked: int = 0,
) -> str:
    """ruff-like lines ``path:line:col: CODE [*] message`` and a summary.

    ``show_fixes``: list the fixes made (or, without any, those available) per file and
    rule, as ruff's ``--show-fixes`` does. ``summary=False`` (``--quiet``): the findings
    and warnings only.
    ``not_checked``: how many files could not be checked (named on stderr): the summary
    then never says that all checks passed.
    """
    style = Style(color)
    lines = [
        f"{style.bold(_location(f))}: {style.red(f.code)} {_marker(f, unsafe_fixes)}{printable(f.message)}"
        for f in findings
    ]
    fixable = sum(1 for f in findings if f.fixable and (unsafe_fixes or not f.unsafe))
    hidden_unsafe = sum(1 for f in findings if f.fixable and f.unsafe and not unsafe_fixes)
    if show_fixes:
        available = [f for f in findings if f.fixable and (unsafe_fixes or not f.unsafe)]
        lines.extend(fix_listing(fixed, applied=True) if fixed else fix_listing(available, applied=False))
    if fixed:
        if summary and not show_fixes:
            lines.append(f"Fixed {len(fixed)} {'error' if len(fixed) == 1 else 'errors'}.")
        if summary:
            lines.extend(_evidence_note(fixed, applied=True))
        if value and any(f.changes_behavior for f in fixed):
            lines.append(
                style.yellow(
                    "Warning: align_corners=True changes what the fixed calls compute "
                    "(it restores the results of old torch versions). Review and retrain/evaluate."
                )
            )
    if summary and findings:
        found = f"Found {len(findings)} {'error' if len(findings) == 1 else 'errors'}"
        if fixed:
            found = f"{len(findings)} {'error' if len(findings) == 1 else 'errors'} remaining"
        if fixable:
            found += f" ({fixable} fixable with `--fix`"
            found += ", changes behavior: align_corners=True)" if value else ")"
        found += "."
        lines.append(found)
        if not fixed:
            lines.extend(_evidence_note(findings, applied=False))
        if hidden_unsafe:
            noun = "fix" if hidden_unsafe == 1 else "fixes"
            lines.append(f"{hidden_unsafe} hidden {noun} can be enabled with the `--unsafe-fixes` option.")
    elif summary and not fixed and not not_checked:
        lines.append("All checks passed!")
    if summary and not_checked:
        files = f"{not_checked} {'file' if not_checked == 1 else 'files'} could not be checked (named on stderr)."
        lines.append(files if findings or fixed else f"No findings in the other files; {files}")
    return "\n".join(lines) + "\n" if lines else ""


def fix_listing(findings: Sequence[Finding], *, applied: bool) -> list:
    """``Fixed 3 errors:`` (or ``2 fixes available with `--fix`:``), then per file the
    count per rule, like ruff's ``--show-fixes``; nothing when there is none."""
    if not findings:
        return []
    count = len(findings)
    if applied:
        header = f"Fixed {count} {'error' if count == 1 else 'errors'}:"
    else:
        header = f"{count} {'fix' if count == 1 else 'fixes'} available with `--fix`:"
    lines = [header]
    by_path: dict = {}
    for f in findings:
        by_path.setdefault(f.path, Counter())[f.code] += 1
    for path, counts in by_path.items():
        lines.append(f"- {path}:")
        for code, number in sorted(counts.items()):
            name = _rule_name(code)
            lines.append(f"    {number} \u00d7 {code} ({name})")
    return lines + [""]


def _statistics(findings: Iterable[Finding], unsafe_fixes: bool) -> list:
    """(code, name, count, fixable) per code, most frequent first; fixable when every
    finding of the code has a fix that ``--fix`` applies (with these options)."""
    findings = list(findings)
    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fixable and (unsafe_fixes or not f.unsafe))
    return [
        (code, _rule_name(code), count, fixable[code] == count)
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


def _notebook_place(f: Finding) -> str:
    """Where a notebook finding is, in words: its line numbers count within the cell."""
    return f"[cell {f.cell}, line {f.line}, column {f.column}] "


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: one ``::warning`` annotation per finding.

    A notebook finding's line counts within its cell, not within the ``.ipynb`` file
    GitHub shows: like ruff, the annotation goes on the file's first line and the
    message names the cell, line and column.
    """
    lines = []
    for f in findings:
        if f.cell is None:
            position = [f"line={f.line}", f"col={f.column}", f"endLine={f.end_line}", f"endColumn={f.end_column}"]
            cell = ""
        else:
            position, cell = ["line=1", "col=1"], _notebook_place(f)
        properties = ",".join(
            [
                f"file={_github_escape(f.path, True)}",
                *position,
                f"title={_github_escape('ac-fixer ' + f.code, True)}",
            ]
        )
        lines.append(f"::warning {properties}::{_github_escape(f'{f.code} {cell}{f.message}')}")
    return "\n".join(lines) + ("\n" if lines else "")


def _uri(path: str) -> str:
    """A relative or absolute path as a SARIF artifact URI (percent-encoded, forward slashes)."""
    from urllib.parse import quote

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
        for rule in _rules()
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
    rule_index = {rule.code: i for i, rule in enumerate(_rules())}
    results = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line, "endColumn": f.end_column}
        message = f.message
        if f.cell is not None:
            # Lines within a cell are not lines of the .ipynb file: point at the file's first
            # line (as ruff does) and name the place in the message and the properties.
            region = {"startLine": 1, "startColumn": 1}
            message = _notebook_place(f) + f.message
        result = {
            "ruleId": f.code,
            "ruleIndex": rule_index.get(f.code, -1),
            "level": "warning",
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.path)}, "region": region}}],
        }
        if f.cell is not None:
            result["properties"] = {"cell": f.cell, "cellLine": f.line, "cellColumn": f.column}
        if "evidence" in f.extra:  # the fix rests on runtime evidence (check --evidence)
            result.setdefault("properties", {})["evidence"] = f.extra["evidence"]
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
                        "rules": _sarif_rules(),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def format_json_lines(findings: Sequence[Finding], unsafe_fixes: bool = False) -> str:
    """One JSON object per finding per line (the objects of ``format_json``)."""
    return "".join(json.dumps(f.to_json(unsafe_fixes)) + "\n" for f in findings)


GITLAB_SEVERITY = "major"  # GitLab's scale: info, minor, major, critical, blocker


def _gitlab_path(path: str, project_dir: Optional[str]) -> str:
    """The path relative to the project (GitLab wants paths relative to the repository)."""
    if project_dir and os.path.isabs(path):
        return os.path.relpath(path, project_dir).replace(os.sep, "/")
    return path.replace(os.sep, "/")


def format_gitlab(findings: Sequence[Finding], project_dir: Optional[str] = None) -> str:
    """GitLab Code Quality report: a JSON array of issues (description, check_name,
    fingerprint, severity, location.path, location.lines.begin/end).

    The fingerprint hashes the rule, the path, the message and the how-manieth such
    finding in that file it is: stable across runs, and unchanged when lines above the
    call move (GitLab then sees the same issue, not a fixed one and a new one).
    """
    seen: Counter = Counter()
    issues = []
    for f in findings:
        path = _gitlab_path(f.path, project_dir)
        key = (f.code, path, f.message)
        occurrence = seen[key]
        seen[key] += 1
        text = "\0".join(("ac-fixer", f.code, path, f.message, str(occurrence)))
        fingerprint = hashlib.md5(os.fsencode(text), usedforsecurity=False).hexdigest()
        cell = f"[cell {f.cell}] " if f.cell is not None else ""
        issues.append(
            {
                "description": f"{f.code}: {cell}{f.message}",
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": GITLAB_SEVERITY,
                "location": {"path": path, "lines": {"begin": f.line, "end": f.end_line}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"


def format_junit(findings: Sequence[Finding]) -> str:
    """JUnit XML as ruff writes it: one test suite per file, one failed test case per
    finding; a single passing case when there is nothing to report. Built with
    xml.etree, which escapes what file names and messages contain."""
    from xml.etree import ElementTree as ET

    def attributes(**values) -> dict:
        return {name: str(value) for name, value in values.items()}

    root = ET.Element("testsuites", attributes(name="ac-fixer", tests=len(findings), failures=len(findings), errors=0))
    by_path: dict = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    if not findings:
        suite = ET.SubElement(root, "testsuite", attributes(name="ac-fixer", tests=1, disabled=0, errors=0, failures=0))
        ET.SubElement(suite, "testcase", attributes(name="No errors found"))
    for path, path_findings in by_path.items():
        shown = _xml_text(path)
        suite = ET.SubElement(
            root,
            "testsuite",
            attributes(name=shown, tests=len(path_findings), disabled=0, errors=0, failures=len(path_findings),
                       package="ac-fixer"),
        )
        classname = _xml_text(os.path.splitext(path)[0].replace(os.sep, "."))
        for f in path_findings:
            case = ET.SubElement(
                suite,
                "testcase",
                attributes(name=f"ac-fixer.{f.code}", classname=classname, line=f.line, column=f.column),
            )
            cell = f"cell {f.cell}, " if f.cell is not None else ""
            failure = ET.SubElement(case, "failure", {"message": _xml_text(f.message)})
            failure.text = _xml_text(f"{cell}line {f.line}, col {f.column}, {f.message}")
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: each character it forbids becomes a \\xNN or \\uNNNN escape."""

    def escape(match) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _XML_INVALID.sub(escape, text)


def _no_legacy_command(json_text: str) -> str:
    """JSON text with "##[" (only ever inside a string) written "#\\u0023[": the same
    JSON, and a CI log that shows it reads no workflow command from it."""
    return json_text.replace("##[", "#\\u0023[")


# Each output format: its renderer, (findings, project_dir, text_options) -> text.
# FORMATS (every --output-format of `ac-fixer check`, in the order its help lists them) is
# read from here: a new format is one entry.
RENDERERS = {
    "text": lambda findings, project_dir, options: format_text(findings, **options),
    "json": lambda findings, project_dir, options: _no_legacy_command(
        format_json(findings, options.get("unsafe_fixes", False))
    ),
    "json-lines": lambda findings, project_dir, options: _no_legacy_command(
        format_json_lines(findings, options.get("unsafe_fixes", False))
    ),
    "sarif": lambda findings, project_dir, options: _no_legacy_command(format_sarif(findings)),
    "github": lambda findings, project_dir, options: format_github(findings),
    "gitlab": lambda findings, project_dir, options: _no_legacy_command(format_gitlab(findings, project_dir)),
    "junit": lambda findings, project_dir, options: format_junit(findings),
}
FORMATS = tuple(RENDERERS)


def render(
    findings: Sequence[Finding], output_format: str, *, project_dir: Optional[str] = None, **text_options
) -> str:
    """The report in ``output_format`` (one of FORMATS); ``project_dir``: where GitLab's
    paths are relative to (CI_PROJECT_DIR, passed by the CLI)."""
    return RENDERERS.get(output_format, RENDERERS["text"])(findings, project_dir, text_options)

"""Runtime evidence: fixes that rest on what ``ac-fixer audit`` saw (``check --evidence``).

An ACF003 site (its mode is not known statically) is fixed with ``align_corners=False``
when the audit report proves it for the runs it recorded: the site was reached, every mode
seen there uses the flag, and the shadow run with ``align_corners=False`` was bitwise equal
(the report's ``fixable``). The same holds for a call of a forwarding wrapper (the
report's ``call_sites``): the wrapper passes the flag on unchanged to the torch call it
reaches. Nothing else is fixed from a report.

Evidence is tied to the bytes the audit saw: each site file's SHA-256 in the report
(format 2) must be the digest of the source being checked, else that file's evidence is
refused (:func:`stale_files` names them). A report without digests (format 1) is refused
whole (:class:`EvidenceError`).

The report is read here, never the user's code; nothing is evaluated.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Optional

from ac_fixer import catalog as cat
from ac_fixer.files import FileError, read_regular

SUPPORTED_VERSION = 2  # the first audit report format with file digests


class EvidenceError(Exception):
    """An audit report that cannot be used; the message says why."""


@dataclass(frozen=True)
class SiteEvidence:
    """What the audit saw at one line: a torch call (``call_site`` False) or a call of a
    forwarding wrapper that reached ``function``."""

    line: int
    function: str  # the torch API reached
    call_site: bool
    calls: int
    modes: tuple
    equal: Optional[bool]

    def proved(self, catalog: cat.Catalog) -> bool:
        target = catalog.lookup(self.function)
        every_mode = bool(target and target.every_mode)
        takes_flag = every_mode or all(mode in catalog.modes_using_flag for mode in self.modes)
        return self.calls > 0 and takes_flag and self.equal is True


@dataclass(frozen=True)
class FileEvidence:
    """The evidence of one file, valid for the bytes whose SHA-256 is ``sha256``."""

    report: str  # the report as named on the command line (for messages and JSON)
    path: str  # real path
    sha256: str
    sites: tuple  # SiteEvidence


@dataclass(frozen=True, eq=False)
class EvidenceReport:
    name: str
    files: Mapping[str, FileEvidence]  # real path -> evidence

    def for_source(self, path: str, source: bytes) -> Optional[FileEvidence]:
        """This file's evidence when ``source`` is exactly what the audit saw, else None."""
        found = self.files.get(_real(path))
        if found is None or hashlib.sha256(source).hexdigest() != found.sha256:
            return None
        return found


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _site_path(recorded: str, report_dir: str) -> Optional[str]:
    """A report path on this machine: absolute as recorded; relative to the folder the
    audit ran in, taken to be the current folder, else the report's own folder."""
    if os.path.isabs(recorded):
        return recorded
    for base in (os.getcwd(), report_dir):
        candidate = os.path.join(base, recorded)
        if os.path.isfile(candidate):
            return candidate
    return None


# An audit report is read with a bound of its own (a long run records many sites).
REPORT_MAX_BYTES = 256 * 1024 * 1024


def load_report(path: str) -> EvidenceReport:
    """Read an audit report (``ac-fixer audit --output-format json`` or
    ``pytest --ac-fixer-audit``). Raises EvidenceError when it cannot be used."""
    try:
        data = json.loads(read_regular(path, limit=REPORT_MAX_BYTES)[0])
    except FileError as error:
        raise EvidenceError(f"{path}: cannot read the audit report: {error.reason}") from None
    except (ValueError, RecursionError) as error:
        raise EvidenceError(f"{path}: not an audit report (not JSON: {error})") from None
    if not isinstance(data, list) or not all(isinstance(site, dict) for site in data):
        raise EvidenceError(f"{path}: not an audit report (expected the JSON list of `ac-fixer audit`)")
    old = [site for site in data if not isinstance(site.get("version"), int) or site["version"] < SUPPORTED_VERSION
           or "sha256" not in site]
    if old:
        raise EvidenceError(
            f"{path}: written by an older ac-fixer audit (report format 1, without file digests): whether the "
            "files changed since cannot be told, so none of it is used; run `ac-fixer audit` again"
        )
    report_dir = os.path.dirname(os.path.abspath(path))
    by_file: dict = {}
    try:
        for site in data:
            function = str(site["function"])
            entries = [(site["path"], site.get("sha256"), int(site["line"]), False, site)]
            entries += [
                (caller["path"], caller.get("sha256"), int(caller["line"]), True, caller)
                for caller in site.get("call_sites", ())
            ]
            for recorded, digest, line, call_site, record in entries:
                if not isinstance(recorded, str) or recorded.startswith("<") or not isinstance(digest, str):
                    continue  # generated code, or a file the auditor could not read
                located = _site_path(recorded, report_dir)
                if located is None:
                    continue
                real = _real(located)
                files = by_file.setdefault(real, {"sha256": digest, "display": recorded, "sites": []})
                if files["sha256"] != digest:
                    files["sha256"] = ""  # two digests for one file: it changed during the run
                files["sites"].append(SiteEvidence(
                    line, function, call_site, int(record.get("calls", 0)),
                    tuple(str(mode) for mode in record.get("modes", ())), record.get("equal"),
                ))
    except (KeyError, TypeError, ValueError) as error:
        raise EvidenceError(f"{path}: not an audit report (a site lacks {error})") from None
    files = {
        real: FileEvidence(path, real, entry["sha256"], tuple(entry["sites"]))
        for real, entry in by_file.items()
    }
    return EvidenceReport(path, files)


def stale_files(report: EvidenceReport, checked: Iterable[str]) -> list:
    """The files among ``checked`` (paths as displayed) whose evidence is refused because
    their content is not what the audit saw."""
    stale = []
    for display in checked:
        found = report.files.get(_real(display))
        if found is None:
            continue
        try:
            current = hashlib.sha256(read_regular(display)[0]).hexdigest()
        except FileError:
            continue
        if current != found.sha256:
            stale.append(display)
    return stale


def refusal_message(report: EvidenceReport, display: str) -> str:
    return (
        f"{report.name}: the runtime evidence for {display} is not used: the file changed since the audit "
        "(its SHA-256 is not the one in the report); its sites stay as the static check reports them. "
        "Run `ac-fixer audit` again to use it"
    )


# --------------------------------------------------------------------------- per file


def with_file_evidence(settings, path: str, source: bytes):
    """``settings`` with the evidence of this one source (None when it has none or is not
    the file the audit saw). Idempotent."""
    evidence = getattr(settings, "evidence", None)
    if not isinstance(evidence, EvidenceReport):
        return settings
    return replace(settings, evidence=evidence.for_source(path, source))


def _matching(evidence: FileEvidence, findings: list) -> dict:
    """id(finding) -> the SiteEvidence at its call: the line the audit records is the
    call's first line (that of the whole call expression, also when it spans several
    lines); when none starts there, the innermost call whose lines hold it."""
    matched: dict = {}
    for site in evidence.sites:
        starting = [f for f in findings if f.line == site.line]
        if not starting:
            holding = [f for f in findings if f.line <= site.line <= f.end_line]
            holding.sort(key=lambda f: (f.end_line - f.line, -f.line, -f.column))
            starting = holding[:1]
        for finding in starting:
            matched.setdefault(id(finding), []).append(site)
    return matched


def _describe(sites: list) -> tuple:
    calls = sum(site.calls for site in sites)
    modes = tuple(sorted({mode for site in sites for mode in site.modes}))
    return calls, modes


def promote(analysis, settings) -> None:
    """Make the ACF003 findings of ``analysis`` that the file's evidence proves fixable
    (``align_corners=False``), and say at the others what the audit saw."""
    evidence = settings.evidence
    if not isinstance(evidence, FileEvidence):
        return
    catalog = settings.catalog
    # ACF003, and the closed-world ACF001 of the project-wide analysis (unsafe: decided from
    # the project's calls, which code outside the project may not follow).
    undecided = [
        f for f in analysis.findings
        if (f.code == cat.UNKNOWN_MODE and not f.fixable) or (f.code == cat.MISSING_FLAG and f.fixable and f.unsafe)
    ]
    if not undecided:
        return
    matched = _matching(evidence, undecided)
    for finding in undecided:
        sites = matched.get(id(finding))
        if not sites:
            continue
        target = catalog.lookup(finding.function)
        if target is None or target.flag_param is None:
            continue
        reaches = target.reaches or target.name
        sites = [site for site in sites if site.function == reaches and site.call_site == (target.reaches is not None)]
        if not sites:
            continue
        calls, modes = _describe(sites)
        seen = (
            f"runtime evidence ({evidence.report}): {calls} call{'s' if calls != 1 else ''}, "
            f"mode{'s' if len(modes) != 1 else ''} {', '.join(repr(m) for m in modes) or 'none'}"
        )
        if not all(site.proved(catalog) for site in sites):
            rejected = not all(m in catalog.modes_using_flag for m in modes) and not target.every_mode
            why = (
                "a mode that rejects align_corners was seen"
                if rejected
                else "the shadow run with align_corners=False was not equal (or did not run)"
            )
            finding.message += f" [{seen}: not fixed, {why}]"
            if rejected and finding.fixable:
                # The closed world was wrong at run time: its fix would raise there.
                finding.fixable, finding.fix = False, None
                analysis.edits[id(finding)] = []
            continue
        if finding.code == cat.MISSING_FLAG:  # a closed-world decision the runs confirm
            finding.unsafe = False
            finding.message += f" [{seen}, shadow run equal: applied with --evidence]"
            finding.extra["evidence"] = {
                "source": "runtime", "calls": calls, "modes": list(modes), "report": evidence.report,
            }
            continue
        edits = _flag_edits(analysis.nodes.get(id(finding)), target, "True" if settings.value else "False")
        if edits is None or settings.value:
            continue  # the audit proved False only: --value true is never written from evidence
        keyword = target.flag_param.keyword
        finding.fixable = True
        finding.fix = f"{keyword}=False"
        finding.fix_value = False
        finding.modes = modes
        finding.mode = modes[0] if len(modes) == 1 else None
        static, _, _ = finding.message.partition(". Adding align_corners raises")
        finding.message = (
            f"{static}; {seen}, shadow run equal: {keyword}=False keeps what the recorded runs computed "
            "(other runs may use other modes)"
        )
        finding.extra["evidence"] = {
            "source": "runtime", "calls": calls, "modes": list(modes), "report": evidence.report,
        }
        analysis.edits[id(finding)] = edits


def _flag_edits(call, target: cat.Target, value_text: str) -> Optional[list]:
    """The edit that writes the flag into ``call`` (added, or its ``None`` replaced), as the
    analysis writes it for ACF001; None when the call is not there to edit."""
    import libcst as cst

    from ac_fixer.fixes import AddKeyword, SetArgValue

    if not isinstance(call, cst.Call):
        return None
    flag = target.flag_param
    positional = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if flag.position is not None and positional == flag.position:
                return [SetArgValue(arg, value_text)]
            positional += 1
        elif arg.keyword.value == flag.keyword:
            return [SetArgValue(arg, value_text)]
    return [AddKeyword(call, flag.keyword, value_text)]


def evidence_summary(findings, *, applied: bool) -> Optional[str]:
    """The text report's line on the fixes that rest on runtime evidence (None: none)."""
    resting = [f for f in findings if f.fixable and "evidence" in f.extra]
    if not resting:
        return None
    reports = sorted({f.extra["evidence"]["report"] for f in resting})
    calls = sum(f.extra["evidence"]["calls"] for f in resting)
    modes = sorted({mode for f in resting for mode in f.extra["evidence"]["modes"]})
    what = (f"{len(resting)} of them rest{'s' if len(resting) == 1 else ''}" if applied
            else f"{len(resting)} of the fixes would rest")
    return (
        f"{what} on runtime evidence ({', '.join(reports)}: {calls} recorded "
        f"call{'s' if calls != 1 else ''}, mode{'s' if len(modes) != 1 else ''} {', '.join(modes)}), "
        "not on the source alone."
    )


def carry_notes(before: list, after: list) -> None:
    """The remaining findings of a fixed file, recomputed from its new bytes (which the
    audit never saw), keep what the evidence said of them: its note, and a fix it took
    away. Paired in file order; nothing is carried unless each pair is the same call's."""
    if len(before) != len(after):
        return
    if any((a.code, a.function, a.cell) != (b.code, b.function, b.cell) for a, b in zip(before, after)):
        return
    for old, new in zip(before, after):
        if "[runtime evidence (" in old.message and "[runtime evidence (" not in new.message:
            new.message = old.message
            new.fixable, new.fix, new.unsafe = old.fixable, old.fix, old.unsafe

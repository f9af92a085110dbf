"""Check and fix one source: the functions the CLI, the flake8 plugin and the runtime use.

Each takes the file's bytes and returns findings (and the new bytes); none of
them writes files or prints.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from ac_fixer.fast.prefilter import might_have_findings
from ac_fixer.files import SourceError  # one class with files.FileError
from ac_fixer.findings import Finding

if TYPE_CHECKING:
    from ac_fixer import catalog as cat


@dataclass(frozen=True)
class Settings:
    """What a run checks and how it fixes; built from the CLI and ``[tool.ac-fixer]``."""

    value: bool = False
    select: tuple = ()
    ignore: tuple = ()
    unsafe_fixes: bool = False
    extra_targets: tuple = ()
    respect_noqa: bool = True
    per_file_ignores: tuple = ()  # config.PerFileIgnore entries: more codes to ignore per file
    project: object = None  # project.ProjectFacts: what other files of the project tell
    # evidence.EvidenceReport (check --evidence), narrowed to one file's FileEvidence
    # (or None) by evidence.with_file_evidence before its analysis.
    evidence: object = None

    # The project's line length (config.find_line_length): a fix that would make a line
    # longer puts the call's arguments one per line instead. None: no limit.
    line_length: Optional[int] = None
    # Names used where the analysis cannot see them (a notebook's magic and shell lines):
    # a fix never removes their imports.
    used_names: tuple = ()

    def for_path(self, path) -> "Settings":
        """These settings for the file ``path``: its ``per-file-ignores`` codes ignored too."""
        if not self.per_file_ignores:
            return self
        from ac_fixer.config import ignored_for

        extra = ignored_for(path, self.per_file_ignores)
        return replace(self, ignore=self.ignore + extra, per_file_ignores=()) if extra else self

    @property
    def catalog(self) -> cat.Catalog:
        return _catalog_with(self.extra_targets)

    def enabled(self, code: str) -> bool:
        selected = not self.select or any(code.startswith(prefix) for prefix in self.select)
        ignored = any(code.startswith(prefix) for prefix in self.ignore)
        return selected and not ignored


_CATALOGS: dict = {}


def _catalog_with(extra_targets: tuple) -> cat.Catalog:
    from ac_fixer.catalog import default_catalog  # here: a run whose files are all cached does without it

    if extra_targets not in _CATALOGS:
        _CATALOGS[extra_targets] = default_catalog().with_targets(extra_targets)
    return _CATALOGS[extra_targets]


DEFAULT_SETTINGS = Settings()


@dataclass
class FixResult:
    source: bytes
    applied: list = field(default_factory=list)  # findings whose fix was written
    remaining: list = field(default_factory=list)  # findings still reported

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def _screened(source: bytes, settings: Settings, path: str):
    """Both screens: the byte pre-filter, then the stdlib-ast screen (see fast/).

    A file Python itself cannot parse is a SourceError here, before LibCST sees it:
    LibCST's native parser can crash the process on pathological nesting.
    """
    if not might_have_findings(source, settings):
        return None
    from ac_fixer.fast.screen import screen

    screened = screen(source, settings.catalog)
    if screened is not None and screened.error is not None:
        raise SourceError(path, screened.error)
    return screened


def parse(source: bytes, path: str):
    """Parse with LibCST, turning every failure into a SourceError that names the reason."""
    import libcst as cst

    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        message = str(error).strip().splitlines()
        reason = " ".join(line.strip() for line in message if line.strip())
        raise SourceError(path, f"syntax error: {reason}") from None
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        raise SourceError(path, f"cannot decode: {error}") from None
    except RecursionError:
        raise SourceError(path, "too deeply nested to parse") from None
    except Exception as error:  # the parser's own failures on unusual input
        raise SourceError(path, f"cannot parse: {type(error).__name__}: {error}") from None


def analyze_source(source: bytes, path: str, settings: Settings, ast_calls: Optional[list] = None):
    """``ast_calls``: the stdlib ``ast.Call`` nodes of ``source`` in source order, when the
    screen already parsed them (see analysis.analyze_module)."""
    from ac_fixer.analysis import analyze_module
    from ac_fixer.fixes import source_text

    module = parse(source, path)
    try:
        analysis = analyze_module(
            module,
            path,
            catalog=settings.catalog,
            value=settings.value,
            enabled=settings.enabled,
            source_text=source_text(module, source),
            respect_noqa=settings.respect_noqa,
            used_names=frozenset(settings.used_names),
            project=settings.project.for_path(path) if settings.project is not None else None,
            ast_calls=ast_calls,
        )
    except RecursionError:
        raise SourceError(path, "too deeply nested to analyze") from None
    if settings.evidence is not None:
        from ac_fixer.evidence import promote

        promote(analysis, settings)
    return analysis


def check_source(source: bytes, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """All findings of one Python source. Raises SourceError for unreadable sources."""
    screened = screen_for_check(source, path, settings)
    return [] if screened is None else check_screened(screened, path, settings)


@dataclass
class ScreenedSource:
    """What the screens hand the LibCST analysis of a check: the bytes to analyze (the file,
    or its slice) and the positions of their calls. Small and picklable: a worker that
    screens (without LibCST) sends it to the one that analyzes."""

    source: bytes  # the file's own bytes (for its runtime evidence)
    analyzed: bytes  # what LibCST parses: the slice, or the file
    ast_calls: Optional[list]  # see analysis.analyze_module; None: parsed again there


def screen_for_check(source: bytes, path: str, settings: Settings) -> Optional[ScreenedSource]:
    """The first half of :func:`check_source`, without LibCST: None when no call of
    ``source`` can produce a finding. Raises SourceError for unreadable sources."""
    # The screens read no runtime evidence: check_screened narrows it to this source.
    screened = _screened(source, settings, path)
    if screened is None:
        return None
    from ac_fixer.fast.screen import calls_of_slice, portable_calls, slice_with_cuts

    # Reporting needs only the functions and classes that name a catalogued name: the
    # others are cut to stubs before the (expensive) LibCST parse. Same findings.
    sliced, cut = slice_with_cuts(source, screened)
    # The positions of the calls come from the screen's tree: the slice is not parsed again.
    ast_calls = calls_of_slice(source, screened, cut)
    return ScreenedSource(source, sliced if sliced is not None else source,
                          None if ast_calls is None else portable_calls(ast_calls))


def check_screened(screened: ScreenedSource, path: str, settings: Settings) -> list[Finding]:
    """The second half of :func:`check_source`: the findings of a source the screens passed."""
    settings = _with_evidence(settings, path, screened.source)
    return analyze_source(screened.analyzed, path, settings, screened.ast_calls).findings


def _with_evidence(settings: Settings, path: str, source: bytes) -> Settings:
    """The runtime evidence of this very source only (check --evidence; see evidence.py)."""
    if settings.evidence is None:
        return settings
    from ac_fixer.evidence import with_file_evidence

    return with_file_evidence(settings, path, source)


def should_apply(finding: Finding, settings: Settings) -> bool:
    return finding.fixable and (settings.unsafe_fixes or not finding.unsafe)


def fix_source(
    source: bytes,
    path: str = "<string>",
    settings: Settings = DEFAULT_SETTINGS,
    accept: Optional[Callable[[Finding], bool]] = None,
) -> FixResult:
    """Apply every applicable fix (those ``accept`` approves, when given).

    The result's ``source`` is the input object itself when nothing changed.
    """
    settings = _with_evidence(settings, path, source)
    screened = _screened(source, settings, path)
    if screened is None:
        return FixResult(source, [], [])
    from ac_fixer.fast.screen import slice_for_check

    # The fixes are made on the slice the check analyzes (unrelated functions cut to
    # stubs that keep every line where it was), and the changed lines are carried over
    # onto the file's own bytes: LibCST never parses or re-prints a large file whole.
    sliced = slice_for_check(source, screened)
    result = fix_unscreened(source if sliced is None else sliced, path, settings, accept)
    if not result.applied or sliced is None:
        return checked_fix(source, result, path)
    from ac_fixer.fast.screen import carry_line_changes

    new_source = carry_line_changes(source, sliced, result.source)
    if new_source is None:  # an edit reached a line the slice changed: fix the whole file
        return checked_fix(source, fix_unscreened(source, path, settings, accept), path)
    return checked_fix(source, FixResult(new_source, result.applied, result.remaining), path)


def fix_unscreened(source: bytes, path: str, settings: Settings, accept) -> FixResult:
    """Analyze ``source`` with LibCST and apply the accepted fixes to it."""
    from ac_fixer.fixes import apply_edits, line_limit, splice_changed_lines

    analysis = analyze_source(source, path, settings)
    applied, remaining, edits = [], [], []
    for finding in analysis.findings:
        if should_apply(finding, settings) and (accept is None or accept(finding)):
            applied.append(finding)
            edits.extend(analysis.edits[id(finding)])
        else:
            remaining.append(finding)
    if not applied:
        return FixResult(source, [], remaining)
    limit = line_limit(analysis, source, settings.line_length) if settings.line_length else None
    new_source = apply_edits(analysis.module, edits, limit).bytes
    reprinted = analysis.module.bytes
    if reprinted != source:
        # LibCST re-prints a few byte sequences differently (a form feed at the start of
        # a line, trailing whitespace at the end of a file): carry over only the lines
        # the edits changed, onto the original bytes.
        new_source = splice_changed_lines(source, reprinted, new_source, path)
    return FixResult(new_source, applied, remaining)


def fix_rewrites(source: bytes, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> Optional[list]:
    """(finding, NodeRewrite or None) for each finding whose fix applies, from ONE analysis
    of the file (what SARIF's per-finding replacements are built from); see
    :func:`check_source_with_rewrites`."""
    return check_source_with_rewrites(source, path, settings)[1]


def check_source_with_rewrites(source: bytes, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS):
    """(findings, rewrites) of one analysis: the findings :func:`check_source` returns, and
    (finding, NodeRewrite or None) for each finding whose fix applies.

    None for a finding whose edits reach outside its call (an import to rename or extend)
    or whose layout depends on an indentation the call's own text does not show: the
    caller computes those otherwise. ``rewrites`` is None when LibCST does not re-print
    the file as read (every edit then goes through the line splice of :func:`fix_source`).
    Raises SourceError like :func:`check_source`.
    """
    settings = _with_evidence(settings, path, source)
    screened = _screened(source, settings, path)
    if screened is None:
        return [], []
    if settings.line_length is not None:
        # The layout of a fix then depends on the whole line (a call may be split one
        # argument per line): the caller computes each region from the whole-file fix.
        return check_source(source, path, settings), None
    from ac_fixer.fixes import node_rewrite, rewritten_node, source_text
    from ac_fixer.fast.screen import slice_for_check

    sliced = slice_for_check(source, screened)
    base = source if sliced is None else sliced
    analysis = analyze_source(base, path, settings)
    if not any(should_apply(f, settings) for f in analysis.findings):
        return analysis.findings, []
    if analysis.module.bytes != base:
        return analysis.findings, None
    text = source_text(analysis.module, base)
    lines = None if text is None else re.split(r"\r\n|\r|\n", text)
    rewrites = []
    for finding in analysis.findings:
        if not should_apply(finding, settings):
            continue
        node = rewritten_node(analysis.edits[id(finding)])
        if node is None or lines is None or not 0 < finding.line <= len(lines):
            rewrites.append((finding, None))
            continue
        line = lines[finding.line - 1]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        rewrites.append((finding, node_rewrite(analysis.module, finding, node, analysis.edits[id(finding)], indent)))
    return analysis.findings, rewrites


def checked_fix(source: bytes, result: FixResult, path: str) -> FixResult:
    """``result``, or the unchanged source when the fixes change nothing; never a file
    that does not parse."""
    if not result.applied or result.source == source:
        return FixResult(source, [], result.remaining)
    try:
        ast.parse(result.source)
    except (SyntaxError, ValueError) as error:  # a bug of ours: never write such a file
        if not _newer_syntax_still_parses(source, result.source):
            raise SourceError(
                path, f"internal error: the fix would not parse ({error}); file left unchanged"
            ) from None
    return result


def _newer_syntax_still_parses(source: bytes, fixed: bytes) -> bool:
    """For a file in syntax newer than this interpreter (Python rejects the original too):
    whether LibCST, which read the original, parses the fixed bytes."""
    try:
        ast.parse(source)
        return False  # Python read the original: the fix broke it
    except (SyntaxError, ValueError):
        pass
    import libcst

    try:
        libcst.parse_module(fixed)
    except Exception:
        return False
    return True


def check_file(path, settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """Findings of one .py file on disk (the audit's ``static_code``)."""
    from ac_fixer.files import FileError, read_regular

    path = Path(path)
    try:
        source = read_regular(path)[0]
    except FileError as error:
        raise SourceError(error.path, error.reason) from None
    return check_source(source, str(path), settings)

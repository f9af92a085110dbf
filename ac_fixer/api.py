"""Check and fix one source: the functions the CLI, the flake8 plugin and the runtime use.

Each takes the file's bytes and returns findings (and the new bytes); none of
them writes files or prints.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

from ac_fixer import catalog as cat
from ac_fixer.findings import Finding


class SourceError(Exception):
    """A file that cannot be decoded or parsed; ``reason`` says why, for stderr."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


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

    def needles(self) -> tuple:
        """Byte strings of which a file must contain one to possibly have a finding."""
        return _needles(self.extra_targets)

_CATALOGS: dict = {}


def _catalog_with(extra_targets: tuple) -> cat.Catalog:
    if extra_targets not in _CATALOGS:
        _CATALOGS[extra_targets] = cat.default_catalog().with_targets(extra_targets)
    return _CATALOGS[extra_targets]


_NEEDLES: dict = {}


def _needles(extra_targets: tuple) -> tuple:
    if extra_targets not in _NEEDLES:
        names = _catalog_with(extra_targets).short_names()
        # A name that contains another needle adds nothing (upsample_bilinear ⊃ upsample).
        minimal = {n for n in names if not any(other != n and other in n for other in names)}
        _NEEDLES[extra_targets] = tuple(sorted(name.encode() for name in minimal))
    return _NEEDLES[extra_targets]


DEFAULT_SETTINGS = Settings()


@dataclass
class FixResult:
    source: bytes
    applied: list = field(default_factory=list)  # findings whose fix was written
    remaining: list = field(default_factory=list)  # findings still reported

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def might_have_findings(source: bytes, settings: Settings = DEFAULT_SETTINGS) -> bool:
    """The cheap pre-filter: no catalogued name in the bytes means nothing to report
    (unless the file's declared encoding may write names with other bytes)."""
    # Several `in` scans (fast two-way search in C) beat one regex alternation here.
    if any(needle in source for needle in settings.needles()):
        return True
    from ac_fixer.screen import spells_identifiers_otherwise

    return spells_identifiers_otherwise(source)


def _screened(source: bytes, settings: Settings, path: str):
    """Both screens: the byte pre-filter, then the stdlib-ast screen (see screen.py).

    A file Python itself cannot parse is a SourceError here, before LibCST sees it:
    LibCST's native parser can crash the process on pathological nesting.
    """
    if not might_have_findings(source, settings):
        return None
    from ac_fixer.screen import screen

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


def _source_text(module, source: bytes) -> Optional[str]:
    try:
        return source.decode(module.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _analyze(source: bytes, path: str, settings: Settings):
    from ac_fixer.analysis import analyze_module

    module = parse(source, path)
    try:
        analysis = analyze_module(
            module,
            path,
            catalog=settings.catalog,
            value=settings.value,
            enabled=settings.enabled,
            source_text=_source_text(module, source),
            respect_noqa=settings.respect_noqa,
            used_names=frozenset(settings.used_names),
            project=settings.project.for_path(path) if settings.project is not None else None,
        )
    except RecursionError:
        raise SourceError(path, "too deeply nested to analyze") from None
    if settings.evidence is not None:
        from ac_fixer.evidence import promote

        promote(analysis, settings)
    return analysis


def check_source(source: bytes, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """All findings of one Python source. Raises SourceError for unreadable sources."""
    settings = _with_evidence(settings, path, source)
    screened = _screened(source, settings, path)
    if screened is None:
        return []
    from ac_fixer.screen import slice_for_check

    # Reporting needs only the functions and classes that name a catalogued name: the
    # others are cut to stubs before the (expensive) LibCST parse. Same findings.
    sliced = slice_for_check(source, screened)
    return _analyze(sliced if sliced is not None else source, path, settings).findings


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
    from ac_fixer.screen import slice_for_check

    # The fixes are made on the slice the check analyzes (unrelated functions cut to
    # stubs that keep every line where it was), and the changed lines are carried over
    # onto the file's own bytes: LibCST never parses or re-prints a large file whole.
    sliced = slice_for_check(source, screened)
    result = _fix_module(source if sliced is None else sliced, path, settings, accept)
    if not result.applied or sliced is None:
        return _checked(source, result, path)
    new_source = carry_line_changes(source, sliced, result.source)
    if new_source is None:  # an edit reached a line the slice changed: fix the whole file
        return _checked(source, _fix_module(source, path, settings, accept), path)
    return _checked(source, FixResult(new_source, result.applied, result.remaining), path)


def _fix_module(source: bytes, path: str, settings: Settings, accept) -> FixResult:
    """Analyze ``source`` with LibCST and apply the accepted fixes to it."""
    from ac_fixer.edits import apply_edits

    analysis = _analyze(source, path, settings)
    applied, remaining, edits = [], [], []
    for finding in analysis.findings:
        if should_apply(finding, settings) and (accept is None or accept(finding)):
            applied.append(finding)
            edits.extend(analysis.edits[id(finding)])
        else:
            remaining.append(finding)
    if not applied:
        return FixResult(source, [], remaining)
    limit = _line_limit(analysis, source, settings.line_length) if settings.line_length else None
    new_source = apply_edits(analysis.module, edits, limit).bytes
    reprinted = analysis.module.bytes
    if reprinted != source:
        # LibCST re-prints a few byte sequences differently (a form feed at the start of
        # a line, trailing whitespace at the end of a file): carry over only the lines
        # the edits changed, onto the original bytes.
        new_source = splice_changed_lines(source, reprinted, new_source, path)
    return FixResult(new_source, applied, remaining)


def _line_limit(analysis, source: bytes, length: int):
    """The layout decision's inputs: the line length; for each call of a finding that stands
    on one line, that line and the call's columns on it; for one over several lines, its
    last line."""
    import re

    from ac_fixer.edits import LineLimit

    text = _source_text(analysis.module, source)
    if text is None:
        return None
    lines = re.split(r"\r\n|\r|\n", text)
    calls, last_lines = {}, {}
    for finding in analysis.findings:
        node = analysis.nodes.get(id(finding))
        if node is None or not 0 < finding.line <= finding.end_line <= len(lines):
            continue
        if finding.line == finding.end_line:
            calls[id(node)] = (lines[finding.line - 1], finding.column - 1, finding.end_column - 1)
        else:
            last_lines[id(node)] = lines[finding.end_line - 1]
    return LineLimit(length, calls, analysis.module.default_indent, last_lines)


@dataclass(frozen=True)
class NodeRewrite:
    """A finding's fix as the rewrite of one node (the call), printed with ``indent`` as
    the enclosing block's indentation: ``old`` as LibCST prints the node, ``new`` with
    only this finding's edits applied."""

    finding: Finding
    old: str
    new: str
    indent: str


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
    from ac_fixer.screen import slice_for_check

    sliced = slice_for_check(source, screened)
    base = source if sliced is None else sliced
    analysis = _analyze(base, path, settings)
    if not any(should_apply(f, settings) for f in analysis.findings):
        return analysis.findings, []
    if analysis.module.bytes != base:
        return analysis.findings, None
    text = _source_text(analysis.module, base)
    lines = None if text is None else re.split(r"\r\n|\r|\n", text)
    rewrites = []
    for finding in analysis.findings:
        if not should_apply(finding, settings):
            continue
        node = _rewritten_node(analysis.edits[id(finding)])
        if node is None or lines is None or not 0 < finding.line <= len(lines):
            rewrites.append((finding, None))
            continue
        line = lines[finding.line - 1]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        rewrites.append((finding, _node_rewrite(analysis.module, finding, node, analysis.edits[id(finding)], indent)))
    return analysis.findings, rewrites


def _rewritten_node(edits: list):
    """The one node a finding's edits rewrite (the call; a renamed reference when that is
    the only edit), None when they reach anything else (an import, or an edit kind this
    function does not know)."""
    from ac_fixer.edits import AddKeyword, RemoveArg, RenameReference, SetArgValue

    calls = {id(e.call): e.call for e in edits if isinstance(e, (AddKeyword, RemoveArg))}
    if len(calls) == 1:
        (node,) = calls.values()
    elif not calls and len(edits) == 1 and isinstance(edits[0], RenameReference):
        return edits[0].node
    else:
        return None
    for edit in edits:
        if isinstance(edit, AddKeyword):
            continue
        if isinstance(edit, RenameReference):
            inside = _in_callee(edit.node, node.func)
        elif isinstance(edit, (RemoveArg, SetArgValue)):
            inside = any(arg is edit.arg for arg in node.args)
        else:
            return None
        if not inside:
            return None
    return node


def _in_callee(target, func) -> bool:
    """Whether ``target`` is the callee or a link of its dotted chain (``a.b.c``)."""
    import libcst as cst

    while True:
        if target is func:
            return True
        if not isinstance(func, cst.Attribute):
            return False
        func = func.value


def _node_rewrite(module, finding: Finding, node, edits: list, indent: str) -> Optional[NodeRewrite]:
    from ac_fixer.edits import apply_edits

    new_node = apply_edits(node, edits)  # the edits visit only this node's subtree
    old, new = _code_for(module, node, indent), _code_for(module, new_node, indent)
    if old is None or new is None:
        return None
    # The indentation is taken from the call's first line, and checked by the caller only
    # through ``old``: when ``new`` depends on it but ``old`` does not, it is not certain.
    # (Only a line break prints the indentation: a one-line ``new`` cannot depend on it.)
    if ("\n" in new or "\r" in new) and (
        _code_for(module, new_node, indent + "\0") != new and _code_for(module, node, indent + "\0") == old
    ):
        return None
    return NodeRewrite(finding, old, new, indent)


def _code_for(module, node, indent: str) -> Optional[str]:
    """``node``'s code inside a block indented by ``indent``. LibCST's public
    ``Module.code_for_node`` prints a node as if at column 0 (a multi-line call in a
    function would lose its indentation), so its CodegenState is built here with the
    block's indentation; None if that internal class is not there."""
    try:
        from libcst._nodes.internal import CodegenState
    except ImportError:  # pragma: no cover - a LibCST without it: the caller falls back
        return None
    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline, indent_tokens=[indent]
    )
    node._codegen(state)
    return "".join(state.tokens)


def _checked(source: bytes, result: FixResult, path: str) -> FixResult:
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


def carry_line_changes(source: bytes, base: bytes, edited: bytes) -> Optional[bytes]:
    """Apply to ``source`` the line changes that turn ``base`` into ``edited``.

    ``base`` has ``source``'s lines, some of them replaced (the slice); every changed
    line must be one ``base`` kept as it was, else None.
    """
    import difflib

    source_lines = source.splitlines(keepends=True)
    base_lines = base.splitlines(keepends=True)
    edited_lines = edited.splitlines(keepends=True)
    if len(source_lines) != len(base_lines):
        return None
    # Only the stretch between the first and the last changed line is diffed.
    head = 0
    limit = min(len(base_lines), len(edited_lines))
    while head < limit and base_lines[head] == edited_lines[head]:
        head += 1
    tail = 0
    while tail < limit - head and base_lines[-1 - tail] == edited_lines[-1 - tail]:
        tail += 1
    base_middle = base_lines[head:len(base_lines) - tail]
    edited_middle = edited_lines[head:len(edited_lines) - tail]
    result, cursor = [], 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base_middle, edited_middle).get_opcodes():
        if tag == "equal":
            continue
        start, end = head + i1, head + i2
        if source_lines[start:end] != base_lines[start:end]:
            return None
        if start == end and 0 < start < len(base_lines) and (
            source_lines[start - 1] != base_lines[start - 1] or source_lines[start] != base_lines[start]
        ):
            return None  # an insertion beside a replaced line: where it goes is not certain
        result.extend(source_lines[cursor:start])
        result.extend(edited_middle[j1:j2])
        cursor = end
    result.extend(source_lines[cursor:])
    return b"".join(result)


def splice_changed_lines(source: bytes, reprinted: bytes, edited: bytes, path: str) -> bytes:
    """Apply the line changes between ``reprinted`` and ``edited`` to ``source``.

    ``reprinted`` is LibCST's print of the unchanged tree; where it differs from the
    source, those lines must not be touched by an edit, or the file is refused.
    """
    import difflib

    spliced = _splice_around_one_difference(source, reprinted, edited)
    if spliced is not None:
        return spliced
    source_lines = source.splitlines(keepends=True)
    reprinted_lines = reprinted.splitlines(keepends=True)
    edited_lines = edited.splitlines(keepends=True)
    to_source = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, reprinted_lines, source_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                to_source[i1 + offset] = j1 + offset
    result, cursor = [], 0
    matcher = difflib.SequenceMatcher(None, reprinted_lines, edited_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        mapped = [to_source.get(i) for i in range(i1, i2)]
        if None in mapped or (i1 == i2 and i1 not in to_source and i1 != len(reprinted_lines)):
            raise SourceError(path, "cannot apply the fix byte-exactly here (unusual whitespace); file left unchanged")
        start = mapped[0] if mapped else (to_source[i1] if i1 < len(reprinted_lines) else len(source_lines))
        end = mapped[-1] + 1 if mapped else start
        result.extend(source_lines[cursor:start])
        result.extend(edited_lines[j1:j2])
        cursor = end
    result.extend(source_lines[cursor:])
    return b"".join(result)


def _splice_around_one_difference(source: bytes, reprinted: bytes, edited: bytes) -> Optional[bytes]:
    """When ``reprinted`` differs from ``source`` in one place (a dropped form feed or
    final CR), apply the edits by byte offsets around it; None when that is not possible."""
    import difflib

    if len(reprinted) > 1 << 20:
        return None  # byte-level matching is quadratic-ish; large files use the line splice
    prefix = 0
    limit = min(len(source), len(reprinted))
    while prefix < limit and source[prefix] == reprinted[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix and source[len(source) - 1 - suffix] == reprinted[len(reprinted) - 1 - suffix]
    ):
        suffix += 1
    lost_start, lost_end = prefix, len(reprinted) - suffix  # the region of `reprinted` that differs
    shift = len(source) - len(reprinted)
    pieces, cursor = [], 0
    matcher = difflib.SequenceMatcher(None, reprinted, edited, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 <= lost_start and not (i1 == i2 == lost_start and lost_start < lost_end):
            start, end = i1, i2
        elif i1 >= lost_end:
            start, end = i1 + shift, i2 + shift
        else:
            return None  # an edit touches the bytes that do not round-trip
        pieces.append(source[cursor:start])
        pieces.append(edited[j1:j2])
        cursor = end
    pieces.append(source[cursor:])
    return b"".join(pieces)


def check_file(path, settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """Findings of one .py file on disk (the audit's ``static_code``)."""
    from ac_fixer.files import FileError, read_regular

    path = Path(path)
    try:
        source = read_regular(path)[0]
    except FileError as error:
        raise SourceError(error.path, error.reason) from None
    return check_source(source, str(path), settings)

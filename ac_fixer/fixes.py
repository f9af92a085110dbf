"""Every byte-level edit a fix makes: the edits, applying them to a LibCST tree, the
layout of an added argument, splicing the changed lines back onto the file's own bytes,
and the one-node rewrites SARIF's replacements are printed from.

Edits point at nodes of the tree the analysis walked; :func:`apply_edits`
rebuilds only those nodes, so every byte outside them is printed back as read.
The layout rules (one argument per line, trailing commas, comments) live in
:func:`append_keyword`. Where LibCST re-prints some bytes otherwise than it read
them, :func:`splice_changed_lines` carries only the edited lines onto the source.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

import libcst as cst

from ac_fixer.files import SourceError
from ac_fixer.findings import Finding

# --------------------------------------------------------------------------- edits


@dataclass(frozen=True)
class AddKeyword:
    call: cst.Call
    keyword: str
    value: str  # Python source of the value, e.g. "False" or '"bilinear"'


@dataclass(frozen=True)
class SetArgValue:
    arg: cst.Arg
    value: str


@dataclass(frozen=True)
class RemoveArg:
    call: cst.Call
    arg: cst.Arg


@dataclass(frozen=True)
class RenameReference:
    """Rename a reference: a Name, or the last component of an Attribute chain."""

    node: cst.BaseExpression
    new_name: str  # the last component only: "interpolate", "Upsample"


@dataclass(frozen=True)
class RenameImportAlias:
    alias: cst.ImportAlias
    new_name: str


@dataclass(frozen=True)
class AddImportAlias:
    statement: cst.ImportFrom
    name: str


@dataclass(frozen=True)
class RemoveImportAlias:
    """Remove one name from a ``from … import`` (the whole statement when it was the only
    name and the statement stands directly in the module; elsewhere it stays)."""

    statement: cst.ImportFrom
    alias: cst.ImportAlias


Edit = Union[AddKeyword, SetArgValue, RemoveArg, RenameReference, RenameImportAlias, AddImportAlias, RemoveImportAlias]


@dataclass(frozen=True)
class LineLimit:
    """The project's line length and what deciding to explode a call needs.

    ``calls`` maps id(call) to (its line's text, start column, end column) for the
    calls that stand on one line; ``indent`` is the file's indentation unit.
    """

    length: int
    calls: dict
    indent: str = "    "
    # id(call) -> the text of its last line, for calls that span several lines
    last_lines: dict = field(default_factory=dict)

# --------------------------------------------------------------------------- layout


def _newline_whitespace(indent: bool, last_line: cst.SimpleWhitespace, empty_lines=()) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=list(empty_lines),
        indent=indent,
        last_line=last_line,
    )


def _continue_line(original: cst.ParenthesizedWhitespace, template: cst.ParenthesizedWhitespace):
    """Keep ``original``'s end-of-line comment, then indent the next line like ``template``."""
    return cst.ParenthesizedWhitespace(
        first_line=original.first_line,
        empty_lines=[],
        indent=template.indent,
        last_line=template.last_line,
    )


def _separators(call: cst.Call) -> list:
    seps = [call.whitespace_before_args]
    seps.extend(arg.comma.whitespace_after for arg in call.args[:-1] if isinstance(arg.comma, cst.Comma))
    return seps


def append_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """Append ``keyword=value`` to the call's arguments, following the call's own layout.

    A call whose arguments each start on a new line gets the new argument on a
    new line, indented like its neighbours, with a trailing comma when the call
    has one. Any other call gets ``, keyword=value`` right after its last
    argument. End-of-line comments stay on the line they were on.
    """
    new = cst.Arg(keyword=cst.Name(keyword), value=value, equal=_keyword_equal(call))
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    separators = _separators(call)
    one_per_line = all(isinstance(s, cst.ParenthesizedWhitespace) for s in separators)
    template = separators[-1]
    nothing = cst.SimpleWhitespace("")

    if isinstance(last.comma, cst.Comma):
        comma = last.comma
        after = comma.whitespace_after
        if one_per_line and isinstance(after, cst.ParenthesizedWhitespace):
            last = last.with_changes(comma=comma.with_changes(whitespace_after=_continue_line(after, template)))
            new = new.with_changes(
                comma=cst.Comma(
                    whitespace_before=nothing,
                    whitespace_after=_newline_whitespace(after.indent, after.last_line, after.empty_lines),
                )
            )
        elif one_per_line:
            last = last.with_changes(
                comma=comma.with_changes(whitespace_after=_newline_whitespace(template.indent, template.last_line))
            )
            new = new.with_changes(comma=comma)
        else:
            last = last.with_changes(comma=cst.Comma(comma.whitespace_before, cst.SimpleWhitespace(" ")))
            new = new.with_changes(comma=comma)
    else:
        trailing = last.whitespace_after_arg
        if one_per_line and isinstance(trailing, cst.ParenthesizedWhitespace):
            last = last.with_changes(
                comma=cst.Comma(nothing, _continue_line(trailing, template)), whitespace_after_arg=nothing
            )
            new = new.with_changes(
                whitespace_after_arg=_newline_whitespace(trailing.indent, trailing.last_line, trailing.empty_lines)
            )
        elif one_per_line:
            last = last.with_changes(
                comma=cst.Comma(nothing, _newline_whitespace(template.indent, template.last_line)),
                whitespace_after_arg=nothing,
            )
            new = new.with_changes(whitespace_after_arg=trailing)
        else:
            last = last.with_changes(comma=cst.Comma(nothing, cst.SimpleWhitespace(" ")), whitespace_after_arg=nothing)
            new = new.with_changes(whitespace_after_arg=trailing)
    return call.with_changes(args=[*args[:-1], last, new])


def _keyword_equal(call: cst.Call) -> cst.AssignEqual:
    """``=`` spaced like the call's own keywords (``mode = 'x'`` gets ``align_corners = False``)."""
    for arg in reversed(call.args):
        equal = arg.equal
        if arg.keyword is not None and isinstance(equal, cst.AssignEqual):
            before, after = equal.whitespace_before, equal.whitespace_after
            if isinstance(before, cst.SimpleWhitespace) and isinstance(after, cst.SimpleWhitespace):
                if before.value in ("", " ") and after.value in ("", " "):
                    return cst.AssignEqual(whitespace_before=before, whitespace_after=after)
            break
    nothing = cst.SimpleWhitespace("")
    return cst.AssignEqual(whitespace_before=nothing, whitespace_after=nothing)


def explode_arguments(call: cst.Call, line_indent: str, unit: str) -> cst.Call:
    """The call with one argument per line, as black and ruff format a call that does not
    fit: each argument on its own line one ``unit`` deeper than ``line_indent``, a trailing
    comma (the "magic trailing comma"), the closing parenthesis on a line of its own."""

    def newline(indent: str) -> cst.ParenthesizedWhitespace:
        return _newline_whitespace(False, cst.SimpleWhitespace(indent))

    inner = line_indent + unit
    args = []
    for i, arg in enumerate(call.args):
        last = i == len(call.args) - 1
        after = newline(line_indent if last else inner)
        comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=after)
        # The call stood on one line, so any line break inside an argument is a nested call
        # exploded just before: it moves one level deeper with its argument.
        value = arg.value.visit(_Deeper(unit))
        args.append(arg.with_changes(value=value, comma=comma, whitespace_after_arg=cst.SimpleWhitespace("")))
    return call.with_changes(args=args, whitespace_before_args=newline(inner))


class _Deeper(cst.CSTTransformer):
    """Indent every line break's next line by one more ``unit``."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def leave_ParenthesizedWhitespace(self, original_node, updated_node):
        if updated_node.indent:
            return updated_node
        return updated_node.with_changes(last_line=cst.SimpleWhitespace(self.unit + updated_node.last_line.value))


def _fits(call: cst.Call, place: tuple, length: int) -> bool:
    """Whether the one line holding ``call`` (``place``: the line, start and end column of
    the call as written) stays within ``length`` characters with the call printed as it is now."""
    line, start, end = place
    printed = cst.Module([]).code_for_node(call)
    return len(line.rstrip()) - (end - start) + len(printed) <= length


def _break_before_added(call: cst.Call, count: int, last_line: str, length: int) -> cst.Call:
    """A call over several lines whose new keywords (``call.args[count:]``) were appended to
    its last line, the one holding the closing parenthesis (``last_line`` as written): when
    that line would pass ``length``, the new keywords start a line of their own, indented like
    that last line."""
    previous, last = call.args[count - 1], call.args[-1]
    if not isinstance(previous.comma, cst.Comma) or not isinstance(previous.comma.whitespace_after, cst.SimpleWhitespace):
        return call  # they already start a line
    if not isinstance(last.whitespace_after_arg, cst.SimpleWhitespace) or (
        isinstance(last.comma, cst.Comma) and not isinstance(last.comma.whitespace_after, cst.SimpleWhitespace)
    ):
        return call  # the closing parenthesis has a line of its own: they are not on last_line
    bare = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")) for a in call.args[count:]]
    added = sum(len(", " + cst.Module([]).code_for_node(a)) for a in bare)
    if len(last_line.rstrip()) + added <= length:
        return call
    indent = last_line[: len(last_line) - len(last_line.lstrip())]
    comma = previous.comma.with_changes(whitespace_after=_newline_whitespace(False, cst.SimpleWhitespace(indent)))
    return call.with_changes(args=[*call.args[: count - 1], previous.with_changes(comma=comma), *call.args[count:]])


def _join_whitespace(before, after):
    """The whitespace left when the argument between ``before`` and ``after`` goes.

    ``before`` ends the previous argument's line (and keeps its comment); ``after``
    is what stood before the closing parenthesis.
    """
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(
            first_line=before.first_line,
            empty_lines=list(before.empty_lines),
            indent=after.indent,
            last_line=after.last_line,
        )
    if isinstance(before, cst.ParenthesizedWhitespace):
        return before
    return after


def remove_argument(call: cst.Call, index: int) -> cst.Call:
    args = list(call.args)
    removed = args.pop(index)
    if index == len(args) and args:
        # The removed argument was the last one: the one before it keeps its own
        # end-of-line comment and takes over the comma habit and the closing whitespace.
        previous = args[-1]
        separator = previous.comma.whitespace_after if isinstance(previous.comma, cst.Comma) else None
        if isinstance(removed.comma, cst.Comma):
            tail = _join_whitespace(separator, removed.comma.whitespace_after)
            args[-1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=tail))
        else:
            tail = _join_whitespace(separator, removed.whitespace_after_arg)
            args[-1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=tail)
    return call.with_changes(args=args)


# --------------------------------------------------------------------------- apply


def _same_edit(a: Edit, b: Edit) -> bool:
    if isinstance(a, AddKeyword) and isinstance(b, AddKeyword):
        return a.call is b.call and a.keyword == b.keyword
    if isinstance(a, RemoveArg) and isinstance(b, RemoveArg):
        return a.arg is b.arg
    return False


def _expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def _names_bound_earlier(module: cst.Module, renamed: dict, removed: set) -> dict:
    """id(ImportFrom standing directly in the module) -> the plain names that the module's
    earlier such imports of the same module bind once the edits are made."""
    from ac_fixer.engine.scopes import import_module_name

    bound: dict = {}  # module name -> names
    earlier: dict = {}
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if not isinstance(statement, cst.ImportFrom) or isinstance(statement.names, cst.ImportStar):
                continue
            source = import_module_name(statement)
            if source is None:
                continue
            earlier[id(statement)] = set(bound.get(source, ()))
            for alias in statement.names:
                if alias.asname is None and isinstance(alias.name, cst.Name) and id(alias) not in removed:
                    bound.setdefault(source, set()).add(renamed.get(id(alias), alias.name.value))
    return earlier


class _EditApplier(cst.CSTTransformer):
    def __init__(self, edits: Iterable[Edit], limit: Optional[LineLimit] = None, module: Optional[cst.Module] = None):
        super().__init__()
        self.limit = limit
        self.call_edits: dict = {}
        self.arg_values: dict = {}
        self.names: dict = {}
        self.aliases: dict = {}
        self.import_additions: dict = {}
        self.import_removals: dict = {}  # id(ImportFrom) -> ids of the aliases to remove
        self.emptied_imports: set = set()  # ids of ImportFrom statements left with no name
        for edit in edits:
            if isinstance(edit, (AddKeyword, RemoveArg)):
                call_edits = self.call_edits.setdefault(id(edit.call), [])
                if not any(_same_edit(edit, other) for other in call_edits):
                    call_edits.append(edit)
            elif isinstance(edit, SetArgValue):
                self.arg_values[id(edit.arg)] = edit.value
            elif isinstance(edit, RenameReference):
                self.names[id(edit.node)] = edit.new_name
            elif isinstance(edit, RenameImportAlias):
                self.aliases[id(edit.alias)] = edit.new_name
            elif isinstance(edit, AddImportAlias):
                names = self.import_additions.setdefault(id(edit.statement), [])
                if edit.name not in names:
                    names.append(edit.name)
            elif isinstance(edit, RemoveImportAlias):
                self.import_removals.setdefault(id(edit.statement), set()).add(id(edit.alias))
        self.bound_earlier: dict = {}
        if self.import_additions and module is not None:
            removed = set().union(*self.import_removals.values()) if self.import_removals else set()
            self.bound_earlier = _names_bound_earlier(module, self.aliases, removed)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new_name = self.names.get(id(original_node))
        return updated_node.with_changes(value=new_name) if new_name else updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        new_name = self.names.get(id(original_node))
        return updated_node.with_changes(attr=cst.Name(new_name)) if new_name else updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        value = self.arg_values.get(id(original_node))
        return updated_node.with_changes(value=_expression(value)) if value is not None else updated_node

    def leave_ImportAlias(self, original_node: cst.ImportAlias, updated_node: cst.ImportAlias) -> cst.ImportAlias:
        new_name = self.aliases.get(id(original_node))
        return updated_node.with_changes(name=cst.Name(new_name)) if new_name else updated_node

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        removals = self.import_removals.get(id(original_node))
        if removals and not isinstance(updated_node.names, cst.ImportStar):
            updated_node = self._without_names(original_node, updated_node, removals)
        additions = self.import_additions.get(id(original_node))
        if additions and not isinstance(updated_node.names, cst.ImportStar):
            # A name another edit already gave this import (a renamed alias), or an earlier
            # import of the same module, is not imported twice.
            present = {a.name.value for a in updated_node.names if a.asname is None and isinstance(a.name, cst.Name)}
            present |= self.bound_earlier.get(id(original_node), set())
            additions = [name for name in additions if name not in present]
        if not additions or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        names = list(updated_node.names)
        last = names[-1]
        trailing_comma = last.comma
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for i, name in enumerate(additions):
            is_last = i == len(additions) - 1
            comma = trailing_comma if is_last else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            names.append(cst.ImportAlias(name=cst.Name(name), comma=comma))
        return updated_node.with_changes(names=names)

    def _without_names(self, original: cst.ImportFrom, updated: cst.ImportFrom, removals: set) -> cst.ImportFrom:
        kept = [new for old, new in zip(original.names, updated.names) if id(old) not in removals]
        if not kept:
            self.emptied_imports.add(id(original))  # leave_Module removes the statement
            return updated
        if id(original.names[-1]) in removals:
            # The last name goes: the new last name takes its comma habit (trailing comma or
            # none, and the whitespace before a closing parenthesis).
            kept[-1] = kept[-1].with_changes(comma=updated.names[-1].comma)
        return updated.with_changes(names=kept)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.emptied_imports:
            return updated_node
        body, carried = [], []
        for old, new in zip(original_node.body, updated_node.body):
            if (
                isinstance(old, cst.SimpleStatementLine)
                and len(old.body) == 1
                and id(old.body[0]) in self.emptied_imports
            ):
                carried.extend(new.leading_lines)  # comments above it stay where they were
                continue
            if carried:
                new = new.with_changes(leading_lines=[*carried, *new.leading_lines])
                carried = []
            body.append(new)
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        edits = self.call_edits.get(id(original_node))
        if not edits:
            return updated_node
        call = updated_node
        removals = sorted(
            (original_node.args.index(e.arg) for e in edits if isinstance(e, RemoveArg)), reverse=True
        )
        for index in removals:
            call = remove_argument(call, index)
        count = len(call.args)
        for edit in edits:
            if isinstance(edit, AddKeyword):
                call = append_keyword(call, edit.keyword, _expression(edit.value))
        if self.limit is None or len(call.args) == count:
            return call
        place = self.limit.calls.get(id(original_node))
        if place is not None and not _fits(call, place, self.limit.length):
            line = place[0]
            call = explode_arguments(call, line[: len(line) - len(line.lstrip())], self.limit.indent)
        last_line = self.limit.last_lines.get(id(original_node))
        if last_line is not None and count:
            call = _break_before_added(call, count, last_line, self.limit.length)
        return call


def apply_edits(module: cst.Module, edits: Iterable[Edit], limit: Optional[LineLimit] = None) -> cst.Module:
    """``module`` with ``edits`` applied; with a ``limit``, a call that gains a keyword on a
    line that would then be too long gets one argument per line."""
    edits = list(edits)
    if not edits:
        return module
    return module.visit(_EditApplier(edits, limit, module))


# --------------------------------------------------------------------------- bytes


def source_text(module, source: bytes) -> Optional[str]:
    """The source decoded as LibCST read it (its declared encoding), None if it cannot be."""
    try:
        return source.decode(module.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def line_limit(analysis, source: bytes, length: int):
    """The layout decision's inputs: the line length; for each call of a finding that stands
    on one line, that line and the call's columns on it; for one over several lines, its
    last line."""
    text = source_text(analysis.module, source)
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


def splice_changed_lines(source: bytes, reprinted: bytes, edited: bytes, path: str) -> bytes:
    """Apply the line changes between ``reprinted`` and ``edited`` to ``source``.

    ``reprinted`` is LibCST's print of the unchanged tree; where it differs from the
    source, those lines must not be touched by an edit, or the file is refused.
    """
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


# --------------------------------------------------------------------------- one-node rewrites


@dataclass(frozen=True)
class NodeRewrite:
    """A finding's fix as the rewrite of one node (the call), printed with ``indent`` as
    the enclosing block's indentation: ``old`` as LibCST prints the node, ``new`` with
    only this finding's edits applied."""

    finding: Finding
    old: str
    new: str
    indent: str


def rewritten_node(edits: list):
    """The one node a finding's edits rewrite (the call; a renamed reference when that is
    the only edit), None when they reach anything else (an import, or an edit kind this
    function does not know)."""
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
    while True:
        if target is func:
            return True
        if not isinstance(func, cst.Attribute):
            return False
        func = func.value


def node_rewrite(module, finding: Finding, node, edits: list, indent: str) -> Optional[NodeRewrite]:
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

"""A cheap, sound screen: which files can have a finding at all.

LibCST parses at about 1 MB/s and walking its tree costs more again; the
stdlib ``ast`` parser is about 15 times faster. Most files that mention
``interpolate`` & co. only have calls that cannot produce a finding (an
explicit ``align_corners``, a ``nearest`` mode). This screen finds those with
``ast`` and lets only the rest through to the LibCST analysis.

Soundness (tested in tests/test_screen.py): every finding of the analysis is
on a call whose callee's last name component is a catalogued short name, or an
alias of one made by ``import ... as`` or by a plain reference (assignment,
``functools.partial``). The screen passes a file when any such call is not
provably clean, or when a catalogued name is referenced other than as a callee.
A call is provably clean only by facts that hold whatever the callee resolves to.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from ac_fixer import catalog as cat


def _literal_string(node: Optional[ast.expr]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _argument(call: ast.Call, param: Optional[cat.Param], first_star: Optional[int]):
    """(node or None, may_come_from_star) for a parameter of a call."""
    if param is None:
        return None, False
    if param.position is not None and (first_star is None or param.position < first_star):
        if param.position < len(call.args) and not any(
            isinstance(a, ast.Starred) for a in call.args[: param.position + 1]
        ):
            return call.args[param.position], False
    for keyword in call.keywords:
        if keyword.arg is not None and keyword.arg == param.keyword:
            return keyword.value, False
    from_star = first_star is not None and param.position is not None and param.position >= first_star
    from_double_star = any(k.arg is None for k in call.keywords) and bool(param.keyword)
    return None, from_star or from_double_star


def _clean_for(call: ast.Call, target: cat.Target, catalog: cat.Catalog) -> bool:
    """True when this call cannot produce any finding if its callee is ``target``."""
    if target.rename_to or target.replace_with:
        return False
    if target.flag_param is None or target.rule is None:
        return True
    first_star = next((i for i, a in enumerate(call.args) if isinstance(a, ast.Starred)), None)
    flag, flag_dynamic = _argument(call, target.flag_param, first_star)
    mode, mode_dynamic = _argument(call, target.mode_param, first_star)
    mode_text = _literal_string(mode)
    if flag is not None and not _is_none(flag):
        # Only ACF004 remains possible: a literal True/False with a mode that may resolve
        # to one rejecting the flag (the analysis resolves literals, names and conditionals).
        if target.every_mode or not (isinstance(flag, ast.Constant) and isinstance(flag.value, bool)):
            return True
        if mode is None:
            return not mode_dynamic and target.default_mode in catalog.modes_using_flag
        if mode_text is not None:
            return mode_text in catalog.modes_using_flag
        return not isinstance(mode, (ast.Name, ast.IfExp))
    if flag is None and flag_dynamic:
        return True  # *args/**kwargs may carry the flag: never reported
    if target.every_mode:
        return False
    if mode is None and not mode_dynamic:
        return target.default_mode not in catalog.modes_using_flag
    if mode_text is not None:
        return mode_text not in catalog.modes_using_flag
    return False


def _terminal(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _head(node: ast.expr) -> Optional[str]:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _statements(body: list) -> Iterator[ast.stmt]:
    for statement in body:
        yield statement
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(statement, "handlers", ()):
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", ()):
            yield from _statements(case.body)


def _resolvable_names(tree: ast.Module) -> Optional[set]:
    """Names the analysis can resolve to a qualified name: those bound by an import or an
    assignment somewhere in the module. None when a star import makes any name resolvable."""
    names: set = set()
    for statement in _statements(tree.body):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                names.add(alias.asname or alias.name.split(".", 1)[0])
        elif isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and _is_dotted(statement.value):
            # Only `name = a.b.c` can alias something the analysis resolves.
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _is_dotted(node: Optional[ast.expr]) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _match_lines(source: bytes, names: Iterable[str]) -> Optional[list]:
    """Sorted line numbers where one of ``names`` occurs; None when lines are ambiguous."""
    if b"\r" in source.replace(b"\r\n", b""):
        return None  # lone CR newlines: let the full walk decide
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\b")
    lines = []
    line, position = 1, 0
    for match in pattern.finditer(source):
        line += source.count(b"\n", position, match.start())
        position = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _nodes_on_lines(tree: ast.AST, lines: Optional[list]) -> Iterator[ast.AST]:
    """The nodes whose line span holds one of ``lines`` (all nodes when lines is None)."""
    if lines is None:
        yield from ast.walk(tree)
        return
    stack = [tree]
    while stack:
        node = stack.pop()
        start = getattr(node, "lineno", None)
        if start is not None:
            for decorator in getattr(node, "decorator_list", ()):
                start = min(start, decorator.lineno)
            end = getattr(node, "end_lineno", None) or start
            index = bisect.bisect_left(lines, start)
            if index == len(lines) or lines[index] > end:
                continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _whole_word_pattern(names: Iterable[str]):
    key = tuple(sorted(names))
    if key not in _WORD_PATTERNS:
        _WORD_PATTERNS[key] = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in key) + rb")\b")
    return _WORD_PATTERNS[key]


_WORD_PATTERNS: dict = {}


def _describe_syntax_error(error: SyntaxError) -> str:
    message = error.msg.replace("(unicode error) ", "")
    if "unknown encoding" in message or "codec can't decode" in message:
        return f"cannot decode: {message}"
    where = f" (line {error.lineno})" if error.lineno else ""
    return f"syntax error: {message}{where}"


def _watch_assigned_aliases(tree: ast.Module, watched: dict) -> None:
    """Add to ``watched`` every name bound by ``name = <dotted watched name>`` anywhere,
    through chains (``resize = F.interpolate; up = resize``): the analysis resolves calls
    through such aliases, so the lines naming them matter to the slice as much as the
    catalogued names themselves."""
    aliases = []
    for node in _statements(tree.body):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_dotted(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if names:
                aliases.append((names, _terminal(node.value)))
    grew = True
    while grew:
        grew = False
        for names, source_name in aliases:
            if source_name not in watched:
                continue
            for name in names:
                if name not in watched:
                    watched[name] = list(watched[source_name])
                    grew = True


def needs_analysis(source: bytes, catalog: cat.Catalog) -> bool:
    """False only when no call in ``source`` can produce a finding."""
    return screen(source, catalog) is not None


@dataclass
class Screened:
    """A file that needs the analysis: its stdlib ast and the lines naming watched names."""

    tree: Optional[ast.Module]
    lines: Optional[list]
    error: Optional[str] = None  # why Python's own parser rejects the file


def screen(source: bytes, catalog: cat.Catalog) -> Optional[Screened]:
    """None when no call in ``source`` can produce a finding, else what the screen learned."""
    # A catalogued name must occur as a whole identifier (`interpolate_pos_encoding` and
    # `upsampler` don't count); the analysis matches identifiers by their exact text.
    if not _whole_word_pattern(catalog.short_names()).search(source):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return Screened(None, None, _describe_syntax_error(error))
    except (ValueError, UnicodeDecodeError) as error:
        return Screened(None, None, f"cannot parse: {error}")
    except (RecursionError, MemoryError):
        return Screened(None, None, "too deeply nested to parse")
    targets_by_short: dict = {}
    for target in catalog.targets:
        for name in target.all_names():
            targets_by_short.setdefault(name.rsplit(".", 1)[-1], []).append(target)
    resolvable = _resolvable_names(tree)

    watched = dict(targets_by_short)
    partial_names = {"partial"}
    for node in _statements(tree.body):
        if isinstance(node, (ast.ImportFrom, ast.Import)):
            for alias in node.names:
                short = alias.name.rsplit(".", 1)[-1]
                if alias.asname and short in targets_by_short:
                    watched.setdefault(alias.asname, []).extend(targets_by_short[short])
                if alias.asname and short == "partial":
                    partial_names.add(alias.asname)
        elif isinstance(node, ast.Assign) and _is_dotted(node.value) and _terminal(node.value) == "partial":
            partial_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    _watch_assigned_aliases(tree, watched)

    def may_resolve(node: ast.expr) -> bool:
        head = _head(node)
        return head is not None and (resolvable is None or head in resolvable)

    def referenced(node: Optional[ast.expr]) -> bool:
        return node is not None and _terminal(node) in watched and may_resolve(node)

    lines = _match_lines(source, watched)
    for node in _nodes_on_lines(tree, lines):
        if isinstance(node, ast.Call):
            name = _terminal(node.func)
            if name in watched and may_resolve(node.func):
                if not all(_clean_for(node, t, catalog) for t in watched[name]):
                    return Screened(tree, lines)
            # functools.partial(F.interpolate, ...): the first argument.
            if name in partial_names and node.args and referenced(node.args[0]):
                return Screened(tree, lines)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and referenced(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) for t in targets):
                return Screened(tree, lines)  # an alias (`resize = F.interpolate`) called elsewhere
    return None


# --------------------------------------------------------------------------- slicing


def _binds_outside(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Global, ast.Nonlocal)) for n in ast.walk(node))


def slice_for_check(source: bytes, screened: Screened) -> Optional[bytes]:
    """``source`` with every function and class that names no watched name replaced by a
    one-line stub (``def name(): pass``) and blank lines, keeping every other line and
    column where it was. The analysis of the slice reports exactly what the analysis of
    the whole file reports (tested): the stubs keep the names bound, and only bodies that
    cannot hold a finding or bind a module-level name (no global/nonlocal) go.

    Fixes are made on the slice too, their changed lines carried back onto the file
    (api.carry_line_changes). None when nothing is cut.
    """
    if screened.tree is None or screened.lines is None:
        return None
    # bytes.splitlines breaks at \n, \r\n and \r only: the lines the ast counts.
    lines = source.splitlines(keepends=True)
    matches = screened.lines
    replaced: dict = {}

    def names_a_watched_name(start: int, end: int) -> bool:
        index = bisect.bisect_left(matches, start)
        return index < len(matches) and matches[index] <= end

    def visit(body: list) -> None:
        for statement in body:
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            start = min([statement.lineno] + [d.lineno for d in statement.decorator_list])
            end = statement.end_lineno or statement.lineno
            if names_a_watched_name(start, end):
                if isinstance(statement, ast.ClassDef):
                    visit(statement.body)
                continue
            if _binds_outside(statement):
                continue
            for number in range(start, end + 1):
                line = lines[number - 1]
                replaced[number] = line[len(line.rstrip(b"\r\n")):]
            line = lines[statement.lineno - 1]
            indent = line[: len(line) - len(line.lstrip(b" \t\x0c"))]
            keyword = b"class " if isinstance(statement, ast.ClassDef) else b"def "
            signature = b": pass" if isinstance(statement, ast.ClassDef) else b"(): pass"
            ending = line[len(line.rstrip(b"\r\n")):] or b"\n"
            replaced[statement.lineno] = indent + keyword + statement.name.encode() + signature + ending

    visit(screened.tree.body)
    if not replaced:
        return None
    return b"".join(replaced.get(number, line) for number, line in enumerate(lines, 1))

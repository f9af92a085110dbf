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
        if target.every_mode or not _may_equal_a_bool(flag):
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


def _may_equal_a_bool(node: ast.expr) -> bool:
    """A literal the analysis may read as True or False (``1``, ``0.0``, ``-0``, ``True``)."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float))


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


def _match_lines(source: bytes, names: Iterable[str], aliased: bool = False) -> Optional[list]:
    """Sorted line numbers where one of ``names`` occurs; None when lines are ambiguous.

    ``aliased``: some of ``names`` are aliases read from the ast, which spells an
    identifier in NFKC form (the source may write ``ｒ`` for ``r``) and as text, not in the
    file's encoding: a file with any non-ASCII byte then has no line numbers.
    """
    if b"\r" in source.replace(b"\r\n", b""):
        return None  # lone CR newlines: let the full walk decide
    if aliased and not source.isascii():
        return None
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


def _watch_assigned_aliases(tree: ast.Module, watched: dict) -> bool:
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
    grew, found = True, False
    while grew:
        grew = False
        for names, source_name in aliases:
            if source_name not in watched:
                continue
            found = True
            for name in names:
                if name not in watched:
                    watched[name] = list(watched[source_name])
                    grew = True
    return found


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
    if len(source) >= LARGE_FILE_BYTES and _large_file_is_clean(source, catalog):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return Screened(None, None, _describe_syntax_error(error))
    except (ValueError, UnicodeDecodeError) as error:
        return Screened(None, None, f"cannot parse: {error}")
    except (RecursionError, MemoryError):
        return Screened(None, None, "too deeply nested to parse")
    targets_by_short = _targets_by_short(catalog)
    watched, partial_names, aliased = _watched_names(tree, targets_by_short)
    lines = _match_lines(source, watched, aliased)
    if _may_have_finding(tree, lines, catalog, watched, partial_names, _resolvable_names(tree)):
        return Screened(tree, lines)
    return None


def _targets_by_short(catalog: cat.Catalog) -> dict:
    targets_by_short: dict = {}
    for target in catalog.targets:
        for name in target.all_names():
            targets_by_short.setdefault(name.rsplit(".", 1)[-1], []).append(target)
    return targets_by_short


def _watched_names(tree: ast.Module, targets_by_short: dict):
    """(watched, partial_names, aliased): the names whose calls may be catalogued APIs
    (with the targets they may be), the names that may be ``functools.partial``, and
    whether any watched name is bound to another name (``import … as``, ``a = F.interpolate``)."""
    watched = dict(targets_by_short)
    partial_names = {"partial"}
    aliased = False
    for node in _statements(tree.body):
        if isinstance(node, (ast.ImportFrom, ast.Import)):
            for alias in node.names:
                short = alias.name.rsplit(".", 1)[-1]
                if alias.asname and short in targets_by_short:
                    watched.setdefault(alias.asname, []).extend(targets_by_short[short])
                    aliased = True
                if alias.asname and short == "partial":
                    partial_names.add(alias.asname)
        elif isinstance(node, ast.Assign) and _is_dotted(node.value) and _terminal(node.value) == "partial":
            partial_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    aliased = _watch_assigned_aliases(tree, watched) or aliased
    return watched, partial_names, aliased


def _may_have_finding(tree, lines, catalog, watched: dict, partial_names: Optional[set], resolvable) -> bool:
    """False when every call on ``lines`` is provably clean (see the module docstring)."""

    def may_resolve(node: ast.expr) -> bool:
        head = _head(node)
        return head is not None and (resolvable is None or head in resolvable)

    def referenced(node: Optional[ast.expr]) -> bool:
        return node is not None and _terminal(node) in watched and may_resolve(node)

    for node in _nodes_on_lines(tree, lines):
        if isinstance(node, ast.Call):
            name = _terminal(node.func)
            if name in watched and may_resolve(node.func):
                if not all(_clean_for(node, t, catalog) for t in watched[name]):
                    return True
            # functools.partial(F.interpolate, ...): the first argument (None: any callee
            # may be a partial).
            if (partial_names is None or name in partial_names) and node.args and referenced(node.args[0]):
                return True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and referenced(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) for t in targets):
                return True  # an alias (`resize = F.interpolate`) called elsewhere
    return False


# --------------------------------------------------------------------------- large files

# The stdlib ast of a source takes about 70 times its size in memory (1.4 MB of source:
# 100 MB). Files this large are first screened one group of top-level statements at a
# time: each group is compiled to bytecode, whose name tables tell which groups name a
# watched identifier outside strings and comments; only those groups get an ast, and so
# do groups with a def whose text names one (annotations of assignments in a function
# body are never compiled).
LARGE_FILE_BYTES = 256 * 1024
_GROUP_CHARS = 4096  # measured: smaller groups mean less text to parse where a name occurs
_STATEMENT_START = re.compile(r"^[A-Za-z_@]", re.MULTILINE)
_CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b")
_STAR_IMPORT = re.compile(r"\bimport[\s\\]*\*")
_CO_FUTURE_ANNOTATIONS = 0x1000000  # names in annotations are not compiled under it


def _top_level_groups(text: str, size: Optional[int] = None) -> list:
    """(first line, text) of consecutive runs of top-level statements of ``text``, each of
    at least ``size`` characters (default ``_GROUP_CHARS``; 0: one statement each).

    A run starts at a line that starts a statement at column 0, as far as one can tell
    without tokenizing. A wrong guess (a column-0 line inside a string or brackets)
    leaves a run that does not compile, and the caller then parses the whole file.
    """
    size = _GROUP_CHARS if size is None else size
    groups = []
    start, first_line = 0, 1
    for match in _STATEMENT_START.finditer(text, max(size, 1)):
        position = match.start()
        if position - start < size or _CONTINUATION.match(text, position):
            continue
        previous = text.rfind("\n", 0, position - 1) + 1
        if text.startswith("@", previous):
            continue  # a decorator belongs with what follows it
        groups.append((first_line, text[start:position]))
        first_line += text.count("\n", start, position)
        start = position
    groups.append((first_line, text[start:]))
    return groups


def _code_names(code) -> set:
    """Every identifier a code object (and those nested in it) names: globals, attributes,
    imports, locals and closure variables. Strings and comments add none, and neither do
    the annotations of assignments in function bodies (never compiled): see
    :func:`_has_function`."""
    names: set = set()
    stack = [code]
    while stack:
        code = stack.pop()
        for name in code.co_names:
            names.update(name.split("."))  # `import a.b.c` is one entry
        names.update(code.co_varnames, code.co_cellvars, code.co_freevars)
        # In a class, `__up` is compiled as `_Class__up`: add every `__…` tail.
        for name in [n for n in names if n.startswith("_") and "__" in n[1:]]:
            start = name.find("__", 1)
            while start != -1:
                names.add(name[start:])
                start = name.find("__", start + 1)
        stack.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return names


def _dead_code_keeps_names() -> bool:
    """The bytecode names of this Python include names used only in dead code (`if 0:`);
    the large-file screen relies on it, and checks it once."""
    probe = "if 0:\n    a.interpolate()\ndef f():\n    return\n    b.grid_sample()\n"
    try:
        names = _code_names(compile(probe, "<probe>", "exec", dont_inherit=True, optimize=0))
    except Exception:  # noqa: BLE001 - any surprise disables the shortcut
        return False
    return {"interpolate", "grid_sample"} <= names


_DEAD_CODE_KEEPS_NAMES: list = []
_CO_OPTIMIZED = 0x1


def _compiles(text: str):
    """The code object of ``text``, or None when it does not compile."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(text, "<group>", "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _has_function(code) -> bool:
    """Whether a ``def`` (whose body may hold ``y: <annotation> = …``) is in ``code``."""
    stack = [code]
    while stack:
        code = stack.pop()
        if code.co_flags & _CO_OPTIMIZED and not code.co_name.startswith("<"):
            return True  # not a lambda, comprehension, class body or module
        stack.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return False


def _large_file_is_clean(source: bytes, catalog: cat.Catalog) -> bool:
    """True only when no call in ``source`` can produce a finding, decided group by group;
    False when it is not certain (the caller then screens the whole file)."""
    import io
    import tokenize

    if not _DEAD_CODE_KEEPS_NAMES:
        _DEAD_CODE_KEEPS_NAMES.append(_dead_code_keeps_names())
    if not _DEAD_CODE_KEEPS_NAMES[0]:
        return False
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return False
    if "\r" in text or "\x00" in text:
        return False  # lines counted otherwise than by "\n": leave it to the whole parse
    targets_by_short = _targets_by_short(catalog)
    groups = []  # [first line, text, bytecode names (None: parse it), has a def, parsed]
    for number, (first_line, group_text) in enumerate(_top_level_groups(text)):
        if number and "__future__" in group_text:
            return False  # a misplaced future import is an error only in the whole file
        code = _compiles(group_text)
        if code is None:
            return False
        names = _code_names(code)
        if code.co_flags & _CO_FUTURE_ANNOTATIONS:
            names = None  # annotations were not compiled: parse this group
        groups.append([first_line, group_text, names, _has_function(code), False])
        del code
    star_import = any(_STAR_IMPORT.search(g[1]) for g in groups)
    body: list = []
    triggers = set(targets_by_short)
    while True:
        # A group needs an ast when its bytecode names a watched name, or when it has a
        # def and its text names one (maybe in an annotation inside the def).
        in_text = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(triggers)) + r")\b").search
        to_parse = [
            g for g in groups
            if not g[4] and (g[2] is None or g[2] & triggers or (g[3] and in_text(g[1])))
        ]
        if not to_parse:
            break
        for group in to_parse:
            try:
                tree = ast.parse(group[1])
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
            ast.increment_lineno(tree, group[0] - 1)
            body.extend(tree.body)
            group[4] = True
        watched, _, _ = _watched_names(ast.Module(body=body, type_ignores=[]), targets_by_short)
        if set(watched) <= triggers:
            break
        triggers |= set(watched)
    tree = ast.Module(body=body, type_ignores=[])
    watched, _, aliased = _watched_names(tree, targets_by_short)
    if aliased and not source.isascii():
        return False  # an alias may be spelled otherwise in the text than in the bytecode
    # Aliases of functools.partial may be bound in groups not parsed: any call whose first
    # argument names a watched name counts as a possible partial.
    partial_names = None
    if star_import:
        resolvable = None
    else:
        resolvable = _resolvable_names(tree)
        if resolvable is not None:
            # Names bound anywhere: a superset, from the bytecode.
            for group in groups:
                if group[2] is not None:
                    resolvable |= group[2]
    lines = _match_lines(source, watched, aliased)
    return not _may_have_finding(tree, lines, catalog, watched, partial_names, resolvable)


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

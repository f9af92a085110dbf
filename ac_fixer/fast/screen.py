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

Where ``ast`` and the analysis could read the same text differently, the screen
steps aside: keywords or aliases spelled in a non-NFKC form, and files whose
declared encoding writes ASCII names with other bytes (``utf-7``, ...).
"""

from __future__ import annotations

import ast
import difflib
import bisect
import os
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from ac_fixer import catalog as cat
from ac_fixer import rules
from ac_fixer.bytesearch import holds_a_whole_word, occurrences, word_starts


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


def call_shape(call: ast.Call, target: cat.Target, catalog: cat.Catalog) -> rules.CallShape:
    """How ``call`` passes the flag and the mode of ``target``: what the rules' predicates read."""
    first_star = next((i for i, a in enumerate(call.args) if isinstance(a, ast.Starred)), None)
    flag, flag_dynamic = _argument(call, target.flag_param, first_star)
    mode, mode_dynamic = _argument(call, target.mode_param, first_star)
    if flag is None:
        flag_kind = rules.FLAG_DYNAMIC if flag_dynamic else rules.FLAG_ABSENT
    elif _is_none(flag):
        flag_kind = rules.FLAG_NONE
    elif _may_equal_a_bool(flag):
        flag_kind = rules.FLAG_BOOLISH
    else:
        flag_kind = rules.FLAG_OTHER
    mode_text = _literal_string(mode)
    if mode is None:
        mode_kind = rules.MODE_DYNAMIC if mode_dynamic else rules.MODE_ABSENT
    elif mode_text is not None:
        mode_kind = rules.MODE_LITERAL
    elif isinstance(mode, (ast.Name, ast.IfExp)):
        mode_kind = rules.MODE_RESOLVABLE
    else:
        mode_kind = rules.MODE_OTHER
    return rules.CallShape(target, flag_kind, mode_kind, mode_text, catalog)


def _clean_for(call: ast.Call, target: cat.Target, catalog: cat.Catalog) -> bool:
    """True when no rule may report this call if its callee is ``target`` (the rules say)."""
    return not rules.may_fire(call_shape(call, target, catalog))


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


def _statements(body: list) -> list:
    """Every statement of ``body``, nested ones included (one walk, no recursion)."""
    found: list = []
    stack = [body]
    while stack:
        for statement in stack.pop():
            found.append(statement)
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(statement, name, None)
                if isinstance(inner, list):
                    stack.append(inner)
            for handler in getattr(statement, "handlers", ()):
                stack.append(handler.body)
            for case in getattr(statement, "cases", ()):
                stack.append(case.body)
    return found


class Bindings:
    """What the imports and assignments of a module bind, from one walk of its statements."""

    def __init__(self, tree: ast.Module):
        self.star_import = False
        self.bound: set = set()  # names bound by an import or by `name = a.b.c`
        self.import_aliases: list = []  # (asname, last component of the imported name)
        self.assignments: list = []  # ([target names], last component of the dotted value)
        for statement in _statements(tree.body):
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    self.bound.add(alias.asname or alias.name.split(".", 1)[0])
                    if alias.asname:
                        self.import_aliases.append((alias.asname, alias.name.rsplit(".", 1)[-1]))
            elif isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    if alias.name == "*":
                        self.star_import = True
                        continue
                    self.bound.add(alias.asname or alias.name)
                    if alias.asname:
                        self.import_aliases.append((alias.asname, alias.name))
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and _is_dotted(statement.value):
                # Only `name = a.b.c` can alias something the analysis resolves.
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if names:
                    self.bound.update(names)
                    self.assignments.append((names, _terminal(statement.value)))

    def resolvable(self) -> Optional[set]:
        """Names the analysis can resolve to a qualified name; None when a star import
        makes any name resolvable."""
        return None if self.star_import else self.bound

    def aliases_of(self, names: dict) -> bool:
        """Add to ``names`` (name -> payload) every name bound to one of them by ``import …
        as`` or by ``name = <dotted name>``, through chains (``resize = F.interpolate;
        up = resize``); True when any such binding exists."""
        found = False
        for asname, short in self.import_aliases:
            if short in names and asname != short:  # `import x as x` re-exports, binds no alias
                found = True
                targets = names.setdefault(asname, [])
                targets.extend(t for t in names[short] if t not in targets)
        grew = True
        while grew:
            grew = False
            for targets, source_name in self.assignments:
                if source_name not in names:
                    continue
                found = True
                for name in targets:
                    if name not in names:
                        names[name] = list(names[source_name])
                        grew = True
        return found


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
    if aliased and not source.isascii() and (
        not all(name.isascii() for name in names) or _ascii_names_written_otherwise(source)
    ):
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


def _declared_encoding(source: bytes) -> Optional[str]:
    """The encoding Python reads ``source`` in (BOM or coding cookie), None when unusable."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        return None
    return encoding


def decoded_source(source: bytes) -> Optional[str]:
    """``source`` as Python decodes it, None when it cannot."""
    encoding = _declared_encoding(source)
    try:
        return None if encoding is None else source.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _ascii_names_written_otherwise(source: bytes) -> bool:
    """Whether ``source`` has a character whose NFKC form has ASCII letters, digits or
    ``_`` (``ｒ`` is ``r`` to ``ast``), so that a name ``ast`` reads as ASCII may be
    written otherwise in the bytes."""
    import unicodedata

    text = decoded_source(source)
    if text is None:
        return True
    # The distinct non-ASCII characters, found by a regex (C speed) rather than a set of
    # every character of the text.
    return any(_ASCII_WORD.search(unicodedata.normalize("NFKC", character))
               for character in set(_NON_ASCII.findall(text)))


_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


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


def names_a_whole_word(source: bytes, catalog: cat.Catalog) -> bool:
    """Whether one of the catalog's short names occurs in ``source`` as a whole word (what
    ``whole_word_pattern`` finds): a byte search per name and a look at each occurrence's
    neighbours, several times faster than the regex. A name that is not ASCII (an
    `extend-targets` row may name `resizé`): the regex, whose `\\b` next to a byte that is
    not a word byte reads otherwise."""
    names = catalog.short_names_bytes()
    if not all(name.isascii() for name in names):
        return whole_word_pattern(catalog.short_names()).search(source) is not None
    return holds_a_whole_word(source, names)


def whole_word_pattern(names: Iterable[str]):
    key = tuple(sorted(names))
    if key not in _WORD_PATTERNS:
        _WORD_PATTERNS[key] = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in key) + rb")\b")
    return _WORD_PATTERNS[key]


_WORD_PATTERNS: dict = {}


# Memory bounds of one file's analysis. LibCST holds about 55 KB for each call it analyzes
# and the parsers up to 5 KB per syntax node (measured: a 1 MB line of 24k interpolate
# calls took 1.4 GB, a 50 MB one 15.9 GB). Both counts are estimated from the bytes before
# any parse: the catalogued names of the file, and the syntax marks of what is parsed whole
# (the whole file, or one top-level statement of a large file; a large file the tokenizer
# screen clears is never parsed whole). A file over either bound is named and skipped
# (exit 2), never half analyzed: benchmarks/bench_large_file.py measures the peak at the
# bounds (under 1 GB).
MAX_NAMED_CALLS = 5_000  # whole-word occurrences of catalogued names (AC_FIXER_MAX_CALLS)
MAX_SYNTAX_MARKS = 150_000  # ( , ; = . and newlines: more than the nodes (AC_FIXER_MAX_NODES)
_SYNTAX_MARKS = (b"(", b",", b";", b"=", b".", b"\n")


def _bound(variable: str, default: int) -> int:
    try:
        value = int(os.environ.get(variable, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def _syntax_marks(text) -> int:
    """The syntax marks of ``text`` (bytes or str): C-speed counts, 0.1 s on 50 MB."""
    if isinstance(text, str):
        return sum(text.count(mark.decode()) for mark in _SYNTAX_MARKS)
    return sum(text.count(mark) for mark in _SYNTAX_MARKS)


def _too_many_nodes(text) -> Optional[str]:
    """Why parsing ``text`` whole would exceed the memory bound, or None."""
    limit = _bound("AC_FIXER_MAX_NODES", MAX_SYNTAX_MARKS)
    if len(text) <= limit:
        return None  # no more marks than characters (most files: not counted)
    marks = _syntax_marks(text)
    if marks > limit:
        return (f"too large to analyze: about {marks} syntax nodes (more than {limit}, "
                "the bound on one file's memory; AC_FIXER_MAX_NODES raises it)")
    return None


def too_many_calls(source: bytes, catalog: cat.Catalog) -> Optional[str]:
    """Why ``source`` names catalogued APIs too often to analyze within the bound, or None."""
    calls_limit = _bound("AC_FIXER_MAX_CALLS", MAX_NAMED_CALLS)
    # Each whole-word match holds an occurrence of a name that holds no other (matches do
    # not overlap): counting those names (a byte search each) bounds the matches from
    # above, and a file within the bound needs no regex pass.
    if sum(len(occurrences(source, name)) for name in catalog.short_needles()) <= calls_limit:
        return None
    calls = 0
    for _ in whole_word_pattern(catalog.short_names()).finditer(source):
        calls += 1
        if calls > calls_limit:
            return (f"too large to analyze: more than {calls_limit} uses of catalogued names "
                    "(the bound on one file's memory; AC_FIXER_MAX_CALLS raises it)")
    return None


def _describe_syntax_error(error: SyntaxError) -> str:
    message = error.msg.replace("(unicode error) ", "")
    if "unknown encoding" in message or "codec can't decode" in message:
        return f"cannot decode: {message}"
    where = f" (line {error.lineno})" if error.lineno else ""
    return f"syntax error: {message}{where}"


# Encodings in which an ASCII identifier is written with its own ASCII bytes, and no other
# bytes decode to ASCII letters, digits or underscores: the byte screens are exact there.
_PLAIN_ENCODINGS = frozenset({
    "utf-8", "utf-8-sig", "ascii", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255",
    "cp1256", "cp1257", "cp1258", "cp437", "cp850", "cp852", "cp866", "cp932", "cp936",
    "cp949", "cp950", "gbk", "gb2312", "gb18030", "big5", "big5hkscs", "shift_jis",
    "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr",
    "koi8-r", "koi8-u", "mac-roman",
})


def spells_identifiers_otherwise(source: bytes) -> bool:
    """True when ``source`` declares an encoding in which ASCII names may be written with
    other bytes (``utf-7``, ``unicode_escape``, EBCDIC code pages, ...): no byte screen
    can then be trusted, and the file goes to the analysis whole."""
    first = source.find(b"\n")
    second = source.find(b"\n", first + 1) if first != -1 else -1
    if b"coding" not in (source if second == -1 else source[:second]):
        return False
    import codecs

    encoding = _declared_encoding(source)
    try:
        name = codecs.lookup(encoding).name if encoding is not None else None
    except LookupError:
        name = None
    if name is None:
        return False  # not a usable cookie: the parsers reject the file
    return not (name in _PLAIN_ENCODINGS or name.startswith("iso8859"))


def unreadable_reason(source: bytes) -> Optional[str]:
    """Why Python cannot read ``source`` as text (NUL bytes, a coding cookie naming an
    unknown codec, bytes its encoding cannot decode), None when it can.

    Cheap enough for every file the byte pre-filter skips: a scan for NUL, and a decode
    only of files that are not pure ASCII or that declare an encoding (the C codecs run
    at hundreds of MB/s). Messages say what Python's own parser says.
    """
    if b"\0" in source:
        return "cannot parse: source code string cannot contain null bytes"
    first = source.find(b"\n")
    second = source.find(b"\n", first + 1) if first != -1 else -1
    declares = b"coding" in (source if second == -1 else source[:second]) or source.startswith(b"\xef\xbb\xbf")
    if not declares:
        if source.isascii():
            return None
        encoding = "utf-8"
    else:
        import io
        import tokenize

        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        except SyntaxError as error:
            return _describe_syntax_error(error)
    try:
        source.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        return f"cannot decode: {error}"
    return None


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
    otherwise = spells_identifiers_otherwise(source)
    if not otherwise and not names_a_whole_word(source, catalog):
        return None
    reason = too_many_calls(source, catalog)
    if reason is not None:
        return Screened(None, None, reason)
    if not otherwise and SCREEN_BY_GROUPS and groups_prove_clean(source, catalog):
        return None
    if not otherwise and not SCREEN_BY_GROUPS and len(source) >= LARGE_FILE_BYTES and large_file_is_clean(source, catalog):
        return None
    too_many_nodes = _too_many_nodes(source)  # what the whole-file parses would hold
    if too_many_nodes is not None:
        return Screened(None, None, too_many_nodes)
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        if libcst_parses(source, error):
            # Syntax newer than this interpreter (3.12 type parameters, nested f-string
            # quotes, ...) that LibCST reads: no stdlib ast, so the whole file is analyzed.
            return Screened(None, None)
        return Screened(None, None, _describe_syntax_error(error))
    except (ValueError, UnicodeDecodeError) as error:
        return Screened(None, None, f"cannot parse: {error}")
    except RecursionError:
        return Screened(None, None, "too deeply nested to parse")
    except MemoryError:
        return Screened(None, None, "too large to parse: out of memory")
    if otherwise:
        return Screened(tree, None)  # no line numbers, no slice: the whole file is analyzed
    bindings = Bindings(tree)
    watched, aliased = watched_names(bindings, catalog_targets_by_short(catalog))
    lines = _match_lines(source, watched, aliased)
    if _may_have_finding(tree, lines, catalog, watched, _partial_names(bindings), bindings.resolvable(), source):
        return Screened(tree, lines)
    return None


# Words of Python's messages for what no version of its grammar accepts (limits, bytes,
# encodings), where LibCST may be more lenient: these stay syntax errors.
_NOT_GRAMMAR = (
    "nested", "encoding", "codec", "null bytes", "non-printable", "Exceeds the limit", "ASCII literal characters",
)


def libcst_parses(source: bytes, error: SyntaxError) -> bool:
    """Whether LibCST parses a file Python's own parser rejected with ``error``: the
    grammar of a newer Python than the running one. Only the files Python rejects pay for
    this parse. Never asked when Python rejected the nesting (LibCST's native parser can
    overflow the C stack there) or the encoding (LibCST reads it the same way)."""
    message = error.msg or ""
    if any(word in message for word in _NOT_GRAMMAR):
        return False  # not a matter of grammar: no Python version reads these
    if b"\0" in source:
        return False
    import libcst

    try:
        libcst.parse_module(source)
    except Exception:  # its syntax errors, and any failure of the parser on odd input
        return False
    return True


def catalog_targets_by_short(catalog: cat.Catalog) -> dict:
    targets_by_short: dict = {}
    for target in catalog.targets:
        for name in target.all_names():
            targets_by_short.setdefault(name.rsplit(".", 1)[-1], []).append(target)
    return targets_by_short


def watched_names(bindings: Bindings, targets_by_short: dict):
    """(watched, aliased): the names whose calls may be catalogued APIs (with the targets
    they may be), and whether any watched name is bound to another name (``import … as``,
    ``a = F.interpolate``)."""
    watched = {name: list(targets) for name, targets in targets_by_short.items()}
    aliased = bindings.aliases_of(watched)
    return watched, aliased


def _partial_names(bindings: Bindings) -> set:
    """Names that may be ``functools.partial``: ``partial`` and its aliases."""
    names: dict = {"partial": []}
    bindings.aliases_of(names)
    return set(names)


def _may_have_finding(tree, lines, catalog, watched: dict, partial_names: Optional[set], resolvable, source: bytes) -> bool:
    """False when every call on ``lines`` is provably clean (see the module docstring)."""
    # ast spells keywords in NFKC form (`align_ｃorners` is `align_corners`); the analysis
    # reads them as written. A call whose keywords are not written as ast spells them is
    # never called clean.
    source_lines = None if source.isascii() else source.splitlines()

    def keywords_as_written(call: ast.Call) -> bool:
        for keyword in call.keywords:
            if keyword.arg is not None:
                line = source_lines[keyword.lineno - 1] if keyword.lineno <= len(source_lines) else b""
                if line[keyword.col_offset:keyword.col_offset + len(keyword.arg)] != keyword.arg.encode():
                    return False
        return True

    def may_resolve(node: ast.expr) -> bool:
        head = _head(node)
        return head is not None and (resolvable is None or head in resolvable)

    def referenced(node: Optional[ast.expr]) -> bool:
        return node is not None and _terminal(node) in watched and may_resolve(node)

    for node in _nodes_on_lines(tree, lines):
        if isinstance(node, ast.Call):
            name = _terminal(node.func)
            # A method (an inferred wrapper of the project) is called on an object whose
            # class only the analysis knows (`self.resize`, `r = Resizer(); r.resize`).
            if name in watched and (may_resolve(node.func) or any(t.kind == "method" for t in watched[name])):
                if source_lines is not None and not keywords_as_written(node):
                    return True
                if not all(_clean_for(node, t, catalog) for t in watched[name]):
                    return True
            # functools.partial(F.interpolate, ...): the first argument (partial_names
            # None: any callee may be partial).
            if (partial_names is None or name in partial_names) and node.args and referenced(node.args[0]):
                return True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and referenced(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) for t in targets):
                return True  # an alias (`resize = F.interpolate`) called elsewhere
    return False


# --------------------------------------------------------------------------- large files

# The stdlib ast of a source takes about 70 times its size in memory (1.4 MB of source:
# 100 MB). Files this large are screened one group of top-level statements at a time:
# one pass of the tokenizer (streaming, little memory) finds where top-level statements
# start and which identifiers each group names outside strings and comments, and only the
# groups that name a watched identifier get an ast. Every group is compiled on its own
# first: the syntax check the whole-file parse would have made.
LARGE_FILE_BYTES = 256 * 1024
GROUP_CHARS = 4096  # measured: smaller groups mean less text to parse where a name occurs
_CONTINUATIONS = frozenset({"else", "elif", "except", "finally"})
_STAR_IMPORT = re.compile(r"\bimport[\s\\]*\*")
_F_STRING_PREFIX = re.compile(r"[A-Za-z]*[fF]")
_WORD = re.compile(r"[^\W\d]\w*")


def top_level_groups(text: str, size: Optional[int] = None) -> Optional[list]:
    """[(first line, text, identifiers)] of consecutive runs of whole top-level statements
    of ``text``, each of at least ``size`` characters (default ``GROUP_CHARS``; 0: one
    statement each). The identifiers are the NAME tokens of the run (and the words of its
    f-strings, one token before Python 3.12). None when the tokenizer fails or an
    identifier is not ASCII (``ast`` and the analysis would then spell it otherwise).
    """
    import io
    import tokenize

    size = GROUP_CHARS if size is None else size
    line_starts = [0]
    line_starts.extend(match.end() for match in re.finditer("\n", text))
    firsts, names = [1], [set()]
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    logical_line_start, after_decorator = True, False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind == tokenize.NEWLINE:
                logical_line_start = True
                continue
            if kind in skip:
                continue
            if logical_line_start:
                logical_line_start = False
                line, column = token.start
                # A statement at column 0 starts a new group, unless it continues the one
                # before (`else:` & co.) or a decorator stands before it.
                if column == 0 and line > firsts[-1] and not after_decorator and not (
                    kind == tokenize.NAME and token.string in _CONTINUATIONS
                ) and line_starts[line - 1] - line_starts[firsts[-1] - 1] >= size:
                    firsts.append(line)
                    names.append(set())
                after_decorator = kind == tokenize.OP and token.string == "@"
            if kind == tokenize.NAME:
                found = [token.string]
            elif kind == tokenize.STRING and _F_STRING_PREFIX.match(token.string):
                # Before Python 3.12 an f-string is one token: every word in it may be a
                # name of its replacement fields.
                if not token.string.isascii():
                    return None
                found = _WORD.findall(token.string)
            elif kind == tokenize.ERRORTOKEN and not token.string.isascii():
                return None  # part of a name the pure-Python tokenizer splits (`up·x`)
            else:
                continue
            if not all(name.isascii() for name in found):
                return None
            names[-1].update(found)
    except (tokenize.TokenError, SyntaxError):
        return None
    bounds = [line_starts[first - 1] for first in firsts] + [len(text)]
    return [(first, text[bounds[i]:bounds[i + 1]], names[i]) for i, first in enumerate(firsts)]


def _compiles(text: str) -> bool:
    """Whether ``text`` compiles (the syntax check of a group)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<group>", "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def large_file_is_clean(source: bytes, catalog: cat.Catalog) -> bool:
    """True only when no call in ``source`` can produce a finding, decided group by group;
    False when it is not certain (the caller then screens the whole file)."""
    text = decoded_source(source)
    if text is None:
        return False
    if "\r" in text.replace("\r\n", "") or "\x00" in text:
        return False  # lines counted otherwise than by "\n": leave it to the whole parse
    tokenized = top_level_groups(text)
    if tokenized is None:
        return False
    groups = [(first_line, group_text) for first_line, group_text, _ in tokenized]
    identifiers = [names for _, _, names in tokenized]
    targets_by_short = catalog_targets_by_short(catalog)
    parsed = [False] * len(groups)
    body: list = []
    tree = ast.Module(body=body, type_ignores=[])
    watched, aliased = watched_names(Bindings(tree), targets_by_short)
    triggers = set(watched)
    while True:
        to_parse = [i for i, names in enumerate(identifiers) if not parsed[i] and names & triggers]
        if not to_parse:
            break
        for number in to_parse:
            first_line, group_text = groups[number]
            if _too_many_nodes(group_text) is not None:
                return False  # the whole-file screen names it
            try:
                group_tree = ast.parse(group_text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
            shift_lines(group_tree, first_line - 1)
            body.extend(group_tree.body)
            parsed[number] = True
        watched, aliased = watched_names(Bindings(tree), targets_by_short)  # tree.body is body
        if set(watched) <= triggers:
            break
        triggers |= set(watched)
    if any(_STAR_IMPORT.search(group_text) for _, group_text in groups):
        resolvable = None
    else:
        # Every identifier of the file: a superset of the names bound in it.
        resolvable = set().union(*identifiers)
    lines = _match_lines(source, watched, aliased)
    if _may_have_finding(tree, lines, catalog, watched, _maybe_partial(identifiers), resolvable, source):
        return False
    # Clean, if the file is valid: the syntax check the whole-file parse would have made.
    for number, (_, group_text) in enumerate(groups):
        if number and "__future__" in group_text:
            return False  # a misplaced future import is an error only in the whole file
        if _too_many_nodes(group_text) is not None or not _compiles(group_text):
            return False
    return True


def _maybe_partial(identifiers: list) -> set:
    """A superset of the names that may be ``functools.partial``, from identifiers alone:
    an alias is bound by a statement that names ``partial`` or another alias, so every
    identifier of a group that names one may be one."""
    maybe = {"partial"}
    grew = True
    while grew:
        grew = False
        for names in identifiers:
            if not names <= maybe and not maybe.isdisjoint(names):
                maybe |= names
                grew = True
    return maybe


# --------------------------------------------------------------------------- files screened by groups

# Most candidate files only get proven clean, and parsing them whole was the screen's main
# cost. So every file is first screened by groups: each top-level statement is a group, and
# a class is split further into its members (header, then each statement of its body). Only
# the groups that name a trigger are parsed: a watched name or an alias of one, ``partial``
# or an alias of it, and ``import`` (what binds names and star imports); the aliases found
# grow the triggers until a fixpoint. The other groups are never parsed: a file they prove
# clean is not syntax-checked whole (like a file naming no catalogued API at all). Whenever
# anything is unusual (a group does not parse, brackets do not balance, an f-string whose
# quotes the scanner cannot follow, names ``ast`` may spell otherwise), the caller parses
# the file whole. The group boundaries come from a scanner of strings, comments, brackets
# and backslash continuations (a regular expression, C speed): the stdlib tokenizer is pure
# Python and costs more than parsing the file.
SCREEN_BY_GROUPS = True  # False: every candidate file is parsed whole (tests compare both)

# Strings (a backslash escapes the next character, newline included, in raw strings too),
# comments, and a quote that opens no complete string. The pattern starts with a quote or
# ``#`` (the regex engine then skips to those characters at C speed); a string's prefix is
# read from the characters before its quote.
_STRING_OR_COMMENT = re.compile(
    # each body an unrolled loop: runs of ordinary characters are one repeat of a set
    r"'''[^\\']*(?:(?:\\.|'(?!''))[^\\']*)*'''"
    r'|"""[^\\"]*(?:(?:\\.|"(?!""))[^\\"]*)*"""'
    r"|'[^\\'\n]*(?:\\.[^\\'\n]*)*'"
    r'|"[^\\"\n]*(?:\\.[^\\"\n]*)*"'
    r"|\#[^\n]*|'"
    r'|"',
    re.S,
)
_STRING_PREFIX = re.compile(r"\w{1,3}\Z")
_PREFIX_LETTERS = frozenset("rbuf")
# The ASCII characters `\w` does not match: a string after one of them has no prefix.
_ASCII_NOT_WORD = frozenset(chr(c) for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))
# The start of a line at column 0 (``\x00`` marks the lines a string continues over; a
# backslash before the newline, a line that continues the one before, is checked apart: a
# pattern that starts with a literal is searched for at C speed).
_COLUMN_0_LINE = re.compile(r"\n(?=[^\s\x00])")
_INDENTED_LINE = re.compile(r"\n(?=([ \t]+)[^\s\x00])")
_CONTINUING_CLAUSE = re.compile(r"[ \t]*(?:else|elif|except|finally)\b")
_CLASS_LINE = re.compile(r"class\b")
_GROUP_TRIGGERS = ("import", "partial")


def _code_only(text: str, inert: Optional[list] = None) -> Optional[str]:
    """``text`` with each string replaced by ``S`` and each comment by nothing, keeping every
    newline (the lines a string continues over then start with ``\\x00``). None when the
    scanner cannot be sure it reads the strings as Python does. ``inert``: a list to which
    the (start, end) of each comment and each string but an f-string (whose replacement
    fields are code) in ``text`` are added, in order."""
    unusual = False

    def blank(match) -> str:
        nonlocal unusual
        start, end = match.span()
        if text[start] == "#":
            if inert is not None:
                inert.append((start, end))
            return ""
        if end - start == 1:
            unusual = True  # an unterminated string: a syntax error or a newer grammar
            return ""
        newlines = text.count("\n", start, end)
        replacement = "S" + "\n\x00" * newlines if newlines else "S"
        # Most strings follow a bracket, a blank or an operator: no prefix to read (a search
        # for one per string cost a fifth of this scan).
        prefix = None if not start or text[start - 1] in _ASCII_NOT_WORD else _STRING_PREFIX.search(
            text, max(0, start - 3), start)
        if prefix is not None:
            letters = prefix.group().lower()
            if len(letters) > 2 or not set(letters) <= _PREFIX_LETTERS:
                # a name glued to a quote (`if"a"`): valid after a keyword only; left to
                # the whole parse
                unusual = True
            elif "f" in letters:
                # Python 3.12 lets a replacement field hold the f-string's own quote: the
                # match then ends inside a field, with a brace left open.
                fields = match.group().replace("{{", "").replace("}}", "")
                if fields.count("{") != fields.count("}"):
                    unusual = True
                return replacement
        if inert is not None:
            inert.append((start, end))
        return replacement

    code = _STRING_OR_COMMENT.sub(blank, text)
    return None if unusual else code


def _depth_zero_starts(code: str, pattern, begin: int, end: int) -> Optional[list]:
    """[(offset, match)] of the lines ``pattern`` finds in ``code[begin:end]`` outside any
    bracket; None when the brackets do not balance."""
    found = []
    depth, last = 0, begin
    for match in pattern.finditer(code, begin, end):
        if code[match.start() - 1] == "\\":
            continue  # a backslash continuation (strings and comments are blanked)
        position = match.end()
        depth += _bracket_depth(code, last, position)
        last = position
        if depth < 0:
            return None
        if depth == 0:
            found.append((position, match))
    depth += _bracket_depth(code, last, end)
    return found if depth == 0 else None


def _bracket_depth(code: str, begin: int, end: int) -> int:
    between = code[begin:end]
    return (between.count("(") + between.count("[") + between.count("{")
            - between.count(")") - between.count("]") - between.count("}"))


_MEMBER_LINES: dict = {}


def _statement_starts(code: str, starts: list, indent: str) -> list:
    """The offsets of ``starts`` that begin a statement of their own: not a continuing
    clause (``else:`` & co.), not the statement a decorator stands before."""
    kept = []
    after_decorator = False
    for position, _ in starts:
        at = position + len(indent)
        decorator = code.startswith("@", at)
        if not after_decorator and not _CONTINUING_CLAUSE.match(code, at):
            kept.append(position)
        after_decorator = decorator
    return kept


@dataclass
class _Group:
    """One top-level statement: lines [first, end) (0-based); for a class split into its
    members, ``members`` holds their line ranges and ``indent`` the body's indentation."""

    first: int
    end: int
    members: Optional[list] = None
    indent: str = ""


def split_into_groups(text: str, inert: Optional[list] = None) -> Optional[list]:
    """The top-level statements of ``text`` (``\\n`` newlines), classes split into members;
    None when the scanner cannot be sure of the boundaries. ``inert``: see _code_only."""
    code = _code_only(text, inert)
    if code is None:
        return None
    code = "\n" + code  # every line, the first one too, starts after a newline
    starts = _depth_zero_starts(code, _COLUMN_0_LINE, 0, len(code))
    if starts is None:
        return None
    top = _statement_starts(code, starts, "")
    if not top or top[0] != 1:
        top.insert(0, 1)
    line_of = {}
    line, last = 0, 1
    for position in top:
        line += code.count("\n", last, position)
        line_of[position] = line
        last = position
    total_lines = code.count("\n")
    groups = []
    for index, position in enumerate(top):
        end_position = top[index + 1] if index + 1 < len(top) else len(code)
        end = line_of[top[index + 1]] if index + 1 < len(top) else total_lines
        group = _Group(line_of[position], end)
        _split_class(code, position, end_position, group)
        groups.append(group)
    return groups


def _split_class(code: str, begin: int, end: int, group: _Group) -> None:
    """Split a class statement into its header and its members (in place); a group that is
    no class, or a class whose body the scanner does not follow, stays whole."""
    position = begin
    while code.startswith("@", position):  # decorators, each a statement line of its own
        starts = _depth_zero_starts(code, _COLUMN_0_LINE, position, end)
        if not starts:
            return
        position = starts[0][0]
    if not _CLASS_LINE.match(code, position):
        return
    first_member = None
    for match in _INDENTED_LINE.finditer(code, position, end):
        if code[match.start() - 1] != "\\" and _bracket_depth(code, position, match.end()) == 0:
            first_member = match
            break
    if first_member is None:
        return  # a one-line class, or brackets the scanner cannot follow
    indent = first_member.group(1)
    # Only the lines at the body's own indentation (a deeper line has a blank after it;
    # a shallower one inside the class would be an indentation error).
    if indent not in _MEMBER_LINES:
        _MEMBER_LINES[indent] = re.compile(r"\n(?=" + re.escape(indent) + r"[^\s\x00])")
    inner = _depth_zero_starts(code, _MEMBER_LINES[indent], position, end)
    if not inner:
        return
    member_starts = _statement_starts(code, inner, indent)
    if not member_starts or member_starts[0] != first_member.end():
        return
    first_line = group.first + code.count("\n", begin, member_starts[0])
    members, line = [], first_line
    for index, start in enumerate(member_starts):
        if index + 1 < len(member_starts):
            next_line = line + code.count("\n", start, member_starts[index + 1])
        else:
            next_line = group.end
        members.append((line, next_line))
        line = next_line
    group.members = members
    group.indent = indent


class _MayBind:
    """The names ``resolvable`` holds for the screen of a file parsed by groups: those the
    parsed groups bind, and any name the text may bind elsewhere (``name =`` or
    ``name:`` anywhere: every import is in a parsed group)."""

    def __init__(self, bound: set, text: str):
        self.bound = bound
        self.text = text
        self.known: dict = {}

    def __contains__(self, name: str) -> bool:
        if name in self.bound:
            return True
        if name not in self.known:
            pattern = r"(?<![\w.])" + re.escape(name) + r"(?:[\s\\)]|#[^\n]*)*(?::|=(?!=))"
            self.known[name] = re.search(pattern, self.text) is not None
        return self.known[name]


def groups_prove_clean(source: bytes, catalog: cat.Catalog) -> bool:
    """True only when no call in ``source`` can produce a finding, decided from the groups
    that name a trigger (see above); False when it is not certain (the caller then parses
    the file whole, which also names a file Python cannot parse)."""
    # Whether an offset in ``text`` is the same offset in ``source`` (then the trigger words
    # are found in the bytes, see _trigger_words).
    same_offsets = False
    if source.isascii() and b"coding" not in source[:200]:
        text = source.decode("ascii")
        same_offsets = "\r" not in text
    else:
        text = decoded_source(source)
        if text is None or _ascii_names_written_otherwise(source):
            return False
    if "\r" in text:
        if "\r" in text.replace("\r\n", ""):
            return False  # lines counted otherwise than by "\n": leave it to the whole parse
        text = text.replace("\r\n", "\n")
    if "\x00" in text:
        return False
    # The comments and strings (f-strings aside): a trigger word there selects no group.
    inert: list = []
    groups = split_into_groups(text, inert)
    if groups is None:
        return False
    inert_starts = [start for start, _ in inert]
    lines = text.split("\n")
    # A group holds at most the file's syntax marks and one newline more: within the bound
    # for the whole text, no group needs its own count.
    limit = _bound("AC_FIXER_MAX_NODES", MAX_SYNTAX_MARKS)
    bounded = len(text) < limit or _syntax_marks(text) < limit  # (no more marks than characters)
    # units: (group index, member index or None), by first line
    unit_firsts, units = [], []
    for number, group in enumerate(groups):
        if group.members is None:
            unit_firsts.append(group.first)
            units.append((number, None))
        else:
            unit_firsts.append(group.first)
            units.append((number, -1))  # the class header
            for index, (first, _) in enumerate(group.members):
                unit_firsts.append(first)
                units.append((number, index))
    targets_by_short = catalog_targets_by_short(catalog)
    selected: set = set()
    trees: dict = {}
    triggers: set = set(targets_by_short) | set(_GROUP_TRIGGERS)
    searched: set = set()
    lines_of: dict = {}  # trigger -> the lines (1-based) where it occurs as a whole word
    body: list = []
    tree = ast.Module(body=body, type_ignores=[])
    while True:
        new = triggers - searched
        if not new:
            break
        if not all(name.isascii() for name in new):
            return False  # `\b` and `ast` may disagree on where such a name ends
        searched |= new
        grown = set()
        line, position = 0, 0
        for start, word in _trigger_words(text, source if same_offsets else None, new):
            index = bisect.bisect_right(inert_starts, start) - 1
            if index >= 0 and start < inert[index][1]:
                continue  # in a comment or a string: no code
            line += text.count("\n", position, start)
            position = start
            lines_of.setdefault(word, []).append(line + 1)
            grown.add(units[bisect.bisect_right(unit_firsts, line) - 1])
        grown -= selected
        if not grown:
            break
        selected |= grown
        for number in {number for number, _ in grown}:
            parsed = _parse_group(groups[number], lines, selected, number, bounded)
            if parsed is None:
                return False
            trees[number] = parsed
        body[:] = [statement for number in sorted(trees) for statement in trees[number]]
        bindings = Bindings(tree)
        watched, aliased = watched_names(bindings, targets_by_short)
        partial_names = _partial_names(bindings)
        triggers = set(watched) | partial_names | set(_GROUP_TRIGGERS)
    if not trees:
        return True  # trigger words only in strings and comments... of no statement at all
    # `bindings`, `watched` and `partial_names` are those of the last round: of every group parsed.
    resolvable = None if bindings.star_import else _MayBind(bindings.bound, text)
    # The lines of the watched names, as `_match_lines` finds them in the bytes: every
    # name is ASCII, and no character of the text is an ASCII letter to `ast` otherwise.
    match_lines = sorted({line for name in watched for line in lines_of.get(name, ())})
    return not _may_have_finding(tree, match_lines, catalog, watched, partial_names, resolvable, source)


# A trigger word at least this long is found by a byte search (see _trigger_words); a
# shorter one (`F`, `nn`) occurs inside many other words, whose neighbours the regex reads
# at C speed.
_SEARCHED_WORD_LENGTH = 4


def _trigger_words(text: str, source: Optional[bytes], names: set) -> list:
    """(offset, word) of each occurrence of one of ``names`` (ASCII identifiers) in
    ``text`` as a whole word, in order. ``source``: the bytes ``text`` was decoded from,
    offset for offset (ASCII), or None. The long names are found in the bytes by
    bytesearch.word_starts (a SIMD substring search per name where the library is there,
    and a look at each occurrence's neighbours): the alternation of all of them is tried
    by the regex engine at every character that may start one (measured: 0.24 s against
    0.05 s for the candidate files of the benchmark corpus). The same occurrences: in an
    ASCII text, `\\b` and the look at the neighbours agree on what a word byte is."""
    found: list = []
    searched = sorted(name for name in names if len(name) >= _SEARCHED_WORD_LENGTH) if source is not None else []
    if searched:
        found = [(at, name.decode()) for at, name in word_starts(source, tuple(n.encode() for n in searched))]
    rest = names.difference(searched)
    if rest:
        for match in _word_start_pattern(rest).finditer(text):
            start = match.start()
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # inside a longer word: the `\b` the pattern leaves out (see there)
            found.append((start, match.group()))
        if searched:
            found.sort()
    return found


def _word_start_pattern(names: Iterable[str]):
    """The words ``names`` in text (``str``), followed by a word boundary. The boundary
    before is left to the caller: a pattern that starts with a literal is searched for at
    C speed, one that starts with ``\\b`` is tried at every character (2.5 times slower)."""
    key = tuple(sorted(names))
    if key not in _TEXT_WORD_PATTERNS:
        _TEXT_WORD_PATTERNS[key] = re.compile("(?:" + "|".join(re.escape(n) for n in key) + r")\b")
    return _TEXT_WORD_PATTERNS[key]


_TEXT_WORD_PATTERNS: dict = {}


def _parse_group(group: _Group, lines: list, selected: set, number: int, bounded: bool = False) -> Optional[list]:
    """The statements of ``group`` with their line numbers in the file (a class: its header
    and the selected members, the others replaced by ``pass``); None when it does not
    parse or would be too large."""
    if group.members is None:
        piece = lines[group.first:group.end]
    else:
        piece = lines[group.first:group.members[0][0]]
        for index, (first, end) in enumerate(group.members):
            if (number, index) in selected:
                piece.extend(lines[first:end])
            else:
                piece.append(group.indent + "pass")
                piece.extend([""] * (end - first - 1))
    group_text = "\n".join(piece) + "\n"
    if not bounded and _too_many_nodes(group_text) is not None:
        return None
    # Blank lines before the group give its nodes their line numbers in the file; far into
    # a file, for a small group, moving the numbers after the parse costs less than the
    # parser's blank lines (measured: a blank line ≈ 0.015 µs, moving a group's numbers
    # ≈ 0.08 µs per character of it).
    shift = group.first if group.first > _BLANK_LINES_PER_CHARACTER * len(group_text) else 0
    try:
        parsed = ast.parse("\n" * (group.first - shift) + group_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if shift:
        shift_lines(parsed, shift)
    return parsed.body


_BLANK_LINES_PER_CHARACTER = 5
# Nodes without a line number, and with no node below them (a Constant has one: it is shifted).
_NO_LINES_BELOW = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def shift_lines(tree: ast.AST, shift: int) -> None:
    """``ast.increment_lineno(tree, shift)`` without ``ast.walk``'s two generators per node
    (a fifth of the group screen's time far into long files). The screen parses without
    type comments: no ``TypeIgnore`` node is met."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if "lineno" in node._attributes:
            node.lineno += shift
            end = node.end_lineno
            if end is not None:
                node.end_lineno = end + shift
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend([item for item in value if isinstance(item, ast.AST) and not isinstance(item, _NO_LINES_BELOW)])
            elif isinstance(value, ast.AST) and not isinstance(value, _NO_LINES_BELOW):
                stack.append(value)


# --------------------------------------------------------------------------- slicing


_GLOBAL_OR_NONLOCAL = re.compile(rb"\b(?:global|nonlocal)\b")


def _lines_naming_global_or_nonlocal(source: bytes) -> list:
    """Sorted line numbers where ``global`` or ``nonlocal`` occurs as a word: a superset of
    the lines of the ``global``/``nonlocal`` statements (one regex pass instead of a walk
    of every function's tree)."""
    lines = []
    line, position = 1, 0
    for match in _GLOBAL_OR_NONLOCAL.finditer(source):
        line += source.count(b"\n", position, match.start())
        position = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def slice_for_check(source: bytes, screened: Screened) -> Optional[bytes]:
    """``source`` with every function and class that names no watched name replaced by a
    one-line stub (``def name(): pass``) and blank lines, keeping every other line and
    column where it was. The analysis of the slice reports exactly what the analysis of
    the whole file reports (tested): the stubs keep the names bound, and only bodies that
    cannot hold a finding or bind a module-level name (no global/nonlocal) go.

    Fixes are made on the slice too, their changed lines carried back onto the file
    (carry_line_changes). None when nothing is cut.
    """
    return slice_with_cuts(source, screened)[0]


def slice_with_cuts(source: bytes, screened: Screened) -> tuple:
    """(:func:`slice_for_check`'s bytes, the statements of ``screened.tree`` it cut)."""
    if screened.tree is None or screened.lines is None:
        return None, []
    # bytes.splitlines breaks at \n, \r\n and \r only: the lines the ast counts.
    lines = source.splitlines(keepends=True)
    matches = screened.lines
    replaced: dict = {}
    cut: list = []
    # The slice's lines are counted by "\n" (screened.lines is None for lone CR newlines).
    binding_lines = _lines_naming_global_or_nonlocal(source)

    def names_a_watched_name(start: int, end: int) -> bool:
        index = bisect.bisect_left(matches, start)
        return index < len(matches) and matches[index] <= end

    def binds_outside(start: int, end: int) -> bool:
        index = bisect.bisect_left(binding_lines, start)
        return index < len(binding_lines) and binding_lines[index] <= end

    # A work list of bodies, not a recursive closure: a nested function that calls itself is
    # a reference cycle, which kept the cut statements' trees alive until the worker's
    # cyclic collection (and made that collection walk them: 0.24 s of a cold run).
    bodies = [screened.tree.body]
    while bodies:
        for statement in bodies.pop():
            if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            start = min([statement.lineno] + [d.lineno for d in statement.decorator_list])
            end = statement.end_lineno or statement.lineno
            if names_a_watched_name(start, end):
                if isinstance(statement, ast.ClassDef):
                    bodies.append(statement.body)
                continue
            if binds_outside(start, end):
                continue
            cut.append(statement)
            for number in range(start, end + 1):
                line = lines[number - 1]
                replaced[number] = line[len(line.rstrip(b"\r\n")):]
            line = lines[statement.lineno - 1]
            indent = line[: len(line) - len(line.lstrip(b" \t\x0c"))]
            keyword = b"class " if isinstance(statement, ast.ClassDef) else b"def "
            signature = b": pass" if isinstance(statement, ast.ClassDef) else b"(): pass"
            ending = line[len(line.rstrip(b"\r\n")):] or b"\n"
            stub = indent + keyword + statement.name.encode() + signature
            if end > statement.lineno:
                # The cut lines after the stub go into one string (`def f(): pass; """`
                # ... `"""`) rather than stay blank lines: LibCST builds a node for every
                # blank line (a fifth of its parse of the slices), and one for a string.
                stub += b'; """'
                last = lines[end - 1]
                replaced[end] = b'"""' + last[len(last.rstrip(b"\r\n")):]
            replaced[statement.lineno] = stub + ending
    if not replaced:
        return None, []
    return b"".join(replaced.get(number, line) for number, line in enumerate(lines, 1)), cut


def calls_of_slice(source: bytes, screened: Screened, cut: list) -> Optional[list]:
    """The ``ast.Call`` nodes of the slice (``source`` less the statements ``cut``), in
    source order, read from the screen's own tree of ``source`` instead of a parse of the
    slice: the slice keeps every other line as it was, and its stubs hold no call. None
    when the screen has no tree or its offsets may not be those of the decoded text (a
    byte-order mark or a coding cookie)."""
    if screened.tree is None or source.startswith(b"\xef\xbb\xbf"):
        return None
    first = source.find(b"\n")
    second = source.find(b"\n", first + 1) if first != -1 else -1
    if b"coding" in (source if second == -1 else source[:second]):
        return None
    skipped = {id(statement) for statement in cut}
    calls = []
    stack: list = [screened.tree]
    while stack:  # ast.walk without its two generators per node
        node = stack.pop()
        if isinstance(node, ast.Call):
            calls.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend([item for item in value if isinstance(item, ast.AST) and id(item) not in skipped])
            elif isinstance(value, ast.AST):
                stack.append(value)
    calls.sort(key=lambda call: (call.lineno, call.col_offset))
    return calls


def portable_calls(calls: list) -> list:
    """``ast.Call`` stand-ins for :func:`calls_of_slice`'s calls, holding only what the
    positions read (each call's span and the last name of its callee): a few bytes each
    when sent to another process, where the calls with their whole subtrees would not be."""
    portable = []
    for call in calls:
        func = call.func
        if isinstance(func, ast.Name):
            callee = ast.Name(id=func.id)
        elif isinstance(func, ast.Attribute):
            callee = ast.Attribute(value=ast.Name(id="_"), attr=func.attr)
        else:
            callee = ast.Constant(value=None)
        portable.append(ast.Call(func=callee, args=[], keywords=[], lineno=call.lineno, col_offset=call.col_offset,
                                 end_lineno=call.end_lineno, end_col_offset=call.end_col_offset))
    return portable


def carry_line_changes(source: bytes, base: bytes, edited: bytes) -> Optional[bytes]:
    """Apply to ``source`` the line changes that turn ``base`` into ``edited``.

    ``base`` has ``source``'s lines, some of them replaced (the slice); every changed
    line must be one ``base`` kept as it was, else None.
    """
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

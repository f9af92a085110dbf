"""Project-wide facts: what one file cannot tell about itself.

The per-file analysis resolves names through the file's own imports. Some facts live
in other modules of the same project:

- **forwarding wrappers**: a function of the project whose ``mode`` and
  ``align_corners`` parameters reach a catalogued API unchanged (``align_corners``
  defaulting to ``None``). It becomes a :class:`~ac_fixer.catalog.Target` made by
  :func:`~ac_fixer.catalog.user_target`, exactly as an ``extend-targets`` row, and its
  calls are checked like torch's;
- **constants of other modules** (``from .config import UP_MODE``), with the rules of
  module constants: assigned once from a literal and never rebound anywhere in the
  project;
- **modes that arrive through parameters** (``def up(x, mode): F.interpolate(x, mode=mode)``)
  or ``self.<attr>`` set from a constructor parameter: every call / construction in the
  project is evidence. The decision rests on a closed world (code outside the project
  may pass other modes), so its fix is unsafe.

The index reads the project's sources with the stdlib ``ast`` (nothing is imported or
evaluated) and only the files that can matter: those that name a catalogued API, the
modules they import from, and those that name a wrapper, a constant or a function whose
parameter carries a mode. Per-file summaries are cached by content digest, the facts
by the signatures of every file, so a warm run reads no source at all.

A file's findings depend on the project's facts and its own bytes only: never on which
files are named on the command line, their order or ``--jobs``.
"""

from __future__ import annotations

import array
import ast
import gc
import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Optional

from ac_fixer import catalog as cat
from ac_fixer.bytesearch import (
    contains, file_occurrences, files_holding, is_whole_word, is_word_byte, word_starts,
)
from ac_fixer.files import CollectorPaused, FileError, read_regular

SUMMARY_VERSION = "1"
IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_NOT = ["?"]  # a value that is not a literal, in a summary (JSON)
_MAX_DEPTH = 8
# A decision that needs more files than this read (the callers of a function, the writes
# that could rebind a constant) is not made: the site stays undecided, and says why.
MAX_EVIDENCE_FILES = 64


# --------------------------------------------------------------------------- one module (ast)


def _literal(node: Optional[ast.expr]):
    """(known, value) of a literal string / None / bool / number; no evaluation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool, int, float, type(None))):
        return True, node.value
    return False, None


def _dotted(node: ast.expr) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _arg_record(node: ast.expr, params: frozenset, is_local=lambda name: False) -> list:
    """An argument in a summary: ["lit", value], ["param", name], ["name", dotted], ["?", source]."""
    known, value = _literal(node)
    if known:
        return ["lit", value]
    if isinstance(node, ast.Name) and node.id in params:
        return ["param", node.id]
    dotted = _dotted(node)
    if dotted is not None and (not is_local(dotted.split(".", 1)[0]) or dotted.split(".", 1)[0] in params):
        return ["name", dotted]
    if isinstance(node, ast.IfExp):
        body, orelse = _literal(node.body), _literal(node.orelse)
        if body[0] and orelse[0]:
            return ["alt", [body[1], orelse[1]]]
    return ["?", _describe(node)]


def _describe(node: ast.expr) -> str:
    """A short description of a value that is not a literal (ast.unparse costs too much
    over a whole project)."""
    if isinstance(node, ast.Call):
        callee = _dotted(node.func)
        return f"{callee}(...)" if callee else "a call result"
    if isinstance(node, ast.Subscript):
        base = _dotted(node.value)
        return f"{base}[...]" if base else "a subscript"
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    dotted = _dotted(node)
    return dotted or "an expression"


def _call_record(call: ast.Call, params: frozenset, is_local=lambda name: False) -> dict:
    positional, keywords, star, double_star = [], {}, False, False
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            star = True
            positional.append(["*", ""])
        else:
            positional.append(_arg_record(arg, params, is_local))
    for keyword in call.keywords:
        if keyword.arg is None:
            double_star = True
        else:
            keywords[keyword.arg] = _arg_record(keyword.value, params, is_local)
    return {"pos": positional, "kw": keywords, "star": star, "dstar": double_star}


def _params_of(args: ast.arguments) -> dict:
    """Parameters as Python binds them: names by position (posonly first), keyword-only,
    defaults (literal or not)."""
    positional = [a.arg for a in args.posonlyargs + args.args]
    defaults = {}
    for name, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        known, value = _literal(default)
        defaults[name] = ["lit", value] if known else ["?", ""]
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is not None:
            known, value = _literal(default)
            defaults[arg.arg] = ["lit", value] if known else ["?", ""]
    return {
        "positional": positional,
        "posonly": len(args.posonlyargs),
        "kwonly": [a.arg for a in args.kwonlyargs],
        "defaults": defaults,
        "varargs": args.vararg is not None,
        "varkw": args.kwarg is not None,
    }




def _test_names(test: ast.expr) -> list:
    """The Name nodes of an ``if`` test that only read a value: not compared with None
    (an ``is None`` branch decides a value)."""
    found, stack = [], [(test, False)]
    while stack:
        current, with_none = stack.pop()
        if isinstance(current, ast.Compare):
            with_none = with_none or any(_literal(c) == (True, None) for c in [current.left, *current.comparators])
        if isinstance(current, ast.Name):
            if not with_none:
                found.append(current)
            continue
        stack.extend((child, with_none) for child in ast.iter_child_nodes(current))
    return found


class _Summarizer(ast.NodeVisitor):
    """One walk over a module: what other modules may need to know about it."""

    def __init__(self, source: Optional[bytes] = None, needles: Optional[tuple] = None) -> None:
        self._needles = needles
        self._line_starts = None
        if source is not None:
            self._source = source
            self._line_starts = _line_starts(source)
        self.imports: list = []  # [local, kind, level, module, name]  (module level)
        self.bindings: dict = {}  # module-level name -> binding count (global writes included)
        self.literals: dict = {}  # module-level name -> literal value (single plain assignment)
        self.attr_stores: set = set()
        self.functions: dict = {}
        self.classes: dict = {}
        self.calls: list = []  # [callee dotted, line, enclosing class or None, self name or None, record]
        self.values: list = []  # [dotted, line]: module-level names used other than as a callee
        self._stack: list = []  # (kind, name, node, params, locals)
        self._ifs: list = []  # per open `if` in a function: whether its branches return
        self._visitors: dict = {}
        # Imports inside functions and the calls through locals: only the on-demand facts
        # read them (a wrapper imported where it is used).
        self.local_imports: list = []  # [local, kind, level, module, name]
        self.local_callees: set = set()
        # A light summary: the functions whose bodies it did not read ([start, stop) bytes).
        self.skipped: list = []

    # -- helpers
    def _qual(self) -> str:
        return ".".join(name for _, name, *_ in self._stack)

    def _function(self):
        for entry in reversed(self._stack):
            if entry[0] == "function":
                return entry
        return None

    def _local(self, head: str) -> bool:
        return any(head in entry[4] for entry in self._stack if entry[0] == "function")

    def _bind_module(self, name: str) -> None:
        self.bindings[name] = self.bindings.get(name, 0) + 1

    def summary(self) -> dict:
        # Only what names a module-level binding (an import, a def, a class, a constant) or
        # `self` can ever resolve to something of the project: the rest (builtins, locals'
        # methods) is dropped, which keeps the cached index small.
        module_names = self.bindings
        for function in self.functions.values():
            function["forwards"] = [
                f for f in function["forwards"] if not f[3] and f[0].split(".", 1)[0] in module_names
            ]
        found = {
            "imports": self.imports, "bindings": self.bindings,
            "literals": {k: v for k, v in self.literals.items() if v is None or isinstance(v, str)},
            "attr_stores": sorted(self.attr_stores), "functions": self.functions, "classes": self.classes,
            "calls": [
                c for c in self.calls
                if not c[4] and (c[0].split(".", 1)[0] in module_names or c[0].split(".", 1)[0] == c[3])
            ],
            "values": [v for v in self.values if v[0].split(".", 1)[0] in module_names],
            "local_imports": self.local_imports,
            "local_callees": sorted(c for c in self.local_callees if c.split(".", 1)[0] in
                                    {i[0] for i in self.local_imports}),
        }
        if self._line_starts is not None:
            found["skipped"] = self.skipped
        return found

    # -- module-level bindings
    def _targets(self, target: ast.expr) -> Iterable[str]:
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                yield from self._targets(element)
        elif isinstance(target, ast.Starred):
            yield from self._targets(target.value)

    def _store(self, target: ast.expr, value: Optional[ast.expr]) -> None:
        if isinstance(target, ast.Attribute):
            self.attr_stores.add(target.attr)
            return
        names = list(self._targets(target))
        function = self._function()
        for name in names:
            if not self._stack:
                self._bind_module(name)
                if isinstance(target, ast.Name) and value is not None:
                    known, literal = _literal(value)
                    if known:
                        self.literals[name] = literal
            elif function is not None and name in function[5]:  # `global name`
                self._bind_module(name)
            elif function is not None:
                function[4].add(name)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._store(target, node.value)
            self._self_attribute(target, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._store(node.target, node.value)
        self._self_attribute(node.target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._store(node.target, None)
        self._self_attribute(node.target, None)
        self.generic_visit(node)

    def visit_For(self, node) -> None:
        self._store(node.target, None)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._store(node.optional_vars, None)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._store(node.target, None)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._store(target, None)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        function = self._function()
        if function is not None:
            function[5].update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            local = alias.asname or alias.name.split(".", 1)[0]
            if not self._stack:
                self._bind_module(local)
                self.imports.append([local, "import", 0, alias.name if alias.asname else local, None])
            else:
                self.local_imports.append([local, "import", 0, alias.name if alias.asname else local, None])
                self._store(ast.Name(local), None)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            if not self._stack:
                self._bind_module(local)
                self.imports.append([local, "from", node.level, node.module, alias.name])
            else:
                self.local_imports.append([local, "from", node.level, node.module, alias.name])
                self._store(ast.Name(local), None)

    # -- self.<attr> = ... in methods
    def _self_attribute(self, target: ast.expr, value: Optional[ast.expr]) -> None:
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
            return
        function = self._function()
        klass = self._stack[-2] if len(self._stack) >= 2 and self._stack[-1][0] == "function" else None
        if function is None or klass is None or klass[0] != "class" or target.value.id != function[6]:
            return
        attrs = self.classes[klass[7]]["attrs"]
        record = ["other"]
        if function[1] == "__init__" and isinstance(value, ast.Name) and value.id in function[3]:
            record = ["param", value.id]
        attrs.setdefault(target.attr, []).append(record)

    # -- scopes
    def visit_FunctionDef(self, node) -> None:
        if not self._stack:
            self._bind_module(node.name)
        else:
            function = self._function()
            if function is not None:
                function[4].add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        params = _params_of(node.args)
        names = frozenset(params["positional"] + params["kwonly"])
        klass = self._stack[-1] if self._stack and self._stack[-1][0] == "class" else None
        static = any(_dotted(d) == "staticmethod" for d in node.decorator_list)
        self_name = params["positional"][0] if klass is not None and not static and params["positional"] else None
        qualname = ".".join(filter(None, [self._qual(), node.name]))
        entry = {
            "line": node.lineno, "params": params, "method": self_name is not None, "class": klass[7] if klass else None,
            "forwards": [], "loads": {}, "stores": [], "mode_sites": [],
        }
        self.functions[qualname] = entry
        if self._line_starts is not None and not self._names_a_needle(node):
            # A light summary: this body names no catalogued API. Its bytes are kept (as
            # offsets): a wider light summary reads it only if they hold a new needle.
            self.skipped.append(self._segment(node))
            return
        self._stack.append(("function", node.name, node, names, set(names), set(), self_name, qualname, entry))
        for statement in node.body:
            self.visit(statement)
        self._stack.pop()

    def _segment(self, node) -> list:
        """[start, stop) byte offsets of a function's lines, from its `def` to its last line."""
        starts = self._line_starts
        end = node.end_lineno if node.end_lineno is not None else len(starts)
        return [starts[node.lineno - 1], starts[end] if end < len(starts) else len(self._source)]

    def _names_a_needle(self, node) -> bool:
        start, stop = self._segment(node)
        segment = self._source[start:stop]
        return any(needle in segment for needle in self._needles)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if not self._stack:
            self._bind_module(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        qualname = ".".join(filter(None, [self._qual(), node.name]))
        self.classes[qualname] = {
            "line": node.lineno, "bases": [_dotted(b) for b in node.bases], "attrs": {},
            "nested": bool(self._stack),
        }
        self._stack.append(("class", node.name, node, frozenset(), set(), set(), None, qualname))
        for statement in node.body:
            self.visit(statement)
        self._stack.pop()

    # -- uses
    def visit_Call(self, node: ast.Call) -> None:
        callee = _dotted(node.func)
        function = self._function()
        params = function[3] if function is not None else frozenset()
        if callee is not None:
            head = callee.split(".", 1)[0]
            klass = None
            self_name = None
            if function is not None:
                self_name = function[6]
                klass = function[8]["class"]
            local = self._local(head) and head != self_name
            if local:
                self.local_callees.add(callee)
            record = _call_record(node, params, self._local)
            self.calls.append([callee, node.lineno, klass, self_name, local, record])
            if function is not None:
                function[8]["forwards"].append([callee, node.lineno, record, local])
        # the callee itself is not a value use
        if isinstance(node.func, (ast.Name, ast.Attribute)):
            self._visit_callee(node.func)
        else:
            self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def _visit_callee(self, node: ast.expr) -> None:
        while isinstance(node, ast.Attribute):
            node = node.value
        if not isinstance(node, ast.Name):
            self.visit(node)
        else:
            self._count_load(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node)
        if dotted is not None and isinstance(node.ctx, ast.Load):
            head = dotted.split(".", 1)[0]
            if not self._local(head):
                self.values.append([dotted, node.lineno])
            inner = node
            while isinstance(inner, ast.Attribute):
                inner = inner.value
            self._count_load(inner)
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if not self._local(node.id):
                self.values.append([node.id, node.lineno])
            self._count_load(node)
        elif isinstance(node.ctx, (ast.Store, ast.Del)):
            for entry in self._stack:
                if entry[0] == "function" and node.id in entry[3]:
                    entry[8]["stores"].append(node.id)

    def _count_load(self, node: ast.Name) -> None:
        for entry in self._stack:
            if entry[0] == "function" and node.id in entry[3]:
                loads = entry[8]["loads"]
                loads.setdefault(node.id, [0, 0])[0] += 1

    def visit_If(self, node: ast.If) -> None:
        """A parameter read in an ``if`` test whose branches never return or yield is
        harmless: statements that bind other names or warn cannot change it (its own
        stores are checked apart); a return would send another value."""
        function = self._function()
        if function is None:
            self.generic_visit(node)
            return
        self._ifs.append(False)
        self.generic_visit(node)
        leaves = self._ifs.pop()
        if self._ifs and leaves:
            self._ifs[-1] = True
        if leaves:
            return
        loads = function[8]["loads"]
        for name in _test_names(node.test):
            if name.id in function[3] and loads.get(name.id, [0, 0])[0] > 0:
                loads[name.id][0] -= 1
                loads[name.id][1] += 1
        # A body that runs only when a parameter is truthy (mmseg's `if size is not None
        # and align_corners:` warning) runs for neither None nor False: its reads of that
        # parameter cannot tell the two apart.
        terms = node.test.values if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And) else [node.test]
        for term in terms:
            if isinstance(term, ast.Name) and term.id in function[3] and term.id in loads:
                reads = sum(isinstance(n, ast.Name) and n.id == term.id and isinstance(n.ctx, ast.Load)
                            for statement in node.body for n in ast.walk(statement))
                moved = min(reads, loads[term.id][0])
                loads[term.id][0] -= moved
                loads[term.id][1] += moved

    def _leaves(self, node) -> None:
        if self._ifs:
            self._ifs[-1] = True
        self.generic_visit(node)

    visit_Return = visit_Yield = visit_YieldFrom = visit_Await = _leaves

    # NodeVisitor's dispatch, without its per-node string building and iter_fields: the
    # index reads every node of the files it parses, so this is most of its time.
    def visit(self, node: ast.AST):
        kind = type(node)
        method = self._visitors.get(kind)
        if method is None:
            method = self._visitors[kind] = getattr(self, "visit_" + kind.__name__, self.generic_visit)
        return method(node)

    def generic_visit(self, node: ast.AST) -> None:
        visit, skipped = self.visit, _SKIPPED_TYPES
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in skipped:
                        visit(item)
            elif isinstance(value, ast.AST) and type(value) not in skipped:
                visit(value)


_SKIPPED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.Constant)


def _subclasses(kinds: tuple) -> frozenset:
    found, stack = set(), list(kinds)
    while stack:
        kind = stack.pop()
        if kind not in found:
            found.add(kind)
            stack.extend(kind.__subclasses__())
    return frozenset(found)


# The node types isinstance(node, _SKIPPED) is true of (a set look-up per node is cheaper).
_SKIPPED_TYPES = _subclasses(_SKIPPED)


def _line_starts(source: bytes) -> list:
    """The offset of each line's first byte (lines end at \\r\\n, \\r or \\n, as
    bytes.splitlines breaks them), and of the end after a last line break."""
    starts = [0, *itertools.accumulate(map(len, source.splitlines(keepends=True)))]
    if source and source[-1] not in (10, 13):
        starts.pop()  # the last line has no line break
    return starts


def summarize(source: bytes, needles: Optional[tuple] = None) -> Optional[dict]:
    """The summary of one module's source; None when Python cannot parse it. With
    ``needles``, a function body that holds none of them is not read (a light summary)."""
    return summaries_of(source, needles)[0]


def summaries_of(source: bytes, needles: Optional[tuple], whole_too=None) -> tuple:
    """(summarize(source, needles), the whole summary or None): the whole one is made from
    the same tree when ``needles`` are given and ``whole_too(light summary)`` says so (one
    parse of the file for both; the same summary as summarize(source) makes)."""
    # The tree holds no reference cycle: the cyclic collector would only walk its nodes
    # (and every summary the index holds) again and again while the parser makes them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None, None
        summary = _summary_of_tree(tree, source, needles)
        if summary is None or not needles or whole_too is None or not whole_too(summary):
            return summary, None
        return summary, _summary_of_tree(tree, source, None)
    finally:
        if collecting:
            gc.enable()


def _summary_of_tree(tree: ast.Module, source: bytes, needles: Optional[tuple]) -> Optional[dict]:
    """The summary of the module ``tree`` (of ``source``; see summarize); None when it is
    too deeply nested to walk. The tree is only read."""
    summarizer = _Summarizer(source if needles else None, needles)
    try:
        summarizer.visit(tree)
    except RecursionError:
        return None
    finally:
        summarizer._visitors.clear()  # its bound methods: a cycle, and no collector runs
    return summarizer.summary()


class _SourceBuffer:
    """Files' bytes end to end, each after a NUL byte (a name searched for holds none: an
    occurrence lies in one file): one allocation that grows in place, not one per file."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.order: list = []  # relative paths, in the buffer's order
        self.starts: list = []  # where each file's bytes start (then a last, past the end)
        self.offsets: dict = {}  # relative path -> (start, stop)

    def add(self, relative: str, data: bytes) -> None:
        self.blob += b"\0"
        start = len(self.blob)
        self.order.append(relative)
        self.starts.append(start)
        self.offsets[relative] = (start, start + len(data))
        self.blob += data

    def close(self) -> None:
        if len(self.starts) == len(self.order):
            self.starts.append(len(self.blob) + 1)


class _Workers:
    """The worker processes that parse for the index (one per CPU; fork only). Started
    before the project's sources are read when it is large: a process forked later would
    count the parent's memory (every file's bytes) as its own."""

    def __init__(self) -> None:
        self.pool = None
        self.count = 1
        self.failed = False
        # Lent by the run's early screen (see lent): used while ``lent_while()`` is true,
        # never shut down here.
        self.lent_while = None

    def lent(self, pool, count: int, lent_while) -> "_Workers":
        """The processes of ``pool`` (``count`` of them), another part of the run's, forked
        before the sources were read, instead of processes of their own: used while
        ``lent_while()`` is true (once it is false, the work is done in this process, not
        queued behind the owner's); close() leaves them to their owner. One set of
        processes instead of two: each holds ~20 MB of its own."""
        self.pool, self.count, self.lent_while = pool, count, lent_while
        return self

    def _usable(self) -> bool:
        """Whether there are processes to send work to (started, alive, still lent)."""
        return self.pool is not None and not self.failed and (self.lent_while is None or self.lent_while())

    def start(self, wait: bool = False) -> "_Workers":
        from ac_fixer.runner import worker_count

        count = worker_count(0)
        if self.pool is not None or count < 2 or self.failed or not hasattr(os, "fork"):
            return self
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
        self.count = count
        if wait:  # its processes start with the first tasks (fork: all of them at once)
            self.map(_summarize_each, [[]] * count)
        return self

    def submit(self, function, *arguments):
        """A future of function(*arguments) in a worker; None when there is none."""
        if not self._usable():
            return None
        try:
            return self.pool.submit(function, *arguments)
        except Exception:
            self.failed = True
            return None

    def map(self, function, *arguments) -> Optional[list]:
        if not self._usable():
            return None
        try:
            return list(self.pool.map(function, *arguments))
        except Exception:  # a worker that died: the caller does the work itself
            self.failed = True
            return None

    def close(self) -> None:
        if self.pool is not None and self.lent_while is None:
            self.pool.shutdown()
        self.pool = None


def _anchors(needles: list) -> tuple:
    """Fewer byte strings, one of which each needle holds (``upsample`` and
    ``UpsamplingNearest2d`` both hold ``psampl``): a file that holds no anchor holds no
    needle, found with fewer passes over its bytes."""
    anchors = list(dict.fromkeys(needles))
    merged = True
    while merged:
        merged = False
        for i, first in enumerate(anchors):
            for second in anchors[i + 1:]:
                common = _longest_common(first, second)
                if len(common) >= 4:
                    anchors = [a for a in anchors if common not in a] + [common]
                    merged = True
                    break
            if merged:
                break
    return tuple(anchors)


def _longest_common(first: bytes, second: bytes) -> bytes:
    best = b""
    for start in range(len(first)):
        for stop in range(start + len(best) + 1, len(first) + 1):
            if first[start:stop] not in second:
                break
            best = first[start:stop]
    return best


class _Triggered:
    """The files that call a catalogued name, found while a cold run reads the sources (the
    test build_facts's first search makes, file by file), each sent to the worker
    processes to be summarized (light) as soon as it is read."""

    def __init__(self, catalog: cat.Catalog, workers: Optional[_Workers]) -> None:
        self.needles = list(catalog.short_needles())
        self.every = catalog.short_names_bytes()  # _Project.needles
        self.anchors = _anchors(self.needles)
        self.found: list = []
        self.naming: list = []  # the files whose bytes hold one of ``needles``
        self.workers = workers
        # What the evidence reads whole (see _summarize_files): made with the light ones.
        self.by_short = _mode_targets_by_short(catalog)
        self.whole: dict = {}  # relative path -> the whole summaries the workers made
        self._batch: list = []
        self._pending: list = []  # (relative paths, future of their summaries)

    def add(self, relative: str, data: bytes, path: str, digest: str) -> bool:
        """Whether the file holds one of ``needles`` (it is then in ``naming``)."""
        if not (any(contains(data, a) for a in self.anchors) and any(contains(data, n) for n in self.needles)):
            return False
        self.naming.append(relative)
        if calls_a_name(data, self.every):
            self.found.append(relative)
            if self.workers is not None and self.workers.pool is not None:
                # The worker reads the file again (from the OS's cache): its bytes are not
                # copied to it, nor held here meanwhile; a digest that differs is a miss.
                self._batch.append((relative, path, digest))
                if len(self._batch) >= 4:
                    self._send()
        return True

    def _send(self) -> None:
        if self._batch:
            future = self.workers.submit(_summarize_files, [(path, digest, self.every) for _, path, digest in self._batch],
                                         self.by_short)
            if future is not None:
                self._pending.append(([r for r, *_ in self._batch], future))
            self._batch = []

    def summaries(self) -> dict:
        """relative path -> its light summary, for those the workers made (and the whole
        ones made with them in ``whole``)."""
        self._send()
        found = {}
        for relatives, future in self._pending:
            try:
                results = future.result()
            except Exception:  # a worker that died: those files are parsed later
                continue
            for relative, (same, summary, whole) in zip(relatives, results):
                if same:
                    found[relative] = summary
                    if whole is not None:
                        self.whole[relative] = whole
        return found


# On a project whose .py files hold this many bytes or more, a cold run starts the worker
# processes before it reads the sources (see _Workers); a smaller one starts them when
# there is much to parse.
EARLY_WORKERS_BYTES = 8 << 20


# What a worker sends for a file whose calls pass literals only (see passes_literals_only):
# not summarized.
LITERALS_ONLY = "literals only"


def _summarize_files(jobs: list, by_short: Optional[dict] = None) -> list:
    """A worker's batch of files it reads itself, (path, content digest, needles) each:
    [True, summarize(bytes, needles), whole], [True, LITERALS_ONLY, None] for a file that
    adds no fact (passes_literals_only), or [False, None, None] when the bytes it reads are
    not those the digest names (the file changed since the parent read it). ``whole``: the
    file's whole summary, made from the same tree when its light one passes a mode on
    (_passes_on with ``by_short``: the evidence will ask for it, see _collect_evidence),
    else None."""
    whole_too = (lambda summary: _passes_on(summary, by_short)) if by_short else None
    found = []
    for path, digest, needles in jobs:
        try:
            data = read_regular(path)[0]
        except FileError:
            found.append([False, None, None])
            continue
        if _content_digest(data) != digest:
            found.append([False, None, None])
        elif passes_literals_only(data, needles):
            found.append([True, LITERALS_ONLY, None])
        else:
            found.append([True, *summaries_of(data, needles, whole_too)])
    return found


def _summarize_each(jobs: list) -> list:
    """summarize(source, needles) of each (source, needles) job: a worker's batch."""
    return [summarize(source, needles) for source, needles in jobs]


# What Python allows between a callee and its arguments: blanks, line continuations and
# comments, then `(`.
_THEN_CALLED = re.compile(rb"(?:\s|\\|#[^\r\n]*)*\(")


# As _THEN_CALLED, closing parentheses too: every way a name can be a callee's last name
# (`(resize)(x)`, `(ops.resize)(x)`).
_THEN_MAYBE_CALLED = re.compile(rb"(?:\s|\\|#[^\r\n]*|\))*\(")
_NEWLINE = re.compile(rb"\r\n|\r|\n")
_MISSING = object()


def _declares_encoding(source: bytes) -> bool:
    """Whether the first two lines may declare an encoding (PEP 263): they say `coding`."""
    end = 0
    for _ in range(2):
        found = _NEWLINE.search(source, end)
        if found is None:
            return b"coding" in source
        end = found.end()
    return b"coding" in source[:end]


def calls_a_name(source: bytes, names: tuple, then_called: re.Pattern = _THEN_CALLED) -> bool:
    """Whether ``source`` holds one of ``names`` (bytes) as a whole identifier that is
    called (``name(``; blanks, continuations and comments allowed before the parenthesis).
    A byte search per name and a look at each occurrence's neighbours: one regex
    alternation over the file costs several times more."""
    for name in names:
        start = source.find(name)
        while start >= 0:
            end = start + len(name)
            before = source[start - 1] if start else 32
            if not (before == 95 or 48 <= before <= 57 or 65 <= before <= 90 or 97 <= before <= 122):
                if then_called.match(source, end):
                    return True
            start = source.find(name, end)
    return False


# A catalogued call's keywords whose value is never a wrapper's mode or flag: what they
# pass does not make the call a fact's site (see passes_literals_only).
_FREE_KEYWORDS = frozenset({"size", "scale_factor"})
_GAP = re.compile(rb"(?:\s|\\|#[^\r\n]*)*")  # what may stand between a callee and its `(`
# A wrapper whose mode or flag sits at one of these positions (or is passed by one of the free
# keywords) defeats the test: see _skip_is_exact.
_FREE_POSITIONS = 2


def passes_literals_only(source: bytes, names: tuple) -> bool:
    """True only when every call of one of ``names`` (bytes: the catalogued short names) in
    ``source`` passes a literal from its third positional argument on and in each keyword
    but ``size`` and ``scale_factor``, and no ``*args`` or ``**kwargs``. Such a file adds no
    fact (no wrapper, constant or evidence site: each needs a parameter or a name passed as
    a mode or a flag), so the index does not parse it for them (see _build_facts). For
    speed only, and False whenever unsure: a name Python may spell otherwise, a call whose
    callee is in parentheses, a call whose text does not parse alone. A name that is not
    called (an import, a definition, a word in a string) adds no fact either; a call in a
    string is read like one in code (at worst the file is parsed)."""
    from ac_fixer.fast.screen import spells_identifiers_otherwise

    if spells_identifiers_otherwise(source):
        return False
    for start, name in word_starts(source, names):
        opening = _GAP.match(source, start + len(name)).end()
        following = source[opening:opening + 1]
        if following == b")":
            return False  # `(F.interpolate)(x, ...)`
        if following != b"(":
            continue
        call = _call_at(source, name, opening)
        if call is None:
            return False
        for position, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred) or (position >= _FREE_POSITIONS and not _literal(argument)[0]):
                return False
        for keyword in call.keywords:
            if keyword.arg is None or (keyword.arg not in _FREE_KEYWORDS and not _literal(keyword.value)[0]):
                return False
    return True


_BRACKET = re.compile(rb"[][(){}]")


def _call_at(source: bytes, name: bytes, opening: int) -> Optional[ast.Call]:
    """The call ``name(...)`` whose ``(`` is at ``opening``, parsed alone: its text ends at
    the first bracket that closes it and parses (a bracket in a string leaves the text
    before it unparsable: the next is tried); None when none of the first few does."""
    depth, tries = 0, 0
    for match in _BRACKET.finditer(source, opening):
        if source[match.start()] in b"([{":
            depth += 1
            continue
        depth -= 1
        if depth == 0:
            tries += 1
            try:
                call = ast.parse(name + source[opening:match.end()], mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                if tries > 8:
                    return None
                depth = 1  # that bracket may sit in a string: on to the next
                continue
            return call if isinstance(call, ast.Call) else None
    return None


def holds_identifier(source: bytes, name: bytes) -> bool:
    """Whether ``name`` is one of the identifiers ``IDENTIFIER`` finds in ``source`` (code,
    strings, comments), without tokenizing the file: a byte search, then each occurrence's
    neighbours (a regex that starts with a look-behind would be tried at every position of
    the file: most of the index's main-process time went there)."""
    size = len(name)
    at = source.find(name)
    while at >= 0:
        if is_whole_word(source, at, size):
            return True
        # Else inside a longer identifier, or after digits: `9name` holds the token `name`
        # (IDENTIFIER skips the digits), `x9name` does not.
        if at and 48 <= source[at - 1] <= 57 and not (at + size < len(source) and is_word_byte(source[at + size])):
            index = at - 1
            while index >= 0 and 48 <= source[index] <= 57:
                index -= 1
            if index < 0 or not is_word_byte(source[index]):
                return True
        at = source.find(name, at + 1)  # every occurrence, those overlapping one before too
    return False


# The bytes that may stand between `import` and a name it imports: names, dots, commas,
# `as`, parentheses, blanks and line continuations (and comments, handled apart).
_NOT_IN_IMPORT_LIST = re.compile(rb"[^A-Za-z0-9_\s,.()\\]")
_IMPORT_WORD = re.compile(rb"(?<![A-Za-z0-9_])import(?![A-Za-z0-9_])")
# How far back from a name an `import` is looked for; further: assumed imported.
_IMPORT_WINDOW = 4096


def may_import(source: bytes, name: bytes) -> bool:
    """Whether some occurrence of ``name`` in ``source`` may be a name an import statement
    imports: a superset (a name after `import` in a comment or a string counts too), found
    without parsing. False means no import of the file imports ``name``, whatever its
    module-level summary says."""
    start = source.find(name)
    while start >= 0:
        if _after_import(source, start):
            return True
        start = source.find(name, start + 1)
    return False


def _after_import(source: bytes, at: int) -> bool:
    """Whether the bytes before ``at``, back to the word `import`, may all belong to one
    import statement (comments skipped: a line's text after its first `#`)."""
    low = max(0, at - _IMPORT_WINDOW)
    end = at
    while True:
        window = source[low:end][::-1]
        stop = _NOT_IN_IMPORT_LIST.search(window)
        first = end - stop.start() if stop is not None else low  # the allowed run: [first, at)
        if _IMPORT_WORD.search(source, first, at):
            return True
        if stop is None:
            return low > 0  # the window ran out: assume an import (the start: none)
        bad = first - 1
        line_start = max(source.rfind(b"\n", 0, bad), source.rfind(b"\r", 0, bad)) + 1
        hash_at = source.find(b"#", line_start, bad + 1)
        if hash_at < 0:
            return False
        end = hash_at  # a comment: go on from before its `#`
        low = max(0, min(low, end - _IMPORT_WINDOW))
        if end <= low and low == 0:
            return False


# --------------------------------------------------------------------------- module names


def module_name(path: Path, root: Path, packages: Optional[dict] = None) -> Optional[tuple]:
    """(dotted module name, is_package) of a .py file: the folders above it that hold an
    ``__init__.py`` are its packages (a ``src/`` layout needs nothing special).
    ``packages``: folder -> whether it holds one, shared by the calls of one run (a
    project's files share their folders)."""
    if path.suffix != ".py":
        return None
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    folder = path.parent

    def holds_init(folder: Path) -> bool:
        if packages is None:
            return (folder / "__init__.py").is_file()
        found = packages.get(folder)
        if found is None:
            found = packages[folder] = (folder / "__init__.py").is_file()
        return found

    while holds_init(folder):
        parts.append(folder.name)
        if folder == root or folder.parent == folder:
            break
        folder = folder.parent
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(reversed(parts)), is_package


def module_names(root: Path, relatives: list) -> list:
    """(relative path, module_name(...)) of each named .py file of the project, with
    string operations and one ``__init__.py`` look-up per folder (the same answers)."""
    root_text = str(root)
    packages: dict = {}  # relative folder -> its package names from the top one (None: not a package)

    def package(folder: str) -> Optional[list]:
        found = packages.get(folder, False)
        if found is False:
            if not os.path.isfile(os.path.join(root_text, folder, "__init__.py")):
                found = None
            elif not folder:  # the root holds one: module_name stops there
                found = [os.path.basename(root_text)]
            else:
                parent, _, name = folder.rpartition("/")
                found = (package(parent) or []) + [name]
            packages[folder] = found
        return found

    found = []
    for relative in relatives:
        if not relative.endswith(".py"):
            continue
        folder, _, name = relative.rpartition("/")
        is_package = name == "__init__.py"
        parts = (package(folder) or []) + ([] if is_package else [name[:-3]])
        if parts and all(p.isidentifier() for p in parts):
            found.append((relative, (".".join(parts), is_package)))
    return found


def resolve_relative(module: str, is_package: bool, level: int, name: Optional[str]) -> Optional[str]:
    """The absolute module of ``from <level dots><name> import ...`` in ``module``."""
    if level == 0:
        return name
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts) or (level - 1 == len(parts) and not name):
        return None
    base = parts[: len(parts) - (level - 1)]
    if not base and not name:
        return None
    return ".".join(base + ([name] if name else []))


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Evidence:
    """What decides a mode that arrives through a parameter or an attribute: each value
    seen with where it comes from; ``unknown`` lists what could not be decided."""

    values: tuple  # ((mode, "path:line"), ...)
    unknown: tuple  # ("why, at path:line", ...)


@dataclass(frozen=True)
class Wrapper:
    """An inferred forwarding wrapper: its target row and the torch call it reaches."""

    target: cat.Target
    reaches: str  # the catalogued API's qualified name
    where: str  # "path:line" of that torch call
    mode_argument: Optional[str]  # the wrapper's mode parameter (None: every_mode)


@dataclass(eq=False)
class ProjectFacts:
    root: str
    key: str
    wrappers: dict = field(default_factory=dict)  # qualname -> Wrapper
    constants: dict = field(default_factory=dict)  # qualname (aliases too) -> (values)
    rebound: dict = field(default_factory=dict)  # qualname (aliases too) -> why it is not a constant
    params: dict = field(default_factory=dict)  # "function qualname:param" -> Evidence
    attrs: dict = field(default_factory=dict)  # "class qualname:attr" -> Evidence
    # relative path -> (module, is_package); empty: for_path() names the module from the
    # folders (the facts go to every worker process with each batch: kept small).
    modules: dict = field(default_factory=dict)
    _aliases: Optional[dict] = field(default=None, repr=False)
    searches: dict = field(default_factory=dict, repr=False)  # for the cache only (see _Project._search)

    def targets(self) -> tuple:
        # With the torch API each reaches (verify replays it; audit evidence matches it).
        return tuple(replace(w.target, reaches=w.reaches) for w in self.wrappers.values())

    def aliases(self) -> dict:
        """Every name of an inferred wrapper -> its qualified name."""
        if self._aliases is None:
            self._aliases = {a: q for q, w in self.wrappers.items() for a in w.target.aliases}
        return self._aliases

    def for_path(self, path: str) -> "FileContext":
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root) if absolute.startswith(self.root + os.sep) else None
        named = self.modules.get(relative.replace(os.sep, "/")) if relative else None
        if named is None and relative is not None:
            named = module_name(Path(absolute), Path(self.root))
        return FileContext(self, named[0] if named else None, bool(named and named[1]))

    def to_json(self) -> dict:
        return {
            "root": self.root, "key": self.key,
            "wrappers": {q: [target_row(w.target), w.reaches, w.where, w.mode_argument] for q, w in self.wrappers.items()},
            "constants": {q: list(v) for q, v in self.constants.items()},
            "rebound": self.rebound,
            "params": {k: [[list(p) for p in e.values], list(e.unknown)] for k, e in self.params.items()},
            "attrs": {k: [[list(p) for p in e.values], list(e.unknown)] for k, e in self.attrs.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "ProjectFacts":
        def evidence(record) -> Evidence:
            return Evidence(tuple(tuple(p) for p in record[0]), tuple(record[1]))

        return cls(
            root=data["root"], key=data["key"],
            wrappers={q: Wrapper(target_from(r[0]), r[1], r[2], r[3]) for q, r in data["wrappers"].items()},
            constants={q: tuple(v) for q, v in data["constants"].items()},
            rebound=dict(data["rebound"]),
            params={k: evidence(e) for k, e in data["params"].items()},
            attrs={k: evidence(e) for k, e in data["attrs"].items()},
        )


def target_row(target: cat.Target) -> dict:
    return {
        "name": target.name, "kind": target.kind, "aliases": list(target.aliases), "default_mode": target.default_mode,
        "every_mode": target.every_mode,
        "mode": [target.mode_param.position, target.mode_param.keyword] if target.mode_param else None,
        "flag": [target.flag_param.position, target.flag_param.keyword],
    }


def target_from(row: dict) -> cat.Target:
    mode = row["mode"]
    target = cat.user_target(
        row["name"],
        mode_position=mode[0] if mode else None,
        mode_keyword=(mode[1] or None) if mode else None,
        flag_position=row["flag"][0],
        flag_keyword=row["flag"][1],
        default_mode=row["default_mode"],
        every_mode=row["every_mode"],
        origin=cat.INFERRED,
    )
    return replace(target, aliases=tuple(row["aliases"]), kind=row.get("kind", "function"))


@dataclass(frozen=True)
class Decided:
    """A mode decided (or not) from the project: for the analysis."""

    values: Optional[tuple]  # None: undecided
    evidence: tuple  # ("'bilinear' at a.py:3", ...)
    why: str


@dataclass
class FileContext:
    """The project's facts as one file sees them."""

    facts: ProjectFacts
    module: Optional[str]
    is_package: bool

    def absolute(self, level: int, name: Optional[str]) -> Optional[str]:
        """The absolute module of a relative import in this file."""
        if self.module is None:
            return None
        return resolve_relative(self.module, self.is_package, level, name)

    def constant(self, qualname: Optional[str]) -> Optional[tuple]:
        if qualname is None:
            return None
        return self.facts.constants.get(qualname)

    def not_constant(self, qualname: Optional[str]) -> Optional[str]:
        """Why a literal of another module is not trusted (rebound somewhere)."""
        return self.facts.rebound.get(qualname) if qualname else None

    def _qual(self, scope_names: Iterable[str]) -> Optional[str]:
        if self.module is None:
            return None
        return ".".join([self.module, *scope_names])

    def parameter(self, scope_names: list, param: str) -> Optional[Decided]:
        qualname = self._qual(scope_names)
        evidence = self.facts.params.get(f"{qualname}:{param}") if qualname else None
        return _decided(evidence, f"parameter `{param}` of `{scope_names[-1] if scope_names else '?'}`")

    def attribute(self, class_names: list, attr: str) -> Optional[Decided]:
        qualname = self._qual(class_names)
        evidence = self.facts.attrs.get(f"{qualname}:{attr}") if qualname else None
        return _decided(evidence, f"`self.{attr}`")

    def qualified(self, scope_names: list) -> Optional[str]:
        return self._qual(scope_names)

    def wrapper(self, qualname: str) -> Optional[Wrapper]:
        """The inferred wrapper ``qualname`` names (a re-exported name too)."""
        found = self.facts.wrappers.get(qualname)
        if found is None:
            canonical = self.facts.aliases().get(qualname)
            found = self.facts.wrappers.get(canonical) if canonical else None
        return found


def _decided(evidence: Optional[Evidence], what: str) -> Optional[Decided]:
    if evidence is None:
        return None
    seen = tuple(f"{_show(mode)} at {where}" for mode, where in evidence.values)
    if evidence.unknown:
        return Decided(None, seen + evidence.unknown, f"{what} is set where its value is not known")
    if not evidence.values:
        return Decided(None, (), f"{what}: no call in the project sets it")
    values = tuple(dict.fromkeys(mode for mode, _ in evidence.values))
    return Decided(values, seen, f"{what}, decided from every call in the project")


def _show(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


# --------------------------------------------------------------------------- building


class _Project:
    """Summaries on demand, and the project-level name resolution over them."""

    def __init__(self, root: Path, files: dict, catalog: cat.Catalog, summaries: dict, sources: dict):
        self.root = root
        self.files = files  # relative path -> digest
        self.catalog = catalog
        self.summaries = summaries  # digest -> summary (the cache's, updated)
        self.sources = sources  # relative path -> bytes (read on demand)
        self._root_text = str(root)
        self.by_module: dict = {}  # module -> relative path
        self.module_of: dict = {}  # relative path -> (module, is_package)
        for relative, named in module_names(root, sorted(files)):
            self.module_of[relative] = named
            self.by_module.setdefault(named[0], relative)
        self.parsed: set = set()
        self.needles = catalog.short_names_bytes()
        self.extra_names: dict = {}  # relative path -> the wrapper names its light summary read
        # Name searches: this run's answers, the previous run's, and the files whose
        # content changed since (None: no previous run to build on).
        self.found: dict = {}
        self.previous: dict = {}
        self.changed: Optional[set] = None
        self._imports: dict = {}
        self._canonical: dict = {}
        # Needle (bytes) -> the files whose bytes hold it, for the needles searched over
        # every file (see files_naming).
        self.containing: dict = {}
        # Needles (a frozenset) -> the files whose bytes hold one of them, where known
        # without a search (see holding).
        self.holding_one: dict = {}
        self._light_keys: dict = {}  # relative path -> the key of its last light summary
        self._light_needles: dict = {}  # relative path -> the needles of that summary
        # Summaries made ahead in worker processes, (digest, needles or None) -> summary:
        # taken by the first summary that would make the same one (speed only).
        self.prefetched: dict = {}
        self.workers: Optional[_Workers] = None  # the worker processes (see _in_workers)
        self._own_workers = False
        self._blob = None  # every file's bytes, see _gather
        self._buffer: Optional[_SourceBuffer] = None  # the buffer they are in
        self.skip_literal_calls = True  # see adds_no_fact

    def files_naming(self, name: str) -> list:
        """The files whose text holds the identifier ``name`` (anywhere: code, strings,
        comments -- a superset of those that refer to it), in path order."""
        needle = name.encode()
        incremental = self.changed is not None and isinstance(self.previous.get(name), list)
        if name not in self.found and not incremental:
            # Every file at once: one search of the buffer, each occurrence's neighbours
            # read there.
            self.containing[needle], named = self._naming(needle)
            self.found[name] = sorted(named)
            return self.found[name]
        # Only the files that changed since the previous run (see _search). A name that
        # holds a name searched before over every file (`UnetDecoder` holds `Unet`) can only
        # be in the files whose bytes hold that one: only they are read.
        within = min((files for other, files in self.containing.items() if other in needle),
                     key=len, default=None)

        def holds(relative: str) -> bool:
            if within is not None and relative not in within:
                return False
            return holds_identifier(self.source(relative), needle)

        return self._search(name, holds, lambda: within if within is not None else self.holding((needle,)))

    def _naming(self, needle: bytes) -> tuple:
        """(the files whose bytes hold ``needle``, those that hold it as an identifier, as
        ``holds_identifier`` tells) from the occurrences in the buffer of every file."""
        if self._blob is None:
            self._gather()
        blob, order = self._blob, self._order
        found = file_occurrences(blob, self._starts, needle)
        named = set()
        for index, offsets in found.items():
            # The buffer puts a NUL byte (no identifier's) between files.
            if offsets is not None and any(is_whole_word(blob, at, len(needle)) for at in offsets):
                named.add(index)
            # Else: inside longer names only, after digits (`9name`), or found file by file.
            elif holds_identifier(self.source(order[index]), needle):
                named.add(index)
        return {order[i] for i in found}, {order[i] for i in named}

    def _search(self, key: str, holds, candidates=None) -> list:
        """The files for which ``holds`` is true, in path order. The previous run's answer
        stands for every file whose content it saw (only the changed files are read).
        ``candidates``: a function giving the files outside which ``holds`` is false."""
        found = self.found.get(key)
        if found is None:
            previous = self.previous.get(key)
            if self.changed is not None and isinstance(previous, list):
                kept = {r for r in previous if r in self.files and r not in self.changed}
                found = sorted(kept | {r for r in self.changed if r in self.files and holds(r)})
            else:
                within = candidates() if candidates is not None else self.files
                found = [r for r in sorted(within) if holds(r)]
            self.found[key] = found
        return found

    def holding(self, needles: tuple) -> set:
        """The files whose bytes hold one of ``needles`` (bytes, none holding a NUL byte):
        a search of every file's bytes at once, held end to end (see _SourceBuffer), for
        the needles whose files are not known already (see holding_one, containing)."""
        found, left = set(), set(needles)
        for known, files in self.holding_one.items():
            if known <= left:
                found |= files
                left -= known
        for needle in sorted(left):
            if needle in self.containing:
                found |= self.containing[needle]
                left.discard(needle)
        if left:
            if self._blob is None:
                self._gather()
            found |= {self._order[i] for i in files_holding(self._blob, self._starts, tuple(sorted(left)))}
        return found

    def _gather(self) -> None:
        """Every file's bytes end to end in one buffer (those at hand moved there, so they
        are held once), searched at once by ``holding`` and sliced by ``source``."""
        buffer = _SourceBuffer()
        for relative in sorted(self.files):
            data = self.sources.pop(relative, None)
            buffer.add(relative, data if data is not None else self._read(relative))
        self.use_buffer(buffer)

    def use_buffer(self, buffer: _SourceBuffer) -> None:
        """The bytes of every file of the project, in ``buffer`` (see _gather)."""
        buffer.close()
        self._buffer = buffer
        self._order, self._offsets, self._starts = buffer.order, buffer.offsets, buffer.starts
        self._blob, self._view = buffer.blob, memoryview(buffer.blob)

    def anew(self) -> "_Project":
        """A project over the same files and bytes, with nothing worked out yet (the
        summaries, pure functions of the files' contents, are shared)."""
        again = _Project(self.root, self.files, self.catalog, self.summaries, dict(self.sources))
        if self._buffer is not None:
            again.use_buffer(self._buffer)
        again.workers = None if self._own_workers else self.workers  # its own are closed with it
        return again

    def _read(self, relative: str) -> bytes:
        try:
            return read_regular(os.path.join(self._root_text, relative))[0]
        except FileError:  # gone, not a regular file (a FIFO never blocks), too large
            return b""

    def source(self, relative: str) -> bytes:
        if relative not in self.sources and self._blob is not None and relative in self._offsets:
            start, stop = self._offsets[relative]
            return bytes(self._view[start:stop])  # a copy, not kept: the buffer holds the bytes
        if relative not in self.sources:
            try:
                self.sources[relative] = read_regular(os.path.join(self._root_text, relative))[0]
            except FileError:  # gone, not a regular file (a FIFO never blocks), too large
                self.sources[relative] = b""
        return self.sources[relative]

    def light_summary(self, relative: str, extra: frozenset = frozenset()) -> Optional[dict]:
        """The summary of a file with only the bodies of its functions that name a
        catalogued API (or one of the ``extra`` names: wrappers) read: enough for wrappers,
        mode sites and the constants a mode reads. The whole summary when it is at hand;
        without ``extra``, the widest one made for the file."""
        digest = self.files.get(relative)
        if digest is None:
            return None
        if digest in self.summaries:
            return self.summaries[digest]
        key, needles = self._light_key(relative, extra)
        self.parsed.add(relative)
        if key not in self.summaries:
            same = self._same_light(relative, needles)
            self.summaries[key] = same if same is not _MISSING else self._summarize(relative, needles)
        self._light_keys[relative] = key
        self._light_needles[relative] = needles
        return self.summaries[key]

    def _light_key(self, relative: str, extra: frozenset) -> tuple:
        """(key, needles) of the light summary ``light_summary(relative, extra)`` asks for."""
        extra = extra or self.extra_names.get(relative, frozenset())
        needles = self.needles + tuple(sorted(n.encode() for n in extra))
        return self.files[relative] + ":light" + (f"-{_digest(b'/'.join(needles))[:12]}" if extra else ""), needles

    def _same_light(self, relative: str, needles: tuple):
        """The file's last light summary when the one with ``needles`` is the same: the
        needles it was made with are among them, and no body it did not read holds one
        of the others (the walk takes the same steps). Else _MISSING."""
        previous = self.summaries.get(self._light_keys.get(relative, ""))
        made_with = self._light_needles.get(relative)
        if not isinstance(previous, dict) or "skipped" not in previous or made_with is None:
            return _MISSING
        if not set(made_with) <= set(needles):
            return _MISSING
        new = [n for n in needles if n not in made_with]
        source = self.source(relative)
        if any(source.find(n, start, stop) >= 0 for start, stop in previous["skipped"] for n in new):
            return _MISSING
        return previous

    def will_parse_light(self, relative: str, extra: frozenset) -> bool:
        """Whether light_summary(relative, extra) would parse the file now."""
        digest = self.files.get(relative)
        if digest is None or digest in self.summaries:
            return False
        key, needles = self._light_key(relative, extra)
        return key not in self.summaries and self._same_light(relative, needles) is _MISSING

    def prefetch_whole(self, relatives: Iterable[str]) -> None:
        """Make ahead the whole summaries ``summary`` will be asked for (see prefetch)."""
        self.prefetch([(r, None) for r in relatives if r in self.files and self.files[r] not in self.summaries])

    def will_read_imports(self, relative: str) -> bool:
        """Whether imports_of(relative) would make the file's whole summary now."""
        digest = self.files.get(relative)
        return (
            digest is not None and relative not in self._imports and digest not in self.summaries
            and digest + ":light" not in self.summaries and self.summaries.get(self._light_keys.get(relative, "")) is None
        )

    def calls_none(self, relative: str, extra: frozenset) -> bool:
        """Whether the light summary ``light_summary(relative, extra)`` would make for a
        file read for the first time can hold no call of a catalogued name or of one of
        ``extra``: a function of it forwards nothing, and its imports are read from a
        whole summary when asked (the same ones). A byte test: the name, then only blanks,
        comments, continuations and closing parentheses before `(`; only for an ASCII
        file without an encoding declaration (identifiers are then their bytes)."""
        digest = self.files.get(relative)
        if digest is None or digest in self.summaries or relative in self._light_keys:
            return False
        if self._light_key(relative, extra)[0] in self.summaries:
            return False
        source = self.source(relative)
        if not source.isascii() or _declares_encoding(source):
            return False
        return not calls_a_name(source, self._light_key(relative, extra)[1], _THEN_MAYBE_CALLED)

    def _summarize(self, relative: str, needles: Optional[tuple]) -> Optional[dict]:
        found = self.prefetched.pop((self.files[relative], needles), _MISSING)
        return found if found is not _MISSING else summarize(self.source(relative), needles)

    def prefetch(self, jobs: list) -> None:
        """Make ahead, in worker processes, the summaries ``_summarize`` will be asked for:
        (relative path, needles or None) each. Speed only: each is what summarize gives."""
        wanted = {}
        for relative, needles in jobs:
            key = (self.files[relative], needles)
            if key not in self.prefetched:
                wanted[key] = relative
        if len(wanted) < 2:
            return
        keys = sorted(wanted, key=lambda k: wanted[k])
        found = self._in_workers([(self.source(wanted[k]), k[1]) for k in keys])
        if found is not None:
            self.prefetched.update(zip(keys, found))

    def _in_workers(self, jobs: list) -> Optional[list]:
        """summarize(source, needles) of each job in the worker processes (started here for
        the first batch of 32 or more, unless given); None when there are none."""
        if self.workers is None:
            if len(jobs) < 32:
                return None
            self.workers, self._own_workers = _Workers().start(), True
        count = self.workers.count
        if self.workers.pool is None or not jobs:
            return None
        # Batches of about the same size, the largest files spread over them.
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
        batches = [order[i::count * 4] for i in range(min(len(jobs), count * 4))]
        results = self.workers.map(_summarize_each, [[jobs[i] for i in b] for b in batches])
        if results is None:
            return None
        found = [None] * len(jobs)
        for batch, summaries in zip(batches, results):
            for index, summary in zip(batch, summaries):
                found[index] = summary
        return found

    def close(self) -> None:
        if self._own_workers and self.workers is not None:
            self.workers.close()

    def adds_no_fact(self, relative: str) -> bool:
        """Whether a file that calls a catalogued name passes only literals to those calls
        (passes_literals_only): its light summary would add no wrapper, constant or
        evidence site, so it is not made (the answer is kept in the index, by content).
        False when a summary of the file is at hand (reading it costs nothing)."""
        digest = self.files.get(relative)
        if not self.skip_literal_calls or digest is None or digest in self.summaries or (
                digest + ":light" in self.summaries):
            return False
        key = digest + ":literals"
        if key not in self.summaries:
            if not passes_literals_only(self.source(relative), self.needles):
                return False
            self.summaries[key] = {}
        return True

    def summarized(self, relative: str) -> bool:
        """Whether a summary of the file (whole or light) is at hand."""
        digest = self.files.get(relative)
        return digest is None or digest in self.summaries or digest + ":light" in self.summaries

    def _imports_summary(self, relative: str) -> Optional[dict]:
        """A summary to read the file's module-level imports from: any light one at hand
        (every light summary holds them all, whatever its needles) before a whole one is
        made."""
        digest = self.files.get(relative)
        if digest is not None and digest not in self.summaries and digest + ":light" not in self.summaries:
            light = self.summaries.get(self._light_keys.get(relative, ""))
            if light is not None:
                return light
        return self.any_summary(relative)

    def any_summary(self, relative: str) -> Optional[dict]:
        """For module-level facts (imports, names bound), which both summaries hold."""
        digest = self.files.get(relative)
        if digest is not None and digest not in self.summaries and digest + ":light" in self.summaries:
            return self.summaries[digest + ":light"]
        return self.summary(relative)

    def summary(self, relative: str) -> Optional[dict]:
        digest = self.files.get(relative)
        if digest is None:
            return None
        if digest not in self.summaries:
            self.summaries[digest] = self._summarize(relative, None)
        self.parsed.add(relative)
        return self.summaries[digest]

    def module_summary(self, module: str) -> Optional[tuple]:
        relative = self.by_module.get(module)
        if relative is None:
            return None
        summary = self.summary(relative)
        return (relative, summary) if summary is not None else None

    def imports_of(self, relative: str) -> dict:
        """Module-level imports of a file: local name -> absolute qualified name."""
        found = self._imports.get(relative)
        if found is None:
            found = self._imports[relative] = self._read_imports(relative)
        return found

    def _read_imports(self, relative: str, key: str = "imports") -> dict:
        return dict(self.imported_pairs(relative, key))

    def imported_pairs(self, relative: str, key: str = "imports") -> list:
        """(local name, absolute qualified name) of each import of a file (``key``:
        "imports", the module-level ones, or "local_imports", those in functions), in
        order: a name imported twice (in two functions) is there twice."""
        summary = self._imports_summary(relative) if key == "imports" else self.summary(relative)
        named = self.module_of.get(relative)
        found = []
        for local, kind, level, module, name in (summary or {}).get(key, []):
            if kind == "import":
                found.append((local, module))
                continue
            base = resolve_relative(named[0], named[1], level, module) if level else module
            if level and named is None:
                base = None
            if base is not None:
                found.append((local, f"{base}.{name}"))
        return found

    def canonical(self, qualname: str, depth: int = 0) -> str:
        """Follow re-exports (``from .ops import resize`` in ``__init__``) to the definition."""
        if depth == 0:
            found = self._canonical.get(qualname)
            if found is None:
                found = self._canonical[qualname] = self.canonical(qualname, 1)
            return found
        if depth > _MAX_DEPTH:
            return qualname
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module not in self.by_module:
                continue
            relative = self.by_module[module]
            rest = parts[cut:]
            imported = self.imports_of(relative).get(rest[0])
            if imported is not None and imported != qualname:
                return self.canonical(".".join([imported, *rest[1:]]), depth + 1)
            return qualname
        return qualname

    def raw_name(self, relative: str, callee: str) -> Optional[str]:
        """The qualified name a module-level name written in a file is bound to, before
        re-exports are followed (what the per-file analysis resolves it to)."""
        named = self.module_of.get(relative)
        head, _, rest = callee.partition(".")
        imports = self.imports_of(relative)
        if head in imports:
            base = imports[head]
        elif named is not None and head in (self.any_summary(relative) or {}).get("bindings", {}):
            base = f"{named[0]}.{head}"
        else:
            return None
        return f"{base}.{rest}" if rest else base

    def reexports(self, qualname: str) -> list:
        """The steps ``canonical`` takes from ``qualname``: (``module.local``, what the
        module's import binds ``local`` to), the first step first."""
        steps = []
        for _ in range(_MAX_DEPTH):
            parts = qualname.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                module = ".".join(parts[:cut])
                if module in self.by_module:
                    rest = parts[cut:]
                    imported = self.imports_of(self.by_module[module]).get(rest[0])
                    if imported is None or imported == qualname:
                        return steps
                    steps.append((f"{module}.{rest[0]}", imported))
                    qualname = ".".join([imported, *rest[1:]])
                    break
            else:
                return steps
        return steps

    def resolve_call(self, relative: str, callee: str, klass: Optional[str], self_name: Optional[str], local: bool):
        """The canonical qualified name a callee written in a file refers to, or None."""
        if local:
            return None
        named = self.module_of.get(relative)
        head, _, rest = callee.partition(".")
        if self_name is not None and head == self_name and klass is not None and named is not None:
            return f"{named[0]}.{klass}.{rest}" if rest else None
        raw = self.raw_name(relative, callee)
        return None if raw is None else self.canonical(raw)

    def function(self, qualname: str) -> Optional[tuple]:
        """(relative path, module, function summary) of a project function's qualname."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            found = self.module_summary(module)
            if found is not None:
                function = found[1]["functions"].get(".".join(parts[cut:]))
                return (found[0], module, function) if function is not None else None
        return None


def _bind(record: dict, params: dict, method: bool) -> Optional[dict]:
    """A call's arguments bound to a project function's parameters, as Python binds them:
    param -> record; None when *args/**kwargs make it unknown which argument goes where."""
    positional = params["positional"][1:] if method else params["positional"]
    bound = {}
    for index, arg in enumerate(record["pos"]):
        if arg[0] == "*":
            return None
        if index < len(positional):
            bound[positional[index]] = arg
    for keyword, arg in record["kw"].items():
        bound[keyword] = arg
    if record["dstar"] or record["star"]:
        return None
    return bound


def _bind_target(record: dict, target: cat.Target) -> Optional[tuple]:
    """(mode argument, flag argument) of a call of a catalogued target; "absent" when not
    passed; None when *args/**kwargs may carry them."""
    if record["star"] or record["dstar"]:
        return None

    def get(param: Optional[cat.Param]):
        if param is None:
            return "absent"
        if param.position is not None and param.position < len(record["pos"]):
            return record["pos"][param.position]
        if param.keyword and param.keyword in record["kw"]:
            return record["kw"][param.keyword]
        return "absent"

    return get(target.mode_param), get(target.flag_param)


def _flag_keyword_of(params: dict, name: str) -> Optional[tuple]:
    """(position or None, keyword) of a parameter that can be passed by keyword."""
    positional = params["positional"]
    if name in positional:
        index = positional.index(name)
        if index < params["posonly"]:
            return None
        return index, name
    if name in params["kwonly"]:
        return None, name
    return None


def _infer_wrappers(project: _Project, candidates: list, catalog: cat.Catalog) -> dict:
    """Forwarding wrappers, to a fixpoint (a wrapper of a wrapper)."""
    wrappers: dict = {}
    changed = True
    catalog_names = catalog.short_names()
    # A wrapper's name is a candidate's: a call named otherwise never forwards. Each
    # candidate with the last names of its calls, once (torch's own sources define the
    # catalogued APIs: the catalog's row stands).
    possible = catalog_names | {qualname.rsplit(".", 1)[-1] for _, _, qualname, _ in candidates}
    prepared = []
    for relative, module, qualname, function in candidates:
        called = frozenset(f[0].rsplit(".", 1)[-1] for f in function["forwards"])
        full = f"{module}.{qualname}"
        if not called.isdisjoint(possible) and catalog.lookup(full) is None:
            prepared.append((relative, full, function, called))
    while changed:
        changed = False
        # Only a call whose last name is catalogued or a wrapper's can forward: the others
        # are never resolved (resolving reads the modules they come from).
        names = catalog_names | {q.rsplit(".", 1)[-1] for q in wrappers}
        for relative, full, function, called in prepared:
            if full in wrappers or called.isdisjoint(names):
                continue
            found = _forwarder(project, relative, full, function, catalog, wrappers, names)
            if found is not None:
                wrappers[full] = found
                changed = True
    return wrappers


def _forwarder(project: _Project, relative: str, full: str, function: dict, catalog, wrappers,
               names: frozenset) -> Optional[Wrapper]:
    params = function["params"]
    stores = set(function["stores"])
    reached = []  # (target, mode param name or None, flag param name, line, reaches, where)
    forwarded_loads: dict = {}
    for callee, line, record, local in function["forwards"]:
        if callee.rsplit(".", 1)[-1] not in names:
            continue
        qualname = project.resolve_call(relative, callee, function["class"], None, local)
        if qualname is None:
            continue
        target = catalog.lookup(qualname)
        wrapper = wrappers.get(qualname)
        if wrapper is not None:
            target = wrapper.target
        if target is None or target.flag_param is None or target.rule is None:
            continue
        bound = _bind_target(record, target)
        if bound is None:
            continue
        mode_arg, flag_arg = bound
        if not (isinstance(flag_arg, list) and flag_arg[0] == "param"):
            continue
        if not target.every_mode and not (isinstance(mode_arg, list) and mode_arg[0] == "param"):
            continue
        flag_name = flag_arg[1]
        mode_name = mode_arg[1] if not target.every_mode else None
        forwarded_loads[flag_name] = forwarded_loads.get(flag_name, 0) + 1
        if mode_name is not None:
            forwarded_loads[mode_name] = forwarded_loads.get(mode_name, 0) + 1
        where = wrapper.where if wrapper else f"{relative}:{line}"
        reaches = wrapper.reaches if wrapper else target.name
        reached.append((target, mode_name, flag_name, reaches, where))
    if not reached:
        return None
    # One meaning for the wrapper: every forwarding call passes the same parameters.
    kinds = {(t.every_mode, m, f) for t, m, f, *_ in reached}
    if len(kinds) != 1:
        return None
    every_mode, mode_name, flag_name = kinds.pop()
    for name in filter(None, (mode_name, flag_name)):
        loads, harmless = function["loads"].get(name, [0, 0])
        if name in stores or loads != forwarded_loads.get(name, 0):
            return None  # rebound, or used other than as the forwarded argument
    if params["defaults"].get(flag_name) != ["lit", None]:
        return None  # align_corners must default to None, as torch's
    flag = _flag_keyword_of(params, flag_name)
    if flag is None:
        return None
    shift = 1 if function["method"] else 0
    mode_position = mode_keyword = default_mode = None
    if mode_name is not None:
        mode = _flag_keyword_of(params, mode_name)
        if mode is None:
            return None
        mode_position, mode_keyword = mode
        default = params["defaults"].get(mode_name)
        if default is not None:
            if default[0] != "lit" or not isinstance(default[1], str):
                return None
            default_mode = default[1]
    target = cat.user_target(
        full,
        mode_position=mode_position - shift if mode_position is not None else None,
        mode_keyword=mode_keyword,
        flag_position=flag[0] - shift if flag[0] is not None else None,
        flag_keyword=flag[1],
        default_mode=default_mode,
        every_mode=every_mode,
        origin=cat.INFERRED,
    )
    if function["method"]:
        target = replace(target, kind="method")  # called as obj.method (the screen's cue)
    _, _, _, reaches, where = reached[0]
    return Wrapper(target, reaches, where, mode_name)


def _summarize_in_workers(project: _Project, relatives: list) -> None:
    """Parse the files the index will certainly read in worker processes (one per CPU)."""
    missing = [
        r for r in relatives
        if project.files[r] not in project.summaries and project.files[r] + ":light" not in project.summaries
    ]
    summaries = project._in_workers([(project.source(r), project.needles) for r in missing])
    for relative, summary in zip(missing, summaries or ()):
        project.summaries[project.files[relative] + ":light"] = summary


def build_facts(root: Path, files: dict, catalog: cat.Catalog, summaries: dict, key: str,
                sources=None, previous: Optional[tuple] = None, workers: Optional[_Workers] = None,
                triggered: Optional[_Triggered] = None, screen_early=None) -> ProjectFacts:
    """The project's facts from its files (relative path -> content digest). ``sources``:
    the bytes of the files at hand (relative path -> bytes), handed over (the dict is
    emptied: each file's bytes are held once), or a _SourceBuffer of every file's.
    ``workers``: processes to parse in (else started when there is much to parse);
    ``triggered``: the files that call a catalogued name, found as every file was read.
    ``screen_early``: its ``start`` is called with the wrappers' targets as soon as they are
    known, its ``revise`` with the facts' targets (their re-exports added), before the
    constants and the evidence (see runner._EarlyScreen)."""
    # The module names of every file, then the summaries: trees of dicts and lists without
    # cycles, which the cyclic collector would walk again and again while they grow, and
    # find nothing. In the command line's process, what is alive after is frozen (see
    # CollectorPaused): the first collections after the pause took 0.19 s of a cold run of
    # the benchmark corpus, scanning the summaries made while it lasted.
    with CollectorPaused():
        if isinstance(sources, _SourceBuffer):
            project = _Project(root, files, catalog, summaries, {})
            project.use_buffer(sources)
        else:
            project = _Project(root, files, catalog, summaries, dict(sources or {}))
            if sources:
                sources.clear()
        project.workers = workers
        try:
            try:
                return _build_facts(project, root, catalog, key, previous, triggered, screen_early)
            except _ReadEveryCaller:
                # A wrapper named like a catalogued API takes its mode or flag where the
                # literal test lets any value pass: built again, every file that calls one read.
                project.close()
                project = project.anew()
                project.skip_literal_calls = False
                return _build_facts(project, root, catalog, key, previous, triggered, screen_early)
        finally:
            project.close()


def _build_facts(project: _Project, root: Path, catalog: cat.Catalog, key: str, previous: Optional[tuple],
                 early: Optional[_Triggered] = None, screen_early=None) -> ProjectFacts:
    if previous is not None:
        project.previous, project.changed = previous
    elif early is not None:
        # The first search's answer, found file by file as the files were read (the same
        # test), and the summaries the workers made meanwhile.
        project.found["(calls)"] = sorted(early.found)
        project.holding_one[frozenset(early.needles)] = set(early.naming)
        for relative, summary in early.summaries().items():
            if summary == LITERALS_ONLY:  # see _Project.adds_no_fact
                project.summaries.setdefault(project.files[relative] + ":literals", {})
            else:
                project.summaries.setdefault(project.files[relative] + ":light", summary)
        # The whole summaries made with them: taken when the evidence asks (speed only).
        project.prefetched.update(((project.files[relative], None), whole) for relative, whole in early.whole.items())
    # A name that holds another adds nothing (upsample_bilinear holds upsample).
    needles = list(catalog.short_needles())
    every = catalog.short_names_bytes()
    # The files that call a catalogued name: what every fact starts from (a catalogued
    # call's arguments; a file that only names a wrapper is read for it below).
    triggered = project._search(
        "(calls)", lambda r: any(n in project.source(r) for n in needles) and calls_a_name(project.source(r), every),
        lambda: project.holding(tuple(needles)),
    )
    # The files whose catalogued calls pass only literals add no fact: not parsed for them
    # (still as if read: the constants' re-exports look at their imports too). A file of
    # them that names a wrapper is read in the wrapper rounds below, as any file is.
    skipped = {r for r in triggered if project.adds_no_fact(r)}
    project.parsed.update(skipped)
    reading = [r for r in triggered if r not in skipped]
    _summarize_in_workers(project, reading)
    candidates: dict = {}  # (relative, qualname) -> (relative, module, qualname, function)

    def add_candidates(relative: str, summary: Optional[dict]) -> None:
        named = project.module_of.get(relative)
        if summary is None or named is None:
            return
        for qualname, function in summary["functions"].items():
            candidates[(relative, qualname)] = (relative, named[0], qualname, function)

    for relative in reading:
        add_candidates(relative, project.light_summary(relative))
    # Wrappers may wrap wrappers: the files that name a wrapper are read again with its
    # name as a needle too (their functions need not name torch), until nothing new is
    # found; at the end every body that names a catalogued API or a wrapper was read,
    # whatever the order the wrappers were found in.
    wrappers: dict = {}
    while True:
        wrappers = _infer_wrappers(project, [candidates[k] for k in sorted(candidates)], catalog)
        # A wrapper named like a catalogued API (`interpolate`) is read already.
        names = sorted({q.rsplit(".", 1)[-1] for q in wrappers} - set(catalog.short_names()))
        wanted: dict = {}
        for name in sorted(names, key=len):  # the shorter first: see files_naming
            for relative in project.files_naming(name):
                wanted.setdefault(relative, set()).add(name)
        more = {r: frozenset(n) | project.extra_names.get(r, frozenset()) for r, n in wanted.items()
                if not n <= project.extra_names.get(r, frozenset())}
        if not more:
            break
        # A file that calls none of its needles adds no candidate: not parsed (it is read
        # as if it were: its imports, when asked, come from its whole summary).
        unread = {r for r in more if project.calls_none(r, more[r])}
        project.prefetch([(r, project._light_key(r, more[r])[1]) for r in sorted(more) if r not in unread
                          and project.will_parse_light(r, more[r])])
        for relative in sorted(more):
            project.extra_names[relative] = more[relative]
            if relative in unread:
                project.parsed.add(relative)
                continue
            add_candidates(relative, project.light_summary(relative, more[relative]))
    facts = ProjectFacts(root=str(root), key=key)
    root_text = str(root)
    if screen_early is not None:
        # The screens read a target's names by their last component only: the wrappers'
        # re-exports found next leave every file's screen as it is, but for the files that
        # hold a last name they add (see runner._EarlyScreen.revise).
        screen_early.start(tuple(replace(w.target, reaches=w.reaches) for w in wrappers.values()),
                           lambda needles: {_absolute(root_text, r) for r in project.holding(needles)})
    # Re-exports of each wrapper: every module-level import in a file that names it.
    for qualname, wrapper in wrappers.items():
        # A method is named through its class: `from pkg import Resizer` names `pkg.Resizer.resize`.
        owner, method = qualname, ""
        found = project.function(qualname)
        if found is not None and found[2]["method"]:
            owner, _, method = qualname.rpartition(".")
        short = owner.rsplit(".", 1)[-1]
        aliases = set()
        needle = short.encode()
        project.prefetch_whole(
            r for r in project.files_naming(short)
            if r in project.module_of and project.will_read_imports(r)
            and (project.summarized(r) or may_import(project.source(r), needle))
        )
        for relative in project.files_naming(short):
            named = project.module_of.get(relative)
            if named is None:
                continue
            # A file none of whose imports can name `short` adds no alias: its summary is
            # not made for this (most files that name a wrapper only call it).
            if not project.summarized(relative) and not may_import(project.source(relative), needle):
                project.parsed.add(relative)  # as if read: the constants' re-exports look here too
                continue
            for local, imported in project.imports_of(relative).items():
                # A re-export keeps the last name (`from .ops import resize as rs`).
                if imported.rsplit(".", 1)[-1] == short and project.canonical(imported) == owner:
                    aliases.add(".".join(filter(None, [named[0], local, method])))
        aliases = {a for a in aliases if a != qualname and catalog.lookup(a) is None}
        facts.wrappers[qualname] = replace(wrapper, target=replace(wrapper.target, aliases=tuple(sorted(aliases))))
    if skipped and not _skip_is_exact(facts, catalog):
        raise _ReadEveryCaller()
    if screen_early is not None:
        screen_early.revise(facts.targets(),
                            lambda needles: {_absolute(root_text, r) for r in project.holding(needles)},
                            lambda: {_absolute(root_text, r) for r in project.files})
    facts.searches = project.found
    catalog_with = catalog.with_targets(facts.targets())
    # The files the constants and the evidence read: those with a catalogued call that
    # passes more than literals, and those read again for a wrapper's name.
    sites = [r for r in triggered if r not in skipped or r in project.extra_names]
    _collect_constants(project, sites, catalog_with, facts)
    _collect_evidence(project, sites, catalog_with, facts)
    facts.key = content_key(facts, project.module_of, key)
    return facts


def _absolute(root_text: str, relative: str) -> str:
    """A project file's absolute path (what the run's items hold, see files.SourceFile)."""
    return os.path.join(root_text, relative) if os.sep == "/" else os.path.join(root_text, *relative.split("/"))


class _ReadEveryCaller(Exception):
    """The facts must be built again without skipping the literal-only files (see
    _skip_is_exact)."""


def _skip_is_exact(facts: ProjectFacts, catalog: cat.Catalog) -> bool:
    """Whether skipping the files whose catalogued calls pass literals only (see
    passes_literals_only) lost nothing: no wrapper named like a catalogued API (by its name
    or a re-export) takes its mode or flag among the first two positions or by a keyword
    the test lets pass (`size`, `scale_factor`). Otherwise a call the test let pass may
    forward a parameter to that wrapper."""
    names = catalog.short_names()
    for wrapper in facts.wrappers.values():
        target = wrapper.target
        if not any(name.rsplit(".", 1)[-1] in names for name in target.all_names()):
            continue
        for param in (target.mode_param, target.flag_param):
            if param is not None and ((param.position is not None and param.position < _FREE_POSITIONS)
                                      or param.keyword in _FREE_KEYWORDS):
                return False
    return True


def content_key(facts: ProjectFacts, module_of: dict, config_key: str) -> str:
    """What a file's findings can depend on besides its own bytes: the facts themselves and
    the packages that name each file's module (relative imports), not the digest of every
    file: an edit that changes no fact keeps every other file's cached findings."""
    data = facts.to_json()
    data.pop("key", None)
    data.pop("root", None)  # where the project lies is not a fact: the module map names its files
    # The packages (folder -> dotted name) name every module: a new module in a package
    # changes no other file's findings, a new package may.
    packages = sorted({
        (relative.rpartition("/")[0], module if is_package else module.rpartition(".")[0])
        for relative, (module, is_package) in module_of.items()
        if is_package or "." in module
    })
    return _digest(json.dumps([config_key, data, packages], sort_keys=True, default=str).encode())


class _WrapperOracle:
    """Whether one project function is a forwarding wrapper, decided on demand: from its
    own body and, for the calls that pass on one of its parameters, whether their callees
    are (recursively; a cycle is not a wrapper). What the fixpoint of ``_infer_wrappers``
    finds for the functions it reaches, without reading every file that names torch."""

    def __init__(self, project: _Project, catalog: cat.Catalog) -> None:
        self.project = project
        self.catalog = catalog
        self.names = catalog.short_names()
        self.found: dict = {}  # qualname -> Wrapper or None
        self._visiting: set = set()

    def of(self, qualname: str) -> Optional[Wrapper]:
        if qualname in self.found:
            return self.found[qualname]
        # torch's own sources define the catalogued APIs: the catalog's row stands.
        if qualname in self._visiting or len(self._visiting) > _MAX_DEPTH or self.catalog.lookup(qualname):
            return None
        found = self.project.function(qualname)
        if found is None:
            self.found[qualname] = None
            return None
        relative, _, function = found
        self._visiting.add(qualname)
        known: dict = {}
        for callee, _, record, local in function["forwards"]:
            # Only a call that passes a parameter on can forward one.
            if not any(arg[0] == "param" for arg in [*record["pos"], *record["kw"].values()]):
                continue
            resolved = self.project.resolve_call(relative, callee, function["class"], None, local)
            if resolved is None or resolved in known or self.catalog.lookup(resolved) is not None:
                continue
            # As _infer_wrappers: a wrapper forwards to another called by its own name.
            if callee.rsplit(".", 1)[-1] not in (resolved.rsplit(".", 1)[-1], *self.names):
                continue
            wrapper = self.of(resolved)
            if wrapper is not None:
                known[resolved] = wrapper
        self._visiting.discard(qualname)
        names = self.names | {q.rsplit(".", 1)[-1] for q in known}
        result = _forwarder(self.project, relative, qualname, function, self.catalog, known, names)
        self.found[qualname] = result
        return result


def build_facts_for(root: Path, files: dict, catalog: cat.Catalog, named: list, key: str) -> ProjectFacts:
    """The facts the files ``named`` (relative paths of the project's .py files) can ask
    for, and no others: the wrappers they define or reach (by the names they reach them
    by), the constants, parameters and attributes their own calls pass as modes. Each
    answer is the one ``build_facts`` gives for the whole project (the same searches over
    every file of the project); what no named file asks is never computed. For a run on a
    few files of a large project (pre-commit)."""
    project = _Project(root, files, catalog, {}, {})
    try:
        return _build_facts_for(project, root, catalog, named, key)
    finally:
        project.close()  # the worker processes prefetch may have started


def _build_facts_for(project: _Project, root: Path, catalog: cat.Catalog, named: list, key: str) -> ProjectFacts:
    oracle = _WrapperOracle(project, catalog)
    wrappers: dict = {}
    aliases: dict = {}  # wrapper qualname -> the names the named files reach it by
    for relative in named:
        summary = project.summary(relative)
        module = project.module_of.get(relative)
        if summary is None:
            continue
        referenced = set()  # raw qualified names the file refers to
        if module is not None:
            referenced.update(f"{module[0]}.{q}" for q in summary["functions"])
        for callee, _, klass, self_name, local, _ in summary["calls"]:
            if self_name is not None and callee.partition(".")[0] == self_name:
                resolved = project.resolve_call(relative, callee, klass, self_name, local)
                if resolved:
                    referenced.add(resolved)
                continue
            raw = project.raw_name(relative, callee)
            if raw:
                referenced.add(raw)
        for dotted, _ in summary["values"]:
            raw = project.raw_name(relative, dotted)
            if raw:
                referenced.add(raw)
        # Imports inside functions (`from pkg.ops import resize` where it is used).
        local_imports = project._read_imports(relative, "local_imports")
        referenced.update(local_imports.values())
        for callee in summary.get("local_callees", ()):
            head, _, rest = callee.partition(".")
            if head in local_imports:
                referenced.add(f"{local_imports[head]}.{rest}" if rest else local_imports[head])
        for raw in sorted(referenced):
            steps = project.reexports(raw)
            canonical = steps[-1][1] if steps else raw
            canonical = project.canonical(canonical)
            candidates = [canonical]
            found = project.function(canonical)
            if found is None:
                # A class: its methods (`Resizer().resize(...)`, `obj.resize` of a known class).
                found_module = _class_module(project, canonical)
                if found_module is not None:
                    module_name_, klass_summary = found_module
                    klass = canonical[len(module_name_) + 1:]
                    candidates = [
                        f"{module_name_}.{q}" for q, f in klass_summary["functions"].items()
                        if q.rpartition(".")[0] == klass and f["method"]
                    ]
            for qualname in candidates:
                wrapper = oracle.of(qualname)
                if wrapper is None:
                    continue
                wrappers[qualname] = wrapper
                # As build_facts names re-exports: a module-level import that keeps the
                # definition's last name; a method is named through its class.
                owner, method = qualname, ""
                if project.function(qualname)[2]["method"]:
                    owner, _, method = qualname.rpartition(".")
                short = owner.rsplit(".", 1)[-1]
                names = aliases.setdefault(qualname, set())
                for module_local, imported in steps:
                    if imported.rsplit(".", 1)[-1] == short and project.canonical(imported) == owner:
                        names.add(".".join(filter(None, [module_local, method])))
    facts = ProjectFacts(root=str(root), key=key)
    for qualname, wrapper in sorted(wrappers.items()):
        kept = {a for a in aliases.get(qualname, ()) if a != qualname and catalog.lookup(a) is None}
        facts.wrappers[qualname] = replace(wrapper, target=replace(wrapper.target, aliases=tuple(sorted(kept))))
    catalog_with = catalog.with_targets(facts.targets())
    # Constants and callers for the files build_facts starts them from: those that call a
    # catalogued name. (Each named file's whole summary is at hand: its light one is not made.)
    needles = list(catalog.short_needles())
    every = catalog.short_names_bytes()
    calling = [
        r for r in named
        if any(n in project.source(r) for n in needles) and calls_a_name(project.source(r), every)
    ]
    _collect_constants(project, calling, catalog_with, facts)
    _collect_evidence(project, calling, catalog_with, facts)
    facts.key = content_key(facts, project.module_of, key)
    return facts


def _class_module(project: _Project, qualname: str) -> Optional[tuple]:
    """(module, its summary) of a project class's qualified name."""
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        found = project.module_summary(module)
        if found is not None:
            return (module, found[1]) if ".".join(parts[cut:]) in found[1]["classes"] else None
    return None


def _collect_constants(project: _Project, triggered: list, catalog: cat.Catalog, facts: ProjectFacts) -> None:
    """Constants of other modules that a catalogued call (or a wrapper's) in the triggered
    files passes as its mode: ``UP_MODE`` imported by name, ``cfg.UP_MODE`` of a module."""
    wanted: dict = {}  # canonical qualname -> (relative of the defining module, name)
    names = catalog.short_names()
    for relative in triggered:
        summary = project.light_summary(relative)
        if summary is None:
            continue
        for callee, line, klass, self_name, local, record in summary["calls"]:
            if callee.rsplit(".", 1)[-1] not in names:
                continue
            resolved = project.resolve_call(relative, callee, None, None, local)
            target = catalog.lookup(resolved) if resolved else None
            bound = _bind_target(record, target) if target is not None else None
            if bound is None or not isinstance(bound[0], list) or bound[0][0] != "name":
                continue
            canonical = project.resolve_call(relative, bound[0][1], None, None, False)
            if canonical is None or canonical in wanted:
                continue
            module, _, name = canonical.rpartition(".")
            found = project.module_summary(module)
            if found is not None and name in found[1]["literals"]:
                wanted[canonical] = (found[0], name)
    for qualname, (relative, name) in sorted(wanted.items()):
        summary = project.summary(relative)
        rebound = None
        if summary["bindings"].get(name) != 1:
            rebound = f"`{qualname}` is bound {summary['bindings'].get(name)} times in {relative} (`global` writes included)"
        # Never rebound anywhere: no `x.NAME = ...`, and no module that imports it binds
        # the name again (a `global` write there).
        naming = project.files_naming(name)
        if len(naming) > MAX_EVIDENCE_FILES:
            rebound = f"{len(naming)} files name `{name}`: too many to read to tell it is never rebound"
            naming = []
        for other in naming:
            if rebound is not None:
                break
            other_summary = project.summary(other)
            if other_summary is None:
                rebound = f"{other} names `{name}` but cannot be parsed"
            elif name in other_summary["attr_stores"]:
                rebound = f"`{qualname}` may be rebound by an attribute write `….{name} = …` in {other}"
            elif other != relative and other_summary["bindings"].get(name, 0) > 1 and any(
                project.canonical(imported) == qualname
                for local, imported in project.imports_of(other).items() if local == name
            ):
                rebound = f"`{qualname}` is imported and bound again in {other} (a `global` write)"
        table = facts.constants if rebound is None else facts.rebound
        entry = (summary["literals"][name],) if rebound is None else rebound
        table[qualname] = entry
        # Every name that re-exports it, too.
        for other in sorted(project.parsed):
            named = project.module_of.get(other)
            if named is None:
                continue
            # Not summarized (see build_facts): no import of it can bind `name`.
            if not project.summarized(other) and not may_import(project.source(other), name.encode()):
                continue
            for local, imported in project.imports_of(other).items():
                if local == name and project.canonical(imported) == qualname:
                    table[f"{named[0]}.{local}"] = entry


def _collect_evidence(project: _Project, triggered: list, catalog: cat.Catalog, facts: ProjectFacts) -> None:
    """For each catalogued call whose mode is a parameter of its function (or ``self.<attr>``
    set from a constructor parameter) and whose align_corners is left implicit: the modes
    every call in the project passes."""
    names = catalog.short_names()
    # The whole summaries this will read first: the files whose catalogued calls pass a
    # parameter or an attribute of `self` (their own functions and classes).
    by_short = _mode_targets_by_short(catalog)
    project.prefetch_whole(r for r in triggered if _passes_on(project.light_summary(r), by_short))
    for relative in triggered:
        summary = project.light_summary(relative)
        named = project.module_of.get(relative)
        if summary is None or named is None:
            continue
        for qualname, function in summary["functions"].items():
            full = f"{named[0]}.{qualname}"
            if full in facts.wrappers:
                continue
            for callee, line, record, local in function["forwards"]:
                if callee.rsplit(".", 1)[-1] not in names:
                    continue
                resolved = project.resolve_call(relative, callee, function["class"], None, local)
                target = catalog.lookup(resolved) if resolved else None
                if target is None or target.mode_param is None or target.every_mode or target.rule is None:
                    continue
                bound = _bind_target(record, target)
                if bound is None:
                    continue
                mode_arg, flag_arg = bound
                if flag_arg != "absent" and flag_arg != ["lit", None]:
                    continue
                if mode_arg == "absent":
                    continue
                if mode_arg[0] == "param":
                    key = f"{full}:{mode_arg[1]}"
                    if key not in facts.params:
                        facts.params[key] = _parameter_evidence(project, full, mode_arg[1], set())
                elif mode_arg[0] == "name" and function["method"] and function["class"]:
                    head, _, attr = mode_arg[1].partition(".")
                    if head == function["params"]["positional"][0] and attr and "." not in attr:
                        key = f"{named[0]}.{function['class']}:{attr}"
                        if key not in facts.attrs:
                            facts.attrs[key] = _attribute_evidence(project, relative, named[0], function["class"], attr)


def _mode_targets_by_short(catalog: cat.Catalog) -> dict:
    """Last name -> the catalogued targets of that name whose mode a caller may pass on
    (see _passes_on)."""
    by_short: dict = {}
    for target in catalog.targets:
        if target.mode_param is not None and not target.every_mode and target.rule is not None:
            for name in target.all_names():
                by_short.setdefault(name.rsplit(".", 1)[-1], []).append(target)
    return by_short


def _passes_on(summary: Optional[dict], by_short: dict) -> bool:
    """Whether a call in the summary's functions, bound as a catalogued target of its last
    name (``by_short``), leaves align_corners implicit and passes a parameter, or a dotted
    name in a method (``self.mode``), as the mode: where _collect_evidence reads whole
    files (a guess, for speed only)."""
    for function in (summary or {}).get("functions", {}).values():
        for callee, _, record, _ in function["forwards"]:
            for target in by_short.get(callee.rsplit(".", 1)[-1], ()):
                bound = _bind_target(record, target)
                if bound is None or bound[1] not in ("absent", ["lit", None]) or bound[0] == "absent":
                    continue
                if bound[0][0] == "param" or (bound[0][0] == "name" and function["method"]):
                    return True
    return False


def _where(relative: str, line: int) -> str:
    return f"{relative}:{line}"


def _parameter_evidence(project: _Project, function_qualname: str, param: str, visiting: set) -> Evidence:
    """Every value the project passes for ``param`` of the function (defaults included)."""
    if (function_qualname, param) in visiting or len(visiting) > _MAX_DEPTH:
        return Evidence((), (f"`{param}` comes from a cycle of calls",))
    visiting = visiting | {(function_qualname, param)}
    found = project.function(function_qualname)
    if found is None:
        return Evidence((), (f"`{function_qualname}` is not found in the project",))
    def_relative, _, function = found
    if param in function["stores"]:
        return Evidence((), (f"`{param}` is assigned in `{function_qualname}`",))
    short = function_qualname.rsplit(".", 1)[-1]
    if short == "__init__" and function["method"]:
        # A constructor's callers are the constructions of its class.
        klass = function_qualname.rsplit(".", 1)[0]
        return _call_evidence(project, function_qualname, short, function, param, visiting, method=True,
                              constructed=klass)
    return _call_evidence(project, function_qualname, short, function, param, visiting, method=function["method"])


def _names_and_files(project: _Project, wanted: str, short: str):
    """(the last names ``wanted`` (a function or a class, last name ``short``) may be called
    or subclassed by, the files that hold one of them), or a reason to give up. Besides
    ``short``: every local name a module-level import binds it to (`from net.layers import
    up as u`, a re-export `from .layers import up as upsample` in ``__init__``), and the
    names those are imported under in turn: a call through any of them is a caller."""
    names, pending, naming = {short}, [short], set()
    while pending:
        name = pending.pop()
        files = project.files_naming(name)
        naming.update(files)
        if len(naming) > MAX_EVIDENCE_FILES:
            # Reading them all would cost more than the check: the site stays undecided.
            others = ", ".join(f"`{n}`" for n in sorted(names - {short}))
            imported_as = f" or a name it is imported as ({others})" if others else ""
            return f"{len(naming)} files name `{short}`{imported_as}: too many to read for a decision"
        for relative in files:
            for local, imported in project.imported_pairs(relative):
                if local not in names and imported.rsplit(".", 1)[-1] == name and project.canonical(imported) == wanted:
                    names.add(local)
                    pending.append(local)
    return names, sorted(naming)


def _call_evidence(project, callee_qualname, short, function, param, visiting, *, method, constructed=None) -> Evidence:
    values, unknown = [], []
    params = function["params"]
    wanted = constructed or callee_qualname
    found = _names_and_files(project, wanted, short if constructed is None else constructed.rsplit(".", 1)[-1])
    if isinstance(found, str):
        return Evidence((), (found,))
    names, naming = found
    project.prefetch_whole(naming)
    for relative in naming:
        summary = project.summary(relative)
        if summary is None:
            unknown.append(f"{relative} names `{sorted(names)[0]}` but cannot be parsed")
            continue
        # Imported in a function body (`from net.layers import up as u`): what that body
        # does with the local name is not followed; its uses are callers we cannot see.
        for local_name, imported in project.imported_pairs(relative, "local_imports"):
            if project.canonical(imported) == wanted:
                unknown.append(f"`{local_name}` imported in a function body in {relative} (its uses there are not followed)")
                break
        for callee, line, klass, self_name, local, record in summary["calls"]:
            if callee.rsplit(".", 1)[-1] not in names:
                continue
            resolved = project.resolve_call(relative, callee, klass, self_name, local)
            if resolved != wanted:
                if resolved is None and method and constructed is None and "." in callee:
                    unknown.append(f"a call `{callee}(...)` whose object is not known, at {_where(relative, line)}")
                continue
            bound = _bind(record, params, method)
            if bound is None:
                unknown.append(f"a call with *args/**kwargs at {_where(relative, line)}")
                continue
            arg = bound.get(param)
            if arg is None:
                default = params["defaults"].get(param)
                if default is None or default[0] != "lit":
                    unknown.append(f"a call without `{param}` (no literal default) at {_where(relative, line)}")
                else:
                    values.append((default[1], _where(relative, line) + " (default)"))
                continue
            _add_value(project, relative, line, arg, values, unknown, klass, summary, visiting)
        # Uses as a value (passed around, partial(...)): callers we cannot see.
        for dotted, line in summary["values"]:
            if dotted.rsplit(".", 1)[-1] not in names:
                continue
            resolved = project.resolve_call(relative, dotted, None, None, False)
            if resolved == wanted:
                unknown.append(f"`{dotted}` used as a value (its callers are not known) at {_where(relative, line)}")
    return Evidence(tuple(values), tuple(unknown))


def _add_value(project, relative, line, arg, values, unknown, klass, summary, visiting) -> None:
    where = _where(relative, line)
    if arg[0] == "lit":
        values.append((arg[1], where))
    elif arg[0] == "alt":
        values.extend((v, where) for v in arg[1])
    elif arg[0] == "param":
        # A parameter of the calling function: its own callers decide (transitively).
        caller = _enclosing_function(summary, line)
        named = project.module_of.get(relative)
        if caller is None or named is None:
            unknown.append(f"`{arg[1]}` at {where}")
            return
        inner = _parameter_evidence(project, f"{named[0]}.{caller}", arg[1], visiting)
        values.extend(inner.values)
        unknown.extend(inner.unknown)
        if not inner.values and not inner.unknown:
            unknown.append(f"`{arg[1]}` at {where}, a parameter of `{caller}` that no call in the project sets")
    elif arg[0] == "name":
        resolved = project.resolve_call(relative, arg[1], None, None, False)
        constant = _constant_value(project, resolved) if resolved else None
        if constant is not None:
            values.append((constant[0], f"{where} (`{arg[1]}`)"))
        else:
            unknown.append(f"`{arg[1]}` at {where}")
    else:
        unknown.append(f"`{arg[1]}` at {where}")


def _constant_value(project: _Project, qualname: str) -> Optional[tuple]:
    module, _, name = qualname.rpartition(".")
    found = project.module_summary(module)
    if found is None:
        return None
    summary = found[1]
    if summary["bindings"].get(name) != 1 or name not in summary["literals"]:
        return None
    naming = project.files_naming(name)
    if len(naming) > MAX_EVIDENCE_FILES:
        return None
    for other in naming:
        other_summary = project.summary(other)
        if other_summary is None or name in other_summary["attr_stores"]:
            return None
    return (summary["literals"][name],)


def _enclosing_function(summary: dict, line: int) -> Optional[str]:
    """The innermost function whose calls include one on ``line``."""
    best = None
    for qualname, function in summary["functions"].items():
        if any(l == line for _, l, *_ in function["forwards"]):
            if best is None or function["line"] >= summary["functions"][best]["line"]:
                best = qualname
    return best


def _attribute_evidence(project: _Project, relative: str, module: str, klass: str, attr: str) -> Evidence:
    summary = project.summary(relative)
    record = summary["classes"].get(klass)
    if record is None:
        return Evidence((), (f"class `{klass}` is not found",))
    assignments = record["attrs"].get(attr, [])
    if len(assignments) != 1 or assignments[0][0] != "param":
        how = "never assigned in its class" if not assignments else "assigned other than once from an `__init__` parameter"
        return Evidence((), (f"`self.{attr}` is {how}",))
    param = assignments[0][1]
    init = summary["functions"].get(f"{klass}.__init__")
    if init is None or param in init["stores"]:
        return Evidence((), (f"`{param}` is assigned in `__init__`",))
    qualname = f"{module}.{klass}"
    values, unknown = [], []
    # Subclasses: with an __init__ of their own they pass what they like; without, their
    # constructions are this class's.
    constructed = [qualname]
    found = _names_and_files(project, qualname, klass.rsplit(".", 1)[-1])
    if isinstance(found, str):
        return Evidence((), (found,))
    names, naming = found
    project.prefetch_whole(naming)
    for other in naming:
        other_summary = project.summary(other)
        named = project.module_of.get(other)
        if other_summary is None or named is None:
            continue
        for name, info in other_summary["classes"].items():
            bases = [
                project.resolve_call(other, b, None, None, False) for b in info["bases"]
                if b and b.rsplit(".", 1)[-1] in names
            ]
            if qualname in bases:
                if f"{name}.__init__" in other_summary["functions"]:
                    unknown.append(f"subclass `{name}` has its own `__init__` ({_where(other, info['line'])})")
                else:
                    constructed.append(f"{named[0]}.{name}")
    for each in constructed:
        evidence = _call_evidence(project, f"{qualname}.__init__", "__init__", init, param, set(), method=True,
                                  constructed=each)
        values.extend(evidence.values)
        unknown.extend(evidence.unknown)
    return Evidence(tuple(values), tuple(unknown))


# --------------------------------------------------------------------------- the cache


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _content_digest(data: bytes) -> str:
    """A file's content digest (what its summaries are cached by): every file of a cold run
    is hashed, and SHA-256 runs at about twice blake2b's speed where the CPU computes it."""
    return hashlib.sha256(data).hexdigest()[:32]


def _files_key(config_key: str, stats: dict) -> str:
    """A digest of every file's relative path and signature (``stats``), with
    ``config_key``: the key of the facts they give. The signatures' integers go in as
    fixed-width bytes (a JSON text of them cost a warm run of 8k files 16 ms, this 4 ms);
    each part is preceded by its length, and the integers by how they are written, so no
    two inputs give the same bytes."""
    names = sorted(stats)
    try:
        numbers = b"q" + array.array("q", itertools.chain.from_iterable(map(stats.__getitem__, names))).tobytes()
    except OverflowError:  # beyond 64 bits: as text
        numbers = b"j" + json.dumps([stats[n] for n in names]).encode()
    text = "\0".join(names).encode("utf-8", "surrogatepass")
    parts = [config_key.encode(), text, numbers]
    return _digest(b"".join(len(part).to_bytes(8, "little") + part for part in parts))


def _code_digest() -> str:
    return _digest(Path(__file__).read_bytes() + (Path(__file__).parent / "catalog.toml").read_bytes())


def project_facts(root: Path, exclude: tuple, exclude_base: Path, catalog: cat.Catalog,
                  cache_dir: Optional[Path], named: Optional[list] = None,
                  discovered: Optional[list] = None, screen_early=None,
                  stat_results: Optional[dict] = None, walked: Optional[dict] = None) -> ProjectFacts:
    """The facts of the project under ``root``: from the cache when no file changed.
    ``named``: the files the run checks; when they are few .py files of a large project,
    only the facts they can ask for (``build_facts_for``), cached by the same signatures.
    ``discovered``: the files a walk of ``root`` (its absolute path, no symlink on the
    way) with these ``exclude`` rules found, when the caller made it (``check .`` at the
    root): not walked twice. ``walked``: what the run's walk of folders below ``root``
    found (files.discover's ``walks``, with these ``exclude`` rules): not listed again.
    ``screen_early``: see build_facts; used only on a cold build
    (not when the facts come from the cache, are updated from a previous run's, or serve a
    few named files: the run's cached findings then stand for most files), where its
    ``prepare`` is called first, before any file is read (so that the worker processes it
    starts do not count the sources' bytes as their own, see _Workers). ``stat_results``:
    a dict that gets each project file's ``os.stat`` (by its absolute path), which the
    run's findings cache then reads instead of asking again (a warm run's stat of every
    file, once)."""
    from ac_fixer.files import discover, max_file_bytes, signature

    root = root.resolve()
    items = discovered if discovered is not None else discover([str(root)], exclude, exclude_base, walked=walked)[0]
    stats = {}
    prefix = str(root) + os.sep
    root_text = str(root)
    for item in items:
        # The absolute name the walk knows (no Path made).
        path = item.abspath
        if not path.endswith(".py"):
            continue
        # (Discovered under root: the path starts with it; relpath costs more than the stat.)
        relative = path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, root)
        try:
            info = os.stat(path)
        except OSError:
            continue
        stats[relative.replace(os.sep, "/")] = signature(info)
        if stat_results is not None:
            stat_results[path] = info
    # What the facts are computed with (code, catalog); the cache files are per root too.
    facts_base = _digest(repr((SUMMARY_VERSION, _code_digest(), sorted(t.name for t in catalog.targets),
                               [target_row(t) for t in catalog.targets if t.rule and not t.name.startswith("torch.")],
                               )).encode())
    config_key = _digest(repr((facts_base, str(root))).encode())
    files_key = _files_key(config_key, stats)
    # The whole project's facts when they are current (a run over the tree made them);
    # else, for a few named files, theirs only.
    stored = _load(cache_dir, _cache_name(config_key, "facts"))
    if stored.get("files_key") == files_key and isinstance(stored.get("facts"), dict):
        try:
            return ProjectFacts.from_json(stored["facts"])
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    few = _few_named(root, named, stats)
    if few is not None:
        return _facts_for_named(root, catalog, cache_dir, config_key, files_key, stats, few, facts_base)
    # What the previous run saw (each file's signature and digest, its name searches): a
    # file apart, read only when a file changed (a warm run reads the small facts file).
    stored = _load(cache_dir, _cache_name(config_key, "state")) if stored else {}
    known = stored.get("files", {}) if isinstance(stored.get("files"), dict) else {}
    files, sources = {}, {}
    # A cold run reads every file: their bytes go end to end into one buffer as they are
    # read (one allocation, not one per file), after the worker processes started.
    buffer = _SourceBuffer() if not known else None
    large = sum(sig[1] for sig in stats.values()) >= EARLY_WORKERS_BYTES
    if buffer is not None and screen_early is not None:
        screen_early.prepare()
    workers = None
    if buffer is not None and large:
        pool = getattr(screen_early, "pool", None)
        workers = (_Workers().lent(pool, screen_early.workers, lambda: screen_early.lending) if pool is not None
                   else _Workers().start(wait=True))
    triggered = _Triggered(catalog, workers) if buffer is not None else None
    limit = max_file_bytes()  # (read once, not for each file)
    # Each file read leaves a few objects (its digest, its entries): the collections they
    # trigger would scan every object alive again (see CollectorPaused).
    with CollectorPaused():
        for relative, sig in stats.items():
            entry = known.get(relative)
            if isinstance(entry, list) and len(entry) == 2 and entry[0] == sig:
                files[relative] = entry[1]
                continue
            path = _absolute(root_text, relative)
            try:
                data, before, after = read_regular(path, limit=limit)
            except FileError:  # gone, not a regular file (a FIFO never blocks), too large
                continue
            files[relative] = _content_digest(data)
            if buffer is not None:
                buffer.add(relative, data)
                # A file that holds a catalogued name is screened by the workers whatever the
                # wrappers: what the early screen would decide of it is not needed.
                if not triggered.add(relative, data, path, files[relative]) and screen_early is not None:
                    screen_early.read(path, data, after if after == signature(before) else None)  # see its start
            else:
                sources[relative] = data
    summaries = _load(cache_dir, _cache_name(config_key, "index")) if known else {}
    summaries = summaries if all(isinstance(v, (dict, type(None))) for v in summaries.values()) else {}
    before = len(summaries)
    previous = stored.get("searches")
    changed = {r for r in files if not (isinstance(known.get(r), list) and known[r][1:] == [files[r]])}
    try:
        facts = build_facts(root, files, catalog, summaries, facts_base, buffer if buffer is not None else sources,
                            (previous, changed) if isinstance(previous, dict) else None, workers, triggered,
                            screen_early if buffer is not None else None)
    finally:
        if workers is not None:
            workers.close()
    searches, facts.searches = facts.searches, {}  # not sent to the workers
    kept = set(files.values())
    if len(summaries) != before or any(d.split(":")[0] not in kept for d in summaries):
        _save(cache_dir, _cache_name(config_key, "index"), {d: v for d, v in summaries.items() if d.split(":")[0] in kept})
    _save(cache_dir, _cache_name(config_key, "state"), {
        "files": {r: [stats[r], files[r]] for r in files},
        "searches": searches,
    })
    _save(cache_dir, _cache_name(config_key, "facts"), {"files_key": files_key, "facts": facts.to_json()})
    return facts


# On-demand facts when the run checks at most this many files, and they are at most this
# share of the project's .py files (the whole index pays for itself on a larger share).
FEW_FILES = 32
FEW_SHARE = 0.05
NAMED_KEPT = 16


def _few_named(root: Path, named: Optional[list], stats: dict) -> Optional[list]:
    """The relative paths of ``named`` when the on-demand facts serve them: few .py files
    of the project (a notebook or a file outside the root needs every wrapper)."""
    if named is None or len(named) > FEW_FILES or len(named) > FEW_SHARE * len(stats):
        return None
    relatives = []
    for path in named:
        absolute = os.path.abspath(path)
        if not absolute.startswith(str(root) + os.sep):
            absolute = os.path.realpath(path)  # the root is resolved (a /tmp -> /private/tmp link)
        if not absolute.startswith(str(root) + os.sep):
            return None
        relative = os.path.relpath(absolute, root).replace(os.sep, "/")
        if relative not in stats:
            return None
        relatives.append(relative)
    return sorted(set(relatives))


def _facts_for_named(root, catalog, cache_dir, config_key, files_key, stats, named, facts_base) -> ProjectFacts:
    """``build_facts_for`` the named files, cached by every file's signature and the names."""
    name = _cache_name(config_key, "named")
    entries = _load(cache_dir, name) if cache_dir is not None else {}
    which = _digest(json.dumps(named).encode())
    stored = entries.get(which)
    if isinstance(stored, dict) and stored.get("files_key") == files_key and isinstance(stored.get("facts"), dict):
        try:
            return ProjectFacts.from_json(stored["facts"])
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    # Summaries live for this run only: keyed by path, not content.
    facts = build_facts_for(root, {r: "@" + r for r in stats}, catalog, named, facts_base)
    if cache_dir is not None:
        # One file for every set of named files, the most recent NAMED_KEPT sets in it.
        entries.pop(which, None)
        entries[which] = {"files_key": files_key, "facts": facts.to_json()}
        _save(cache_dir, name, dict(list(entries.items())[-NAMED_KEPT:]))
    return facts


def _cache_name(config_key: str, part: str) -> str:
    """The facts (small: read by every run) and the index of summaries (read only when a
    file changed) are two files."""
    return f"project-{part}-{config_key}.json"


def _load(cache_dir: Optional[Path], name: str) -> dict:
    from ac_fixer.cache import load_signed

    return load_signed(cache_dir, name)


def _save(cache_dir: Optional[Path], name: str, data: dict) -> None:
    from ac_fixer.cache import save_signed

    save_signed(cache_dir, name, data)


def analysis_root(config, start: Path) -> Optional[Path]:
    """The project analyzed as a whole: the configuration's folder, else the folder of the
    nearest ``pyproject.toml``, else the git root; None outside any project (never the
    current folder: a file checked from the home folder must not make it a project)."""
    from ac_fixer.config import project_root

    root = project_root(config, start)
    if config.path is not None or (root / "pyproject.toml").is_file() or os.path.lexists(root / ".git"):
        return root
    return None


def with_project(settings, root: Path, exclude: tuple, exclude_base: Path, cache_dir: Optional[Path],
                 named: Optional[list] = None, discovered: Optional[list] = None, screen_early=None,
                 stat_results: Optional[dict] = None, walked: Optional[dict] = None):
    """``settings`` with the project's facts: its wrappers as targets, the rest for the
    analysis of each file (``named``: the files the run checks; ``screen_early``,
    ``stat_results`` and ``walked``: see project_facts)."""
    try:
        facts = project_facts(root, exclude, exclude_base, settings.catalog, cache_dir, named, discovered,
                              screen_early, stat_results, walked)
    except (RecursionError, MemoryError) as error:
        _warn(f"project-wide analysis skipped: {type(error).__name__}")
        return settings
    except Exception as error:  # a bug of ours must not cost the run: each file on its own
        _warn(f"project-wide analysis skipped (internal error: {type(error).__name__}: {error})")
        return settings
    return replace(settings, extra_targets=settings.extra_targets + facts.targets(), project=facts)


def _warn(message: str) -> None:
    import sys

    print(f"warning: {message}", file=sys.stderr)


@dataclass(frozen=True, eq=False)
class DeferredFacts:
    """A project's facts not computed yet (``Settings.project`` until a run resolves it):
    what :func:`with_project` needs. ``runner.run`` resolves it itself, so that the files
    can be screened while the facts' last steps run (see runner._EarlyScreen)."""

    root: Path
    exclude: tuple
    exclude_base: Path
    cache_dir: Optional[Path]
    named: Optional[list] = None
    discovered: Optional[list] = None
    walked: Optional[dict] = None

    def resolve(self, settings, screen_early=None, stat_results: Optional[dict] = None):
        """``settings`` (whose ``project`` is this) with the facts."""
        return with_project(replace(settings, project=None), self.root, self.exclude, self.exclude_base,
                            self.cache_dir, self.named, self.discovered, screen_early, stat_results,
                            self.walked)


def resolved(settings, screen_early=None, stat_results: Optional[dict] = None):
    """``settings`` with its deferred facts computed (unchanged when there are none;
    ``screen_early`` and ``stat_results``: see project_facts)."""
    deferred = settings.project
    return deferred.resolve(settings, screen_early, stat_results) if isinstance(deferred, DeferredFacts) else settings

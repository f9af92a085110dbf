"""Jupyter notebooks: check the code cells as one module, rewrite only changed cells.

The code cells are joined into one module (imports in one cell serve calls in
the next), with a marker comment between cells; IPython magics and shell lines
become marker comments too. After fixing, the module is split back at the
markers and only the ``source`` of cells whose code changed is replaced in the
notebook's text, so outputs, metadata, key order and indentation stay byte for
byte as they were.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import tokenize
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Callable, Optional

from ac_fixer.api import FixResult, Settings, SourceError, fix_source
from ac_fixer.fast.prefilter import might_have_findings
from ac_fixer.findings import Finding

# Cell magics that run their body as Python (the first line is masked like a line magic).
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3"})
# The marker comments carry a tag that no cell contains (see _marker_tag), so a cell that
# happens to hold the text of a marker cannot be taken for one.
_CELL_MARKER = "# {tag}-cell-boundary {index}"
_MAGIC_MARKER = "# {tag}-magic-line {index}:"
_MAGIC_LINE = re.compile(r"^\s*(?:%%|[%!]|[\w.]+\s*=\s*[%!])|^\s*[\w.]+\?{1,2}\s*$")


# --------------------------------------------------------------------------- JSON spans

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass
class _Span:
    value: object
    start: int
    end: int
    children: object = None  # dict key -> _Span for objects, list of _Span for arrays


def _parse(text: str, index: int) -> _Span:
    """A JSON value with the text span of it and of its members (enough for cells' sources)."""
    index = _WS.match(text, index).end()
    char = text[index:index + 1]
    if char == "{":
        start, index, members = index, index + 1, {}
        index = _WS.match(text, index).end()
        if text[index:index + 1] == "}":
            return _Span({}, start, index + 1, members)
        while True:
            index = _WS.match(text, index).end()
            if text[index:index + 1] != '"':
                raise ValueError(f"expected a key at offset {index}")
            key, index = scanstring(text, index + 1)
            index = _WS.match(text, index).end()
            if text[index:index + 1] != ":":
                raise ValueError(f"expected ':' at offset {index}")
            members[key] = _parse(text, index + 1)
            index = _WS.match(text, members[key].end).end()
            if text[index:index + 1] == ",":
                index += 1
                continue
            if text[index:index + 1] == "}":
                return _Span({k: v.value for k, v in members.items()}, start, index + 1, members)
            raise ValueError(f"expected ',' or '}}' at offset {index}")
    if char == "[":
        start, index, items = index, index + 1, []
        index = _WS.match(text, index).end()
        if text[index:index + 1] == "]":
            return _Span([], start, index + 1, items)
        while True:
            items.append(_parse(text, index))
            index = _WS.match(text, items[-1].end).end()
            if text[index:index + 1] == ",":
                index += 1
                continue
            if text[index:index + 1] == "]":
                return _Span([i.value for i in items], start, index + 1, items)
            raise ValueError(f"expected ',' or ']' at offset {index}")
    if char == '"':
        value, end = scanstring(text, index + 1)
        return _Span(value, index, end)
    for literal, value in (("true", True), ("false", False), ("null", None)):
        if text.startswith(literal, index):
            return _Span(value, index, index + len(literal))
    match = _NUMBER.match(text, index)
    if match:
        return _Span(json.loads(match.group()), index, match.end())
    raise ValueError(f"unexpected character at offset {index}")


def _load(text: str) -> _Span:
    root = _parse(text, 0)
    if _WS.match(text, root.end).end() != len(text):
        raise ValueError("extra data after the notebook")
    return root


# --------------------------------------------------------------------------- cells


@dataclass
class NotebookResult(FixResult):
    """A notebook's FixResult, with the malformed cells that were skipped ("cell N: why")."""

    malformed_cells: list = field(default_factory=list)

    def with_malformed(self, malformed: list) -> "NotebookResult":
        self.malformed_cells = list(malformed)
        return self


def malformed_cells_reason(malformed: list, shown: int = 5) -> str:
    """The stderr reason for a notebook with malformed cells (the first few named)."""
    more = f"; and {len(malformed) - shown} more" if len(malformed) > shown else ""
    return f"malformed cells skipped (the others were checked): {'; '.join(malformed[:shown])}{more}"


@dataclass
class _Cell:
    index: int
    span: _Span  # the "source" member
    text: str


def _code_cells(root: _Span, malformed: Optional[list] = None) -> list:
    """The code cells; each cell that is not a well-formed cell is added to ``malformed``
    as "cell N: why" (N counted from 0, as the findings' ``cell``) and skipped."""
    if not isinstance(root.children, dict) or "cells" not in root.children:
        raise ValueError("no 'cells' list: not a notebook (nbformat 4)")
    cells = root.children["cells"]
    if not isinstance(cells.children, list):
        raise ValueError("'cells' is not a list")
    malformed = [] if malformed is None else malformed
    found = []
    for index, cell in enumerate(cells.children):
        if not isinstance(cell.children, dict):
            malformed.append(f"cell {index}: not an object")
            continue
        members = cell.children
        cell_type = members.get("cell_type")
        if cell_type is None or not isinstance(cell_type.value, str):
            malformed.append(f"cell {index}: no cell_type string")
            continue
        if cell_type.value != "code":
            continue
        source = members.get("source")
        if source is None:
            malformed.append(f"cell {index}: code cell without a source")
            continue
        value = source.value
        if isinstance(value, list) and all(isinstance(line, str) for line in value):
            text = "".join(value)
        elif isinstance(value, str):
            text = value
        else:
            malformed.append(f"cell {index}: source is neither a string nor a list of strings")
            continue
        stripped = text.lstrip()
        if stripped.startswith("%%"):
            magic = stripped[2:].split(None, 1)[0] if stripped[2:].strip() else ""
            if magic not in PYTHON_CELL_MAGICS:
                continue  # %%bash, %%writefile, %%html...: the body is not Python
        found.append(_Cell(index, source, text))
    return found


def _marker_tag(cells: list) -> str:
    """``ac-fixer``, or ``ac-fixer-N`` for the first N that no cell's text contains."""
    tag, number = "ac-fixer", 0
    while any(tag in cell.text for cell in cells):
        number += 1
        tag = f"ac-fixer-{number}"
    return tag


def _tokenizes_to_the_end(lines: list) -> Optional[bool]:
    """True when the stdlib tokenizer ends ``lines`` cleanly; False when they end inside
    brackets, a backslash continuation or a string; None for another complaint (a dedent
    that matches no outer indentation)."""
    text = "\n".join(lines) + "\n"
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError:
        return False  # EOF in a multi-line statement or string: the next line continues it
    except (SyntaxError, ValueError):
        return None
    return True


def _mask_magics(text: str, tag: str, magics: dict) -> str:
    lines = text.split("\n")
    clean = 0  # lines[clean] starts a logical line: the tokenizer may start there
    for i, line in enumerate(lines):
        if not _MAGIC_LINE.match(line):
            continue
        # A line like `     % 3)` or ` != c)` may continue the line before it: only a line
        # that starts a logical line can be a magic.
        if i > clean:
            ends = _tokenizes_to_the_end(lines[clean:i])
            if ends is None:  # the slice's indentation confused it: read the whole prefix
                ends = _tokenizes_to_the_end(lines[:i]) is not False
            if not ends:
                continue
        marker = _MAGIC_MARKER.format(tag=tag, index=len(magics))
        indent = line[: len(line) - len(line.lstrip())]
        magics[marker] = line[len(indent):]
        lines[i] = indent + marker
        clean = i + 1  # after a comment line
    return "\n".join(lines)


def unmask_magics(text: str, magics: dict, tag: str) -> str:
    """Each marker back to its magic line, in one pass (a replace per marker copied the
    whole module once per magic: quadratic in a notebook of many magic cells)."""
    pending = dict(magics)

    def original(match) -> str:
        return pending.pop(match.group(), match.group())  # each marker once, as written

    before, after = _MAGIC_MARKER.format(tag=tag, index="\0").split("\0")
    return re.sub(re.escape(before) + r"\d+" + re.escape(after), original, text)


def _escapes_non_ascii(notebook_text: str) -> bool:
    """Whether the notebook writes non-ASCII characters as ``\\u`` escapes (computed once per
    notebook: once per changed cell made ``--fix`` quadratic in the cells)."""
    return "\\u" in notebook_text and notebook_text.isascii()


def _encode_source(span: _Span, text: str, notebook_text: str, ascii_only: Optional[bool] = None) -> str:
    """The JSON for a cell's new source, in the shape and style of the old one."""
    if ascii_only is None:
        ascii_only = _escapes_non_ascii(notebook_text)
    if isinstance(span.value, str):
        return json.dumps(text, ensure_ascii=ascii_only)
    lines = text.splitlines(keepends=True)
    items = span.children or []
    raw = notebook_text[span.start:span.end]
    if len(items) >= 2:
        separator = notebook_text[items[0].end:items[1].start]
        opening = notebook_text[span.start + 1:items[0].start]
        closing = notebook_text[items[-1].end:span.end - 1]
    elif len(items) == 1:
        opening = notebook_text[span.start + 1:items[0].start]
        closing = notebook_text[items[0].end:span.end - 1]
        separator = "," + opening if opening.strip() == "" and "\n" in opening else ", "
    else:
        opening, closing, separator = ("\n", "\n", ",\n") if "\n" in raw else ("", "", ", ")
    encoded = separator.join(json.dumps(line, ensure_ascii=ascii_only) for line in lines)
    return "[" + opening + encoded + closing + "]"


def fix_notebook(
    source: bytes,
    path: str,
    settings: Settings,
    *,
    fix: bool,
    accept: Optional[Callable[[Finding], bool]] = None,
) -> FixResult:
    """Findings of a notebook (with ``cell`` and lines within the cell), fixed if asked."""
    if not might_have_findings(source, settings):
        return FixResult(source)
    try:
        notebook_text = source.decode("utf-8-sig" if source.startswith(b"\xef\xbb\xbf") else "utf-8")
        root = _load(notebook_text)
        malformed: list = []
        cells = _code_cells(root, malformed)
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceError(path, f"not a valid notebook: {error}") from None
    if not cells:
        return NotebookResult(source).with_malformed(malformed)

    magics: dict = {}
    tag = _marker_tag(cells)
    parts, line_map = [], []  # line_map[i] = (cell index, line within cell) for module line i+1
    for position, cell in enumerate(cells):
        if position:
            parts.append(_CELL_MARKER.format(tag=tag, index=position))
            line_map.append((cell.index, 0))
        masked = _mask_magics(cell.text.rstrip("\n"), tag, magics)
        parts.append(masked)
        line_map.extend((cell.index, n + 1) for n in range(masked.count("\n") + 1))
    module_text = "\n".join(parts) + "\n"

    if not fix:
        decide: Callable[[Finding], bool] = lambda finding: False
    else:
        decide = accept or (lambda finding: True)
    if magics:
        # Names in magic and shell lines (`%timeit f(x)`, `!echo {name}`) are uses the
        # analysis cannot see: their imports must stay.
        words = sorted(set(re.findall(r"[^\W\d]\w*", "\n".join(magics.values()))))
        settings = dataclasses.replace(settings, used_names=tuple(words))
    result = fix_source(module_text.encode("utf-8"), path, settings, accept=lambda f: decide(_in_cell(f, line_map)))
    remaining = [_in_cell(f, line_map) for f in result.remaining]
    applied = [_in_cell(f, line_map) for f in result.applied]
    if not result.applied:
        return NotebookResult(source, [], remaining).with_malformed(malformed)

    new_module = unmask_magics(result.source.decode("utf-8"), magics, tag)
    boundary = "\n" + re.escape(_CELL_MARKER.format(tag=tag, index="")) + r"\d+\n"
    new_cells = re.split(boundary, new_module[:-1] if new_module.endswith("\n") else new_module)
    if len(new_cells) != len(cells):
        raise SourceError(path, "internal error: cell boundaries lost; notebook left unchanged")
    replacements = []
    ascii_only = _escapes_non_ascii(notebook_text)
    for cell, new_text in zip(cells, new_cells):
        trailing = cell.text[len(cell.text.rstrip("\n")):]
        new_text = new_text + trailing
        if new_text != cell.text:
            encoded = _encode_source(cell.span, new_text, notebook_text, ascii_only)
            replacements.append((cell.span.start, cell.span.end, encoded))
    pieces, last = [], 0
    for start, end, text in sorted(replacements):
        pieces.append(notebook_text[last:start])
        pieces.append(text)
        last = end
    pieces.append(notebook_text[last:])
    new_text = "".join(pieces)
    prefix = b"\xef\xbb\xbf" if source.startswith(b"\xef\xbb\xbf") else b""
    return NotebookResult(prefix + new_text.encode("utf-8"), applied, remaining).with_malformed(malformed)


def _in_cell(finding: Finding, line_map: list) -> Finding:
    """The finding with ``cell`` set and lines counted within that cell."""
    if finding.cell is not None:
        return finding
    cell, line = line_map[min(finding.line, len(line_map)) - 1]
    _, end_line = line_map[min(finding.end_line, len(line_map)) - 1]
    from dataclasses import replace

    return replace(finding, cell=cell, line=line, end_line=max(end_line, line))

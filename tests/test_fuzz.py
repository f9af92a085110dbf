"""Fuzzing (issue 7): generated calls in random layouts with random junk around them, and
arbitrary bytes.

Properties, for every generated source:

* ``check_source``/``fix_source`` return normally or raise ``SourceError`` (nothing else);
* a valid generated source is never refused, and its call is reported and fixed;
* the fixed source parses, its AST equals the input's but for ``align_corners=False``
  (added, or an explicit ``None`` turned into ``False``), and a second fix changes nothing;
* every byte before and after the call is kept (encoding, BOM, newlines, junk), and the call
  itself differs only by the keyword, commas and whitespace; its comments are kept in order.

``check_source`` on arbitrary bytes (``st.binary`` and mutations of valid sources) returns a
list or raises ``SourceError``. Exceptions that match a bug already pinned by a strict xfail in
tests/test_reliability.py are tolerated here (see ``KNOWN_BUGS``) so that the fuzzer keeps
guarding everything else; remove an entry when its bug is fixed.

Deterministic (``derandomize=True``) and under ~40 s in all.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from conftest import fuzz_examples

from ac_fixer.api import Settings, SourceError, check_source, fix_source

FUZZ = settings(
    max_examples=fuzz_examples(400),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
STRICT = Settings(select=("ACF001", "ACF002"))

# --------------------------------------------------------------------------- known bugs

# (exception type, message fragment) -> the strict-xfail test in test_reliability.py that pins it.
KNOWN_BUGS: dict = {}


def known_bug(error: BaseException):
    for (kind, fragment), test in KNOWN_BUGS.items():
        if type(error) is kind and fragment in str(error):
            return test
    return None


def call_only_source_error(function, *args, **kwargs):
    """Run ``function``; None when it raised SourceError or a known (pinned) bug."""
    try:
        return function(*args, **kwargs)
    except SourceError:
        return None
    except Exception as error:  # noqa: BLE001 - the property is "nothing but SourceError"
        pinned = known_bug(error)
        if pinned is None:
            raise
        note(f"known bug, pinned by {pinned}: {type(error).__name__}: {error}")
        return None


# --------------------------------------------------------------------------- generated calls

MODES = ("linear", "bilinear", "bicubic", "trilinear")


@dataclass(frozen=True)
class Api:
    callee: str
    leading: tuple  # positional arguments always passed, as source text
    optional: tuple  # (keyword, strategy of value text) that may be passed
    mode_keyword: bool  # the mode is a keyword argument that makes it a finding
    code: str


def _quoted(modes):
    return st.builds(lambda m, q: f"{q}{m}{q}", st.sampled_from(modes), st.sampled_from(['"', "'"]))


APIS = (
    Api("F.interpolate", ("x",), (("size", st.sampled_from(["(8, 8)", "y.shape[-2:]", "None"])),
                                  ("scale_factor", st.sampled_from(["2", "0.5", "(2, 2)"])),
                                  ("antialias", st.just("False"))), True, "ACF001"),
    Api("torch.nn.functional.interpolate", ("feats[0]",), (("scale_factor", st.just("2")),), True, "ACF001"),
    Api("nn.Upsample", (), (("scale_factor", st.sampled_from(["2", "2.0"])),), True, "ACF001"),
    Api("torch.nn.Upsample", (), (("size", st.just("(4, 4)")),), True, "ACF001"),
    Api("F.grid_sample", ("img", "grid"),
        (("mode", _quoted(("bilinear", "nearest", "bicubic"))),
         ("padding_mode", st.sampled_from(['"zeros"', "'border'"]))),
        False, "ACF002"),
    Api("F.affine_grid", ("theta", "img.size()"), (), False, "ACF002"),
)

COMMENT_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=20
)


@st.composite
def call_texts(draw):
    """(callee, argument texts, call source text with layout and comments)."""
    api = draw(st.sampled_from(APIS))
    keywords = []
    for keyword, values in api.optional:
        if draw(st.booleans()):
            keywords.append(f"{keyword}={draw(values)}")
    if api.mode_keyword:
        keywords.append(f"mode={draw(_quoted(MODES))}")
    if draw(st.integers(0, 4)) == 0:
        keywords.append("align_corners=None")
    args = list(api.leading) + draw(st.permutations(keywords))
    layout = draw(st.sampled_from(["inline", "per_line", "hanging", "open_close"]))
    comma = draw(st.sampled_from([", ", ",", " , ", ",  "]))
    trailing = draw(st.booleans())
    comment = draw(st.one_of(st.none(), COMMENT_TEXT.map(lambda t: "# " + t)))
    if not args:
        text = f"{api.callee}()"
    elif layout == "inline":
        text = f"{api.callee}({comma.join(args)}{',' if trailing else ''})"
    elif layout == "per_line":
        indent = draw(st.sampled_from(["    ", "  ", "\t", "        "]))
        lines = [f"{indent}{a}," for a in args]
        if not trailing:
            lines[-1] = lines[-1][:-1]
        if comment is not None:
            position = draw(st.integers(0, len(lines) - 1))
            lines[position] += "  " + comment
        for _ in range(draw(st.integers(0, 2))):  # blank or comment-only lines between arguments
            position = draw(st.integers(0, len(lines)))
            extra = draw(st.sampled_from(["", indent + "# between", "   ", indent + "# " + "x" * 3]))
            lines.insert(position, extra)
        close = draw(st.sampled_from(["", indent]))
        text = f"{api.callee}(\n" + "\n".join(lines) + f"\n{close})"
    elif layout == "hanging":
        pad = " " * (len(api.callee) + 1)
        text = f"{api.callee}(" + f",\n{pad}".join(args) + ("," if trailing else "") + ")"
    else:  # open_close: arguments on one line between the parentheses' lines
        text = f"{api.callee}(\n    {comma.join(args)}{',' if trailing else ''}\n)"
    return api, text


# --------------------------------------------------------------------------- junk around the call

JUNK_STATEMENTS = (
    "pass",
    "a = 1; b = 2",
    "s = 'F.interpolate(x, mode=\"bilinear\")'  # not a call",
    '"""Docstring that mentions F.grid_sample(x, g) and nn.Upsample(mode="bicubic")."""',
    "t = (1,\n     2)",
    "u = [\n    1,\n    2,\n]",
    "v = x \\\n    + 1",
    "w = lambda q: q  # noqa",
    "@staticmethod\ndef deco(): pass",
    "if a:\n    pass\nelse:\n    pass",
    "f'{1 + 1:>{width}}'",
    "result = F.interpolate(x, mode='nearest')",
    "ok = F.interpolate(x, mode='bilinear', align_corners=True)",
    "match a:\n    case [1, *rest]:\n        pass\n    case _:\n        pass",
    "async def co():\n    await thing",
    "with open(p) as h, open(q) as k:\n    pass",
    "try:\n    pass\nexcept* ValueError:\n    pass",
    "x: 'int' = 3",
    "global_name = (yield_ := 5)",
    "\x0c",
    "",
    "   ",
)


@st.composite
def junk(draw):
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(draw(st.sampled_from(JUNK_STATEMENTS)))
        elif kind == 1:
            parts.append("# " + draw(COMMENT_TEXT))
        elif kind == 2:
            parts.append(f"junk = {draw(st.text(max_size=20))!r}")
        else:
            parts.append(f"junk = {draw(st.binary(max_size=12))!r}")
    return "\n".join(parts)


HEADERS = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n",
    "import torch\nfrom torch import nn\nfrom torch.nn import functional as F\n",
)


@dataclass
class Generated:
    source: bytes
    prefix: bytes  # every byte before the call
    call: bytes
    suffix: bytes  # every byte after the call
    code: str


@st.composite
def sources(draw):
    api, call = draw(call_texts())
    header = draw(st.sampled_from(HEADERS))
    before, after = draw(junk()), draw(junk())
    # The call may sit in a block (and the junk after it too).
    block = draw(st.sampled_from(["", "def f(x, img, grid, theta, feats, y):\n", "if True:\n",
                                  "class M:\n    def forward(self, x):\n"]))
    indent = ""
    if block:
        unit = draw(st.sampled_from(["    ", "  ", "\t"]))
        indent = unit * (2 if block.startswith("class") else 1)
        if block.startswith("class") and unit != "    ":
            block = block.replace("    def", unit + "def")
    assign = draw(st.sampled_from(["y = ", "", "return ", "out = self.up = "]))
    if assign == "return " and not block.startswith(("def", "class")):
        assign = "y = "
    call_line_prefix = indent + assign
    call_lines = call.split("\n")
    call = ("\n" + indent).join(call_lines)
    tail_comment = draw(st.one_of(st.just(""), COMMENT_TEXT.map(lambda t: "  # " + t)))
    after_block = "\n".join(indent + line if line.strip() else line for line in after.split("\n")) if block \
        else after
    prefix = header + before + ("\n" if before else "") + block + call_line_prefix
    suffix = tail_comment + "\n" + after_block + ("\n" if after_block else "")
    if draw(st.booleans()):
        suffix = suffix.rstrip("\n")  # no final newline
    if draw(st.integers(0, 5)) == 0:
        suffix += draw(st.sampled_from([" ", "\t", "\n\n", "   \n"]))

    newline = draw(st.sampled_from(["\n", "\r\n", "mixed"]))

    def newlines(text: str) -> str:
        if newline == "mixed":
            return "".join(line + draw(st.sampled_from(["\n", "\r\n"])) if keep else line
                           for line, keep in _split_keep(text))
        return text.replace("\n", newline)

    prefix, call, suffix = newlines(prefix), newlines(call), newlines(suffix)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-bom", "latin-1"]))
    if encoding == "latin-1":
        prefix = "# -*- coding: latin-1 -*-\n" + prefix
        encode = lambda text: text.encode("latin-1", "replace")  # noqa: E731
    else:
        encode = lambda text: text.encode("utf-8", "surrogatepass")  # noqa: E731
    head = b"\xef\xbb\xbf" if encoding == "utf-8-bom" else b""
    parts = head + encode(prefix), encode(call), encode(suffix)
    return Generated(b"".join(parts), parts[0], parts[1], parts[2], api.code)


def _split_keep(text: str):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        yield line, i < len(lines) - 1


# --------------------------------------------------------------------------- comparison helpers


class _StripFlag(ast.NodeTransformer):
    def __init__(self):
        self.values = []

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        kept = []
        for keyword in node.keywords:
            if keyword.arg == "align_corners" and isinstance(keyword.value, ast.Constant) and \
                    keyword.value.value in (None, False):
                self.values.append(keyword.value.value)
            else:
                kept.append(keyword)
        node.keywords = kept
        return node


def _stripped(tree: ast.AST):
    strip = _StripFlag()
    return ast.dump(strip.visit(tree)), strip.values


def _comments(source: bytes) -> list:
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


def _squash(text: bytes) -> bytes:
    text = text.replace(b"align_corners=False", b"").replace(b"align_corners=None", b"")
    return re.sub(rb"[\s,]", b"", text)


# --------------------------------------------------------------------------- the properties


@FUZZ
@given(sources())
def test_fix_with_junk_around_the_call(generated: Generated):
    source = generated.source
    note(repr(source))
    valid = True
    try:
        original_tree = ast.parse(source)
    except (SyntaxError, ValueError):
        valid = False  # a generated combination Python rejects: only "no crash" applies
    findings = call_only_source_error(check_source, source, "<fuzz>", STRICT)
    result = call_only_source_error(fix_source, source, "<fuzz>", STRICT)
    if not valid:
        return
    assert findings is not None and result is not None, "a valid source was refused"
    assert generated.code in [f.code for f in findings]
    assert result.changed

    new = result.source
    new_tree = ast.parse(new)  # parses
    old_dump, old_values = _stripped(original_tree)
    new_dump, new_values = _stripped(new_tree)
    assert new_dump == old_dump  # equal but for align_corners
    assert old_values in ([], [None])
    assert new_values == [False] * len(findings)

    # Byte-exact outside the call; inside it only the keyword, commas and whitespace.
    assert new.startswith(generated.prefix)
    assert new.endswith(generated.suffix)
    middle = new[len(generated.prefix):len(new) - len(generated.suffix)]
    assert _squash(middle) == _squash(generated.call)
    assert _comments(new) == _comments(source)
    if b"\r\n" in source and b"\n" not in source.replace(b"\r\n", b""):
        assert b"\n" not in new.replace(b"\r\n", b"")  # a CRLF file gets no bare LF

    # Idempotent, and nothing left to report.
    again = fix_source(new, "<fuzz>", STRICT)
    assert not again.changed and again.source == new
    assert check_source(new, "<fuzz>", STRICT) == []


SEEDS = (
    b'import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, mode="bilinear")\n',
    b"import torch.nn as nn\nup = nn.Upsample(scale_factor=2, mode='bicubic')  # noqa: ACF003\n",
    b"from torch.nn.functional import grid_sample, affine_grid\n"
    b"g = affine_grid(theta, size)\nout = grid_sample(\n    img,\n    g,\n)\n",
    b"import torch\nclass M(torch.nn.Module):\n    def forward(self, x, m):\n"
    b"        return torch.nn.functional.upsample(x, None, 2, m)\n",
    b"\xef\xbb\xbf# -*- coding: utf-8 -*-\r\nimport torch.nn.functional as F\r\n"
    b"y = F.upsample_bilinear(x, scale_factor=2)\r\n",
)


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.integers(0, 3))
        position = draw(st.integers(0, len(data)))
        if operation == 0:
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif operation == 1:
            end = draw(st.integers(position, min(len(data), position + 8)))
            del data[position:end]
        elif operation == 2 and data:
            data[min(position, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            data[position:position] = draw(st.sampled_from(
                [b"(", b")", b"\\", b"'", b'"""', b"\x00", b"\r", b"\t", b"\x0c", b"#", b"\xff", b"\xc3",
                 b"align_corners=", b"mode=", b",", b"*", b"**kw", b"lambda:", b"\n    ", b"noqa"]))
    return bytes(data)


BYTES_FUZZ = settings(FUZZ, max_examples=fuzz_examples(500))


def _parses_as_the_input_did(data: bytes, fixed: bytes) -> None:
    """The fixed bytes parse with Python's parser; for an input only LibCST reads (syntax
    newer than this interpreter), with LibCST."""
    try:
        ast.parse(data)
    except (SyntaxError, ValueError):
        import libcst

        libcst.parse_module(fixed)
        return
    ast.parse(fixed)


@BYTES_FUZZ
@given(st.one_of(st.binary(max_size=400), mutated()))
def test_check_source_on_arbitrary_bytes(data: bytes):
    findings = call_only_source_error(check_source, data)
    assert findings is None or isinstance(findings, list)
    result = call_only_source_error(fix_source, data)
    if result is None or not result.changed:
        return
    _parses_as_the_input_did(data, result.source)  # a fix is only ever written when the output parses
    again = call_only_source_error(fix_source, result.source)
    assert again is not None and again.source == result.source  # idempotent


@settings(FUZZ, max_examples=fuzz_examples(60))
@given(st.binary(min_size=1, max_size=200), st.sampled_from(SEEDS))
def test_check_source_with_junk_appended_to_a_valid_source(junk_bytes: bytes, seed: bytes):
    findings = call_only_source_error(check_source, seed + junk_bytes)
    assert findings is None or isinstance(findings, list)

"""Property test of the fixer (issue 2): generated resampling calls in many spellings and layouts.

For every generated call, ``fix_source``'s output parses, differs from the input's AST only by
``align_corners=False`` (added as a keyword, or a positional/keyword ``None`` turned into
``False``), keeps every comment in order, and is a fixed point of a second fix.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import fuzz_examples

from ac_fixer.api import check_source, fix_source

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"
FLAG_MODES = ("linear", "bilinear", "bicubic", "trilinear")


@dataclass(frozen=True)
class Api:
    callee: str
    params: tuple  # positional parameters before align_corners, in order
    required: tuple  # parameters always passed
    flag_position: int
    values: dict  # parameter -> strategy of source texts
    extra: tuple = ()  # keyword-only-in-practice parameters after the flag


def _mode(modes):
    return st.builds(lambda m, q: f"{q}{m}{q}", st.sampled_from(modes), st.sampled_from(['"', "'"]))


APIS = (
    Api(
        "F.interpolate",
        ("input", "size", "scale_factor", "mode"),
        ("input", "mode"),
        4,
        {
            "input": st.sampled_from(["x", "feats[0]", "self.conv(x)"]),
            "size": st.sampled_from(["None", "(32, 32)", "skip.shape[-2:]"]),
            "scale_factor": st.sampled_from(["None", "2", "0.5", "(2, 2)"]),
            "mode": _mode(FLAG_MODES),
        },
        (("antialias", "False"), ("recompute_scale_factor", "None")),
    ),
    Api(
        "torch.nn.functional.interpolate",
        ("input", "size", "scale_factor", "mode"),
        ("input", "mode"),
        4,
        {
            "input": st.just("x"),
            "size": st.just("None"),
            "scale_factor": st.just("2"),
            "mode": _mode(FLAG_MODES),
        },
    ),
    Api(
        "nn.Upsample",
        ("size", "scale_factor", "mode"),
        ("mode",),
        3,
        {
            "size": st.sampled_from(["None", "(8, 8)"]),
            "scale_factor": st.sampled_from(["None", "2", "2.0"]),
            "mode": _mode(FLAG_MODES),
        },
        (("recompute_scale_factor", "None"),),
    ),
    Api(
        "F.grid_sample",
        ("input", "grid", "mode", "padding_mode"),
        ("input", "grid"),
        4,
        {
            "input": st.sampled_from(["x", "img"]),
            "grid": st.sampled_from(["grid", "flow.permute(0, 2, 3, 1)"]),
            "mode": _mode(("bilinear", "nearest", "bicubic")),
            "padding_mode": st.sampled_from(['"zeros"', '"border"', "'reflection'"]),
        },
    ),
    Api(
        "F.affine_grid",
        ("theta", "size"),
        ("theta", "size"),
        2,
        {"theta": st.just("theta"), "size": st.sampled_from(["x.size()", "(1, 3, 8, 8)"])},
    ),
)


@dataclass
class Case:
    api: Api
    args: list  # (keyword or None, value text)
    positional_none_flag: bool
    source: str
    layout: str
    arg_indent: str  # per_line layout: the indent of each argument line
    trailing_comma: bool
    close_inline: bool = False  # per_line layout: `)` right after the last argument


COMMENT_WORDS = st.sampled_from(["note", "TODO keep", "scale (x2)", "mode: see paper", "a, b"])


@st.composite
def calls(draw):
    api = draw(st.sampled_from(APIS))
    included = [p for p in api.params if p in api.required or draw(st.booleans())]
    # A positional prefix: every parameter up to the last positional one must be passed.
    n_positional = draw(st.integers(0, len(api.params)))
    positional = list(api.params[:n_positional])
    keywords = [p for p in included if p not in positional]
    positional_none_flag = n_positional == len(api.params) and draw(st.booleans())
    args = [(None, draw(api.values[p])) for p in positional]
    if positional_none_flag:
        args.append((None, "None"))
    kw_args = [(p, draw(api.values[p])) for p in keywords]
    for name, value in api.extra:
        if draw(st.booleans()):
            kw_args.append((name, value))
    if not positional_none_flag and draw(st.booleans()):
        kw_args.append(("align_corners", "None"))
    kw_args = draw(st.permutations(kw_args))
    args.extend(kw_args)
    if not args:  # nn.Upsample with everything absent cannot happen: mode is required
        args = [("mode", '"bilinear"')]

    layout = draw(st.sampled_from(["single", "per_line", "hanging", "block"]))
    trailing_comma = draw(st.booleans())
    close_inline = layout == "per_line" and draw(st.booleans())
    comments = [draw(st.one_of(st.none(), COMMENT_WORDS)) for _ in args]
    own_line = [draw(st.one_of(st.none(), COMMENT_WORDS)) for _ in args]
    spaces_in_keyword = draw(st.booleans()) and layout == "single"
    texts = []
    for keyword, value in args:
        if keyword is None:
            texts.append(value)
        elif spaces_in_keyword:
            texts.append(f"{keyword} = {value}")
        else:
            texts.append(f"{keyword}={value}")

    context = draw(st.sampled_from(["module", "function", "nested", "class", "comprehension", "lambda"]))
    prefix = {
        "module": "y = ",
        "function": "    return ",
        "nested": "out = torch.cat([z, ",
        "class": "    up = ",
        "comprehension": "ys = [",
        "lambda": "f = lambda x: ",
    }[context]
    suffix = {"nested": "])", "comprehension": " for x in xs]"}.get(context, "")
    base_indent = "    " if context in ("function", "class") else ""

    head = f"{prefix}{api.callee}("
    indent = ""
    if layout == "single":
        call = head + ", ".join(texts) + ("," if trailing_comma else "") + ")"
    elif layout == "per_line":
        indent = base_indent + draw(st.sampled_from(["    ", "        ", "\t"]))
        lines = []
        for i, text in enumerate(texts):
            if own_line[i]:
                lines.append(f"{indent}# {own_line[i]}")
            last = i == len(texts) - 1
            comma = "," if (not last or trailing_comma) else ""
            comment = f"  # {comments[i]}" if comments[i] and not (last and close_inline) else ""
            lines.append(f"{indent}{text}{comma}{comment}")
        call = head + "\n" + "\n".join(lines) + ("" if close_inline else "\n" + base_indent) + ")"
    elif layout == "hanging":
        indent = " " * len(head)
        lines = []
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            comma = "," if (not last or trailing_comma) else ""
            comment = f"  # {comments[i]}" if comments[i] and not last else ""
            lines.append(f"{'' if i == 0 else indent}{text}{comma}{comment}")
        call = head + "\n".join(lines) + ")"
    else:  # block: all arguments on one continuation line
        call = head + "\n" + base_indent + "    " + ", ".join(texts) + ("," if trailing_comma else "") + "\n"
        call += base_indent + ")"
    call += suffix

    if context == "function":
        body = "def forward(self, x, z, xs):\n" + call + "\n"
    elif context == "class":
        body = "class Net(nn.Module):\n    scale = 2\n" + call + "\n"
    else:
        body = call + "\n"
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    source = (HEADER + body).replace("\n", newline)
    return Case(api, args, positional_none_flag, source, layout, indent, trailing_comma, close_inline)


# --------------------------------------------------------------------------- normalization


class _Normalize(ast.NodeTransformer):
    """Drop ``align_corners`` from the calls of ``callee``; a positional flag becomes None."""

    def __init__(self, callee: str, flag_position: int):
        self.callee = callee
        self.flag_position = flag_position
        self.seen = []  # the align_corners values found, as source text

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        if ast.unparse(node.func) != self.callee:
            return node
        kept = []
        for keyword in node.keywords:
            if keyword.arg == "align_corners":
                self.seen.append(ast.unparse(keyword.value))
            else:
                kept.append(keyword)
        node.keywords = kept
        if len(node.args) > self.flag_position:
            flag = node.args[self.flag_position]
            self.seen.append(ast.unparse(flag))
            node.args[self.flag_position] = ast.Constant(None)
        return node


def _normalized(source: str, case: Case):
    transformer = _Normalize(case.api.callee, case.api.flag_position)
    tree = transformer.visit(ast.parse(source))
    return ast.dump(tree), transformer.seen


def _squash(line: str) -> str:
    return "".join(line.replace(",", "").split())


def _comments(source: str) -> list:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


# --------------------------------------------------------------------------- the property

SETTINGS = settings(
    max_examples=fuzz_examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
    database=None,
)


@SETTINGS
@given(calls())
def test_fix_adds_only_align_corners_false(case: Case):
    source = case.source.encode()
    findings = check_source(source)
    assert [f.code for f in findings] == ["ACF002" if "grid" in case.api.callee else "ACF001"], case.source

    result = fix_source(source)
    assert result.changed, case.source
    fixed = result.source.decode()

    # It parses, and only align_corners differs.
    before_dump, before_flags = _normalized(case.source, case)
    after_dump, after_flags = _normalized(fixed, case)
    assert after_dump == before_dump, f"\n{case.source}\n---\n{fixed}"
    assert before_flags in ([], ["None"])
    assert after_flags == ["False"], fixed

    # Every comment kept, in order; newlines kept; nothing else on lines without the flag changed.
    assert _comments(fixed) == _comments(case.source)
    newline = "\r\n" if "\r\n" in case.source else "\n"
    assert fixed.count("\n") == fixed.count(newline)
    # Lines without the flag are the input's lines (up to a comma added after the old last argument).
    # A positional None flag becomes False in place: compare with False read as None.
    swap = (lambda line: line.replace("False", "None")) if case.positional_none_flag else (lambda line: line)
    before_lines = {_squash(swap(line)) for line in case.source.splitlines()}
    if case.close_inline:  # `last)` becomes `last,` with the closing parenthesis on the new line
        keyword, value = case.args[-1]
        before_lines.add(_squash(swap(f"{keyword}={value}" if keyword else value)))
    untouched = [line for line in fixed.splitlines() if "align_corners" not in line]
    assert all(_squash(swap(line)) in before_lines for line in untouched), fixed

    # One argument per line: the new argument gets its own line, indented like its neighbours.
    if case.layout == "per_line" and not case.positional_none_flag and "align_corners=None" not in case.source:
        new_line = next(line for line in fixed.splitlines() if "align_corners=False" in line)
        expected = case.arg_indent + "align_corners=False" + ("," if case.trailing_comma else "")
        if case.close_inline:
            assert new_line.startswith(expected + ")"), fixed
        else:
            assert new_line == expected, fixed

    # A second fix changes nothing, and nothing is left to report.
    again = fix_source(result.source)
    assert not again.changed
    assert again.source == result.source
    assert check_source(result.source) == []


@SETTINGS
@given(calls())
def test_value_true_writes_true_and_nothing_else(case: Case):
    from ac_fixer.api import Settings

    result = fix_source(case.source.encode(), settings=Settings(value=True))
    fixed = result.source.decode()
    before_dump, _ = _normalized(case.source, case)
    after_dump, after_flags = _normalized(fixed, case)
    assert after_dump == before_dump
    assert after_flags == ["True"]
    assert all(f.changes_behavior for f in result.applied)

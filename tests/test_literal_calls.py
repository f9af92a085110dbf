"""The project index does not parse a file whose catalogued calls pass only literals
(``project.passes_literals_only``): it adds no wrapper, constant or evidence site. The
test never says so of a file that does, and the facts are the same without it (see also
tests/test_project_index_cost.py, which switches it off on every fixture project)."""
from __future__ import annotations

import pytest
from conftest import project_facts_json, write_project

from ac_fixer import project
from ac_fixer.project import passes_literals_only

NAMES = (b"affine_grid", b"grid_sample", b"interpolate", b"upsample", b"Upsample")
HEAD = b"import torch.nn.functional as F\nimport torch.nn as nn\n\n"


@pytest.mark.parametrize("body", [
    b"y = F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False)\n",
    b"y = F.interpolate(x, feat.shape[2:], None, 'nearest')\n",  # the first two positions: any value
    b"y = F.interpolate(\n    x,  # the input\n    scale_factor=s,\n    mode=\"bicubic\",\n)\n",
    b"up = nn.Upsample(scale_factor=2, mode='nearest')\n",
    b"g = F.affine_grid(theta, size=x.size(), align_corners=False)\n",
    b"y = F.interpolate(x, mode=')')\n",  # a bracket in a string
    b"from torch.nn.functional import interpolate\n",  # named, not called
    b"def interpolate(x):\n    return x\n",
    b"HELP = 'see interpolate'\n",
])
def test_calls_that_pass_literals_only(body):
    assert passes_literals_only(HEAD + body, NAMES)


@pytest.mark.parametrize("body", [
    b"def up(x, mode):\n    return F.interpolate(x, mode=mode)\n",  # a parameter as the mode
    b"y = F.interpolate(x, size, None, MODE)\n",  # a name at the mode's position
    b"def up(x, align_corners=None):\n    return F.grid_sample(x, g, 'bilinear', 'zeros', align_corners)\n",
    b"y = F.interpolate(x, **options)\n",
    b"y = F.interpolate(*args)\n",
    b"y = F.interpolate(x, mode=cfg.mode)\n",
    b"y = (F.interpolate)(x, mode=m)\n",  # a callee in parentheses
    b"y = F.interpolate(x, padding_mode=p)\n",  # any other keyword: a wrapper's may be named so
    b"y = F.interpolate(x, mode='a' + ')')\n",  # not a literal
    b"y = F.interpolate(x, mode=\xef\xbd\x8d)\n",  # a name Python may spell otherwise
    b"y = F.interpolate(x, [(((((((((((((((1)))))))))))))))]\n",  # the call's text never parses
])
def test_calls_that_may_pass_something_else(body):
    assert not passes_literals_only(HEAD + body, NAMES)


def test_a_literal_only_file_is_not_parsed_and_the_facts_are_the_same(tmp_path, monkeypatch):
    root = write_project(tmp_path / "p", {
        "pkg/__init__.py": "",
        "pkg/ops.py": ("import torch.nn.functional as F\n\n"
                       "def resize(x, size=None, mode='nearest', align_corners=None):\n"
                       "    return F.interpolate(x, size, mode=mode, align_corners=align_corners)\n"),
        # Literal calls only, and a call of the wrapper that forwards a parameter: read in
        # the wrapper round, as a file that names the wrapper.
        "pkg/use.py": ("import torch.nn.functional as F\nfrom pkg.ops import resize\n\n"
                       "def a(x):\n    return F.interpolate(x, scale_factor=2, mode='nearest')\n\n"
                       "def b(x, mode='bilinear', align_corners=None):\n"
                       "    return resize(x, None, mode, align_corners)\n"),
        "pkg/plain.py": "import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, mode='bicubic')\n",
    })
    parsed = []
    summarize = project.summarize
    monkeypatch.setattr(project, "summarize", lambda source, needles=None: parsed.append(source) or summarize(source, needles))
    skipping = project_facts_json(root)
    assert not any(b"'bicubic'" in source for source in parsed)  # pkg/plain.py: never parsed
    monkeypatch.setattr(project._Project, "adds_no_fact", lambda self, relative: False)
    assert project_facts_json(root) == skipping
    assert {"pkg.ops.resize", "pkg.use.b"} <= set(skipping["wrappers"])


def test_a_wrapper_named_like_a_torch_api_that_takes_its_mode_second_reads_every_caller(tmp_path, monkeypatch):
    """`interpolate(x, mode)` of the project's own `interpolate` (mode second, where the test
    lets any value pass): the facts are built again with every file read."""
    root = write_project(tmp_path / "p", {
        "pkg/__init__.py": "",
        "pkg/ops.py": ("import torch.nn.functional as F\n\n"
                       "def interpolate(x, mode, align_corners=None):\n"
                       "    return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)\n"),
        "pkg/use.py": ("from pkg.ops import interpolate\n\n"
                       "def up(x, mode='bilinear', align_corners=None):\n"
                       "    return interpolate(x, mode, align_corners=None)\n\n"
                       "def run(x):\n    return interpolate(x, 'nearest')\n"),
    })
    restarts = []
    real = project._skip_is_exact
    monkeypatch.setattr(project, "_skip_is_exact", lambda facts, catalog: restarts.append(1) or real(facts, catalog))
    skipping = project_facts_json(root)
    assert restarts and not real(project.ProjectFacts.from_json({**skipping, "key": ""}), project.cat.default_catalog())
    monkeypatch.setattr(project._Project, "adds_no_fact", lambda self, relative: False)
    assert project_facts_json(root) == skipping


def _random_module(rng) -> bytes:
    """A module of catalogued calls whose arguments are literals, names, parameters, stars,
    strings and comments holding brackets, spread over lines."""
    literals = ["'bilinear'", "None", "True", "2", "'(('", "'a' ')'", "\"\"\"x)\"\"\"", "')'"]
    others = ["mode", "cfg.mode", "x", "(h, w)", "f(')')", "m if c else 'nearest'", "*args", "**kw", "[1, (2)]"]
    values = literals * 3 + others
    keywords = ["mode", "align_corners", "size", "scale_factor", "padding_mode", "antialias"]
    lines = ["import torch.nn.functional as F", "", "def g(x, mode, align_corners=None, *args, **kw):"]
    for _ in range(rng.randint(1, 4)):
        args = [rng.choice(values) for _ in range(rng.randint(0, 4))]
        args += [f"{k}={rng.choice(values)}" for k in rng.sample(keywords, rng.randint(0, 3))]
        args = [a for a in args if not a.startswith("*")] + [a for a in args if a.startswith("*")]
        separator = rng.choice([", ", ",\n        ", ",  # a ) comment\n        "])
        name = rng.choice(["F.interpolate", "F.grid_sample", "interpolate", "F.interpolate ", "(F.interpolate)"])
        lines.append(f"    y = {name}({separator.join(['x'] + args)})")
        if rng.random() < 0.3:
            lines.append(f"    s = '{name}(' + \"mode=mode)\"  # interpolate")
    lines.append("    return y")
    return "\n".join(lines).encode() + b"\n"


def test_the_byte_test_agrees_with_the_summary_on_generated_modules():
    """Where the byte test says literals only, the index's own summary of the module finds
    no catalogued call that passes anything else where a mode or a flag could go."""
    import ast
    import random

    rng = random.Random(17)
    said_literal = 0
    for _ in range(400):
        source = _random_module(rng)
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        if not passes_literals_only(source, NAMES):
            continue
        said_literal += 1
        summary = project.summarize(source, NAMES)
        for callee, _, _, _, _, record in summary["calls"]:
            if callee.rsplit(".", 1)[-1].encode() not in NAMES:
                continue
            assert not record["star"] and not record["dstar"], source
            assert all(a[0] == "lit" for a in record["pos"][2:]), source
            assert all(v[0] == "lit" for k, v in record["kw"].items() if k not in ("size", "scale_factor")), source
    assert said_literal > 20  # the generator makes both kinds

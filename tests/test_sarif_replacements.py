"""SARIF fix replacements come from one analysis of each file, and are exactly what the
previous computation (the whole file's fix re-run once per finding) gave (issue 14, item 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, fuzz_examples, isolate_in

from ac_fixer import runner
from ac_fixer.api import Settings, SourceError, check_source

REALWORLD = Path(__file__).parent / "realworld"

EXTRA_SOURCES = {
    "many-on-a-line": (
        "import torch.nn.functional as F\n"
        'a = F.interpolate(F.interpolate(x, mode="bilinear"), mode="bicubic") + F.interpolate(y, mode="bilinear")\n'
    ),
    "nested-block-multiline": (
        "import torch.nn.functional as F\n"
        "class Net:\n"
        "    def forward(self, x):\n"
        "        if x:\n"
        "            y = F.interpolate(\n"
        "                x,\n"
        "                # a comment line inside\n"
        '                mode="bilinear",\n'
        "            )\n"
        "            return F.interpolate(x,\n"
        '                                 mode="bicubic")\n'
        "        z = foo(1,\n"
        '                F.interpolate(x, mode="trilinear"))\n'
    ),
    "every-code": (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        'a = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
        "b = F.grid_sample(x, grid)\n"
        'c = F.interpolate(x, mode="nearest", align_corners=False)\n'
        "d = F.upsample(x, scale_factor=2)\n"
        "e = nn.UpsamplingBilinear2d(scale_factor=2)\n"
        "f = torch.nn.functional.upsample_bilinear(x, scale_factor=2)\n"
    ),
    "imports-renamed": (
        "from torch.nn.functional import upsample, upsample_bilinear\n"
        "from torch.nn import UpsamplingNearest2d\n"
        "a = upsample(x, scale_factor=2)\n"
        "b = upsample_bilinear(x, scale_factor=2)\n"
        "c = UpsamplingNearest2d(scale_factor=2)\n"
    ),
    "crlf-and-tabs": (
        "import torch.nn.functional as F\r\nif 1:\r\n\ty = F.interpolate(\r\n\t\tx,\r\n\t\tmode='bilinear')\r\n"
    ),
    "latin1": (
        b"# -*- coding: latin-1 -*-\nimport torch.nn.functional as F\n"
        b"label = 'caf\xe9'; y = F.interpolate(x, mode='bilinear')\n"
    ),
}


def _sources() -> list:
    cases = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.py")) if not p.name.endswith(".fixed.py")]
    cases += [(p.name, p.read_bytes()) for p in sorted(REALWORLD.glob("*.py"))]
    cases += [(name, text if isinstance(text, bytes) else text.encode()) for name, text in EXTRA_SOURCES.items()]
    return cases


SETTINGS = {
    "default": Settings(),
    "unsafe-value-true": Settings(value=True, unsafe_fixes=True),
}


@pytest.mark.parametrize("settings_name", sorted(SETTINGS))
@pytest.mark.parametrize("name,source", _sources(), ids=[name for name, _ in _sources()])
def test_replacements_equal_the_per_finding_computation(name, source, settings_name):
    settings = SETTINGS[settings_name]
    try:
        findings = check_source(source, name, settings)
    except SourceError:
        pytest.skip("not a parsable file")
    expected = runner.replacements_per_finding(source, name, settings, findings)
    assert runner.file_replacements(source, name, settings, findings) == expected


def test_one_file_with_many_findings_runs_the_fix_once(monkeypatch):
    source = ("import torch.nn.functional as F\n" + "".join(
        f'y{i} = F.interpolate(x, scale_factor=2, mode="bilinear")\n' for i in range(40)
    )).encode()
    findings = check_source(source, "m.py")
    calls = []
    original = runner.fix_source
    monkeypatch.setattr(runner, "fix_source", lambda *a, **k: calls.append(1) or original(*a, **k))
    replacements = runner.file_replacements(source, "m.py", Settings(), findings)
    assert len(replacements) == 40
    assert calls == []  # no fix of the whole file per finding


def test_sarif_fixes_of_a_file(tmp_path, monkeypatch):
    isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)
    Path("m.py").write_bytes(EXTRA_SOURCES["nested-block-multiline"].encode())
    result = CliRunner().invoke(__import__("ac_fixer.cli").cli.main, ["check", "--output-format", "sarif", "m.py"])
    results = json.loads(result.stdout)["runs"][0]["results"]
    inserted = [r["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] for r in results]
    assert inserted == ["    align_corners=False,\n            ", ", align_corners=False", ", align_corners=False"]


def test_replacement_in_window_equals_the_whole_text_comparison():
    from hypothesis import given, settings as hypothesis_settings, strategies as st

    alphabet = st.sampled_from(list("ab\n(),="))

    @hypothesis_settings(max_examples=fuzz_examples(400), deadline=None)
    @given(st.text(alphabet, max_size=30), st.data())
    def check(old, data):
        start = data.draw(st.integers(0, len(old)))
        end = data.draw(st.integers(start, len(old)))
        window = data.draw(st.text(alphabet, max_size=12))
        new = old[:start] + window + old[end:]
        if new == old:
            return
        assert runner.replacement_in_window(old, start, end, window) == runner.text_replacement(old, new)

    check()

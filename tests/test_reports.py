"""``ac-fixer check`` output: text, json, sarif, github, --statistics; selection,
suppression, exit codes, stdout/stderr separation and terminal colors (docs/contract.md §3, §4).

Everything goes through the real command line (click's CliRunner, and a pseudo-terminal
for the one TTY test); a few checks call the pure report functions directly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer import report
from ac_fixer.cli import main
from ac_fixer.findings import Finding
from ac_fixer.rules import RULES

ESC = "\x1b["

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

# One finding of every code, at known places (line numbers count the HEADER's 3 lines).
EVERY_CODE = HEADER + (
    'a = F.interpolate(x, scale_factor=2, mode="bilinear")\n'  # 4: ACF001
    "b = F.grid_sample(x, grid)\n"  # 5: ACF002
    "def up(x, mode):\n"  # 6
    "    return F.interpolate(x, mode=mode)\n"  # 7: ACF003 (col 12)
    'c = F.interpolate(x, mode="nearest", align_corners=False)\n'  # 8: ACF004 (unsafe fix)
    "d = F.upsample(x, scale_factor=2)\n"  # 9: ACF101
    "e = nn.UpsamplingBilinear2d(scale_factor=2)\n"  # 10: ACF102
)
EVERY_CODE_SITES = [
    (4, 5, "ACF001"),
    (5, 5, "ACF002"),
    (7, 12, "ACF003"),
    (8, 5, "ACF004"),
    (9, 5, "ACF101"),
    (10, 5, "ACF102"),
]
ALL_CODES = ["ACF001", "ACF002", "ACF003", "ACF004", "ACF101", "ACF102"]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["check", *args], env=env, catch_exceptions=False)


def write(path: str, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def sites(json_stdout: str) -> list:
    return [(r["line"], r["column"], r["code"]) for r in json.loads(json_stdout)]


# --------------------------------------------------------------------------- text


def test_text_lists_every_finding_ruff_style_and_exits_1():
    write("m.py", EVERY_CODE)
    result = check("m.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for line, column, code in EVERY_CODE_SITES:
        assert any(text.startswith(f"m.py:{line}:{column}: {code} ") for text in lines), (code, result.stdout)
    # the fixable marker: safe fixes only (ACF004's fix is unsafe, ACF003 has none)
    assert "m.py:4:5: ACF001 [*] " in result.stdout
    assert "m.py:7:12: ACF003 `" in result.stdout
    assert "m.py:8:5: ACF004 `" in result.stdout
    assert "Found 6 errors (4 fixable with `--fix`)." in result.stdout
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in result.stdout
    assert result.stderr == ""


def test_clean_file_exits_0():
    write("m.py", HEADER + 'a = F.interpolate(x, mode="bilinear", align_corners=False)\n')
    result = check("m.py")
    assert result.exit_code == 0, result.output
    assert "All checks passed!" in result.stdout


# --------------------------------------------------------------------------- json


def test_json_records_have_the_contract_fields():
    write("pkg/m.py", EVERY_CODE)
    result = check("--output-format", "json", "pkg")
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert sites(result.stdout) == EVERY_CODE_SITES
    keys = {"path", "line", "column", "end_line", "end_column", "code", "message", "function", "mode", "fixable", "fix",
            "applicability"}
    for record in records:
        assert set(record) == keys
        assert record["path"] == os.path.join("pkg", "m.py")  # relative stays relative
    first = records[0]
    assert first["function"] == "torch.nn.functional.interpolate"
    assert first["mode"] == "bilinear"
    assert first["fixable"] is True and first["fix"] == "align_corners=False"
    assert (first["end_line"], first["end_column"]) == (4, 54)
    undecided = records[2]
    assert undecided["code"] == "ACF003" and undecided["mode"] is None
    assert undecided["fixable"] is False and undecided["fix"] is None


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_machine_output_stays_parseable_when_a_file_cannot_be_parsed(output_format):
    write("good.py", HEADER + 'a = F.interpolate(x, mode="bilinear")\n')
    write("broken.py", HEADER + "def (:\n    F.interpolate(x)\n")
    result = check("--output-format", output_format, "good.py", "broken.py")
    assert result.exit_code == 2  # a file that could not be parsed
    document = json.loads(result.stdout)  # nothing but the document on stdout
    assert "broken.py" in result.stderr and "syntax error" in result.stderr
    assert "broken.py" not in result.stdout
    if output_format == "json":
        assert [r["path"] for r in document] == ["good.py"]
    else:
        assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["ACF001"]


def test_json_stdout_with_fix_is_only_the_remaining_findings():
    write("m.py", EVERY_CODE)
    result = check("--fix", "--output-format", "json", "m.py")
    assert result.exit_code == 1  # ACF003 and ACF004 (unsafe) remain
    assert [r["code"] for r in json.loads(result.stdout)] == ["ACF003", "ACF004"]


# (--diff with --output-format json: see test_cli.py's xfail test_diff_with_json_output_keeps_stdout_one_json_array)


def test_missing_path_is_named_on_stderr_and_json_stays_clean():
    write("m.py", HEADER + 'a = F.interpolate(x, mode="bilinear")\n')
    result = check("--output-format", "json", "m.py", "nope.py")
    assert result.exit_code == 2
    assert len(json.loads(result.stdout)) == 1
    assert "nope.py" in result.stderr and "no such file" in result.stderr


# --------------------------------------------------------------------------- sarif

# A minimal subset of the SARIF 2.1.0 schema: what code scanning consumers read.
_REGION = {
    "type": "object",
    "required": ["startLine", "startColumn"],
    "properties": {
        "startLine": {"type": "integer", "minimum": 1},
        "startColumn": {"type": "integer", "minimum": 1},
        "endLine": {"type": "integer", "minimum": 1},
        "endColumn": {"type": "integer", "minimum": 1},
    },
}
_ARTIFACT_LOCATION = {
    "type": "object",
    "required": ["uri"],
    "properties": {"uri": {"type": "string", "minLength": 1}},
}
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
SARIF_SUBSET_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["$schema", "version", "runs"],
    "properties": {
        "$schema": {"type": "string", "pattern": "sarif"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "help"],
                                            "properties": {
                                                "id": {"type": "string", "pattern": "^ACF[0-9]{3}$"},
                                                "shortDescription": _MESSAGE,
                                                "fullDescription": _MESSAGE,
                                                "help": _MESSAGE,
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations"],
                            "properties": {
                                "ruleId": {"type": "string", "pattern": "^ACF[0-9]{3}$"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _MESSAGE,
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": _ARTIFACT_LOCATION,
                                                    "region": _REGION,
                                                },
                                            }
                                        },
                                    },
                                },
                                "fixes": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["artifactChanges"],
                                        "properties": {
                                            "description": _MESSAGE,
                                            "artifactChanges": {
                                                "type": "array",
                                                "minItems": 1,
                                                "items": {
                                                    "type": "object",
                                                    "required": ["artifactLocation", "replacements"],
                                                    "properties": {
                                                        "artifactLocation": _ARTIFACT_LOCATION,
                                                        "replacements": {
                                                            "type": "array",
                                                            "minItems": 1,
                                                            "items": {
                                                                "type": "object",
                                                                "required": ["deletedRegion"],
                                                                "properties": {
                                                                    "deletedRegion": _REGION,
                                                                    "insertedContent": {
                                                                        "type": "object",
                                                                        "required": ["text"],
                                                                        "properties": {"text": {"type": "string"}},
                                                                    },
                                                                },
                                                            },
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def sarif_of(*args: str) -> dict:
    result = check("--output-format", "sarif", *args)
    assert result.exit_code in (0, 1), result.output
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_sarif_structure():
    write("m.py", EVERY_CODE)
    document = sarif_of("m.py")
    assert document["$schema"].endswith("sarif-2.1.0.json")
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ac-fixer"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ALL_CODES
    for rule, doc in zip(rules, RULES):
        assert rule["help"]["text"].strip() and doc.why in rule["help"]["text"]
        assert rule["shortDescription"]["text"] == doc.summary
    results = run["results"]
    assert len(results) == len(EVERY_CODE_SITES)  # one result per finding
    for result, (line, column, code) in zip(results, EVERY_CODE_SITES):
        assert result["ruleId"] == code
        assert rules[result["ruleIndex"]]["id"] == code
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "m.py"
        assert (location["region"]["startLine"], location["region"]["startColumn"]) == (line, column)
    with_fixes = {r["ruleId"] for r in results if r.get("fixes")}
    # safe fixes only: ACF003 has none, ACF004's is unsafe
    assert with_fixes == {"ACF001", "ACF002", "ACF101", "ACF102"}


def test_sarif_validates_against_a_subset_schema():
    jsonschema = pytest.importorskip("jsonschema")
    write("m.py", EVERY_CODE)
    document = sarif_of("m.py")
    jsonschema.validate(document, SARIF_SUBSET_SCHEMA)
    # the schema can fail: a result without a location is rejected
    broken = json.loads(json.dumps(document))
    del broken["runs"][0]["results"][0]["locations"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SARIF_SUBSET_SCHEMA)


def test_sarif_with_no_findings_is_an_empty_run():
    write("m.py", "x = 1\n")
    document = sarif_of("m.py")
    assert document["runs"][0]["results"] == []
    assert [r["id"] for r in document["runs"][0]["tool"]["driver"]["rules"]] == ALL_CODES


def _offset(text: str, line: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(text) for text in lines[: line - 1]) + column - 1


def apply_sarif_fix(text: str, fix: dict) -> str:
    (change,) = fix["artifactChanges"]
    # apply from the end so earlier offsets stay valid
    replacements = sorted(
        change["replacements"],
        key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
        reverse=True,
    )
    for replacement in replacements:
        region = replacement["deletedRegion"]
        start = _offset(text, region["startLine"], region["startColumn"])
        end = _offset(text, region.get("endLine", region["startLine"]), region.get("endColumn", region["startColumn"]))
        text = text[:start] + replacement.get("insertedContent", {}).get("text", "") + text[end:]
    return text


SINGLE_FINDING_FILES = {
    "keyword": 'y = F.interpolate(x, scale_factor=2, mode="bilinear")\n',
    "positional_none": "g = F.affine_grid(theta, size, None)\n",
    "multiline_trailing_comma": 'y = F.interpolate(\n    x,\n    scale_factor=2,\n    mode="bicubic",\n)\n',
    "non_ascii_before": 's = "héllo→"; y = F.grid_sample(x, grid)  # “quoted”\n',
    "rename_import_and_call": "from torch.nn.functional import upsample\nu = upsample(x, scale_factor=2)\n",
    "deprecated_module": "m = nn.UpsamplingBilinear2d(scale_factor=2)\n",
    "crlf": 'y = F.interpolate(x, mode="trilinear")\r\nz = 1\r\n',
}


@pytest.mark.parametrize("name", sorted(SINGLE_FINDING_FILES))
def test_sarif_fix_reproduces_fix(name):
    source = HEADER + SINGLE_FINDING_FILES[name]
    path = write(f"{name}.py", "")
    path.write_bytes(source.encode("utf-8"))
    document = sarif_of(path.name)
    (result,) = document["runs"][0]["results"]
    (fix,) = result["fixes"]
    assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == path.name
    patched = apply_sarif_fix(source, fix)

    fixed = check("--fix", path.name)
    assert fixed.exit_code == 0, fixed.output
    assert patched.encode("utf-8") == path.read_bytes()
    assert patched != source


def test_sarif_uri_is_percent_encoded():
    write("my dir/a b.py", HEADER + 'y = F.interpolate(x, mode="bilinear")\n')
    document = sarif_of("my dir")
    uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20dir/a%20b.py"


# --------------------------------------------------------------------------- github

GITHUB_LINE = re.compile(
    r"^::warning file=(?P<file>[^,]*),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+),title=(?P<title>[^,:]*)::(?P<message>.*)$"
)


def _unescape(text: str) -> str:
    return (
        text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    )


def test_github_annotations():
    write("m.py", EVERY_CODE)
    result = check("--output-format", "github", "m.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(EVERY_CODE_SITES)  # nothing but the annotations
    for text, (line, column, code) in zip(lines, EVERY_CODE_SITES):
        match = GITHUB_LINE.match(text)
        assert match, text
        assert (match["file"], int(match["line"]), int(match["col"])) == ("m.py", line, column)
        assert _unescape(match["title"]) == f"ac-fixer {code}"
        assert match["message"].startswith(f"{code} ")


def test_github_escapes_properties_and_message():
    folder = "a,b:c%d"
    write(f"{folder}/x.py", HEADER + 'y = F.interpolate(x, mode=MODES["100%"])\n')
    result = check("--output-format", "github", folder)
    (line,) = result.stdout.splitlines()
    match = GITHUB_LINE.match(line)
    assert match, line
    assert match["file"] == "a%2Cb%3Ac%25d/x.py"
    assert _unescape(match["file"]) == f"{folder}/x.py"
    assert "100%25" in match["message"] and "100%\"" not in match["message"]
    assert _unescape(match["message"]).startswith("ACF003 ")


def test_github_format_escapes_newlines_in_messages():
    finding = Finding(
        path="p,q.py", line=3, column=1, end_line=4, end_column=2, code="ACF001",
        message="50% of\nthe\r\nmessage: a, b", function="f", mode=None, fixable=False, fix=None,
    )
    (line,) = report.format_github([finding]).splitlines()
    assert line == (
        "::warning file=p%2Cq.py,line=3,col=1,endLine=4,endColumn=2,title=ac-fixer ACF001"
        "::ACF001 50%25 of%0Athe%0D%0Amessage: a, b"
    )


# --------------------------------------------------------------------------- statistics


def test_statistics_counts_per_code():
    write("a.py", EVERY_CODE)
    write("b.py", HEADER + 'y = F.interpolate(x, mode="bilinear")\nz = F.interpolate(x, mode="linear")\n')
    result = check("--statistics", "a.py", "b.py")
    assert result.exit_code == 1
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(int(count), code) for count, code, _ in rows] == [
        (3, "ACF001"), (1, "ACF002"), (1, "ACF003"), (1, "ACF004"), (1, "ACF101"), (1, "ACF102"),
    ]
    names = {code: rest for _, code, rest in rows}
    assert names["ACF001"] == "[*] implicit-align-corners"
    assert names["ACF003"] == "[ ] undecidable-mode"
    assert "m.py:" not in result.stdout and "a.py" not in result.stdout  # no per-finding lines


def test_statistics_marker_matches_what_fix_applies():
    write("m.py", EVERY_CODE)
    rows = {line.split("\t")[1]: line.split("\t")[2] for line in check("--statistics", "m.py").stdout.splitlines()}
    assert rows["ACF004"].startswith("[ ]")


def test_statistics_with_exit_zero_and_no_findings():
    write("m.py", "x = 1\n")
    result = check("--statistics", "m.py")
    assert result.exit_code == 0
    assert result.stdout == ""


# --------------------------------------------------------------------------- selection


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--select", "ACF001"], ["ACF001"]),
        (["--select", "ACF001,ACF002"], ["ACF001", "ACF002"]),
        (["--select", "ACF1"], ["ACF101", "ACF102"]),
        (["--select", "ACF00"], ["ACF001", "ACF002", "ACF003", "ACF004"]),
        (["--select", "acf10"], ["ACF101", "ACF102"]),  # codes are case-insensitive
        (["--ignore", "ACF00"], ["ACF101", "ACF102"]),
        (["--ignore", "ACF003,ACF1"], ["ACF001", "ACF002", "ACF004"]),
        (["--select", "ACF0", "--ignore", "ACF002"], ["ACF001", "ACF003", "ACF004"]),
        (["--select", "ACF"], ALL_CODES),
    ],
)
def test_select_and_ignore(args, expected):
    write("m.py", EVERY_CODE)
    result = check("--output-format", "json", *args, "m.py")
    assert [r["code"] for r in json.loads(result.stdout)] == expected


def test_select_limits_what_fix_writes():
    write("m.py", EVERY_CODE)
    result = check("--fix", "--select", "ACF002", "m.py")
    assert result.exit_code == 0, result.output
    text = Path("m.py").read_text()
    assert "F.grid_sample(x, grid, align_corners=False)" in text
    assert 'F.interpolate(x, scale_factor=2, mode="bilinear")\n' in text  # ACF001 not selected: untouched
    assert "F.upsample(" in text


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_bad_code_is_a_usage_error(option):
    write("m.py", EVERY_CODE)
    result = check(option, "E501", "m.py")
    assert result.exit_code == 2
    assert "E501" in result.stderr and option in result.stderr
    assert "Traceback" not in result.output


def test_exit_zero():
    write("m.py", EVERY_CODE)
    result = check("--exit-zero", "m.py")
    assert result.exit_code == 0
    assert "Found 6 errors" in result.stdout  # still reported


def test_exit_zero_does_not_hide_errors():
    write("broken.py", "import torch.nn.functional as F\nF.interpolate(\n")
    result = check("--exit-zero", "broken.py")
    assert result.exit_code == 2
    assert "broken.py" in result.stderr


# --------------------------------------------------------------------------- suppression

NOQA_SOURCE = HEADER + (
    'a = F.interpolate(x, mode="bilinear")  # noqa: ACF001\n'  # 4 suppressed
    'b = F.interpolate(x, mode="bilinear")  # noqa: ACF001,ACF002\n'  # 5 suppressed
    'c = F.interpolate(x, mode="bilinear")  # noqa\n'  # 6 suppressed
    'd = F.interpolate(x, mode="bilinear")  # noqa: ACF002\n'  # 7 reported
    'e = F.interpolate(x, mode="bilinear")  # NOQA:ACF001\n'  # 8 suppressed
    "f = F.grid_sample(x, g)  # noqa: ACF001, ACF002\n"  # 9 suppressed
    "g = F.interpolate(  # noqa: ACF001\n"  # 10 suppressed: the line where the call starts
    '    x, mode="bilinear")\n'
    "h = F.interpolate(\n"  # 12 reported: the comment is not on the call's first line
    '    x, mode="bilinear")  # noqa: ACF001\n'
    'i = F.interpolate(x, mode="bilinear")  # noqa: E501\n'  # 14 reported: another tool's code
    "j = F.grid_sample(x, g)\n"  # 15 reported
)


def test_noqa_suppresses_reports():
    write("m.py", NOQA_SOURCE)
    result = check("--output-format", "json", "m.py")
    assert sites(result.stdout) == [(7, 5, "ACF001"), (12, 5, "ACF001"), (14, 5, "ACF001"), (15, 5, "ACF002")]


def test_noqa_suppresses_fixes():
    path = write("m.py", NOQA_SOURCE)
    result = check("--fix", "m.py")
    assert result.exit_code == 0, result.output
    fixed = path.read_text().splitlines()
    original = NOQA_SOURCE.splitlines()
    changed = [i + 1 for i, (old, new) in enumerate(zip(original, fixed)) if old != new]
    assert changed == [7, 13, 14, 15]  # line 13 holds the end of the call that starts on line 12
    assert fixed[6] == 'd = F.interpolate(x, mode="bilinear", align_corners=False)  # noqa: ACF002'
    for number in (4, 5, 6, 8, 9, 10, 11):
        assert fixed[number - 1] == original[number - 1]


def test_noqa_for_one_code_keeps_the_others_on_the_line():
    write("m.py", HEADER + 'a = F.interpolate(F.grid_sample(x, g), mode="bilinear")  # noqa: ACF002\n')
    assert sites(check("--output-format", "json", "m.py").stdout) == [(4, 5, "ACF001")]


# --------------------------------------------------------------------------- colors


def test_no_color_when_not_a_tty():
    write("m.py", EVERY_CODE)
    result = check("m.py")
    assert ESC not in result.stdout and ESC not in result.stderr


def test_force_color_shows_escape_codes():
    write("m.py", EVERY_CODE)
    write("broken.py", HEADER + "F.interpolate(\n")
    result = check("m.py", "broken.py", env={"FORCE_COLOR": "1"})
    assert f"{ESC}1;31mACF001{ESC}0m" in result.stdout
    assert f"{ESC}1m" in result.stdout
    assert f"{ESC}1;31merror{ESC}0m: broken.py" in result.stderr


def test_no_color_wins_over_force_color():
    write("m.py", EVERY_CODE)
    write("broken.py", HEADER + "F.interpolate(\n")
    result = check("m.py", "broken.py", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "ACF001" in result.stdout
    assert ESC not in result.stdout and ESC not in result.stderr


@pytest.mark.parametrize("output_format", ["json", "sarif", "github"])
def test_machine_formats_never_have_colors(output_format):
    write("m.py", EVERY_CODE)
    result = check("--output-format", output_format, "m.py", env={"FORCE_COLOR": "1"})
    assert ESC not in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("no_color", [False, True])
def test_colors_on_a_real_tty(no_color, tmp_path):
    import pty

    write("m.py", EVERY_CODE)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    if no_color:
        env["NO_COLOR"] = "1"
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "ac_fixer", "check", "--no-cache", "m.py"],
            stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
        )
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    output = b"".join(chunks).decode()
    assert "ACF001" in output
    assert (ESC in output) is (not no_color)


# --------------------------------------------------------------------------- text report unit


def test_text_report_has_no_trailing_garbage():
    assert report.format_text([]) == "All checks passed!\n"
    assert report.format_json([]) == "[]\n"
    assert report.format_github([]) == ""
    assert report.format_statistics([]) == ""


def test_check_help_lists_the_contract_flags():
    result = CliRunner().invoke(main, ["check", "--help"])
    for flag in (
        "--fix", "--diff", "--value", "--output-format", "--select", "--ignore", "--exit-zero", "--no-cache",
        "--unsafe-fixes", "--jobs", "--config", "--statistics", "--verify",
    ):
        assert flag in result.stdout

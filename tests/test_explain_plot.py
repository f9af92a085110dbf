"""``ac-fixer explain --plot FILE``: the worked example as a PNG or SVG picture (matplotlib,
the optional ``plot`` extra, imported only there; a one-line message without it)."""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from ac_fixer.cli import main

pytest.importorskip("torch")
from ac_fixer.runtime import explain  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH_PX = int(explain.PLOT_SIZE[0] * explain.PLOT_DPI)
HEIGHT_PX = int(explain.PLOT_SIZE[1] * explain.PLOT_DPI)
# The seed's worked example: what each output sample is (first signal [5, 2, 3]).
VALUES_TRUE = ["3.8", "2.6", "2.2"]
VALUES_FALSE = ["4.25", "2.75", "2.25"]


def run_explain(*args: str):
    return CliRunner().invoke(main, ["explain", *args], catch_exceptions=False)


def png_size(data: bytes) -> tuple:
    """(width, height) from the IHDR chunk, which must come first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def test_png_is_written_with_the_expected_pixel_size(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "worked.png"
    result = run_explain("--plot", str(target))
    assert result.exit_code == 0, result.output
    assert "align_corners=True:" in result.stdout  # the text explanation is still printed
    assert str(target) in result.stderr
    data = target.read_bytes()
    assert png_size(data) == (WIDTH_PX, HEIGHT_PX) == (1200, 800)
    assert data.endswith(b"IEND\xaeB`\x82")  # complete, not truncated
    assert [p.name for p in tmp_path.iterdir()] == ["worked.png"]  # no temporary file left


def test_svg_is_valid_xml_of_the_expected_size_and_carries_the_values(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "worked.SVG"  # the extension decides, in any case
    assert run_explain("--plot", str(target)).exit_code == 0
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == (f"{WIDTH_PX * 72 // 100}pt", f"{HEIGHT_PX * 72 // 100}pt")
    texts = {"".join(node.itertext()).strip() for node in root.iter("{http://www.w3.org/2000/svg}text")}
    labels = " ".join(texts)
    for value in VALUES_TRUE + VALUES_FALSE:
        assert value in labels, value
    assert "align_corners=True" in labels and "align_corners=False" in labels


def test_the_same_picture_twice_has_the_same_bytes(tmp_path):
    pytest.importorskip("matplotlib")
    example = explain.explain_example()
    explain.plot_example(example, str(tmp_path / "a.svg"))
    explain.plot_example(example, str(tmp_path / "b.svg"))
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_without_matplotlib_one_line_and_exit_2(tmp_path, monkeypatch):
    # Block the import as if matplotlib were not installed.
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    target = tmp_path / "worked.png"
    result = run_explain("--plot", str(target))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: explain --plot needs matplotlib: pip install matplotlib")
    assert "[plot]" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists()


def test_an_unknown_extension_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr(explain, "explain_example", lambda *a: pytest.fail("computed before the check"))
    result = run_explain("--plot", str(tmp_path / "worked.jpg"))
    assert result.exit_code == 2
    assert "png or .svg" in result.stderr
    assert not (tmp_path / "worked.jpg").exists()


def test_a_mode_that_is_not_1d_is_explained_as_text_only(tmp_path):
    result = run_explain("--mode", "bilinear", "--plot", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert "1-D worked example" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_a_picture_that_cannot_be_written_is_one_line(tmp_path):
    pytest.importorskip("matplotlib")
    (tmp_path / "file").write_text("not a folder")
    result = run_explain("--plot", str(tmp_path / "file" / "x.png"))
    assert result.exit_code == 2
    assert "cannot write the picture" in result.stderr and len(result.stderr.splitlines()) == 1


def test_the_lint_path_never_imports_matplotlib(tmp_path):
    import subprocess

    code = "import sys, ac_fixer.cli, ac_fixer.report; print('matplotlib' in sys.modules)"
    repo = Path(__file__).parent.parent
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo)
    assert proc.stdout.strip() == "False"

"""``ac-fixer explain``: the worked example of docs/design.md §1.5, and other modes."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from ac_fixer.runtime.explain import (  # noqa: E402
    ExplainError,
    axis_mapping,
    explain_example,
    render_explain,
)

# docs/design.md §1.5, verbatim.
WORKED_INPUT = [[5, 2, 3], [4, 10, 6], [7, 8, 9]]
WORKED_TRUE = [[5.0, 3.8, 2.6, 2.2, 2.6, 3.0], [4.0, 6.4, 8.8, 9.2, 7.6, 6.0], [7.0, 7.4, 7.8, 8.2, 8.6, 9.0]]
WORKED_FALSE = [[5.0, 4.25, 2.75, 2.25, 2.75, 3.0], [4.0, 5.5, 8.5, 9.0, 7.0, 6.0], [7.0, 7.25, 7.75, 8.25, 8.75, 9.0]]


def _approx_rows(rows):
    return [pytest.approx(row, abs=1e-5) for row in rows]


def test_default_is_the_worked_example():
    example = explain_example()
    assert (example.mode, example.scale) == ("linear", 2.0)
    assert example.input == WORKED_INPUT
    assert example.output_true == _approx_rows(WORKED_TRUE)
    assert example.output_false == _approx_rows(WORKED_FALSE)
    assert example.max_abs_change == pytest.approx(0.9)  # 5.5 vs 6.4 in the middle row


def test_default_text_shows_the_worked_numbers_as_design_writes_them():
    text = render_explain()
    assert text == render_explain("linear", 2)
    for row in WORKED_TRUE + WORKED_FALSE:
        assert "[" + ", ".join(str(v) for v in row) + "]" in text
    blocks = {block.splitlines()[0]: block.splitlines()[1:] for block in text.split("\n\n")}
    assert blocks["input, as a 1x3x3 tensor: 3 channels, each a 1-D signal of 3 samples:"] == [
        "  [5.0, 2.0, 3.0]",
        "  [4.0, 10.0, 6.0]",
        "  [7.0, 8.0, 9.0]",
    ]
    assert blocks["align_corners=True:"] == ["  [" + ", ".join(map(str, row)) + "]" for row in WORKED_TRUE]
    assert blocks["align_corners=False (what leaving it out computes):"] == [
        "  [" + ", ".join(map(str, row)) + "]" for row in WORKED_FALSE
    ]


def test_worked_example_source_coordinates():
    axis = explain_example().axis
    assert (axis.in_size, axis.out_size) == (3, 6)
    assert axis.source_true == pytest.approx([0.0, 0.4, 0.8, 1.2, 1.6, 2.0])
    assert axis.source_false == pytest.approx([-0.25, 0.25, 0.75, 1.25, 1.75, 2.25])
    text = render_explain()
    assert "x_src, True" in text and "x_src, False" in text
    true_row = next(line for line in text.splitlines() if line.strip().startswith("x_src, True"))
    false_row = next(line for line in text.splitlines() if line.strip().startswith("x_src, False"))
    assert true_row.split()[2:] == ["0.0", "0.4", "0.8", "1.2", "1.6", "2.0"]
    assert false_row.split()[2:] == ["-0.25*", "0.25", "0.75", "1.25", "1.75", "2.25*"]


def _linear_from_coordinates(row, sources):
    """Linear interpolation of ``row`` at ``sources``, read as torch's linear modes read it."""
    last = len(row) - 1
    values = []
    for x in sources:
        x = min(max(x, 0.0), last)
        left = math.floor(x)
        right = min(left + 1, last)
        weight = x - left
        values.append(row[left] * (1 - weight) + row[right] * weight)
    return values


@pytest.mark.parametrize("scale", [2.0, 1.5, 3.0, 0.7])
def test_coordinates_explain_what_torch_computes(scale):
    example = explain_example("linear", scale)
    for row, with_true, with_false in zip(example.input, example.output_true, example.output_false):
        assert with_true == pytest.approx(_linear_from_coordinates(row, example.axis.source_true), abs=1e-5)
        assert with_false == pytest.approx(_linear_from_coordinates(row, example.axis.source_false), abs=1e-5)


def test_bilinear_is_separable_linear_on_the_worked_matrix():
    example = explain_example("bilinear")
    assert example.input == WORKED_INPUT
    assert len(example.output_false) == 6 and all(len(row) == 6 for row in example.output_false)
    # rows first (the worked 1-D example), then columns with the same mapping
    for flag, rows, sources in (
        (True, WORKED_TRUE, example.axis.source_true),
        (False, WORKED_FALSE, example.axis.source_false),
    ):
        columns = [_linear_from_coordinates([r[c] for r in rows], sources) for c in range(6)]
        expected = [[columns[c][r] for c in range(6)] for r in range(6)]
        actual = example.output_true if flag else example.output_false
        assert actual == _approx_rows(expected)


def test_picture_lines_up_corners_only_for_true():
    lines = render_explain().splitlines()
    ruler = next(line for line in lines if "|" in line and "o" in line and "pixel edges" not in line)
    centers = [i for i, ch in enumerate(ruler) if ch == "o"]
    assert len(centers) == 3
    true_line = next(line for line in lines if line.startswith("  align_corners=True ") and line.rstrip()[-1] == "5")
    false_line = next(line for line in lines if line.startswith("  align_corners=False ") and line.rstrip()[-1] == "5")
    # True: first and last output samples sit on the first and last input samples
    assert true_line.index("0", len("  align_corners=True")) == centers[0]
    assert true_line.index("5") == centers[-1]
    # False: they sit a quarter pixel outside
    assert false_line.index("0", len("  align_corners=False")) < centers[0]
    assert false_line.index("5") > centers[-1]


def test_advice_says_false_keeps_and_true_changes():
    text = render_explain()
    assert "align_corners=False keeps exactly what your program computes today" in text
    assert "changes the output (on this input by up to 0.9)" in text
    assert "--value true" in text


def test_other_scale_uses_the_scale_in_the_false_formula():
    axis = explain_example("linear", 1.5).axis
    assert axis.out_size == 4
    assert axis.source_false == pytest.approx([(x + 0.5) / 1.5 - 0.5 for x in range(4)])
    assert axis.source_true == pytest.approx([0.0, 2 / 3, 4 / 3, 2.0])
    assert axis_mapping(3, 1 / 3).source_true == (0.0,)  # one output sample reads the first input


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_two_d_modes_match_torch(mode):
    example = explain_example(mode, 2)
    image = torch.tensor([[WORKED_INPUT]], dtype=torch.float32)
    for flag, output in ((True, example.output_true), (False, example.output_false)):
        expected = torch.nn.functional.interpolate(image, scale_factor=2, mode=mode, align_corners=flag)[0, 0]
        assert output == _approx_rows(expected.tolist())
    assert "one 3x3 image" in render_explain(mode)


def test_trilinear_is_a_small_volume():
    example = explain_example("trilinear")
    assert len(example.output_true) == 4  # 2x2x2 -> 4x4x4
    assert example.output_true[0][0] == pytest.approx([1.0, 4 / 3, 5 / 3, 2.0], abs=1e-5)
    assert example.output_false[0][0] == pytest.approx([1.0, 1.25, 1.75, 2.0], abs=1e-5)
    text = render_explain("trilinear")
    assert "depth 3:" in text and "one 2x2x2 volume" in text


def test_lanczos_shows_that_true_raises():
    example = explain_example("lanczos")
    assert isinstance(example.output_true, str) and "ValueError" in example.output_true
    assert isinstance(example.output_false, list)
    text = render_explain("lanczos")
    assert "x_src, True" not in text and "x_src, False" in text


@pytest.mark.parametrize("mode", ["nearest", "area", "nearest-exact"])
def test_modes_without_the_flag_are_rejected(mode):
    with pytest.raises(ExplainError, match=f"mode '{mode}' does not take align_corners"):
        render_explain(mode)


@pytest.mark.parametrize(
    "mode, scale, message",
    [
        ("cubic", None, "unknown mode 'cubic'"),
        ("linear", 0, "scale must be"),
        ("linear", -2, "scale must be"),
        ("linear", float("nan"), "scale must be"),
        ("linear", 100, "scale must be"),
        ("linear", 0.2, "leaves no output sample"),
    ],
)
def test_bad_requests_are_clear_errors(mode, scale, message):
    with pytest.raises(ExplainError, match=message):
        render_explain(mode, scale)
    assert issubclass(ExplainError, ValueError)

"""``ac-fixer explain``: what ``align_corners`` does, shown on a tiny input.

With no arguments it reproduces the worked example of docs/design.md §1.5: the
3x3 matrix ``[[5,2,3],[4,10,6],[7,8,9]]`` as a 1x3x3 tensor (three 1-D signals),
``mode="linear"``, ``scale_factor=2``. Both outputs are computed by torch; the
source coordinates come from the formulas torch uses:

- ``align_corners=True``:  ``x_src = x_out * (in - 1) / (out - 1)``
- ``align_corners=False``: ``x_src = (x_out + 0.5) / scale - 0.5`` (read at >= 0
  for the linear modes; a coordinate past the last sample reads the last sample)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ac_fixer.catalog import default_catalog
from ac_fixer.runtime._torch import import_torch

WORKED_INPUT = ((5.0, 2.0, 3.0), (4.0, 10.0, 6.0), (7.0, 8.0, 9.0))
SMALL_VOLUME = (((1.0, 2.0), (3.0, 4.0)), ((5.0, 6.0), (7.0, 8.0)))
DEFAULT_MODE = "linear"
DEFAULT_SCALE = 2.0
MAX_SCALE = 4.0
PICTURE_LIMIT = 40  # output samples per axis beyond which the picture is left out
MARKS = "0123456789abcdefghijklmnopqrstuvwxyz"
ROW_TITLE = 22  # width of the row titles in the table and the picture


def explained_modes() -> tuple[str, ...]:
    """The modes explain can show: those that use the flag and have an input rank (catalog)."""
    catalog = default_catalog()
    return tuple(m for m, facts in catalog.modes.items() if facts.uses_flag and facts.rank)


def spatial_dims(mode: str) -> int:
    """Spatial dimensions of a mode's input (its catalog rank less batch and channels)."""
    return default_catalog().modes[mode].rank - 2


def outside_text(mode: str) -> str:
    """What ``mode`` reads at a source coordinate outside the input ({last}: last index)."""
    return default_catalog().modes[mode].edge


class ExplainError(ValueError):
    """A mode or scale ``explain`` cannot show; the message says why."""


@dataclass(frozen=True)
class Axis:
    """Where the output samples along one spatial axis read the input."""

    in_size: int
    out_size: int
    source_true: tuple[float, ...]
    source_false: tuple[float, ...]  # before clamping


@dataclass(frozen=True)
class Example:
    mode: str
    scale: float
    input: Any  # nested lists, batch (and for 2-D/3-D channel) dimensions removed
    output_true: Any  # nested lists, or the error text torch raised
    output_false: Any
    axis: Axis
    max_abs_change: float | None


# --------------------------------------------------------------------------- computing


def source_true(x_out: int, in_size: int, out_size: int) -> float:
    return x_out * (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0


def source_false(x_out: int, scale: float) -> float:
    return (x_out + 0.5) / scale - 0.5


def axis_mapping(in_size: int, scale: float) -> Axis:
    out_size = math.floor(in_size * scale)
    return Axis(
        in_size=in_size,
        out_size=out_size,
        source_true=tuple(source_true(x, in_size, out_size) for x in range(out_size)),
        source_false=tuple(source_false(x, scale) for x in range(out_size)),
    )


def check_request(mode: str, scale: float) -> None:
    catalog = default_catalog()
    if mode in catalog.modes_rejecting_flag:
        raise ExplainError(
            f"mode {mode!r} does not take align_corners: torch raises ValueError when it is passed "
            f"(even False), so there is nothing to choose; modes that use the flag: "
            f"{', '.join(sorted(catalog.modes_using_flag))}"
        )
    if mode not in explained_modes():
        raise ExplainError(f"unknown mode {mode!r}; choose one of {', '.join(explained_modes())}")
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and 0 < scale <= MAX_SCALE):
        raise ExplainError(f"scale must be a number in (0, {MAX_SCALE:g}], got {scale!r}")


def example_input(torch: Any, mode: str) -> Any:
    dims = spatial_dims(mode)
    if dims == 1:
        return torch.tensor([WORKED_INPUT])  # 1x3x3: three 1-D signals of length 3
    if dims == 2:
        return torch.tensor([[WORKED_INPUT]])  # 1x1x3x3: one 3x3 image
    return torch.tensor([[SMALL_VOLUME]])  # 1x1x2x2x2


def interpolate_example(torch: Any, tensor: Any, mode: str, scale: float, align_corners: bool) -> Any:
    options = {"antialias": True} if mode in default_catalog().modes_requiring_antialias else {}
    try:
        return torch.nn.functional.interpolate(
            tensor, scale_factor=scale, mode=mode, align_corners=align_corners, **options
        )
    except (ValueError, RuntimeError) as error:
        return f"raises {type(error).__name__}: {error}"


def _strip(tensor: Any, mode: str) -> Any:
    """Nested lists without the batch (and, for 2-D/3-D, the single channel) dimension."""
    value = tensor[0] if spatial_dims(mode) == 1 else tensor[0, 0]
    return value.tolist()


def explain_example(mode: str | None = None, scale: float | None = None) -> Example:
    """The numbers ``render_explain`` shows, computed by torch."""
    mode = DEFAULT_MODE if mode is None else mode.lower()
    scale = DEFAULT_SCALE if scale is None else scale
    check_request(mode, scale)
    torch = import_torch()
    tensor = example_input(torch, mode)
    in_size = tensor.shape[-1]
    if math.floor(in_size * scale) < 1:
        raise ExplainError(f"scale {scale:g} leaves no output sample from {in_size} input samples")
    with_true = interpolate_example(torch, tensor, mode, scale, True)
    with_false = interpolate_example(torch, tensor, mode, scale, False)
    change = None
    if not isinstance(with_true, str) and not isinstance(with_false, str):
        change = float((with_true.double() - with_false.double()).abs().max())
    return Example(
        mode=mode,
        scale=float(scale),
        input=_strip(tensor, mode),
        output_true=with_true if isinstance(with_true, str) else _strip(with_true, mode),
        output_false=with_false if isinstance(with_false, str) else _strip(with_false, mode),
        axis=axis_mapping(in_size, scale),
        max_abs_change=change,
    )


# --------------------------------------------------------------------------- rendering


def fmt(value: float) -> str:
    """4 decimals at most, trailing zeros dropped but one kept: 3.8, 4.25, 5.0."""
    text = f"{value:.4f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return "0.0" if text == "-0.0" else text


def format_values(values: Any, indent: str = "  ") -> list[str]:
    """Rows of a nested list: 1-D rows as ``[a, b]``, 3-D volumes slice by slice."""
    if isinstance(values, str):
        return [indent + values]
    if values and isinstance(values[0], list) and values[0] and isinstance(values[0][0], list):
        lines = []
        for depth, plane in enumerate(values):
            lines.append(f"{indent}depth {depth}:")
            lines.extend(format_values(plane, indent + "  "))
        return lines
    return [indent + "[" + ", ".join(fmt(v) for v in row) + "]" for row in values]


def _column(position: float, unit: int) -> int:
    return round((position + 0.5) * unit)


def _place(line: list[str], column: int, mark: str) -> None:
    if 0 <= column < len(line):
        line[column] = mark if line[column] == " " else "*"


def picture(axis: Axis, *, with_true: bool = True) -> list[str]:
    """The input samples on one axis and where each output sample reads it."""
    if axis.out_size > PICTURE_LIMIT:
        return [f"  (picture left out: {axis.out_size} output samples)"]
    unit = max(12, 3 * math.ceil(axis.out_size / axis.in_size))
    width = axis.in_size * unit + 1
    labels, ruler = [" "] * width, [" "] * width
    for i in range(axis.in_size + 1):
        ruler[_column(i - 0.5, unit)] = "|"
    for i in range(axis.in_size):
        labels[_column(i, unit)] = str(i)[-1]
        ruler[_column(i, unit)] = "o"
    lines = [
        f"  {'':<{ROW_TITLE}}" + "".join(labels) + "   input samples (o) and pixel edges (|)",
        f"  {'':<{ROW_TITLE}}" + "".join(ruler),
    ]
    rows = {"True": axis.source_true, "False": axis.source_false} if with_true else {"False": axis.source_false}
    for flag, sources in rows.items():
        line = [" "] * width
        for x_out, x_src in enumerate(sources):
            _place(line, _column(x_src, unit), MARKS[x_out % len(MARKS)])
        lines.append(f"  {'align_corners=' + flag:<{ROW_TITLE}}" + "".join(line).rstrip())
    lines.append("  (each digit is an output sample's index, drawn at the input position it reads)")
    return lines


def coordinate_table(axis: Axis, mode: str, *, with_true: bool = True) -> list[str]:
    def row(title: str, cells: Sequence[str]) -> str:
        return f"  {title:<{ROW_TITLE}}" + "".join(f"{c:>9}" for c in cells)

    last = axis.in_size - 1
    marked = [fmt(x) + ("*" if x < 0 or x > last else "") for x in axis.source_false]
    lines = [row("x_out", [str(x) for x in range(axis.out_size)])]
    if with_true:
        lines.append(row("x_src, True", [fmt(x) for x in axis.source_true]))
    lines.append(row("x_src, False", marked))
    if any(cell.endswith("*") for cell in marked):
        lines.append(f"  * outside the input (0 to {last}): {outside_text(mode).format(last=last)}")
    return lines


def advice(example: Example) -> str:
    change = (
        f" (on this input by up to {fmt(example.max_abs_change)})" if example.max_abs_change is not None else ""
    )
    return (
        "Which to choose: leaving align_corners out (or passing None) already means False -- in every "
        "torch since 0.4.0 for interpolate and since 1.3.0 for grid_sample/affine_grid. So "
        "align_corners=False keeps exactly what your program computes today (the same kernel runs, bit "
        "for bit); it is what `ac-fixer check --fix` writes. align_corners=True lines up the corner "
        f"samples instead and changes the output{change}: it restores the behavior of torch <= 0.3.1 "
        "(interpolate) or <= 1.2 (grid_sample). Choose True only on purpose -- e.g. a model trained "
        "with it -- with `--value true`, and re-check the model's accuracy afterwards."
    )


def _shape_words(example: Example) -> str:
    dims = spatial_dims(example.mode)
    return {
        1: "as a 1x3x3 tensor: 3 channels, each a 1-D signal of 3 samples",
        2: "as a 1x1x3x3 tensor: one 3x3 image",
        3: "as a 1x1x2x2x2 tensor: one 2x2x2 volume",
    }[dims]


def render_example(example: Example) -> str:
    axis = example.axis
    with_true = not isinstance(example.output_true, str)
    every_axis = "" if spatial_dims(example.mode) == 1 else " (the same along every spatial axis)"
    lines = [
        f'mode="{example.mode}", scale_factor={fmt(example.scale)}: '
        f"{axis.in_size} input samples -> {axis.out_size} output samples per axis",
        "",
        f"input, {_shape_words(example)}:",
        *format_values(example.input),
        "",
        "align_corners=True:",
        *format_values(example.output_true),
        "",
        "align_corners=False (what leaving it out computes):",
        *format_values(example.output_false),
        "",
        f"where each output sample reads the input{every_axis}:",
        "  align_corners=True:  x_src = x_out * (in - 1) / (out - 1)   corners line up",
        "  align_corners=False: x_src = (x_out + 0.5) / scale - 0.5   pixel areas line up",
        *coordinate_table(axis, example.mode, with_true=with_true),
        "",
        *picture(axis, with_true=with_true),
        "",
        advice(example),
    ]
    return "\n".join(lines) + "\n"


def render_explain(mode: str | None = None, scale: float | None = None) -> str:
    """The text of ``ac-fixer explain``; raises :class:`ExplainError` for a mode without the flag."""
    return render_example(explain_example(mode, scale))


# --------------------------------------------------------------------------- the picture

PLOT_FORMATS = {".png": "png", ".svg": "svg"}
PLOT_SIZE = (12.0, 8.0)  # inches
PLOT_DPI = 100  # a PNG is PLOT_SIZE * PLOT_DPI pixels: 1200 x 800
PLOT_COLORS = {"input": "#222222", "True": "#1f77b4", "False": "#d95f02"}


class PlotUnavailable(ExplainError):
    """matplotlib is not installed; the message says how to get it."""


def plot_format(path: str) -> str:
    """``png`` or ``svg`` from the file name's extension; ExplainError otherwise."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in PLOT_FORMATS:
        raise ExplainError(f"--plot {path!r}: the picture is written as .png or .svg, by the file's extension")
    return PLOT_FORMATS[suffix]


def _interpolant(values: Sequence[float], x: float) -> float:
    """What the linear modes read at source coordinate ``x`` (clamped to the edge samples)."""
    x = min(max(x, 0.0), len(values) - 1.0)
    left = min(int(math.floor(x)), len(values) - 2) if len(values) > 1 else 0
    if len(values) == 1:
        return values[0]
    weight = x - left
    return values[left] * (1 - weight) + values[left + 1] * weight


def plot_example(example: Example, path: str) -> None:
    """Draw ``example`` (a 1-D mode) to ``path`` (PNG or SVG, by extension), atomically.

    One row per input signal, one column per flag value. Each panel shows the input
    samples (circles, at their pixel centres, pixel edges as grey lines), the line the
    linear mode reads along (flat past the edge samples), and where each output sample
    reads the input (its index, marker and value). matplotlib is imported only here.
    """
    output_format = plot_format(path)
    if spatial_dims(example.mode) != 1 or isinstance(example.output_true, str):
        raise ExplainError(
            f"--plot draws the 1-D worked example (mode linear); mode {example.mode!r} is shown as text only"
        )
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotUnavailable(
            "explain --plot needs matplotlib: pip install matplotlib (or, from a checkout, pip install -e '.[plot]')"
        ) from None
    import io

    from ac_fixer.files import write_report

    axis = example.axis
    rows = len(example.input)
    figure = Figure(figsize=PLOT_SIZE, dpi=PLOT_DPI, layout="constrained")
    figure.suptitle(
        f'F.interpolate(x, scale_factor={fmt(example.scale)}, mode="{example.mode}"): '
        f"{axis.in_size} input samples -> {axis.out_size} output samples, x = {example.input}",
        fontsize=11,
    )
    panels = figure.subplots(rows, 2, sharex=True, squeeze=False)
    columns = (
        ("True", axis.source_true, example.output_true, "x_src = x_out * (in - 1) / (out - 1): corners line up"),
        ("False", axis.source_false, example.output_false, "x_src = (x_out + 0.5) / scale - 0.5: pixel areas line up"),
    )
    low, high = -0.5, axis.in_size - 0.5
    for column, (flag, sources, outputs, formula) in enumerate(columns):
        color = PLOT_COLORS[flag]
        for row in range(rows):
            ax = panels[row][column]
            values = example.input[row]
            for edge in range(axis.in_size + 1):
                ax.axvline(edge - 0.5, color="#bbbbbb", linewidth=1, zorder=0)
            xs = [low] + [float(i) for i in range(axis.in_size)] + [high]
            ax.plot(xs, [_interpolant(values, x) for x in xs], color="#999999", linewidth=1, zorder=1)
            ax.scatter(range(axis.in_size), values, s=140, color=PLOT_COLORS["input"], zorder=3,
                       label="input sample")
            for i, v in enumerate(values):
                ax.annotate(fmt(v), (i, v), textcoords="offset points", xytext=(0, 10), ha="center",
                            fontsize=10, fontweight="bold", color=PLOT_COLORS["input"])
            out = outputs[row]
            ax.scatter(sources, out, s=60, marker="D", color=color, zorder=4, label="output sample (index: value)")
            for x_out, (x_src, v) in enumerate(zip(sources, out)):
                ax.vlines(x_src, 0, v, colors=color, linestyles="dotted", linewidth=1, zorder=2)
                ax.annotate(f"{x_out}: {fmt(v)}", (x_src, v), textcoords="offset points", xytext=(0, -17),
                            ha="center", fontsize=8, color=color,
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
            top = max(max(values), max(out))
            ax.set_ylim(0, top * 1.25 + 1)
            ax.set_xlim(low - 0.1, high + 0.1)
            ax.set_xticks(range(axis.in_size))
            ax.set_ylabel(f"signal {row}")
            if row == 0:
                ax.set_title(f"align_corners={flag}\n{formula}", fontsize=10, color=color)
            if row == rows - 1:
                ax.set_xlabel("input coordinate (grey lines: pixel edges)")
    panels[0][1].legend(loc="upper right", fontsize=8)
    buffer = io.BytesIO()
    # SVG text stays text (searchable, and the values can be copied), not outlines; the
    # SVG's element ids are fixed (no random salt): the same picture has the same bytes.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "ac-fixer"}):
        figure.savefig(buffer, format=output_format, dpi=PLOT_DPI, metadata=_plot_metadata(output_format))
    write_report(Path(path), buffer.getvalue())


def _plot_metadata(output_format: str) -> dict:
    """No creation date in the file, so the same picture has the same bytes."""
    return {"Date": None} if output_format == "svg" else {"Software": None}

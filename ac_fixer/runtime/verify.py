"""The runtime check: replay each site as written and as patched, compare bitwise.

For an ACF001/ACF002 site the call is replayed with ``align_corners`` left out
(as written) and with ``align_corners=value`` (as patched); for an ACF101/ACF102
site the deprecated call is compared with the call the rewrite produces.

Arguments come from the source only when the analysis read them as literals
(:class:`~ac_fixer.findings.CallArgument` ``value``). Everything else --
tensors always, and any ``NOT_LITERAL`` value -- is synthesized here. Nothing
from the source is evaluated and the user's module is never imported; an
argument's ``source`` text is not read at all.
"""

from __future__ import annotations

import importlib
import json
import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ac_fixer.catalog import (
    DEPRECATED_ALIAS,
    DEPRECATED_FIXED_MODE,
    FLAG,
    MISSING_FLAG,
    MISSING_FLAG_EVERY_MODE,
    MODE,
    REJECTED_FLAG,
    UNKNOWN_MODE,
    BUILTIN,
    Catalog,
    Target,
    default_catalog,
)
from ac_fixer.findings import NOT_LITERAL, CallArgument, Finding
from ac_fixer.runtime._torch import (
    DeviceUnavailable,
    RuntimeUnavailable,
    TorchMissing,
    import_torch,
    select_device,
    torch_version,
)

__all__ = [
    "VerifyResult",
    "verify_findings",
    "format_verify_text",
    "format_verify_json",
    "verify_exit_code",
    "confirmed_sites",
    "select_device",
    "DeviceUnavailable",
    "RuntimeUnavailable",
    "TorchMissing",
]

EQUAL = "equal"
DIFFERS = "differs"
ERROR = "error"
SKIPPED = "skipped"

FLAG_CODES = frozenset({MISSING_FLAG, MISSING_FLAG_EVERY_MODE})
REWRITE_CODES = frozenset({DEPRECATED_ALIAS, DEPRECATED_FIXED_MODE})

# The input rank each mode takes, the modes grid_sample takes and the devices a mode
# runs on are catalog facts (catalog.toml's [mode.*] tables and rows).
PADDING_MODES = ("zeros", "border", "reflection")
SYNTHESIZED_SCALE = 2

# Synthesized input shapes: (batch, channels, spatial sizes, channels_last).
# Odd and even spatial sizes, batch > 1; channels_last where torch has it.
RESAMPLE_SHAPES = {
    3: ((1, 3, (5,), False), (2, 2, (8,), False)),
    4: ((1, 3, (5, 7), False), (2, 3, (8, 6), False), (2, 4, (7, 4), True)),
    5: ((1, 2, (3, 5, 4), False), (2, 2, (4, 3, 6), False), (2, 3, (3, 4, 5), True)),
}
# grid_sample: (input shape, grid spatial sizes, channels_last).
GRID_SAMPLE_SHAPES = {
    4: (((1, 3, 5, 7), (4, 6), False), ((2, 3, 8, 6), (5, 5), True)),
    5: (((2, 2, 3, 4, 5), (2, 3, 4), False),),
}
AFFINE_GRID_SIZES = ((1, 3, 5, 7), (2, 3, 8, 6), (2, 2, 3, 4, 5))
GRID_REACH = 1.1  # grid coordinates in [-1.1, 1.1]: some land outside, so padding matters
# The per-site budget (``verify --max-elements/--max-seconds``): no synthesized or literal
# input or output of a replayed call may hold more elements (checked before anything is
# allocated), and a site stops at the first input that starts after its time is up. One
# float32 output of 4M elements is 16 MB; a case holds an input, two outputs and, when they
# differ, two float64 copies: about 110 MB at most.
DEFAULT_MAX_ELEMENTS = 1 << 22
DEFAULT_MAX_SECONDS = 10.0


NOT_REPLAYED = {
    UNKNOWN_MODE: "mode unknown statically: no fix to replay (`ac-fixer audit` records the modes that occur)",
    REJECTED_FLAG: "the fix removes (lanczos: sets to False) an align_corners that makes the call raise: nothing to compare",
}


class CannotReplay(Exception):
    """The site cannot be replayed; the message says why (reported as ``skipped``)."""


class OverBudget(CannotReplay):
    """Replaying the site would exceed its budget of elements or time (``skipped``)."""


@dataclass(frozen=True)
class Budget:
    """What one site may cost: elements per tensor, seconds of replay."""

    max_elements: int = DEFAULT_MAX_ELEMENTS
    max_seconds: float = DEFAULT_MAX_SECONDS


# --------------------------------------------------------------------------- results


@dataclass
class VerifyResult:
    path: str
    line: int
    column: int
    code: str
    function: str
    status: str
    max_abs_diff: float | None
    device: str
    dtype: str | None
    detail: str
    cell: int | None = None
    original_warned: bool | None = None
    patched_warned: bool | None = None
    # True where a difference is the point (``value=True`` on ACF001/ACF002).
    expected_change: bool = False
    # The synthesized inputs the site was replayed with, e.g. "mode=bilinear input 2x3x8x6 ...".
    cases: tuple[str, ...] = field(default=(), repr=False)

    def key(self) -> tuple:
        """Matches :meth:`site_key` of the finding this result belongs to."""
        return (self.path, self.cell, self.line, self.column, self.code)

    @property
    def failed(self) -> bool:
        return self.status == ERROR or (self.status == DIFFERS and not self.expected_change)

    def to_json(self) -> dict:
        record = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "function": self.function,
            "status": self.status,
            "max_abs_diff": _json_number(self.max_abs_diff),
            "device": self.device,
            "dtype": self.dtype,
            "detail": self.detail,
            "original_warned": self.original_warned,
            "patched_warned": self.patched_warned,
        }
        if self.cell is not None:
            record["cell"] = self.cell
        return record


def _json_number(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def site_key(finding: Finding) -> tuple:
    return (finding.path, finding.cell, finding.line, finding.column, finding.code)


def confirmed_sites(results: Iterable[VerifyResult]) -> set[tuple]:
    """Keys (see :func:`site_key`) of sites the runtime check confirmed: every result of
    the site (one per dtype) is ``equal``, or an expected ``value=True`` change."""
    results = list(results)
    unconfirmed = {r.key() for r in results if r.status in (ERROR, SKIPPED) or r.failed}
    return {r.key() for r in results} - unconfirmed


def equal_sites(results: Iterable[VerifyResult]) -> set[tuple]:
    """Keys of sites whose every result is ``equal``: the fix keeps what the call computes
    (what ``check --fix --verify`` writes; an expected ``value=True`` change is not equal)."""
    results = list(results)
    not_equal = {r.key() for r in results if r.status != EQUAL}
    return {r.key() for r in results} - not_equal


def verify_exit_code(results: Iterable[VerifyResult]) -> int:
    """1 when a site errored or differed unexpectedly (a ``value=True`` change is expected)."""
    return 1 if any(r.failed for r in results) else 0


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Call:
    """A catalogued torch callable and the keywords added on top of the site's own."""

    name: str
    kind: str
    extra: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Plan:
    family: str  # "resample", "grid_sample" or "affine_grid"
    original: Call
    patched: Call
    arguments: Mapping[str, Any]  # parameter name -> literal value or NOT_LITERAL
    modes: tuple[str | None, ...]
    expected_change: bool
    change: str  # what the patch does, for messages: "align_corners=False", "the rewrite to ..."
    pass_mode: bool  # the original API takes a mode argument (pass the mode explicitly)
    mode_keyword: str = MODE  # the keyword the API takes its mode as (kornia: interpolation)
    flag_keyword: str = FLAG


def _call_text(call: Call) -> str:
    short = call.name.rsplit(".", 1)[-1]
    extra = ", ".join(f"{k}={v!r}" for k, v in call.extra)
    return f"{short}({extra})" if extra else short


def bind_arguments(arguments: Sequence[CallArgument], params: Sequence[str]) -> dict[str, Any]:
    """Parameter name -> value (literal or NOT_LITERAL), positions mapped through ``params``."""
    bound: dict[str, Any] = {}
    positional = 0
    for argument in arguments:
        if argument.keyword in ("*", "**"):
            raise CannotReplay("arguments are unpacked with * or **; their positions are unknown")
        if argument.keyword is None:
            if positional >= len(params):
                raise CannotReplay(f"more positional arguments than the {len(params)} the API takes")
            name = params[positional]
            positional += 1
        else:
            name = argument.keyword
            if name not in params:
                raise CannotReplay(f"{name!r} is not a parameter of this API")
        if name in bound:
            raise CannotReplay(f"{name!r} is passed twice")
        bound[name] = argument.value
    return bound


def family_of(target: Target) -> str:
    if "theta" in target.params:
        return "affine_grid"
    if "grid" in target.params:
        return "grid_sample"
    return "resample"


def site_modes(finding: Finding, target: Target, arguments: Mapping[str, Any], family: str) -> tuple:
    """The modes to replay: the literal mode, else those the analysis resolved."""
    if target.mode_param is None or target.mode_param.keyword not in arguments:
        return (target.default_mode,)
    written = arguments[target.mode_param.keyword]
    if written is not NOT_LITERAL:
        return (written,)
    if finding.modes:
        return tuple(finding.modes)
    if finding.mode is not None:
        return (finding.mode,)
    if family == "grid_sample":
        return target.modes  # ACF002 holds for every mode: try them all
    raise CannotReplay("mode unknown: not a literal and not resolved statically")


def check_modes(modes: Sequence[Any], family: str, catalog: Catalog, target: Target | None = None) -> None:
    known = set(target.modes) if family == "grid_sample" and target is not None else catalog.known_modes()
    for mode in modes:
        if family == "affine_grid" and mode is None:
            continue
        if not isinstance(mode, str) or mode not in known:
            raise CannotReplay(f"mode {mode!r} unknown: cannot tell which input to build")


def rewrite_call(finding: Finding, target: Target, catalog: Catalog) -> Call:
    """The call an ACF101/ACF102 rewrite produces, taken from the finding or the catalog."""
    name = finding.rewrite_to
    keywords = tuple(finding.rewrite_keywords)
    if name is None and target.rename_to:
        name = target.rename_to
    elif name is None and target.replace_with:
        replacement = target.replace_with
        name = replacement.name
        keywords = ((MODE, replacement.mode),)
        if replacement.align_corners is not None:
            keywords += ((FLAG, replacement.align_corners),)
    rewritten = catalog.lookup(name) if name else None
    if rewritten is None:
        raise CannotReplay(f"rewrite target {name!r} is not a catalogued torch API")
    for keyword, _ in keywords:
        if keyword not in rewritten.params:
            raise CannotReplay(f"rewrite keyword {keyword!r} is not a parameter of {rewritten.name}")
    return Call(rewritten.name, rewritten.kind, keywords)


def rests_on_evidence(finding: Finding) -> bool:
    """An ACF003 site made fixable by an audit report (``check --evidence``): replayed like
    ACF001 with the modes the audit saw there."""
    return finding.code == UNKNOWN_MODE and finding.fixable and "evidence" in finding.extra


def plan_wrapper_site(finding: Finding, wrapper: Target, value: bool, catalog: Catalog) -> Plan:
    """A call of a wrapper (inferred, or an ``extend-targets`` row with ``reaches``): the
    torch call it reaches, rebuilt with the call site's mode and synthesized everything else
    (the wrapper is never imported or run; it passes mode and align_corners on unchanged)."""
    reached = catalog.lookup(wrapper.reaches)
    if reached is None or reached.reaches is not None:
        raise CannotReplay(f"{wrapper.reaches} (what {wrapper.name} reaches) is not a catalogued torch API")
    if finding.code not in FLAG_CODES and not rests_on_evidence(finding):
        raise CannotReplay(NOT_REPLAYED.get(finding.code, f"{finding.code} has no fix to replay"))
    family = family_of(reached)
    if finding.modes:
        modes = tuple(finding.modes)
    elif finding.mode is not None:
        modes = (finding.mode,)
    elif family == "grid_sample":
        modes = reached.modes  # the wrapper picks grid_sample's mode: try them all
    elif wrapper.every_mode or wrapper.mode_param is None:
        modes = (reached.default_mode,)
    else:
        raise CannotReplay("mode unknown: not resolved statically")
    check_modes(modes, family, catalog, reached)
    flag_keyword = reached.flag_param.keyword if reached.flag_param else FLAG
    original = Call(reached.name, reached.kind)
    patched = Call(reached.name, reached.kind, ((flag_keyword, value),))
    short = wrapper.name.rsplit(".", 1)[-1]
    return Plan(
        family, original, patched, {}, modes, value is True, f"align_corners={value} (through `{short}`)",
        reached.mode_param is not None, reached.mode_param.keyword if reached.mode_param else MODE, flag_keyword,
    )


def plan_site(finding: Finding, value: bool, catalog: Catalog) -> Plan:
    target = catalog.lookup(finding.function)
    if target is None:
        raise CannotReplay(f"{finding.function} is not a catalogued torch API")
    if target.reaches is not None:
        return plan_wrapper_site(finding, target, value, catalog)
    if target.origin != BUILTIN:
        raise CannotReplay(
            f"{target.name} is a wrapper whose torch API is not known (`reaches` in its extend-targets row names it)"
        )
    flag_keyword = target.flag_param.keyword if target.flag_param else FLAG
    arguments = bind_arguments(finding.arguments, target.params)
    family = family_of(target)
    original = Call(target.name, target.kind)
    if finding.code in FLAG_CODES or rests_on_evidence(finding):
        if arguments.get(flag_keyword, None) is not None:
            raise CannotReplay("align_corners is already passed at this site")
        arguments.pop(flag_keyword, None)  # an explicit None is the same as leaving it out
        patched = Call(target.name, target.kind, ((flag_keyword, value),))
        expected_change = value is True
        change = f"align_corners={value}"
    elif finding.code in REWRITE_CODES:
        patched = rewrite_call(finding, target, catalog)
        expected_change = False
        change = f"the rewrite to {_call_text(patched)}"
        if arguments.get(FLAG) is NOT_LITERAL:
            arguments.pop(FLAG)  # same expression on both sides: replay with it left out
    else:
        raise CannotReplay(NOT_REPLAYED.get(finding.code, f"{finding.code} has no fix to replay"))
    modes = site_modes(finding, target, arguments, family)
    check_modes(modes, family, catalog, target)
    pass_mode = target.mode_param is not None
    mode_keyword = target.mode_param.keyword if target.mode_param else MODE
    return Plan(
        family, original, patched, arguments, modes, expected_change, change, pass_mode, mode_keyword, flag_keyword
    )


# --------------------------------------------------------------------------- synthesis


@dataclass
class Case:
    """One synthesized invocation: tensors by parameter name plus keyword options."""

    label: str
    tensors: dict[str, Any]
    options: dict[str, Any]


def literal(arguments: Mapping[str, Any], name: str) -> Any:
    """The literal value of ``name``, or None when absent, not a literal, or None."""
    value = arguments.get(name)
    return None if value is NOT_LITERAL else value


def _as_shape(value: Any) -> tuple | None:
    return tuple(value) if isinstance(value, (tuple, list)) else None


def resample_rank(mode: str | None, arguments: Mapping[str, Any]) -> int:
    """Input rank: a literal size/scale tuple fixes it, else the mode, else 4-D."""
    for name in ("size", "scale_factor"):
        shape = _as_shape(literal(arguments, name))
        if shape:
            return len(shape) + 2
    facts = default_catalog().mode(mode or "")
    return facts.rank if facts is not None and facts.rank else 4


def resample_options(
    mode: str | None, arguments: Mapping[str, Any], has_mode: bool, mode_keyword: str = MODE, flag_keyword: str = FLAG
) -> dict[str, Any]:
    """Keyword options for interpolate-like calls (size/scale_factor, mode, flags)."""
    options: dict[str, Any] = {}
    size, scale = literal(arguments, "size"), literal(arguments, "scale_factor")
    if size is not None:
        options["size"] = _as_shape(size) or size
    if scale is not None:  # both literal: replayed as written (torch rejects that)
        options["scale_factor"] = _as_shape(scale) or scale
    if size is None and scale is None:
        options["scale_factor"] = SYNTHESIZED_SCALE
    if has_mode:
        options[mode_keyword] = mode
    for name in ("recompute_scale_factor", "antialias", flag_keyword):
        if name in arguments and arguments[name] is not NOT_LITERAL:
            options[name] = arguments[name]
    if mode in default_catalog().modes_requiring_antialias and "antialias" not in options:
        options["antialias"] = True  # lanczos runs only with it
    return options


def output_elements(input_shape: Sequence[int], options: Mapping[str, Any]) -> int | None:
    """Estimated number of output elements of an interpolate-like call, None if unknown."""
    batch_channels, spatial = input_shape[:2], input_shape[2:]
    try:
        size, scale = options.get("size"), options.get("scale_factor")
        if size is not None:
            out = list(size) if isinstance(size, (tuple, list)) else [size] * len(spatial)
        else:
            scales = list(scale) if isinstance(scale, (tuple, list)) else [scale] * len(spatial)
            out = [math.floor(n * s) for n, s in zip(spatial, scales)]
        return math.prod(batch_channels) * math.prod(int(n) for n in out)
    except (TypeError, ValueError, OverflowError):
        return None


def _guard_size(elements: int | None, budget: Budget, what: str = "an output") -> None:
    if elements is not None and elements > budget.max_elements:
        raise OverBudget(
            f"the literal size makes {what} of {elements} elements: too large to replay "
            f"(over the budget of {budget.max_elements} elements per tensor; raise it with --max-elements)"
        )


def _elements(shape: Sequence[Any]) -> int | None:
    """The number of elements of ``shape``, None when an item is not a number."""
    try:
        return math.prod(int(n) for n in shape)
    except (TypeError, ValueError, OverflowError):
        return None


# Rank of a literal size/scale tuple torch has no synthesized shapes for (it rejects them
# today): one input of size 1 in every dimension, so that torch itself says what is wrong.
def _unusual_rank_shapes(rank: int) -> tuple:
    return ((1, 1, (1,) * max(rank - 2, 0), False),)


def _random(torch: Any, generator: Any, shape: Sequence[int], device: Any, dtype: Any) -> Any:
    return torch.randn(*shape, generator=generator).to(device=device, dtype=dtype)


def _memory_format(torch: Any, rank: int) -> Any:
    return torch.channels_last if rank == 4 else torch.channels_last_3d


def _layout(torch: Any, tensor: Any) -> str:
    """" channels_last" when the tensor really is laid out channels-last, else ""."""
    if tensor.dim() not in (4, 5) or tensor.is_contiguous():
        return ""
    return " channels_last" if tensor.is_contiguous(memory_format=_memory_format(torch, tensor.dim())) else ""


def _dims(shape: Sequence[int]) -> str:
    return "x".join(str(n) for n in shape)


def _options_label(options: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v!r}" for k, v in options.items())


def resample_cases(torch, plan: Plan, mode, device, dtype, generator, budget: Budget = Budget()) -> list[Case]:
    options = resample_options(mode, plan.arguments, plan.pass_mode, plan.mode_keyword, plan.flag_keyword)
    rank = resample_rank(mode, plan.arguments)
    cases = []
    shapes = RESAMPLE_SHAPES.get(rank) or _unusual_rank_shapes(rank)
    for batch, channels, spatial, channels_last in shapes:
        shape = (batch, channels, *spatial)
        _guard_size(output_elements(shape, options), budget)
        tensor = _random(torch, generator, shape, device, dtype)
        if channels_last:
            tensor = tensor.contiguous(memory_format=_memory_format(torch, rank))
        label = f"input {_dims(shape)}{_layout(torch, tensor)} {_options_label(options)}"
        cases.append(Case(label, {"input": tensor}, dict(options)))
    return cases


def synthesize_grid(torch, generator, batch: int, spatial: Sequence[int], device, dtype) -> Any:
    shape = (batch, *spatial, len(spatial))
    grid = torch.rand(*shape, generator=generator) * (2 * GRID_REACH) - GRID_REACH
    return grid.to(device=device, dtype=dtype)


def grid_sample_cases(torch, plan: Plan, mode, device, dtype, generator, budget: Budget = Budget()) -> list[Case]:
    padding = literal(plan.arguments, "padding_mode")
    paddings = (padding,) if padding is not None else PADDING_MODES
    ranks = (4,) if mode == "bicubic" else (4, 5)
    cases = []
    for rank in ranks:
        for input_shape, grid_spatial, channels_last in GRID_SAMPLE_SHAPES[rank]:
            _guard_size(_elements(input_shape), budget, "an input")
            for padding_mode in paddings:
                tensor = _random(torch, generator, input_shape, device, dtype)
                if channels_last:
                    tensor = tensor.contiguous(memory_format=_memory_format(torch, rank))
                grid = synthesize_grid(torch, generator, input_shape[0], grid_spatial, device, dtype)
                options = {plan.mode_keyword: mode, "padding_mode": padding_mode}
                layout = _layout(torch, tensor)
                label = f"input {_dims(input_shape)}{layout} grid {_dims(grid.shape)} {_options_label(options)}"
                cases.append(Case(label, {"input": tensor, "grid": grid}, options))
    return cases


def _theta(torch, generator, batch: int, spatial_rank: int, device, dtype) -> Any:
    rows = spatial_rank
    identity = torch.eye(rows, rows + 1).expand(batch, rows, rows + 1)
    jitter = 0.1 * torch.randn(batch, rows, rows + 1, generator=generator)
    return (identity + jitter).to(device=device, dtype=dtype)


def affine_grid_cases(torch, plan: Plan, mode, device, dtype, generator, budget: Budget = Budget()) -> list[Case]:
    size = _as_shape(literal(plan.arguments, "size"))
    sizes = (size,) if size is not None else AFFINE_GRID_SIZES
    cases = []
    for shape in sizes:
        # A literal size torch rejects (wrong length, bools, text, zero) is passed as written
        # with a theta torch accepts, so that the error entry carries torch's own reason.
        spatial_rank = 3 if len(shape) == 5 else 2
        plain = len(shape) in (4, 5) and all(type(n) is int and n > 0 for n in shape)
        if plain:
            _guard_size(math.prod(shape[:1]) * math.prod(shape[2:]) * spatial_rank, budget)
        else:
            _guard_size(_elements(shape), budget)
        batch = shape[0] if plain else 1
        theta = _theta(torch, generator, batch, spatial_rank, device, dtype)
        label = f"theta {_dims(theta.shape)} size={shape!r}"
        cases.append(Case(label, {"theta": theta}, {"size": list(shape)}))
    return cases


CASE_BUILDERS: dict[str, Callable[..., list[Case]]] = {
    "resample": resample_cases,
    "grid_sample": grid_sample_cases,
    "affine_grid": affine_grid_cases,
}


# --------------------------------------------------------------------------- replay


def resolve(torch: Any, qualified_name: str) -> Any:
    """The object of a catalogued qualified name (``torch.nn.functional.interpolate``).

    A built-in row names a library (torch, or one a catalog row adds such as kornia): its
    module is imported; a project's own wrapper never reaches here (plan_site skips it).
    """
    parts = qualified_name.split(".")
    if parts[0] == "torch":
        obj = torch
        for part in parts[1:]:
            obj = getattr(obj, part)
        return obj
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            obj = getattr(obj, part)
        return obj
    raise CannotReplay(f"cannot import {qualified_name}")


def is_align_corners_warning(caught: warnings.WarningMessage) -> bool:
    return FLAG in str(caught.message)


@dataclass
class Outcome:
    output: Any = None
    error: BaseException | None = None
    warned: bool = False


def run_call(torch: Any, call: Call, case: Case) -> Outcome:
    """Run ``call`` on ``case``, recording torch's align_corners warnings."""
    function = resolve(torch, call.name)
    options = {**case.options, **dict(call.extra)}
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if call.kind == "class":
                outcome.output = function(**options)(case.tensors["input"])
            else:
                outcome.output = function(**case.tensors, **options)
        except Exception as error:  # the point is to report what torch raises
            outcome.error = error
    outcome.warned = any(is_align_corners_warning(w) for w in caught)
    return outcome


def abs_difference(torch: Any, a: Any, b: Any) -> float:
    if a.shape != b.shape:
        return math.inf
    if a.numel() == 0:
        return 0.0
    # on the CPU in float64: exact for every dtype, and MPS has no float64
    a, b = a.detach().to("cpu", torch.float64), b.detach().to("cpu", torch.float64)
    return float((a - b).abs().max().item())


def _error_text(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


@dataclass
class Comparison:
    status: str = EQUAL
    max_abs_diff: float = 0.0
    error: str | None = None
    original_failed: bool = False  # the call as written raised (not only the patched one)
    original_warned: bool = False
    patched_warned: bool = False
    cases: list[str] = field(default_factory=list)

    def add(self, torch: Any, case: Case, original: Outcome, patched: Outcome) -> None:
        self.cases.append(case.label)
        self.original_warned |= original.warned
        self.patched_warned |= patched.warned
        if original.error is not None or patched.error is not None:
            if self.error is None:
                which, error = (
                    ("the call as written", original.error)
                    if original.error is not None
                    else ("the patched call", patched.error)
                )
                self.error = f"{which} raised {_error_text(error)} ({case.label})"
            self.original_failed |= original.error is not None
            self.status = ERROR
            return
        same = original.output.shape == patched.output.shape and torch.equal(original.output, patched.output)
        if not same:
            self.max_abs_diff = max(self.max_abs_diff, abs_difference(torch, original.output, patched.output))
            if self.status == EQUAL:
                self.status = DIFFERS


def compare_site(
    torch: Any, plan: Plan, device: Any, dtype: Any, budget: Budget = Budget(), deadline: float | None = None
) -> Comparison:
    """Replay every case; the inputs of all modes are built (and sized) before any runs.

    ``deadline`` (``time.monotonic()``): no case starts after it (:class:`OverBudget`).
    """
    generator = torch.Generator().manual_seed(0)
    comparison = Comparison()
    builder = CASE_BUILDERS[plan.family]
    cases = [case for mode in plan.modes for case in builder(torch, plan, mode, device, dtype, generator, budget)]
    for done, case in enumerate(cases):
        if deadline is not None and time.monotonic() >= deadline:
            raise OverBudget(
                f"over the time budget of {budget.max_seconds:g} s per site after {done} of {len(cases)} "
                "inputs (raise it with --max-seconds)"
            )
        comparison.add(torch, case, run_call(torch, plan.original, case), run_call(torch, plan.patched, case))
    return comparison


# --------------------------------------------------------------------------- reporting


def warning_text(original_warned: bool, patched_warned: bool) -> str:
    if original_warned and not patched_warned:
        return "torch's align_corners warning: emitted as written, gone when patched"
    if original_warned and patched_warned:
        return "torch's align_corners warning: still emitted when patched"
    if patched_warned:
        return "torch's align_corners warning: emitted only when patched"
    return "torch's align_corners warning: emitted by neither call"


def _inputs(count: int) -> str:
    return "the 1 input" if count == 1 else f"all {count} inputs"


def outcome_text(plan: Plan, comparison: Comparison) -> str:
    if comparison.status == ERROR:
        return comparison.error or "error"
    change, inputs, diff = plan.change, _inputs(len(comparison.cases)), comparison.max_abs_diff
    if comparison.status == EQUAL and plan.expected_change:
        return f"{change} leaves the output unchanged on {inputs} (no behavior change seen)"
    if comparison.status == EQUAL:
        return f"{change} reproduces the call as written bitwise on {inputs}"
    if plan.expected_change:
        return (
            f"{change} changes the output by up to {diff:.6g} (max abs difference): "
            "the program would compute something else"
        )
    return f"{change} changes the output by up to {diff:.6g} (max abs difference); do not apply this fix"


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def dtypes_for(torch: Any, device: Any) -> tuple:
    if device.type == "cuda":
        return (torch.float32, torch.float16, torch.bfloat16)
    return (torch.float32,)


def _result(finding: Finding, device: Any, **fields: Any) -> VerifyResult:
    return VerifyResult(
        path=finding.path,
        line=finding.line,
        column=finding.column,
        code=finding.code,
        function=finding.function,
        device=str(device),
        cell=finding.cell,
        **fields,
    )


def _failure(finding: Finding, device: Any, dtype: str | None, error: Exception) -> VerifyResult:
    """An ``error`` entry for a site whose replay failed in ac-fixer (the others go on)."""
    detail = f"could not replay this call: {_error_text(error)}"
    return _result(finding, device, status=ERROR, max_abs_diff=None, dtype=dtype, detail=detail)


def off_device_modes(modes: Iterable[Any], device_type: str, catalog: Catalog) -> list[str]:
    """The modes of ``modes`` the catalog says do not run on ``device_type`` (lanczos off CPU)."""
    return sorted(
        m for m in modes if isinstance(m, str) and catalog.mode(m) is not None and not catalog.mode(m).runs_on(device_type)
    )


def verify_finding(
    torch: Any, finding: Finding, device: Any, value: bool, catalog: Catalog, budget: Budget = Budget()
) -> list[VerifyResult]:
    deadline = time.monotonic() + budget.max_seconds
    try:
        plan = plan_site(finding, value, catalog)
        elsewhere = off_device_modes(plan.modes, device.type, catalog)
        if elsewhere:
            raise CannotReplay(f"mode {elsewhere[0]} runs on {' and '.join(catalog.mode(elsewhere[0]).devices).upper()} only")
    except CannotReplay as reason:
        return [_result(finding, device, status=SKIPPED, max_abs_diff=None, dtype=None, detail=str(reason))]
    except Exception as error:  # never let one site stop the others
        return [_failure(finding, device, None, error)]
    results = []
    for dtype in dtypes_for(torch, device):
        try:
            comparison = compare_site(torch, plan, device, dtype, budget, deadline)
            if comparison.original_failed and dtype != torch.float32:
                raise CannotReplay(f"torch cannot run this call in {_dtype_name(dtype)}: {comparison.error}")
        except CannotReplay as reason:
            results.append(
                _result(
                    finding, device, status=SKIPPED, max_abs_diff=None, dtype=_dtype_name(dtype), detail=str(reason)
                )
            )
            continue
        except Exception as error:  # never let one site stop the others
            results.append(_failure(finding, device, _dtype_name(dtype), error))
            continue
        warned = warning_text(comparison.original_warned, comparison.patched_warned)
        detail = f"{outcome_text(plan, comparison)}; {warned}"
        results.append(
            _result(
                finding,
                device,
                status=comparison.status,
                max_abs_diff=None if comparison.status == ERROR else comparison.max_abs_diff,
                dtype=_dtype_name(dtype),
                detail=detail,
                original_warned=comparison.original_warned,
                patched_warned=comparison.patched_warned,
                expected_change=plan.expected_change,
                cases=tuple(comparison.cases),
            )
        )
    return results


def verify_findings(
    findings: Iterable[Finding],
    *,
    device: Any = "auto",
    value: bool = False,
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> list[VerifyResult]:
    """Replay every ACF001/ACF002 site and ACF101/ACF102 rewrite among ``findings``.

    Other codes are reported as ``skipped``. ``device`` is a name (see
    :func:`select_device`) or a ``torch.device``. One result per site and dtype
    (float32; on CUDA also float16 and bfloat16). A site whose tensors would hold more
    than ``max_elements`` elements, or whose replay is still going after ``max_seconds``,
    is ``skipped`` with the reason; a site whose replay fails is an ``error``.
    ``progress(done, total)`` is called after each site.
    """
    if not isinstance(value, bool):
        raise TypeError(f"value must be True or False, not {value!r}")
    budget = Budget(max_elements=max_elements, max_seconds=max_seconds)
    torch = import_torch()
    chosen = select_device(device) if isinstance(device, str) else device
    catalog = catalog or default_catalog()
    results: list[VerifyResult] = []
    findings = list(findings)
    with single_threaded(torch):
        for done, finding in enumerate(findings, 1):
            results.extend(verify_finding(torch, finding, chosen, value, catalog, budget))
            if progress is not None:
                progress(done, len(findings))
    return results


@contextmanager
def single_threaded(torch: Any) -> Iterator[None]:
    """One CPU thread while replaying: the inputs are tiny, and on a busy machine torch's
    thread pool made some kernels (grid_sample) ~50x slower than running them inline."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _status_word(result: VerifyResult) -> str:
    if result.status == DIFFERS and result.expected_change:
        return "behavior change"
    return result.status


def format_result_line(result: VerifyResult) -> str:
    cell = f"[cell {result.cell}]" if result.cell is not None else ""
    dtype = f" [{result.dtype}]" if result.dtype else ""
    name = result.function.rsplit(".", 1)[-1]
    return (
        f"{result.path}{cell}:{result.line}:{result.column}: {result.code} {name}{dtype} "
        f"{_status_word(result)}: {result.detail}"
    )


def summary_line(results: Sequence[VerifyResult]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[_status_word(result)] = counts.get(_status_word(result), 0) + 1
    parts = ", ".join(f"{n} {word}" for word, n in counts.items())
    noun = "result" if len(results) == 1 else "results"
    if results:
        return f"{len(results)} {noun}: {parts}"
    return (
        "no ACF001/ACF002/ACF101/ACF102 sites to verify (a call that passes align_corners is not one: "
        "verify a fix before it is written, with `ac-fixer verify` or `check --fix --verify`)"
    )


def format_verify_text(results: Sequence[VerifyResult], *, value: bool, device: str | None = None) -> str:
    """A header (torch version, device, dtypes), a line per result, a summary line.

    ``device`` names the device in the header when there are no results.
    """
    results = list(results)
    devices = sorted({r.device for r in results}) or [str(device or "-")]
    dtypes = sorted({r.dtype for r in results if r.dtype}) or ["-"]
    purpose = (
        "align_corners=True changes behavior: shows how much each site's output changes"
        if value
        else "align_corners=False must reproduce each call bitwise"
    )
    header = (
        f"ac-fixer verify: torch {torch_version()}, device {', '.join(devices)}, "
        f"dtype {', '.join(dtypes)}; {purpose}"
    )
    lines = [header, *(format_result_line(r) for r in results), summary_line(results)]
    return "\n".join(lines) + "\n"


def format_verify_json(results: Sequence[VerifyResult]) -> str:
    return json.dumps([r.to_json() for r in results], indent=2) + "\n"

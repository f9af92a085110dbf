"""The runtime check: replay as written vs. as patched, bitwise (issue 3)."""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest

torch = pytest.importorskip("torch")

from ac_fixer.findings import NOT_LITERAL, CallArgument, Finding  # noqa: E402
from ac_fixer.runtime._torch import (  # noqa: E402
    DeviceUnavailable,
    RuntimeUnavailable,
    TorchMissing,
    choose_device_name,
    import_torch,
)
from ac_fixer.runtime.verify import (  # noqa: E402
    VerifyResult,
    confirmed_sites,
    format_verify_json,
    format_verify_text,
    select_device,
    site_key,
    synthesize_grid,
    verify_exit_code,
    verify_findings,
)

F = "torch.nn.functional."
X = CallArgument(None, NOT_LITERAL, "x")  # a tensor argument as the analysis sees it
G = CallArgument(None, NOT_LITERAL, "grid")


def kw(name, value, source=None):
    return CallArgument(name, value, source if source is not None else repr(value))


def pos(value, source=None):
    return CallArgument(None, value, source if source is not None else repr(value))


def finding(function, code, *arguments, mode=None, line=1, **fields):
    return Finding(
        path="model.py",
        line=line,
        column=5,
        end_line=line,
        end_column=40,
        code=code,
        message="",
        function=function if "." in function else F + function,
        mode=mode,
        fixable=True,
        fix=None,
        arguments=tuple(arguments),
        **fields,
    )


def verify_one(f, **options):
    results = verify_findings([f], device="cpu", **options)
    assert len(results) == 1
    return results[0]


# One site per API (and per mode) whose fix adds the flag.
FLAG_SITES = {
    "interpolate-linear": finding("interpolate", "ACF001", X, kw("scale_factor", 2), kw("mode", "linear"), mode="linear"),
    "interpolate-bilinear": finding("interpolate", "ACF001", X, kw("scale_factor", 2), kw("mode", "bilinear"), mode="bilinear"),
    "interpolate-bicubic-positional": finding("interpolate", "ACF001", X, pos(None), pos(1.5), pos("bicubic"), mode="bicubic"),
    "interpolate-trilinear": finding("interpolate", "ACF001", X, kw("size", 7), kw("mode", "trilinear"), mode="trilinear"),
    "interpolate-bilinear-antialias": finding(
        "interpolate", "ACF001", X, kw("scale_factor", 0.5), kw("mode", "bilinear"), kw("antialias", True), mode="bilinear"
    ),
    "upsample-bilinear": finding("upsample", "ACF001", X, kw("scale_factor", 2), kw("mode", "bilinear"), mode="bilinear"),
    "Upsample-bilinear": finding("torch.nn.Upsample", "ACF001", kw("scale_factor", 2), kw("mode", "bilinear"), mode="bilinear"),
    "Upsample-linear-positional": finding("torch.nn.Upsample", "ACF001", pos(None), pos(3), pos("linear"), mode="linear"),
    "grid_sample-default-mode": finding("grid_sample", "ACF002", X, G, mode="bilinear"),
    "grid_sample-nearest": finding("grid_sample", "ACF002", X, G, kw("mode", "nearest"), mode="nearest"),
    "grid_sample-bicubic-border": finding(
        "grid_sample", "ACF002", X, G, kw("mode", "bicubic"), kw("padding_mode", "border"), mode="bicubic"
    ),
    "affine_grid-2d": finding("affine_grid", "ACF002", CallArgument(None, NOT_LITERAL, "theta"), pos((2, 3, 6, 5))),
    "affine_grid-3d": finding("affine_grid", "ACF002", CallArgument(None, NOT_LITERAL, "theta"), kw("size", [1, 2, 3, 4, 5])),
    "affine_grid-size-unknown": finding(
        "affine_grid", "ACF002", CallArgument(None, NOT_LITERAL, "theta"), CallArgument(None, NOT_LITERAL, "x.size()")
    ),
}


@pytest.mark.parametrize("site", [*FLAG_SITES, "interpolate-lanczos"])
def test_false_reproduces_every_api_bitwise(site):
    f = FLAG_SITES.get(site) or finding("interpolate", "ACF001", X, kw("size", (6, 9)), kw("mode", "lanczos"), mode="lanczos")
    result = verify_one(f)
    assert result.status == "equal", result.detail
    assert result.max_abs_diff == 0.0
    assert (result.device, result.dtype) == ("cpu", "float32")
    assert result.cases and "reproduces the call as written bitwise" in result.detail
    assert verify_exit_code([result]) == 0


@pytest.mark.parametrize("site", list(FLAG_SITES))
def test_true_is_reported_as_a_behavior_change(site):
    result = verify_one(FLAG_SITES[site], value=True)
    assert result.status == "differs", result.detail
    assert result.max_abs_diff > 0
    assert result.expected_change
    assert "changes the output" in result.detail
    assert "behavior change" in format_verify_text([result], value=True)
    assert verify_exit_code([result]) == 0  # the change is what --value true asks for


def test_true_on_the_worked_example_shape_matches_torch_directly():
    # 1-D, scale 2: the difference must be what torch computes for the two flags on those inputs.
    result = verify_one(FLAG_SITES["interpolate-linear"], value=True)
    generator = torch.Generator().manual_seed(0)
    diffs = []
    for shape in ((1, 3, 5), (2, 2, 8)):
        x = torch.randn(*shape, generator=generator)
        a = torch.nn.functional.interpolate(x, scale_factor=2, mode="linear")
        b = torch.nn.functional.interpolate(x, scale_factor=2, mode="linear", align_corners=True)
        diffs.append(float((a - b).abs().max()))
    assert result.max_abs_diff == pytest.approx(max(diffs), rel=1e-6)


def test_mode_that_rejects_the_flag_is_an_error():
    result = verify_one(finding("interpolate", "ACF001", X, kw("scale_factor", 2), kw("mode", "nearest"), mode="nearest"))
    assert result.status == "error"
    assert result.max_abs_diff is None
    assert "patched call raised ValueError" in result.detail
    assert verify_exit_code([result]) == 1


def test_lanczos_rejects_true():
    f = finding("interpolate", "ACF001", X, kw("scale_factor", 2), kw("mode", "lanczos"), mode="lanczos")
    result = verify_one(f, value=True)
    assert result.status == "error"
    assert "Lanczos" in result.detail
    assert verify_exit_code([result]) == 1  # an error fails even with --value true


def test_call_that_fails_as_written_is_an_error():
    # a 3-element size with a 2-D mode cannot run: reported, not hidden
    f = finding("interpolate", "ACF001", X, kw("size", (4, 4, 4)), kw("mode", "bilinear"), mode="bilinear")
    result = verify_one(f)
    assert result.status == "error"
    assert "call as written raised" in result.detail


@pytest.mark.parametrize(
    "f, reason",
    [
        (finding("interpolate", "ACF001", X, kw("scale_factor", 2), kw("mode", "bogus"), mode="bogus"), "'bogus' unknown"),
        (finding("interpolate", "ACF001", X, kw("scale_factor", 2), CallArgument("mode", NOT_LITERAL, "m")), "mode unknown"),
        (finding("interpolate", "ACF003", X, CallArgument("mode", NOT_LITERAL, "m")), "mode unknown statically"),
        (finding("interpolate", "ACF001", X, CallArgument("*", NOT_LITERAL, "*args"), mode="bilinear"), "unpacked"),
        (finding("my.wrapper", "ACF001", X, mode="bilinear"), "not a catalogued torch API"),
        (finding("interpolate", "ACF001", X, kw("sizes", 3), kw("mode", "bilinear"), mode="bilinear"), "'sizes' is not"),
        (
            finding("interpolate", "ACF001", X, kw("size", (100000, 100000)), kw("mode", "bilinear"), mode="bilinear"),
            "too large",
        ),
    ],
)
def test_sites_that_cannot_be_replayed_are_skipped(f, reason):
    result = verify_one(f)
    assert result.status == "skipped"
    assert reason in result.detail
    assert result.max_abs_diff is None
    assert verify_exit_code([result]) == 0


def test_every_result_is_one_of_four_statuses_and_skips_have_no_dtype():
    results = verify_findings(
        [FLAG_SITES["interpolate-linear"], finding("interpolate", "ACF001", X, kw("mode", "bogus"), mode="bogus")],
        device="cpu",
    )
    assert [r.status for r in results] == ["equal", "skipped"]
    assert results[1].dtype is None


# --------------------------------------------------------------------------- synthesized inputs


def test_hostile_argument_text_is_never_evaluated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARKER"
    hostile = f"__import__('os').system('touch {marker}')"
    f = finding(
        "interpolate",
        "ACF001",
        CallArgument(None, 5, hostile),  # a literal at the input position: still synthesized
        CallArgument("size", NOT_LITERAL, hostile),
        CallArgument("mode", "bilinear", f"({hostile}) or 'bilinear'"),
        mode="bilinear",
    )
    result = verify_one(f)
    assert not marker.exists()
    assert not (tmp_path / "MARKER").exists()
    assert result.status == "equal"
    # the size was synthesized: scale_factor=2 on the built-in shapes, never the source text
    assert result.cases == (
        "input 1x3x5x7 scale_factor=2 mode='bilinear'",
        "input 2x3x8x6 scale_factor=2 mode='bilinear'",
        "input 2x4x7x4 channels_last scale_factor=2 mode='bilinear'",
    )
    assert "__import__" not in result.detail and "__import__" not in format_verify_json([result])


def test_hostile_grid_sample_mode_uses_the_resolved_modes(tmp_path):
    marker = tmp_path / "MARKER"
    f = finding("grid_sample", "ACF002", X, G, CallArgument("mode", NOT_LITERAL, f"open('{marker}', 'w') and 'bilinear'"))
    result = verify_one(f)
    assert not marker.exists()
    assert result.status == "equal"
    # not literal and unresolved: every grid_sample mode and padding mode is tried
    for mode in ("bilinear", "nearest", "bicubic"):
        assert any(f"mode='{mode}'" in case for case in result.cases)
    for padding in ("zeros", "border", "reflection"):
        assert any(f"padding_mode='{padding}'" in case for case in result.cases)


def test_synthesized_grids_reach_outside_so_padding_modes_matter():
    grid = synthesize_grid(torch, torch.Generator().manual_seed(0), 2, (5, 5), torch.device("cpu"), torch.float32)
    assert grid.shape == (2, 5, 5, 2)
    assert grid.min() < -1 < 1 < grid.max()
    assert grid.abs().max() <= 1.1
    image = torch.randn(2, 3, 4, 4)
    outputs = [torch.nn.functional.grid_sample(image, grid, padding_mode=p, align_corners=False) for p in ("zeros", "border")]
    assert not torch.equal(*outputs)


def test_statically_resolved_modes_are_all_replayed():
    f = finding(
        "interpolate", "ACF001", X, kw("scale_factor", 2), CallArgument("mode", NOT_LITERAL, "m"), modes=("bilinear", "bicubic")
    )
    result = verify_one(f)
    assert result.status == "equal"
    assert {c.split("mode=")[1] for c in result.cases} == {"'bilinear'", "'bicubic'"}


@pytest.mark.parametrize(
    "arguments, mode, shapes, option",
    [
        ((kw("size", (9, 11)),), "bicubic", ["1x3x5x7", "2x3x8x6", "2x4x7x4"], "size=(9, 11)"),
        ((kw("size", [4, 5, 6]),), "trilinear", ["1x2x3x5x4", "2x2x4x3x6", "2x3x3x4x5"], "size=(4, 5, 6)"),
        ((kw("size", 7),), "linear", ["1x3x5", "2x2x8"], "size=7"),
        ((kw("scale_factor", (2, 3)),), "bilinear", ["1x3x5x7", "2x3x8x6", "2x4x7x4"], "scale_factor=(2, 3)"),
        ((pos(None), pos(3)), "linear", ["1x3x5", "2x2x8"], "scale_factor=3"),
    ],
)
def test_literal_arguments_are_used_and_shapes_follow_rank(arguments, mode, shapes, option):
    result = verify_one(finding("interpolate", "ACF001", X, *arguments, kw("mode", mode), mode=mode))
    assert result.status == "equal", result.detail
    assert [case.split()[1] for case in result.cases] == shapes
    assert all(option in case for case in result.cases)
    # 4-D and 5-D inputs are also tried in channels_last layout
    assert any("channels_last" in case for case in result.cases) == (mode != "linear")


def test_literal_tuple_size_fixes_the_rank_even_for_a_mode_of_any_rank():
    # nearest takes any rank: the tuple's length decides (the patched call then errors, as it should)
    f = finding("interpolate", "ACF001", X, kw("size", (3, 4, 5)), kw("mode", "nearest"), mode="nearest")
    result = verify_one(f)
    assert result.status == "error"
    assert "input 1x2x3x5x4 size=(3, 4, 5)" in result.detail


def test_int_size_works_for_a_literal_tuple_scale_of_any_rank():
    f = finding("interpolate", "ACF001", X, kw("scale_factor", (2, 2, 2)), kw("mode", "trilinear"), mode="trilinear")
    result = verify_one(f, value=True)
    assert result.status == "differs"
    assert all(case.startswith("input ") and case.count("x") >= 4 for case in result.cases)


# --------------------------------------------------------------------------- rewrites (ACF101/ACF102)

REWRITES = {
    "upsample-rename": finding(
        "upsample", "ACF101", X, kw("scale_factor", 2), kw("mode", "bicubic"), kw("align_corners", True),
        rewrite_to=F + "interpolate",
    ),
    "upsample-rename-from-catalog": finding("upsample", "ACF101", X, pos(None), pos(2), pos("bilinear")),
    "upsample_bilinear": finding(
        "upsample_bilinear", "ACF102", X, kw("scale_factor", 2),
        rewrite_to=F + "interpolate", rewrite_keywords=(("mode", "bilinear"), ("align_corners", True)),
    ),
    "upsample_nearest-from-catalog": finding("upsample_nearest", "ACF102", X, pos(None), pos(3)),
    "UpsamplingBilinear2d": finding(
        "torch.nn.UpsamplingBilinear2d", "ACF102", kw("size", (5, 9)),
        rewrite_to="torch.nn.Upsample", rewrite_keywords=(("mode", "bilinear"), ("align_corners", True)),
    ),
    "UpsamplingNearest2d-from-catalog": finding("torch.nn.UpsamplingNearest2d", "ACF102", kw("scale_factor", 2)),
}


@pytest.mark.parametrize("site", list(REWRITES))
def test_rewrites_compute_the_same(site):
    for value in (False, True):  # --value does not apply to rewrites
        result = verify_one(REWRITES[site], value=value)
        assert result.status == "equal", result.detail
        assert "the rewrite to" in result.detail
        assert not result.expected_change


def test_a_wrong_rewrite_differs_and_fails_even_with_value_true():
    f = finding(
        "upsample_bilinear", "ACF102", X, kw("scale_factor", 2),
        rewrite_to=F + "interpolate", rewrite_keywords=(("mode", "bilinear"), ("align_corners", False)),
    )
    result = verify_one(f, value=True)
    assert result.status == "differs"
    assert result.max_abs_diff > 0
    assert "do not apply" in result.detail
    assert verify_exit_code([result]) == 1


# --------------------------------------------------------------------------- warnings


@pytest.mark.parametrize("site", ["grid_sample-default-mode", "affine_grid-2d"])
def test_patched_grid_calls_no_longer_warn(site):
    result = verify_one(FLAG_SITES[site])
    assert (result.original_warned, result.patched_warned) == (True, False)
    assert "emitted as written, gone when patched" in result.detail


def test_interpolate_is_silent_in_torch_2():
    result = verify_one(FLAG_SITES["interpolate-bilinear"])
    assert (result.original_warned, result.patched_warned) == (False, False)
    assert "emitted by neither call" in result.detail


# --------------------------------------------------------------------------- output and exit code

CONTRACT_KEYS = {"path", "line", "code", "function", "status", "max_abs_diff", "device", "dtype", "detail"}


def test_json_follows_the_contract():
    results = verify_findings(
        [FLAG_SITES["grid_sample-default-mode"], finding("interpolate", "ACF001", X, kw("mode", "bogus"), mode="bogus")],
        device="cpu",
    )
    records = json.loads(format_verify_json(results))
    assert isinstance(records, list) and len(records) == 2
    for record in records:
        assert CONTRACT_KEYS <= set(record)
        assert record["status"] in {"equal", "differs", "error", "skipped"}
        assert (record["path"], record["line"], record["code"]) == ("model.py", 1, record["code"])
    assert records[0]["function"] == F + "grid_sample"
    assert (records[0]["status"], records[0]["max_abs_diff"], records[0]["dtype"]) == ("equal", 0.0, "float32")
    assert (records[0]["original_warned"], records[0]["patched_warned"]) == (True, False)
    assert (records[1]["status"], records[1]["dtype"]) == ("skipped", None)


def test_notebook_cell_is_kept():
    f = finding("interpolate", "ACF001", X, kw("mode", "bilinear"), mode="bilinear", cell=3)
    result = verify_one(f)
    assert result.to_json()["cell"] == 3
    assert "model.py[cell 3]:1:5" in format_verify_text([result], value=False)


def test_text_has_header_and_one_line_per_site():
    sites = [FLAG_SITES["interpolate-bilinear"], dataclasses.replace(FLAG_SITES["grid_sample-nearest"], line=7)]
    text = format_verify_text(verify_findings(sites, device="cpu"), value=False)
    lines = text.splitlines()
    assert lines[0].startswith(f"ac-fixer verify: torch {torch.__version__}, device cpu, dtype float32")
    assert lines[1].startswith("model.py:1:5: ACF001 interpolate [float32] equal: ")
    assert lines[2].startswith("model.py:7:5: ACF002 grid_sample [float32] equal: ")
    assert lines[3] == "2 results: 2 equal"


def _result(status, expected_change=False, line=1):
    return VerifyResult("a.py", line, 1, "ACF001", F + "interpolate", status, 0.5, "cpu", "float32", "", expected_change=expected_change)


@pytest.mark.parametrize(
    "statuses, expected_change, code",
    [
        ((), False, 0),
        (("equal", "skipped"), False, 0),
        (("equal", "differs"), False, 1),
        (("equal", "differs"), True, 0),
        (("error",), False, 1),
        (("error",), True, 1),
    ],
)
def test_exit_code(statuses, expected_change, code):
    assert verify_exit_code([_result(s, expected_change) for s in statuses]) == code


def test_confirmed_sites_need_every_result_of_the_site_to_pass():
    results = [_result("equal", line=1), _result("equal", line=2), _result("differs", line=2), _result("skipped", line=3)]
    assert confirmed_sites(results) == {("a.py", None, 1, 1, "ACF001")}
    expected = [_result("differs", True, line=1), _result("error", True, line=2), _result("equal", True, line=3)]
    assert confirmed_sites(expected) == {("a.py", None, 1, 1, "ACF001"), ("a.py", None, 3, 1, "ACF001")}
    f = finding("interpolate", "ACF001", X)
    assert site_key(f) == ("model.py", None, 1, 5, "ACF001")


# --------------------------------------------------------------------------- devices and torch


@pytest.mark.parametrize(
    "name, cuda, mps, expected",
    [
        ("auto", True, True, "cuda"),
        ("auto", False, True, "mps"),
        ("auto", False, False, "cpu"),
        ("cpu", True, True, "cpu"),
        ("CUDA", True, False, "cuda"),
        ("mps", False, True, "mps"),
    ],
)
def test_device_choice(name, cuda, mps, expected):
    assert choose_device_name(name, cuda=cuda, mps=mps) == expected


@pytest.mark.parametrize("name, message", [("cuda", "CUDA is not available"), ("mps", "MPS"), ("tpu", "unknown device")])
def test_unavailable_device_is_a_clear_error(name, message):
    with pytest.raises(DeviceUnavailable, match=message):
        choose_device_name(name, cuda=False, mps=False)


def test_select_device_returns_a_torch_device():
    assert select_device("cpu") == torch.device("cpu")
    assert select_device("auto").type in {"cpu", "cuda", "mps"}


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_verify_on_missing_cuda_raises_before_running():
    from ac_fixer.runtime import verify

    assert verify.DeviceUnavailable is DeviceUnavailable and verify.TorchMissing is TorchMissing  # the CLI uses these
    with pytest.raises(DeviceUnavailable) as error:
        verify_findings([FLAG_SITES["interpolate-bilinear"]], device="cuda")
    assert isinstance(error.value, RuntimeUnavailable)


def test_missing_torch_gives_a_one_line_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(TorchMissing) as error:
        import_torch()
    message = str(error.value)
    assert "pip install -c .ci/constraints.txt '.[runtime]'" in message and "whl/cpu" in message
    assert "\n" not in message
    assert isinstance(error.value, RuntimeUnavailable)


def test_half_precision_dtypes_are_checked_and_unsupported_ones_skipped(monkeypatch):
    # CUDA checks float16/bfloat16 too; the same code path, exercised on the CPU
    from ac_fixer.runtime import verify

    monkeypatch.setattr(verify, "dtypes_for", lambda torch, device: (torch.float32, torch.float16, torch.bfloat16))
    plain = verify_findings([FLAG_SITES["interpolate-bilinear"]], device="cpu")
    assert [(r.dtype, r.status) for r in plain] == [("float32", "equal"), ("float16", "equal"), ("bfloat16", "equal")]
    # antialias has no half-precision CPU kernel: the call as written fails there, so that dtype is skipped
    antialiased = verify_findings([FLAG_SITES["interpolate-bilinear-antialias"]], device="cpu")
    assert [(r.dtype, r.status) for r in antialiased] == [
        ("float32", "equal"), ("float16", "skipped"), ("bfloat16", "skipped")
    ]
    assert "cannot run this call in float16" in antialiased[1].detail
    assert verify_exit_code(antialiased) == 0
    text = format_verify_text(plain, value=False)
    assert "dtype bfloat16, float16, float32" in text.splitlines()[0]


def test_thread_count_is_restored():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        verify_findings([FLAG_SITES["grid_sample-default-mode"]], device="cpu")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_value_must_be_a_bool():
    with pytest.raises(TypeError):
        verify_findings([FLAG_SITES["interpolate-bilinear"]], device="cpu", value="false")


def test_text_without_results_still_names_device_and_torch():
    text = format_verify_text([], value=False, device="cpu")
    assert text.splitlines() == [
        f"ac-fixer verify: torch {torch.__version__}, device cpu, dtype -; "
        "align_corners=False must reproduce each call bitwise",
        "no ACF001/ACF002/ACF101/ACF102 sites to verify (a call that passes align_corners is not one: "
        "verify a fix before it is written, with `ac-fixer verify` or `check --fix --verify`)",
    ]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_checks_half_precision_too():
    results = verify_findings([FLAG_SITES["interpolate-bilinear"], FLAG_SITES["grid_sample-default-mode"]], device="cuda")
    assert sorted({r.dtype for r in results}) == ["bfloat16", "float16", "float32"]
    assert {r.device for r in results} == {"cuda"}
    assert all(r.status == "equal" for r in results), [r.detail for r in results]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_true_differs_in_every_dtype():
    results = verify_findings([FLAG_SITES["interpolate-bicubic-positional"]], device="cuda", value=True)
    assert [r.status for r in results] == ["differs"] * 3
    assert all(r.max_abs_diff > 0 for r in results)


# --------------------------------------------------------------------------- end to end, with the analysis

SOURCE = b"""\
import torch.nn.functional as F
from torch import nn

def forward(x, grid, theta, s):
    a = F.interpolate(x, scale_factor=2, mode="bilinear")
    b = F.interpolate(x, s, None, "bicubic")
    c = F.grid_sample(x, grid, padding_mode="reflection")
    d = F.affine_grid(theta, (2, 3, 4, 4))
    e = nn.Upsample(scale_factor=2, mode="trilinear")
    f = F.upsample(x, scale_factor=2, mode="linear", align_corners=True)
    g = F.upsample_bilinear(x, scale_factor=2)
    h = F.interpolate(x, size=__import__("os").system("touch MARKER"), mode="bilinear")
    return a, b, c, d, e, f, g, h
"""


def test_end_to_end_from_source(tmp_path, monkeypatch):
    from ac_fixer.api import check_source

    monkeypatch.chdir(tmp_path)
    findings = check_source(SOURCE, "net.py")
    results = verify_findings(findings, device="cpu")
    assert not (tmp_path / "MARKER").exists()
    by_line = {r.line: r for r in results}
    assert set(by_line) == set(range(5, 13))
    assert all(r.status == "equal" for r in results), [r.detail for r in results]
    assert by_line[10].code == "ACF101" and by_line[11].code == "ACF102"
    assert by_line[12].cases[0] == "input 1x3x5x7 scale_factor=2 mode='bilinear'"
    assert all("padding_mode='reflection'" in case for case in by_line[7].cases)
    assert by_line[7].original_warned and not by_line[7].patched_warned
    assert verify_exit_code(results) == 0
    assert confirmed_sites(results) == {site_key(f) for f in findings}


def test_end_to_end_value_true_changes_only_flag_sites():
    from ac_fixer.api import check_source

    results = verify_findings(check_source(SOURCE, "net.py"), device="cpu", value=True)
    statuses = {r.line: r.status for r in results}
    assert [statuses[line] for line in (5, 6, 7, 8, 9, 12)] == ["differs"] * 6
    assert statuses[10] == statuses[11] == "equal"  # rewrites do not depend on --value
    assert verify_exit_code(results) == 0

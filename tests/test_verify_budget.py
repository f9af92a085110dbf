"""verify on hostile literal arguments: no crash, and a per-site budget (elements and time)."""

from __future__ import annotations

import time
import tracemalloc

import pytest

torch = pytest.importorskip("torch")

from ac_fixer.findings import NOT_LITERAL, CallArgument, Finding  # noqa: E402
from ac_fixer.runtime import verify as verify_module  # noqa: E402
from ac_fixer.runtime.verify import confirmed_sites, verify_findings  # noqa: E402

from conftest import run_subprocess  # noqa: E402

F = "torch.nn.functional."
X = CallArgument(None, NOT_LITERAL, "x")
THETA = CallArgument(None, NOT_LITERAL, "theta")


def kw(name, value):
    return CallArgument(name, value, repr(value))


def site(function, *arguments, code="ACF001", mode=None, line=1):
    return Finding(
        path="model.py",
        line=line,
        column=5,
        end_line=line,
        end_column=40,
        code=code,
        message="",
        function=F + function,
        mode=mode,
        fixable=True,
        fix=None,
        arguments=tuple(arguments),
    )


GOOD = site("interpolate", X, kw("scale_factor", 2), kw("mode", "bilinear"), mode="bilinear", line=99)

# Each raises in torch as written: an `error` entry naming torch's own message.
HOSTILE = {
    "size-4-items": site("interpolate", X, kw("size", (2, 3, 4, 5)), kw("mode", "bilinear"), mode="bilinear"),
    "scale-4-items": site("interpolate", X, kw("scale_factor", (2, 2, 2, 2)), kw("mode", "bilinear"), mode="bilinear"),
    "scale-40-items": site("interpolate", X, kw("scale_factor", (1,) * 40), kw("mode", "bilinear"), mode="bilinear"),
    "affine-grid-bool-size": site("affine_grid", THETA, kw("size", (True, 1, 1, 1)), code="ACF002"),
    "affine-grid-3-items": site("affine_grid", THETA, kw("size", (1, 2, 3)), code="ACF002"),
    "affine-grid-text-size": site("affine_grid", THETA, kw("size", ("a", 1, 2, 3)), code="ACF002"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_literal_is_an_error_entry_and_the_other_sites_go_on(name):
    results = verify_findings([HOSTILE[name], GOOD], device="cpu")
    bad, good = results
    assert bad.status == "error", bad.detail
    assert "raised" in bad.detail  # the reason: what torch said about the call as written
    assert good.status == "equal" and good.line == 99


def test_an_unexpected_failure_while_replaying_is_an_error_entry(monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("synthesis went wrong")

    monkeypatch.setitem(verify_module.CASE_BUILDERS, "affine_grid", broken)
    grid = site("affine_grid", THETA, kw("size", (1, 2, 3, 4)), code="ACF002")
    bad, good = verify_findings([grid, GOOD], device="cpu")
    assert bad.status == "error" and "TypeError: synthesis went wrong" in bad.detail
    assert good.status == "equal"


def test_check_fix_verify_writes_the_other_confirmed_fixes(tmp_path):
    source = (
        "import torch.nn.functional as F\n\n\n"
        "def f(x, t):\n"
        "    a = F.interpolate(x, size=(2, 3, 4, 5), mode=\"bilinear\")\n"
        "    c = F.affine_grid(t, size=(True, 1, 1, 1))\n"
        "    d = F.interpolate(x, scale_factor=2, mode=\"bilinear\")\n"
        "    return a, c, d\n"
    )
    (tmp_path / "m.py").write_text(source)
    result = run_subprocess(["check", "--fix", "--verify", "--no-cache", "m.py"], cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    fixed = (tmp_path / "m.py").read_text().splitlines()
    assert fixed[6] == '    d = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)'
    assert fixed[4] == '    a = F.interpolate(x, size=(2, 3, 4, 5), mode="bilinear")'  # not confirmed: left as is
    assert "not fixed: runtime check error" in result.stderr


# --------------------------------------------------------------------------- budget

HUGE = site("interpolate", X, kw("size", (100_000, 100_000)), kw("mode", "bilinear"), mode="bilinear")
# Under the old fixed limit (1 << 24 output elements) but over the default budget.
LARGE = site("interpolate", X, kw("size", (1024, 1024)), kw("mode", "bicubic"), mode="bicubic")


def test_huge_literal_size_is_skipped_quickly_without_allocating():
    tracemalloc.start()
    started = time.perf_counter()
    try:
        (result,) = verify_findings([HUGE], device="cpu")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert result.status == "skipped"
    assert "elements" in result.detail and "budget" in result.detail
    assert peak < 50 * 2**20
    assert confirmed_sites([result]) == set()


def test_default_element_budget_skips_sites_the_old_limit_let_through():
    started = time.perf_counter()
    (result,) = verify_findings([LARGE], device="cpu")
    assert result.status == "skipped", result.detail
    assert "--max-elements" in result.detail
    assert time.perf_counter() - started < 2


def test_element_budget_is_an_option():
    (result,) = verify_findings([LARGE], device="cpu", max_elements=1 << 24)
    assert result.status == "equal", result.detail
    (small,) = verify_findings([GOOD], device="cpu", max_elements=10)
    assert small.status == "skipped" and "10 elements" in small.detail


def test_time_budget_per_site_is_an_option():
    (result,) = verify_findings([GOOD], device="cpu", max_seconds=0)
    assert result.status == "skipped"
    assert "time budget" in result.detail and "--max-seconds" in result.detail
    (unhurried,) = verify_findings([GOOD], device="cpu", max_seconds=60)
    assert unhurried.status == "equal"


@pytest.mark.slow  # CLI processes importing torch; the budget itself is tested in-process by default
def test_budget_options_of_the_verify_command(tmp_path):
    (tmp_path / "m.py").write_text(
        "import torch.nn.functional as F\n\n\ndef f(x):\n"
        "    return F.interpolate(x, size=(1024, 1024), mode=\"bilinear\")\n"
    )
    default = run_subprocess(["verify", "--device", "cpu", "m.py"], cwd=tmp_path)
    assert default.exit_code == 0 and "skipped" in default.stdout, default.stdout + default.stderr
    raised = run_subprocess(["verify", "--device", "cpu", "--max-elements", "20000000", "m.py"], cwd=tmp_path)
    assert raised.exit_code == 0 and "equal" in raised.stdout, raised.stdout + raised.stderr
    bad = run_subprocess(["verify", "--max-seconds", "-1", "m.py"], cwd=tmp_path)
    assert bad.exit_code == 2


@pytest.mark.slow
def test_twenty_sites_at_the_largest_accepted_sizes_stay_within_budget():
    sites = [
        site("interpolate", X, kw("size", (1000, 1000)), kw("mode", mode), mode=mode, line=n)
        for n, mode in enumerate(["bicubic", "bilinear"] * 10, start=1)
    ]
    started = time.perf_counter()
    # a budget every site crosses with its first case, however fast the machine
    results = verify_findings(sites, device="cpu", max_elements=1 << 24, max_seconds=0.001)
    elapsed = time.perf_counter() - started
    assert len(results) == 20
    # each site stops after the case that crossed its budget
    assert all(r.status in ("equal", "skipped") for r in results)
    assert any("time budget" in r.detail for r in results)
    assert elapsed < 20 * 3

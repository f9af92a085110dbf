"""One-command device check: ac-fixer's runtime promises on a GPU (or, with --device cpu, here).

    python benchmarks/device_check.py                 # CUDA; skips cleanly (exit 0) without a GPU
    python benchmarks/device_check.py --device cpu    # the same checks on the CPU

What it runs, on the chosen device:

1. verify: every ACF001/ACF002 site and ACF101/ACF102 rewrite of ``fixtures/`` and of the
   real-world snippets in ``tests/realworld/`` replayed as written and as fixed (ac-fixer's
   own verify code: literal arguments from the source, synthesized tensors) in float32,
   float16 and bfloat16, contiguous and channels_last; plus ``ac-fixer verify --device D``
   itself over the same folders.
2. ``ac-fixer check --fix --verify`` on a copy of ``fixtures/``: each file must become its
   ``.fixed.py`` (the runtime check confirms every safe fix on this device).
3. ``ac-fixer audit`` (with its shadow run) of a small training step with backward
   (``benchmarks/device_train_step.py``), contiguous and channels_last.
4. explain: the worked example (and the other modes of ``ac-fixer explain``) computed on
   the device, compared with the CPU values ``ac-fixer explain`` prints.

It prints one table (check, site, dtype, layout, status, max abs diff, tolerance), the
tolerances it used and why, and exits 1 on any difference or error (2 when it cannot set
up). Needs nothing but this repository and pip: when ac-fixer's dependencies or torch are
missing it runs ``pip install -e '.[runtime]'`` (torch pinned, see TORCH_PIN; a machine
without internet reaches only the package registries pip is configured for). If torch
with CUDA is already importable it is used as it is.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# torch is pinned to the version the project is tested with; the PyPI wheel for Linux x86_64
# is a CUDA build. --torch-index names another index (e.g. https://download.pytorch.org/whl/cu126)
# when the machine's driver needs an older CUDA.
TORCH_PIN = "torch==2.13.0"
DTYPES = ("float32", "float16", "bfloat16")
VERIFY_FOLDERS = ("fixtures", "tests/realworld")
QUICK_PATHS = (
    "fixtures/acf001_import_torch.py",
    "fixtures/acf002_grid_sample.py",
    "fixtures/acf102_upsampling_modules.py",
)

# Tolerances. Each comparison is bitwise (tolerance 0) unless said here.
BITWISE = "0, bitwise (1)"
# Backward on CUDA: the gradient kernels of interpolate and grid_sample accumulate with
# atomicAdd, in an order that changes from run to run (torch marks them nondeterministic;
# torch.use_deterministic_algorithms(True) makes them raise), so two runs of the same
# program differ in the last bits. These are torch.testing's float32 defaults.
BACKWARD_ATOL, BACKWARD_RTOL = 1e-5, 1.3e-6
BACKWARD_TOLERANCE = f"atol {BACKWARD_ATOL:g} + rtol {BACKWARD_RTOL:g} (2)"
# explain on a GPU against the CPU values: two devices, two kernels (order of operations,
# fused multiply-add), a few float32 ulps apart on values of size <= 10.
CROSS_DEVICE_ATOL = 1e-5
CROSS_DEVICE_TOLERANCE = f"atol {CROSS_DEVICE_ATOL:g} (3)"

TOLERANCE_NOTES = (
    "(1) verify, check --fix --verify, the audit's shadow run, forward passes: bitwise in every dtype. "
    "Leaving align_corners unset means False, so the call as written and as fixed run the same "
    "kernel on the same input; half-precision rounding is the same on both sides.",
    "(2) gradients on CUDA: atol 1e-5 + rtol 1.3e-6 (torch.testing's float32 defaults), because "
    "CUDA's backward of interpolate/grid_sample sums with atomicAdd in a run-dependent order; "
    "the row 'as written, run twice' shows that noise. On the CPU gradients are compared bitwise.",
    "(3) explain on a GPU vs the CPU values it prints: atol 1e-5 (different kernels on two devices). "
    "On the CPU: bitwise.",
)

OK, DIFFERS, ERROR, SKIPPED = "equal", "differs", "error", "skipped"
# checks with one row per site of the source: the summary counts their sites
PER_SITE_CHECKS = ("verify", "check --fix --verify", "audit shadow run", "explain")
COUNTED = {"check --fix --verify": "file", "explain": "example"}


class Table:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, check, site, dtype="-", layout="-", status=OK, diff=None, tolerance=BITWISE, detail="") -> None:
        self.rows.append(
            dict(check=check, site=site, dtype=dtype, layout=layout, status=status, diff=diff,
                 tolerance=tolerance, detail=detail)
        )

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r["status"] in (DIFFERS, ERROR)]

    def summarized(self) -> list[dict]:
        """One row per check, dtype, layout and status: the sites counted, the largest diff."""
        groups: dict[tuple, dict] = {}
        for row in self.rows:
            if row["status"] in (DIFFERS, ERROR) or row["check"] not in PER_SITE_CHECKS:
                groups[(id(row),)] = dict(row)  # failures, and checks of one program, keep their rows
                continue
            key = (row["check"], row["dtype"], row["layout"], row["status"], row["tolerance"])
            group = groups.setdefault(key, dict(row, site=0, diff=None))
            group["site"] += 1
            if row["diff"] is not None:
                group["diff"] = max(group["diff"] or 0.0, row["diff"])
        for group in groups.values():
            if isinstance(group["site"], int):
                noun = COUNTED.get(group["check"], "site")
                group["site"] = f"{group['site']} {noun}{'s' if group['site'] != 1 else ''}"
        return list(groups.values())

    def render(self, summary: bool) -> str:
        rows = self.summarized() if summary else self.rows
        header = ("check", "site", "dtype", "layout", "status", "max abs diff", "tolerance")
        cells = [header] + [
            (r["check"], str(r["site"]), r["dtype"], r["layout"], r["status"],
             "-" if r["diff"] is None else f"{r['diff']:.3g}", r["tolerance"])
            for r in rows
        ]
        widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
        lines = ["| " + " | ".join(c[i].ljust(widths[i]) for i in range(len(header))) + " |" for c in cells]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
        details = [f"  {r['check']} {r['site']} [{r['dtype']}, {r['layout']}]: {r['detail']}"
                   for r in rows if r["status"] in (DIFFERS, ERROR) and r["detail"]]
        return "\n".join(lines + details)


# --------------------------------------------------------------------------- setup


def _installed(*modules: str) -> bool:
    """Whether the modules can be found (without importing them: torch takes seconds)."""
    return all(importlib.util.find_spec(name) is not None for name in modules)


def ensure_installed(install: str, torch_index: str | None) -> None:
    """pip install -e '.[runtime]' when ac-fixer's dependencies or torch are missing (or --install)."""
    have_deps = _installed("libcst", "click", "pathspec")
    have_torch = _installed("torch")
    if install == "never" or (install == "auto" and have_deps and have_torch):
        return
    command = [sys.executable, "-m", "pip", "install", "-e", f"{REPO}[runtime]"]
    if not have_torch:
        command.append(TORCH_PIN)  # an importable torch is kept as it is
        if torch_index:
            command += ["--extra-index-url", torch_index]
    print("installing:", " ".join(command), flush=True)
    if subprocess.run(command).returncode != 0:
        print("device check: pip install failed (no registry reachable?)", file=sys.stderr)
        sys.exit(2)
    importlib.invalidate_caches()


def cuda_present_without_torch_support() -> bool:
    return shutil.which("nvidia-smi") is not None and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0


def child_env(device: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # `check --verify` picks its device itself (auto)
    return env


def ac_fixer(args: list, device: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ac_fixer", *args], cwd=cwd, env=child_env(device),
                          capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------- 1. verify


def verify_sites(torch, device, paths: list, table: Table, value: bool = False) -> None:
    """Each site replayed per dtype and layout with verify's own planning and synthesis
    (``value=True`` replays a fix that changes the output: how the tests see a difference)."""
    from ac_fixer import runner
    from ac_fixer.api import Settings
    from ac_fixer.catalog import default_catalog
    from ac_fixer.files import discover
    from ac_fixer.runtime import verify as V

    items, missing = discover(paths)
    for item in missing:
        table.add("verify", str(item.path), status=ERROR, detail=item.reason)
    result = runner.run(items, Settings(), jobs=1, use_cache=False)
    for path, reason in result.errors:
        table.add("verify", str(path), status=ERROR, detail=reason)
    catalog = default_catalog()
    with V.single_threaded(torch):
        for finding in result.findings:
            if finding.code not in V.FLAG_CODES | V.REWRITE_CODES:
                continue  # ACF003/ACF004: nothing to replay (verify says skipped)
            site = f"{finding.path}:{finding.line} {finding.code} {finding.function.rsplit('.', 1)[-1]}"
            try:
                plan = V.plan_site(finding, value, catalog)
                if V.off_device_modes(plan.modes, device.type, catalog):
                    raise V.CannotReplay("mode runs on CPU only")
            except V.CannotReplay as reason:
                table.add("verify", site, status=SKIPPED, detail=str(reason))
                continue
            for dtype_name in DTYPES:
                dtype = getattr(torch, dtype_name)
                by_layout: dict[str, V.Comparison] = {}
                try:
                    generator = torch.Generator().manual_seed(0)
                    for mode in plan.modes:
                        for case in V.CASE_BUILDERS[plan.family](torch, plan, mode, device, dtype, generator):
                            layout = "channels_last" if "channels_last" in case.label else "contiguous"
                            by_layout.setdefault(layout, V.Comparison()).add(
                                torch, case, V.run_call(torch, plan.original, case),
                                V.run_call(torch, plan.patched, case))
                except V.CannotReplay as reason:
                    table.add("verify", site, dtype_name, status=SKIPPED, detail=str(reason))
                    continue
                for layout, comparison in sorted(by_layout.items()):
                    if comparison.original_failed and dtype_name != "float32":
                        # torch has no kernel for this call in half precision on this device
                        table.add("verify", site, dtype_name, layout, SKIPPED, detail=comparison.error or "")
                        continue
                    diff = None if comparison.status == ERROR else comparison.max_abs_diff
                    table.add("verify", site, dtype_name, layout, comparison.status, diff,
                              detail=comparison.error or "")


def verify_cli(device_name: str, paths: list, table: Table) -> None:
    """`ac-fixer verify --device D` itself: exit code and every result's status."""
    run = ac_fixer(["verify", "--device", device_name, "--output-format", "json", *paths], device_name)
    site = "ac-fixer verify " + (" ".join(paths) if len(paths) <= 2 else f"({len(paths)} files)")
    try:
        results = json.loads(run.stdout)
    except ValueError:
        table.add("verify CLI", site, status=ERROR, detail=f"exit {run.returncode}: {run.stderr.strip()[-300:]}")
        return
    for dtype in sorted({r["dtype"] for r in results if r["dtype"]}):
        of_dtype = [r for r in results if r["dtype"] == dtype]
        bad = [r for r in of_dtype if r["status"] in (DIFFERS, ERROR)]
        diffs = [r["max_abs_diff"] for r in of_dtype if r["max_abs_diff"] is not None]
        status = ERROR if run.returncode not in (0,) and not bad else (bad[0]["status"] if bad else OK)
        detail = "; ".join(f"{r['path']}:{r['line']} {r['detail']}" for r in bad[:3]) or (
            f"exit {run.returncode}" if status == ERROR else "")
        equal = sum(r["status"] == OK for r in of_dtype)
        table.add("verify CLI", f"{site} ({equal}/{len(of_dtype)} results equal)", dtype, "both",
                  status, max(diffs, default=None), detail=detail)


# --------------------------------------------------------------------------- 2. check --fix --verify


def fix_and_verify(device_name: str, names: list | None, table: Table, work: Path) -> None:
    copy = work / "fixtures"
    copy.mkdir()
    sources = sorted(p for p in (REPO / "fixtures").glob("*.py") if not p.name.endswith(".fixed.py"))
    if names is not None:
        sources = [p for p in sources if p.name in names]
    for source in sources:
        shutil.copy2(source, copy / source.name)
    run = ac_fixer(["check", "--fix", "--verify", "--no-cache", str(copy)], device_name, cwd=work)
    if run.returncode not in (0, 1):  # 1: ACF003/unsafe findings remain, as they should
        table.add("check --fix --verify", "fixtures/ (copy)", status=ERROR,
                  detail=f"exit {run.returncode}: {run.stderr.strip()[-300:]}")
        return
    for source in sources:
        expected_path = source.with_name(source.name[:-3] + ".fixed.py")
        # unsafe_* fixes need --unsafe-fixes: without it those files stay as they are
        expected = expected_path.read_bytes() if expected_path.exists() and not source.name.startswith(
            "unsafe_") else source.read_bytes()
        written = (copy / source.name).read_bytes()
        same = written == expected
        if same:
            detail = ""
        elif written == source.read_bytes():
            detail = "left unfixed: --verify did not confirm its fixes on this device (see the verify rows)"
        else:
            detail = f"written, but not byte-equal to {expected_path.name}"
        table.add("check --fix --verify", f"fixtures/{source.name}", status=OK if same else DIFFERS, detail=detail)


# --------------------------------------------------------------------------- 3. audit of a training step


def audit_training(device_name: str, layouts: tuple, table: Table, work: Path) -> None:
    cuda = device_name == "cuda"
    for layout in layouts:
        report = work / f"audit-{layout}.json"
        step = work / f"step-{layout}.json"
        command = [sys.executable, str(REPO / "benchmarks" / "device_train_step.py"), "--device", device_name,
                   "--report", str(step), "--atol", str(BACKWARD_ATOL), "--rtol", str(BACKWARD_RTOL)]
        if layout == "channels_last":
            command.append("--channels-last")
        run = ac_fixer(["audit", "--output-format", "json", "--output", str(report), "--", *command],
                       device_name, cwd=work)
        if run.returncode != 0 or not report.exists() or not step.exists():
            table.add("audit", "benchmarks/device_train_step.py", "float32", layout, ERROR,
                      detail=f"exit {run.returncode}: {run.stderr.strip()[-300:]}")
            continue
        sites = json.loads(report.read_text())
        functions = {s["function"].rsplit(".", 1)[-1] for s in sites}
        expected = {"interpolate", "Upsample", "affine_grid", "grid_sample"}
        for site in sites:
            name = f"{Path(site['path']).name}:{site['line']} {site['function'].rsplit('.', 1)[-1]}"
            on_device = all(d.startswith(device_name) for d in site["devices"])
            good = site["equal"] is True and site["fixable"] is True and on_device
            table.add("audit shadow run", name, ",".join(d.replace("torch.", "") for d in site["dtypes"]),
                      layout, OK if good else DIFFERS,
                      detail="" if good else
                      f"equal={site['equal']} fixable={site['fixable']} devices={site['devices']}")
        if not expected <= functions:
            table.add("audit shadow run", "benchmarks/device_train_step.py", "float32", layout, ERROR,
                      detail=f"recorded {sorted(functions)}, expected {sorted(expected)}")
        measured = json.loads(step.read_text())
        forward_ok = measured["forward_bitwise"] and measured["loss_diff"] == 0
        table.add("training step", "forward, as written vs fixed", "float32", layout,
                  OK if forward_ok else DIFFERS, measured["forward_diff"],
                  detail="" if forward_ok else
                  f"as written, run twice, differs by {measured['rerun_forward_diff']:.3g}")
        if cuda:
            grads_ok = measured["grad_excess"] <= 0
            tolerance = BACKWARD_TOLERANCE
        else:
            grads_ok, tolerance = measured["grad_bitwise"], BITWISE
        table.add("training step", "backward, as written vs fixed", "float32", layout,
                  OK if grads_ok else DIFFERS, measured["grad_diff"], tolerance)
        table.add("training step", "backward, as written, run twice", "float32", layout,
                  "noise" if measured["rerun_grad_diff"] else OK, measured["rerun_grad_diff"],
                  "- (run-to-run noise)")


# --------------------------------------------------------------------------- 4. explain


def explain_on_device(torch, device, table: Table) -> None:
    from ac_fixer.runtime import explain as E
    from ac_fixer.catalog import default_catalog

    tolerance, atol = (BITWISE, 0.0) if device.type == "cpu" else (CROSS_DEVICE_TOLERANCE, CROSS_DEVICE_ATOL)
    for mode in E.explained_modes():
        reference = E.explain_example(mode)  # on the CPU: the values `ac-fixer explain` prints
        if not default_catalog().modes[mode].runs_on(device.type):
            table.add("explain", f"mode={mode}", "float32", status=SKIPPED, detail="CPU only in torch")
            continue
        tensor = E.example_input(torch, mode).to(device)
        worst, status, detail = 0.0, OK, ""
        for align, expected in ((True, reference.output_true), (False, reference.output_false)):
            got = E.interpolate_example(torch, tensor, mode, reference.scale, align)
            if isinstance(got, str) or isinstance(expected, str):
                if isinstance(got, str) != isinstance(expected, str):
                    status, detail = ERROR, f"align_corners={align}: device {got!r:.80} vs CPU {expected!r:.80}"
                continue
            diff = float((got.cpu().double()[0 if E.spatial_dims(mode) == 1 else (0, 0)]
                          - torch.tensor(expected, dtype=torch.float64)).abs().max())
            worst = max(worst, diff)
            if diff > atol:
                status = DIFFERS
        table.add("explain", f"mode={mode} scale={reference.scale:g}", "float32", "contiguous", status, worst,
                  tolerance, detail)
    # the CLI prints the worked example of docs/design.md §1.5
    run = ac_fixer(["explain"], device.type)
    shown = run.returncode == 0 and "4.25" in run.stdout and "3.8" in run.stdout
    table.add("explain CLI", "ac-fixer explain (worked example, CPU)", "float32", status=OK if shown else ERROR,
              detail="" if shown else f"exit {run.returncode}: {run.stderr.strip()[-200:]}")


# --------------------------------------------------------------------------- main


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--install", choices=("auto", "always", "never"), default="auto",
                        help="pip install -e '.[runtime]' when something is missing (auto), always, or never")
    parser.add_argument("--torch-index", default=None, help="extra pip index for the pinned torch")
    parser.add_argument("--quick", action="store_true", help="a few fixtures only, one audit layout (for the tests)")
    parser.add_argument("--table", choices=("sites", "summary"), default="sites",
                        help="one row per site (default) or per check, dtype, layout and status")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args(argv)
    started = time.monotonic()

    ensure_installed(args.install, args.torch_index)
    sys.path.insert(0, str(REPO))  # this checkout's ac_fixer, installed or not
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        if cuda_present_without_torch_support():
            print(f"device check: nvidia-smi sees a GPU but torch {torch.__version__} cannot use it "
                  f"(CPU-only build or driver too old): install a CUDA build (--install always, --torch-index)",
                  file=sys.stderr)
            return 2
        print(f"device check: no CUDA device: skipped (torch {torch.__version__}; "
              f"`--device cpu` runs the same checks on the CPU)")
        return 0
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    cuda_version = f", CUDA {torch.version.cuda}" if device.type == "cuda" else ""
    print(f"device check: {name}, torch {torch.__version__}{cuda_version}, python {sys.version.split()[0]}",
          flush=True)

    table = Table()
    paths = list(QUICK_PATHS) if args.quick else list(VERIFY_FOLDERS)
    names = [Path(p).name for p in QUICK_PATHS] if args.quick else None
    with tempfile.TemporaryDirectory(prefix="ac-fixer-device-check-") as tmp:
        work = Path(tmp)
        os.chdir(REPO)  # site names relative to the repository
        verify_sites(torch, device, paths, table)
        verify_cli(args.device, paths, table)
        fix_and_verify(args.device, names, table, work)
        audit_training(args.device, ("contiguous",) if args.quick else ("contiguous", "channels_last"), table, work)
        explain_on_device(torch, device, table)

    print(table.render(summary=args.table == "summary"))
    print("tolerances:")
    for note in TOLERANCE_NOTES:
        print("  " + note)
    if args.json:
        args.json.write_text(json.dumps(table.rows, indent=1))
    failed = table.failed
    elapsed = time.monotonic() - started
    if failed:
        print(f"device check: FAILED: {len(failed)} of {len(table.rows)} rows differ or errored ({elapsed:.0f} s)")
        return 1
    print(f"device check: passed: {len(table.rows)} rows, no difference, no error ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time the runtime check on a generated source file (not a test).

    python benchmarks/bench_verify.py [--sites 100] [--device cpu] [--value false]

Generates a module with SITES resampling calls (every API the check replays,
literal and non-literal arguments), runs the static analysis on it, then
``verify_findings``. Prints the time of each step; "total" counts from before
torch is imported. The target: 100 sites on CPU in at most 10 s.
"""

from __future__ import annotations

import argparse
import time

START = time.perf_counter()

CALLS = (
    'F.interpolate(x, scale_factor=2, mode="bilinear")',
    'F.interpolate(x, size=(9, 11), mode="bicubic")',
    'F.interpolate(x, s, None, "linear")',
    'F.interpolate(x, scale_factor=2, mode="trilinear")',
    'F.interpolate(x, scale_factor=0.5, mode="bilinear" if s else "bicubic", antialias=True)',
    "F.grid_sample(x, g)",
    'F.grid_sample(x, g, mode="nearest", padding_mode="border")',
    "F.grid_sample(x, g, mode=m)",
    "F.affine_grid(t, (2, 3, 8, 8))",
    "F.affine_grid(t, x.size())",
    'nn.Upsample(scale_factor=2, mode="bilinear")',
    'F.upsample(x, scale_factor=2, mode="bilinear", align_corners=False)',
    "F.upsample_bilinear(x, scale_factor=2)",
    "nn.UpsamplingNearest2d(scale_factor=2)",
)


def generate_source(sites: int) -> bytes:
    lines = [
        "import torch.nn.functional as F",
        "from torch import nn",
        "",
        "def forward(x, g, t, s, m):",
    ]
    lines += [f"    y{i} = {CALLS[i % len(CALLS)]}" for i in range(sites)]
    lines.append("    return x")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--value", choices=("false", "true"), default="false")
    options = parser.parse_args()

    from ac_fixer.api import check_source
    from ac_fixer.runtime._torch import import_torch
    from ac_fixer.runtime.verify import verify_exit_code, verify_findings

    source = generate_source(options.sites)
    t0 = time.perf_counter()
    findings = check_source(source, "generated.py")
    t1 = time.perf_counter()
    torch = import_torch()
    t2 = time.perf_counter()
    results = verify_findings(findings, device=options.device, value=options.value == "true")
    t3 = time.perf_counter()

    statuses: dict[str, int] = {}
    for result in results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    cases = sum(len(r.cases) for r in results)
    print(f"torch {torch.__version__}, device {options.device}, value {options.value}")
    print(f"sites {len(findings)}, results {len(results)} {statuses}, replayed inputs {cases} (x2 calls each)")
    print(f"analysis          {t1 - t0:7.3f} s")
    print(f"torch import      {t2 - t1:7.3f} s")
    print(f"verify            {t3 - t2:7.3f} s  ({1000 * (t3 - t2) / max(len(findings), 1):.1f} ms/site)")
    print(f"total (from start of script) {t3 - START:7.3f} s")
    print(f"exit code would be {verify_exit_code(results)}")


if __name__ == "__main__":
    main()

"""Overhead of the runtime audit on a small model's forward loop.

The loop: conv + nn.Upsample + F.interpolate + F.affine_grid/F.grid_sample, all with
align_corners unset (4 audited calls per forward). It runs in one process started the way
``ac-fixer audit`` starts its command; three configurations alternate forward by forward
and the best time of each is kept, so that other load on the machine does not decide:

- without audit: torch's own functions put back in ``torch.nn.functional``;
- audit, no shadow: the audited stand-ins, shadow check off;
- audit, shadow: the audited stand-ins with the shadow check.

Targets: no shadow <= 1.1x, shadow <= 2x. Prints the measured ratios.

usage: python benchmarks/bench_audit.py [--repeats N] [--size S]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

_AUDITED = ("interpolate", "grid_sample", "affine_grid")


def worker(repeats: int, size: int) -> None:
    import warnings

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    from ac_fixer.runtime import audit

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message="Default grid_sample and affine_grid behavior")
    recorder = audit.activate()  # already active: started from the environment
    stand_ins = {name: getattr(F, name) for name in _AUDITED}
    originals = {name: function.__wrapped__ for name, function in stand_ins.items()}
    if any(stand_ins[name] is originals[name] for name in _AUDITED):
        raise SystemExit("the audit is not active in the worker")

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = nn.Conv2d(8, 8, 3, padding=1)
            self.up = nn.Upsample(scale_factor=2, mode="bilinear")
            self.decode = nn.Conv2d(8, 8, 3, padding=1)
            self.register_buffer("theta", torch.tensor([[[0.9, 0.1, 0.0], [-0.1, 0.9, 0.0]]]))

        def forward(self, x):
            y = self.decode(self.up(torch.relu(self.encode(x))))
            y = F.interpolate(y, size=x.shape[-2:], mode="bicubic")
            grid = F.affine_grid(self.theta.expand(x.shape[0], 2, 3), list(y.shape))
            return F.grid_sample(y, grid) + x

    def configure(functions: dict, shadow: bool) -> None:
        for name, function in functions.items():
            setattr(F, name, function)
        recorder.shadow = shadow

    configurations = {
        "without audit": (originals, False),
        "audit, no shadow": (stand_ins, False),
        "audit, shadow": (stand_ins, True),
    }
    torch.manual_seed(0)
    model = Model().eval()
    x = torch.randn(2, 8, size, size)
    best = {name: float("inf") for name in configurations}
    with torch.no_grad():
        for functions, shadow in configurations.values():
            configure(functions, shadow)
            for _ in range(20):
                model(x)
        for _ in range(repeats):
            for name, (functions, shadow) in configurations.items():
                configure(functions, shadow)
                start = time.perf_counter()
                model(x)
                best[name] = min(best[name], time.perf_counter() - start)
    calls = sum(site.calls for site in recorder.sites.values())
    baseline = best["without audit"]
    print(f"forward of a small model (batch 2, 8 channels, {size}x{size}), 4 audited calls per forward")
    for name, seconds in best.items():
        print(f"  {name:<17} {seconds * 1e6:9.1f} us/forward   {seconds / baseline:5.2f}x")
    print(f"  ({calls} calls recorded)")
    print(f"overhead without shadow: {best['audit, no shadow'] / baseline:.2f}x (target <= 1.10x)")
    print(f"overhead with shadow:    {best['audit, shadow'] / baseline:.2f}x (target <= 2.00x)")


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.repeats, args.size)
        return

    from ac_fixer.runtime.audit import audit_environment

    records = tempfile.mkdtemp(prefix="ac-fixer-bench-")
    try:
        env = audit_environment(os.environ, records, shadow=True)
        command = [sys.executable, os.path.abspath(__file__), "--worker"]
        command += ["--repeats", str(args.repeats), "--size", str(args.size)]
        subprocess.run(command, env=env, check=True)
    finally:
        shutil.rmtree(records, ignore_errors=True)


if __name__ == "__main__":
    main()

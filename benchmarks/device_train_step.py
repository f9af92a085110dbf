"""A small training step for the device check (``benchmarks/device_check.py``).

Run under ``ac-fixer audit``: the calls of the step "as written" leave align_corners
unset (the audit records them and replays each with ``align_corners=False`` in its shadow
run); the same step "as fixed" passes ``align_corners=False`` (not recorded). The script
compares the two steps itself, forward and backward, and writes what it measured as JSON:

    python benchmarks/device_train_step.py --device cuda --report step.json [--channels-last]

Both steps start from the same weights and inputs; the step "as written" is also run
twice, so the report shows the run-to-run difference of the backward pass next to the
difference the fix makes.
"""

from __future__ import annotations

import argparse
import copy
import json

import torch
import torch.nn.functional as F
from torch import nn

# The mode comes from a configuration: the static check cannot decide it (ACF003); the
# audit sees which modes occur.
CONFIG = {"decoder_mode": "bilinear"}


class TinyNet(nn.Module):
    """conv -> interpolate (mode from CONFIG) -> nn.Upsample (bicubic) -> affine_grid +
    grid_sample -> conv: every catalogued call that takes the flag, with a backward pass."""

    def __init__(self, flag: dict) -> None:
        super().__init__()
        self.flag = flag  # {} as written; {"align_corners": False} as fixed
        self.encode = nn.Conv2d(3, 8, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="bicubic", **flag)
        self.theta = nn.Linear(8, 6)
        self.decode = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = torch.relu(self.encode(x))
        features = F.interpolate(features, scale_factor=2, mode=CONFIG["decoder_mode"], **self.flag)
        features = self.up(features)
        theta = self.theta(features.mean(dim=(2, 3))).view(-1, 2, 3) + torch.eye(2, 3, device=x.device)
        grid = F.affine_grid(theta, list(features.shape), **self.flag)
        warped = F.grid_sample(features, grid, padding_mode="border", **self.flag)
        return self.decode(warped)


def train_step(model: nn.Module, inputs: torch.Tensor, target: torch.Tensor) -> dict:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    output = model(inputs)
    loss = F.mse_loss(output, target)
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    optimizer.step()
    return {"output": output.detach(), "loss": loss.detach(), "grads": grads}


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).abs().max().item())


def max_rel_excess(a: torch.Tensor, b: torch.Tensor, atol: float, rtol: float) -> float:
    """max(|a - b| - (atol + rtol |b|)): <= 0 when a and b are close by those tolerances."""
    a, b = a.double(), b.double()
    return float(((a - b).abs() - (atol + rtol * b.abs())).max().item())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--report", required=True, help="write the measurements here (JSON)")
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--rtol", type=float, default=1.3e-6)
    args = parser.parse_args()

    device = torch.device(args.device)
    # cuDNN's convolutions deterministic, so that the only run-to-run differences left on CUDA
    # are those of the resampling calls' backward (atomicAdd), which the check measures.
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.manual_seed(0)
    initial = TinyNet({}).to(device)
    inputs = torch.randn(2, 3, 12, 10, device=device)
    target = torch.randn(2, 3, 48, 40, device=device)
    if args.channels_last:
        initial = initial.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)

    def model_with(flag: dict) -> nn.Module:
        model = TinyNet(flag).to(device)
        model.load_state_dict(copy.deepcopy(initial.state_dict()))
        return model.to(memory_format=torch.channels_last) if args.channels_last else model

    written = train_step(model_with({}), inputs, target)
    written_again = train_step(model_with({}), inputs, target)
    fixed = train_step(model_with({"align_corners": False}), inputs, target)

    def grad_diff(a: dict, b: dict) -> float:
        return max(max_abs_diff(a["grads"][n], b["grads"][n]) for n in a["grads"])

    def grad_excess(a: dict, b: dict) -> float:
        return max(max_rel_excess(a["grads"][n], b["grads"][n], args.atol, args.rtol) for n in a["grads"])

    report = {
        "device": str(device),
        "torch": torch.__version__,
        "channels_last": args.channels_last,
        "forward_diff": max_abs_diff(written["output"], fixed["output"]),
        "forward_bitwise": bool(torch.equal(written["output"], fixed["output"])),
        "loss_diff": max_abs_diff(written["loss"], fixed["loss"]),
        "grad_diff": grad_diff(written, fixed),
        "grad_bitwise": all(torch.equal(written["grads"][n], fixed["grads"][n]) for n in written["grads"]),
        "grad_excess": grad_excess(written, fixed),
        "rerun_grad_diff": grad_diff(written, written_again),
        "rerun_forward_diff": max_abs_diff(written["output"], written_again["output"]),
        "atol": args.atol,
        "rtol": args.rtol,
    }
    with open(args.report, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()

"""Forward + backward of a small model; saves outputs, gradients, the next random draw
and the warnings seen, to compare runs with and without the audit.

usage: python bitwise_model.py OUT
"""

import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear")

    def forward(self, x):
        y = self.up(self.conv(x))
        y = F.interpolate(y, size=(11, 13), mode="bicubic")
        theta = torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]]]).repeat(x.shape[0], 1, 1)
        grid = F.affine_grid(theta, list(y.shape))
        return F.grid_sample(y, grid, mode="bilinear", padding_mode="border")


def main(out_path):
    torch.manual_seed(0)
    net = Net()
    x = torch.randn(3, 2, 6, 7, requires_grad=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        y = net(x)
        y.square().sum().backward()
        z = F.upsample(x.detach(), scale_factor=2, mode="bilinear")
    warned = [(os.path.basename(w.filename), w.lineno, w.category.__name__, str(w.message)) for w in seen]
    torch.save(
        {
            "y": y.detach(),
            "z": z,
            "x_grad": x.grad,
            "grads": [p.grad for p in net.parameters()],
            "next_random": torch.rand(4),
            "warnings": warned,
        },
        out_path,
    )


if __name__ == "__main__":
    main(sys.argv[1])

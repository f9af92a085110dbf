"""TorchScript and torch.compile keep working under the audit."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2.0, mode="bilinear")

    def forward(self, x, grid):
        return F.grid_sample(self.up(x), grid) + F.interpolate(x, size=(4, 4), mode="bicubic")


def resize(x):
    return F.interpolate(x, scale_factor=2.0, mode="bilinear")


x = torch.randn(1, 2, 2, 2)
grid = torch.rand(1, 4, 4, 2) * 2 - 1
net = Net()
expected = net(x, grid)
assert torch.equal(torch.jit.script(net)(x, grid), expected)
assert torch.equal(torch.jit.script(resize)(x), resize(x))
assert torch.equal(torch.jit.trace(net, (x, grid))(x, grid), expected)
assert torch.equal(torch.compile(net, backend="eager", fullgraph=True)(x, grid), expected)
print("scripted and compiled: ok")

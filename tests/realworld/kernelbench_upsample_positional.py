# Source: public KernelBench-style module found by the search index (the index excerpt
# does not name the repository).
# Pattern: a project class named `upsample` (lower case) holding
# torch.nn.UpsamplingBilinear2d with a positional size list (ACF102).
import torch
import torch.nn as nn


class upsample(nn.Module):

    def __init__(self):
        super(upsample, self).__init__()
        self.upsample = torch.nn.UpsamplingBilinear2d([256, 256])

    def forward(self, input):
        return (self.upsample(input) + 1.0) / 2


def get_inputs():
    return [torch.rand([4, 4, 4, 4])]


def get_init_inputs():
    return [[], {}]

# Source: younghai/binance-trader-c1 — develop/src/trainer/modules/upsample.py
# Pattern: F.interpolate with no mode (default 'nearest'). Nothing to report.
import torch
from torch import nn
import torch.nn.functional as F


class Upsample(nn.Module):
    def __init__(self, scale_factor=2):
        super(Upsample, self).__init__()
        self.scale_factor = scale_factor

    def forward(self, x):
        x = F.interpolate(x, scale_factor=self.scale_factor)
        return x

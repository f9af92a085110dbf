# Source: nathanjpaek/kb-pilot — KernelBench/KernelBench/level9/11068_Upsample.py
# Pattern: F.interpolate(mode=self.mode) in a module whose default mode is 'nearest'
# -> ACF003 (the mode is an attribute).
import torch
import torch.nn as nn
import torch.nn.functional as F


class Upsample(nn.Module):

    def __init__(self, scale_factor=1, mode='nearest'):
        super(Upsample, self).__init__()
        self.scale_factor = scale_factor
        self.mode = mode

    def forward(self, x):
        return F.interpolate(x, scale_factor=self.scale_factor, mode=self.mode)


def get_inputs():
    return [torch.rand([4, 4, 4, 4])]


def get_init_inputs():
    return [[], {}]

# Source: eriklindernoren/PyTorch-YOLOv3 — pytorchyolo/models.py
# Pattern: a project class named `Upsample` (used before its definition) that wraps
# F.interpolate with mode=self.mode -> ACF003 only; the `Upsample(...)` construction is
# the project's class, not torch.nn.Upsample. Trimmed.
from __future__ import division

import torch
import torch.nn as nn
import torch.nn.functional as F


def create_modules(module_defs):
    module_list = nn.ModuleList()
    for module_i, module_def in enumerate(module_defs):
        modules = nn.Sequential()
        if module_def["type"] == "upsample":
            upsample = Upsample(scale_factor=int(module_def["stride"]), mode="nearest")
            modules.add_module(f"upsample_{module_i}", upsample)
        module_list.append(modules)
    return module_list


class Upsample(nn.Module):
    """ nn.Upsample is deprecated """

    def __init__(self, scale_factor, mode="nearest"):
        super(Upsample, self).__init__()
        self.scale_factor = scale_factor
        self.mode = mode

    def forward(self, x):
        x = F.interpolate(x, scale_factor=self.scale_factor, mode=self.mode)
        return x

# Copyright 2021 Tencent
# SPDX-License-Identifier: BSD-3-Clause
# Source: Tencent/ncnn — tools/pnnx/tests/test_F_upsample_bilinear.py (harness trimmed)
# Pattern: F.upsample_bilinear with size / scale_factor (ACF102 x2).

import torch
import torch.nn as nn
import torch.nn.functional as F

class Model(nn.Module):
    def __init__(self):
        super(Model, self).__init__()

    def forward(self, x):
        x = F.upsample_bilinear(x, size=(12,12))
        x = F.upsample_bilinear(x, scale_factor=2)
        return x

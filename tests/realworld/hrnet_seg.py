# ------------------------------------------------------------------------------
# Copyright (c) Microsoft
# Licensed under the MIT License.
# Written by Ke Sun (sunk@mail.ustc.edu.cn)
# ------------------------------------------------------------------------------
# Source: HRNet/HRNet-Semantic-Segmentation — lib/models/seg_hrnet.py (master)
# Pattern: a multi-line F.interpolate(mode='bilinear') without align_corners, and three
# deprecated F.upsample(..., mode='bilinear') calls (ACF001 + ACF101 each). The network
# is reduced to the two methods that resample.

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import torch
import torch.nn as nn
import torch._utils
import torch.nn.functional as F


def fuse_branch(y, fuse_layer, xj, xi):
    width_output = xi.shape[-1]
    height_output = xi.shape[-2]
    y = y + F.interpolate(
        fuse_layer(xj),
        size=[height_output, width_output],
        mode='bilinear')
    return y


def upsample_heads(x):
    # Upsampling
    x0_h, x0_w = x[0].size(2), x[0].size(3)
    x1 = F.upsample(x[1], size=(x0_h, x0_w), mode='bilinear')
    x2 = F.upsample(x[2], size=(x0_h, x0_w), mode='bilinear')
    x3 = F.upsample(x[3], size=(x0_h, x0_w), mode='bilinear')

    x = torch.cat([x[0], x1, x2, x3], 1)
    return x

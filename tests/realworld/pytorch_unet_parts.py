""" Parts of the U-Net model """
# Source: milesial/Pytorch-UNet — unet/unet_parts.py (Up)
# Pattern: nn.Upsample(..., mode='bilinear', align_corners=True). Nothing to report.

import torch
import torch.nn as nn
import torch.nn.functional as F


class Up(nn.Module):
    """Upscaling then double conv"""

    def __init__(self, in_channels, out_channels, bilinear=True):
        super().__init__()

        # if bilinear, use the normal convolutions to reduce the number of channels
        if bilinear:
            self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        else:
            self.up = nn.ConvTranspose2d(in_channels , in_channels // 2, kernel_size=2, stride=2)

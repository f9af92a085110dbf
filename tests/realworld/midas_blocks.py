# Source: isl-org/MiDaS — midas/blocks.py
# Pattern: `self.interp = nn.functional.interpolate` called through the attribute,
# and `**modifier` before explicit keywords; align_corners is always given. Nothing to
# report. Trimmed.
import torch
import torch.nn as nn


class Interpolate(nn.Module):
    """Interpolation module.
    """

    def __init__(self, scale_factor, mode, align_corners=False):
        super(Interpolate, self).__init__()

        self.interp = nn.functional.interpolate
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x):
        x = self.interp(
            x, scale_factor=self.scale_factor, mode=self.mode, align_corners=self.align_corners
        )

        return x


class FeatureFusionBlock(nn.Module):
    def forward(self, *xs):
        output = xs[0]
        output = nn.functional.interpolate(
            output, scale_factor=2, mode="bilinear", align_corners=True
        )
        return output


class FeatureFusionBlock_custom(nn.Module):
    def forward(self, *xs, size=None):
        output = xs[0]
        if (size is None) and (self.size is None):
            modifier = {"scale_factor": 2}
        elif size is None:
            modifier = {"size": self.size}
        else:
            modifier = {"size": size}

        output = nn.functional.interpolate(
            output, **modifier, mode="bilinear", align_corners=self.align_corners
        )
        return output

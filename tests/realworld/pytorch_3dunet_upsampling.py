# Source: wolny/pytorch-3dunet — pytorch3dunet/unet3d/buildingblocks.py
# (InterpolateUpsampling)
# Pattern: functools.partial of a project staticmethod that forwards a `mode` parameter
# to F.interpolate -> ACF003 (mode unknown statically). Trimmed.
from functools import partial

from torch import nn as nn
from torch.nn import functional as F


class AbstractUpsampling(nn.Module):
    def __init__(self, upsample):
        super(AbstractUpsampling, self).__init__()
        self.upsample = upsample

    def forward(self, encoder_features, x):
        # get the spatial dimensions of the output given the encoder_features
        output_size = encoder_features.size()[2:]
        # upsample the input and return
        return self.upsample(x, output_size)


class InterpolateUpsampling(AbstractUpsampling):
    """
    Args:
        mode (str): algorithm used for upsampling:
            'nearest' | 'linear' | 'bilinear' | 'trilinear' | 'area'. Default: 'nearest'
            used only if transposed_conv is False
    """

    def __init__(self, mode='nearest'):
        upsample = partial(self._interpolate, mode=mode)
        super().__init__(upsample)

    @staticmethod
    def _interpolate(x, size, mode):
        return F.interpolate(x, size=size, mode=mode)

# Source: nianticlabs/monodepth2 — layers.py and networks/depth_decoder.py
# Pattern: a project function named `upsample` (not torch's deprecated upsample) that
# calls F.interpolate with mode="nearest". Nothing to report.
import torch
import torch.nn.functional as F


def upsample(x):
    """Upsample input tensor by a factor of 2
    """
    return F.interpolate(x, scale_factor=2, mode="nearest")


def decode(input_features, convs):
    x = input_features[-1]
    for i in range(4, -1, -1):
        x = convs[("upconv", i, 0)](x)
        x = [upsample(x)]
        x = torch.cat(x, 1)
    return x

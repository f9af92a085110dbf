# Source: Dart120/face-gen — Sampling.py
# Pattern: a project function named `upsample` with mode='nearest'. Nothing to report.
import torch.nn.functional as F


def upsample(x, scale_factor=2):
    return F.interpolate(x, scale_factor=scale_factor, mode='nearest')

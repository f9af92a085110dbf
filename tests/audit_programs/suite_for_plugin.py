"""A small test suite run by tests/test_audit.py with ``--ac-fixer-audit=FILE``."""

import torch
import torch.nn as nn
import torch.nn.functional as F

UPSAMPLER = nn.Upsample(scale_factor=2, mode="bicubic")  # SITE: module


def test_functional():
    out = F.interpolate(torch.randn(1, 1, 4, 4), scale_factor=2, mode="bilinear")  # SITE: functional
    assert out.shape == (1, 1, 8, 8)


def test_module():
    assert UPSAMPLER(torch.randn(1, 1, 4, 4)).shape == (1, 1, 8, 8)

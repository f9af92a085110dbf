"""Records one call, then exits with status 3."""

import sys

import torch
import torch.nn.functional as F

F.interpolate(torch.randn(1, 1, 4, 4), size=(6, 6), mode="bicubic")  # SITE: bicubic
sys.exit(3)

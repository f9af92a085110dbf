# Source: facebookresearch/detectron2 — detectron2/layers/wrappers.py
# Pattern: a module-level alias `interpolate = F.interpolate`. The function
# `upsample_masks` below is NOT in wrappers.py: it was added for this collection to
# call the alias the way detectron2 code calls `interpolate(...)`.
import torch
from torch.nn import functional as F

ConvTranspose2d = torch.nn.ConvTranspose2d
BatchNorm2d = torch.nn.BatchNorm2d
interpolate = F.interpolate
Linear = torch.nn.Linear


def upsample_masks(masks, scale):
    return interpolate(masks, scale_factor=scale, mode="bilinear")

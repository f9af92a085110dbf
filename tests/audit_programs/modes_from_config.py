"""Modes chosen at run time from a config dict: one site sees bilinear and nearest."""

import torch
import torch.nn.functional as F

CONFIG = {"decoder_mode": "bilinear", "skip_modes": ["bilinear", "nearest"]}


def resize(x, mode):
    return F.interpolate(x, scale_factor=2, mode=mode)  # SITE: resize


def decode(x):
    return F.interpolate(x, scale_factor=2, mode=CONFIG["decoder_mode"])  # SITE: decode


def warp(x):
    theta = torch.eye(2, 3).unsqueeze(0).repeat(x.shape[0], 1, 1)
    grid = F.affine_grid(theta, list(x.shape))  # SITE: affine_grid
    return F.grid_sample(x, grid)  # SITE: grid_sample


def main():
    x = torch.randn(2, 3, 5, 5)
    for mode in CONFIG["skip_modes"]:
        resize(x, mode)
    decode(x)
    decode(x.double())
    warp(x)
    F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)  # explicit: not recorded


if __name__ == "__main__":
    main()

"""Run as ``python -m audited_module``."""

import torch
import torch.nn.functional as F


def main():
    F.interpolate(torch.randn(1, 2, 8), scale_factor=2, mode="linear")  # SITE: linear


if __name__ == "__main__":
    main()

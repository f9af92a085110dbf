"""An nn.Upsample built in one function and called in another."""

import torch
import torch.nn as nn


def build():
    return nn.Sequential(
        nn.Conv2d(3, 3, 3, padding=1),
        nn.Upsample(scale_factor=2, mode="bilinear"),  # SITE: built
    )


def run(model, x):
    return model(x)  # SITE: called


if __name__ == "__main__":
    model = build()
    for _ in range(3):
        run(model, torch.randn(1, 3, 4, 4))

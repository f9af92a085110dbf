"""A call that raises inside torch (bilinear needs 4-D input); the program does not catch it."""

import torch
import torch.nn.functional as F

F.interpolate(torch.randn(1, 2, 3), scale_factor=2, mode="bilinear")  # SITE: raises

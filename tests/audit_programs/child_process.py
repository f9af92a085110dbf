"""Started by starts_children.py."""

import torch
import torch.nn.functional as F

F.interpolate(torch.randn(1, 1, 3, 3), scale_factor=3, mode="bilinear")  # SITE: child

# Source: hanyoseob/pytorch-STN — model.py (STN.forward)
# Pattern: an absolute star import of a project module (`from layer import *`) followed
# by `import torch.nn.functional as F`; F.affine_grid / F.grid_sample without
# align_corners (ACF002 x2). Localization network trimmed.
from layer import *

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn import init
from torch.optim import lr_scheduler


class STN(nn.Module):
    def forward(self, x):
        # transform the input
        x_loc = self.localization(x)
        x_loc = x_loc.view(-1, 10 * 3 * 3)
        theta = self.affinement(x_loc)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x

# Source: pytorch/tutorials — intermediate_source/spatial_transformer_tutorial.py
# Pattern: the classic STN: F.affine_grid(theta, x.size()) and F.grid_sample(x, grid)
# with no align_corners (ACF002 twice). Reduced to Net.stn.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

    # Spatial transformer network forward function
    def stn(self, x, theta):
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x


def visualize():
    # `f` (a matplotlib figure in the tutorial) is not `F`
    f, axarr = None, [None, None]
    return f, axarr

# Source: import header as found by the search index in a public training script (chest
# X-ray classifier; the index excerpt does not name the repository):
#     import torch.nn.functional as F
#     ...
#     from torch.nn.functional import *
# The resampling calls below were written for this collection: one through the star
# import (ACF001), one through F (ACF002).
import torch
import torch.nn.functional as F
from torch.nn.functional import *


def resize_activation(act, size):
    return interpolate(act, size=size, mode='bilinear')


def warp(x, grid):
    return F.grid_sample(x, grid)

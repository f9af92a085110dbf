# Source: import header as found by the search index in two public files (an MTCNN
# `PNet` module and a YOLO loss module; the index excerpt does not name the
# repositories):
#     from torch.nn import *
#     from torch.nn.functional import *
# The resampling calls below were written for this collection.
# Python semantics: the later `from torch.nn.functional import *` binds `interpolate`
# (torch.nn does not export that name), and `Upsample` comes from torch.nn (torch.nn.functional
# does not export it). Both calls are torch's and leave align_corners implicit -> ACF001.
from torch import Tensor
from torch.nn import *
from torch.nn.functional import *
import torch


class PNet(Module):
    def __init__(self):
        super(PNet, self).__init__()
        self.up = Upsample(scale_factor=2, mode='bilinear')

    def forward(self, x):
        return interpolate(self.up(x), scale_factor=0.5, mode='bilinear')

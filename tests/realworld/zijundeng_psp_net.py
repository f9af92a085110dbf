# Source: zijundeng/pytorch-semantic-segmentation — models/psp_net.py
# Pattern: deprecated F.upsample with a positional size and mode='bilinear'; two such
# calls on one line. Backbone and relative imports trimmed.
import torch
import torch.nn.functional as F
from torch import nn


class _PyramidPoolingModule(nn.Module):
    def __init__(self, in_dim, reduction_dim, setting):
        super(_PyramidPoolingModule, self).__init__()
        self.features = []
        for s in setting:
            self.features.append(nn.Sequential(
                nn.AdaptiveAvgPool2d(s),
                nn.Conv2d(in_dim, reduction_dim, kernel_size=1, bias=False),
                nn.BatchNorm2d(reduction_dim, momentum=.95),
                nn.ReLU(inplace=True)
            ))
        self.features = nn.ModuleList(self.features)

    def forward(self, x):
        x_size = x.size()
        out = [x]
        for f in self.features:
            out.append(F.upsample(f(x), x_size[2:], mode='bilinear'))
        out = torch.cat(out, 1)
        return out


def psp_output(x, aux, x_size, training, use_aux):
    if training and use_aux:
        return F.upsample(x, x_size[2:], mode='bilinear'), F.upsample(aux, x_size[2:], mode='bilinear')
    return F.upsample(x, x_size[2:], mode='bilinear')

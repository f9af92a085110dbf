# Source: nkrokhmal/gans — infogan/upsample.py
# Pattern: a project class named `Upsample` (shadows nothing of torch here, but shares
# torch's name) using bilinear with align_corners=False. The module-level construction
# at the bottom was added for this collection: it builds the project's class.
import torch.nn as nn
import torch.nn.functional as F


class Upsample(nn.Module):
    def __init__(self, scale_factor):
        super(Upsample, self).__init__()
        self.scale_factor = scale_factor

    def forward(self, x):
        return F.interpolate(x, scale_factor=self.scale_factor, mode='bilinear', align_corners=False)


up = Upsample(2)

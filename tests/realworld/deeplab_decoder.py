# Source: jfzhang95/pytorch-deeplab-xception — modeling/decoder.py
# Pattern: bilinear with align_corners=True. Nothing to report. Trimmed.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

class Decoder(nn.Module):
    def forward(self, x, low_level_feat):
        low_level_feat = self.conv1(low_level_feat)
        low_level_feat = self.bn1(low_level_feat)
        low_level_feat = self.relu(low_level_feat)

        x = F.interpolate(x, size=low_level_feat.size()[2:], mode='bilinear', align_corners=True)
        x = torch.cat((x, low_level_feat), dim=1)
        x = self.last_conv(x)

        return x

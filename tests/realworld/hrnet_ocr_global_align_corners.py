# Source: HRNet/HRNet-Semantic-Segmentation — lib/models/seg_hrnet_ocr.py (HRNet-OCR)
# Pattern: a module constant ALIGN_CORNERS rebound through `global` in __init__ from
# the config, passed as align_corners=ALIGN_CORNERS. The flag is given -> nothing to
# report. Trimmed.
import torch
import torch.nn as nn
import torch.nn.functional as F

ALIGN_CORNERS = True
BN_MOMENTUM = 0.1


class HighResolutionNet(nn.Module):

    def __init__(self, config, **kwargs):
        global ALIGN_CORNERS
        extra = config.MODEL.EXTRA
        super(HighResolutionNet, self).__init__()
        ALIGN_CORNERS = config.MODEL.ALIGN_CORNERS

    def forward(self, x):
        # Upsampling
        x0_h, x0_w = x[0].size(2), x[0].size(3)
        x1 = F.interpolate(x[1], size=(x0_h, x0_w),
                        mode='bilinear', align_corners=ALIGN_CORNERS)
        x2 = F.interpolate(x[2], size=(x0_h, x0_w),
                        mode='bilinear', align_corners=ALIGN_CORNERS)
        return torch.cat([x[0], x1, x2], 1)

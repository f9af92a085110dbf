# Source: open-mmlab/mmdetection — mmdet/models/necks/fpn.py (FPN)
# Pattern: the resampling options come from a config dict (`upsample_cfg=dict(
# mode='nearest')`) expanded with **: mode and align_corners may both come from the
# dict, so nothing can be said statically and nothing is reported. Trimmed.
import torch.nn as nn
import torch.nn.functional as F


class FPN(nn.Module):

    def __init__(self, upsample_cfg=dict(mode='nearest')):
        super(FPN, self).__init__()
        self.upsample_cfg = upsample_cfg.copy()

    def forward(self, laterals):
        used_backbone_levels = len(laterals)
        for i in range(used_backbone_levels - 1, 0, -1):
            # In some cases, fixing `scale factor` (e.g. 2) is preferred, but
            #  it cannot co-exist with `size` in `F.interpolate`.
            if 'scale_factor' in self.upsample_cfg:
                # fix runtime error of "+=" inplace operation in PyTorch 1.10
                laterals[i - 1] = laterals[i - 1] + F.interpolate(
                    laterals[i], **self.upsample_cfg)
            else:
                prev_shape = laterals[i - 1].shape[2:]
                laterals[i - 1] = laterals[i - 1] + F.interpolate(
                    laterals[i], size=prev_shape, **self.upsample_cfg)
        return laterals

# Source: a public mmseg-based decode head found by the search index (the index excerpt
# does not name the repository): `from mmseg.ops import resize` and
# `x1 = resize(x1, size=x2.size()[2:], mode='bilinear')`.
# Pattern: the mmseg wrapper called with mode='bilinear' and no align_corners. Without
# configuration nothing is reported; with the extend-target in pyproject.toml next to
# this file it is ACF001 (and the two calls that pass align_corners are not).
import torch
import torch.nn as nn
from mmseg.ops import resize


class ChannelAttention(nn.Module):
    def forward(self, x1, x2):
        x1 = resize(x1, size=x2.size()[2:], mode='bilinear')
        x2 = resize(x2, size=x1.size()[2:], mode='bilinear', align_corners=False)
        return torch.cat([x1, x2], dim=1)


def seg_logits_to_ori(seg_logit, img_meta, align_corners):
    return resize(seg_logit, size=img_meta['ori_shape'][:2], mode='bilinear', align_corners=align_corners)

# Source: facebookresearch/segment-anything — segment_anything/modeling/sam.py
# (Sam.postprocess_masks)
# Pattern: bilinear with align_corners=False, positional size. Nothing to report.
from typing import Tuple

import torch
from torch.nn import functional as F


def postprocess_masks(
    masks: torch.Tensor,
    img_size: int,
    input_size: Tuple[int, ...],
    original_size: Tuple[int, ...],
) -> torch.Tensor:
    masks = F.interpolate(
        masks,
        (img_size, img_size),
        mode="bilinear",
        align_corners=False,
    )
    masks = masks[..., : input_size[0], : input_size[1]]
    masks = F.interpolate(
        masks, original_size, mode="bilinear", align_corners=False
    )
    return masks

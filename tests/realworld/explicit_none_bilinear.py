# Source: four public files found by the search index (the index excerpts do not name
# the repositories): a frame-interpolation model (`interp_resize`), a multi-frequency
# block (conditional expression), an HRNet variant (trailing comment) and a depth
# renderer (deprecated `upsample` with align_corners=None).
# Pattern: an explicit `align_corners=None` with mode='bilinear' -> ACF001 (the fix sets
# False); the deprecated upsample also gets ACF101.
import torch
import torch.nn.functional as F


def interp_resize(input_tensor, scale_factor):
    # input tensor: [B, C, H, W]
    B, C, H, W = input_tensor.size()   
    out = F.interpolate(input_tensor, scale_factor=scale_factor, mode='bilinear', align_corners=None)
    
    return out


def aggregate(x, feature, scale_idx):
    feature_aggregation = x.clone()
    feature_aggregation += F.interpolate(feature, size=None, scale_factor=2**scale_idx, mode='bilinear', align_corners=None) if (x.shape[2] != feature.shape[2]) or (x.shape[3] != feature.shape[3]) else feature
    return feature_aggregation


def upsample_branches(y_list):
    x0_h, x0_w = y_list[0].size(2), y_list[0].size(3)
    x1 = F.interpolate(y_list[1], size=(x0_h, x0_w), mode='bilinear', align_corners=None)  # torch.Size([1, 96, 224, 224])
    return x1


def upscale_depth(dept, upscale):
    dept = torch.nn.functional.upsample(dept, scale_factor=upscale, mode='bilinear', align_corners=None)
    return dept

# Source: nianticlabs/monodepth2 — trainer.py (Trainer.generate_images_pred)
# Pattern: a multi-line grid_sample without align_corners (ACF002) next to
# interpolate calls that already pass align_corners=False. Reduced to a function.
import torch
import torch.nn.functional as F


def generate_images_pred(inputs, outputs, height, width, frame_id=-1, scale=0):
    disp = outputs[("disp", scale)]
    disp = F.interpolate(
        disp, [height, width], mode="bilinear", align_corners=False)
    source_scale = 0

    outputs[("color", frame_id, scale)] = F.grid_sample(
        inputs[("color", frame_id, source_scale)],
        outputs[("sample", frame_id, scale)],
        padding_mode="border")
    return disp, outputs[("color", frame_id, scale)]


def compute_depth_losses(depth_pred):
    depth_pred = torch.clamp(F.interpolate(
        depth_pred, [37, 124], mode="bilinear", align_corners=False), 1e-3, 80)
    return depth_pred.detach()

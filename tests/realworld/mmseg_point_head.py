# Source: open-mmlab/mmsegmentation — mmseg/models/decode_heads/point_head.py
# Pattern: mmcv's `point_sample` and mmseg's `resize` (not torch functions) called with
# mode='bilinear'/'nearest'; neither is torch.nn.functional, so nothing is reported
# (wrappers are only checked when configured with extend-targets). Trimmed.
import torch
import torch.nn as nn
from mmcv.ops import point_sample

from mmseg.ops import resize


class PointHead(nn.Module):

    def _get_fine_grained_point_feats(self, x, points):
        fine_grained_feats_list = [
            point_sample(_, points, align_corners=self.align_corners)
            for _ in x
        ]
        return torch.cat(fine_grained_feats_list, dim=1)

    def forward_train(self, prev_output, points, gt_semantic_seg):
        point_label = point_sample(
            gt_semantic_seg.float(),
            points,
            mode='nearest',
            align_corners=self.align_corners)
        return point_label.squeeze(1).long()

    def forward_test(self, prev_output, test_cfg):
        refined_seg_logits = prev_output.clone()
        for _ in range(test_cfg.subdivision_steps):
            refined_seg_logits = resize(
                refined_seg_logits,
                scale_factor=test_cfg.scale_factor,
                mode='bilinear',
                align_corners=self.align_corners)
        return refined_seg_logits

    def get_points_train(self, seg_logits, cfg):
        point_coords = torch.rand(
            seg_logits.shape[0], cfg.num_points, 2, device=seg_logits.device)
        point_logits = point_sample(seg_logits, point_coords)
        return point_logits

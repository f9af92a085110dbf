# Source: open-mmlab/mmcv — mmcv/ops/point_sample.py
# Pattern: affine_grid with align_corners=False and a grid_sample wrapper that passes
# align_corners explicitly plus **kwargs. Nothing to report. Trimmed.
import torch
import torch.nn.functional as F


def denormalize(grid):
    return grid * 2.0 - 1.0


def normalize(grid):
    return (grid + 1.0) / 2.0


def generate_grid(num_grid, size, device):
    affine_trans = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]], device=device)
    grid = F.affine_grid(
        affine_trans, torch.Size((1, 1, *size)), align_corners=False)
    grid = normalize(grid)
    return grid.view(1, -1, 2).expand(num_grid, -1, -1)


def point_sample(input, points, align_corners=False, **kwargs):
    add_dim = False
    if points.dim() == 3:
        add_dim = True
        points = points.unsqueeze(2)
    output = F.grid_sample(
        input, denormalize(points), align_corners=align_corners, **kwargs)
    if add_dim:
        output = output.squeeze(3)
    return output

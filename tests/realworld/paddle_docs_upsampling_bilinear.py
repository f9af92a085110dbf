# Source: PaddlePaddle/docs —
# docs/guides/model_convert/convert_from_pytorch/api_difference/nn/torch.nn.UpsamplingBilinear2D.md
# Pattern: torch.nn.UpsamplingBilinear2d (ACF102) next to paddle.nn.UpsamplingBilinear2D
# and a paddle functional call with `F` bound to paddle (not reported).
import paddle
import torch
from paddle.nn import functional as F

torch_up = torch.nn.UpsamplingBilinear2d(size=None, scale_factor=2)

paddle_up = paddle.nn.UpsamplingBilinear2D(size=None, scale_factor=2, data_format='NCHW', name=None)


def paddle_resize(x):
    return F.interpolate(x, scale_factor=2, mode='bilinear')

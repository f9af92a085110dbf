# Source: PaddlePaddle/docs —
# docs/guides/model_convert/convert_from_pytorch/api_difference/functional/torch.nn.functional.interpolate.md
# Pattern: the torch call (mode='nearest', align_corners=None: allowed) next to the
# paddle call (mode='nearest', align_corners=False: would be ACF004 for torch, but it is
# paddle). Nothing to report.
import paddle
import torch

input = torch.rand(1, 3, 50, 50)
x = paddle.rand([1, 3, 50, 50])

# torch 写法
torch.nn.functional.interpolate(input, size=(100, 100), scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None, antialias=False)

# paddle 写法
paddle.nn.functional.interpolate(x, size=(100, 100), scale_factor=None, mode='nearest', align_corners=False, align_mode=0, data_format='NCHW', name=None)

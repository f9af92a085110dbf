# Source: XuChangZJU/torbencher — src/testcase/torch/nn/UpsamplingBilinear2d.py
# Pattern: torch.nn.UpsamplingBilinear2d(scale_factor=2) (ACF102). Harness trimmed.
import torch


class TorchNNUpsamplingBilinear2dTestCase:
    def test_upsampling_bilinear2d(self, a=None):
        if a is None:
            a = torch.randn(1, 2, 4, 4)
        upsample = torch.nn.UpsamplingBilinear2d(scale_factor=2)
        result = upsample(a)
        return result

# Source: XuChangZJU/torbencher — src/testcase/torch/nn/functional/upsample_bilinear.py
# Pattern: fully qualified torch.nn.functional.upsample_bilinear with keyword size and
# scale_factor (ACF102, twice). Test-harness decorators trimmed.
import torch


class TorchNNFunctionalUpsampleBilinearTestCase:
    def test_upsample_bilinear(self, input=None):
        if input is not None:
            result = torch.nn.functional.upsample_bilinear(input[0], size=input[1], scale_factor=input[2])
            return result
        a = torch.randn(2, 3, 8, 8)
        b = (16, 16)
        c = None
        result = torch.nn.functional.upsample_bilinear(a, size=b, scale_factor=c)
        return result

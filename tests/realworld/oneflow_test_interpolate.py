# Source: Oneflow-Inc/oneflow — python/oneflow/test/modules/test_interpolate.py
# Pattern: oneflow's torch-compatible API (flow.nn.functional.interpolate,
# mode="linear", no align_corners) is not torch -> not reported. Trimmed.
import numpy as np

import oneflow as flow


def _test_interpolate_linear_1d(test_case, device):
    input = flow.tensor(
        np.arange(1, 5).reshape((1, 1, 4)),
        device=flow.device(device),
        dtype=flow.float32,
        requires_grad=True,
    )
    of_out = flow.nn.functional.interpolate(input, scale_factor=2.0, mode="linear")
    np_out = [[[1.0, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4.0]]]
    test_case.assertTrue(np.allclose(of_out.numpy(), np_out, 1e-05, 1e-05))

# Source: mindspore-ai/docs — resource/api_mapping/en/pytorch_diff/ResizeBilinear.md
# Pattern: the doc's two code paths in one script: mindspore's ops.ResizeBilinear
# (not torch) and torch.nn.Upsample(size=(5, 5), mode='bilinear') with no
# align_corners (ACF001).
from mindspore import Tensor
import mindspore.ops as ops
import torch
import numpy as np

# In MindSpore, it is predetermined to use bilinear to resize the input image.
x = np.random.randn(1, 2, 3, 4).astype(np.float32)
resize = ops.ResizeBilinear((5, 5))
tensor = Tensor(x)
output = resize(tensor)
print(output.shape)

# In torch, parameter mode should be passed to determine which method to apply for resizing input image.
x = np.random.randn(1, 2, 3, 4).astype(np.float32)
resize = torch.nn.Upsample(size=(5, 5), mode='bilinear')
tensor = torch.tensor(x)
output = resize(tensor)
print(output.shape)

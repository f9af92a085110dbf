'\nTask 1: import PyTorch\nTask 2: Generate input data\nTask 3: Call the API torch.nn.functional.affine_grid\ntorch.nn.functional.affine_grid(theta, size, align_corners=None)\n'
# Source: WGQZYJZ/Empirical-Study-on-LLM-based-DL-Compiler-Testing-Techniques —
# TitanFuzz/codex_seed_programs/codex_torch_seeds/fix/torch.nn.functional.affine_grid/1.py
# (a public, LLM-written seed program)
# Pattern: F.affine_grid(theta, size) at module level (ACF002).
import torch
import torch.nn.functional as F
dtype = torch.float
device = torch.device('cpu')
(batch_size, input_channels, input_height, input_width) = (4, 1, 5, 5)
theta = torch.randn(batch_size, 2, 3, device=device, dtype=dtype)
size = torch.Size((batch_size, input_channels, input_height, input_width))
grid = F.affine_grid(theta, size)
print(grid.size())
'\nOutput:\ntorch.Size([4, 1, 5, 5, 2])\n'

"\nTask 1: import PyTorch\nTask 2: Generate input data\nTask 3: Call the API torch.nn.functional.upsample\ntorch.nn.functional.upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None)\n"
# Source: WGQZYJZ/Empirical-Study-on-LLM-based-DL-Compiler-Testing-Techniques —
# TitanFuzz/codex_seed_programs/codex_torch_seeds/fix/torch.nn.functional.upsample/1.py
# (a public, LLM-written seed program)
# Pattern: deprecated F.upsample with mode='nearest' -> ACF101 only (no ACF001).
import torch
import torch.nn.functional as F
x = torch.randn(1, 1, 3, 3)
print(x)
y = F.upsample(x, size=None, scale_factor=2, mode='nearest')
print(y)

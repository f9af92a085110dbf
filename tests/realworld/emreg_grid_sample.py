# encoding: utf-8
# Source: llliuxz/EMReg — utils/grid_sample.py
# Pattern: a project function named `grid_sample` wrapping F.grid_sample twice without
# align_corners (ACF002 x2); the project function itself is not torch's.

import torch.nn.functional as F

def grid_sample(input, grid, canvas=None, mode='nearest', padding_mode='zeros'):
    output = F.grid_sample(input, grid, mode=mode, padding_mode=padding_mode)
    if canvas is None:
        return output
    else:
        input_mask = input.data.new(input.size()).fill_(1)
        output_mask = F.grid_sample(input_mask, grid)
        padded_output = output * output_mask + canvas * (1 - output_mask)
        return padded_output

###########################################################################
# Created by: Hang Zhang 
# Email: zhang.hang@rutgers.edu 
# Copyright (c) 2017
###########################################################################
# Source: zhanghang1989/PyTorch-Encoding — encoding/models/base.py
# Pattern: the resampling options live in a module-level dict
# (`up_kwargs = {'mode': 'bilinear', 'align_corners': True}`) passed with **: mode and
# align_corners are not visible at the call, so nothing is reported. Trimmed.

import math
import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F

up_kwargs = {'mode': 'bilinear', 'align_corners': True}

__all__ = ['BaseNet', 'MultiEvalModule']

class BaseNet(nn.Module):
    def __init__(self, nclass):
        super(BaseNet, self).__init__()
        self.nclass = nclass
        # bilinear upsample options
        self._up_kwargs = up_kwargs


def resize_image(img, h, w, **up_kwargs):
    return F.interpolate(img, (h, w), **up_kwargs)


def multi_scale(module, image, h, w):
    return resize_image(image, h, w, **module._up_kwargs)

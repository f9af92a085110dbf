# Source: NVlabs/SPADE — models/networks/normalization.py (SPADE.forward)
# Pattern: segmentation maps resized with mode='nearest'. Nothing to report.
import torch.nn as nn
import torch.nn.functional as F


class SPADE(nn.Module):
    def forward(self, x, segmap):

        # Part 1. generate parameter-free normalized activations
        normalized = self.param_free_norm(x)

        # Part 2. produce scaling and bias conditioned on semantic map
        segmap = F.interpolate(segmap, size=x.size()[2:], mode='nearest')
        actv = self.mlp_shared(segmap)
        gamma = self.mlp_gamma(actv)
        beta = self.mlp_beta(actv)

        # apply scale and bias
        out = normalized * (1 + gamma) + beta

        return out

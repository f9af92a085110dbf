"""Records a call, then is terminated by SIGTERM."""

import os
import signal
import time

import torch
import torch.nn.functional as F

F.grid_sample(torch.randn(1, 1, 3, 3), torch.zeros(1, 2, 2, 2))  # SITE: before_sigterm
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(30)

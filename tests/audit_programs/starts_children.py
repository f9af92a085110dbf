"""Starts a Python subprocess and a forked multiprocessing child; all three call torch."""

import multiprocessing
import os
import subprocess
import sys

import torch
import torch.nn.functional as F


def forked_work():
    F.interpolate(torch.randn(1, 1, 3, 3), scale_factor=2, mode="bilinear")  # SITE: forked


if __name__ == "__main__":
    child = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child_process.py")
    subprocess.run([sys.executable, child], check=True)
    process = multiprocessing.get_context("fork").Process(target=forked_work)
    process.start()
    process.join()
    F.interpolate(torch.randn(1, 1, 3, 3), scale_factor=2, mode="bicubic")  # SITE: parent

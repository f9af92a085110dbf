"""The one place torch is imported (lazily), and device selection.

Nothing here imports click: the CLI maps :class:`RuntimeUnavailable` (and its
subclasses) to exit code 2 with the exception's text as the one-line message.
"""

from __future__ import annotations

import warnings
from typing import Any

# ac-fixer has no package-index release: the extra is installed from a checkout.
# A plain `pip install torch` takes the newest build, on Linux a multi-GB CUDA one: point at the
# constraints file of the checkout (the CPU build's version) and at PyTorch's CPU index.
INSTALL_HINT = (
    "pip install -c .ci/constraints.txt '.[runtime]' in an ac-fixer checkout, or "
    "pip install torch --index-url https://download.pytorch.org/whl/cpu (the CPU build)"
)
DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


class RuntimeUnavailable(Exception):
    """The runtime check cannot run here (no torch, or the requested device is missing)."""


class TorchMissing(RuntimeUnavailable):
    """torch is not installed."""

    def __init__(self, detail: str = "") -> None:
        message = f"the runtime check needs torch, which is not installed; install it with: {INSTALL_HINT}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class DeviceUnavailable(RuntimeUnavailable):
    """The requested device does not exist on this machine (or the name is unknown)."""


def import_torch() -> Any:
    """Return the ``torch`` module, or raise :class:`TorchMissing`."""
    try:
        with warnings.catch_warnings():
            # torch without numpy warns at import; the runtime check does not use numpy.
            warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
            import torch
    except ImportError as error:
        raise TorchMissing(str(error)) from error
    return torch


def torch_version() -> str:
    return str(import_torch().__version__)


def cuda_available(torch: Any) -> bool:
    return bool(torch.cuda.is_available())


def mps_available(torch: Any) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device_name(name: str, *, cuda: bool, mps: bool) -> str:
    """Resolve ``name`` to ``cpu``/``cuda``/``mps`` given what is available.

    ``auto`` prefers CUDA, then MPS, then CPU. Asking for a device that is not
    available raises :class:`DeviceUnavailable` rather than falling back silently.
    """
    name = name.lower()
    if name not in DEVICE_NAMES:
        raise DeviceUnavailable(f"unknown device {name!r}; choose one of {', '.join(DEVICE_NAMES)}")
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        raise DeviceUnavailable("--device cuda: CUDA is not available in this torch installation/machine")
    if name == "mps" and not mps:
        raise DeviceUnavailable("--device mps: MPS (Apple GPU) is not available in this torch installation/machine")
    return name


def select_device(name: str = "auto") -> Any:
    """The ``torch.device`` to replay calls on (see :func:`choose_device_name`)."""
    torch = import_torch()
    return torch.device(choose_device_name(name, cuda=cuda_available(torch), mps=mps_available(torch)))

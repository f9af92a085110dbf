"""ac-fixer: find, fix and prove PyTorch calls that leave ``align_corners`` implicit."""

__version__ = "0.1.0"

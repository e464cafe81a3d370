"""mlops_kit: composable MLOps primitives on pluggable storage."""

from mlops_kit._version import __version__

__all__ = ["__version__"]

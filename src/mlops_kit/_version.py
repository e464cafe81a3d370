"""The version of mlops_kit, read by the build backend and recorded in everything persisted."""

__version__ = "0.1.0"

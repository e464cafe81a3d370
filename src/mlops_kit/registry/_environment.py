"""The environment a model was registered in, and the warning when it is loaded in another."""

from __future__ import annotations

import platform
import sys
import warnings
from collections.abc import Mapping
from typing import Any

from mlops_kit._version import __version__

__all__ = ["VersionMismatchWarning", "capture_environment", "compare_environment"]

# module name -> the name people know the package by
_DISPLAY = {"sklearn": "scikit-learn", "skops": "skops", "joblib": "joblib", "numpy": "numpy"}


class VersionMismatchWarning(UserWarning):
    """A model is loaded under other package versions than it was registered with.

    Examples
    --------
    >>> issubclass(VersionMismatchWarning, UserWarning)
    True
    """


def _module_version(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    if module is None:
        try:
            from importlib.metadata import PackageNotFoundError, version

            return version(_DISPLAY.get(module_name, module_name))
        except (PackageNotFoundError, ValueError):
            return None
    found = getattr(module, "__version__", None)
    return found if isinstance(found, str) else None


def capture_environment(model: Any, serializer_module: str | None) -> dict[str, str]:
    """Python, mlops_kit, numpy, scikit-learn and the model's own package versions.

    Keys are package names as people know them (``scikit-learn``, not ``sklearn``).
    """
    environment = {
        "python": platform.python_version(),
        "mlops_kit": __version__,
    }
    modules = ["numpy", "sklearn"]
    top = (type(model).__module__ or "").split(".")[0]
    if top and top not in ("builtins", "__main__", "mlops_kit"):
        modules.append(top)
    if serializer_module:
        modules.append(serializer_module)
    for module_name in modules:
        found = _module_version(module_name)
        if found is not None:
            environment[_DISPLAY.get(module_name, module_name)] = found
    return environment


def compare_environment(ref: str, recorded: Mapping[str, str]) -> None:
    """Warn, naming both versions, for every package whose version differs from ``recorded``.

    Python is compared on major.minor; mlops_kit is not compared (its documents are versioned).
    """
    modules = {display: module for module, display in _DISPLAY.items()}
    differences = []
    for package, then in recorded.items():
        if package == "mlops_kit":
            continue
        now: str | None
        if package == "python":
            now = platform.python_version()
            same = now.split(".")[:2] == then.split(".")[:2]
        else:
            now = _module_version(modules.get(package, package))
            same = now == then
        if not same:
            differences.append(f"{package} {then} (now {now or 'not installed'})")
    if differences:
        warnings.warn(
            f"{ref} was registered with {', '.join(differences)}; predictions may differ. "
            "Load it in an environment with the recorded versions, or re-register it.",
            VersionMismatchWarning,
            stacklevel=3,
        )

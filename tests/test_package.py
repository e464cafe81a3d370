"""The public namespace: sorted __all__, a version, and a light import."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import mlops_kit

PUBLIC_PACKAGES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(mlops_kit.__path__, "mlops_kit.")
    if not any(part.startswith("_") for part in name.split("."))
)


def test_version() -> None:
    assert isinstance(mlops_kit.__version__, str)
    assert mlops_kit.__version__.count(".") >= 2


@pytest.mark.parametrize("module_name", ["mlops_kit", *PUBLIC_PACKAGES])
def test_all_is_sorted_and_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{module_name} has no __all__"
    assert list(names) == sorted(names), f"{module_name}.__all__ is not sorted"
    assert len(set(names)) == len(names), f"{module_name}.__all__ has duplicates"
    for name in names:
        assert hasattr(module, name), f"{module_name}.__all__ names {name!r}, which is missing"


@pytest.mark.parametrize("module_name", ["mlops_kit", *PUBLIC_PACKAGES])
def test_every_public_name_has_a_docstring_with_an_example(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if name.startswith("__") or isinstance(obj, str | int | float | tuple | dict):
            continue
        doc = getattr(obj, "__doc__", None) or ""
        assert doc.strip(), f"{module_name}.{name} has no docstring"
        assert "Examples" in doc or ">>>" in doc, f"{module_name}.{name} has no example"


def _new_imports(code: str) -> str:
    heavy = (
        "pandas",
        "sklearn",
        "scipy",
        "pyarrow",
        "fsspec",
        "dask",
        "skops",
        "joblib",
        "matplotlib",
    )
    script = (
        "import sys; before = set(sys.modules); " + code + "; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules and m not in before))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_is_light() -> None:
    assert _new_imports("import mlops_kit") == ""
    # a service that loads a model touches only the store and the registry
    assert _new_imports("import mlops_kit as mk; mk.open_store; mk.ModelRegistry") == ""


def test_every_public_name_loads_without_optional_heavy_imports() -> None:
    loaded = _new_imports("import mlops_kit as mk; [getattr(mk, n) for n in mk.__all__]")
    # pandas is a core dependency (and pandas itself may import pyarrow); nothing else
    assert set(loaded.split(",")) - {"", "pandas", "pyarrow"} == set()


def test_lazy_names_match_all() -> None:
    assert set(mlops_kit._LAZY) == set(mlops_kit.__all__) - {"__version__"}
    assert set(mlops_kit.__all__) <= set(dir(mlops_kit))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mlops_kit.nope  # noqa: B018


def test_exception_tree() -> None:
    from mlops_kit import exceptions as e

    assert issubclass(e.NotFoundError, KeyError)
    assert issubclass(e.ValidationError, ValueError)
    assert issubclass(e.NotFittedError, ValueError)
    assert issubclass(e.NotFittedError, AttributeError)
    assert issubclass(e.StorageError, OSError)
    for name in e.__all__:
        assert issubclass(getattr(e, name), e.MlopsKitError)
        assert name in (e.__doc__ or ""), f"{name} is not drawn in the exceptions docstring"
    assert str(e.NotFoundError("no 'x'")) == "no 'x'"
    assert e.GateFailedError("failed", result=1).result == 1

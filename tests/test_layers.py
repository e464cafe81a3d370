"""Imports point one way, from the lifecycle's end towards its base (DESIGN.md, "Layout").

Every runtime import of one of our packages by another is checked against the allowed edges
(imports under ``if TYPE_CHECKING:`` are for type hints only and do not count). The one edge
beyond the diagram: ``monitor`` uses the ``data`` package's pickle-free frame codec for its
snapshots.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mlops_kit"
BASE = {"exceptions", "protocols", "_version"}
ALLOWED: dict[str, set[str]] = {
    "exceptions": set(),
    "protocols": set(),
    "_version": set(),
    "storage": BASE,
    "report": BASE,
    "data": BASE | {"storage"},
    "drift": BASE | {"storage", "report"},
    "quality": BASE | {"drift", "storage", "report"},
    "registry": BASE | {"data", "storage", "report"},
    "monitor": BASE | {"storage", "data", "report"},
    "retrain": BASE | {"registry", "quality", "drift", "monitor", "data", "storage", "report"},
}
# the command line, the conformance kits and the package's lazy re-exports may use anything
UNRESTRICTED = {"cli", "testing", "__init__"}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_packages(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            found.update(n.split(".")[1] for n in names if n.startswith("mlops_kit."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("mlops_kit."):
                found.add(node.module.split(".")[1])
            elif node.module == "mlops_kit":
                found.update(alias.name for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_towards_the_base(path: Path) -> None:
    package = path.relative_to(SRC).parts[0].removesuffix(".py")
    if package in UNRESTRICTED:
        return
    assert package in ALLOWED, f"{package!r} is a new package: give it its place in ALLOWED"
    imported = _imported_packages(ast.parse(path.read_text(encoding="utf-8"))) - {package}
    assert imported <= ALLOWED[package], (
        f"{path.relative_to(SRC)} imports {sorted(imported - ALLOWED[package])}, against the "
        "direction of the layers in DESIGN.md"
    )


def test_the_checker_sees_runtime_imports_only() -> None:
    code = (
        "from typing import TYPE_CHECKING\n"
        "import mlops_kit.storage\n"
        "from mlops_kit.data import DataRepository\n"
        "if TYPE_CHECKING:\n"
        "    from mlops_kit.registry import ModelRegistry\n"
        "def f():\n"
        "    from mlops_kit.drift import auto\n"
    )
    assert _imported_packages(ast.parse(code)) == {"storage", "data", "drift"}

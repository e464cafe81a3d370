"""Lineage: a model version, the model versions it derives from, its data and their parents."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.registry._common import format_time, html_table, parse_time
from mlops_kit.registry._records import ModelVersion

__all__ = ["DataNode", "Lineage", "build", "resolve_data_version"]


@attrs.frozen(kw_only=True)
class DataNode:
    """A data version in a lineage: what the store knows of it (``found=False``: only the id).

    Examples
    --------
    >>> node = DataNode(id="ab" * 32, name="transactions", parents=("cd" * 32,), found=True)
    >>> print(node)
    transactions@abababababab
    >>> DataNode.from_dict(node.to_dict()) == node
    True
    """

    id: str
    name: str | None = None
    created_at: datetime | None = None
    n_rows: int | None = None
    message: str | None = None
    parents: tuple[str, ...] = ()
    found: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the node."""
        return {
            "id": self.id,
            "name": self.name,
            "created_at": None if self.created_at is None else format_time(self.created_at),
            "n_rows": self.n_rows,
            "message": self.message,
            "parents": list(self.parents),
            "found": self.found,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataNode:
        """Rebuild a node from :meth:`to_dict`'s output."""
        created = data.get("created_at")
        return cls(
            id=data["id"],
            name=data.get("name"),
            created_at=None if created is None else parse_time(created),
            n_rows=data.get("n_rows"),
            message=data.get("message"),
            parents=tuple(data.get("parents") or ()),
            found=bool(data.get("found", False)),
        )

    def __str__(self) -> str:
        text = f"{self.name}@{self.id[:12]}" if self.name else self.id[:12]
        return text if self.found else f"{text} (not in this store)"


@attrs.frozen(kw_only=True)
class Lineage:
    """Where a model version comes from.

    Attributes
    ----------
    model
        The version asked about.
    parents
        Its parent model versions, nearest first.
    data
        The data version it was trained on, or ``None``.
    data_ancestors
        That data version's parents, breadth first (each once).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> mv = ModelVersion(name="fraud", version=2, digest="ab" * 32, size=10, serializer="skops",
    ...                   model_type="sklearn.linear_model.LogisticRegression",
    ...                   created_at=datetime(2026, 11, 26, tzinfo=timezone.utc),
    ...                   data_version="cd" * 32)
    >>> lineage = Lineage(model=mv, data=DataNode(id="cd" * 32))
    >>> print(lineage)
    fraud/2
    └── data cdcdcdcdcdcd (not in this store)
    >>> Lineage.from_dict(lineage.to_dict()) == lineage
    True
    """

    model: ModelVersion
    parents: tuple[ModelVersion, ...] = ()
    data: DataNode | None = None
    data_ancestors: tuple[DataNode, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the lineage."""
        return {
            "model": self.model.to_dict(),
            "parents": [mv.to_dict() for mv in self.parents],
            "data": None if self.data is None else self.data.to_dict(),
            "data_ancestors": [node.to_dict() for node in self.data_ancestors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Lineage:
        """Rebuild a lineage from :meth:`to_dict`'s output."""
        node = data.get("data")
        return cls(
            model=ModelVersion.from_dict(data["model"]),
            parents=tuple(ModelVersion.from_dict(p) for p in data.get("parents") or ()),
            data=None if node is None else DataNode.from_dict(node),
            data_ancestors=tuple(DataNode.from_dict(n) for n in data.get("data_ancestors") or ()),
        )

    def __str__(self) -> str:
        lines = [self.model.ref]
        items = [f"parent model {mv.ref}" for mv in self.parents]
        if self.data is not None:
            items.append(f"data {self.data}")
        for index, item in enumerate(items):
            lines.append(("└── " if index == len(items) - 1 else "├── ") + item)
        for node in self.data_ancestors:
            lines.append(f"    └── parent data {node}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows: dict[str, object] = {"model": self.model.ref}
        rows.update({f"parent {i + 1}": mv.ref for i, mv in enumerate(self.parents)})
        rows["data"] = "-" if self.data is None else str(self.data)
        rows.update({f"data parent {i + 1}": str(n) for i, n in enumerate(self.data_ancestors)})
        return html_table(f"Lineage of {self.model.ref}", rows)


def _repository(store: Any) -> Any:
    """A DataRepository on the store (imported here: it brings pandas)."""
    from mlops_kit.data import DataRepository

    return DataRepository(store)


def _node(repository: Any, data_id: str) -> DataNode:
    """What the store knows of a data version; only its id when it holds no such version."""
    try:
        found = repository.version(data_id)
    except NotFoundError:
        return DataNode(id=data_id)
    return DataNode(
        id=found.id,
        name=found.name,
        created_at=found.created_at,
        n_rows=found.n_rows,
        message=found.message,
        parents=found.parents,
        found=True,
    )


def resolve_data_version(store: Any, data_version: Any) -> tuple[str | None, str | None]:
    """``(id, dataset name)`` of a ``data_version`` argument, checked against the store.

    An id unknown to a store that holds data versions is a NotFoundError; a store without any
    data version accepts any id (the data may live in another store).
    """
    if data_version is None:
        return None, None
    if isinstance(data_version, str):
        data_id, name = data_version, None
    elif isinstance(getattr(data_version, "id", None), str):
        data_id, name = data_version.id, getattr(data_version, "name", None)
    else:
        raise ValidationError(
            "The 'data_version' parameter must be a DataVersion or its id (a string). "
            f"Got {type(data_version).__name__} instead."
        )
    if not data_id or not data_id.isprintable() or len(data_id) > 255:
        raise ValidationError(
            f"The 'data_version' id must be a non-empty printable string of at most 255 "
            f"characters. Got {data_id!r} instead."
        )
    repository = _repository(store)
    node = _node(repository, data_id)
    if node.found:
        return node.id, node.name or name
    if repository.datasets():
        raise NotFoundError(
            f"No data version {data_id!r} in this store. Commit the data with "
            "DataRepository(store).commit(...) and pass the DataVersion it returns."
        )
    return data_id, name if isinstance(name, str) else None


def build(
    store: Any, model: ModelVersion, parents: tuple[ModelVersion, ...], depth: int | None
) -> Lineage:
    """The lineage of ``model``: its data node and that node's ancestors up to ``depth``."""
    if model.data_version is None:
        return Lineage(model=model, parents=parents)
    repository = _repository(store)
    data = _node(repository, model.data_version)
    if data.name is None and model.data_name is not None:
        data = attrs.evolve(data, name=model.data_name)
    ancestors: list[DataNode] = []
    seen = {data.id}
    frontier = list(data.parents)
    generation = 0
    while frontier and (depth is None or generation < depth):
        next_frontier: list[str] = []
        for data_id in frontier:
            if data_id in seen:
                continue
            seen.add(data_id)
            node = _node(repository, data_id)
            ancestors.append(node)
            next_frontier.extend(node.parents)
        frontier = next_frontier
        generation += 1
    return Lineage(model=model, parents=parents, data=data, data_ancestors=tuple(ancestors))

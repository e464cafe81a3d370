"""Lineage: data versions checked against the store, parents, and the lineage walk."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from mlops_kit.data import DataRepository
from mlops_kit.exceptions import NotFoundError
from mlops_kit.registry import DataNode, Lineage, ModelRegistry
from mlops_kit.storage import Store


@pytest.fixture
def repo(store: Store) -> Any:
    return DataRepository(store)


@pytest.fixture
def chain(repo: Any) -> list[Any]:
    frame = pd.DataFrame({"amount": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    v1 = repo.commit("transactions", frame, message="first")
    v2 = repo.commit("transactions", pd.concat([frame, frame.iloc[:1]], ignore_index=True))
    v3 = repo.commit("transactions", pd.concat([frame] * 3, ignore_index=True), message="third")
    return [v1, v2, v3]


def test_a_data_version_object_is_recorded(registry: ModelRegistry, chain: list[Any]) -> None:
    mv = registry.register("fraud", {"w": 1}, data_version=chain[2])
    assert (mv.data_version, mv.data_name) == (chain[2].id, "transactions")


def test_an_id_is_checked_and_named(registry: ModelRegistry, chain: list[Any]) -> None:
    mv = registry.register("fraud", {"w": 1}, data_version=chain[0].id)
    assert (mv.data_version, mv.data_name) == (chain[0].id, "transactions")


@pytest.mark.usefixtures("chain")
@pytest.mark.parametrize("unknown", ["f" * 64, "not-an-id"], ids=["well-formed", "malformed"])
def test_an_unknown_id_is_refused_when_the_store_has_data(
    registry: ModelRegistry, unknown: str
) -> None:
    with pytest.raises(NotFoundError, match=r"No data version .* in this store"):
        registry.register("fraud", {"w": 1}, data_version=unknown)
    assert registry.models() == []


def test_any_id_is_accepted_when_the_store_has_no_data(registry: ModelRegistry) -> None:
    mv = registry.register("fraud", {"w": 1}, data_version="f" * 64)
    assert (mv.data_version, mv.data_name) == ("f" * 64, None)
    lineage = registry.lineage("fraud/1")
    assert lineage.data == DataNode(id="f" * 64, found=False)
    assert lineage.data_ancestors == ()
    assert "(not in this store)" in str(lineage)


def test_a_foreign_data_version_object_without_data_in_the_store(chain: list[Any]) -> None:
    fresh = ModelRegistry("memory://")
    mv = fresh.register("fraud", {"w": 1}, data_version=chain[1])
    assert (mv.data_version, mv.data_name) == (chain[1].id, "transactions")
    assert fresh.lineage(mv).data == DataNode(id=chain[1].id, name="transactions")


def test_lineage_walks_models_and_data(registry: ModelRegistry, chain: list[Any]) -> None:
    registry.register("fraud", {"w": 1}, data_version=chain[0])
    registry.register("fraud", {"w": 2}, data_version=chain[1], parent="fraud/1")
    registry.set_alias("fraud", "champion", 2)
    registry.register("fraud", {"w": 3}, data_version=chain[2], parent="fraud@champion")
    lineage = registry.lineage("fraud/3")
    assert lineage.model.ref == "fraud/3"
    assert lineage.model.parent == "fraud/2"
    assert [mv.ref for mv in lineage.parents] == ["fraud/2", "fraud/1"]
    assert lineage.data is not None
    assert (lineage.data.id, lineage.data.name, lineage.data.found) == (
        chain[2].id,
        "transactions",
        True,
    )
    assert lineage.data.parents == (chain[1].id,)
    assert lineage.data.n_rows == 9
    assert lineage.data.message == "third"
    assert [node.id for node in lineage.data_ancestors] == [chain[1].id, chain[0].id]
    assert all(node.found for node in lineage.data_ancestors)
    shallow = registry.lineage("fraud/3", depth=1)
    assert [mv.ref for mv in shallow.parents] == ["fraud/2"]
    assert [node.id for node in shallow.data_ancestors] == [chain[1].id]
    text = str(lineage)
    assert text.splitlines()[0] == "fraud/3"
    assert "├── parent model fraud/2" in text
    assert f"└── data transactions@{chain[2].id[:12]}" in text
    assert Lineage.from_dict(json.loads(json.dumps(lineage.to_dict()))) == lineage
    assert "<table>" in lineage._repr_html_()


def test_lineage_of_a_model_without_data(registry: ModelRegistry) -> None:
    registry.register("fraud", {"w": 1})
    lineage = registry.lineage("fraud")
    assert (lineage.parents, lineage.data, lineage.data_ancestors) == ((), None, ())
    assert str(lineage) == "fraud/1"


def test_lineage_stops_at_a_deleted_parent_record(store: Store) -> None:
    registry = ModelRegistry(store)
    registry.register("fraud", {"w": 1})
    registry.register("fraud", {"w": 2}, parent="fraud/1")
    registry.delete_version("fraud", 1)
    assert [mv.ref for mv in registry.lineage("fraud/2").parents] == ["fraud/1"]
    store.metadata.delete("registry.versions", "fraud/000000001")  # a record lost by hand
    assert registry.lineage("fraud/2").parents == ()


def test_lineage_bad_depth(registry: ModelRegistry) -> None:
    from mlops_kit.exceptions import ValidationError

    registry.register("fraud", {"w": 1})
    with pytest.raises(ValidationError, match="'depth'"):
        registry.lineage("fraud", depth=-1)

"""Registering, reading, loading, searching, deleting and collecting, on every embedded store."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.registry import ModelRegistry, ModelVersion, PickleSerializer, Signature
from mlops_kit.storage import Store, open_store


def register_n(registry: ModelRegistry, model: Any, n: int, name: str = "fraud") -> None:
    for _ in range(n):
        registry.register(name, model)


def test_register_records_everything(registry: ModelRegistry, model: Any) -> None:
    mv = registry.register(
        "fraud",
        model,
        data_version="ab" * 32,
        metrics={"roc_auc": 0.93, "n": 12},
        params=model.get_params(),
        tags={"team": "risk"},
        input_example=np.zeros((2, 3)),
        description="first try",
    )
    assert (mv.name, mv.version, mv.ref) == ("fraud", 1, "fraud/1")
    assert mv.serializer == "skops"
    assert mv.model_type == "sklearn.linear_model._logistic.LogisticRegression"
    assert len(mv.digest) == 64
    assert mv.size > 0
    assert mv.created_at == datetime_after_one_tick()
    assert mv.data_version == "ab" * 32
    assert mv.metrics == {"roc_auc": 0.93, "n": 12.0}
    assert mv.params["C"] == 1.0
    assert mv.params["class_weight"] is None
    assert mv.tags == {"team": "risk"}
    assert mv.signature == Signature(kind="array", dtype="float64", shape=(None, 3))
    assert mv.description == "first try"
    assert mv.environment["python"].count(".") == 2
    import sklearn

    assert mv.environment["scikit-learn"] == sklearn.__version__
    assert "mlops_kit" in mv.environment
    assert "skops" in mv.environment
    assert registry.get("fraud/1") == mv


def datetime_after_one_tick() -> Any:
    from datetime import datetime, timezone

    return datetime(2026, 11, 26, 9, 0, 1, tzinfo=timezone.utc)


def test_persisted_documents_carry_versions(store: Store, model: Any) -> None:
    ModelRegistry(store).register("fraud", model)
    ModelRegistry(store).set_alias("fraud", "champion", 1)
    for collection, key in [
        ("registry.models", "fraud"),
        ("registry.versions", "fraud/000000001"),
        ("registry.aliases", "fraud/champion"),
        ("registry.alias_history", "fraud/champion/000000001"),
    ]:
        doc = store.metadata.get(collection, key)
        assert doc is not None, (collection, key)
        assert doc.value["schema_version"] == 1
        assert doc.value["mlops_kit_version"] == __import__("mlops_kit").__version__


def test_versions_are_consecutive_and_load_round_trips(
    registry: ModelRegistry, model: Any, data: Any
) -> None:
    register_n(registry, model, 3)
    assert [mv.version for mv in registry.versions("fraud")] == [1, 2, 3]
    X, _ = data
    for ref in ("fraud", "fraud/2", "fraud@latest", registry.get("fraud/1")):
        np.testing.assert_array_equal(registry.load(ref).predict(X), model.predict(X))
    assert registry.get("fraud").version == 3
    assert registry.get("fraud", version=2).version == 2


def test_names_are_independent(registry: ModelRegistry, model: Any) -> None:
    register_n(registry, model, 2, "fraud")
    register_n(registry, model, 1, "fraud2")
    assert registry.get("fraud2").version == 1
    assert [mv.ref for mv in registry.versions("fraud")] == ["fraud/1", "fraud/2"]


def test_many_versions_find_the_latest(store: Store) -> None:
    registry = ModelRegistry(store)
    for i in range(37):
        registry.register("m", {"i": i}, serializer="pickle")
    assert registry.get("m").version == 37
    assert registry.load("m") == {"i": 36}
    assert registry._last_version("m") == 37


def test_the_same_model_twice_shares_one_blob(registry: ModelRegistry, model: Any) -> None:
    a = registry.register("fraud", model, serializer="pickle")
    b = registry.register("fraud", model, serializer="pickle")
    assert a.digest == b.digest
    assert a.version != b.version


def test_serializer_choice(registry: ModelRegistry, model: Any) -> None:
    assert registry.register("a", {"w": 1}).serializer == "joblib"
    assert registry.register("a", {"w": 1}, serializer="pickle").serializer == "pickle"
    assert registry.register("a", {"w": 1}, serializer=PickleSerializer()).serializer == "pickle"
    assert registry.load("a/3") == {"w": 1}
    assert registry.load("a/3", serializer=PickleSerializer()) == {"w": 1}
    with pytest.raises(ValidationError, match="written with the 'joblib' format"):
        registry.load("a/1", serializer=PickleSerializer())


def test_input_example_frame(registry: ModelRegistry) -> None:
    frame = pd.DataFrame({"amount": [1.0], "n": [2]})
    mv = registry.register("m", {"w": 1}, input_example=frame)
    assert [c.name for c in mv.signature.columns] == ["amount", "n"]  # type: ignore[union-attr]
    mv.signature.validate(frame)  # type: ignore[union-attr]
    explicit = Signature.infer(np.zeros((1, 2)))
    assert registry.register("m", {"w": 1}, signature=explicit).signature == explicit


def test_params_are_made_json_safe(registry: ModelRegistry) -> None:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(SimpleImputer(), PickleSerializer())
    params = {
        **pipeline.get_params(),
        "alpha": np.float32(0.5),
        "n": np.int64(3),
        "inf": float("inf"),
        "t": (1, 2),
    }
    mv = registry.register("m", {"w": 1}, params=params)
    json.dumps(mv.to_dict(), allow_nan=False)
    assert mv.params["simpleimputer__missing_values"] == "nan"
    assert mv.params["alpha"] == 0.5
    assert mv.params["n"] == 3
    assert mv.params["inf"] == "inf"
    assert mv.params["t"] == [1, 2]
    assert mv.params["simpleimputer"] == "SimpleImputer()"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "name",
    ["", "a/b", "..", "tab\there", "x" * 201, "fraud@champion"],
    ids=["empty", "slash", "dotdot", "control-char", "201-chars", "at-sign"],
)
def test_invalid_names(registry: ModelRegistry, model: Any, name: str) -> None:
    with pytest.raises(ValidationError, match="Invalid model name"):
        registry.register(name, model)


@pytest.mark.parametrize(
    "metrics, match",
    [
        ({"auc": float("nan")}, "finite number"),
        ({"auc": float("inf")}, "finite number"),
        ({"auc": np.float64("-inf")}, "finite number"),
        ({"auc": "0.9"}, "finite number"),
        ({"auc": True}, "finite number"),
        ({"auc": None}, "finite number"),
        ({"": 0.9}, "non-empty strings"),
        ([("auc", 0.9)], "mapping"),
    ],
    ids=["nan", "inf", "numpy-inf", "string", "bool", "none", "empty-name", "list"],
)
def test_bad_metrics(registry: ModelRegistry, model: Any, metrics: Any, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        registry.register("fraud", model, metrics=metrics)
    assert registry.models() == []  # nothing was written


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tags": {"team": 3}}, "string value"),
        ({"tags": {"": "x"}}, "non-empty strings"),
        ({"tags": ["x"]}, "mapping"),
        ({"params": {"": 1}}, "non-empty strings"),
        ({"params": [1]}, "mapping"),
        ({"description": 3}, "'description' parameter"),
        ({"signature": "x"}, "'signature' parameter"),
        ({"signature": Signature(kind="array"), "input_example": [[1]]}, "not both"),
        ({"data_version": 3}, "'data_version' parameter"),
        ({"data_version": ""}, "non-empty printable"),
        ({"data_version": "a\nb"}, "non-empty printable"),
        ({"parent": "fraud/9"}, "no version 9"),
        ({"parent": 3}, "must be a string"),
        ({"serializer": "onnx"}, "No serializer named 'onnx'"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_arguments(registry: ModelRegistry, model: Any, kwargs: Any, match: str) -> None:
    registry.register("fraud", model)
    with pytest.raises((ValidationError, NotFoundError), match=match):
        registry.register("fraud", model, **kwargs)
    assert [mv.version for mv in registry.versions("fraud")] == [1]


def test_bad_registry_arguments(store: Store) -> None:
    with pytest.raises(ValidationError, match="'store' parameter of ModelRegistry"):
        ModelRegistry(object())
    with pytest.raises(ValidationError, match="'allow_pickle' parameter"):
        ModelRegistry(store, allow_pickle="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'clock' parameter"):
        ModelRegistry(store, clock=3)  # type: ignore[arg-type]
    naive = ModelRegistry(store, clock=lambda: __import__("datetime").datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="timezone-aware"):
        naive.register("m", {"w": 1})


def test_a_registry_from_a_url(tmp_path: Any) -> None:
    registry = ModelRegistry(str(tmp_path / "store"))
    registry.register("m", {"w": 1})
    assert "ModelRegistry(" in repr(registry)
    registry.store.close()
    with open_store(tmp_path / "store") as store:
        assert ModelRegistry(store).load("m") == {"w": 1}


# ------------------------------------------------------------------ not found


def test_unknown_model_names_what_exists(registry: ModelRegistry, model: Any) -> None:
    with pytest.raises(NotFoundError, match="registry is empty"):
        registry.get("fraud")
    registry.register("fraud", model)
    registry.register("churn", model)
    with pytest.raises(
        NotFoundError, match=r"Did you mean 'fraud'.*Known models: 'churn', 'fraud'"
    ):
        registry.get("frud")
    with pytest.raises(NotFoundError, match="Known models"):
        registry.load("zzz@champion")
    with pytest.raises(KeyError):
        registry.versions("zzz")


def test_unknown_version_names_the_range(registry: ModelRegistry, model: Any) -> None:
    register_n(registry, model, 3)
    with pytest.raises(NotFoundError, match="no version 7; its versions are 1 to 3"):
        registry.get("fraud/7")
    with pytest.raises(NotFoundError, match="no version 4"):
        registry.load("fraud", version=4)


def test_a_model_without_versions(store: Store) -> None:
    store.metadata.put(
        "registry.models", "empty", {"name": "empty", "created_at": "2026-01-01T00:00:00+00:00"}
    )
    registry = ModelRegistry(store)
    with pytest.raises(NotFoundError, match="no version left"):
        registry.get("empty")
    with pytest.raises(NotFoundError, match="no versions yet"):
        registry.get("empty/1")
    assert registry.versions("empty") == []
    assert registry.model("empty").latest_version is None


def test_unknown_alias_names_the_aliases(registry: ModelRegistry, model: Any) -> None:
    register_n(registry, model, 2)
    with pytest.raises(NotFoundError, match="no alias 'champion'; it has none"):
        registry.get("fraud@champion")
    registry.set_alias("fraud", "challenger", 2)
    with pytest.raises(NotFoundError, match=r"its aliases are 'challenger' \(-> 2\)"):
        registry.get("fraud@champion")


# ------------------------------------------------------------------ models and search


def test_models_and_update_model(registry: ModelRegistry, model: Any) -> None:
    register_n(registry, model, 2, "fraud")
    register_n(registry, model, 1, "churn")
    registry.set_alias("fraud", "champion", 1)
    assert [m.name for m in registry.models()] == ["churn", "fraud"]
    fraud = registry.models()[1]
    assert fraud.latest_version == 2
    assert fraud.aliases == {"champion": 1}
    assert fraud.created_at.tzinfo is not None
    updated = registry.update_model("fraud", description="card fraud", tags={"team": "risk"})
    assert (updated.description, updated.tags) == ("card fraud", {"team": "risk"})
    updated = registry.update_model("fraud", tags={"team": None, "tier": "1"})
    assert (updated.description, updated.tags) == ("card fraud", {"tier": "1"})
    assert registry.model("fraud") == updated
    assert registry.aliases("fraud") == {"champion": 1}
    with pytest.raises(NotFoundError):
        registry.update_model("nope", description="x")
    with pytest.raises(ValidationError, match="'description' parameter"):
        registry.update_model("fraud", description=3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="string value"):
        registry.update_model("fraud", tags={"a": 3})  # type: ignore[dict-item]


def test_update_model_retries_on_conflict(store: Store, model: Any, monkeypatch: Any) -> None:
    registry = ModelRegistry(store)
    registry.register("fraud", model)
    real_get = store.metadata.get
    calls = {"n": 0}

    def racing_get(collection: str, key: str) -> Any:
        doc = real_get(collection, key)
        if collection == "registry.models" and calls["n"] == 0:
            calls["n"] += 1
            store.metadata.put(collection, key, {**doc.value, "description": "theirs"})
        return doc

    monkeypatch.setattr(store.metadata, "get", racing_get)
    assert registry.update_model("fraud", tags={"a": "b"}).description == "theirs"


@pytest.fixture
def searchable(registry: ModelRegistry) -> ModelRegistry:
    rows = [
        ("fraud", {"roc_auc": 0.81}, {"C": 1.0}, {"team": "risk"}),
        ("fraud", {"roc_auc": 0.93, "f1": 0.5}, {"C": 0.1}, {"team": "risk", "stage": "x"}),
        ("fraud", {"roc_auc": 0.88}, {"C": 10}, {"team": "ml"}),
        ("fraud", {}, {}, {}),
        ("churn", {"roc_auc": 0.97}, {"C": 1.0}, {"team": "risk"}),
    ]
    for name, metrics, params, tags in rows:
        registry.register(name, {"w": 1}, metrics=metrics, params=params, tags=tags)
    return registry


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({}, ["churn/1", "fraud/1", "fraud/2", "fraud/3", "fraud/4"]),
        ({"name": "fraud", "tags": {"team": "risk"}}, ["fraud/1", "fraud/2"]),
        ({"tags": {"team": "risk"}}, ["churn/1", "fraud/1", "fraud/2"]),
        ({"tags": {"stage": lambda v: v.startswith("x")}}, ["fraud/2"]),
        ({"name": "fraud", "metrics": {"roc_auc": ">= 0.85"}}, ["fraud/2", "fraud/3"]),
        ({"name": "fraud", "metrics": {"roc_auc": ("<", 0.85)}}, ["fraud/1"]),
        ({"name": "fraud", "metrics": {"roc_auc": 0.88}}, ["fraud/3"]),
        ({"name": "fraud", "metrics": {"roc_auc": "!=0.88"}}, ["fraud/1", "fraud/2"]),
        ({"name": "fraud", "metrics": {"roc_auc": lambda v: v > 0.9}}, ["fraud/2"]),
        ({"params": {"C": 1.0}}, ["churn/1", "fraud/1"]),
        ({"params": {"C": 10}}, ["fraud/3"]),
        ({"params": {"C": np.float64(0.1)}}, ["fraud/2"]),
        ({"params": {"C": lambda c: c < 1}}, ["fraud/2"]),
        ({"order_by": "-metrics.roc_auc"}, ["churn/1", "fraud/2", "fraud/3", "fraud/1", "fraud/4"]),
        ({"order_by": "metrics.roc_auc"}, ["fraud/1", "fraud/3", "fraud/2", "churn/1", "fraud/4"]),
        (
            {"order_by": ["tags.team", "-version"]},
            ["fraud/3", "fraud/2", "churn/1", "fraud/1", "fraud/4"],
        ),
        ({"order_by": "-created_at", "limit": 2}, ["churn/1", "fraud/4"]),
        ({"order_by": "params.C"}, ["fraud/2", "churn/1", "fraud/1", "fraud/3", "fraud/4"]),
        ({"order_by": ["-name", "-size"]}, ["fraud/1", "fraud/2", "fraud/3", "fraud/4", "churn/1"]),
    ],
    ids=[
        "all",
        "tag",
        "tag-all-models",
        "tag-function",
        "metric-at-least",
        "metric-tuple",
        "metric-equal",
        "metric-not-equal",
        "metric-function",
        "param-equal",
        "param-int",
        "param-numpy",
        "param-function",
        "order-desc",
        "order-asc",
        "order-two-keys",
        "order-time-limit",
        "order-param",
        "order-name-desc",
    ],
)
def test_search(searchable: ModelRegistry, kwargs: dict[str, Any], expected: list[str]) -> None:
    assert [mv.ref for mv in searchable.search(**kwargs)] == expected


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"metrics": {"roc_auc": "about 0.9"}}, "Cannot read the condition"),
        ({"metrics": {"roc_auc": ("~", 0.9)}}, "needs an operator"),
        ({"metrics": {"roc_auc": ">= nan"}}, "finite number"),
        ({"metrics": {"roc_auc": None}}, "finite number"),
        ({"metrics": [1]}, "must be a mapping"),
        ({"order_by": "metrics"}, "Cannot order by 'metrics'"),
        ({"order_by": "-"}, "non-empty strings"),
        ({"order_by": "colour"}, "Cannot order by"),
        ({"limit": 0}, "'limit' parameter"),
        ({"limit": True}, "'limit' parameter"),
    ],
    ids=[
        "unreadable",
        "bad-operator",
        "nan",
        "none",
        "not-mapping",
        "group-only",
        "dash",
        "unknown-field",
        "zero-limit",
        "bool-limit",
    ],
)
def test_bad_search(searchable: ModelRegistry, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        searchable.search(**kwargs)


# ------------------------------------------------------------------ deleting and gc


def test_delete_version_keeps_the_number(registry: ModelRegistry, model: Any) -> None:
    register_n(registry, model, 3)
    deleted = registry.delete_version("fraud", 3, reason="leaky feature")
    assert deleted.deleted_at is not None
    assert deleted.delete_reason == "leaky feature"
    assert "DELETED" in str(deleted)
    assert registry.get("fraud").version == 2
    assert [mv.version for mv in registry.versions("fraud")] == [1, 2]
    assert [mv.version for mv in registry.versions("fraud", include_deleted=True)] == [1, 2, 3]
    assert [mv.ref for mv in registry.search("fraud", include_deleted=True)][-1] == "fraud/3"
    assert [mv.ref for mv in registry.search(include_deleted=False)] == ["fraud/1", "fraud/2"]
    with pytest.raises(NotFoundError, match="was deleted"):
        registry.get("fraud/3")
    with pytest.raises(NotFoundError, match="was deleted"):
        registry.delete_version("fraud", 3)
    assert registry.register("fraud", model).version == 4
    assert registry.model("fraud").latest_version == 4
    registry.delete_version("fraud", 4)
    assert registry.model("fraud").latest_version == 2


def test_delete_is_refused_while_aliased(registry: ModelRegistry, model: Any) -> None:
    register_n(registry, model, 2)
    registry.set_alias("fraud", "champion", 2)
    registry.set_alias("fraud", "shadow", 2)
    with pytest.raises(ValidationError, match="'champion', 'shadow' point at it"):
        registry.delete_version("fraud", 2)
    registry.set_alias("fraud", "champion", 1)
    registry.remove_alias("fraud", "shadow")
    registry.delete_version("fraud", 2)
    with pytest.raises(NotFoundError, match="was deleted"):
        registry.set_alias("fraud", "champion", 2)


def test_all_versions_deleted(registry: ModelRegistry, model: Any) -> None:
    registry.register("fraud", model)
    registry.delete_version("fraud", 1)
    with pytest.raises(NotFoundError, match="no version left"):
        registry.get("fraud")
    assert registry.model("fraud").latest_version is None


def test_gc_reports_then_deletes(store: Store, model: Any) -> None:
    registry = ModelRegistry(store)
    kept = registry.register("fraud", model, serializer="pickle")
    other = registry.register("fraud", {"w": 1})
    shared = registry.register("fraud", model, serializer="pickle")
    data_blob = store.blobs.put(b"a data chunk that is not the registry's")
    assert registry.gc().digests == ()
    registry.delete_version("fraud", other.version)
    registry.delete_version("fraud", shared.version)  # its bytes are kept by version 1
    report = registry.gc()
    assert report.dry_run
    assert report.digests == (other.digest,)
    assert report.bytes == other.size
    assert store.blobs.exists(other.digest)
    deleted = registry.gc(dry_run=False)
    assert deleted.digests == (other.digest,)
    assert "deleted" in str(deleted)
    assert not store.blobs.exists(other.digest)
    assert store.blobs.exists(kept.digest)
    assert store.blobs.exists(data_blob)
    assert registry.gc().digests == ()
    with pytest.raises(ValidationError, match="'dry_run'"):
        registry.gc(dry_run="no")  # type: ignore[arg-type]


def test_register_restores_a_blob_collected_meanwhile(store: Store) -> None:
    registry = ModelRegistry(store)
    mv = registry.register("m", {"w": 1}, serializer="pickle")
    registry.delete_version("m", 1)
    real_put = store.metadata.put

    def gc_between(collection: str, key: str, value: Any, **kw: Any) -> int:
        if key == "m/000000002":
            registry.gc(dry_run=False)  # runs after the blob was written, before the record
        return real_put(collection, key, value, **kw)

    store.metadata.put = gc_between  # type: ignore[method-assign]
    try:
        again = registry.register("m", {"w": 1}, serializer="pickle")
    finally:
        del store.metadata.put
    assert again.digest == mv.digest
    assert registry.load("m/2") == {"w": 1}


def test_round_trip_of_a_stored_record(registry: ModelRegistry, model: Any) -> None:
    mv = registry.register(
        "fraud",
        model,
        input_example=pd.DataFrame({"a": [1.0]}),
        metrics={"auc": 0.5},
        data_version="x" * 64,
        parent=None,
    )
    assert ModelVersion.from_dict(json.loads(json.dumps(mv.to_dict()))) == mv


def test_a_model_no_serializer_can_handle(registry: ModelRegistry) -> None:
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier()
    model.state_ = (i for i in range(3))
    with pytest.raises(ValidationError, match="cannot serialize this DummyClassifier"):
        registry.register("fraud", model)
    with pytest.raises(ValidationError, match="'skops' does not support dict"):
        registry.register("fraud", {"w": 1}, serializer="skops")
    assert registry.models() == []

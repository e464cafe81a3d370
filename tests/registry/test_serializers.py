"""Serializers: built-ins, the default choice, registration of custom formats, bad models."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from mlops_kit.exceptions import NotFoundError, UntrustedArtifactError, ValidationError
from mlops_kit.protocols import Serializer
from mlops_kit.registry import (
    JoblibSerializer,
    PickleSerializer,
    SkopsSerializer,
    _serializers,
    get_serializer,
    register_serializer,
    serializer_names,
)
from mlops_kit.registry._serializers import choose_serializer


class JSONSerializer:
    """A custom format for dicts (stands in for ONNX in these tests)."""

    name = "json-test"

    def supports(self, obj: Any) -> bool:
        return isinstance(obj, dict)

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj, sort_keys=True).encode()

    def loads(self, data: bytes) -> Any:
        return json.loads(data)


class Unpicklable:
    def __init__(self) -> None:
        self.f = lambda x: x


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_serializers, "_SERIALIZERS", dict(_serializers._SERIALIZERS))


@pytest.mark.parametrize(
    "serializer",
    [SkopsSerializer(), JoblibSerializer(), JoblibSerializer(compress=3), PickleSerializer()],
    ids=["skops", "joblib", "joblib-compressed", "pickle"],
)
def test_builtins_round_trip_a_model(serializer: Serializer, model: Any) -> None:
    import numpy as np

    assert isinstance(serializer, Serializer)
    restored = serializer.loads(serializer.dumps(model))
    assert type(restored) is type(model)
    np.testing.assert_array_equal(restored.coef_, model.coef_)


def test_builtins_are_registered() -> None:
    assert {"skops", "joblib", "pickle"} <= set(serializer_names())
    assert get_serializer("joblib").name == "joblib"


def test_skops_supports_only_sklearn_objects(model: Any) -> None:
    assert SkopsSerializer().supports(model)
    assert not SkopsSerializer().supports({"a": 1})
    assert PickleSerializer().supports(object())
    assert JoblibSerializer().supports(object())


def test_default_is_skops_for_sklearn_and_joblib_otherwise(model: Any) -> None:
    assert choose_serializer(model, None)[0].name == "skops"
    assert choose_serializer({"w": [1, 2]}, None)[0].name == "joblib"


def test_default_falls_back_when_skops_would_need_extra_trust() -> None:
    from sklearn.preprocessing import FunctionTransformer

    transformer = FunctionTransformer(func=_square)  # a function of this test module
    chosen, data = choose_serializer(transformer, None)
    assert chosen.name == "joblib"
    assert JoblibSerializer().loads(data).func is _square


def test_default_falls_back_when_skops_cannot_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.dummy import DummyClassifier

    def fail(self: SkopsSerializer, obj: Any) -> bytes:
        raise TypeError("not supported")

    monkeypatch.setattr(SkopsSerializer, "dumps", fail)
    assert choose_serializer(DummyClassifier(), None)[0].name == "joblib"


def _square(x: Any) -> Any:
    return x * x


def test_skops_refuses_untrusted_types() -> None:
    from sklearn.preprocessing import FunctionTransformer

    data = SkopsSerializer().dumps(FunctionTransformer(func=_square))
    untrusted = SkopsSerializer().untrusted_types(data)
    assert untrusted == [f"{__name__}._square"]
    with pytest.raises(UntrustedArtifactError, match="_square"):
        SkopsSerializer().loads(data)
    assert SkopsSerializer(trusted=untrusted).loads(data).func is _square
    assert get_serializer("skops", trusted=untrusted).loads(data).func is _square


def test_skops_trusted_must_be_names() -> None:
    with pytest.raises(ValidationError, match="'trusted' parameter"):
        SkopsSerializer(trusted="numpy.ndarray")  # type: ignore[arg-type]


def test_joblib_compress_is_checked() -> None:
    with pytest.raises(ValidationError, match="'compress' parameter of JoblibSerializer"):
        JoblibSerializer(compress=10)


@pytest.mark.parametrize("requested", ["pickle", "joblib", "skops"], ids=str)
def test_a_model_the_serializer_cannot_handle(requested: str) -> None:
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier()
    model.state_ = (i for i in range(3))  # generators serialize in no format
    with pytest.raises(ValidationError, match=f"serializer '{requested}' cannot serialize"):
        choose_serializer(model, requested)


def test_default_reports_the_last_fallback_failure() -> None:
    with pytest.raises(ValidationError, match="'joblib' cannot serialize this Unpicklable"):
        choose_serializer(Unpicklable(), None)


def test_unsupported_objects_are_refused(model: Any) -> None:
    with pytest.raises(ValidationError, match="'skops' does not support dict"):
        choose_serializer({"a": 1}, "skops")


def test_bad_serializer_argument() -> None:
    with pytest.raises(ValidationError, match="'serializer' parameter"):
        choose_serializer({}, 3)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="No serializer named 'onnx'"):
        choose_serializer({}, "onnx")


def test_serializers_must_return_bytes() -> None:
    class Text(JSONSerializer):
        def dumps(self, obj: Any) -> Any:
            return "text"

    with pytest.raises(ValidationError, match="must return bytes"):
        choose_serializer({}, Text())


@pytest.mark.usefixtures("clean_registry")
def test_custom_registration() -> None:
    custom = register_serializer(JSONSerializer())
    assert get_serializer("json-test") is custom
    assert choose_serializer({"a": 1}, "json-test")[1] == b'{"a": 1}'
    with pytest.raises(ValidationError, match="already registered"):
        register_serializer(JSONSerializer())
    replacement = register_serializer(JSONSerializer(), replace=True)
    assert get_serializer("json-test") is replacement


@pytest.mark.parametrize(
    "candidate", [JSONSerializer, object(), "json"], ids=["class", "object", "string"]
)
def test_registration_checks_the_protocol(candidate: Any) -> None:
    with pytest.raises(ValidationError, match="Cannot register"):
        register_serializer(candidate)


@pytest.mark.usefixtures("clean_registry")
def test_registration_checks_the_name() -> None:
    bad = JSONSerializer()
    bad.name = "bad/name"
    with pytest.raises(ValidationError, match="Invalid serializer name"):
        register_serializer(bad)


@pytest.mark.usefixtures("clean_registry")
def test_entry_points_are_loaded_on_demand(monkeypatch: pytest.MonkeyPatch) -> None:
    class EntryPoint:
        def __init__(self, name: str, obj: Any) -> None:
            self.name, self.obj = name, obj

        def load(self) -> Any:
            return self.obj

    seen_groups = []

    def entry_points(group: str) -> list[EntryPoint]:
        seen_groups.append(group)
        return [EntryPoint("json-test", JSONSerializer), EntryPoint("pickle", PickleSerializer)]

    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    monkeypatch.setattr(_serializers, "_entry_points_loaded", False)
    assert get_serializer("json-test").name == "json-test"
    assert seen_groups == ["mlops_kit.serializers"]
    with pytest.raises(NotFoundError):
        get_serializer("absent")
    assert seen_groups == ["mlops_kit.serializers"]  # loaded once


def test_pickle_protocol_is_5() -> None:
    data = PickleSerializer().dumps([1])
    assert data[:2] == b"\x80\x05"
    assert pickle.loads(data) == [1]

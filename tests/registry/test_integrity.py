"""Safe loading: digests verified before deserializing, trust settings, environment warnings."""

from __future__ import annotations

import pickle
import platform
import warnings
from collections.abc import Iterator
from typing import Any, BinaryIO

import pytest

from mlops_kit.exceptions import IntegrityError, NotFoundError, UntrustedArtifactError
from mlops_kit.registry import ModelRegistry, VersionMismatchWarning
from mlops_kit.storage import InMemoryBlobStore, InMemoryMetadataStore, Store, open_store

UNPICKLED: list[str] = []


def _trip(message: str) -> str:
    UNPICKLED.append(message)
    return message


class Tripwire:
    """Records that it was unpickled: a tampered artifact must never get this far."""

    def __reduce__(self) -> Any:
        return (_trip, ("unpickled!",))


class LyingBlobStore(InMemoryBlobStore):
    """A blob store that does not verify what it returns (a careless plug-in)."""

    def __init__(self) -> None:
        super().__init__()
        self.swap: dict[str, bytes] = {}

    def get(self, digest: str) -> bytes:
        return self.swap.get(digest) or super().get(digest)

    def open(self, digest: str) -> BinaryIO:  # pragma: no cover - the registry uses get
        raise NotImplementedError


@pytest.fixture(autouse=True)
def _clear() -> Iterator[None]:
    UNPICKLED.clear()
    yield
    UNPICKLED.clear()


def test_a_tampered_local_blob_is_never_unpickled(tmp_path: Any) -> None:
    with open_store(tmp_path) as store:
        registry = ModelRegistry(store)
        mv = registry.register("fraud", {"w": 1}, serializer="pickle")
        store.blobs.path(mv.digest).write_bytes(pickle.dumps(Tripwire()))  # type: ignore[attr-defined]
        with pytest.raises(IntegrityError, match="fraud/1 is corrupted or was tampered with"):
            registry.load("fraud/1")
    assert UNPICKLED == []


@pytest.mark.parametrize("serializer", ["pickle", "joblib"], ids=str)
def test_the_registry_verifies_even_when_the_store_does_not(serializer: str) -> None:
    blobs = LyingBlobStore()
    registry = ModelRegistry(Store(blobs=blobs, metadata=InMemoryMetadataStore()))
    mv = registry.register("fraud", {"w": 1}, serializer=serializer)
    blobs.swap[mv.digest] = pickle.dumps(Tripwire())
    with pytest.raises(IntegrityError, match="does not match its record") as error:
        registry.load("fraud")
    assert "Nothing was deserialized" in str(error.value)
    assert UNPICKLED == []
    # sanity: the tripwire does fire when unpickled, so the test above can fail
    pickle.loads(blobs.swap[mv.digest])
    assert UNPICKLED == ["unpickled!"]


def test_truncated_bytes_with_the_same_prefix_are_refused() -> None:
    blobs = LyingBlobStore()
    registry = ModelRegistry(Store(blobs=blobs, metadata=InMemoryMetadataStore()))
    mv = registry.register("fraud", {"w": list(range(100))}, serializer="pickle")
    blobs.swap[mv.digest] = blobs.get(mv.digest)[:-5]
    with pytest.raises(IntegrityError):
        registry.load("fraud")


def test_a_missing_blob(registry: ModelRegistry) -> None:
    mv = registry.register("fraud", {"w": 1})
    registry.store.blobs.delete(mv.digest)
    with pytest.raises(NotFoundError, match=r"artifact of fraud/1 .* is missing"):
        registry.load("fraud")


def test_allow_pickle_false_refuses_pickle_formats(store: Store, model: Any) -> None:
    writer = ModelRegistry(store)
    writer.register("m", {"w": 1}, serializer="pickle")
    writer.register("m", {"w": 1}, serializer="joblib")
    writer.register("m", model)
    reader = ModelRegistry(store, allow_pickle=False)
    for ref in ("m/1", "m/2"):
        with pytest.raises(UntrustedArtifactError, match="allow_pickle=False"):
            reader.load(ref)
    assert type(reader.load("m/3")) is type(model)


def _square(x: Any) -> Any:
    return x * x


def test_skops_artifacts_need_trust_for_unknown_types(registry: ModelRegistry) -> None:
    from sklearn.preprocessing import FunctionTransformer

    registry.register("f", FunctionTransformer(func=_square), serializer="skops")
    with pytest.raises(UntrustedArtifactError, match="_square"):
        registry.load("f")
    loaded = registry.load("f", trusted=[f"{__name__}._square"])
    assert loaded.func is _square


def test_an_unregistered_format(store: Store) -> None:
    registry = ModelRegistry(store)
    registry.register("m", {"w": 1}, serializer="pickle")
    doc = store.metadata.get("registry.versions", "m/000000001")
    assert doc is not None
    store.metadata.put("registry.versions", "m/000000001", {**doc.value, "serializer": "onnx"})
    with pytest.raises(NotFoundError, match=r"No serializer named 'onnx'.*register_serializer"):
        registry.load("m")


def _edit_environment(store: Store, **changes: str) -> None:
    doc = store.metadata.get("registry.versions", "m/000000001")
    assert doc is not None
    environment = {**doc.value["environment"], **changes}
    store.metadata.put(
        "registry.versions", "m/000000001", {**doc.value, "environment": environment}
    )


def test_environment_mismatch_warns_naming_both(store: Store, model: Any) -> None:
    import sklearn

    registry = ModelRegistry(store)
    registry.register("m", model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.load("m")  # same environment: silent
    _edit_environment(store, **{"scikit-learn": "0.1.0", "mlops_kit": "0.0.1"})
    with pytest.warns(VersionMismatchWarning) as record:
        registry.load("m")
    message = str(record[0].message)
    assert f"scikit-learn 0.1.0 (now {sklearn.__version__})" in message
    assert "m/1 was registered with" in message
    assert "mlops_kit" not in message


def test_python_is_compared_on_major_minor(store: Store) -> None:
    registry = ModelRegistry(store)
    registry.register("m", {"w": 1}, serializer="pickle")
    major, minor, _ = platform.python_version_tuple()
    _edit_environment(store, python=f"{major}.{minor}.999")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.load("m")
    _edit_environment(store, python="2.7.18")
    with pytest.warns(VersionMismatchWarning, match=r"python 2\.7\.18 \(now 3\."):
        registry.load("m")


def test_a_package_no_longer_installed(store: Store) -> None:
    registry = ModelRegistry(store)
    registry.register("m", {"w": 1}, serializer="pickle")
    _edit_environment(store, no_such_package_xyz="1.0")
    with pytest.warns(VersionMismatchWarning, match="no_such_package_xyz 1.0 \\(now not installed"):
        registry.load("m")


def test_documents_from_a_newer_schema_warn(store: Store) -> None:
    registry = ModelRegistry(store)
    registry.register("m", {"w": 1}, serializer="pickle")
    doc = store.metadata.get("registry.versions", "m/000000001")
    assert doc is not None
    store.metadata.put(
        "registry.versions",
        "m/000000001",
        {**doc.value, "schema_version": 99, "mlops_kit_version": "9.0.0"},
    )
    with pytest.warns(UserWarning, match="mlops_kit 9.0.0 with registry schema 99"):
        assert registry.load("m") == {"w": 1}


def test_environment_capture_of_a_third_party_model() -> None:
    from mlops_kit.registry._environment import capture_environment

    class Local:
        pass

    environment = capture_environment(Local(), None)
    assert set(environment) >= {"python", "mlops_kit", "numpy"}
    import pandas as pd

    assert capture_environment(pd.DataFrame(), "joblib")["pandas"] == pd.__version__

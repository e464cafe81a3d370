"""Every built-in backend passes the conformance suite that users run on their own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_kit.protocols import BlobStore, MetadataStore
from mlops_kit.storage import (
    FsspecBlobStore,
    InMemoryBlobStore,
    InMemoryMetadataStore,
    LocalBlobStore,
    SQLiteMetadataStore,
    open_store,
)
from mlops_kit.testing import (
    BlobStoreSuite,
    MetadataStoreSuite,
    check_blob_store,
    check_metadata_store,
)


class TestInMemoryBlobStore(BlobStoreSuite):
    @pytest.fixture
    def blob_store(self) -> InMemoryBlobStore:
        return InMemoryBlobStore()

    def corrupt(self, store: BlobStore, digest: str) -> None:
        assert isinstance(store, InMemoryBlobStore)
        data = bytearray(store._blobs[digest])
        data[0] ^= 0xFF
        store._blobs[digest] = bytes(data)


class TestLocalBlobStore(BlobStoreSuite):
    @pytest.fixture
    def blob_store(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs")

    def corrupt(self, store: BlobStore, digest: str) -> None:
        assert isinstance(store, LocalBlobStore)
        path = store.path(digest)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))


class TestFsspecMemoryBlobStore(BlobStoreSuite):
    @pytest.fixture
    def blob_store(self) -> FsspecBlobStore:
        return FsspecBlobStore(f"memory://conformance-{uuid.uuid4().hex}")

    def corrupt(self, store: BlobStore, digest: str) -> None:
        assert isinstance(store, FsspecBlobStore)
        path = store._path(digest)
        data = bytearray(store.fs.cat_file(path))
        data[-1] ^= 0x01
        store.fs.pipe_file(path, bytes(data))


class TestFsspecLocalBlobStore(BlobStoreSuite):
    @pytest.fixture
    def blob_store(self, tmp_path: Path) -> FsspecBlobStore:
        return FsspecBlobStore(f"file://{tmp_path}/blobs")

    def corrupt(self, store: BlobStore, digest: str) -> None:
        assert isinstance(store, FsspecBlobStore)
        path = Path(store._path(digest))
        path.write_bytes(b"X" + path.read_bytes()[1:])


class TestInMemoryMetadataStore(MetadataStoreSuite):
    @pytest.fixture
    def metadata_store(self) -> InMemoryMetadataStore:
        return InMemoryMetadataStore()


class TestSQLiteMetadataStore(MetadataStoreSuite):
    @pytest.fixture
    def metadata_store(self, tmp_path: Path) -> Iterator[SQLiteMetadataStore]:
        store = SQLiteMetadataStore(tmp_path / "meta.sqlite")
        yield store
        store.close()


@pytest.mark.parametrize("url", ["memory://", "folder", "memory://named-conformance"])
def test_check_functions_on_open_store(url: str, tmp_path: Path) -> None:
    store = open_store(tmp_path / "store" if url == "folder" else url)
    check_blob_store(store.blobs)
    check_metadata_store(store.metadata)
    store.close()


def test_check_functions_run_the_corruption_check() -> None:
    store = InMemoryBlobStore()

    def corrupt(s: BlobStore, digest: str) -> None:
        store._blobs[digest] = b"something else"

    check_blob_store(store, corrupt=corrupt)


class _ForgetfulMetadataStore(InMemoryMetadataStore):
    """A broken backend: it ignores expected_revision."""

    def put(self, collection, key, value, *, expected_revision=None):  # type: ignore[no-untyped-def]
        return super().put(collection, key, value)


class _LyingBlobStore(InMemoryBlobStore):
    """A broken backend: it returns a digest that is not the SHA-256 of the bytes."""

    def put(self, data):  # type: ignore[no-untyped-def]
        return "0" * 64


def test_suite_catches_a_broken_metadata_store() -> None:
    with pytest.raises(AssertionError, match="ConflictError"):
        check_metadata_store(_ForgetfulMetadataStore())


def test_suite_catches_a_broken_blob_store() -> None:
    with pytest.raises(AssertionError, match="sha256"):
        check_blob_store(_LyingBlobStore())


def test_suite_refuses_objects_without_the_protocol() -> None:
    with pytest.raises(AssertionError, match="protocol"):
        check_blob_store(object())  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="protocol"):
        check_metadata_store(object())  # type: ignore[arg-type]


def test_builtin_backends_implement_the_protocols(tmp_path: Path) -> None:
    assert isinstance(LocalBlobStore(tmp_path), BlobStore)
    assert isinstance(SQLiteMetadataStore(tmp_path / "m.sqlite"), MetadataStore)
    assert isinstance(InMemoryMetadataStore(), MetadataStore)

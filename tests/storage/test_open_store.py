"""open_store: every URL form, and the errors for the ones it cannot open."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.storage import (
    FsspecBlobStore,
    InMemoryBlobStore,
    InMemoryMetadataStore,
    LocalBlobStore,
    MetadataOnlyBlobStore,
    SQLiteMetadataStore,
    Store,
    open_store,
)


def test_plain_path_is_the_embedded_default(tmp_path: Path) -> None:
    with open_store(tmp_path / "store") as store:
        assert isinstance(store.blobs, LocalBlobStore)
        assert isinstance(store.metadata, SQLiteMetadataStore)
        digest = store.blobs.put(b"x")
        store.metadata.put("c", "k", {"blob": digest})
    assert (tmp_path / "store" / "metadata.sqlite").is_file()
    assert (tmp_path / "store" / "blobs" / digest[:2] / digest).is_file()
    # reopening sees the same content
    with open_store(str(tmp_path / "store")) as again:
        doc = again.metadata.get("c", "k")
        assert doc is not None
        assert again.blobs.get(doc.value["blob"]) == b"x"


def test_file_url(tmp_path: Path) -> None:
    with open_store(f"file://{tmp_path}/store") as store:
        assert isinstance(store.blobs, LocalBlobStore)
        assert store.blobs.root == tmp_path / "store" / "blobs"


def test_memory_urls_are_fresh_or_shared_by_name() -> None:
    a, b = open_store("memory://"), open_store("memory://")
    a.metadata.put("c", "k", {})
    assert b.metadata.get("c", "k") is None
    named = open_store("memory://shared-test")
    named.metadata.put("c", "k", {})
    assert open_store("memory://shared-test").metadata.get("c", "k") is not None
    assert isinstance(a.blobs, InMemoryBlobStore)
    assert isinstance(a.metadata, InMemoryMetadataStore)


def test_sqlite_url_is_metadata_only(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/meta.db")
    assert isinstance(store.metadata, SQLiteMetadataStore)
    assert isinstance(store.blobs, MetadataOnlyBlobStore)
    store.metadata.put("c", "k", {"x": 1})
    with pytest.raises(ValidationError, match="metadata only"):
        store.blobs.put(b"x")
    with pytest.raises(NotFoundError):
        store.blobs.get("0" * 64)
    with pytest.raises(NotFoundError):
        store.blobs.open("0" * 64)
    assert not store.blobs.exists("0" * 64)
    store.blobs.delete("0" * 64)
    assert list(store.blobs.digests()) == []
    store.close()


def test_sqlite_url_with_blobs(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/meta.db", blobs=str(tmp_path / "blobs"))
    assert isinstance(store.blobs, LocalBlobStore)
    store.close()
    store = open_store(f"sqlite:///{tmp_path}/meta.db", blobs=f"file://{tmp_path}/b2")
    assert isinstance(store.blobs, LocalBlobStore)
    store.close()


def test_fsspec_url_needs_metadata(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="metadata="):
        open_store("memory-fs-test://bucket")
    store = open_store("s3://bucket/prefix", metadata="memory://", blobs=InMemoryBlobStore())
    assert isinstance(store.metadata, InMemoryMetadataStore)
    store = open_store(
        f"file://{tmp_path}/x", blobs="memory://fsspec-blobs", metadata=f"sqlite:///{tmp_path}/m"
    )
    assert isinstance(store.blobs, FsspecBlobStore)
    assert store.blobs.get(store.blobs.put(b"y")) == b"y"
    store.close()


def test_fsspec_url_for_blobs_with_sqlite_metadata(tmp_path: Path) -> None:
    from fsspec.implementations.memory import MemoryFileSystem  # the s3 extra, in dev

    MemoryFileSystem.store.clear()
    with pytest.raises(ValidationError):
        open_store("gcs://bucket/prefix")
    store = Store(
        blobs=FsspecBlobStore("memory://bucket/prefix"),
        metadata=SQLiteMetadataStore(tmp_path / "m.sqlite"),
    )
    digest = store.blobs.put(b"z")
    assert list(store.blobs.digests()) == [digest]
    store.close()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metadata": "postgres://db"}, "'metadata' parameter"),
        ({"metadata": 42}, "'metadata' parameter"),
        ({"blobs": 42}, "'blobs' parameter"),
    ],
    ids=["unknown-metadata-url", "metadata-not-a-store", "blobs-not-a-store"],
)
def test_bad_overrides(tmp_path: Path, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        open_store(tmp_path / "s", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["", "sqlite://", "sqlite:///"], ids=["empty", "no-path", "root"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        open_store(url)

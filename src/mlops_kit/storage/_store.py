"""``Store`` pairs a blob store with a metadata store; ``open_store`` builds one from a URL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import attrs

from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.protocols import BlobStore, MetadataStore
from mlops_kit.storage._memory import InMemoryBlobStore, InMemoryMetadataStore

__all__ = ["MetadataOnlyBlobStore", "Store", "open_store"]

METADATA_FILE = "metadata.sqlite"
BLOBS_FOLDER = "blobs"

_named_memory_stores: dict[str, Store] = {}
_named_lock = threading.Lock()


@attrs.frozen(kw_only=True)
class Store:
    """A blob store and a metadata store: everything a primitive persists goes through them.

    Build one with :func:`open_store`, or pair your own implementations of the two protocols.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryBlobStore, InMemoryMetadataStore
    >>> store = Store(blobs=InMemoryBlobStore(), metadata=InMemoryMetadataStore())
    >>> store.metadata.put("demo", "k", {"x": 1})
    1
    """

    blobs: BlobStore
    metadata: MetadataStore
    url: str | None = None

    def close(self) -> None:
        """Close the backends that hold resources (database connections)."""
        for backend in (self.metadata, self.blobs):
            close = getattr(backend, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class MetadataOnlyBlobStore:
    """The blob side of a metadata-only store: lists nothing, refuses to store.

    Examples
    --------
    >>> blobs = MetadataOnlyBlobStore("sqlite:///meta.db")
    >>> list(blobs.digests())
    []
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def _refuse(self) -> ValidationError:
        return ValidationError(
            f"The store {self.url!r} holds metadata only and cannot store blobs. Open a folder "
            "(open_store('./.mlops')) or pass blobs=... to open_store."
        )

    def put(self, data: bytes | BinaryIO) -> str:
        """Refuse: there is nowhere to store blobs."""
        raise self._refuse()

    def open(self, digest: str) -> BinaryIO:
        """No blob is ever found."""
        raise NotFoundError(f"No blob {digest}: {self.url!r} holds metadata only.")

    def get(self, digest: str) -> bytes:
        """No blob is ever found."""
        raise NotFoundError(f"No blob {digest}: {self.url!r} holds metadata only.")

    def exists(self, digest: str) -> bool:
        """Always ``False``."""
        return False

    def delete(self, digest: str) -> None:
        """A no-op."""

    def digests(self) -> Iterator[str]:
        """Nothing."""
        return iter(())


def open_store(
    url: str | os.PathLike[str],
    *,
    blobs: str | BlobStore | None = None,
    metadata: str | MetadataStore | None = None,
    **storage_options: Any,
) -> Store:
    """Open (or create) a store from a URL.

    ==========================  ===================================================================
    ``url``                     what you get
    ==========================  ===================================================================
    ``"./.mlops"``, ``file://``  the embedded default: blobs as files in ``<folder>/blobs``,
                                metadata in ``<folder>/metadata.sqlite`` (WAL, many processes)
    ``"memory://"``             a new in-process store; ``"memory://name"`` is shared by name
                                within the process
    ``"sqlite:///path.db"``     metadata only (pass ``blobs=`` to add a blob store)
    ``"s3://bucket/prefix"``    blobs on any fsspec file system (the ``s3`` extra); metadata
                                must be given with ``metadata=``, e.g. ``"sqlite:///meta.db"``
    ==========================  ===================================================================

    Parameters
    ----------
    url
        A folder path or a URL, as above.
    blobs, metadata
        Override either side with a URL or an object implementing the protocol.
    **storage_options
        Passed to fsspec for object-store URLs.

    Examples
    --------
    >>> import tempfile
    >>> store = open_store(tempfile.mkdtemp())
    >>> digest = store.blobs.put(b"hello")
    >>> store.metadata.put("notes", "greeting", {"blob": digest})
    1
    >>> store.close()
    >>> open_store("memory://").metadata.get("notes", "greeting") is None
    True
    """
    text = os.fspath(url)
    if not isinstance(text, str) or not text:
        raise ValidationError(f"A store URL must be a non-empty path or URL. Got {url!r}.")
    scheme, sep, rest = text.partition("://")
    if not sep or len(scheme) == 1:  # a plain path (a Windows drive letter is not a scheme)
        scheme, rest = "file", text
    scheme = scheme.lower()

    if scheme == "memory" and blobs is None and metadata is None:
        if not rest:
            return Store(blobs=InMemoryBlobStore(), metadata=InMemoryMetadataStore(), url=text)
        with _named_lock:
            store = _named_memory_stores.get(rest)
            if store is None:
                store = Store(blobs=InMemoryBlobStore(), metadata=InMemoryMetadataStore(), url=text)
                _named_memory_stores[rest] = store
            return store

    if scheme == "file":
        root = Path(rest)
        blob_store = _blobs(blobs, root / BLOBS_FOLDER, storage_options)
        meta_store = _metadata(metadata, root / METADATA_FILE)
        return Store(blobs=blob_store, metadata=meta_store, url=text)

    if scheme == "sqlite":
        path = _sqlite_path(text)
        meta_store = _metadata(metadata, path)
        if blobs is None:
            return Store(blobs=MetadataOnlyBlobStore(text), metadata=meta_store, url=text)
        return Store(blobs=_blobs(blobs, None, storage_options), metadata=meta_store, url=text)

    # Anything else is an fsspec URL for the blobs.
    if metadata is None:
        raise ValidationError(
            f"A store on {scheme}:// keeps blobs there but needs a metadata store too: pass "
            "metadata='sqlite:///path/to/metadata.sqlite' (or a MetadataStore object)."
        )
    from mlops_kit.storage._fsspec import FsspecBlobStore

    blob_store = (
        _blobs(blobs, None, storage_options)
        if blobs is not None
        else FsspecBlobStore(text, **storage_options)
    )
    return Store(blobs=blob_store, metadata=_metadata(metadata, None), url=text)


def _sqlite_path(url: str) -> Path:
    if not url.lower().startswith("sqlite:///") or len(url) <= len("sqlite:///"):
        raise ValidationError(
            f"A SQLite URL has the form 'sqlite:///relative/path.db' or "
            f"'sqlite:////absolute/path.db'. Got {url!r}."
        )
    return Path(url[len("sqlite:///") :])


def _blobs(
    spec: str | BlobStore | None, default: Path | None, options: dict[str, Any]
) -> BlobStore:
    from mlops_kit.storage._local import LocalBlobStore

    if spec is None:
        assert default is not None
        return LocalBlobStore(default)
    if isinstance(spec, str):
        scheme, sep, rest = spec.partition("://")
        if not sep or len(scheme) == 1:
            return LocalBlobStore(spec)
        if scheme.lower() == "file":
            return LocalBlobStore(rest)
        from mlops_kit.storage._fsspec import FsspecBlobStore

        return FsspecBlobStore(spec, **options)
    if not isinstance(spec, BlobStore):
        raise ValidationError(
            f"The 'blobs' parameter of open_store must be a URL or a BlobStore. Got {spec!r}."
        )
    return spec


def _metadata(spec: str | MetadataStore | None, default: Path | None) -> MetadataStore:
    from mlops_kit.storage._sqlite import SQLiteMetadataStore

    if spec is None:
        assert default is not None
        return SQLiteMetadataStore(default)
    if isinstance(spec, str):
        if spec.lower().startswith("sqlite://"):
            return SQLiteMetadataStore(_sqlite_path(spec))
        if spec.lower() == "memory://":
            return InMemoryMetadataStore()
        raise ValidationError(
            "The 'metadata' parameter of open_store must be 'sqlite:///path', 'memory://' or a "
            f"MetadataStore. Got {spec!r}."
        )
    if not isinstance(spec, MetadataStore):
        raise ValidationError(
            "The 'metadata' parameter of open_store must be a URL or a MetadataStore. "
            f"Got {spec!r}."
        )
    return spec

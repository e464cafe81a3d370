"""A blob store on any fsspec file system (S3, GCS, Azure, ...): the ``s3`` extra."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from typing import Any, BinaryIO

from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.storage._memory import read_all
from mlops_kit.storage._validation import validate_digest
from mlops_kit.storage._verify import VerifyingReader, corrupted

__all__ = ["FsspecBlobStore"]

# Object stores write an object in one request, atomically; other file systems get a temporary
# name and a rename.
_OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2"}


class FsspecBlobStore:
    """A :class:`~mlops_kit.protocols.BlobStore` on an fsspec file system.

    Blobs live at ``<url>/<first two hex digits>/<digest>``. On object stores (S3, GCS, Azure)
    each blob is written in one request, which is atomic; on other file systems it is written
    under a temporary name and renamed. Every read is verified. Needs the ``s3`` extra (fsspec,
    and s3fs for S3).

    Parameters
    ----------
    url
        Where the blobs live, e.g. ``"s3://bucket/mlops/blobs"`` or ``"memory://blobs"``.
    storage_options
        Passed to ``fsspec.core.url_to_fs`` (credentials, endpoint, ...).

    Examples
    --------
    >>> store = FsspecBlobStore("memory://doctest-blobs")
    >>> store.get(store.put(b"abc"))
    b'abc'
    """

    def __init__(self, url: str, **storage_options: Any) -> None:
        try:
            from fsspec.core import url_to_fs
        except ImportError:  # pragma: no cover - the extra is installed in our tests
            raise ImportError(
                "FsspecBlobStore needs fsspec: pip install 'mlops-kit[s3]'."
            ) from None
        self.url = url
        self.fs, self.root = url_to_fs(url, **storage_options)
        self.root = self.root.rstrip("/")
        protocol = self.fs.protocol
        protocols = {protocol} if isinstance(protocol, str) else set(protocol)
        self._atomic_put = bool(protocols & _OBJECT_STORES)

    def __repr__(self) -> str:
        return f"FsspecBlobStore({self.url!r})"

    def _path(self, digest: str) -> str:
        validate_digest(digest)
        return f"{self.root}/{digest[:2]}/{digest}"

    def put(self, data: bytes | BinaryIO) -> str:
        """Store bytes; return the digest (idempotent)."""
        payload = read_all(data)
        digest = hashlib.sha256(payload).hexdigest()
        path = self._path(digest)
        if self.fs.exists(path):
            return digest
        self.fs.makedirs(f"{self.root}/{digest[:2]}", exist_ok=True)
        if self._atomic_put:
            self.fs.pipe_file(path, payload)
        else:
            tmp = f"{self.root}/{digest[:2]}/.{uuid.uuid4().hex}.part"
            self.fs.pipe_file(tmp, payload)
            self.fs.mv(tmp, path)
        return digest

    def open(self, digest: str) -> BinaryIO:
        """A streaming, verified reader."""
        path = self._path(digest)
        try:
            file = self.fs.open(path, "rb")
        except FileNotFoundError:
            raise NotFoundError(f"No blob {digest} under {self.url!r}.") from None
        reader = VerifyingReader(file, digest, repr(f"{self.url}/{digest[:2]}/{digest}"))
        return io.BufferedReader(reader)

    def get(self, digest: str) -> bytes:
        """The whole blob, verified."""
        path = self._path(digest)
        try:
            payload: bytes = self.fs.cat_file(path)
        except FileNotFoundError:
            raise NotFoundError(f"No blob {digest} under {self.url!r}.") from None
        if hashlib.sha256(payload).hexdigest() != digest:
            raise corrupted(digest, repr(f"{self.url}/{digest[:2]}/{digest}"))
        return payload

    def exists(self, digest: str) -> bool:
        """Whether the blob is stored."""
        return bool(self.fs.exists(self._path(digest)))

    def delete(self, digest: str) -> None:
        """Remove the blob; a no-op when absent."""
        path = self._path(digest)
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return

    def digests(self) -> Iterator[str]:
        """Every stored digest."""
        if not self.fs.exists(self.root):
            return
        for path in sorted(self.fs.find(self.root)):
            name = path.rstrip("/").rsplit("/", 1)[-1]
            try:
                validate_digest(name)
            except ValidationError:
                continue
            yield name

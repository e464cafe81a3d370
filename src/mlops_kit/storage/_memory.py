"""In-process stores: fast, thread-safe, and the fakes for tests."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from mlops_kit.exceptions import ConflictError, NotFoundError, ValidationError
from mlops_kit.protocols import Document
from mlops_kit.storage._validation import (
    check_expected_revision,
    conflict_message,
    decode_document,
    encode_document,
    validate_collection,
    validate_digest,
    validate_key,
)
from mlops_kit.storage._verify import corrupted

__all__ = ["InMemoryBlobStore", "InMemoryMetadataStore", "read_all"]

_CHUNK = 1 << 20


def read_all(data: bytes | bytearray | memoryview | BinaryIO) -> bytes:
    """Return ``data`` as bytes, reading a binary file object to its end.

    Examples
    --------
    >>> import io
    >>> read_all(io.BytesIO(b"abc"))
    b'abc'
    """
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    read = getattr(data, "read", None)
    if read is None:
        raise ValidationError(
            f"A blob must be bytes or a binary file object. Got {type(data).__name__} instead."
        )
    parts = []
    while True:
        part = read(_CHUNK)
        if not part:
            break
        if isinstance(part, str):
            raise ValidationError("A blob file object must be opened in binary mode ('rb').")
        parts.append(part)
    return b"".join(parts)


class InMemoryBlobStore:
    """A :class:`~mlops_kit.protocols.BlobStore` in a dict, for tests and short-lived work.

    Reads are verified like every other backend's, so a test can corrupt ``_blobs`` and see
    :class:`~mlops_kit.exceptions.IntegrityError`.

    Examples
    --------
    >>> store = InMemoryBlobStore()
    >>> digest = store.put(b"model bytes")
    >>> store.exists(digest), store.get(digest)
    (True, b'model bytes')
    """

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InMemoryBlobStore(<{len(self._blobs)} blobs>)"

    def put(self, data: bytes | BinaryIO) -> str:
        """Store bytes; return their SHA-256 hex digest."""
        payload = read_all(data)
        digest = hashlib.sha256(payload).hexdigest()
        with self._lock:
            self._blobs.setdefault(digest, payload)
        return digest

    def get(self, digest: str) -> bytes:
        """Return the verified blob."""
        validate_digest(digest)
        with self._lock:
            payload = self._blobs.get(digest)
        if payload is None:
            raise NotFoundError(f"No blob with digest {digest} in this in-memory store.")
        if hashlib.sha256(payload).hexdigest() != digest:
            raise corrupted(digest, "this in-memory store")
        return payload

    def open(self, digest: str) -> BinaryIO:
        """Return a reader over the verified blob."""
        return io.BytesIO(self.get(digest))

    def exists(self, digest: str) -> bool:
        """Whether the blob is stored."""
        validate_digest(digest)
        with self._lock:
            return digest in self._blobs

    def delete(self, digest: str) -> None:
        """Remove the blob; a no-op when absent."""
        validate_digest(digest)
        with self._lock:
            self._blobs.pop(digest, None)

    def digests(self) -> Iterator[str]:
        """Every stored digest."""
        with self._lock:
            keys = list(self._blobs)
        return iter(keys)


class InMemoryMetadataStore:
    """A :class:`~mlops_kit.protocols.MetadataStore` in a dict, with the full revision semantics.

    Examples
    --------
    >>> store = InMemoryMetadataStore()
    >>> store.put("models", "fraud", {"stage": "dev"})
    1
    >>> store.put("models", "fraud", {"stage": "prod"}, expected_revision=1)
    2
    >>> [key for key, _ in store.scan("models")]
    ['fraud']
    """

    def __init__(self) -> None:
        # (collection, key) -> (JSON text or None for a deleted key, revision)
        self._docs: dict[tuple[str, str], tuple[str | None, int]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InMemoryMetadataStore(<{len(self._docs)} keys>)"

    def get(self, collection: str, key: str) -> Document | None:
        """The document and its revision, or ``None``."""
        validate_collection(collection)
        validate_key(key)
        with self._lock:
            text, revision = self._docs.get((collection, key), (None, 0))
        if text is None:
            return None
        return Document(value=decode_document(text), revision=revision)

    def put(
        self,
        collection: str,
        key: str,
        value: Mapping[str, Any],
        *,
        expected_revision: int | None = None,
    ) -> int:
        """Write a document; return the new revision."""
        validate_collection(collection)
        validate_key(key)
        expected = check_expected_revision(expected_revision)
        text = encode_document(value)
        with self._lock:
            current, revision = self._docs.get((collection, key), (None, 0))
            live = revision if current is not None else 0
            if expected is not None and expected != live:
                raise ConflictError(conflict_message(collection, key, expected, live))
            self._docs[(collection, key)] = (text, revision + 1)
            return revision + 1

    def delete(self, collection: str, key: str, *, expected_revision: int | None = None) -> None:
        """Delete a document; a no-op when absent unless ``expected_revision`` is given."""
        validate_collection(collection)
        validate_key(key)
        expected = check_expected_revision(expected_revision)
        with self._lock:
            current, revision = self._docs.get((collection, key), (None, 0))
            live = revision if current is not None else 0
            if expected is not None and expected != live:
                raise ConflictError(conflict_message(collection, key, expected, live))
            if current is not None:
                self._docs[(collection, key)] = (None, revision)

    def scan(self, collection: str, prefix: str = "") -> Iterator[tuple[str, Document]]:
        """Every live ``(key, document)`` whose key starts with ``prefix``, sorted by key."""
        validate_collection(collection)
        with self._lock:
            rows = sorted(
                (key, text, revision)
                for (coll, key), (text, revision) in self._docs.items()
                if coll == collection and text is not None and key.startswith(prefix)
            )
        for key, text, revision in rows:
            assert text is not None
            yield key, Document(value=decode_document(text), revision=revision)

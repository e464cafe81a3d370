"""Conformance checks for storage backends: run them on your own BlobStore or MetadataStore.

Two ways to use them:

* call :func:`check_blob_store` / :func:`check_metadata_store` on an instance (each runs every
  check and raises ``AssertionError`` naming the first that fails), or
* subclass :class:`BlobStoreSuite` / :class:`MetadataStoreSuite` in a pytest module and define
  one fixture, ``blob_store`` or ``metadata_store``: every check becomes one test.

Checks write under collections named ``conformance.<random>`` and delete nothing they did not
create, so they can run against a store that holds other data.
"""

from __future__ import annotations

import hashlib
import io
import math
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from mlops_kit.exceptions import (
    ConflictError,
    IntegrityError,
    NotFoundError,
    ValidationError,
)
from mlops_kit.protocols import BlobStore, Document, MetadataStore

__all__ = [
    "BLOB_STORE_CHECKS",
    "METADATA_STORE_CHECKS",
    "BlobStoreSuite",
    "MetadataStoreSuite",
    "check_blob_store",
    "check_metadata_store",
]

Corrupt = Callable[[BlobStore, str], None]


def _raises(error: type[BaseException], call: Callable[[], object], what: str) -> BaseException:
    try:
        call()
    except error as caught:
        return caught
    except Exception as other:  # pragma: no cover - reported as a failure of the backend
        raise AssertionError(f"{what}: expected {error.__name__}, got {other!r}") from other
    raise AssertionError(f"{what}: expected {error.__name__}, nothing was raised")


# -- blob store checks --------------------------------------------------------------------------


def check_blob_put_get(store: BlobStore) -> None:
    """``put`` returns the SHA-256 hex digest and ``get`` returns the same bytes."""
    payload = b"mlops_kit conformance " + uuid.uuid4().bytes
    digest = store.put(payload)
    assert digest == hashlib.sha256(payload).hexdigest(), "put must return the sha256 hex digest"
    assert store.get(digest) == payload, "get must return the bytes that were put"
    assert store.exists(digest), "exists must be True after put"


def check_blob_idempotent(store: BlobStore) -> None:
    """Putting the same bytes twice gives the same digest and one listed blob."""
    payload = uuid.uuid4().bytes * 3
    first, second = store.put(payload), store.put(payload)
    assert first == second, "put must be idempotent"
    assert list(store.digests()).count(first) == 1, "a blob must be listed once"


def check_blob_empty(store: BlobStore) -> None:
    """The empty blob is a blob like any other."""
    digest = store.put(b"")
    assert digest == hashlib.sha256(b"").hexdigest()
    assert store.get(digest) == b""


def check_blob_stream_put(store: BlobStore) -> None:
    """``put`` accepts a binary file object and reads it to the end (3 MiB, several chunks)."""
    payload = uuid.uuid4().bytes * (3 * 2**20 // 16) + b"tail"
    digest = store.put(io.BytesIO(payload))
    assert digest == hashlib.sha256(payload).hexdigest()
    assert store.get(digest) == payload


def check_blob_stream_open(store: BlobStore) -> None:
    """``open`` streams the blob: read in small pieces, the bytes are the ones put."""
    payload = uuid.uuid4().bytes * 10_000
    digest = store.put(payload)
    with store.open(digest) as reader:
        pieces = []
        while piece := reader.read(4099):
            pieces.append(piece)
    assert b"".join(pieces) == payload, "open must stream the stored bytes"


def check_blob_delete(store: BlobStore) -> None:
    """``delete`` removes a blob; deleting an absent blob is a no-op."""
    digest = store.put(uuid.uuid4().bytes)
    store.delete(digest)
    assert not store.exists(digest), "exists must be False after delete"
    assert digest not in set(store.digests()), "a deleted blob must not be listed"
    store.delete(digest)  # absent: no error


def check_blob_missing(store: BlobStore) -> None:
    """An unknown digest raises ``NotFoundError`` (also a ``KeyError``) on ``get`` and ``open``."""
    digest = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    assert not store.exists(digest)
    error = _raises(NotFoundError, lambda: store.get(digest), "get of an unknown digest")
    assert isinstance(error, KeyError)
    _raises(NotFoundError, lambda: store.open(digest), "open of an unknown digest")


def check_blob_invalid_digest(store: BlobStore) -> None:
    """A malformed digest (path traversal, upper case, wrong length) is a ``ValidationError``."""
    for bad in ["../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/", "", "0" * 65]:
        _raises(ValidationError, partial(store.get, bad), f"get({bad!r})")
        _raises(ValidationError, partial(store.exists, bad), f"exists({bad!r})")
        _raises(ValidationError, partial(store.delete, bad), f"delete({bad!r})")


def check_blob_listing(store: BlobStore) -> None:
    """``digests`` lists every stored blob."""
    digests = {store.put(uuid.uuid4().bytes) for _ in range(5)}
    listed = set(store.digests())
    assert digests <= listed, f"digests() is missing {sorted(digests - listed)}"


def check_blob_corruption(store: BlobStore, corrupt: Corrupt) -> None:
    """A corrupted blob raises ``IntegrityError`` on ``get`` and when ``open`` reaches its end."""
    payload = uuid.uuid4().bytes * 1000
    digest = store.put(payload)
    corrupt(store, digest)
    _raises(IntegrityError, lambda: store.get(digest), "get of a corrupted blob")

    def read_all() -> bytes:
        with store.open(digest) as reader:
            return reader.read()

    _raises(IntegrityError, read_all, "reading a corrupted blob through open")


BLOB_STORE_CHECKS: tuple[Callable[[BlobStore], None], ...] = (
    check_blob_put_get,
    check_blob_idempotent,
    check_blob_empty,
    check_blob_stream_put,
    check_blob_stream_open,
    check_blob_delete,
    check_blob_missing,
    check_blob_invalid_digest,
    check_blob_listing,
)


def check_blob_store(store: BlobStore, *, corrupt: Corrupt | None = None) -> None:
    """Run every blob-store conformance check on ``store``.

    Parameters
    ----------
    store
        The backend to check; it must accept new blobs.
    corrupt
        Optionally, a function ``corrupt(store, digest)`` that damages a stored blob in place
        (flip a byte of its file); then reads of damaged blobs are checked too.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryBlobStore
    >>> check_blob_store(InMemoryBlobStore())
    """
    if not isinstance(store, BlobStore):
        raise AssertionError(f"{store!r} does not implement the BlobStore protocol")
    for check in BLOB_STORE_CHECKS:
        check(store)
    if corrupt is not None:
        check_blob_corruption(store, corrupt)


# -- metadata store checks ----------------------------------------------------------------------


def _collection() -> str:
    return f"conformance.{uuid.uuid4().hex[:12]}"


def check_metadata_absent(store: MetadataStore) -> None:
    """An absent key reads as ``None``."""
    assert store.get(_collection(), "nothing") is None


def check_metadata_revisions(store: MetadataStore) -> None:
    """Revisions start at 1 and grow by one per write; ``get`` returns value and revision."""
    c = _collection()
    assert store.put(c, "k", {"n": 1}) == 1
    assert store.put(c, "k", {"n": 2}) == 2
    doc = store.get(c, "k")
    assert isinstance(doc, Document)
    assert doc.value == {"n": 2}
    assert doc.revision == 2


def check_metadata_create_only(store: MetadataStore) -> None:
    """``expected_revision=0`` creates only if absent, otherwise ``ConflictError``."""
    c = _collection()
    assert store.put(c, "v/1", {"by": "a"}, expected_revision=0) == 1
    _raises(
        ConflictError,
        lambda: store.put(c, "v/1", {"by": "b"}, expected_revision=0),
        "create-only put of an existing key",
    )
    doc = store.get(c, "v/1")
    assert doc is not None
    assert doc.value == {"by": "a"}, "a losing conditional put must not write"


def check_metadata_compare_and_swap(store: MetadataStore) -> None:
    """``expected_revision=n`` replaces only at revision n."""
    c = _collection()
    store.put(c, "k", {"n": 1})
    _raises(
        ConflictError,
        lambda: store.put(c, "k", {"n": 9}, expected_revision=2),
        "put with a wrong revision",
    )
    _raises(
        ConflictError,
        lambda: store.put(c, "other", {"n": 9}, expected_revision=1),
        "put of an absent key with expected_revision=1",
    )
    assert store.put(c, "k", {"n": 2}, expected_revision=1) == 2
    assert store.get(c, "other") is None


def check_metadata_delete(store: MetadataStore) -> None:
    """Deleting an absent key is a no-op; with ``expected_revision`` it must match."""
    c = _collection()
    store.delete(c, "absent")
    _raises(
        ConflictError,
        lambda: store.delete(c, "absent", expected_revision=1),
        "conditional delete of an absent key",
    )
    store.put(c, "k", {"n": 1})
    _raises(
        ConflictError,
        lambda: store.delete(c, "k", expected_revision=2),
        "delete with a wrong revision",
    )
    store.delete(c, "k", expected_revision=1)
    assert store.get(c, "k") is None
    assert [key for key, _ in store.scan(c)] == []


def check_metadata_no_aba(store: MetadataStore) -> None:
    """A re-created key continues from its last revision, so a stale swap never succeeds."""
    c = _collection()
    store.put(c, "k", {"n": 1})
    store.put(c, "k", {"n": 2})
    store.delete(c, "k")
    _raises(
        ConflictError,
        lambda: store.put(c, "k", {"n": 3}, expected_revision=2),
        "stale compare-and-swap after a delete",
    )
    revision = store.put(c, "k", {"n": 3}, expected_revision=0)
    assert revision == 3, f"a re-created key must continue at revision 3, got {revision}"
    _raises(
        ConflictError,
        lambda: store.put(c, "k", {"n": 4}, expected_revision=1),
        "stale compare-and-swap after re-creation",
    )


def check_metadata_scan(store: MetadataStore) -> None:
    """``scan`` lists live keys with the prefix, sorted, and only in its collection."""
    c, other = _collection(), _collection()
    for key in ["b/2", "a/1", "a/10", "ab", "a/0"]:
        store.put(c, key, {"key": key})
    store.put(other, "a/5", {})
    store.delete(c, "a/0")
    assert [key for key, _ in store.scan(c)] == ["a/1", "a/10", "ab", "b/2"]
    assert [key for key, _ in store.scan(c, "a/")] == ["a/1", "a/10"]
    assert [key for key, _ in store.scan(c, "zzz")] == []
    for key, doc in store.scan(c, "b"):
        assert doc.value == {"key": key}
        assert doc.revision == 1


def check_metadata_strict_json(store: MetadataStore) -> None:
    """NaN, inf, non-JSON values and non-mappings are ``ValidationError`` and write nothing."""
    c = _collection()
    bad_values: list[Any] = [
        {"x": math.nan},
        {"x": [1.0, math.inf]},
        {"x": -math.inf},
        {"x": object()},
        {"x": b"bytes"},
        {1: "int key"},
        ["not", "a", "mapping"],
    ]
    for bad in bad_values:
        _raises(ValidationError, partial(store.put, c, "k", bad), f"put of {bad!r}")
    assert store.get(c, "k") is None, "a refused document must not be written"


def check_metadata_names(store: MetadataStore) -> None:
    """Bad collection names and keys are ``ValidationError``; ``/`` inside keys is fine."""
    c = _collection()
    bad_keys = ["", "/lead", "trail/", "a//b", "..", "a/../b", "./a", "a/.", "nul\x00", "tab\t"]
    bad_keys.append("x" * 256)
    for key in bad_keys:
        _raises(ValidationError, partial(store.put, c, key, {}), f"put with key {key!r}")
        _raises(ValidationError, partial(store.get, c, key), f"get with key {key!r}")
    for collection in ["", "a/b", "ctrl\x07", "x" * 256, ".."]:
        _raises(
            ValidationError,
            partial(store.put, collection, "k", {}),
            f"put in collection {collection!r}",
        )
    assert [key for key, _ in store.scan(c)] == []
    store.put(c, "fraud/000003", {})
    store.put(c, "x" * 255, {})
    store.put(c, "unicode ✓ ü", {})
    assert store.get(c, "unicode ✓ ü") is not None
    _raises(
        ValidationError,
        lambda: store.put(c, "k", {}, expected_revision=-1),
        "a negative expected_revision",
    )


def check_metadata_isolation(store: MetadataStore) -> None:
    """Mutating a value after ``put`` or after ``get`` changes nothing stored."""
    c = _collection()
    value: dict[str, Any] = {"list": [1, 2], "nested": {"a": "b"}, "unicode": "✓", "f": 0.1}
    store.put(c, "k", value)
    value["list"].append(3)
    doc = store.get(c, "k")
    assert doc is not None
    assert doc.value == {"list": [1, 2], "nested": {"a": "b"}, "unicode": "✓", "f": 0.1}
    doc.value["nested"]["a"] = "changed"
    again = store.get(c, "k")
    assert again is not None
    assert again.value["nested"] == {"a": "b"}


METADATA_STORE_CHECKS: tuple[Callable[[MetadataStore], None], ...] = (
    check_metadata_absent,
    check_metadata_revisions,
    check_metadata_create_only,
    check_metadata_compare_and_swap,
    check_metadata_delete,
    check_metadata_no_aba,
    check_metadata_scan,
    check_metadata_strict_json,
    check_metadata_names,
    check_metadata_isolation,
)


def check_metadata_store(store: MetadataStore) -> None:
    """Run every metadata-store conformance check on ``store``.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryMetadataStore
    >>> check_metadata_store(InMemoryMetadataStore())
    """
    if not isinstance(store, MetadataStore):
        raise AssertionError(f"{store!r} does not implement the MetadataStore protocol")
    for check in METADATA_STORE_CHECKS:
        check(store)


# -- pytest mixins ------------------------------------------------------------------------------


class BlobStoreSuite:
    """A pytest mixin: subclass it, define a ``blob_store`` fixture, get one test per check.

    Override :meth:`corrupt` to also test that damaged blobs are detected.

    Examples
    --------
    >>> class TestMyBlobStore(BlobStoreSuite):  # in a test module
    ...     pass  # plus: @pytest.fixture def blob_store(self, tmp_path): return MyStore(tmp_path)
    """

    def corrupt(self, store: BlobStore, digest: str) -> None:
        """Damage a stored blob in place; the default skips the corruption test."""
        import pytest

        pytest.skip("corrupt() is not defined for this backend")

    def test_put_get(self, blob_store: BlobStore) -> None:
        check_blob_put_get(blob_store)

    def test_idempotent(self, blob_store: BlobStore) -> None:
        check_blob_idempotent(blob_store)

    def test_empty(self, blob_store: BlobStore) -> None:
        check_blob_empty(blob_store)

    def test_stream_put(self, blob_store: BlobStore) -> None:
        check_blob_stream_put(blob_store)

    def test_stream_open(self, blob_store: BlobStore) -> None:
        check_blob_stream_open(blob_store)

    def test_delete(self, blob_store: BlobStore) -> None:
        check_blob_delete(blob_store)

    def test_missing(self, blob_store: BlobStore) -> None:
        check_blob_missing(blob_store)

    def test_invalid_digest(self, blob_store: BlobStore) -> None:
        check_blob_invalid_digest(blob_store)

    def test_listing(self, blob_store: BlobStore) -> None:
        check_blob_listing(blob_store)

    def test_corruption(self, blob_store: BlobStore) -> None:
        check_blob_corruption(blob_store, self.corrupt)


class MetadataStoreSuite:
    """A pytest mixin: subclass it, define a ``metadata_store`` fixture, get one test per check.

    Examples
    --------
    >>> class TestMyMetadataStore(MetadataStoreSuite):  # in a test module
    ...     pass  # plus: @pytest.fixture def metadata_store(self): return MyStore()
    """

    def test_absent(self, metadata_store: MetadataStore) -> None:
        check_metadata_absent(metadata_store)

    def test_revisions(self, metadata_store: MetadataStore) -> None:
        check_metadata_revisions(metadata_store)

    def test_create_only(self, metadata_store: MetadataStore) -> None:
        check_metadata_create_only(metadata_store)

    def test_compare_and_swap(self, metadata_store: MetadataStore) -> None:
        check_metadata_compare_and_swap(metadata_store)

    def test_delete(self, metadata_store: MetadataStore) -> None:
        check_metadata_delete(metadata_store)

    def test_no_aba(self, metadata_store: MetadataStore) -> None:
        check_metadata_no_aba(metadata_store)

    def test_scan(self, metadata_store: MetadataStore) -> None:
        check_metadata_scan(metadata_store)

    def test_strict_json(self, metadata_store: MetadataStore) -> None:
        check_metadata_strict_json(metadata_store)

    def test_names(self, metadata_store: MetadataStore) -> None:
        check_metadata_names(metadata_store)

    def test_isolation(self, metadata_store: MetadataStore) -> None:
        check_metadata_isolation(metadata_store)

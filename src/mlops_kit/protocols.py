"""Every plug-in contract of mlops_kit, in one place.

Each contract is a small, runtime-checkable :class:`typing.Protocol`. Nothing in mlops_kit
checks ``isinstance`` against a base class: any object with these methods plugs in.

==================  ===========================================================================
contract            what implements it
==================  ===========================================================================
``BlobStore``       immutable, content-addressed bytes (a folder, an object store, ...)
``MetadataStore``   small JSON documents with optimistic concurrency (SQLite, Postgres, ...)
``DriftDetector``   a batch detector: ``fit(reference)`` then ``detect(current)``
``StreamDetector``  an online detector fed one value at a time
``Check``           one check of a :class:`~mlops_kit.QualityGate`
``Trigger``         one reason to retrain, evaluated by a :class:`~mlops_kit.RetrainPolicy`
``Serializer``      turns a model into bytes and back, for the model registry
==================  ===========================================================================

This module imports nothing of the package at run time.

Examples
--------
>>> from mlops_kit.protocols import BlobStore
>>> from mlops_kit.storage import InMemoryBlobStore
>>> isinstance(InMemoryBlobStore(), BlobStore)
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, runtime_checkable

import attrs

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from typing_extensions import Self

    from mlops_kit.drift import DriftReport
    from mlops_kit.quality import CheckResult, Evidence
    from mlops_kit.retrain import Observation, TriggerResult

__all__ = [
    "BlobStore",
    "Check",
    "Document",
    "DriftDetector",
    "MetadataStore",
    "Serializer",
    "StreamDetector",
    "Trigger",
]


@attrs.frozen(kw_only=True)
class Document:
    """A JSON document read from a :class:`MetadataStore`, with its revision.

    Parameters
    ----------
    value
        The document, a JSON object (a fresh copy: mutating it changes nothing stored).
    revision
        Starts at 1 and grows by one with every write of the key.

    Examples
    --------
    >>> Document(value={"a": 1}, revision=3).revision
    3
    """

    value: dict[str, Any]
    revision: int


@runtime_checkable
class BlobStore(Protocol):
    """Immutable, content-addressed bytes, named by their SHA-256 hex digest.

    ``put`` is idempotent; ``open`` and ``get`` verify the bytes against the digest and raise
    :class:`~mlops_kit.exceptions.IntegrityError` on a mismatch and
    :class:`~mlops_kit.exceptions.NotFoundError` for an unknown digest; ``delete`` of an absent
    digest is a no-op. Run :func:`mlops_kit.testing.check_blob_store` on an implementation.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryBlobStore
    >>> store = InMemoryBlobStore()
    >>> digest = store.put(b"hello")
    >>> store.get(digest)
    b'hello'
    """

    def put(self, data: bytes | BinaryIO) -> str:
        """Store bytes (or everything read from a binary file object); return the digest."""
        ...

    def open(self, digest: str) -> BinaryIO:
        """A streaming reader of the blob; the digest is checked when the end is reached."""
        ...

    def get(self, digest: str) -> bytes:
        """The whole blob, verified."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether a blob with this digest is stored."""
        ...

    def delete(self, digest: str) -> None:
        """Remove a blob; a no-op when it is absent."""
        ...

    def digests(self) -> Iterator[str]:
        """The digest of every stored blob, in no particular order."""
        ...


@runtime_checkable
class MetadataStore(Protocol):
    """Small JSON documents in collections, with a revision per key for compare-and-swap.

    ``expected_revision`` on ``put``: ``None`` writes unconditionally, ``0`` creates only if the
    key is absent, ``n`` replaces only if the current revision is ``n``; otherwise
    :class:`~mlops_kit.exceptions.ConflictError`. Revisions start at 1, grow by one per write, and
    continue after a delete (no ABA). Run :func:`mlops_kit.testing.check_metadata_store` on an
    implementation.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryMetadataStore
    >>> store = InMemoryMetadataStore()
    >>> store.put("models", "fraud", {"description": "card fraud"})
    1
    >>> store.get("models", "fraud").value
    {'description': 'card fraud'}
    """

    def get(self, collection: str, key: str) -> Document | None:
        """The document and its revision, or ``None`` when the key is absent."""
        ...

    def put(
        self,
        collection: str,
        key: str,
        value: Mapping[str, Any],
        *,
        expected_revision: int | None = None,
    ) -> int:
        """Write a document; return its new revision."""
        ...

    def delete(self, collection: str, key: str, *, expected_revision: int | None = None) -> None:
        """Delete a document; a no-op when absent unless ``expected_revision`` is given."""
        ...

    def scan(self, collection: str, prefix: str = "") -> Iterator[tuple[str, Document]]:
        """Every ``(key, document)`` of the collection whose key starts with ``prefix``, by key."""
        ...


@runtime_checkable
class DriftDetector(Protocol):
    """A batch drift detector: learn a reference, then compare current data against it.

    ``fit`` returns the detector itself; ``detect`` before ``fit`` raises
    :class:`~mlops_kit.exceptions.NotFittedError`. Check an implementation with
    :func:`mlops_kit.testing.check_drift_detector`.

    Examples
    --------
    >>> class Never:
    ...     def fit(self, reference): return self
    ...     def detect(self, current): ...
    >>> isinstance(Never(), DriftDetector)
    True
    """

    def fit(self, reference: Any, /) -> Self:
        """Learn the reference; return ``self``."""
        ...

    def detect(self, current: Any, /) -> DriftReport:
        """Compare current data against the reference."""
        ...


@runtime_checkable
class StreamDetector(Protocol):
    """An online detector fed one value at a time (an error, a loss, a statistic).

    ``update_many`` returns the 0-based positions, counted across calls, where drift was
    signalled, exactly as calling ``update`` one value at a time would. ``to_dict`` /
    ``from_dict`` carry the full state, so a restarted service resumes identically.

    Examples
    --------
    >>> class Threshold:
    ...     drift_detected = False
    ...     warning_detected = False
    ...     def update(self, x): self.drift_detected = x > 3; return self
    ...     def update_many(self, values): ...
    ...     def reset(self): self.drift_detected = False
    ...     def to_dict(self): return {}
    ...     @classmethod
    ...     def from_dict(cls, data): return cls()
    >>> isinstance(Threshold(), StreamDetector)
    True
    """

    @property
    def drift_detected(self) -> bool:
        """Whether the last update signalled drift."""
        ...

    @property
    def warning_detected(self) -> bool:
        """Whether the last update signalled a warning."""
        ...

    def update(self, x: float, /) -> Self:
        """Feed one value; return ``self``."""
        ...

    def update_many(self, values: npt.ArrayLike, /) -> np.ndarray[Any, np.dtype[np.intp]]:
        """Feed many values; return the positions where drift was signalled."""
        ...

    def reset(self) -> None:
        """Forget everything seen."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The full state as JSON-compatible data."""
        ...

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], /) -> Self:
        """Rebuild a detector from :meth:`to_dict`'s output."""
        ...


@runtime_checkable
class Check(Protocol):
    """One check of a quality gate.

    ``severity`` is ``"fail"`` (a failure fails the gate) or ``"warn"``. ``evaluate`` returns a
    ``CheckResult``; it may raise, and the gate then reports the check as ``error``.

    Examples
    --------
    >>> class AlwaysPasses:
    ...     name = "always"
    ...     severity = "fail"
    ...     def evaluate(self, evidence): ...
    >>> isinstance(AlwaysPasses(), Check)
    True
    """

    @property
    def name(self) -> str:
        """The check's name in reports."""
        ...

    @property
    def severity(self) -> str:
        """``"fail"`` or ``"warn"``."""
        ...

    def evaluate(self, evidence: Evidence, /) -> CheckResult:
        """Run the check on the evidence."""
        ...


@runtime_checkable
class Trigger(Protocol):
    """One reason to retrain, evaluated on an observation by a retrain policy.

    ``evaluate`` returns a ``TriggerResult`` that says whether it fired, with the measured value
    and the threshold, or that the observation lacks its input.

    Examples
    --------
    >>> class Never:
    ...     name = "never"
    ...     def evaluate(self, observation): ...
    >>> isinstance(Never(), Trigger)
    True
    """

    @property
    def name(self) -> str:
        """The trigger's name in decisions."""
        ...

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Evaluate the trigger on one observation."""
        ...


@runtime_checkable
class Serializer(Protocol):
    """Turns a model into bytes and back, for the model registry.

    ``name`` is recorded with every artifact; ``supports`` says whether ``dumps`` can handle an
    object. ``loads`` only ever receives bytes whose digest the registry has verified.

    Examples
    --------
    >>> import json
    >>> class JSONSerializer:
    ...     name = "json"
    ...     def supports(self, obj): return isinstance(obj, dict)
    ...     def dumps(self, obj): return json.dumps(obj).encode()
    ...     def loads(self, data): return json.loads(data)
    >>> isinstance(JSONSerializer(), Serializer)
    True
    """

    @property
    def name(self) -> str:
        """The format's registered name."""
        ...

    def supports(self, obj: Any, /) -> bool:
        """Whether ``dumps`` can serialize ``obj``."""
        ...

    def dumps(self, obj: Any, /) -> bytes:
        """Serialize an object."""
        ...

    def loads(self, data: bytes, /) -> Any:
        """Deserialize verified bytes."""
        ...

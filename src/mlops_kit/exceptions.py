"""The exceptions of mlops_kit: one tree, each error also a builtin it resembles.

::

    MlopsKitError
    ├── NotFoundError            (also KeyError)       a name, version, alias, key or blob is absent
    ├── ConflictError                                  a concurrent write won; re-read and retry
    ├── IntegrityError                                 stored bytes do not match their digest
    ├── ValidationError          (also ValueError)     bad input; the message names what and why
    ├── NotFittedError           (also ValueError,     ``detect``/``estimate`` called before ``fit``
    │                             AttributeError)
    ├── UntrustedArtifactError                         refused to deserialize an artifact
    ├── GateFailedError                                raised by ``GateResult.raise_if_failed()``
    └── StorageError             (also OSError)        the storage medium failed (read-only, full)

Every message names the offending thing and the way out.

Examples
--------
>>> from mlops_kit.exceptions import NotFoundError, MlopsKitError
>>> try:
...     raise NotFoundError("No model named 'fraud'. Known models: 'churn'.")
... except KeyError as error:
...     print(error)
No model named 'fraud'. Known models: 'churn'.
>>> issubclass(NotFoundError, MlopsKitError)
True
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "GateFailedError",
    "IntegrityError",
    "MlopsKitError",
    "NotFittedError",
    "NotFoundError",
    "StorageError",
    "UntrustedArtifactError",
    "ValidationError",
]


class MlopsKitError(Exception):
    """The root of every error that mlops_kit raises on purpose.

    Examples
    --------
    >>> isinstance(ValidationError("bad"), MlopsKitError)
    True
    """


class NotFoundError(MlopsKitError, KeyError):
    """Something looked up by name, version, alias, key or digest does not exist.

    Also a :class:`KeyError`, so ``except KeyError`` keeps working; unlike a plain
    ``KeyError`` its message is printed without quotes.

    Examples
    --------
    >>> str(NotFoundError("No dataset named 'x'."))
    "No dataset named 'x'."
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConflictError(MlopsKitError):
    """A conditional write lost against a concurrent one: re-read and retry.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryMetadataStore
    >>> store = InMemoryMetadataStore()
    >>> store.put("models", "fraud", {"v": 1}, expected_revision=0)
    1
    >>> try:
    ...     store.put("models", "fraud", {"v": 2}, expected_revision=0)
    ... except ConflictError:
    ...     print("already there")
    already there
    """


class IntegrityError(MlopsKitError):
    """Stored bytes do not match the digest they were recorded under (corruption or tampering).

    Examples
    --------
    >>> issubclass(IntegrityError, MlopsKitError)
    True
    """


class ValidationError(MlopsKitError, ValueError):
    """Bad input: the message names the parameter, column or value and what would be accepted.

    Examples
    --------
    >>> issubclass(ValidationError, ValueError)
    True
    """


class NotFittedError(MlopsKitError, ValueError, AttributeError):
    """A method that needs a fitted object was called before ``fit``.

    Examples
    --------
    >>> issubclass(NotFittedError, AttributeError)
    True
    """


class UntrustedArtifactError(MlopsKitError):
    """Refused to deserialize an artifact whose origin or format cannot be trusted.

    Examples
    --------
    >>> issubclass(UntrustedArtifactError, MlopsKitError)
    True
    """


class GateFailedError(MlopsKitError):
    """A quality gate failed; raised by ``GateResult.raise_if_failed()``.

    The failing result is kept in ``result`` when given.

    Examples
    --------
    >>> error = GateFailedError("gate 'promotion' failed: 1 check")
    >>> error.result is None
    True
    """

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result


class StorageError(MlopsKitError, OSError):
    """The storage medium refused a read or write (read-only folder, full disk, ...).

    The message names the path and the operating system's reason.

    Examples
    --------
    >>> issubclass(StorageError, OSError)
    True
    """

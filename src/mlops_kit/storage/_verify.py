"""Verified reads shared by every blob backend: a streaming reader and the corruption error."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from mlops_kit.exceptions import IntegrityError

__all__ = ["VerifyingReader", "corrupted"]


def corrupted(digest: str, where: str) -> IntegrityError:
    """The error for bytes that do not match their digest, naming where they were read.

    Examples
    --------
    >>> error = corrupted("ab" * 32, "'/store/ab/abab...'")
    >>> "at '/store/ab/abab...' does not match its digest" in str(error)
    True
    """
    return IntegrityError(
        f"Blob {digest} at {where} does not match its digest: it is corrupted or was tampered "
        "with. Restore it from a backup or re-create it."
    )


class VerifyingReader(io.RawIOBase):
    """Hashes what it reads from ``file``; raises ``IntegrityError`` when the end is reached.

    Wrap it in :class:`io.BufferedReader` to hand it out as a ``BinaryIO``.

    Examples
    --------
    >>> import hashlib, io
    >>> data = b"payload"
    >>> reader = VerifyingReader(io.BytesIO(data), hashlib.sha256(data).hexdigest(), "memory")
    >>> io.BufferedReader(reader).read()
    b'payload'
    """

    def __init__(self, file: Any, digest: str, where: str) -> None:
        self._file = file
        self._digest = digest
        self._where = where
        self._hasher = hashlib.sha256()
        self._verified = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = int(self._file.readinto(view) or 0)
        if n:
            self._hasher.update(view[:n])
        elif not self._verified:
            self._verified = True
            if self._hasher.hexdigest() != self._digest:
                raise corrupted(self._digest, self._where)
        return n

    def close(self) -> None:
        self._file.close()
        super().close()

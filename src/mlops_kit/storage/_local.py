"""A blob store in a local folder: sharded by digest prefix, atomic writes, verified reads."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from mlops_kit.exceptions import NotFoundError, StorageError, ValidationError
from mlops_kit.storage._validation import validate_digest
from mlops_kit.storage._verify import VerifyingReader, corrupted

__all__ = ["LocalBlobStore", "storage_error"]

_CHUNK = 8 << 20  # 8 MiB: large enough that hashing and I/O release the GIL for long stretches
_READ_CHUNK = 1 << 20  # reads: small enough to start hashing early
_SMALL = 4 << 20  # up to this size, put hashes first and skips writing a blob already stored
_TMP = ".tmp"


def storage_error(action: str, path: Path | str, error: OSError) -> StorageError:
    """A :class:`StorageError` that names the path, the action and the system's reason.

    Examples
    --------
    >>> import errno
    >>> str(storage_error("write", "/data/x", OSError(errno.ENOSPC, "No space left on device")))
    "Could not write '/data/x': No space left on device (ENOSPC). Free some space and retry."
    """
    code = errno.errorcode.get(error.errno or 0, "")
    hint = {
        errno.ENOSPC: " Free some space and retry.",
        errno.EDQUOT: " Free some space or raise the quota and retry.",
        errno.EACCES: " Check the folder's permissions.",
        errno.EPERM: " Check the folder's permissions.",
        errno.EROFS: " The file system is read-only; open the store on a writable folder.",
    }.get(error.errno or 0, "")
    reason = error.strerror or str(error)
    suffix = f" ({code})" if code else ""
    result = StorageError(f"Could not {action} {str(path)!r}: {reason}{suffix}.{hint}")
    result.errno = error.errno
    return result


class _Pipeline:
    """Hash chunks on a worker thread, in order, while the caller does I/O on the next ones.

    Up to ``depth`` chunks may wait to be hashed, so a fast reader or writer is not held back
    by the hash (and an fsync overlaps with the hashing of the last chunks). Given a ``digest``
    the caller already computed, it hashes nothing and starts no thread.
    """

    def __init__(self, depth: int = 4, *, digest: str | None = None) -> None:
        self.hasher = hashlib.sha256()
        self._digest = digest
        self._executor = None if digest else ThreadPoolExecutor(max_workers=1)
        self._pending: deque[Future[None]] = deque()
        self._depth = depth

    def feed(self, chunk: bytes | memoryview) -> None:
        if self._executor is None:
            return
        while len(self._pending) >= self._depth:
            self._pending.popleft().result()
        self._pending.append(self._executor.submit(self.hasher.update, chunk))

    def close(self) -> None:
        """Wait for the chunks fed so far and stop the thread; safe to call twice."""
        while self._pending:
            self._pending.popleft().result()
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def hexdigest(self) -> str:
        self.close()
        return self._digest or self.hasher.hexdigest()


class LocalBlobStore:
    """A :class:`~mlops_kit.protocols.BlobStore` in a folder, one file per blob.

    Blobs live in ``root/<first two hex digits>/<digest>``. A write goes to a temporary file in
    ``root/.tmp``, is flushed and fsynced, then renamed into place, so a reader never sees a
    partial blob and a killed writer leaves only a temporary file that is never listed (remove
    old ones with :meth:`remove_temporary_files`). Every read is verified against the digest.
    ``put`` streams from a file object and ``open`` streams to the caller, so blobs larger than
    memory pass through in chunks; a blob over 4 MiB is hashed on a second thread while the next
    chunk is read or written, a smaller one inline.

    Parameters
    ----------
    root
        The folder; created if missing.
    fsync
        Flush each blob to the device before it becomes visible (default ``True``).

    Examples
    --------
    >>> import tempfile
    >>> store = LocalBlobStore(tempfile.mkdtemp())
    >>> digest = store.put(b"weights")
    >>> store.get(digest)
    b'weights'
    >>> with store.open(digest) as f:
    ...     f.read()
    b'weights'
    """

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync
        try:
            (self.root / _TMP).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise storage_error("create the blob folder", self.root, error) from error

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path(self, digest: str) -> Path:
        """The file that holds (or would hold) a blob.

        Examples
        --------
        >>> LocalBlobStore("/tmp/blobs").path("ab" + "0" * 62).parent.name
        'ab'
        """
        validate_digest(digest)
        return self.root / digest[:2] / digest

    def put(self, data: bytes | BinaryIO) -> str:
        """Store bytes, or everything read from a binary file object; return the digest."""
        if isinstance(data, bytes | bytearray | memoryview):
            payload = memoryview(data).cast("B")
            if len(payload) <= _SMALL:
                # small blobs: hash first, and skip the write when the blob is already stored
                digest = hashlib.sha256(payload).hexdigest()
                if self.path(digest).exists():
                    return digest
                return self._write(lambda write: _write_buffer(payload, write), digest=digest)
            # large blobs: hash on a second thread while the same chunks are written
            return self._write(lambda write: _write_buffer(payload, write))
        if not hasattr(data, "read"):
            raise ValidationError(
                f"A blob must be bytes or a binary file object. Got {type(data).__name__} instead."
            )
        return self._write(lambda write: _copy_stream(data, write))

    def _write(
        self, produce: Callable[[Callable[[Any], None]], None], *, digest: str | None = None
    ) -> str:
        tmp = self.root / _TMP / f"{uuid.uuid4().hex}.part"
        pipeline = _Pipeline(digest=digest)
        try:
            with open(tmp, "wb", buffering=0) as file:

                def write(chunk: Any) -> None:
                    pipeline.feed(chunk)
                    view = memoryview(chunk)
                    while view:
                        written = file.write(view)
                        view = view[written:]

                produce(write)
                if self.fsync:
                    os.fsync(file.fileno())
            digest = pipeline.hexdigest()
            target = self.path(digest)
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
            if self.fsync:
                _fsync_dir(target.parent)
            return digest
        except OSError as error:
            raise storage_error("write a blob to", tmp.parent.parent, error) from error
        finally:
            pipeline.close()
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def open(self, digest: str) -> BinaryIO:
        """A streaming reader; raises ``IntegrityError`` at the end if the bytes don't match."""
        path = self.path(digest)
        try:
            file = open(path, "rb", buffering=0)  # noqa: SIM115 - the reader owns and closes it
        except FileNotFoundError:
            raise NotFoundError(f"No blob {digest} in {str(self.root)!r}.") from None
        except OSError as error:
            raise storage_error("read", path, error) from error
        reader = VerifyingReader(file, digest, repr(str(path)))
        return io.BufferedReader(reader, buffer_size=1 << 20)

    def get(self, digest: str) -> bytes:
        """The whole blob, read and hashed in parallel, verified."""
        path = self.path(digest)
        pipeline: _Pipeline | None = None
        try:
            with open(path, "rb", buffering=0) as file:
                size = os.fstat(file.fileno()).st_size
                if size <= _SMALL:
                    data = file.read()
                    if hashlib.sha256(data).hexdigest() != digest:
                        raise corrupted(digest, repr(str(path)))
                    return data
                pipeline = _Pipeline()
                # Read straight into the buffer of the bytes object we return (BytesIO hands it
                # over without a copy); each chunk is hashed on a second thread while the next
                # is read, so what is verified is exactly what is returned.
                buffer = io.BytesIO()
                buffer.seek(size - 1)
                buffer.write(b"\0")
                view = buffer.getbuffer()
                offset = 0
                while offset < size:
                    n = file.readinto(view[offset : offset + _READ_CHUNK])
                    if not n:
                        break
                    pipeline.feed(view[offset : offset + n])
                    offset += n
                complete = offset == size and not file.read(1)
        except FileNotFoundError:
            raise NotFoundError(f"No blob {digest} in {str(self.root)!r}.") from None
        except OSError as error:
            raise storage_error("read", path, error) from error
        finally:
            actual = pipeline.hexdigest() if pipeline is not None else ""
        view.release()
        if actual != digest or not complete:
            raise corrupted(digest, repr(str(path)))
        return buffer.getvalue()

    def exists(self, digest: str) -> bool:
        """Whether the blob is stored."""
        return self.path(digest).is_file()

    def delete(self, digest: str) -> None:
        """Remove the blob; a no-op when absent."""
        path = self.path(digest)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as error:
            raise storage_error("delete", path, error) from error

    def digests(self) -> Iterator[str]:
        """Every stored digest (temporary files of unfinished writes are never listed)."""
        try:
            shards = sorted(os.scandir(self.root), key=lambda e: e.name)
        except FileNotFoundError:
            return
        for shard in shards:
            if len(shard.name) != 2 or not shard.is_dir():
                continue
            for entry in sorted(os.scandir(shard.path), key=lambda e: e.name):
                name = entry.name
                if len(name) == 64 and name.startswith(shard.name) and entry.is_file():
                    yield name

    def size(self, digest: str) -> int:
        """The size of a stored blob in bytes.

        Examples
        --------
        >>> import tempfile
        >>> store = LocalBlobStore(tempfile.mkdtemp())
        >>> store.size(store.put(b"abc"))
        3
        """
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"No blob {digest} in {str(self.root)!r}.") from None

    def remove_temporary_files(self, *, older_than: float = 3600.0) -> int:
        """Remove temporary files left by killed writers; return how many were removed.

        Only files older than ``older_than`` seconds are removed, so writes in progress in other
        processes are left alone.

        Examples
        --------
        >>> import tempfile
        >>> LocalBlobStore(tempfile.mkdtemp()).remove_temporary_files()
        0
        """
        now = time.time()
        removed = 0
        for entry in os.scandir(self.root / _TMP):
            if entry.name.endswith(".part") and now - entry.stat().st_mtime > older_than:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
        return removed


def _write_buffer(payload: memoryview, write: Callable[[Any], None]) -> None:
    for start in range(0, len(payload), _CHUNK):
        write(payload[start : start + _CHUNK])


def _copy_stream(source: Any, write: Callable[[Any], None]) -> None:
    while True:
        chunk = source.read(_CHUNK)
        if not chunk:
            return
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise ValidationError("A blob file object must be opened in binary mode ('rb').")
        write(chunk)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)

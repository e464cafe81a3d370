"""Faults and bad input: corruption, killed writers, racing processes, bad names, broken media."""

from __future__ import annotations

import errno
import hashlib
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlops_kit.exceptions import (
    ConflictError,
    IntegrityError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from mlops_kit.storage import LocalBlobStore, SQLiteMetadataStore, open_store
from mlops_kit.storage import _local as local_module

# -- corruption --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3 * 2**20, 9 * 2**20 + 7], ids=["small", "large"])
@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_a_flipped_byte_gives_integrity_error(tmp_path: Path, position: str, size: int) -> None:
    store = LocalBlobStore(tmp_path)
    payload = os.urandom(size)
    assert store.get(store.put(payload)) == payload
    assert store.get(store.put(bytearray(payload))) == payload
    digest = store.put(payload)
    path = store.path(digest)
    data = bytearray(path.read_bytes())
    index = {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[position]
    data[index] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=digest):
        store.get(digest)
    with pytest.raises(IntegrityError), store.open(digest) as reader:
        reader.read()


def test_a_truncated_or_extended_blob_gives_integrity_error(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    digest = store.put(b"0123456789")
    store.path(digest).write_bytes(b"01234")
    with pytest.raises(IntegrityError):
        store.get(digest)
    store.path(digest).write_bytes(b"0123456789!")
    with pytest.raises(IntegrityError):
        store.get(digest)


def test_a_blob_renamed_to_another_digest_is_caught(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    good, other = store.put(b"good"), store.put(b"other")
    store.path(good).write_bytes(store.path(other).read_bytes())
    with pytest.raises(IntegrityError):
        store.get(good)


# -- a writer killed mid-put ---------------------------------------------------------------------

_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from mlops_kit.storage import LocalBlobStore

    class Slow:
        def __init__(self):
            self.sent = 0
        def read(self, n):
            if self.sent == 2:
                print("writing", flush=True)
            time.sleep(0.05)
            self.sent += 1
            return b"x" * (1 << 20)

    LocalBlobStore(sys.argv[1]).put(Slow())
    """
)


def test_sigkill_during_put_leaves_no_partial_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    existing = store.put(b"existing")
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    # The store is readable, lists only complete blobs, and the partial file is a temp file.
    assert list(store.digests()) == [existing]
    assert store.get(existing) == b"existing"
    leftovers = list((tmp_path / ".tmp").iterdir())
    assert leftovers, "the killed writer should have left its temporary file"
    assert all(p.name.endswith(".part") for p in leftovers)
    assert store.remove_temporary_files(older_than=3600) == 0  # too recent: maybe in progress
    assert store.remove_temporary_files(older_than=0) == len(leftovers)
    assert not list((tmp_path / ".tmp").iterdir())
    # and the store keeps working
    assert store.get(store.put(b"after")) == b"after"


# -- racing processes ----------------------------------------------------------------------------


def _allocate_versions(url: str, worker: int, count: int) -> None:
    store = open_store(url)
    allocated = 0
    while allocated < count:
        versions = [int(key.split("/")[1]) for key, _ in store.metadata.scan("versions", "m/")]
        n = max(versions, default=0) + 1
        try:
            store.metadata.put(
                "versions", f"m/{n:06d}", {"worker": worker, "i": allocated}, expected_revision=0
            )
        except ConflictError:
            continue
        allocated += 1
    store.close()


@pytest.mark.parametrize("processes", [8])
def test_racing_processes_allocate_distinct_versions(tmp_path: Path, processes: int) -> None:
    url = str(tmp_path / "store")
    open_store(url).close()
    per_worker = 15
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_allocate_versions, args=(url, w, per_worker))
        for w in range(processes)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    store = open_store(url)
    docs = list(store.metadata.scan("versions"))
    numbers = [int(key.split("/")[1]) for key, _ in docs]
    assert numbers == list(range(1, processes * per_worker + 1)), "no gap, no duplicate"
    written = sorted((doc.value["worker"], doc.value["i"]) for _, doc in docs)
    assert written == sorted((w, i) for w in range(processes) for i in range(per_worker))
    assert all(doc.revision == 1 for _, doc in docs)
    store.close()


def _increment(path: str, count: int) -> None:
    store = SQLiteMetadataStore(path)
    done = 0
    while done < count:
        doc = store.get("counters", "c")
        current, revision = (doc.value["n"], doc.revision) if doc else (0, 0)
        try:
            store.put("counters", "c", {"n": current + 1}, expected_revision=revision)
        except ConflictError:
            continue
        done += 1
    store.close()


def test_compare_and_swap_counter_loses_no_increment(tmp_path: Path) -> None:
    path = str(tmp_path / "meta.sqlite")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_increment, args=(path, 25)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    store = SQLiteMetadataStore(path)
    doc = store.get("counters", "c")
    assert doc is not None
    assert doc.value == {"n": 100}
    assert doc.revision == 100
    store.close()


def test_racing_writers_of_one_blob_agree(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = LocalBlobStore(tmp_path)
    payload = os.urandom(2 * 2**20)
    with ThreadPoolExecutor(8) as pool:
        digests = set(pool.map(lambda _: store.put(payload), range(16)))
    assert digests == {hashlib.sha256(payload).hexdigest()}
    assert store.get(digests.pop()) == payload


# -- names that try to escape --------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["..", "../outside", "a/../../b", "/etc/passwd", "a//b", "nul\x00byte", "x" * 10_000],
    ids=["dotdot", "dotdot-prefix", "dotdot-inside", "absolute", "empty-segment", "nul", "huge"],
)
def test_keys_that_try_to_escape_are_refused(tmp_path: Path, key: str) -> None:
    store = open_store(tmp_path / "store")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ValidationError):
        store.metadata.put("collection", key, {"x": 1})
    with pytest.raises(ValidationError):
        store.metadata.put(key, "k", {"x": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list(store.metadata.scan("collection")) == []
    store.close()


@pytest.mark.parametrize("digest", ["../" * 20 + "etc/passwd", "/" + "a" * 63, "A" * 64])
def test_digests_that_try_to_escape_are_refused(tmp_path: Path, digest: str) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(ValidationError, match="64 lowercase"):
        store.get(digest)
    with pytest.raises(ValidationError):
        store.open(digest)


def test_unknown_blob_is_not_found(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(NotFoundError, match="No blob"):
        store.get("f" * 64)
    with pytest.raises(NotFoundError):
        store.size("f" * 64)


def test_put_refuses_non_bytes(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(ValidationError, match="bytes or a binary file"):
        store.put("text")  # type: ignore[arg-type]
    with open(tmp_path / "text.txt", "w+") as text_file:
        text_file.write("hello")
        text_file.seek(0)
        with pytest.raises(ValidationError, match="binary mode"):
            store.put(text_file)  # type: ignore[arg-type]


# -- broken media --------------------------------------------------------------------------------


def test_full_disk_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path / "blobs")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local_module.os, "fsync", full)
    with pytest.raises(StorageError, match="No space left on device") as info:
        store.put(b"data")
    assert str(tmp_path / "blobs") in str(info.value)
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value, OSError)
    monkeypatch.undo()
    assert list(store.digests()) == []
    assert list((tmp_path / "blobs" / ".tmp").iterdir()) == [], "the temp file is cleaned up"


def test_read_only_folder_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    real_open = open

    def read_only(path: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "w" in mode:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(local_module, "open", read_only, raising=False)
    with pytest.raises(StorageError, match="read-only") as info:
        store.put(b"data")
    assert str(tmp_path / "blobs") in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_really_read_only_folder(tmp_path: Path) -> None:  # pragma: no cover - not run as root
    store = LocalBlobStore(tmp_path / "blobs")
    (tmp_path / "blobs" / ".tmp").chmod(0o500)
    try:
        with pytest.raises(StorageError, match="permission"):
            store.put(b"data")
    finally:
        (tmp_path / "blobs" / ".tmp").chmod(0o700)


def test_blob_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StorageError, match="file"):
        LocalBlobStore(tmp_path / "file" / "blobs")


def test_sqlite_on_a_path_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StorageError, match="file"):
        SQLiteMetadataStore(tmp_path / "file" / "meta.sqlite")


def test_sqlite_read_only_database_names_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "meta.sqlite"
    SQLiteMetadataStore(path).close()
    real_connect = sqlite3.connect

    def read_only(*args: object, **kwargs: object) -> sqlite3.Connection:
        uri = f"file:{path}?mode=ro"
        return real_connect(uri, uri=True, isolation_level=None, check_same_thread=False)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    store = SQLiteMetadataStore(path)  # opening a read-only database works, for reading
    assert store.get("c", "k") is None
    with pytest.raises(StorageError, match=r"read-only|readonly") as info:
        store.put("c", "k", {"x": 1})
    assert str(path) in str(info.value)
    store.close()


def test_sqlite_busy_lock_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "meta.sqlite"
    holder = SQLiteMetadataStore(path)
    waiter = SQLiteMetadataStore(path, timeout=0.1)
    connection = holder._connection()
    connection.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError, match="locked"):
            waiter.put("c", "k", {"x": 1})
    finally:
        connection.execute("ROLLBACK")
    assert waiter.put("c", "k", {"x": 1}) == 1
    holder.close()
    waiter.close()


def test_sqlite_rejects_unknown_synchronous(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="'synchronous'"):
        SQLiteMetadataStore(tmp_path / "m.sqlite", synchronous="OFF")


def test_sqlite_store_survives_a_fork_of_its_owner(tmp_path: Path) -> None:
    store = SQLiteMetadataStore(tmp_path / "m.sqlite")
    store.put("c", "parent", {})
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            store.put("c", "child", {})
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [key for key, _ in store.scan("c")] == ["child", "parent"]
    store.close()

"""A metadata store in one SQLite file: WAL, a busy timeout, a revision per document."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlops_kit.exceptions import ConflictError, StorageError
from mlops_kit.protocols import Document
from mlops_kit.storage._validation import (
    check_expected_revision,
    conflict_message,
    decode_document,
    encode_document,
    validate_collection,
    validate_key,
)

__all__ = ["SQLiteMetadataStore"]

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    revision INTEGER NOT NULL,
    PRIMARY KEY (collection, key)
) WITHOUT ROWID;
"""


class SQLiteMetadataStore:
    """A :class:`~mlops_kit.protocols.MetadataStore` in one SQLite file, safe for many processes.

    Each document is a row ``(collection, key, value, revision)``. A write runs in a
    ``BEGIN IMMEDIATE`` transaction that reads the current revision, compares it with
    ``expected_revision`` and writes, so compare-and-swap is atomic across processes. A deleted
    key keeps its row (value ``NULL``) and its revision, so re-creating it continues the count
    and a stale compare-and-swap can never succeed. The database runs in WAL mode (readers never
    block the writer) with a busy timeout, so processes wait for each other instead of failing.

    Parameters
    ----------
    path
        The database file; created with its folder if missing.
    timeout
        Seconds to wait for another process's write lock before giving up.
    synchronous
        SQLite's ``synchronous`` pragma: ``"FULL"`` (default) fsyncs every commit, ``"NORMAL"``
        survives a crash of the process but may lose the last commits on power loss.

    Examples
    --------
    >>> import tempfile, os
    >>> store = SQLiteMetadataStore(os.path.join(tempfile.mkdtemp(), "meta.sqlite"))
    >>> store.put("registry.models", "fraud", {"description": "card fraud"}, expected_revision=0)
    1
    >>> store.get("registry.models", "fraud").revision
    1
    >>> store.close()
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 60.0,
        synchronous: str = "FULL",
    ) -> None:
        from mlops_kit.exceptions import ValidationError

        if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValidationError(
                "The 'synchronous' parameter of SQLiteMetadataStore must be one of 'FULL', "
                f"'NORMAL', 'EXTRA'. Got {synchronous!r} instead."
            )
        self.path = Path(path)
        self.timeout = timeout
        self.synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _error("create the folder of", self.path.parent, error) from error
        try:
            exists = (
                self._connection()
                .execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'")
                .fetchone()
            )
        except sqlite3.Error as error:
            raise _error("open", self.path, error) from error
        if not exists:
            with self._transaction() as connection:
                connection.execute(_SCHEMA)
                connection.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def __repr__(self) -> str:
        return f"SQLiteMetadataStore({str(self.path)!r})"

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        cached = getattr(self._local, "connection", None)
        if cached is not None and cached[0] == pid:
            return cached[1]  # type: ignore[no-any-return]
        try:
            connection = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        except sqlite3.Error as error:
            raise _error("open", self.path, error) from error
        self._local.connection = (pid, connection)
        with self._lock:
            self._connections.append(connection)
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise _error("lock", self.path, error) from error
        try:
            yield connection
        except sqlite3.Error as error:
            connection.execute("ROLLBACK")
            raise _error("write", self.path, error) from error
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        try:
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise _error("write", self.path, error) from error

    def close(self) -> None:
        """Close every connection this object opened (in this process)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def get(self, collection: str, key: str) -> Document | None:
        """The document and its revision, or ``None``."""
        validate_collection(collection)
        validate_key(key)
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT value, revision FROM documents WHERE collection = ? AND key = ?",
                    (collection, key),
                )
                .fetchone()
            )
        except sqlite3.Error as error:
            raise _error("read", self.path, error) from error
        if row is None or row[0] is None:
            return None
        return Document(value=decode_document(row[0]), revision=row[1])

    def put(
        self,
        collection: str,
        key: str,
        value: Mapping[str, Any],
        *,
        expected_revision: int | None = None,
    ) -> int:
        """Write a document atomically; return its new revision."""
        validate_collection(collection)
        validate_key(key)
        expected = check_expected_revision(expected_revision)
        text = encode_document(value)
        with self._transaction() as connection:
            live, revision = _current(connection, collection, key)
            if expected is not None and expected != live:
                raise ConflictError(conflict_message(collection, key, expected, live))
            connection.execute(
                "INSERT INTO documents (collection, key, value, revision) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection, key) DO UPDATE SET "
                "value = excluded.value, revision = excluded.revision",
                (collection, key, text, revision + 1),
            )
        return revision + 1

    def delete(self, collection: str, key: str, *, expected_revision: int | None = None) -> None:
        """Delete a document; its revision is kept so a re-created key continues from it."""
        validate_collection(collection)
        validate_key(key)
        expected = check_expected_revision(expected_revision)
        with self._transaction() as connection:
            live, _ = _current(connection, collection, key)
            if expected is not None and expected != live:
                raise ConflictError(conflict_message(collection, key, expected, live))
            if live:
                connection.execute(
                    "UPDATE documents SET value = NULL WHERE collection = ? AND key = ?",
                    (collection, key),
                )

    def scan(self, collection: str, prefix: str = "") -> Iterator[tuple[str, Document]]:
        """Every live ``(key, document)`` whose key starts with ``prefix``, sorted by key."""
        validate_collection(collection)
        rows: list[tuple[str, str, int]] = []
        try:
            cursor = self._connection().execute(
                "SELECT key, value, revision FROM documents WHERE collection = ? AND key >= ? "
                "AND value IS NOT NULL ORDER BY key",
                (collection, prefix),
            )
            while batch := cursor.fetchmany(512):
                kept = [row for row in batch if row[0].startswith(prefix)]
                rows.extend(kept)
                if len(kept) < len(batch):
                    break
            cursor.close()
        except sqlite3.Error as error:
            raise _error("read", self.path, error) from error
        for key, text, revision in rows:
            yield key, Document(value=decode_document(text), revision=revision)


def _current(connection: sqlite3.Connection, collection: str, key: str) -> tuple[int, int]:
    """(live revision or 0, last revision or 0) of a key."""
    row = connection.execute(
        "SELECT value IS NOT NULL, revision FROM documents WHERE collection = ? AND key = ?",
        (collection, key),
    ).fetchone()
    if row is None:
        return 0, 0
    return (row[1] if row[0] else 0), row[1]


def _error(action: str, path: Path, error: BaseException) -> StorageError:
    reason = str(error)
    hint = ""
    lowered = reason.lower()
    if "readonly" in lowered or "read-only" in lowered:
        hint = " The file or its folder is read-only; open the store on a writable folder."
    elif "full" in lowered:
        hint = " The disk is full; free some space and retry."
    elif "locked" in lowered or "busy" in lowered:
        hint = " Another process held the lock for too long; retry or raise 'timeout'."
    elif "unable to open" in lowered:
        hint = " Check that the folder exists and is writable."
    return StorageError(f"Could not {action} the metadata database {str(path)!r}: {reason}.{hint}")

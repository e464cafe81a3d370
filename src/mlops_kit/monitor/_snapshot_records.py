"""The records of monitor snapshots: headers, and writes guarded by revision and snapshot id.

Every save writes a fresh random snapshot id into its record, and an object remembers, per name,
the (revision, snapshot id) it was loaded from or saved at (:data:`Snapshots`). A save writes
only over that record (or creates the record, for a name it never saw), unless told
``overwrite=True``; the snapshot id tells apart records of the same name and revision in two
stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from mlops_kit._version import __version__
from mlops_kit.exceptions import ConflictError, NotFoundError, ValidationError
from mlops_kit.protocols import Document
from mlops_kit.storage._validation import validate_name

__all__ = [
    "ATTEMPTS",
    "SCHEMA_VERSION",
    "Snapshots",
    "check_header",
    "check_overwrite",
    "current_record",
    "header",
    "read_record",
    "snapshot_of",
    "write_record",
]

SCHEMA_VERSION = 1
# how many times a save re-reads and retries a record that changed under it (overwrite=True,
# or a record deleted again before the save created it), and a load a snapshot replaced under it
ATTEMPTS = 10

# (revision, snapshot id) of each name an object was loaded from or saved as
Snapshots: TypeAlias = dict[str, tuple[int, str | None]]


def header(kind: str) -> dict[str, Any]:
    return {"type": kind, "schema_version": SCHEMA_VERSION, "mlops_kit_version": __version__}


def check_header(data: Mapping[str, Any], kind: str) -> None:
    if not isinstance(data, Mapping) or data.get("type") != kind:
        found = data.get("type") if isinstance(data, Mapping) else type(data).__name__
        raise ValidationError(f"This is not a saved {kind} (type {found!r}).")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ValidationError(
            f"This {kind} was saved with schema version {version!r} (by mlops_kit "
            f"{data.get('mlops_kit_version')}), newer than mlops_kit {__version__} understands "
            f"(version {SCHEMA_VERSION}). Upgrade mlops_kit to load it."
        )


def check_overwrite(overwrite: object, kind: str) -> None:
    if not isinstance(overwrite, bool):
        raise ValidationError(
            f"The 'overwrite' argument of {kind}.save must be a bool. Got {overwrite!r} instead."
        )


def snapshot_of(doc: Document) -> str | None:
    snapshot = doc.value.get("snapshot")
    return snapshot if isinstance(snapshot, str) else None


def _check_current(
    kind: str, name: str, known: tuple[int, str | None] | None, current: Document | None
) -> None:
    """A ``ConflictError`` unless ``current`` is the record ``known`` (both None: a creation)."""
    if current is None and known is None:
        return
    if current is not None and (current.revision, snapshot_of(current)) == known:
        return
    now = "it has been deleted" if current is None else f"it is now at revision {current.revision}"
    if known is None:
        what = (
            f"a {kind} is already saved under {name!r} ({now}) and this one was neither "
            "loaded from it nor saved there"
        )
    elif current is not None and current.revision == known[0]:
        what = (
            f"the {kind} saved under {name!r} in this store, at revision {known[0]} too, is "
            "another snapshot than the one this one was loaded from or saved as (it comes from "
            "another store)"
        )
    else:
        what = (
            f"the {kind} saved under {name!r} changed since this one was loaded from it or "
            f"saved there (at revision {known[0]}; {now}): another process "
            f"{'deleted' if current is None else 'saved'} it meanwhile"
        )
    raise ConflictError(
        f"Not saved: {what}. Load the newer snapshot with {kind}.load(store, {name!r}) and "
        "apply the calls made since to it, or pass overwrite=True to replace it with this one."
    )


def current_record(
    store: Any, collection: str, name: str, snapshots: Snapshots, *, kind: str, overwrite: bool
) -> Document | None:
    """The record under ``name``; unless ``overwrite``, a ``ConflictError`` if not the known one."""
    current: Document | None = store.metadata.get(collection, name)
    if not overwrite:
        _check_current(kind, name, snapshots.get(name), current)
    return current


def write_record(
    store: Any,
    collection: str,
    name: str,
    record: dict[str, Any],
    snapshots: Snapshots,
    current: Document | None,
    *,
    kind: str,
    overwrite: bool,
) -> tuple[int, Document | None]:
    """Put ``record`` over ``current``; the new revision, and the record it replaced.

    The write expects ``current``'s revision, so a record changed since it was read is caught:
    that is a ``ConflictError`` unless ``overwrite`` (then the write is retried over the new
    record) or the record is still the one this object knows (deleted again before a creation).
    """
    for _ in range(ATTEMPTS):
        expected = 0 if current is None else current.revision
        try:
            revision: int = store.metadata.put(collection, name, record, expected_revision=expected)
        except ConflictError:
            pass
        else:
            snapshots[name] = (revision, record["snapshot"])
            return revision, current
        current = current_record(store, collection, name, snapshots, kind=kind, overwrite=overwrite)
    raise ConflictError(
        f"Not saved: the {kind} saved under {name!r} changed at each of {ATTEMPTS} attempts to "
        "replace it; another process keeps saving it. Try again later."
    )


def read_record(store: Any, collection: str, name: str, kind: str) -> Document:
    validate_name(name, f"{kind} name")
    doc: Document | None = store.metadata.get(collection, name)
    if doc is None:
        raise NotFoundError(
            f"No {kind} saved under {name!r} in this store. Save one with "
            f"{kind}.save(store, {name!r}) first, or check the name."
        )
    check_header(doc.value, kind)
    return doc

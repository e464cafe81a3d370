"""``DataRepository``: commit, load, tag and compare versions of DataFrames on a store."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.data import _chunking, _codecs, _layout
from mlops_kit.data._diff import DataDiff, compute_diff
from mlops_kit.data._fingerprint import fingerprint
from mlops_kit.data._lookup import (
    IDS,
    LOGS,
    MANIFESTS,
    VERSIONS,
    Lookups,
    now,
    retry,
)
from mlops_kit.data._profile import Profile, profile_frame
from mlops_kit.data._reader import read_frame
from mlops_kit.data._schema import ColumnSchema, Schema
from mlops_kit.data._version import DataVersion, LogEntry
from mlops_kit.exceptions import ConflictError, IntegrityError, NotFoundError, ValidationError
from mlops_kit.storage import Store
from mlops_kit.storage._validation import validate_name

__all__ = ["DataRepository"]

MANIFEST_FORMAT = 1


def as_frame(data: Any) -> pd.DataFrame:
    """Check ``data`` is committable and return it as a DataFrame (arrays get named columns)."""
    if isinstance(data, np.ndarray):
        if data.ndim == 1:
            return pd.DataFrame({"value": data})
        if data.ndim == 2:
            return pd.DataFrame(data, columns=[str(i) for i in range(data.shape[1])])
        raise ValidationError(
            f"Only 1-D and 2-D numpy arrays can be committed. Got {data.ndim} dimensions; "
            "reshape it first."
        )
    if isinstance(data, pd.Series):
        raise ValidationError("Commit a DataFrame, not a Series: use series.to_frame().")
    if not isinstance(data, pd.DataFrame):
        raise ValidationError(
            f"DataRepository.commit takes a pandas DataFrame or a numpy array. Got "
            f"{type(data).__name__} instead."
        )
    if isinstance(data.columns, pd.MultiIndex):
        raise ValidationError(
            "The frame has MultiIndex columns, which DataRepository does not store. Flatten them "
            "first, e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns]."
        )
    if data.shape[1] == 0:
        raise ValidationError("The frame has no columns: there is nothing to commit.")
    bad = [name for name in data.columns if not isinstance(name, str)]
    if bad:
        raise ValidationError(
            f"Column names must be strings; these are not: {bad[:5]!r}. Rename them, e.g. "
            "df.rename(columns=str)."
        )
    duplicated = sorted(set(data.columns[data.columns.duplicated()]))
    if duplicated:
        raise ValidationError(
            f"Column names must be unique; duplicated: {duplicated!r}. Rename or drop them."
        )
    return data


class DataRepository(Lookups):
    """Content-addressed, deduplicated versions of DataFrames with lineage, on a store.

    Rows are cut into content-defined chunks of about 2 MiB, each stored once as a blob;
    a version is a manifest of chunks plus a :class:`DataVersion` record. Metadata lives in the
    ``data.*`` collections of the store's metadata store.

    Parameters
    ----------
    store
        A :class:`mlops_kit.storage.Store`.
    codec
        ``"auto"`` (Parquet when pyarrow is importable, else ``"npz"``), ``"parquet"`` or
        ``"npz"`` (numpy only, never pickles). Reading always uses the codec a version was
        written with.
    chunk_size
        The target bytes of row data per chunk (2 MiB). Larger chunks commit and load faster
        and deduplicate more coarsely; versions written with different sizes share fewer chunks.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlops_kit.storage import open_store
    >>> repo = DataRepository(open_store("memory://"))
    >>> v1 = repo.commit("sales", pd.DataFrame({"id": [1, 2], "amount": [9.5, 3.0]}))
    >>> v2 = repo.commit("sales", pd.DataFrame({"id": [1, 2, 3], "amount": [9.5, 3.0, 4.0]}))
    >>> v2.parents == (v1.id,)
    True
    >>> repo.load("sales").shape
    (3, 2)
    >>> repo.diff(v1, v2).rows_added
    1
    """

    def __init__(
        self, store: Store, *, codec: str = "auto", chunk_size: int = _chunking.TARGET_CHUNK_BYTES
    ) -> None:
        if not hasattr(store, "blobs") or not hasattr(store, "metadata"):
            raise ValidationError(
                "The 'store' parameter of DataRepository must be a mlops_kit.storage.Store "
                f"(with .blobs and .metadata). Got {type(store).__name__} instead."
            )
        if codec not in ("auto", *_codecs.CODECS):
            raise ValidationError(
                "The 'codec' parameter of DataRepository must be 'auto', 'npz' or 'parquet'. "
                f"Got {codec!r} instead."
            )
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 4096:
            raise ValidationError(
                "The 'chunk_size' parameter of DataRepository must be an int >= 4096 (bytes). "
                f"Got {chunk_size!r} instead."
            )
        self.store = store
        self.codec = codec
        self.chunk_size = chunk_size

    def __repr__(self) -> str:
        return f"DataRepository({self.store!r}, codec={self.codec!r}, chunk_size={self.chunk_size})"

    # ------------------------------------------------------------------------------ commit

    def commit(
        self,
        name: str,
        df: pd.DataFrame | npt.NDArray[Any],
        *,
        message: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        parents: Sequence[DataVersion | str] | None = None,
    ) -> DataVersion:
        """Store ``df`` as the dataset's new latest version and return its record.

        Committing the content that is already the latest adds nothing and returns the
        existing version; committing the content of an older version moves ``latest`` back
        to it (the log records a ``revert``). A 1-D array becomes a column ``"value"``, a 2-D
        array columns ``"0"``, ``"1"``, ...

        Parameters
        ----------
        name
            The dataset: 1-200 letters, digits, ``.``, ``_`` or ``-``.
        df
            The data. Column names must be unique strings.
        message, metadata
            A description and JSON-compatible user data, kept with the version.
        parents
            Versions (or ids) this one derives from; by default the dataset's latest.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> v = repo.commit("d", pd.DataFrame({"a": [1]}), metadata={"source": "dwh"})
        >>> repo.commit("d", pd.DataFrame({"a": [1]})) == v
        True
        """
        validate_name(name, "dataset name")
        frame = as_frame(df)
        meta = dict(metadata or {})
        try:
            json.dumps(meta, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValidationError(
                f"The 'metadata' of a commit must be JSON-compatible (no NaN). {error}"
            ) from error
        if message is not None and not isinstance(message, str):
            raise ValidationError(f"The 'message' must be a str. Got {type(message).__name__}.")
        parent_ids = None if parents is None else tuple(self._parent_id(p) for p in parents)
        version_id = fingerprint(frame)
        existing = self.store.metadata.get(VERSIONS, f"{name}/{version_id}")
        with ThreadPoolExecutor(1) as pool:
            # the profile is computed while the chunks are encoded and written
            profiling = None if existing is not None else pool.submit(profile_frame, frame)
            if self.store.metadata.get(MANIFESTS, version_id) is None:
                self._write_content(version_id, frame)
            profile = None if profiling is None else profiling.result()
        if existing is not None:
            version = DataVersion.from_dict(existing.value)
        else:
            assert profile is not None
            version = self._record_version(name, version_id, message, meta, parent_ids, profile)
        self._append_log(name, version)
        return version

    def _parent_id(self, parent: DataVersion | str) -> str:
        identifier = parent.id if isinstance(parent, DataVersion) else parent
        return self.version(identifier).id

    def _write_content(self, version_id: str, frame: pd.DataFrame) -> None:
        codec = _codecs.resolve_codec(self.codec)
        layout, physical = _layout.to_physical(frame, self._put_categories)
        n = len(frame)
        hashes = _chunking.row_hashes(physical, n)
        target = _chunking.target_rows(_chunking.bytes_per_row(physical, n), self.chunk_size)
        bounds = _chunking.chunk_bounds(hashes, target)
        encode = _codecs.encoder(codec, physical)

        def write(bound: tuple[int, int]) -> tuple[str, int]:
            blob = encode(bound)
            return self.store.blobs.put(blob), len(blob)

        with ThreadPoolExecutor(_codecs._workers()) as pool:
            written = list(pool.map(write, bounds))
        manifest = {
            "format": MANIFEST_FORMAT,
            "codec": codec,
            "n_rows": n,
            "layout": layout.to_dict(),
            "chunks": [
                {"digest": digest, "rows": stop - start, "bytes": size}
                for (digest, size), (start, stop) in zip(written, bounds)
            ],
        }
        with contextlib.suppress(ConflictError):  # another writer stored the same content
            self.store.metadata.put(MANIFESTS, version_id, manifest, expected_revision=0)

    def _put_categories(self, categories: pd.Index) -> dict[str, Any]:
        frame = pd.DataFrame({"categories": categories})
        layout, physical = _layout.to_physical(frame, self._put_categories)
        blob = _codecs.encode_chunks("npz", physical, [(0, len(frame))])[0]
        return {"blob": self.store.blobs.put(blob), "layout": layout.to_dict(), "n": len(frame)}

    def _get_categories(self, reference: Mapping[str, Any]) -> pd.Index:
        physical = _codecs.decode_chunks("npz", [self.store.blobs.get(reference["blob"])])
        layout = _layout.Layout.from_dict(reference["layout"])
        frame = _layout.from_physical(layout, physical, reference["n"], self._get_categories)
        categories: pd.Index = pd.Index(frame.iloc[:, 0])
        return categories

    def _record_version(
        self,
        name: str,
        version_id: str,
        message: str | None,
        metadata: dict[str, Any],
        parents: tuple[str, ...] | None,
        profile: Profile,
    ) -> DataVersion:
        """Store a new version record; a record a concurrent writer stored first wins."""
        key = f"{name}/{version_id}"
        if parents is None:
            latest = self._latest_id(name)
            parents = () if latest is None else (latest,)
        schema = Schema(
            columns=[
                ColumnSchema(name=c.name, dtype=c.dtype, nullable=c.nulls > 0)
                for c in profile.columns
            ]
        )
        version = DataVersion(
            id=version_id,
            name=name,
            n_rows=profile.n_rows,
            schema=schema,
            created_at=now(),
            parents=parents,
            message=message,
            metadata=metadata,
            profile=profile,
        )
        try:
            self.store.metadata.put(VERSIONS, key, version.to_dict(), expected_revision=0)
        except ConflictError:
            stored = self.store.metadata.get(VERSIONS, key)
            assert stored is not None
            return DataVersion.from_dict(stored.value)
        with contextlib.suppress(ConflictError):
            self.store.metadata.put(IDS, f"{version_id}/{name}", {}, expected_revision=0)
        return version

    def _append_log(self, name: str, version: DataVersion) -> None:
        def append() -> None:
            document = self.store.metadata.get(LOGS, name)
            entries = [] if document is None else list(document.value["entries"])
            if entries and entries[-1]["id"] == version.id:
                return
            seen = any(entry["id"] == version.id for entry in entries)
            entry = LogEntry(version_id=version.id, action="revert" if seen else "commit", at=now())
            revision = 0 if document is None else document.revision
            value = {"entries": [*entries, entry.to_dict()]}
            self.store.metadata.put(LOGS, name, value, expected_revision=revision)

        retry(append)

    # --------------------------------------------------------------------------- load

    def _resolve(self, version_or_name: DataVersion | str, ref: str) -> DataVersion:
        if isinstance(version_or_name, DataVersion):
            return version_or_name
        if isinstance(version_or_name, str):
            return self.get(version_or_name, ref)
        raise ValidationError(
            f"Pass a DataVersion or a dataset name. Got {type(version_or_name).__name__} instead."
        )

    def manifest(self, version: DataVersion | str) -> dict[str, Any]:
        """The stored manifest of a version (codec, layout and chunks); mostly for tools.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> v = repo.commit("d", pd.DataFrame({"a": [1]}))
        >>> len(repo.manifest(v)["chunks"])
        1
        """
        version_id = version.id if isinstance(version, DataVersion) else version
        document = self.store.metadata.get(MANIFESTS, version_id)
        if document is None:
            raise NotFoundError(f"No stored content for data version {version_id!r}.")
        return document.value

    def load(
        self,
        version_or_name: DataVersion | str,
        ref: str = "latest",
        *,
        columns: Sequence[Hashable] | None = None,
    ) -> pd.DataFrame:
        """The frame of a version, equal to the committed one (dtypes and index included).

        With ``columns``, only those columns are decoded, in that order, as ``df[columns]``
        (every chunk is still read and verified whole). An unknown column raises
        :class:`~mlops_kit.exceptions.NotFoundError` naming close matches.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> df = pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}, index=["x", "y"])
        >>> v = repo.commit("d", df)
        >>> repo.load(v).equals(df) and repo.load("d", "latest").equals(df)
        True
        >>> repo.load(v, columns=["b"]).equals(df[["b"]])
        True
        """
        version = self._resolve(version_or_name, ref)
        manifest = self.manifest(version)
        counted = sum(int(chunk["rows"]) for chunk in manifest["chunks"])
        if counted != manifest["n_rows"]:
            raise IntegrityError(
                f"The manifest of data version {version.id} says {manifest['n_rows']} rows but "
                f"its chunks add up to {counted}: it is damaged."
            )
        return self.read_chunks(manifest, range(len(manifest["chunks"])), columns=columns)

    def read_chunks(
        self,
        manifest: Mapping[str, Any],
        indices: Iterable[int],
        *,
        columns: Sequence[Hashable] | None = None,
    ) -> pd.DataFrame:
        """Decode the chosen chunks of a manifest into one frame (in chunk order)."""
        chunks = [manifest["chunks"][i] for i in indices]
        if not chunks:
            return self.read_chunks(manifest, [0], columns=columns).iloc[:0]
        return read_frame(self.store.blobs, manifest, chunks, self._get_categories, columns)

    # --------------------------------------------------------------------------- diff

    def diff(
        self,
        a: DataVersion | str,
        b: DataVersion | str,
        *,
        key: str | Sequence[str] | None = None,
        sample_size: int = 5,
    ) -> DataDiff:
        """Compare two versions: schema changes, rows added/removed, column statistics.

        See :class:`~mlops_kit.data.DataDiff`. Only the chunks the versions do not share are
        read. With ``key``, rows whose key is in both but whose content differs are counted
        in ``rows_changed`` instead of added and removed.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.storage import open_store
        >>> repo = DataRepository(open_store("memory://"))
        >>> a = repo.commit("d", pd.DataFrame({"k": [1, 2], "x": [1.0, 2.0]}))
        >>> b = repo.commit("d", pd.DataFrame({"k": [1, 2, 3], "x": [1.0, 2.5, 3.0]}))
        >>> d = repo.diff(a, b, key="k")
        >>> d.rows_added, d.rows_removed, d.rows_changed
        (1, 0, 1)
        """
        first = a if isinstance(a, DataVersion) else self.version(a)
        second = b if isinstance(b, DataVersion) else self.version(b)
        return compute_diff(self, first, second, key=key, sample_size=sample_size)

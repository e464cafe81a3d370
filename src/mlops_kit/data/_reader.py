"""Reading a version's chunks back into a frame: verified, decoded and placed in parallel.

The chunks are cut into runs of consecutive chunks of at least :data:`RUN_BYTES` stored bytes.
A worker thread reads each chunk of its run through the store's verifying reader (the digest is
checked when the end of the blob is reached), decodes it, and copies the whole run into its
rows of the result at once, while the data is in cache: small chunks then cost one copy per
column per run rather than per chunk. With Parquet, blobs are read into, and the result's
fixed-width columns allocated from, Arrow's memory pool (as ``pandas.read_parquet`` does),
which reuses its memory where fresh allocations would cost a page fault per 4 KiB.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from mlops_kit.data import _codecs, _layout
from mlops_kit.exceptions import IntegrityError, ValidationError
from mlops_kit.protocols import BlobStore

__all__ = ["RUN_BYTES", "read_frame", "runs"]

RUN_BYTES = 4 << 20


def runs(sizes: Sequence[int], run_bytes: int = RUN_BYTES) -> list[range]:
    """Consecutive indices grouped so that each group holds at least ``run_bytes`` bytes.

    Examples
    --------
    >>> runs([3, 3, 3, 9, 1], run_bytes=5)
    [range(0, 2), range(2, 4), range(4, 5)]
    """
    groups: list[range] = []
    first, total = 0, 0
    for index, size in enumerate(sizes):
        total += size
        if total >= run_bytes:
            groups.append(range(first, index + 1))
            first, total = index + 1, 0
    if first < len(sizes):
        groups.append(range(first, len(sizes)))
    return groups


def read_frame(
    blobs: BlobStore,
    manifest: Mapping[str, Any],
    chunks: Sequence[Mapping[str, Any]],
    get_categories: _layout.GetCategories,
    columns: Sequence[Hashable] | None = None,
) -> pd.DataFrame:
    """The rows of ``chunks`` (entries of ``manifest["chunks"]``, in this order) as a frame.

    With ``columns``, only those columns (and the index) are decoded, in that order; every
    blob is still read whole, and verified.
    """
    codec = manifest["codec"]
    if codec not in _codecs.CODECS:
        raise ValidationError(f"Unknown codec {codec!r} in a manifest; upgrade mlops_kit.")
    layout = _layout.Layout.from_dict(manifest["layout"])
    selection = None if columns is None else _layout.select(layout, columns)
    keep = None if selection is None else selection.keeps
    assembly = _codecs.Assembly(codec, [int(chunk["rows"]) for chunk in chunks])

    get = _arrow_reader(blobs) if codec == "parquet" else _bytes_reader(blobs)

    def read(run: range) -> None:
        parts = []
        for index in run:
            part, rows = _codecs.decode_one(codec, get(chunks[index]), keep)
            if rows != int(chunks[index]["rows"]):
                raise IntegrityError(
                    f"Stored chunk {index} ({chunks[index]['digest']}) holds {rows} rows; its "
                    f"manifest says {chunks[index]['rows']}: the manifest is damaged."
                )
            parts.append(part)
        assembly.add(run.start, parts)

    groups = runs([int(chunk["bytes"]) for chunk in chunks], RUN_BYTES)
    if len(groups) == 1:
        read(groups[0])
    else:
        with ThreadPoolExecutor(_codecs._workers()) as pool:
            list(pool.map(read, groups))
    physical = assembly.result()
    if selection is not None:
        layout = selection.layout
        physical = {selection.rename(name): values for name, values in physical.items()}
    return _layout.from_physical(layout, physical, assembly.starts[-1], get_categories)


def _bytes_reader(blobs: BlobStore) -> Callable[[Mapping[str, Any]], Any]:
    return lambda chunk: blobs.get(chunk["digest"])


def _arrow_reader(blobs: BlobStore) -> Callable[[Mapping[str, Any]], Any]:
    """Read each blob into a buffer of Arrow's memory pool, through the verifying reader.

    Arrow's pool hands the same memory out again from one chunk (and one load) to the next,
    where a new ``bytes`` object each time costs the system a page fault per 4 KiB.
    """
    import pyarrow as pa

    def read(chunk: Mapping[str, Any]) -> Any:
        digest, size = chunk["digest"], int(chunk["bytes"])
        buffer = pa.allocate_buffer(size + 1)  # one byte more: reading must reach the end
        with memoryview(buffer) as view:
            filled = read_until_end(blobs, digest, view)
        if filled != size:
            raise IntegrityError(
                f"Blob {digest} is {'longer' if filled > size else 'shorter'} than the {size} "
                "bytes its manifest records: the store or the manifest is damaged. Restore it "
                "from a backup or re-create it."
            )
        return buffer.slice(0, size)

    return read


def read_until_end(blobs: BlobStore, digest: str, view: memoryview) -> int:
    """Fill ``view`` from the blob's verifying reader; return how many bytes it held.

    Reading goes on until the reader reports the end (where the store checks the digest and
    raises ``IntegrityError`` on a mismatch) or ``view`` is full.

    Examples
    --------
    >>> from mlops_kit.storage import InMemoryBlobStore
    >>> store = InMemoryBlobStore()
    >>> view = memoryview(bytearray(8))
    >>> read_until_end(store, store.put(b"chunk"), view), bytes(view[:5])
    (5, b'chunk')
    """
    filled = 0
    with blobs.open(digest) as stream, view.cast("B") as target:
        # Past a plain buffered reader's buffer, straight into ours (no copy through it); a
        # subclass, or any other reader, may verify in its own methods: read through those.
        reader = stream.raw if type(stream) is io.BufferedReader else stream
        readinto = getattr(reader, "readinto", None)
        while filled < len(target):
            if readinto is not None:
                n = int(readinto(target[filled:]) or 0)
            else:  # a plug-in's reader may only read()
                data = reader.read(len(target) - filled)
                n = len(data)
                target[filled : filled + n] = data
            if not n:
                break
            filled += n
    return filled

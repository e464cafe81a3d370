"""Reading a version's chunks back into a frame: verified, decoded and placed in parallel.

The chunks are cut into runs of consecutive chunks of at least :data:`RUN_BYTES` stored bytes.
A worker thread reads each chunk of its run (the store verifies every blob against its digest),
decodes it, and copies the whole run into its rows of the result at once, while the data is in
cache: small chunks then cost one copy per column per run rather than per chunk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from mlops_kit.data import _codecs, _layout
from mlops_kit.exceptions import ValidationError
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
) -> pd.DataFrame:
    """The rows of ``chunks`` (entries of ``manifest["chunks"]``, in this order) as a frame."""
    codec = manifest["codec"]
    if codec not in _codecs.CODECS:
        raise ValidationError(f"Unknown codec {codec!r} in a manifest; upgrade mlops_kit.")
    assembly = _codecs.Assembly(codec, [int(chunk["rows"]) for chunk in chunks])

    def read(run: range) -> None:
        parts = [_codecs.decode_one(codec, blobs.get(chunks[i]["digest"])) for i in run]
        assembly.add(run.start, parts)

    groups = runs([int(chunk.get("bytes", 0)) for chunk in chunks], RUN_BYTES)
    if len(groups) == 1:
        read(groups[0])
    else:
        with ThreadPoolExecutor(_codecs._workers()) as pool:
            list(pool.map(read, groups))
    layout = _layout.Layout.from_dict(manifest["layout"])
    return _layout.from_physical(layout, assembly.result(), assembly.starts[-1], get_categories)

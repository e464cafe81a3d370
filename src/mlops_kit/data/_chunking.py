"""Content-defined chunking of rows: row hashes and chunk boundaries.

A row ends a chunk when its 64-bit row hash is 0 modulo the target row count (a power of two
chosen from the bytes per row so that a chunk holds about 2 MiB), as long as the chunk has at
least a quarter of the target rows; a chunk never exceeds four times the target. Boundaries
depend only on row content, so inserting or deleting rows moves only the nearby boundaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_kit.data._layout import Text

__all__ = ["TARGET_CHUNK_BYTES", "chunk_bounds", "row_hashes", "target_rows"]

TARGET_CHUNK_BYTES = 2 << 20
_P = np.uint64(0x100000001B3)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _as_u64(values: npt.NDArray[Any]) -> npt.NDArray[np.uint64]:
    if values.dtype.itemsize == 8 and values.dtype.kind in "iufmM":
        return values.view(np.uint64)
    if values.dtype.kind == "f":
        width = {2: np.uint16, 4: np.uint32}[values.dtype.itemsize]
        return values.view(width).astype(np.uint64)
    return values.astype(np.int64).view(np.uint64)


_BLOCK_BYTES = 1 << 20
_POWERS: dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]] = {}


def _powers(size: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """``P**k`` and ``P**-k`` (mod 2**64) for ``k`` in ``[0, size]``."""
    size = max(size, _BLOCK_BYTES)
    if size not in _POWERS:
        _POWERS.clear()
        inverse = np.uint64(pow(int(_P), -1, 1 << 64))
        up = np.full(size + 1, _P, dtype=np.uint64)
        down = np.full(size + 1, inverse, dtype=np.uint64)
        up[0] = down[0] = 1
        np.cumprod(up, out=up)
        np.cumprod(down, out=down)
        _POWERS[size] = (up, down)
    return _POWERS[size]


def _text_hashes(column: Text) -> npt.NDArray[np.uint64]:
    """A polynomial hash of each value's bytes (position independent), with its length.

    Computed with prefix sums over blocks of about 1 MiB: no Python loop per row.
    """
    assert column.lengths is not None
    lengths = column.lengths
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(column.data, dtype=np.uint8)
    out = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    out ^= column.flags.astype(np.uint64)
    row = 0
    n = len(lengths)
    while row < n:
        first = offsets[row]
        stop = int(np.searchsorted(offsets, first + _BLOCK_BYTES, side="right")) - 1
        stop = min(max(stop, row + 1), n)
        size = int(offsets[stop] - first)
        up, down = _powers(size)
        weighted = data[first : first + size].astype(np.uint64)
        weighted *= up[1 : size + 1]
        prefix = np.zeros(size + 1, dtype=np.uint64)
        np.cumsum(weighted, out=prefix[1:])
        local = offsets[row : stop + 1] - first
        out[row:stop] += (prefix[local[1:]] - prefix[local[:-1]]) * down[local[:-1]]
        row = stop
    return out


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The splitmix64 finalizer, in place."""
    h ^= h >> np.uint64(30)
    h *= _M1
    h ^= h >> np.uint64(27)
    h *= _M2
    h ^= h >> np.uint64(31)
    return h


def row_hashes(physical: Mapping[str, Any], n_rows: int) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per row over every physical column (vectorized, column by column).

    Examples
    --------
    >>> import numpy as np
    >>> h = row_hashes({"c0": np.array([1, 2, 1])}, 3)
    >>> bool(h[0] == h[2]), bool(h[0] == h[1])
    (True, False)
    """
    h = np.zeros(n_rows, dtype=np.uint64)
    for column in physical.values():
        if isinstance(column, Text):
            values = _text_hashes(column)
        else:
            values = _as_u64(np.asarray(column))
        h ^= values  # (h xor v) * P is a bijection of v for any h: no column is lost
        h *= _P
    return _mix(h)


def target_rows(bytes_per_row: float, chunk_bytes: int = TARGET_CHUNK_BYTES) -> int:
    """The power of two nearest to ``chunk_bytes / bytes_per_row`` (at least 16).

    Examples
    --------
    >>> target_rows(8.0)
    262144
    >>> target_rows(300.0)
    8192
    """
    rows = chunk_bytes / max(bytes_per_row, 1.0)
    return int(2 ** max(4, round(np.log2(rows))))


def chunk_bounds(hashes: npt.NDArray[np.uint64], target: int) -> list[tuple[int, int]]:
    """Content-defined ``(start, stop)`` bounds covering every row.

    Examples
    --------
    >>> import numpy as np
    >>> bounds = chunk_bounds(np.arange(100, dtype=np.uint64) * 7, 16)
    >>> bounds[0][0], bounds[-1][1], all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    (0, 100, True)
    """
    n = len(hashes)
    if n == 0:
        return [(0, 0)]
    minimum, maximum = max(1, target // 4), target * 4
    ends = np.flatnonzero((hashes & np.uint64(target - 1)) == 0) + 1  # a row ends its chunk
    bounds = []
    start = 0
    while start < n:
        i = int(np.searchsorted(ends, start + minimum))
        stop = int(ends[i]) if i < len(ends) else n
        stop = min(stop, start + maximum, n)
        bounds.append((start, stop))
        start = stop
    return bounds


def bytes_per_row(physical: Mapping[str, Any], n_rows: int) -> float:
    """The average stored bytes per row, for choosing the target chunk size."""
    total = 0.0
    for column in physical.values():
        if isinstance(column, Text):
            lengths = column.lengths
            total += 9.0 + (float(lengths.mean()) if lengths is not None and n_rows else 0.0)
        else:
            total += column.dtype.itemsize
    return total

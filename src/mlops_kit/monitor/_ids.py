"""Prediction ids, times and windows: the bookkeeping under :class:`PerformanceMonitor`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.exceptions import ValidationError

__all__ = ["IdIndex", "as_ids", "as_nanoseconds", "check_window", "from_nanoseconds"]

_NS_PER_SECOND = 1_000_000_000


class IdIndex:
    """Prediction ids -> positions, as a log-structured stack of unique pandas Indexes.

    Each level covers a contiguous range of positions; a new batch is pushed on top and merged
    with the level below while it is at least as large, so levels halve in size downwards,
    a lookup probes O(log n) hash tables (each built once), and merging costs O(n log n) in
    total: logging stays linear however many calls it takes. Two levels whose merge would cast
    ints beyond 2**53 to floats (pandas' common dtype) stay apart, so no id ever changes.
    """

    def __init__(self) -> None:
        self._levels: list[tuple[int, pd.Index]] = []
        self.size = 0

    def positions(self, query: pd.Index) -> npt.NDArray[np.int64]:
        found = np.full(len(query), -1, dtype=np.int64)
        for start, level in self._levels:
            where = np.asarray(level.get_indexer(query), dtype=np.int64)
            hit = where >= 0
            found[hit] = where[hit] + start
        return found

    def values(self) -> list[Any]:
        return [value for _, level in self._levels for value in level.tolist()]

    def levels(self) -> list[pd.Index]:
        """The stacked indexes, bottom first (what :meth:`from_levels` rebuilds from)."""
        return [level for _, level in self._levels]

    @classmethod
    def from_levels(cls, levels: list[pd.Index]) -> IdIndex:
        """The index whose stack is ``levels``, as :meth:`levels` returned them."""
        index = cls()
        for level in levels:
            index._levels.append((index.size, level))
            index.size += len(level)
        return index

    def add(self, ids: pd.Index) -> None:
        self._levels.append((self.size, ids))
        self.size += len(ids)
        while len(self._levels) >= 2 and len(self._levels[-1][1]) >= len(self._levels[-2][1]):
            (start, lower), (_, upper) = self._levels[-2], self._levels[-1]
            merged = lower.append(upper)
            if not (_exact(lower, merged.dtype) and _exact(upper, merged.dtype)):
                break  # ints past a float's exact range: kept apart, each in its own dtype
            self._levels[-2:] = [(start, merged)]


def _exact(ids: pd.Index, dtype: Any) -> bool:
    """Whether casting ``ids`` to ``dtype`` (as appending them does) keeps every id."""
    if dtype.kind != "f" or ids.dtype.kind not in "iu" or not len(ids):
        return True
    largest = 2 ** (np.finfo(getattr(dtype, "numpy_dtype", dtype)).nmant + 1)
    return bool(-largest <= ids.min() and ids.max() <= largest)


def as_ids(ids: Any) -> pd.Index:
    if isinstance(ids, pd.Index):
        return pd.Index(ids)
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValidationError(
            f"'ids' must be one-dimensional, one id per row. Got shape {array.shape} instead."
        )
    index: pd.Index = pd.Index(array if array.dtype.kind in "iu" else array.tolist())
    return index


def check_window(window: object) -> int | pd.Timedelta:
    message = (
        "The 'window' parameter of PerformanceMonitor must be a positive int (predictions per "
        "window) or a positive period such as '7D' or timedelta(days=7). Got {!r} instead."
    )
    if isinstance(window, bool):
        raise ValidationError(message.format(window))
    if isinstance(window, (int, np.integer)):
        if window <= 0:
            raise ValidationError(message.format(window))
        return int(window)
    if isinstance(window, (str, timedelta)):
        try:
            period = pd.Timedelta(window)
        except ValueError as error:
            raise ValidationError(message.format(window)) from error
        if period <= pd.Timedelta(0):
            raise ValidationError(message.format(window))
        return period
    raise ValidationError(message.format(window))


def as_nanoseconds(timestamps: Any, n: int) -> npt.NDArray[np.int64]:
    """Aware datetimes or ISO strings (one per id, or one for all) as UTC epoch nanoseconds."""
    scalar = isinstance(timestamps, (str, datetime, pd.Timestamp))
    try:
        converted = pd.DatetimeIndex(pd.to_datetime([timestamps] if scalar else timestamps))
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"'timestamps' must be datetimes or ISO strings. Got {error} instead."
        ) from error
    if converted.tz is None:
        raise ValidationError(
            "'timestamps' must be timezone-aware (e.g. '2026-11-02T10:00:00Z' or "
            "datetime(..., tzinfo=timezone.utc)); naive times are ambiguous."
        )
    if scalar:
        converted = converted.repeat(n)
    if len(converted) != n:
        raise ValidationError(
            f"'timestamps' must have one time per id. Got {len(converted)} for {n} ids."
        )
    if converted.hasnans:
        raise ValidationError("'timestamps' holds missing values.")
    return np.asarray(converted.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)


def from_nanoseconds(value: int) -> datetime:
    """The aware UTC datetime of epoch nanoseconds (to the microsecond)."""
    return datetime.fromtimestamp(value // _NS_PER_SECOND, timezone.utc) + timedelta(
        microseconds=(value % _NS_PER_SECOND) // 1000
    )

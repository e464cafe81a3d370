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
    total: logging stays linear however many calls it takes. Merging never changes an id: where
    pandas' common dtype would (ints beyond 2**53 with floats, int64 with uint64), the merged
    level keeps non-negative ints as uint64, anything else as Python objects; and a lookup only
    probes a level of another numeric dtype with the query ids that dtype holds exactly.
    """

    def __init__(self) -> None:
        self._levels: list[tuple[int, pd.Index]] = []
        self.size = 0

    def positions(self, query: pd.Index) -> npt.NDArray[np.int64]:
        found = np.full(len(query), -1, dtype=np.int64)
        for start, level in self._levels:
            where = _probe(level, query)
            hit = where >= 0
            found[hit] = where[hit] + start
        return found

    def values(self) -> list[Any]:
        return [value for _, level in self._levels for value in level.tolist()]

    def levels(self) -> list[pd.Index]:
        """The stacked indexes, bottom first (what :meth:`from_levels` rebuilds from).

        A level of Python objects that are all numbers comes out as its runs of one numeric
        dtype each, contiguous as well, so that each can be stored in its own dtype.
        """
        return [run for _, level in self._levels for run in _typed_runs(level)]

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
            self._levels[-2:] = [(start, _merge(lower, upper))]


def _merge(lower: pd.Index, upper: pd.Index) -> pd.Index:
    """``lower`` then ``upper`` in one index that holds every id exactly."""
    merged: pd.Index = lower.append(upper)
    exact = _holds(merged.dtype, lower) and _holds(merged.dtype, upper)
    if exact and object not in (lower.dtype, upper.dtype):
        return merged
    if lower.dtype.kind in "iu" and upper.dtype.kind in "iu" and min(lower.min(), upper.min()) >= 0:
        unsigned: pd.Index = lower.astype(np.uint64).append(upper.astype(np.uint64))
        return unsigned
    # (appending two object indexes lets pandas infer a numeric dtype again)
    both = np.concatenate([lower.to_numpy(object), upper.to_numpy(object)])
    objects: pd.Index = pd.Index(both, dtype=object)
    return objects


def _holds(dtype: Any, ids: pd.Index) -> bool:
    """Whether ``dtype`` holds every one of ``ids`` exactly (floats: ints within 2**53)."""
    if dtype.kind != "f" or ids.dtype.kind not in "iu" or not len(ids):
        return True
    largest = 2 ** (np.finfo(getattr(dtype, "numpy_dtype", dtype)).nmant + 1)
    return bool(-largest <= ids.min() and ids.max() <= largest)


def _probe(level: pd.Index, query: pd.Index) -> npt.NDArray[np.int64]:
    """Positions in ``level`` of the ``query`` ids, -1 where absent, compared exactly.

    pandas compares two numeric dtypes in a common one, where ints beyond 2**53 (or int64 and
    uint64 ids) can meet an id they are not; here a query id meets a level of another numeric
    dtype only if that dtype holds it exactly.
    """
    kinds = (level.dtype.kind, query.dtype.kind)
    if level.dtype == query.dtype or not all(kind in "iuf" for kind in kinds):
        return np.asarray(level.get_indexer(query), dtype=np.int64)
    values = query.to_numpy()
    with np.errstate(all="ignore"):
        cast = values.astype(level.to_numpy().dtype)
        exact = cast.astype(values.dtype) == values
    if level.dtype.kind == "u":
        exact &= values >= 0
    where = np.full(len(query), -1, dtype=np.int64)
    where[exact] = level.get_indexer(pd.Index(cast[exact]))
    return where


def _typed_runs(level: pd.Index) -> list[pd.Index]:
    """``level``, or for Python objects that are all numbers, its runs of one numeric dtype."""
    if level.dtype != object or not len(level):
        return [level]
    values = level.to_numpy()
    kinds = np.array([_number_kind(value) for value in values])
    if (kinds == "").any():
        return [level]
    bounds = np.flatnonzero(kinds[1:] != kinds[:-1]) + 1
    return [
        pd.Index(np.asarray(run.tolist(), dtype=_KIND_DTYPES[run_kinds[0]]))
        for run, run_kinds in zip(np.split(values, bounds), np.split(kinds, bounds))
    ]


_KIND_DTYPES = {"i": np.int64, "u": np.uint64, "f": np.float64}


def _number_kind(value: Any) -> str:
    """``"i"``, ``"u"`` (past int64) or ``"f"``: the numpy dtype that holds ``value``; else ""."""
    if isinstance(value, (bool, np.bool_)):
        return ""
    if isinstance(value, (int, np.integer)):
        return "u" if value > np.iinfo(np.int64).max else "i"
    return "f" if isinstance(value, (float, np.floating)) else ""


def as_ids(ids: Any) -> pd.Index:
    if isinstance(ids, pd.Index):
        return pd.Index(ids)
    array = np.asarray(ids)
    if array.ndim != 1:
        raise ValidationError(
            f"'ids' must be one-dimensional, one id per row. Got shape {array.shape} instead."
        )
    if array.dtype.kind == "f" and not isinstance(ids, np.ndarray):
        array = _python_ints(ids, array)
    index: pd.Index = pd.Index(array if array.dtype.kind in "iu" else array.tolist())
    return index


def _python_ints(ids: Any, array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Python ints numpy made floats (some past int64, some not): uint64, or objects, exactly."""
    values = list(ids)
    if not values or not all(_number_kind(v) in ("i", "u") for v in values):
        return array
    return np.asarray(values, dtype=np.uint64 if min(values) >= 0 else object)


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

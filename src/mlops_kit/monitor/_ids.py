"""Prediction ids and windows: the bookkeeping under :class:`PerformanceMonitor`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.exceptions import ValidationError

__all__ = ["IdIndex", "as_ids", "check_window"]


class IdIndex:
    """Prediction ids -> positions, as a log-structured stack of unique pandas Indexes.

    Each level covers a contiguous range of positions; a new batch is pushed on top and merged
    with the level below while it is at least as large, so levels halve in size downwards,
    a lookup probes O(log n) hash tables (each built once), and merging costs O(n log n) in
    total: logging stays linear however many calls it takes.
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

    def add(self, ids: pd.Index) -> None:
        self._levels.append((self.size, ids))
        self.size += len(ids)
        while len(self._levels) >= 2 and len(self._levels[-1][1]) >= len(self._levels[-2][1]):
            (start, lower), (_, upper) = self._levels[-2], self._levels[-1]
            self._levels[-2:] = [(start, lower.append(upper))]


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

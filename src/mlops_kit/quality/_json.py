"""Helpers that turn numpy / pandas values into strict JSON values (no NaN, no inf)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["MAX_FAILING_ROWS", "jsonable", "row_ids"]

#: At most this many failing row ids are kept in a :class:`~mlops_kit.quality.CheckResult`.
MAX_FAILING_ROWS = 20


def jsonable(value: Any) -> Any:
    """Return ``value`` as strict JSON data: NaN and inf become ``None``, tuples become lists.

    Examples
    --------
    >>> jsonable({"a": (np.float64(1.5), float("nan")), 2: np.int64(3)})
    {'a': [1.5, None], '2': 3}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp and friends
        return str(value.isoformat())
    return str(value)


def row_ids(index: Any, mask: Any) -> tuple[tuple[Any, ...], int]:
    """The first :data:`MAX_FAILING_ROWS` index labels where ``mask`` holds, and their count.

    Examples
    --------
    >>> import pandas as pd
    >>> row_ids(pd.RangeIndex(5), np.array([True, False, True, False, False]))
    ((0, 2), 2)
    """
    mask = np.asarray(mask, dtype=bool)
    positions = np.flatnonzero(mask)
    total = int(positions.size)
    labels = [jsonable(index[p]) for p in positions[:MAX_FAILING_ROWS]]
    return tuple(labels), total

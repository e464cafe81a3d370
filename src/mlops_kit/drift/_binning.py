"""Shared bins: quantile edges fixed from the reference, overflow bins, category codes."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_kit.exceptions import ValidationError

__all__ = [
    "DEFAULT_BINS",
    "bin_counts",
    "categories_of",
    "category_counts",
    "finite_values",
    "is_numeric_dtype",
    "merge_sorted",
    "numeric_edges",
    "shared_counts",
    "sorted_counts",
]

#: Quantile bins of the reference for binned measures on numerical values.
DEFAULT_BINS = 10

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


def is_numeric_dtype(dtype: np.dtype[Any]) -> bool:
    """Whether values of this dtype are numbers (booleans are not)."""
    return dtype.kind in "iuf"


def finite_values(values: npt.ArrayLike, side: str, name: str) -> FloatArray:
    """The values as a 1-d float64 array, refusing non-numbers, empty input and NaN / inf."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if not is_numeric_dtype(arr.dtype):
        raise ValidationError(
            f"The {side} values given to the {name!r} test must be numbers. Got dtype "
            f"{arr.dtype} instead; use a categorical test (e.g. 'chi2') for categories."
        )
    out = arr.astype(np.float64, copy=False)
    if out.size == 0:
        raise ValidationError(f"The {side} values given to the {name!r} test are empty.")
    if not np.isfinite(out).all():
        raise ValidationError(
            f"The {side} values given to the {name!r} test contain NaN or inf. Leave them out "
            "first (TabularDriftDetector counts and reports them for you)."
        )
    return out


def numeric_edges(sorted_values: FloatArray, bins: int = DEFAULT_BINS) -> FloatArray:
    """Bin edges from the reference's quantiles, for binned measures on numerical values.

    The edges are the distinct ``0, 1/bins, ..., (bins-1)/bins`` quantiles of the sorted
    reference (numpy's ``method="higher"``: the value at rank ``ceil(k (n-1) / bins)``), followed
    by the smallest float above its maximum. With ``searchsorted(edges, x, side="right")`` this
    gives ``len(edges) + 1`` bins: an overflow bin below the minimum, half-open bins
    ``[e_i, e_i+1)``, and an overflow bin above the maximum. A reference with few distinct values
    gets one bin per value.

    Examples
    --------
    >>> numeric_edges(np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0]), bins=3)
    array([0., 1., 2., 2.])
    """
    n = sorted_values.size
    ranks = np.ceil(np.arange(bins) * (n - 1) / bins - 1e-9).astype(np.int64)
    q = sorted_values[np.clip(ranks, 0, n - 1)]
    top = np.nextafter(sorted_values[-1], np.inf)
    return np.concatenate([np.unique(q), [top]])


def bin_counts(edges: FloatArray, values: FloatArray) -> IntArray:
    """Counts of finite values in the ``len(edges) + 1`` bins of :func:`numeric_edges`."""
    idx = np.searchsorted(edges, values, side="right")
    return np.bincount(idx, minlength=edges.size + 1).astype(np.int64)


def sorted_counts(edges: FloatArray, sorted_values: FloatArray) -> IntArray:
    """Like :func:`bin_counts` for sorted values, in ``O(bins log n)``."""
    cuts = np.searchsorted(sorted_values, edges, side="left")
    return np.diff(np.concatenate([[0], cuts, [sorted_values.size]])).astype(np.int64)


def merge_sorted(
    reference: FloatArray, current: FloatArray
) -> tuple[FloatArray, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Merge two sorted arrays: the merged values and whether each came from the reference."""
    merged = np.concatenate([reference, current])
    order = np.argsort(merged, kind="stable")
    return merged[order], order < reference.size


def categories_of(values: np.ndarray[Any, Any]) -> list[Any]:
    """The distinct non-missing values, sorted when they are mutually comparable."""
    import pandas as pd

    uniq = pd.unique(pd.Series(values).dropna())
    items = [v.item() if isinstance(v, np.generic) else v for v in uniq]
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=lambda v: (type(v).__name__, str(v)))


def category_counts(categories: list[Any], values: np.ndarray[Any, Any]) -> IntArray:
    """Counts of ``values`` per category, plus a last bin for values not among them.

    Missing values (``None``, NaN) are not counted.
    """
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    per_unique = np.bincount(codes[codes >= 0], minlength=len(uniques))
    position = pd.Index(categories, dtype=object).get_indexer(
        pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    )
    position[position < 0] = len(categories)
    return np.bincount(position, weights=per_unique, minlength=len(categories) + 1).astype(np.int64)


def shared_counts(
    reference: npt.ArrayLike,
    current: npt.ArrayLike,
    *,
    bins: int | None = None,
    name: str = "binned",
) -> tuple[IntArray, IntArray]:
    """Counts of both samples over bins fixed from the reference.

    Numerical values (finite numbers) get :func:`numeric_edges` bins; anything else (strings,
    booleans, categories) gets one bin per reference category plus one for unseen categories.
    """
    ref = np.asarray(reference)
    cur = np.asarray(current)
    if is_numeric_dtype(ref.dtype) and is_numeric_dtype(cur.dtype):
        r = np.sort(finite_values(ref, "reference", name))
        c = finite_values(cur, "current", name)
        edges = numeric_edges(r, bins or DEFAULT_BINS)
        return sorted_counts(edges, r), bin_counts(edges, c)
    if ref.size == 0 or cur.size == 0:
        raise ValidationError(f"The values given to the {name!r} test must not be empty.")
    cats = categories_of(ref)
    ref_counts = category_counts(cats, ref)
    cur_counts = category_counts(cats, cur)
    if ref_counts.sum() == 0 or cur_counts.sum() == 0:
        raise ValidationError(f"The values given to the {name!r} test are all missing.")
    return ref_counts, cur_counts

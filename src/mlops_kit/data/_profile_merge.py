"""Merging profiles: the profile of stacked frames from the profiles of their parts."""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.data._profile import TOP, ColumnProfile, Profile, _finite
from mlops_kit.exceptions import ValidationError

__all__ = ["merge_columns", "merge_profiles"]


def _finite_count(c: ColumnProfile) -> int:
    return c.count - c.n_inf


def merge_profiles(profiles: list[Profile]) -> Profile:
    """The profile of the stacked frames (see :meth:`Profile.merge_all`)."""
    if not profiles:
        raise ValidationError("Profile.merge_all needs at least one profile. Got none.")
    names = [c.name for c in profiles[0].columns]
    for profile in profiles[1:]:
        other = [c.name for c in profile.columns]
        if other != names:
            raise ValidationError(
                "Profiles merge only when their frames have the same columns in the same "
                f"order. Got {names} and {other}; select the same columns first."
            )
    return Profile(
        n_rows=sum(p.n_rows for p in profiles),
        columns=tuple(merge_columns([p.columns[i] for p in profiles]) for i in range(len(names))),
    )


def _merge_moments(a: ColumnProfile, b: ColumnProfile) -> ColumnProfile:
    """``a`` with the finite count, ``mean`` and ``std`` of the union (Chan et al.'s update)."""
    na, nb = _finite_count(a), _finite_count(b)
    if na == 0 or nb == 0:
        keep = a if nb == 0 else b
        return attrs.evolve(a, count=na + nb, n_inf=0, mean=keep.mean, std=keep.std)
    n = na + nb
    mean = std = None
    if a.mean is not None and b.mean is not None:  # else a sum overflowed: unknown
        delta = b.mean - a.mean
        mean = _finite(a.mean + delta * nb / n)
        if (a.std is not None or na == 1) and (b.std is not None or nb == 1):
            m2a = (a.std or 0.0) ** 2 * (na - 1)
            m2b = (b.std or 0.0) ** 2 * (nb - 1)
            with np.errstate(over="ignore"):
                m2 = m2a + m2b + delta * delta * (na * nb / n)
            std = _finite(math.sqrt(m2 / (n - 1)))
    return attrs.evolve(a, count=n, n_inf=0, mean=mean, std=std)


def _knots(c: ColumnProfile) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """The (values, levels) of a column's interpolated distribution: min, quantiles, max."""
    if not isinstance(c.min, float) or not isinstance(c.max, float) or not c.quantiles:
        return None
    if any(v is None for _, v in c.quantiles):
        return None
    values = [c.min, *(float(v) for _, v in c.quantiles if v is not None), c.max]
    levels = [0.0, *(q for q, _ in c.quantiles), 1.0]
    return np.maximum.accumulate(np.asarray(values)), np.asarray(levels)


def _cdf(
    x: npt.NDArray[np.float64], values: npt.NDArray[np.float64], levels: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The piecewise-linear distribution through the knots at ``x``: left limits and values."""

    def at(side: Any) -> npt.NDArray[np.float64]:
        j = np.searchsorted(values, x, side=side)
        inner = (j > 0) & (j < values.size)
        lo = np.clip(j - 1, 0, values.size - 1)
        hi = np.clip(j, 0, values.size - 1)
        width = np.where(inner, values[hi] - values[lo], 1.0)
        frac = np.where(inner, (x - values[lo]) / width, 0.0)
        out = levels[lo] + frac * (levels[hi] - levels[lo])
        return np.asarray(np.where(j == 0, 0.0, np.where(j >= values.size, 1.0, out)))

    return at("left"), at("right")


def _merge_quantiles(parts: list[ColumnProfile]) -> Any:
    """Quantiles of the mixture of the parts' interpolated distributions, weighted by count."""
    parts = [p for p in parts if _finite_count(p) > 0]
    if len(parts) <= 1:
        return parts[0].quantiles if parts else ()
    maybe = [_knots(p) for p in parts]
    knots = [k for k in maybe if k is not None]
    levels_of = {tuple(q for q, _ in p.quantiles) for p in parts}
    if len(knots) < len(parts) or len(levels_of) > 1:
        return ()
    weights = np.asarray([_finite_count(p) for p in parts], dtype=np.float64)
    weights /= weights.sum()
    x = np.unique(np.concatenate([k[0] for k in knots]))
    left = np.zeros_like(x)
    right = np.zeros_like(x)
    for w, k in zip(weights, knots):
        lo, hi = _cdf(x, *k)
        left += w * lo
        right += w * hi
    # the mixture's graph: at each knot its left limit then its value (a jump at point masses)
    levels = np.maximum.accumulate(np.column_stack([left, right]).ravel())
    points = np.repeat(x, 2)
    out = []
    for q in levels_of.pop():
        # levels start at 0 and end at 1, so 0 < q < 1 lies in (levels[at - 1], levels[at]]
        at = min(max(int(np.searchsorted(levels, q, side="left")), 1), levels.size - 1)
        t = (q - levels[at - 1]) / (levels[at] - levels[at - 1])
        value = points[at - 1] + t * (points[at] - points[at - 1])
        out.append((q, _finite(value)))
    return out


def _merge_top(parts: list[ColumnProfile]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for part in parts:
        for value, n in part.top:
            counts[value] = counts.get(value, 0) + n
    ranked = sorted(counts.items(), key=lambda item: -item[1])  # stable: first seen first
    complete = all(p.n_unique == len(p.top) for p in parts)
    return {"top": ranked[:TOP], "n_unique": len(counts) if complete else None}


def _extreme(values: list[Any], pick: Any) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    if isinstance(present[0], str):  # datetimes, as ISO strings
        return pick(present, key=pd.Timestamp)
    return pick(present)


def merge_columns(parts: list[ColumnProfile]) -> ColumnProfile:
    """The profile of the concatenated columns (see :meth:`ColumnProfile.merge`)."""
    first = parts[0]
    for other in parts[1:]:
        if other.name != first.name or other.dtype != first.dtype:
            raise ValidationError(
                "Column profiles merge only for the same column and dtype. Got "
                f"{first.name!r} ({first.dtype}) and {other.name!r} ({other.dtype}); cast the "
                "parts to a common dtype first."
            )
    fields: dict[str, Any] = {
        "name": first.name,
        "dtype": first.dtype,
        "count": sum(p.count for p in parts),
        "nulls": sum(p.nulls for p in parts),
        "n_inf": sum(p.n_inf for p in parts),
        "min": _extreme([p.min for p in parts], min),
        "max": _extreme([p.max for p in parts], max),
    }
    if any(p.mean is not None or p.quantiles for p in parts):
        moments = parts[0]
        for part in parts[1:]:
            moments = _merge_moments(moments, part)
        fields.update(mean=moments.mean, std=moments.std, quantiles=_merge_quantiles(parts))
    if any(p.top or p.n_unique is not None for p in parts):
        fields.update(_merge_top(parts))
    return ColumnProfile(**fields)

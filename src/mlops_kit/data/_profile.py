"""Per-column profiles, computed at commit so diffs and baselines need not load the data."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.data._fingerprint import dtype_name
from mlops_kit.exceptions import ValidationError

__all__ = ["QUANTILES", "ColumnProfile", "Profile", "profile_frame"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SAMPLE = 100_000
QUANTILE_SAMPLE = 20_000
TOP = 10


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _pairs(value: Any) -> tuple[tuple[str, int], ...]:
    return tuple((str(item[0]), int(item[1])) for item in value)


def _quantiles(value: Any) -> tuple[tuple[float, float | None], ...]:
    return tuple((float(q), None if v is None else float(v)) for q, v in value)


@attrs.frozen(kw_only=True)
class ColumnProfile:
    """Summary statistics of one column.

    Numeric columns (int, uint, float, nullable Int/Float) get ``min``, ``max``, ``mean``, ``std``
    (ddof 1, as pandas) and ``quantiles`` (linear interpolation; exact up to 20,000 values,
    otherwise from an evenly spaced sample of 20,000). Datetime columns get ``min``/``max`` as
    ISO strings. Text, category and bool columns get ``n_unique`` and the ``top`` 10 values with
    their counts (values as strings); above 100,000 rows, text columns count the top values on
    an evenly spaced sample of 100,000 rows (counts scaled up) and leave ``n_unique`` unset.
    Missing values are left out of every statistic and counted
    in ``nulls``; infinities count in ``count`` but are left out of every statistic (JSON has
    no infinity) and are counted in ``n_inf`` (left out of :meth:`to_dict` when 0).

    Profiles of the parts of a frame combine with :meth:`merge` (see there for which
    statistics are exact).

    Examples
    --------
    >>> import pandas as pd
    >>> p = profile_frame(pd.DataFrame({"x": [1.0, 2.0, None]})).columns[0]
    >>> p.count, p.nulls, p.mean, p.min
    (2, 1, 1.5, 1.0)
    """

    name: str
    dtype: str
    count: int
    nulls: int
    min: float | str | None = None
    max: float | str | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: tuple[tuple[float, float | None], ...] = attrs.field(
        default=(), converter=_quantiles
    )
    n_unique: int | None = None
    top: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_pairs)
    n_inf: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict.

        Examples
        --------
        >>> ColumnProfile(name="a", dtype="int64", count=1, nulls=0).to_dict()["count"]
        1
        """
        data = attrs.asdict(self)
        data["quantiles"] = [list(pair) for pair in self.quantiles]
        data["top"] = [list(pair) for pair in self.top]
        if not self.n_inf:
            del data["n_inf"]
        return data

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """The profile of the concatenation of the two columns profiled.

        Exact (up to floating-point rounding): ``count``, ``nulls``, ``n_inf``, ``min``,
        ``max``, ``mean`` and ``std`` (Chan et al.'s parallel formula for the sum of squared
        deviations). Approximate:

        - ``quantiles`` are read off the mixture of the two parts' distributions, each
          interpolated linearly between its min, quantiles and max. Where one part has no
          finite value the other's quantiles are kept exactly; otherwise the true rank of each
          merged quantile is within 0.25 of its level (the widest gap between the stored
          levels), and usually much closer for parts of similar distributions.
        - ``top`` sums the counts of each part's top 10: a category outside a part's top 10
          contributes nothing from that part, so merged counts are lower bounds and a category
          frequent overall but never in a part's top 10 is missed. When every part lists all
          its categories (at most 10 distinct values each) the merged top and ``n_unique``
          are exact; otherwise ``n_unique`` is unset (distinct counts do not add up).

        Parameters
        ----------
        other
            The profile of the same column (same name and dtype) on other rows.

        Returns
        -------
        ColumnProfile

        Raises
        ------
        ValidationError
            When the names or the dtypes differ.

        Examples
        --------
        >>> import pandas as pd
        >>> a = profile_frame(pd.DataFrame({"x": [1.0, 2.0]}))["x"]
        >>> b = profile_frame(pd.DataFrame({"x": [3.0, None]}))["x"]
        >>> m = a.merge(b)
        >>> m.count, m.nulls, m.min, m.max, m.mean, m.std
        (3, 1, 1.0, 3.0, 2.0, 1.0)
        """
        return _merge_columns([self, other])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnProfile:
        """Rebuild from :meth:`to_dict`.

        Examples
        --------
        >>> p = ColumnProfile(name="a", dtype="str", count=2, nulls=0, top=[("x", 2)])
        >>> ColumnProfile.from_dict(p.to_dict()) == p
        True
        """
        return cls(**dict(data))


def _profiles(value: Iterable[ColumnProfile]) -> tuple[ColumnProfile, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Profile:
    """The profile of a frame: its row count and one :class:`ColumnProfile` per column.

    Examples
    --------
    >>> import pandas as pd
    >>> profile = profile_frame(pd.DataFrame({"x": [1, 2], "s": ["a", "a"]}))
    >>> profile["s"].top
    (('a', 2),)
    """

    n_rows: int
    columns: tuple[ColumnProfile, ...] = attrs.field(converter=_profiles)

    def merge(self, other: Profile) -> Profile:
        """The profile of the two frames stacked: rows added, columns merged by name.

        See :meth:`ColumnProfile.merge` for which statistics are exact.

        Raises
        ------
        ValidationError
            When the frames do not have the same columns (in the same order) and dtypes.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 4.0, 9.0], "s": ["a", "b", "a", "a"]})
        >>> merged = profile_frame(df.iloc[:2]).merge(profile_frame(df.iloc[2:]))
        >>> merged.n_rows, merged["x"].mean, merged["s"].top
        (4, 4.0, (('a', 3), ('b', 1)))
        """
        return _merge_profiles([self, other])

    @classmethod
    def merge_all(cls, profiles: Iterable[Profile]) -> Profile:
        """Merge the profiles of many parts (e.g. the partitions of a Dask DataFrame).

        All at once, which is better than chaining :meth:`merge` for the approximate
        statistics: the top categories are truncated once, and the quantiles come from one
        mixture of all the parts (chained merges compound their interpolation).

        Raises
        ------
        ValidationError
            When there is no profile, or when they do not have the same columns.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": range(10)})
        >>> parts = [profile_frame(df.iloc[i : i + 3]) for i in range(0, 10, 3)]
        >>> round(Profile.merge_all(parts)["x"].std, 12) == round(profile_frame(df)["x"].std, 12)
        True
        """
        return _merge_profiles(list(profiles))

    def __getitem__(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict.

        Examples
        --------
        >>> Profile(n_rows=0, columns=()).to_dict()
        {'n_rows': 0, 'columns': []}
        """
        return {"n_rows": self.n_rows, "columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Rebuild from :meth:`to_dict`.

        Examples
        --------
        >>> Profile.from_dict({"n_rows": 0, "columns": []})
        Profile(n_rows=0, columns=())
        """
        return cls(
            n_rows=int(data["n_rows"]),
            columns=tuple(ColumnProfile.from_dict(c) for c in data["columns"]),
        )

    def __str__(self) -> str:
        lines = [f"Profile of {self.n_rows} rows"]
        for c in self.columns:
            stats = f"count={c.count} nulls={c.nulls}"
            if c.mean is not None:
                stats += f" mean={c.mean:.6g} std={c.std if c.std is None else f'{c.std:.6g}'}"
            if c.top:
                stats += f" top={c.top[0][0]!r}×{c.top[0][1]}"
            lines.append(f"  {c.name} ({c.dtype}): {stats}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.dtype)}</td><td>{c.count}</td>"
            f"<td>{c.nulls}</td><td>{c.mean if c.mean is not None else ''}</td></tr>"
            for c in self.columns
        )
        return (
            "<table><thead><tr><th>column</th><th>dtype</th><th>count</th><th>nulls</th>"
            f"<th>mean</th></tr></thead><tbody>{rows}</tbody></table>"
        )


# ------------------------------------------------------------------------------------ merging
def _finite_count(c: ColumnProfile) -> int:
    return c.count - c.n_inf


def _merge_profiles(profiles: list[Profile]) -> Profile:
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
        columns=tuple(_merge_columns([p.columns[i] for p in profiles]) for i in range(len(names))),
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


def _merge_columns(parts: list[ColumnProfile]) -> ColumnProfile:
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


def _std(values: npt.NDArray[Any], total: float) -> float | None:
    """Sample standard deviation (ddof 1) of finite values whose sum is ``total``.

    The fast formula ``(Σx² - (Σx)²/n) / (n - 1)`` is used when it is well conditioned;
    otherwise (a mean large against the spread, or squares that overflow) the values are
    centered, and rescaled if needed.
    """
    n = len(values)
    mean = total / n
    with np.errstate(over="ignore", invalid="ignore"):
        squares = float(np.dot(values, values))
        variance = (squares - total * mean) / (n - 1)
        if math.isfinite(squares) and variance > 1e-6 * squares / n:
            return math.sqrt(variance)
        centered = values - mean
        variance = float(np.dot(centered, centered)) / (n - 1)
        if math.isfinite(variance):
            return math.sqrt(variance)
        scale = float(np.abs(values).max())
        scaled = values / scale
        centered = scaled - scaled.mean()
        return _finite(scale * math.sqrt(float(np.dot(centered, centered)) / (n - 1)))


def _numeric_profile(name: str, dtype: str, series: pd.Series) -> ColumnProfile:
    array = series.array
    if isinstance(array.dtype, np.dtype) and array.dtype.kind in "iuf":
        values = np.asarray(array)  # no copy
        if values.dtype.kind in "iu":
            values = values.astype(np.float64)
    else:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite_mask = np.isfinite(values)
    if finite_mask.all():
        present = finite = values
    else:
        nan = np.isnan(values)
        present = values[~nan]
        finite = values[finite_mask]
    nulls = len(values) - len(present)
    fields: dict[str, Any] = {"n_inf": len(present) - len(finite)}
    if len(finite):
        fields["min"] = float(finite.min())
        fields["max"] = float(finite.max())
        with np.errstate(over="ignore"):
            total = float(finite.sum(dtype=np.float64))
        fields["mean"] = _finite(total / len(finite))
        if len(finite) > 1:
            fields["std"] = _std(finite.astype(np.float64, copy=False), total)
        sample = finite
        if len(finite) > QUANTILE_SAMPLE:
            step = np.linspace(0, len(finite) - 1, QUANTILE_SAMPLE).astype(np.int64)
            sample = finite[step]
        fields["quantiles"] = [
            (q, _finite(v)) for q, v in zip(QUANTILES, np.quantile(sample, QUANTILES))
        ]
    return ColumnProfile(name=name, dtype=dtype, count=len(present), nulls=nulls, **fields)


def _column_profile(name: str, series: pd.Series) -> ColumnProfile:
    dtype = series.dtype
    label = dtype_name(dtype)
    kind = getattr(dtype, "kind", "O")
    if kind in "iuf" and not isinstance(dtype, pd.CategoricalDtype):
        return _numeric_profile(name, label, series)
    nulls = int(series.isna().sum())
    count = len(series) - nulls
    if kind == "M":
        present = series.dropna()
        if count == 0:
            return ColumnProfile(name=name, dtype=label, count=0, nulls=nulls)
        return ColumnProfile(
            name=name,
            dtype=label,
            count=count,
            nulls=nulls,
            min=present.min().isoformat(),
            max=present.max().isoformat(),
        )
    if kind == "m":
        seconds = series.dt.total_seconds()
        return attrs.evolve(_numeric_profile(name, label, seconds), dtype=label)
    exact = len(series) <= SAMPLE or isinstance(dtype, pd.CategoricalDtype) or kind == "b"
    if exact:
        counts = series.value_counts(dropna=True, sort=True)
        top = [(str(value), int(n)) for value, n in counts.head(TOP).items()]
    else:
        rows = np.linspace(0, len(series) - 1, SAMPLE).astype(np.int64)
        counts = series.iloc[rows].value_counts(dropna=True, sort=True)
        scale = len(series) / SAMPLE
        top = [(str(value), round(int(n) * scale)) for value, n in counts.head(TOP).items()]
    return ColumnProfile(
        name=name,
        dtype=label,
        count=count,
        nulls=nulls,
        n_unique=len(counts) if exact else None,
        top=top,
    )


def profile_frame(df: pd.DataFrame) -> Profile:
    """Profile every column of ``df``.

    Parameters
    ----------
    df
        The frame; column names are turned into strings.

    Returns
    -------
    Profile

    Examples
    --------
    >>> import pandas as pd
    >>> profile_frame(pd.DataFrame({"x": [1, 2, 3]}))["x"].quantiles[2]
    (0.5, 2.0)
    """
    return Profile(
        n_rows=len(df),
        columns=tuple(
            _column_profile(str(df.columns[i]), df.iloc[:, i]) for i in range(df.shape[1])
        ),
    )

"""Per-column profiles, computed at commit so diffs and baselines need not load the data."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.data._fingerprint import dtype_name
from mlops_kit.data._schema import html_table

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
        from mlops_kit.data._profile_merge import merge_columns  # imports this module

        return merge_columns([self, other])

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
        from mlops_kit.data._profile_merge import merge_profiles  # imports this module

        return merge_profiles([self, other])

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
        from mlops_kit.data._profile_merge import merge_profiles  # imports this module

        return merge_profiles(list(profiles))

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
        return html_table(
            ("column", "dtype", "count", "nulls", "mean"),
            (
                (c.name, c.dtype, c.count, c.nulls, "" if c.mean is None else c.mean)
                for c in self.columns
            ),
        )


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

"""Compact reference profiles of columns: what a fitted detector keeps instead of the raw data."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from mlops_kit.drift._binning import FloatArray, IntArray, numeric_edges, sorted_counts
from mlops_kit.exceptions import ValidationError

__all__ = [
    "CategoricalProfile",
    "NumericalProfile",
    "column_kind",
    "decode_array",
    "encode_array",
    "extract_numbers",
    "profile_column",
    "split_finite",
]


def encode_array(arr: np.ndarray[Any, Any]) -> dict[str, Any]:
    """A numeric array as JSON: dtype and base64 of its little-endian bytes."""
    dtype = arr.dtype.newbyteorder("<")
    data = np.ascontiguousarray(arr, dtype=dtype).tobytes()
    return {"dtype": dtype.str, "data": base64.b64encode(data).decode("ascii")}


def decode_array(data: Mapping[str, Any]) -> np.ndarray[Any, Any]:
    """Inverse of :func:`encode_array`."""
    raw = base64.b64decode(data["data"])
    return np.frombuffer(raw, dtype=np.dtype(data["dtype"])).astype(
        np.dtype(data["dtype"]).newbyteorder("="), copy=True
    )


def column_kind(dtype: Any) -> str:
    """The kind of a pandas dtype: number, bool, datetime, timedelta or category."""
    import pandas as pd
    from pandas.api import types as pdt

    if pdt.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pdt.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pdt.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pdt.is_numeric_dtype(dtype) and not pdt.is_complex_dtype(dtype):
        return "number"
    if pdt.is_object_dtype(dtype) or pdt.is_string_dtype(dtype):
        return "category"
    raise ValidationError(
        f"Columns of dtype {dtype} are not supported by TabularDriftDetector. Convert the "
        "column to numbers, strings, booleans or datetimes, or leave it out with columns=."
    )


def extract_numbers(series: Any, kind: str) -> FloatArray:
    """A column as float64 (NaN for missing); datetimes become seconds since the epoch (UTC)."""
    if kind in ("datetime", "timedelta"):
        s = series
        if kind == "datetime" and getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        missing = s.isna().to_numpy()
        ns = s.to_numpy().astype("datetime64[ns]" if kind == "datetime" else "timedelta64[ns]")
        out: FloatArray = ns.view(np.int64).astype(np.float64) / 1e9
        out[missing] = np.nan
        return out
    if series.dtype == np.float64:  # no copy: callers never write into it
        return np.asarray(series.to_numpy(), dtype=np.float64)
    return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def split_finite(raw: FloatArray) -> tuple[FloatArray, int, int]:
    """The finite values, and the number of NaN and of infinite values left out."""
    finite = np.isfinite(raw)
    n_finite = int(np.count_nonzero(finite))
    if n_finite == raw.size:
        return raw, 0, 0
    n_nan = int(np.count_nonzero(np.isnan(raw)))
    return raw[finite], n_nan, raw.size - n_finite - n_nan


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


@attrs.frozen(kw_only=True, eq=False)
class NumericalProfile:
    """The reference of a numerical column: its sorted finite values and its bins.

    Examples
    --------
    >>> import pandas as pd
    >>> p = profile_column(pd.Series([3.0, 1.0, float("nan"), 2.0]), "x", bins=10,
    ...                    categorical=False, max_categories=1000)
    >>> p.values.tolist(), p.n_nan
    ([1.0, 2.0, 3.0], 1)
    """

    column: str
    kind: str
    values: FloatArray
    edges: FloatArray
    counts: IntArray
    n_nan: int
    n_inf: int
    method: str = ""
    column_type: str = "numerical"

    @property
    def n(self) -> int:
        """The number of finite reference values."""
        return int(self.values.size)

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-compatible data (arrays as base64)."""
        return {
            "type": "numerical",
            "column": self.column,
            "kind": self.kind,
            "method": self.method,
            "n_nan": self.n_nan,
            "n_inf": self.n_inf,
            "values": encode_array(self.values),
            "edges": encode_array(self.edges),
            "counts": encode_array(self.counts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NumericalProfile:
        """Rebuild a profile from :meth:`to_dict`'s output."""
        return cls(
            column=data["column"],
            kind=data["kind"],
            method=data.get("method", ""),
            n_nan=int(data["n_nan"]),
            n_inf=int(data["n_inf"]),
            values=decode_array(data["values"]),
            edges=decode_array(data["edges"]),
            counts=decode_array(data["counts"]),
        )


@attrs.frozen(kw_only=True, eq=False)
class CategoricalProfile:
    """The reference of a categorical or binary column: its categories and their counts.

    ``counts`` has one more entry than ``categories``: the reference values lumped together
    because the column had more than ``max_categories`` categories (the same bin holds the
    categories unseen in the reference on the current side).

    Examples
    --------
    >>> import pandas as pd
    >>> p = profile_column(pd.Series(["b", "a", "b", None]), "x", bins=10,
    ...                    categorical=False, max_categories=1000)
    >>> p.categories, p.counts.tolist(), p.column_type
    (['a', 'b'], [1, 2, 0], 'binary')
    """

    column: str
    kind: str
    categories: list[Any]
    counts: IntArray
    n_nan: int
    method: str = ""
    column_type: str = "categorical"
    n_inf: int = 0

    @property
    def n(self) -> int:
        """The number of non-missing reference values."""
        return int(self.counts.sum())

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-compatible data."""
        return {
            "type": self.column_type,
            "column": self.column,
            "kind": self.kind,
            "method": self.method,
            "n_nan": self.n_nan,
            "n_inf": self.n_inf,
            "categories": [_json_value(c) for c in self.categories],
            "counts": [int(c) for c in self.counts],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CategoricalProfile:
        """Rebuild a profile from :meth:`to_dict`'s output."""
        cats = list(data["categories"])
        if data["kind"] == "number":
            cats = [float(c) if isinstance(c, str) else c for c in cats]
        return cls(
            column=data["column"],
            kind=data["kind"],
            method=data.get("method", ""),
            n_nan=int(data["n_nan"]),
            n_inf=int(data.get("n_inf", 0)),
            categories=cats,
            counts=np.asarray(data["counts"], dtype=np.int64),
            column_type=data["type"],
        )


Profile = NumericalProfile | CategoricalProfile


def _categorical_profile(
    series: Any, column: str, kind: str, max_categories: int
) -> CategoricalProfile:
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    n_nan = int((codes < 0).sum())
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(np.int64)
    cats = [u.item() if isinstance(u, np.generic) else u for u in uniques]
    order = sorted(range(len(cats)), key=lambda i: (-counts[i], str(cats[i])))
    kept, lumped = order[:max_categories], order[max_categories:]
    try:
        kept = sorted(kept, key=lambda i: cats[i])
    except TypeError:
        kept = sorted(kept, key=lambda i: (type(cats[i]).__name__, str(cats[i])))
    other = int(counts[lumped].sum()) if lumped else 0
    if kind == "bool":
        categories = [False, True]
        full = [int(sum(counts[i] for i in kept if bool(cats[i]) is v)) for v in categories]
        return CategoricalProfile(
            column=column,
            kind=kind,
            categories=categories,
            counts=np.asarray([*full, 0], dtype=np.int64),
            n_nan=n_nan,
            column_type="binary",
        )
    return CategoricalProfile(
        column=column,
        kind=kind,
        categories=[cats[i] for i in kept],
        counts=np.asarray([*(int(counts[i]) for i in kept), other], dtype=np.int64),
        n_nan=n_nan,
        column_type="binary" if len(cats) == 2 else "categorical",
    )


def profile_column(
    series: Any,
    column: str,
    *,
    bins: int,
    categorical: bool,
    max_categories: int,
) -> Profile:
    """Profile one reference column (type inference as documented in ``docs/drift.md``).

    Raises
    ------
    ValidationError
        When the column has no usable value (all missing) or an unsupported dtype.
    """
    kind = column_kind(series.dtype)
    if kind in ("number", "datetime", "timedelta") and not categorical:
        finite_values, n_nan, n_inf = split_finite(extract_numbers(series, kind))
        values = np.sort(finite_values)
        if values.size == 0:
            raise ValidationError(
                f"Column {column!r} has no finite value in the reference (all NaN or inf). "
                "Leave it out with columns=, or fill it."
            )
        n_low = int(np.searchsorted(values, values[0], side="right"))
        n_high = values.size - int(np.searchsorted(values, values[-1], side="left"))
        if kind == "number" and values[0] != values[-1] and n_low + n_high == values.size:
            cats = [values[0].item(), values[-1].item()]
            return CategoricalProfile(
                column=column,
                kind=kind,
                categories=cats,
                counts=np.asarray([n_low, values.size - n_low, 0], dtype=np.int64),
                n_nan=n_nan,
                n_inf=n_inf,
                column_type="binary",
            )
        edges = numeric_edges(values, bins)
        return NumericalProfile(
            column=column,
            kind=kind,
            values=values,
            edges=edges,
            counts=sorted_counts(edges, values),
            n_nan=n_nan,
            n_inf=n_inf,
        )
    profile = _categorical_profile(series, column, kind, max_categories)
    if profile.n == 0:
        raise ValidationError(
            f"Column {column!r} has no value in the reference (all missing). Leave it out "
            "with columns=, or fill it."
        )
    return profile

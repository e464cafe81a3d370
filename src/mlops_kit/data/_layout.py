"""The physical layout of a frame in storage: every column as plain arrays, and back.

``to_physical`` turns each column (and each non-default index level) into *physical columns*:
fixed-width numpy arrays (datetimes as int64, categoricals as codes, nullable dtypes as values
plus a mask) or :class:`Text` columns. A JSON *descriptor* per column records everything needed
to rebuild the exact dtype. Codecs only ever see physical columns, so both codecs round-trip the
same dtypes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.data._fingerprint import _MASKED, _is_default_index, dtype_name, text_parts
from mlops_kit.exceptions import NotFoundError, ValidationError

__all__ = ["Layout", "Selection", "Text", "from_physical", "select", "to_physical"]

_NUMPY_KINDS = "biufmM"


@attrs.frozen
class Text:
    """A physical text column: the values (anything pyarrow or numpy reads), flags and kind.

    ``flags`` marks missing values (0 present, 1 None, 2 NaN, 3 pd.NA); ``kind`` is ``"str"``,
    ``"bytes"`` or ``"empty"``; ``lengths``/``data`` are the UTF-8 byte lengths and bytes (for
    row hashing and the npz codec).
    """

    values: Any
    flags: npt.NDArray[np.uint8]
    kind: str
    lengths: npt.NDArray[np.int64] | None = None
    data: Any = None


Physical = dict[str, "npt.NDArray[Any] | Text"]


@attrs.frozen
class Layout:
    """Descriptors of the index levels (``None`` for the default RangeIndex) and columns."""

    index: list[dict[str, Any]] | None
    columns: list[dict[str, Any]]
    labels: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "columns": self.columns, "labels": self.labels}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Layout:
        return cls(index=data["index"], columns=list(data["columns"]), labels=data["labels"])


PutCategories = Callable[[pd.Index], dict[str, Any]]
GetCategories = Callable[[Mapping[str, Any]], pd.Index]


def _name_json(name: Hashable, what: str) -> Any:
    if name is None or isinstance(name, (str, bool)):
        return name
    if isinstance(name, (int, np.integer)):
        return int(name)
    raise ValidationError(
        f"The {what} {name!r} cannot be stored: names must be str, int, bool or None."
    )


def to_physical(df: pd.DataFrame, put_categories: PutCategories) -> tuple[Layout, Physical]:
    """Describe and decompose ``df`` into physical columns named ``i<k>``/``c<k>``."""
    physical: Physical = {}
    index: list[dict[str, Any]] | None = None
    if not _is_default_index(df.index, len(df)):
        index = []
        for level in range(df.index.nlevels):
            values = df.index.get_level_values(level)
            descriptor = _describe(values.array, f"i{level}", physical, put_categories, level)
            descriptor["name"] = _name_json(values.name, "index name")
            freq = getattr(df.index, "freqstr", None) if df.index.nlevels == 1 else None
            if freq is not None:
                descriptor["freq"] = freq
            index.append(descriptor)
    columns = []
    for position in range(df.shape[1]):
        name = df.columns[position]
        array = df.iloc[:, position].array
        descriptor = _describe(array, f"c{position}", physical, put_categories, name)
        descriptor["name"] = name
        columns.append(descriptor)
    labels: dict[str, Any] = {"kind": "object"}
    column_index: Any = df.columns
    if isinstance(column_index.dtype, pd.StringDtype):
        labels = {
            "kind": "string",
            "storage": column_index.dtype.storage,
            "na": "NA" if column_index.dtype.na_value is pd.NA else "nan",
        }
    elif isinstance(column_index, pd.RangeIndex):
        labels = {"kind": "range"}
    return Layout(index=index, columns=columns, labels=labels), physical


def _describe(
    array: Any, key: str, physical: Physical, put_categories: PutCategories, column: Hashable
) -> dict[str, Any]:
    if type(array) is pd.arrays.NumpyExtensionArray:
        array = array.to_numpy()
    dtype = array.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.asarray(array.codes)
        physical[key] = codes
        categories = put_categories(dtype.categories)
        return {
            "kind": "category",
            "ordered": bool(dtype.ordered),
            "codes": codes.dtype.str,
            "categories": categories,
        }
    if isinstance(dtype, pd.DatetimeTZDtype):
        physical[key] = np.asarray(array.tz_convert(None)).view("<i8")
        return {"kind": "datetimetz", "unit": dtype.unit, "tz": str(dtype.tz)}
    if isinstance(dtype, pd.StringDtype) or dtype == np.dtype(object):
        flags, lengths, data, kind = text_parts(array, column=column)
        physical[key] = Text(values=array, flags=flags, kind=kind, lengths=lengths, data=data)
        if isinstance(dtype, pd.StringDtype):
            return {
                "kind": "string",
                "storage": dtype.storage,
                "na": "NA" if dtype.na_value is pd.NA else "nan",
            }
        physical[key + ".flags"] = flags
        return {"kind": "object", "values": kind}
    if isinstance(array, _MASKED):
        physical[key] = np.asarray(array.to_numpy(dtype=dtype.numpy_dtype, na_value=0))
        physical[key + ".mask"] = np.asarray(pd.isna(array), dtype=bool)
        return {"kind": "masked", "dtype": dtype.name}
    if isinstance(dtype, np.dtype) and dtype.kind in _NUMPY_KINDS:
        values = np.asarray(array)
        if dtype.byteorder == ">":  # stored in native order
            dtype = dtype.newbyteorder("=")
            values = values.astype(dtype)
        physical[key] = values.view("<i8") if dtype.kind in "mM" else values
        return {"kind": "numpy", "dtype": dtype.str if dtype.kind not in "mM" else dtype.name}
    raise ValidationError(
        f"Column {column!r} has dtype {dtype_name(dtype)}, which mlops_kit cannot store. "
        "Supported: bool, int, uint, float, datetime64 (with or without tz), timedelta64, "
        "category, string, nullable Int/Float/boolean, and object columns of str or bytes."
    )


def from_physical(
    layout: Layout, physical: Mapping[str, Any], n_rows: int, get_categories: GetCategories
) -> pd.DataFrame:
    """Rebuild the frame described by ``layout`` from decoded physical columns."""
    data = {}
    for position, descriptor in enumerate(layout.columns):
        values = _rebuild(descriptor, f"c{position}", physical, get_categories)
        # a Series keeps the dtype: pandas would infer "str" from an object array of strings
        # (a Categorical carries its own dtype, categories included)
        dtype = None if descriptor["kind"] == "category" else dtype_of(descriptor)
        data[position] = pd.Series(values, dtype=dtype, copy=False)
    frame = pd.DataFrame(data, copy=False)
    if not data:
        frame = pd.DataFrame(index=pd.RangeIndex(n_rows))
    names = [d["name"] for d in layout.columns]
    if layout.labels["kind"] == "range":
        frame.columns = pd.RangeIndex(len(names))
    else:
        frame.columns = pd.Index(names, dtype=dtype_of(layout.labels))
    if layout.index is not None:
        levels = [
            pd.Index(
                _rebuild(d, f"i{k}", physical, get_categories),
                name=d["name"],
                dtype=None if d["kind"] == "category" else dtype_of(d),
                copy=False,
            )
            for k, d in enumerate(layout.index)
        ]
        if len(levels) == 1 and "freq" in layout.index[0]:
            cls = pd.DatetimeIndex if levels[0].dtype.kind == "M" else pd.TimedeltaIndex
            levels[0] = cls(levels[0], freq=layout.index[0]["freq"])
        frame.index = levels[0] if len(levels) == 1 else pd.MultiIndex.from_arrays(levels)
    return frame


@attrs.frozen
class Selection:
    """Some columns of a stored frame: their layout, and where their physical columns are.

    ``layout`` numbers the chosen columns from 0 in the order asked; :meth:`keeps` says which
    stored physical columns to read (the chosen columns' and the index's), and :meth:`rename`
    gives a stored physical name its name in ``layout``.
    """

    layout: Layout
    renames: dict[str, str]

    def keeps(self, physical_name: str) -> bool:
        """Whether the stored physical column ``physical_name`` is needed."""
        stem = physical_name.partition(".")[0]
        return stem in self.renames or stem.startswith("i")

    def rename(self, physical_name: str) -> str:
        """The name in ``layout`` of the stored physical column ``physical_name``."""
        stem, dot, rest = physical_name.partition(".")
        return self.renames.get(stem, stem) + dot + rest


def select(layout: Layout, names: Sequence[Hashable]) -> Selection:
    """The :class:`Selection` of the columns ``names`` (unique, stored), in that order.

    Examples
    --------
    >>> layout = Layout(index=None, labels={"kind": "object"},
    ...                 columns=[{"name": "a", "kind": "numpy", "dtype": "<f8"},
    ...                          {"name": "b", "kind": "numpy", "dtype": "<i8"}])
    >>> chosen = select(layout, ["b"])
    >>> [c["name"] for c in chosen.layout.columns], chosen.rename("c1.mask"), chosen.keeps("c0")
    (['b'], 'c0.mask', False)
    """
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise ValidationError(
            f"The 'columns' parameter must be a list of column names. Got {names!r} instead."
        )
    positions = {descriptor["name"]: k for k, descriptor in enumerate(layout.columns)}
    repeated = sorted({repr(n) for n in names if list(names).count(n) > 1})
    if repeated:
        raise ValidationError(f"The 'columns' parameter names {', '.join(repeated)} twice.")
    for name in names:
        if name not in positions:
            known = [str(n) for n in positions]
            close = difflib.get_close_matches(str(name), known, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise NotFoundError(
                f"No column {name!r} in this version.{hint} It has {len(known)} columns: "
                f"{', '.join(map(repr, known[:20]))}{', ...' if len(known) > 20 else ''}."
            )
    chosen = [positions[name] for name in names]
    # committed column names are unique strings, so the labels' dtype carries over as it is
    return Selection(
        layout=Layout(
            index=layout.index, columns=[layout.columns[k] for k in chosen], labels=layout.labels
        ),
        renames={f"c{old}": f"c{new}" for new, old in enumerate(chosen)},
    )


def dtype_of(descriptor: Mapping[str, Any]) -> Any:
    """The pandas dtype a descriptor stands for (categoricals without their categories)."""
    kind = descriptor["kind"]
    if kind == "numpy":
        return np.dtype(descriptor["dtype"])
    if kind == "datetimetz":
        return pd.DatetimeTZDtype(unit=descriptor["unit"], tz=descriptor["tz"])
    if kind == "masked":
        return pd.api.types.pandas_dtype(descriptor["dtype"])
    if kind == "string":
        na = pd.NA if descriptor["na"] == "NA" else np.nan
        return pd.StringDtype(descriptor["storage"], na_value=na)
    if kind == "object":
        return np.dtype(object)
    return pd.CategoricalDtype()


def _rebuild(
    descriptor: Mapping[str, Any], key: str, physical: Mapping[str, Any], get: GetCategories
) -> Any:
    kind = descriptor["kind"]
    values = physical[key]
    dtype: Any
    if kind == "numpy":
        dtype = np.dtype(descriptor["dtype"])
        return values.view(dtype) if dtype.kind in "mM" else values.astype(dtype, copy=False)
    if kind == "datetimetz":
        naive = pd.array(values.view(f"datetime64[{descriptor['unit']}]"))
        return naive.tz_localize("UTC").tz_convert(descriptor["tz"])
    if kind == "masked":
        dtype = pd.api.types.pandas_dtype(descriptor["dtype"])
        mask = physical[key + ".mask"].astype(bool, copy=False)
        numpy_values = values.astype(dtype.numpy_dtype, copy=False)
        cls = {"b": pd.arrays.BooleanArray, "f": pd.arrays.FloatingArray}.get(
            dtype.kind, pd.arrays.IntegerArray
        )
        return cls(numpy_values, mask)
    if kind == "category":
        categories = pd.Index(get(descriptor["categories"])).rename(None)
        dtype = pd.CategoricalDtype(categories, ordered=descriptor["ordered"])
        return pd.Categorical.from_codes(values.astype(np.int64, copy=False), dtype=dtype)
    # text: the codec hands over either an object ndarray or a pyarrow array
    if kind == "string":
        dtype = dtype_of(descriptor)
        if not isinstance(values, np.ndarray):
            return pd.arrays.ArrowStringArray(values).astype(dtype, copy=False)
        return pd.array(values, dtype=dtype)
    objects = values if isinstance(values, np.ndarray) else values.to_numpy(zero_copy_only=False)
    flags = physical.get(key + ".flags")
    if flags is not None and flags.any():
        objects = objects.copy()
        objects[flags == 1] = None
        objects[flags == 2] = np.nan
        objects[flags == 3] = pd.NA
    return objects

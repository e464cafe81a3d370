"""``fingerprint``: SHA-256 over mlops_kit's canonical encoding of a frame, series or array.

The encoding is specified in ``docs/fingerprint-spec.md`` (format version 1). Each column is
encoded with vectorized numpy operations, block by block, straight into the hash: no Python
loop per row and no copy of the whole frame.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.exceptions import ValidationError

__all__ = ["FINGERPRINT_VERSION", "fingerprint"]

FINGERPRINT_VERSION = 1
MAGIC = b"mlops_kit.fingerprint\x00"
BLOCK_ROWS = 1 << 16

_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)
_Update = Callable[[Any], None]


def fingerprint(obj: pd.DataFrame | pd.Series | np.ndarray) -> str:  # type: ignore[type-arg,unused-ignore]
    """The SHA-256 hex digest of the canonical encoding of a DataFrame, Series or array.

    It covers column names and their order, dtypes (datetimes with unit and time zone) and every
    value in row order, and the index unless it is the default ``RangeIndex``. ``-0.0`` hashes
    like ``0.0`` and every NaN alike; categoricals hash by value. It does not depend on memory
    layout, process, platform or library versions. The encoding is specified in
    ``docs/fingerprint-spec.md`` (format version 1).

    Parameters
    ----------
    obj
        A ``pandas.DataFrame``, ``pandas.Series`` or ``numpy.ndarray``. Object columns may hold
        ``str`` or ``bytes`` (not both) and missing values.

    Returns
    -------
    str
        64 lowercase hexadecimal characters.

    Raises
    ------
    ValidationError
        For an unsupported type or dtype, naming the column.

    Examples
    --------
    >>> import pandas as pd
    >>> fp = fingerprint(pd.DataFrame({"a": [1, 2, 3]}))
    >>> len(fp)
    64
    >>> fingerprint(pd.DataFrame({"a": [0.0]})) == fingerprint(pd.DataFrame({"a": [-0.0]}))
    True
    >>> fingerprint(pd.DataFrame({"a": [1, 2]})) == fingerprint(pd.DataFrame({"b": [1, 2]}))
    False
    """
    digest = hashlib.sha256()
    update = digest.update
    update(MAGIC)
    update(struct.pack("<I", FINGERPRINT_VERSION))
    if isinstance(obj, pd.DataFrame):
        update(b"F")
        update(struct.pack("<QQ", obj.shape[1], obj.shape[0]))
        _encode_index(obj.index, update)
        for position in range(obj.shape[1]):
            name = obj.columns[position]
            encode_name(name, update, what="column name")
            encode_values(obj.iloc[:, position], update, column=name)
    elif isinstance(obj, pd.Series):
        update(b"S")
        update(struct.pack("<Q", len(obj)))
        _encode_index(obj.index, update)
        encode_name(obj.name, update, what="series name")
        encode_values(obj, update, column=obj.name)
    elif isinstance(obj, np.ndarray):
        update(b"A")
        update(struct.pack("<Q", obj.ndim))
        update(struct.pack(f"<{obj.ndim}Q", *obj.shape))
        flat = obj.reshape(-1) if obj.flags.c_contiguous else obj.ravel(order="C")
        encode_values(flat, update, column="array")
    else:
        raise ValidationError(
            "fingerprint takes a pandas DataFrame, a pandas Series or a numpy array. "
            f"Got {type(obj).__name__} instead."
        )
    return digest.hexdigest()


def _encode_str(text: str, update: _Update) -> None:
    data = text.encode("utf-8")
    update(struct.pack("<Q", len(data)))
    update(data)


def encode_name(name: Hashable, update: _Update, *, what: str) -> None:
    """Encode a column, series or index name with a type tag."""
    if name is None:
        update(b"n")
    elif isinstance(name, str):
        update(b"s")
        _encode_str(name, update)
    elif isinstance(name, (bool, np.bool_)):
        update(b"b" + (b"\x01" if name else b"\x00"))
    elif isinstance(name, (int, np.integer)):
        update(b"i")
        _encode_str(str(int(name)), update)
    elif isinstance(name, (float, np.floating)):
        update(b"f")
        value = float(name)
        _encode_str("nan" if value != value else repr(value + 0.0), update)
    elif isinstance(name, tuple):
        update(b"t")
        update(struct.pack("<Q", len(name)))
        for part in name:
            encode_name(part, update, what=what)
    else:
        raise ValidationError(
            f"The {what} {name!r} has type {type(name).__name__}; fingerprint accepts names that "
            "are str, int, float, bool, None or tuples of them. Rename it, e.g. with "
            "df.rename(columns=str)."
        )


def _is_default_index(index: pd.Index, n: int) -> bool:
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and len(index) == n
        and index.name is None
    )


def _encode_index(index: pd.Index, update: _Update) -> None:
    if _is_default_index(index, len(index)):
        update(b"R")
        return
    update(b"I")
    update(struct.pack("<Q", index.nlevels))
    for level in range(index.nlevels):
        values = index.get_level_values(level)
        encode_name(values.name, update, what="index name")
        encode_values(pd.Series(values, copy=False), update, column=f"index level {level}")


def dtype_name(dtype: Any) -> str:
    """The canonical name of a dtype in the encoding (storage backends do not show)."""
    if isinstance(dtype, pd.StringDtype):
        return "str" if dtype.na_value is not pd.NA else "string"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, np.dtype):
        return dtype.name  # "float64" whatever the byte order
    return str(dtype)


def encode_values(values: Any, update: _Update, *, column: Hashable) -> None:
    """Encode a dtype name then the values of one column (Series, Index or 1-D array)."""
    array: Any = values.array if isinstance(values, (pd.Series, pd.Index)) else values
    if type(array) is pd.arrays.NumpyExtensionArray:
        array = array.to_numpy()
    dtype: Any = array.dtype
    _encode_str(dtype_name(dtype), update)
    if isinstance(dtype, pd.CategoricalDtype):
        update(b"\x01" if dtype.ordered else b"\x00")
        categories = dtype.categories
        update(struct.pack("<Q", len(categories)))
        encode_values(pd.Series(categories, copy=False), update, column=column)
        codes = np.asarray(array.codes)
        _encode_fixed(codes.astype("<i8"), update)
    elif isinstance(dtype, pd.DatetimeTZDtype):
        _encode_fixed(np.asarray(array.tz_convert(None)).view("<i8"), update)
    elif isinstance(dtype, pd.StringDtype) or dtype == np.dtype(object):
        encode_text(array, update, column=column)
    elif isinstance(array, _MASKED):
        mask = np.asarray(pd.isna(array))
        fill = False if dtype.kind == "b" else 0
        data = array.to_numpy(dtype=dtype.numpy_dtype, na_value=fill)
        _encode_fixed(mask.view(np.uint8), update)
        _encode_fixed(data, update)
    elif isinstance(dtype, np.dtype) and dtype.kind in "biufmM":
        _encode_fixed(np.asarray(array), update)
    else:
        raise ValidationError(
            f"Column {column!r} has dtype {dtype}, which fingerprint does not support. Supported: "
            "bool, int, uint, float, datetime64 (with or without tz), timedelta64, category, "
            "string, nullable Int/Float/boolean, and object columns of str or bytes."
        )


def _encode_fixed(values: npt.NDArray[Any], update: _Update) -> None:
    if values.dtype.byteorder == ">":
        values = values.astype(values.dtype.newbyteorder("<"))
    kind = values.dtype.kind
    if kind == "b":
        values = values.view(np.uint8)
    elif kind in "mM":
        values = values.view("<i8")
    n = len(values)
    for start in range(0, n, BLOCK_ROWS):
        block = values[start : start + BLOCK_ROWS]
        if kind == "f":
            with np.errstate(invalid="ignore"):  # a signalling NaN payload is fine here
                block = block + block.dtype.type(0)  # -0.0 + 0.0 is +0.0; a contiguous copy
            nan = block != block
            if nan.any():
                block[nan] = np.nan  # one canonical quiet NaN
        elif not block.flags.c_contiguous:
            block = np.ascontiguousarray(block)
        update(block.data.cast("B"))


def text_parts(
    array: Any, *, column: Hashable
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], bytes | memoryview, str]:
    """Missing flags (uint8), UTF-8 byte lengths (int64), concatenated bytes and the value kind.

    Flags: 0 present, 1 ``None`` (or the column's missing value), 2 ``NaN``, 3 ``pd.NA``.
    The kind is ``"str"``, ``"bytes"`` or ``"empty"`` (no value present).
    """
    missing = np.asarray(pd.isna(array), dtype=bool)
    flags = missing.view(np.uint8).copy()
    if isinstance(array.dtype, pd.StringDtype):
        kind = "str"
        objects = None
    else:
        objects = np.asarray(array, dtype=object)
        if missing.any():
            holes = objects[missing]
            flags[missing] = [1 if x is None else 3 if x is pd.NA else 2 for x in holes]
        kind = pd.api.types.infer_dtype(objects, skipna=True)
        if kind == "string":
            kind = "str"
        elif kind not in ("bytes", "empty"):
            raise ValidationError(
                f"Column {column!r} is an object column holding {kind} values. mlops_kit "
                "stores and fingerprints object columns of str or bytes only (with missing "
                "values), never pickles. Convert it, e.g. df[col].astype(str), or to a numeric "
                "or category dtype."
            )
    data, lengths = _utf8_buffers(array if objects is None else objects, missing, kind, column)
    return flags, lengths, data, kind


def _utf8_buffers(
    values: Any,
    missing: npt.NDArray[np.bool_],
    kind: str,
    column: Hashable,
) -> tuple[bytes | memoryview, npt.NDArray[np.int64]]:
    n = len(missing)
    if kind == "empty":
        return b"", np.zeros(n, dtype="<i8")
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - exercised through the no-pyarrow test
        pa = None
    if pa is not None and not _FORCE_PURE[0]:
        try:
            arrow = pa.array(
                values, type=pa.large_binary() if kind == "bytes" else None, from_pandas=True
            )
        except (pa.ArrowException, UnicodeError) as error:
            raise _unencodable(column, error) from error
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        if kind == "str":
            arrow = arrow.cast(pa.large_string())
        if arrow.null_count:
            arrow = arrow.fill_null(b"" if kind == "bytes" else "")
        offsets = np.frombuffer(arrow.buffers()[1], dtype="<i8")[
            arrow.offset : arrow.offset + n + 1
        ]
        lengths = np.diff(offsets)
        data = memoryview(arrow.buffers()[2])[offsets[0] : offsets[-1]] if n else b""
        return data, lengths
    present = values[~missing] if missing.any() else values
    try:
        encoded = [x.encode("utf-8") for x in present] if kind == "str" else list(present)
    except UnicodeError as error:
        raise _unencodable(column, error) from error
    lengths = np.zeros(n, dtype="<i8")
    lengths[~missing] = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    return b"".join(encoded), lengths


_FORCE_PURE = [False]  # tests flip this to exercise the dependency-free path


def _unencodable(column: Hashable, error: Exception) -> ValidationError:
    return ValidationError(
        f"Column {column!r} holds a value that cannot be encoded as UTF-8 ({error}). Remove "
        "lone surrogates or store the values as bytes."
    )


def encode_text(array: Any, update: _Update, *, column: Hashable) -> None:
    """Encode a text column: value kind, missing flags, lengths, then the bytes."""
    flags, lengths, data, kind = text_parts(array, column=column)
    _encode_str(kind, update)
    update(flags.data)
    _encode_fixed(lengths.astype("<i8", copy=False), update)
    update(data)

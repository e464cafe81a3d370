"""Chunk codecs: physical columns <-> bytes, one blob per chunk.

``parquet`` (pyarrow, the ``parquet`` extra) and ``npz`` (numpy only, never pickles: a JSON
header then ``.npy`` records read with ``allow_pickle=False``). Both produce deterministic bytes,
so identical chunks deduplicate in the blob store.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_kit.data import _fingerprint
from mlops_kit.data._layout import Physical, Text
from mlops_kit.exceptions import IntegrityError, ValidationError

__all__ = [
    "CODECS",
    "Assembly",
    "decode_chunks",
    "decode_one",
    "encode_chunks",
    "encoder",
    "has_pyarrow",
    "resolve_codec",
]

CODECS = ("npz", "parquet")
NPZ_MAGIC = b"MKNPZ1\n"
Bounds = Sequence[tuple[int, int]]


def has_pyarrow() -> bool:
    """Whether pyarrow can be imported (tests can pretend it cannot)."""
    if _fingerprint._FORCE_PURE[0]:
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is installed in the test environment
        return False
    return True


def resolve_codec(codec: str) -> str:
    """``"auto"`` -> ``"parquet"`` when pyarrow is importable, else ``"npz"``."""
    if codec == "auto":
        return "parquet" if has_pyarrow() else "npz"
    if codec == "parquet" and not has_pyarrow():
        raise ValidationError(
            "The 'parquet' codec needs pyarrow: pip install 'mlops-kit[parquet]', or use "
            "codec='npz'."
        )
    return codec


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _map(function: Callable[[Any], bytes], items: Sequence[Any]) -> list[Any]:
    if len(items) < 4:
        return [function(item) for item in items]
    with ThreadPoolExecutor(_workers()) as pool:
        return list(pool.map(function, items))


def encoder(codec: str, physical: Physical) -> Callable[[tuple[int, int]], bytes]:
    """A function that encodes the rows ``[start, stop)`` of every physical column."""
    if codec == "parquet":
        return _parquet_encoder(physical)
    # the byte offsets of every text column, computed once for all the chunks
    offsets = {name: _offsets(c.lengths) for name, c in physical.items() if isinstance(c, Text)}
    return lambda bound: _encode_npz(physical, offsets, *bound)


def encode_chunks(codec: str, physical: Physical, bounds: Bounds) -> list[bytes]:
    """Encode the rows ``[start, stop)`` of every physical column, one blob per bound."""
    return _map(encoder(codec, physical), list(bounds))


def decode_one(codec: str, blob: Any, keep: Callable[[str], bool] | None = None) -> tuple[Any, int]:
    """Decode one chunk: a codec-specific part, for :class:`Assembly`, and its row count.

    With ``keep``, only the physical columns whose name it accepts are decoded; the row count
    is the chunk's own, whichever columns are kept.
    """
    if codec == "parquet":
        return _read_parquet(blob, keep)
    if codec == "npz":
        arrays, text = _read_npz(blob)
        rows = _npz_rows(arrays)
        if keep is None:
            return (arrays, text), rows
        kept = (
            {name: array for name, array in arrays.items() if keep(name)},
            {name: kind for name, kind in text.items() if keep(name)},
        )
        return kept, rows
    raise ValidationError(f"Unknown codec {codec!r}; known codecs: {', '.join(CODECS)}.")


class Assembly:
    """Decoded chunks gathered into whole physical columns, in place.

    Every fixed-width column is allocated once. A worker thread hands over a *run* of
    consecutive decoded chunks, which is joined and copied into its rows right away (numpy and
    pyarrow release the GIL), so the copying is shared between threads and done while the data
    is in cache; a run of several small chunks costs one copy per column, not one per chunk.
    Only variable-width pieces (text) are joined at the end. :meth:`add` may be called from
    several threads at once, for disjoint runs, in any order.
    """

    def __init__(self, codec: str, sizes: Sequence[int]) -> None:
        if codec not in CODECS:
            raise ValidationError(f"Unknown codec {codec!r}; known codecs: {', '.join(CODECS)}.")
        self.codec = codec
        self.starts = list(itertools.accumulate((int(size) for size in sizes), initial=0))
        self._lock = threading.Lock()
        self._fixed: dict[str, npt.NDArray[Any]] | None = None
        self._pieces: dict[str, list[Any]] = {}
        self._text: dict[str, str] = {}

    def add(self, first: int, parts: Sequence[Any]) -> None:
        """Place the decoded chunks ``first, first + 1, ...`` (:func:`decode_one` results)."""
        split = _split_parquet if self.codec == "parquet" else _split_npz
        fixed, pieces, text = split(parts, first)
        start, stop = self.starts[first], self.starts[first + len(parts)]
        with self._lock:
            if self._fixed is None:
                total = self.starts[-1]
                self._fixed = {k: _empty(self.codec, total, a[0].dtype) for k, a in fixed.items()}
                self._pieces = {name: [None] * (len(self.starts) - 1) for name in pieces}
                self._text = text
        if fixed.keys() != self._fixed.keys() or pieces.keys() != self._pieces.keys():
            raise IntegrityError(f"Stored chunk {first} does not have the columns of the others.")
        for name, values in fixed.items():
            target = self._fixed[name]
            rows = sum(len(value) for value in values)
            if any(value.dtype != target.dtype for value in values) or rows != stop - start:
                raise IntegrityError(
                    f"Stored chunks from {first} have {rows} rows of "
                    f"{', '.join(sorted({str(v.dtype) for v in values}))} in column {name!r}; "
                    f"the manifest and the other chunks say {stop - start} of {target.dtype}."
                )
            np.concatenate(values, out=target[start:stop])  # one copy, straight into place
        for name, piece in pieces.items():
            self._pieces[name][first] = piece

    def result(self) -> dict[str, Any]:
        """The whole columns: numpy arrays, and text as pyarrow arrays or object arrays."""
        out: dict[str, Any] = dict(self._fixed or {})
        joined = {
            n: [a for p in pieces if p is not None for a in p] for n, pieces in self._pieces.items()
        }
        if self.codec == "parquet":
            out.update((name, _join_arrow(pieces)) for name, pieces in joined.items())
            return out
        for name, pieces in joined.items():
            out[name] = np.concatenate(pieces)
        for name, kind in self._text.items():
            missing = out.pop(name + ".missing").astype(bool)
            lengths = out.pop(name + ".lengths")
            data = out.pop(name + ".bytes")
            out[name] = _objects(kind, missing, lengths, data)
        return out


def _empty(codec: str, n: int, dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    if codec != "parquet":
        return np.empty(n, dtype=dtype)
    import pyarrow as pa

    return np.frombuffer(pa.allocate_buffer(n * dtype.itemsize), dtype=dtype)


def decode_chunks(codec: str, blobs: Sequence[bytes]) -> dict[str, Any]:
    """Decode and concatenate chunks (in this thread: meant for a few small blobs)."""
    decoded = [decode_one(codec, blob) for blob in blobs]
    assembly = Assembly(codec, [rows for _, rows in decoded])
    if decoded:
        assembly.add(0, [part for part, _ in decoded])
    return assembly.result()


def _npz_rows(arrays: Mapping[str, npt.NDArray[Any]]) -> int:
    """Rows of an npz chunk: the length of any array but a text column's bytes."""
    first = next((name for name in arrays if not name.endswith(".bytes")), None)
    return 0 if first is None else len(arrays[first])


# --------------------------------------------------------------------------------- parquet


def _arrow_column(column: npt.NDArray[Any] | Text) -> Any:
    import pyarrow as pa

    if not isinstance(column, Text):
        return pa.array(column)
    if column.kind == "bytes":
        array = pa.array(column.values, type=pa.large_binary(), from_pandas=True)
    else:
        array = pa.array(column.values, from_pandas=True)
        array = array.cast(pa.large_string()) if array.type != pa.large_string() else array
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _parquet_encoder(physical: Physical) -> Callable[[tuple[int, int]], bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [_arrow_column(column) for column in physical.values()]
    # Fixed-width physical columns never hold a null (masks are columns of their own): as
    # required fields they decode without definition levels or a validity bitmap.
    fields = [
        pa.field(name, array.type, nullable=isinstance(column, Text))
        for (name, column), array in zip(physical.items(), arrays)
    ]
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    # Floats rarely compress; everything else (text, codes, masks, ints) usually does, and LZ4
    # decodes two to three times faster than Snappy for as good a ratio.
    compression = {
        name: "none" if not isinstance(column, Text) and column.dtype.kind == "f" else "lz4"
        for name, column in physical.items()
    }

    def encode(bound: tuple[int, int]) -> bytes:
        buffer = io.BytesIO()
        pq.write_table(
            table.slice(bound[0], bound[1] - bound[0]),
            buffer,
            compression=compression,
            use_dictionary=False,
            write_statistics=False,
            store_schema=False,
        )
        return buffer.getvalue()

    return encode


def _read_parquet(blob: Any, keep: Callable[[str], bool] | None) -> tuple[Any, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(blob))
        names = None if keep is None else [n for n in parquet.schema_arrow.names if keep(n)]
        return parquet.read(columns=names, use_threads=False), parquet.metadata.num_rows
    except (pa.ArrowException, OSError) as error:
        raise IntegrityError(f"A stored chunk is not a valid Parquet file: {error}") from error


def _split_parquet(
    tables: Sequence[Any], first: int
) -> tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, str]]:
    """Fixed-width columns as lists of numpy arrays; text (or all-null) as lists of arrow arrays."""
    import pyarrow as pa

    schema = tables[0].schema
    if any(not table.schema.equals(schema) for table in tables[1:]):
        raise IntegrityError(f"Stored chunks from {first} do not have the columns of the others.")
    fixed: dict[str, list[Any]] = {}
    pieces: dict[str, list[Any]] = {}
    for position, field in enumerate(schema):
        arrays = [chunk for table in tables for chunk in table.column(position).chunks]
        kind = field.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            fixed[field.name] = [array.to_numpy(zero_copy_only=False) for array in arrays]
        else:
            pieces[field.name] = arrays
    return fixed, pieces, {}


def _join_arrow(pieces: Sequence[Any]) -> Any:
    import pyarrow as pa

    kind = pieces[0].type
    if pa.types.is_null(kind):
        return np.full(sum(len(piece) for piece in pieces), None, dtype=object)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        wide = pa.large_binary()
    else:
        wide = pa.large_string()
    return pa.concat_arrays([piece.cast(wide) for piece in pieces])


# ------------------------------------------------------------------------------------- npz


def _offsets(lengths: npt.NDArray[np.int64] | None) -> npt.NDArray[np.int64]:
    """Where each value starts in the concatenated bytes, and where the last one ends."""
    assert lengths is not None
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _encode_npz(
    physical: Physical, offsets: dict[str, npt.NDArray[np.int64]], start: int, stop: int
) -> bytes:
    arrays: list[tuple[str, npt.NDArray[Any]]] = []
    text: dict[str, str] = {}
    for name, column in physical.items():
        if isinstance(column, Text):
            assert column.lengths is not None
            first, last = offsets[name][start], offsets[name][stop]
            data = np.frombuffer(column.data, dtype=np.uint8)[first:last]
            text[name] = column.kind
            arrays.append((name + ".missing", column.flags[start:stop]))
            arrays.append((name + ".lengths", column.lengths[start:stop].astype("<i8")))
            arrays.append((name + ".bytes", data))
        else:
            arrays.append((name, column[start:stop]))
    header = json.dumps({"arrays": [a for a, _ in arrays], "text": text}).encode()
    buffer = io.BytesIO()
    buffer.write(NPZ_MAGIC + struct.pack("<Q", len(header)) + header)
    for _, array in arrays:
        np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _read_npz(blob: bytes) -> tuple[dict[str, npt.NDArray[Any]], dict[str, str]]:
    if not blob.startswith(NPZ_MAGIC):
        raise IntegrityError("A stored chunk is not an mlops_kit npz chunk (bad magic bytes).")
    stream = io.BytesIO(blob)
    stream.seek(len(NPZ_MAGIC))
    (size,) = struct.unpack("<Q", stream.read(8))
    header = json.loads(stream.read(size))
    arrays = {}
    for name in header["arrays"]:
        try:
            arrays[name] = np.lib.format.read_array(stream, allow_pickle=False)
        except ValueError as error:
            raise IntegrityError(f"A stored npz chunk is damaged: {error}") from error
    return arrays, header["text"]


def _split_npz(
    parts: Sequence[tuple[dict[str, npt.NDArray[Any]], dict[str, str]]], first: int
) -> tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, str]]:
    """Fixed-width arrays, and the variable-width bytes of text columns, as lists per column."""
    arrays, text = parts[0]
    if any(other.keys() != arrays.keys() or kinds != text for other, kinds in parts[1:]):
        raise IntegrityError(f"Stored chunks from {first} do not have the columns of the others.")
    columns = {name: [other[name] for other, _ in parts] for name in arrays}
    pieces = {name + ".bytes": columns.pop(name + ".bytes") for name in text}
    return columns, pieces, text


def _objects(
    kind: str,
    missing: npt.NDArray[np.bool_],
    lengths: npt.NDArray[np.int64],
    data: npt.NDArray[np.uint8],
) -> Any:
    n = len(missing)
    if kind == "empty":
        return np.full(n, None, dtype=object)
    offsets = _offsets(lengths)
    if has_pyarrow():
        import pyarrow as pa

        arrow_type = pa.large_string() if kind == "str" else pa.large_binary()
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
        buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
        return pa.Array.from_buffers(arrow_type, n, buffers)
    raw = data.tobytes()
    starts = offsets[:-1].tolist()
    stops = offsets[1:].tolist()
    values: list[str] | list[bytes]
    if kind == "str":
        values = [raw[a:b].decode("utf-8") for a, b in zip(starts, stops)]
    else:
        values = [raw[a:b] for a, b in zip(starts, stops)]
    objects = np.empty(n, dtype=object)
    objects[:] = values
    objects[missing] = None
    return objects

"""Chunk codecs: physical columns <-> bytes, one blob per chunk.

``parquet`` (pyarrow, the ``parquet`` extra) and ``npz`` (numpy only, never pickles: a JSON
header then ``.npy`` records read with ``allow_pickle=False``). Both produce deterministic bytes,
so identical chunks deduplicate in the blob store.
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_kit.data import _fingerprint
from mlops_kit.data._layout import Physical, Text
from mlops_kit.exceptions import IntegrityError, ValidationError

__all__ = [
    "CODECS",
    "combine",
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


def decode_one(codec: str, blob: bytes) -> Any:
    """Decode one chunk into a codec-specific part, for :func:`combine`."""
    if codec == "parquet":
        return _read_parquet(blob)
    if codec == "npz":
        return _read_npz(blob)
    raise ValidationError(f"Unknown codec {codec!r}; known codecs: {', '.join(CODECS)}.")


def combine(codec: str, parts: Sequence[Any]) -> dict[str, Any]:
    """Concatenate decoded chunks: numpy arrays, and text columns as arrow or object arrays."""
    if codec == "parquet":
        return _combine_parquet(parts)
    return _combine_npz(parts)


def decode_chunks(codec: str, blobs: Sequence[bytes]) -> dict[str, Any]:
    """Decode and concatenate chunks."""
    if codec not in CODECS:
        raise ValidationError(f"Unknown codec {codec!r}; known codecs: {', '.join(CODECS)}.")
    return combine(codec, _map(lambda blob: decode_one(codec, blob), blobs))


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

    table = pa.table({name: _arrow_column(column) for name, column in physical.items()})
    # floats rarely compress; everything else (text, codes, masks, ints) usually does
    compression = {
        name: "none" if not isinstance(column, Text) and column.dtype.kind == "f" else "snappy"
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


def _read_parquet(blob: bytes) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(pa.BufferReader(blob)).read(use_threads=False)
    except (pa.ArrowException, OSError) as error:
        raise IntegrityError(f"A stored chunk is not a valid Parquet file: {error}") from error


def _combine_parquet(tables: Sequence[Any]) -> dict[str, Any]:
    import pyarrow as pa

    table = pa.concat_tables(tables, promote_options="permissive")
    out: dict[str, Any] = {}
    for name in table.column_names:
        column = table.column(name)
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            out[name] = column.combine_chunks().cast(pa.large_string())
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            out[name] = column.combine_chunks().cast(pa.large_binary())
        elif pa.types.is_null(column.type):
            out[name] = np.full(len(column), None, dtype=object)
        else:
            out[name] = column.to_numpy()
    return out


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


def _combine_npz(parts: Sequence[Any]) -> dict[str, Any]:
    if not parts:
        return {}
    text = parts[0][1]
    out: dict[str, Any] = {}
    for name in parts[0][0]:
        out[name] = np.concatenate([arrays[name] for arrays, _ in parts])
    for name, kind in text.items():
        missing = out.pop(name + ".missing").astype(bool)
        lengths = out.pop(name + ".lengths")
        data = out.pop(name + ".bytes")
        out[name] = _objects(kind, missing, lengths, data)
    return out


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

"""Strict-JSON encoding helpers and converters shared by the drift result values."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mlops_kit.exceptions import ValidationError

__all__ = [
    "_encode_float",
    "_float_tuple",
    "_int_tuple",
    "_json_restore",
    "_json_safe",
    "_nan_free",
    "_nan_key",
    "_opt_float",
    "_plain",
    "_str_tuple",
]


def _encode_float(value: float | None) -> float | str | None:
    """A float as strict JSON: NaN and infinities become strings."""
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


_FLOAT_TAG = "$float"


def _plain(value: Any) -> Any:
    """JSON-shaped plain data: dicts with str keys, lists, Python scalars."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy arrays and scalars
        return _plain(value.tolist())
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValidationError(
        "DriftReport details must be JSON-compatible (numbers, strings, booleans, None, lists "
        f"and dicts). Got a {type(value).__name__} instead."
    )


def _json_safe(value: Any) -> Any:
    """Encode non-finite floats as ``{"$float": "NaN"}`` so ``value`` is strict JSON."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT_TAG: _encode_float(value)}
    return value


def _json_restore(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_FLOAT_TAG}:
            return float(value[_FLOAT_TAG])
        return {k: _json_restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_restore(v) for v in value]
    return value


def _nan_free(value: Any) -> Any:
    """Equality key for details: NaN compares equal to NaN."""
    if isinstance(value, dict):
        return {k: _nan_free(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_free(v) for v in value]
    return _nan_key(value)


def _opt_float(value: Any) -> float | None:
    """``None`` or a float; also decodes :func:`_encode_float`'s "NaN" and "Infinity" strings."""
    return None if value is None else float(value)


def _nan_key(value: float | None) -> Any:
    """Equality key that makes NaN equal to NaN, so reports with NaN compare equal."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    return value


def _int_tuple(values: Sequence[Any]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _float_tuple(values: Sequence[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _str_tuple(values: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)

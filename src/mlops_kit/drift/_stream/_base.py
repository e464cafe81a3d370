"""The tiny shared base of the streaming detectors.

Every detector keeps River 0.26.1's semantics: after an update that signalled drift, the next
update first resets the detector's statistics. ``update_many`` processes blocks of values with
numpy from the current state up to the first detection, restarts after it, and so returns
exactly the positions that calling ``update`` one value at a time would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

from mlops_kit._version import __version__
from mlops_kit.drift._json import _encode_float
from mlops_kit.exceptions import ValidationError

__all__ = ["StreamDetectorBase"]

#: Version of the layout written by ``to_dict``; bumped on incompatible changes.
STATE_VERSION = 1

IntArray = np.ndarray[Any, np.dtype[np.intp]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def bad_parameter(owner: str, name: str, expected: str, value: Any) -> ValidationError:
    """The library's one message form for a bad constructor argument."""
    return ValidationError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
    )


def check_real(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Validate a real parameter in an interval; return it as a float."""
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    if math.isinf(low) and math.isinf(high):
        expected = "a finite float"
    else:
        expected = f"a float in {lo}{low:g}, {high:g}{hi}"
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise bad_parameter(owner, name, expected, value)
    number = float(value)
    ok = math.isfinite(number) or (math.isinf(number) and (number in (low, high)))
    ok = ok and (low < number if low_open else low <= number)
    ok = ok and (number < high if high_open else number <= high)
    if not ok:
        raise bad_parameter(owner, name, expected, value)
    return number


def check_int(owner: str, name: str, value: Any, *, low: int = 0) -> int:
    """Validate an integer parameter of at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise bad_parameter(owner, name, f"an int >= {low}", value)
    return int(value)


def check_bool(owner: str, name: str, value: object) -> bool:
    """Validate a bool parameter (not merely a truthy value)."""
    if not isinstance(value, bool):
        raise bad_parameter(owner, name, "a bool", value)
    return value


class StreamDetectorBase:
    """Shared machinery of the built-in stream detectors (an optional helper, never required).

    Subclasses define ``_PARAMS`` (constructor argument names), ``_STATE`` (state attribute
    names), ``_reset_state``, ``update`` and ``_process_block``. Anything that implements the
    :class:`~mlops_kit.protocols.StreamDetector` protocol works where a detector is expected.
    """

    __slots__ = ("_drift", "_n_seen", "_warning")

    _PARAMS: ClassVar[tuple[str, ...]] = ()
    _STATE: ClassVar[tuple[str, ...]] = ()
    #: ``"binary"`` (0 or 1), ``"unit"`` (a float in [0, 1]) or ``"real"`` (any finite float).
    _INPUT: ClassVar[str] = "real"
    _FIRST_BLOCK: ClassVar[int] = 512
    _MAX_BLOCK: ClassVar[int] = 1 << 17

    _drift: bool
    _warning: bool
    _n_seen: int

    # -- the protocol -----------------------------------------------------------------------
    @property
    def drift_detected(self) -> bool:
        """Whether the last update signalled drift."""
        return self._drift

    @property
    def warning_detected(self) -> bool:
        """Whether the last update signalled a warning."""
        return self._warning

    @property
    def n_seen(self) -> int:
        """How many values were fed since construction or the last :meth:`reset`."""
        return self._n_seen

    # Every subclass's ``update`` opens with the same few lines: validate ``x`` (as its
    # ``_INPUT`` says), reset if the previous update signalled drift, count the value. They are
    # written out in each ``update`` on purpose: ``update`` is the per-value hot path (under
    # 3 µs), and a shared helper would add a Python call (~0.15 µs) to every value. The shared,
    # cold parts (messages, batch validation, reset, to_dict/from_dict) live here.
    def update(self, x: float, /) -> Self:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def update_many(self, values: npt.ArrayLike, /) -> IntArray:
        """Feed many values; return the 0-based positions (counted across calls) of drift.

        Identical to calling :meth:`update` on each value in turn, flags and state included.
        """
        x = self._as_array(values)
        found: list[int] = []
        start, total, block = 0, x.size, self._FIRST_BLOCK
        base = self._n_seen
        while start < total:
            if self._drift:
                self._reset_state()
            stop = min(total, start + block)
            k = self._process_block(x[start:stop])
            if k >= 0:
                found.append(base + start + k)
                start += k + 1
                block = self._FIRST_BLOCK
            else:
                start = stop
                block = min(block * 4, self._MAX_BLOCK)
        self._n_seen = base + total
        return np.asarray(found, dtype=np.intp)

    def reset(self) -> None:
        """Forget everything seen, including the count of values behind ``update_many``."""
        self._reset_state()
        self._n_seen = 0

    def to_dict(self) -> dict[str, Any]:
        """The parameters and the full state, as strict JSON-compatible data."""
        state = {name: self._encode(getattr(self, name)) for name in self._STATE}
        state["_drift"] = self._drift
        state["_warning"] = self._warning
        state["_n_seen"] = self._n_seen
        return {
            "type": type(self).__name__,
            "state_version": STATE_VERSION,
            "mlops_kit_version": __version__,
            "params": {name: self._encode(getattr(self, name)) for name in self._PARAMS},
            "state": state,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], /) -> Self:
        """Rebuild a detector from :meth:`to_dict`'s output; it resumes identically."""
        name = cls.__name__
        if not isinstance(data, Mapping) or data.get("type") != name:
            got = data.get("type") if isinstance(data, Mapping) else type(data).__name__
            raise ValidationError(
                f"Cannot rebuild a {name} from this data: its 'type' is {got!r}. "
                f"Pass the output of {name}.to_dict()."
            )
        if data.get("state_version") != STATE_VERSION:
            raise ValidationError(
                f"Cannot rebuild a {name} from state version {data.get('state_version')!r}; "
                f"this mlops_kit reads version {STATE_VERSION}."
            )
        params = {key: cls._decode(value) for key, value in data["params"].items()}
        detector = cls(**params)
        state = data["state"]
        missing = [
            key for key in (*cls._STATE, "_drift", "_warning", "_n_seen") if key not in state
        ]
        if missing:
            raise ValidationError(f"The state of this {name} lacks {missing}.")
        for key in cls._STATE:
            setattr(detector, key, cls._decode(state[key]))
        detector._drift = bool(state["_drift"])
        detector._warning = bool(state["_warning"])
        detector._n_seen = int(state["_n_seen"])
        detector._after_load(state)
        return detector

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._PARAMS)
        return f"{type(self).__name__}({args})"

    # -- hooks ------------------------------------------------------------------------------
    def _reset_state(self) -> None:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _process_block(self, x: FloatArray) -> int:  # pragma: no cover
        """Process ``x`` from the current state up to the first drift; return its index or -1."""
        raise NotImplementedError

    def _after_load(self, state: Mapping[str, Any]) -> None:
        """Rebuild derived attributes after :meth:`from_dict` set the state."""

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _encode(value: Any) -> Any:
        if isinstance(value, float):
            return _encode_float(value)
        if isinstance(value, list | tuple):
            return [StreamDetectorBase._encode(v) for v in value]
        return value

    @staticmethod
    def _decode(value: Any) -> Any:
        if isinstance(value, str) and value in ("Infinity", "-Infinity", "NaN"):
            return float(value)
        if isinstance(value, list):
            return [StreamDetectorBase._decode(v) for v in value]
        return value

    def _bad_value(self, x: Any) -> ValidationError:
        kind = {
            "binary": "0 or 1 (an error indicator)",
            "unit": "a float in [0, 1]",
            "real": "a finite number",
        }[self._INPUT]
        return ValidationError(
            f"{type(self).__name__} takes {kind}; got {x!r}. "
            "Feed one value per observation (for a classifier, 1 for a mistake and 0 otherwise)."
        )

    def _as_array(self, values: npt.ArrayLike) -> FloatArray:
        try:
            x = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValidationError(
                f"{type(self).__name__}.update_many takes a 1-D sequence of numbers: {error}"
            ) from None
        if x.ndim != 1:
            raise ValidationError(
                f"{type(self).__name__}.update_many takes a 1-D sequence of numbers; "
                f"got an array of shape {x.shape}. Flatten it first."
            )
        if self._INPUT == "binary":
            bad = (x != 0.0) & (x != 1.0)
        elif self._INPUT == "unit":
            bad = ~((x >= 0.0) & (x <= 1.0))
        else:
            bad = ~np.isfinite(x)
        if bad.any():
            position = int(np.argmax(bad))
            raise ValidationError(
                f"{self._bad_value(x[position])} (at position {position} of the values; "
                "nothing was consumed)"
            )
        return x


def last_true_index(mask: npt.NDArray[np.bool_]) -> IntArray:
    """For each position, the index of the last ``True`` at or before it, or -1."""
    idx = np.where(mask, np.arange(mask.size), -1)
    return np.maximum.accumulate(idx) if idx.size else idx


def sequential_cumsum(start: float, values: FloatArray) -> FloatArray:
    """``start + v0``, ``(start + v0) + v1``, ...: the same roundings as a Python loop."""
    buf = np.empty(values.size + 1)
    buf[0] = start
    buf[1:] = values
    return np.cumsum(buf)[1:]

"""``check_stream_detector``: the conformance check of a streaming drift detector."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_kit.protocols import StreamDetector

__all__ = ["check_stream_detector"]


def _default_stream() -> npt.NDArray[np.float64]:
    """0/1 errors whose rate jumps twice: valid input for binary and real-valued detectors."""
    rng = np.random.default_rng(20261126)
    parts = [rng.random(1500) < 0.1, rng.random(1500) < 0.6, rng.random(1500) < 0.05]
    return np.concatenate(parts).astype(np.float64)


def _fail(detector: Any, what: str) -> AssertionError:
    return AssertionError(f"{type(detector).__name__} fails the stream detector check: {what}")


def _clone(detector: Any) -> Any:
    """A copy through ``to_dict`` / ``json`` / ``from_dict``, as a restarted service gets it."""
    data = json.loads(json.dumps(detector.to_dict(), allow_nan=False))
    return type(detector).from_dict(data)


def _one_by_one(detector: Any, values: npt.NDArray[np.float64]) -> tuple[list[int], list[int]]:
    drifts, warnings = [], []
    for i, x in enumerate(values.tolist()):
        returned = detector.update(x)
        if returned is not detector:
            raise _fail(detector, "update() must return the detector itself")
        drift, warning = detector.drift_detected, detector.warning_detected
        if not isinstance(drift, bool) or not isinstance(warning, bool):
            raise _fail(detector, "drift_detected and warning_detected must be bools")
        if drift:
            drifts.append(i)
        if warning:
            warnings.append(i)
    return drifts, warnings


def check_stream_detector(detector: Any, values: npt.ArrayLike | None = None) -> None:
    """Check that a streaming detector honours the :class:`~mlops_kit.protocols.StreamDetector`
    contract; raise :class:`AssertionError` naming the first broken promise.

    The detector itself is left untouched: every check runs on copies made through
    ``to_dict`` / ``from_dict``. It checks that

    * it is a ``StreamDetector`` and ``to_dict`` is strict JSON that ``from_dict`` rebuilds;
    * ``update`` returns the detector and the flags are bools;
    * ``update_many`` returns an integer array of exactly the positions where ``update`` one
      by one signals drift, counted across calls when the stream is split;
    * a copy taken mid-stream and rebuilt resumes with identical positions and flags;
    * ``reset`` forgets what was seen (a randomized detector must be seeded for this).

    Parameters
    ----------
    detector
        The detector to check, in the state to start from (usually freshly built).
    values
        The stream to feed; by default 4,500 values of 0/1 errors with two changes of rate,
        valid for binary and real-valued detectors alike.

    Examples
    --------
    >>> from mlops_kit.drift._stream import PageHinkley
    >>> check_stream_detector(PageHinkley(threshold=5.0))
    """
    if not isinstance(detector, StreamDetector):
        raise _fail(detector, "it lacks a method or property of the StreamDetector protocol")
    stream = _default_stream() if values is None else np.asarray(values, dtype=np.float64)
    try:
        fresh = _clone(detector)
    except (TypeError, ValueError) as error:
        raise _fail(
            detector, f"to_dict() is not strict JSON that from_dict() takes: {error}"
        ) from error
    drifts, _warnings = _one_by_one(_clone(fresh), stream)

    many = _clone(fresh).update_many(stream)
    if not isinstance(many, np.ndarray) or many.dtype.kind not in "iu":
        raise _fail(detector, "update_many() must return a numpy array of integer positions")
    if many.tolist() != drifts:
        raise _fail(
            detector,
            f"update_many() gave positions {many.tolist()[:8]}..., update() one by one "
            f"{drifts[:8]}...",
        )

    split = _clone(fresh)
    cuts = [0, 1, len(stream) // 3, len(stream) // 3 + 7, (2 * len(stream)) // 3, len(stream)]
    pieces = [split.update_many(stream[a:b]) for a, b in itertools.pairwise(cuts)]
    joined = np.concatenate(pieces).tolist()  # five pieces: never empty
    if joined != drifts:
        raise _fail(detector, "update_many() positions must count across calls")

    half = len(stream) // 2
    original = _clone(fresh)
    first = _one_by_one(original, stream[:half])
    resumed = _clone(original)
    rest_original = _one_by_one(original, stream[half:])
    rest_resumed = _one_by_one(resumed, stream[half:])
    if rest_original != rest_resumed or (first[0] + [half + p for p in rest_original[0]]) != drifts:
        raise _fail(detector, "a copy rebuilt with from_dict(to_dict()) must resume identically")

    reference = _clone(fresh)
    reference.reset()
    expected = _one_by_one(reference, stream)
    used = _clone(fresh)
    _one_by_one(used, stream[:half])
    used.reset()
    if _one_by_one(used, stream) != expected:
        raise _fail(detector, "after reset() it must forget everything it saw")

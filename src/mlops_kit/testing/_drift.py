"""Conformance checks for batch drift detectors, and a scripted fake detector for tests."""

from __future__ import annotations

import copy
import json
import pickle
import sys
from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np

from mlops_kit.drift import DriftReport
from mlops_kit.exceptions import NotFittedError

__all__ = ["FixedDriftDetector", "check_drift_detector"]


def _default_data(random_state: int) -> tuple[Any, Any]:
    import pandas as pd

    rng = np.random.default_rng(random_state)
    n = 400
    reference = pd.DataFrame(
        {
            "a": rng.normal(0.0, 1.0, n),
            "b": rng.normal(5.0, 2.0, n),
            "c": rng.exponential(1.0, n),
        }
    )
    shifted = reference.copy()
    shifted["a"] = shifted["a"] + 1.5
    shifted["b"] = shifted["b"] + 3.0
    shifted["c"] = shifted["c"] * 2.5 + 1.0
    return reference, shifted


def _same_data(a: Any, b: Any) -> bool:
    if hasattr(a, "equals") and type(a) is type(b):
        return bool(a.equals(b)) and list(getattr(a, "dtypes", [])) == list(
            getattr(b, "dtypes", [])
        )
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def _fail(check: str, detector: Any, why: str) -> AssertionError:
    return AssertionError(f"check_drift_detector: {type(detector).__name__} fails {check!r}: {why}")


def check_drift_detector(
    detector: Any,
    *,
    reference: Any = None,
    shifted: Any = None,
    random_state: int = 0,
) -> None:
    """Run the batch drift detector conformance checks on an unfitted ``detector``.

    The checks, each raising an ``AssertionError`` that names it:

    * ``protocol``: it has ``fit`` and ``detect`` (:class:`~mlops_kit.protocols.DriftDetector`);
    * ``not_fitted``: ``detect`` before ``fit`` raises
      :class:`~mlops_kit.exceptions.NotFittedError`;
    * ``fit_returns_self``: ``fit`` returns the detector itself;
    * ``report_type``: ``detect`` returns a :class:`~mlops_kit.drift.DriftReport`;
    * ``no_drift_on_identical_data``: the reference itself is not called drift;
    * ``drift_on_shifted_data``: a clearly shifted sample is called drift;
    * ``inputs_not_mutated``: ``fit`` and ``detect`` leave their inputs unchanged;
    * ``deterministic``: two copies give equal reports (with ``random_state`` where the
      detector has one);
    * ``report_json_round_trip``: ``DriftReport.from_dict(json.loads(json.dumps(...)))``
      gives back an equal report;
    * ``pickle``: a pickled and restored fitted detector gives an equal report.

    Parameters
    ----------
    detector
        An unfitted detector (it is copied, never fitted in place).
    reference, shifted
        The reference data and a clearly drifted sample of the same shape; by default 400 rows
        of three numerical columns, the shifted sample moved by 1.5 standard deviations.
    random_state
        Seeds the default data.

    Examples
    --------
    >>> from mlops_kit.drift import TabularDriftDetector
    >>> check_drift_detector(TabularDriftDetector())
    """
    from mlops_kit.protocols import DriftDetector

    if reference is None or shifted is None:
        reference, shifted = _default_data(random_state)
    if not isinstance(detector, DriftDetector):
        raise _fail("protocol", detector, "it needs fit(reference) and detect(current) methods")

    fresh = copy.deepcopy(detector)
    try:
        fresh.detect(reference)
    except NotFittedError:
        pass
    except Exception as error:
        raise _fail(
            "not_fitted", detector, f"detect before fit raised {type(error).__name__}: {error}"
        ) from error
    else:
        raise _fail("not_fitted", detector, "detect before fit raised no NotFittedError")

    ref_copy, shifted_copy = copy.deepcopy(reference), copy.deepcopy(shifted)
    first = copy.deepcopy(detector)
    if first.fit(reference) is not first:
        raise _fail("fit_returns_self", detector, "fit did not return the detector itself")
    same = first.detect(reference)
    if not isinstance(same, DriftReport):
        raise _fail("report_type", detector, f"detect returned {type(same).__name__}")
    if same.drifted:
        raise _fail("no_drift_on_identical_data", detector, f"the reference drifted:\n{same}")
    report = first.detect(shifted)
    if not report.drifted:
        raise _fail("drift_on_shifted_data", detector, f"no drift was found:\n{report}")
    if not (_same_data(reference, ref_copy) and _same_data(shifted, shifted_copy)):
        raise _fail("inputs_not_mutated", detector, "fit or detect changed its input")

    one, two = copy.deepcopy(detector), copy.deepcopy(detector)
    if hasattr(detector, "random_state"):
        setattr(one, "random_state", random_state)  # noqa: B010 - not on the protocol
        setattr(two, "random_state", random_state)  # noqa: B010
    report = one.fit(reference).detect(shifted)
    again = two.fit(reference).detect(shifted)
    if again != report:
        raise _fail("deterministic", detector, f"two runs differ:\n{report}\n---\n{again}")

    text = json.dumps(report.to_dict(), allow_nan=False)
    if DriftReport.from_dict(json.loads(text)) != report:
        raise _fail("report_json_round_trip", detector, "from_dict(to_dict()) differs")

    try:
        restored = _pickle_round_trip(one)
    except Exception as error:
        raise _fail("pickle", detector, f"{type(error).__name__}: {error}") from error
    if restored.detect(shifted) != one.detect(shifted):
        raise _fail("pickle", detector, "the unpickled detector reports differently")


def _pickle_round_trip(obj: Any) -> Any:
    """Pickle and restore ``obj``; a class that cannot be imported (defined interactively or
    in an ``exec``) has its state pickled and is rebuilt around it."""
    try:
        return pickle.loads(pickle.dumps(obj))
    except pickle.PicklingError:
        module = sys.modules.get(type(obj).__module__)
        if module is not None and getattr(module, type(obj).__qualname__, None) is type(obj):
            raise
    reduced = obj.__reduce_ex__(pickle.DEFAULT_PROTOCOL)
    func, args = reduced[0], reduced[1]
    state = pickle.loads(pickle.dumps(reduced[2])) if len(reduced) > 2 else None
    restored = func(*args)
    if state is not None:
        if hasattr(restored, "__setstate__"):
            restored.__setstate__(state)
        else:  # pragma: no cover - every object has __setstate__ on Python >= 3.11
            restored.__dict__.update(state)
    return restored


def _positions(value: Iterable[int]) -> frozenset[int]:
    return frozenset(int(v) for v in value)


@attrs.define(kw_only=True)
class FixedDriftDetector:
    """A fake batch detector that reports drift on the calls of ``detect`` you choose.

    Use it to test code that consumes drift reports (quality gates, retrain policies)
    without data. Calls to ``detect`` are counted from 0, across calls.

    Parameters
    ----------
    drift_at
        The 0-based indices of the ``detect`` calls that report drift.
    columns
        Column names to put in each report (all drifted on drift calls).

    Examples
    --------
    >>> fake = FixedDriftDetector(drift_at=[1]).fit(None)
    >>> [fake.detect(None).drifted for _ in range(3)]
    [False, True, False]
    """

    drift_at: frozenset[int] = attrs.field(factory=frozenset, converter=_positions)
    columns: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    n_calls_: int = attrs.field(default=0, init=False)
    fitted_: bool = attrs.field(default=False, init=False)

    def fit(self, reference: Any, /) -> FixedDriftDetector:
        """Mark the fake as fitted; return ``self``."""
        self.fitted_ = True
        return self

    def detect(self, current: Any, /) -> DriftReport:
        """The next scripted report.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        from mlops_kit.drift import ColumnDrift

        if not self.fitted_:
            raise NotFittedError("This FixedDriftDetector is not fitted yet. Call fit first.")
        drifted = self.n_calls_ in self.drift_at
        self.n_calls_ += 1
        cols = [
            ColumnDrift(
                column=name,
                method="fixed",
                kind="distance",
                statistic=1.0 if drifted else 0.0,
                threshold=0.5,
                drifted=drifted,
            )
            for name in self.columns
        ]
        return DriftReport(
            columns=cols,
            drifted=drifted,
            drift_share=1.0 if drifted else 0.0,
            method="fixed",
            detector="FixedDriftDetector",
        )

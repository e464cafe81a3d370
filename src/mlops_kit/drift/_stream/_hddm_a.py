"""HDDM_A, the Hoeffding drift detector with the average test (Frías-Blanco et al., 2014)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    StreamDetectorBase,
    check_bool,
    check_real,
    last_true_index,
    sequential_cumsum,
)

__all__ = ["HDDM_A"]


class HDDM_A(StreamDetectorBase):
    r"""Hoeffding's-bound drift detection on the running average (the A-test).

    HDDM_A keeps the mean of everything seen and the mean at the cut point where
    :math:`\bar x + \epsilon` was smallest; drift (warning) is signalled when the current mean
    exceeds the cut mean by more than a Hoeffding bound at ``drift_confidence``
    (``warning_confidence``). With ``two_sided_test`` decreases are watched too.

    Parameters
    ----------
    drift_confidence
        Confidence of the drift test (River's default 0.001).
    warning_confidence
        Confidence of the warning test (0.005).
    two_sided_test
        Also signal decreases of the mean (False).

    Notes
    -----
    Input: floats in [0, 1], typically 1 for an error and 0 otherwise. Signals the same
    positions as ``river.drift.binary.HDDMA``; the means are sums divided by counts.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4]
    >>> [int(p) for p in HDDM_A().update_many(errors)]
    [1053]
    """

    __slots__ = (
        "_log_drift",
        "_log_drift_bound",
        "_log_warning",
        "_max_mean",
        "_max_n",
        "_min_mean",
        "_min_n",
        "_n",
        "_sum",
        "drift_confidence",
        "two_sided_test",
        "warning_confidence",
    )
    _PARAMS = ("drift_confidence", "warning_confidence", "two_sided_test")
    _STATE = ("_n", "_sum", "_min_n", "_min_mean", "_max_n", "_max_mean")
    _INPUT = "unit"

    def __init__(
        self,
        *,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        two_sided_test: bool = False,
    ) -> None:
        owner = "HDDM_A"
        unit: dict[str, Any] = {"low": 0.0, "high": 1.0, "low_open": True, "high_open": True}
        self.drift_confidence = check_real(owner, "drift_confidence", drift_confidence, **unit)
        self.warning_confidence = check_real(
            owner, "warning_confidence", warning_confidence, **unit
        )
        self.two_sided_test = check_bool(owner, "two_sided_test", two_sided_test)
        self._log_drift_bound = math.log(1.0 / self.drift_confidence)
        self._log_drift = math.log(2.0 / self.drift_confidence)
        self._log_warning = math.log(2.0 / self.warning_confidence)
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._sum = 0.0
        self._min_n = 0
        self._min_mean = 0.0
        self._max_n = 0
        self._max_mean = 0.0

    def _bound(self, n: float) -> float:
        return math.sqrt(1.0 / (2 * n) * self._log_drift_bound)

    def update(self, x: float, /) -> Self:
        """Feed one value in [0, 1]; return ``self``.

        Examples
        --------
        >>> HDDM_A().update(1).drift_detected
        False
        """
        # Preamble inline on purpose (hot path): see StreamDetectorBase.update.
        try:
            ok = 0.0 <= x <= 1.0
        except TypeError:
            ok = False
        if not ok:
            raise self._bad_value(x)
        if self._drift:
            self._reset_state()
        self._n_seen += 1
        n = self._n = self._n + 1
        self._sum += float(x)
        mean = self._sum / n
        if self._min_n == 0:
            self._min_n, self._min_mean = n, mean
        if self._max_n == 0:
            self._max_n, self._max_mean = n, mean
        eps = self._bound(n)
        if self._min_mean + self._bound(self._min_n) >= mean + eps:
            self._min_n, self._min_mean = n, mean
        if self._max_mean - self._bound(self._max_n) <= mean - eps:
            self._max_n, self._max_mean = n, mean
        drift = warning = False
        if self._min_n != n:
            m = (n - self._min_n) / self._min_n * (1.0 / n)
            gap = mean - self._min_mean
            if gap >= math.sqrt(m / 2 * self._log_drift):
                drift = True
            elif gap >= math.sqrt(m / 2 * self._log_warning):
                warning = True
        if self.two_sided_test and self._max_n != n:
            m = (n - self._max_n) / self._max_n * (1.0 / n)
            gap = self._max_mean - mean
            if gap >= math.sqrt(m / 2 * self._log_drift):
                drift = True
            elif gap >= math.sqrt(m / 2 * self._log_warning):
                warning = True
        self._drift, self._warning = drift, warning
        return self

    def _cuts(
        self, n: FloatArray, mean: FloatArray, key: FloatArray, n0: int, mean0: float, lower: bool
    ) -> tuple[FloatArray, FloatArray]:
        """Count and mean at the cut point after each value (the running min/max of ``key``)."""
        if n0 == 0:
            start = math.inf if lower else -math.inf
        else:
            b0 = self._bound(n0)
            start = mean0 + b0 if lower else mean0 - b0
        acc = np.minimum.accumulate if lower else np.maximum.accumulate
        previous = acc(np.r_[start, key])[:-1]
        at = last_true_index(key <= previous if lower else key >= previous)
        known = at >= 0
        return np.where(known, n[at], n0), np.where(known, mean[at], mean0)

    def _process_block(self, x: FloatArray) -> int:
        n = self._n + np.arange(1, x.size + 1, dtype=np.float64)
        total = sequential_cumsum(self._sum, x)
        mean = total / n
        eps = np.sqrt(1.0 / (2 * n) * self._log_drift_bound)
        min_n, min_mean = self._cuts(n, mean, mean + eps, self._min_n, self._min_mean, True)
        with np.errstate(divide="ignore", invalid="ignore"):
            m = (n - min_n) / min_n * (1.0 / n)
            gap = mean - min_mean
            open_ = min_n != n
            drift = open_ & (gap >= np.sqrt(m / 2 * self._log_drift))
            warning = open_ & ~drift & (gap >= np.sqrt(m / 2 * self._log_warning))
            if self.two_sided_test:
                max_n, max_mean = self._cuts(
                    n, mean, mean - eps, self._max_n, self._max_mean, False
                )
                m = (n - max_n) / max_n * (1.0 / n)
                gap = max_mean - mean
                open_ = max_n != n
                down = open_ & (gap >= np.sqrt(m / 2 * self._log_drift))
                warning |= open_ & ~down & (gap >= np.sqrt(m / 2 * self._log_warning))
                drift |= down
        k = int(np.argmax(drift)) if drift.any() else x.size - 1
        if not self.two_sided_test:  # the decrease cut is tracked even when not tested
            max_n, max_mean = self._cuts(n[: k + 1], mean[: k + 1], (mean - eps)[: k + 1],
                                         self._max_n, self._max_mean, False)  # fmt: skip
        self._n, self._sum = int(n[k]), float(total[k])
        self._min_n, self._min_mean = int(min_n[k]), float(min_mean[k])
        self._max_n, self._max_mean = int(max_n[k]), float(max_mean[k])
        self._drift, self._warning = bool(drift[k]), bool(warning[k])
        return k if self._drift else -1

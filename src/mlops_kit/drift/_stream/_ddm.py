"""DDM, the Drift Detection Method of Gama et al. (2004), as River 0.26.1 runs it."""

from __future__ import annotations

import math

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    StreamDetectorBase,
    check_int,
    check_real,
    last_true_index,
    sequential_cumsum,
)

__all__ = ["DDM"]


class DDM(StreamDetectorBase):
    r"""Drift Detection Method: watch a classifier's error rate and its binomial deviation.

    With :math:`p_i` the error rate after :math:`i` values and
    :math:`s_i = \sqrt{p_i (1 - p_i) / i}`, DDM remembers :math:`p_{min}, s_{min}` where
    :math:`p_i + s_i` was smallest (after ``warm_start`` values) and signals a warning when
    :math:`p_i + s_i > p_{min} + w s_{min}` and drift when :math:`> p_{min} + d s_{min}`.

    Parameters
    ----------
    warm_start
        Values to see before anything can be signalled (River's default 30).
    warning_threshold
        :math:`w`, the warning level in standard deviations (2.0).
    drift_threshold
        :math:`d`, the drift level in standard deviations (3.0).

    Notes
    -----
    Input: 1 for an error, 0 for a correct prediction. Signals the same positions as
    ``river.drift.binary.DDM``; the update after a detection starts afresh.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4]
    >>> ddm = DDM()
    >>> [int(p) for p in ddm.update_many(errors)]
    [1172]
    >>> ddm.update(1).drift_detected
    False
    """

    __slots__ = (
        "_n",
        "_p_min",
        "_ps_min",
        "_s_min",
        "_sum",
        "drift_threshold",
        "warm_start",
        "warning_threshold",
    )
    _PARAMS = ("warm_start", "warning_threshold", "drift_threshold")
    _STATE = ("_n", "_sum", "_p_min", "_s_min", "_ps_min")
    _INPUT = "binary"

    def __init__(
        self, *, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        self.warm_start = check_int("DDM", "warm_start", warm_start)
        self.warning_threshold = check_real(
            "DDM", "warning_threshold", warning_threshold, low=0.0, low_open=True
        )
        self.drift_threshold = check_real(
            "DDM", "drift_threshold", drift_threshold, low=0.0, low_open=True
        )
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._sum = 0.0
        self._p_min = 0.0
        self._s_min = 0.0
        self._ps_min = math.inf

    def update(self, x: float, /) -> Self:
        """Feed one value (1 for an error, 0 otherwise); return ``self``.

        Examples
        --------
        >>> DDM().update(0).drift_detected
        False
        """
        # Preamble inline on purpose (hot path): see StreamDetectorBase.update.
        if x != 0 and x != 1:
            raise self._bad_value(x)
        if self._drift:
            self._reset_state()
        self._n_seen += 1
        n = self._n = self._n + 1
        total = self._sum = self._sum + float(x)
        p = total / n
        s = math.sqrt(p * (1 - p) / n)
        if n > self.warm_start:
            ps = p + s
            if ps <= self._ps_min:
                self._p_min = p
                self._s_min = s
                self._ps_min = ps
            self._warning = ps > self._p_min + self.warning_threshold * self._s_min
            if ps > self._p_min + self.drift_threshold * self._s_min:
                self._drift = True
                self._warning = False
        return self

    def _process_block(self, x: FloatArray) -> int:
        n = self._n + np.arange(1, x.size + 1, dtype=np.float64)
        total = sequential_cumsum(self._sum, x)
        p = total / n
        s = np.sqrt(p * (1 - p) / n)
        first = max(0, self.warm_start - self._n)  # the first index with n > warm_start
        if first >= x.size:
            self._n += x.size
            self._sum = float(total[-1])
            return -1
        p, s, ps = p[first:], s[first:], p[first:] + s[first:]
        previous = np.minimum.accumulate(np.r_[self._ps_min, ps])[:-1]
        at = last_true_index(ps <= previous)
        known = at >= 0
        p_min = np.where(known, p[at], self._p_min)
        s_min = np.where(known, s[at], self._s_min)
        drift = ps > p_min + self.drift_threshold * s_min
        k = int(np.argmax(drift)) if drift.any() else ps.size - 1
        self._n += first + k + 1
        self._sum = float(total[first + k])
        self._p_min, self._s_min = float(p_min[k]), float(s_min[k])
        self._ps_min = float(previous[k]) if at[k] != k else float(ps[k])
        if drift[k]:
            self._drift, self._warning = True, False
            return first + k
        self._warning = bool(ps[k] > p_min[k] + self.warning_threshold * s_min[k])
        return -1

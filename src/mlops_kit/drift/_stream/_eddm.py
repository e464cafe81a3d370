"""EDDM, the Early Drift Detection Method of Baena-García et al. (2006), as River 0.26.1 runs it."""

from __future__ import annotations

import math

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    StreamDetectorBase,
    bad_parameter,
    check_int,
    check_real,
    last_true_index,
    sequential_cumsum,
)

__all__ = ["EDDM"]


class EDDM(StreamDetectorBase):
    r"""Early Drift Detection Method: watch the distance between consecutive errors.

    With :math:`p'_i` and :math:`s'_i` the mean and standard deviation (``ddof=1``) of the
    distances between errors, EDDM remembers the largest :math:`p' + 2s'` and, once more than
    ``warm_start`` errors were seen, signals drift when the ratio of the current value to it
    falls below ``beta`` and a warning when it falls below ``alpha``.

    Parameters
    ----------
    warm_start
        Values and errors to see before anything can be signalled (River's default 30).
    alpha
        Warning level of the ratio, in (0, 1] (0.95).
    beta
        Drift level of the ratio, in (0, ``alpha``] (0.9).

    Notes
    -----
    Input: 1 for an error, 0 for a correct prediction. Signals the same positions as
    ``river.drift.binary.EDDM``, including its quirk that the warning flag only changes when an
    error arrives. The distance statistics are computed from exact sums of the distances.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> errors = np.r_[rng.random(3000) < 0.1, rng.random(3000) < 0.6]
    >>> eddm = EDDM(alpha=0.8, beta=0.75)
    >>> [int(p) for p in eddm.update_many(errors)]
    [3095]
    """

    __slots__ = (
        "_d_sq",
        "_d_sum",
        "_last_error",
        "_max",
        "_n",
        "_n_errors",
        "alpha",
        "beta",
        "warm_start",
    )
    _PARAMS = ("warm_start", "alpha", "beta")
    _STATE = ("_n", "_last_error", "_n_errors", "_d_sum", "_d_sq", "_max")
    _INPUT = "binary"

    def __init__(self, *, warm_start: int = 30, alpha: float = 0.95, beta: float = 0.9) -> None:
        self.warm_start = check_int("EDDM", "warm_start", warm_start)
        self.alpha = check_real("EDDM", "alpha", alpha, low=0.0, high=1.0, low_open=True)
        self.beta = check_real("EDDM", "beta", beta, low=0.0, high=1.0, low_open=True)
        if self.beta > self.alpha:
            raise bad_parameter("EDDM", "beta", f"at most alpha={self.alpha!r}", beta)
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._last_error = 0
        self._n_errors = 0
        self._d_sum = 0.0
        self._d_sq = 0.0
        self._max = -1.0

    def update(self, x: float, /) -> Self:
        """Feed one value (1 for an error, 0 otherwise); return ``self``.

        Examples
        --------
        >>> EDDM().update(1).drift_detected
        False
        """
        # Preamble inline on purpose (hot path): see StreamDetectorBase.update.
        if x != 0 and x != 1:
            raise self._bad_value(x)
        if self._drift:
            self._reset_state()
        self._n_seen += 1
        n = self._n = self._n + 1
        if x == 1:
            k = self._n_errors = self._n_errors + 1
            d = float(n - self._last_error)
            d_sum = self._d_sum = self._d_sum + d
            d_sq = self._d_sq = self._d_sq + d * d
            if n > self.warm_start:
                mean = d_sum / k
                var = (k * d_sq - d_sum * d_sum) / (k * (k - 1.0)) if k > 1 else 0.0
                p2s = mean + 2.0 * math.sqrt(max(var, 0.0))
                if p2s > self._max:
                    self._max = p2s
                elif k > self.warm_start:
                    level = p2s / self._max
                    if level < self.beta:
                        self._drift = True
                    else:
                        self._warning = level < self.alpha
            self._last_error = n
        return self

    def _process_block(self, x: FloatArray) -> int:
        where = np.flatnonzero(x == 1.0)
        if where.size == 0:
            self._n += x.size
            return -1
        n = self._n + where + 1
        d = np.diff(np.r_[self._last_error, n]).astype(np.float64)
        k = self._n_errors + np.arange(1, n.size + 1, dtype=np.float64)
        d_sum = sequential_cumsum(self._d_sum, d)
        d_sq = sequential_cumsum(self._d_sq, d * d)
        mean = d_sum / k
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(k > 1, (k * d_sq - d_sum * d_sum) / (k * (k - 1.0)), 0.0)
        p2s = mean + 2.0 * np.sqrt(np.maximum(var, 0.0))
        active = n > self.warm_start
        p2s = np.where(active, p2s, -np.inf)
        previous = np.maximum.accumulate(np.r_[self._max, p2s])[:-1]
        judged = active & (p2s <= previous) & (k > self.warm_start)
        level = p2s / np.where(judged, previous, 1.0)
        drift = judged & (level < self.beta)
        stop = int(np.argmax(drift)) if drift.any() else n.size - 1
        settles = judged[: stop + 1] & ~drift[: stop + 1]
        at = last_true_index(settles)
        if at[-1] >= 0:
            self._warning = bool(level[at[-1]] < self.alpha)
        self._n_errors = int(k[stop])
        self._d_sum, self._d_sq = float(d_sum[stop]), float(d_sq[stop])
        self._max = float(max(previous[stop], p2s[stop]))
        self._last_error = int(n[stop])
        if drift[stop]:
            self._n = int(n[stop])
            self._drift = True
            return int(where[stop])
        self._n += x.size
        return -1

"""The Page-Hinkley test (Page, 1954), as River 0.26.1 runs it."""

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
    sequential_cumsum,
)

__all__ = ["PageHinkley"]

_MODES = ("up", "down", "both")


def _faded_sum(start: float, inputs: FloatArray, alpha: float) -> FloatArray:
    """``s = alpha * s + u`` for each ``u``, with exactly the roundings of a Python loop."""
    if inputs.size < 48:
        out = np.empty(inputs.size)
        for i in range(inputs.size):
            out[i] = start = alpha * start + float(inputs[i])
        return out
    from scipy.signal import lfilter

    result: FloatArray = lfilter([1.0], [1.0, -alpha], inputs, zi=[alpha * start])[0]
    return result


def check_mode(owner: str, mode: object) -> str:
    """Validate a ``mode`` parameter: ``"up"``, ``"down"`` or ``"both"``."""
    if mode not in _MODES:
        raise bad_parameter(owner, "mode", 'one of "up", "down" or "both"', mode)
    return str(mode)


class PageHinkley(StreamDetectorBase):
    r"""Page-Hinkley test: cumulative, slowly faded deviations from the running mean.

    With :math:`\bar x_t` the running mean (including :math:`x_t`),
    :math:`U_t = \alpha U_{t-1} + (x_t - \bar x_t - \delta)` and
    :math:`L_t = \alpha L_{t-1} + (x_t - \bar x_t + \delta)`, drift is signalled after
    ``min_instances`` values when :math:`U_t - \min U > \lambda` (an increase) or
    :math:`\max L - L_t > \lambda` (a decrease), as ``mode`` says.

    Parameters
    ----------
    min_instances
        Values to see before drift can be signalled (River's default 30).
    delta
        :math:`\delta`, the magnitude of change tolerated (0.005).
    threshold
        :math:`\lambda`, the detection threshold (50.0).
    alpha
        :math:`\alpha`, the forgetting factor (1 - 0.0001).
    mode
        ``"up"``, ``"down"`` or ``"both"`` (the default).

    Notes
    -----
    Signals the same positions as ``river.drift.PageHinkley``; the running mean is a sum
    divided by a count. Page-Hinkley signals no warnings.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)]
    >>> [int(p) for p in PageHinkley().update_many(stream)]
    [1024, 1922]
    """

    __slots__ = (
        "_max_decrease",
        "_min_increase",
        "_n",
        "_sum",
        "_sum_decrease",
        "_sum_increase",
        "alpha",
        "delta",
        "min_instances",
        "mode",
        "threshold",
    )
    _PARAMS = ("min_instances", "delta", "threshold", "alpha", "mode")
    _STATE = ("_n", "_sum", "_sum_increase", "_sum_decrease", "_min_increase", "_max_decrease")

    def __init__(
        self,
        *,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        owner = "PageHinkley"
        self.min_instances = check_int(owner, "min_instances", min_instances)
        self.delta = check_real(owner, "delta", delta, low=0.0)
        self.threshold = check_real(owner, "threshold", threshold, low=0.0, low_open=True)
        self.alpha = check_real(owner, "alpha", alpha, low=0.0, high=1.0)
        self.mode = check_mode(owner, mode)
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._sum = 0.0
        self._sum_increase = 0.0
        self._sum_decrease = 0.0
        self._min_increase = math.inf
        self._max_decrease = -1.0

    def update(self, x: float, /) -> Self:
        """Feed one value; return ``self``.

        Examples
        --------
        >>> PageHinkley().update(0.5).drift_detected
        False
        """
        # Preamble inline on purpose (hot path): see StreamDetectorBase.update.
        try:
            ok = math.isfinite(x)
        except TypeError:
            ok = False
        if not ok:
            raise self._bad_value(x)
        if self._drift:
            self._reset_state()
        self._n_seen += 1
        x = float(x)
        n = self._n = self._n + 1
        self._sum += x
        dev = x - self._sum / n
        up = self._sum_increase = self.alpha * self._sum_increase + (dev - self.delta)
        down = self._sum_decrease = self.alpha * self._sum_decrease + (dev + self.delta)
        if up < self._min_increase:
            self._min_increase = up
        if down > self._max_decrease:
            self._max_decrease = down
        if n >= self.min_instances:
            rise = up - self._min_increase > self.threshold
            fall = self._max_decrease - down > self.threshold
            mode = self.mode
            self._drift = (rise or fall) if mode == "both" else (rise if mode == "up" else fall)
        return self

    def _process_block(self, x: FloatArray) -> int:
        n = self._n + np.arange(1, x.size + 1, dtype=np.float64)
        total = sequential_cumsum(self._sum, x)
        dev = x - total / n
        up = _faded_sum(self._sum_increase, dev - self.delta, self.alpha)
        down = _faded_sum(self._sum_decrease, dev + self.delta, self.alpha)
        low = np.minimum.accumulate(np.r_[self._min_increase, up])[1:]
        high = np.maximum.accumulate(np.r_[self._max_decrease, down])[1:]
        rise = up - low > self.threshold
        fall = high - down > self.threshold
        drift = {"both": rise | fall, "up": rise, "down": fall}[self.mode]
        drift &= n >= self.min_instances
        k = int(np.argmax(drift)) if drift.any() else x.size - 1
        self._n, self._sum = int(n[k]), float(total[k])
        self._sum_increase, self._sum_decrease = float(up[k]), float(down[k])
        self._min_increase, self._max_decrease = float(low[k]), float(high[k])
        self._drift = bool(drift[k])
        return k if self._drift else -1

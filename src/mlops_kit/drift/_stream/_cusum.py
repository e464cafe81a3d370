"""CUSUM, the two-sided tabular cumulative-sum chart (Page, 1954) on deviations from the mean."""

from __future__ import annotations

import math

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    StreamDetectorBase,
    check_int,
    check_real,
    sequential_cumsum,
)
from mlops_kit.drift._stream._page_hinkley import check_mode

__all__ = ["CUSUM"]


class CUSUM(StreamDetectorBase):
    r"""Tabular CUSUM on deviations from the running mean.

    With :math:`d_t = x_t - \bar x_t` (the running mean includes :math:`x_t`), the upper and
    lower statistics are :math:`G^+_t = \max(0, G^+_{t-1} + d_t - \delta)` and
    :math:`G^-_t = \max(0, G^-_{t-1} - d_t - \delta)`; drift is signalled after
    ``min_instances`` values when :math:`G^+_t > \lambda` (an increase) or
    :math:`G^-_t > \lambda` (a decrease), as ``mode`` says. The detector then restarts on the
    next update, as every River detector does.

    Parameters
    ----------
    min_instances
        Values to see before drift can be signalled (30, as Page-Hinkley's).
    delta
        :math:`\delta`, the slack per value (0.005).
    threshold
        :math:`\lambda`, the decision threshold (50.0).
    mode
        ``"up"``, ``"down"`` or ``"both"`` (the default).

    Notes
    -----
    River 0.26.1 has no CUSUM class (its Page-Hinkley is a faded CUSUM), so its defaults
    mirror :class:`PageHinkley`'s and its golden vectors are hand-computed. :math:`G^+` is kept
    as :math:`S_t - \min(0, S_1, \dots, S_t)` with :math:`S_t = \sum_{i \le t} (d_i - \delta)`,
    which equals the recursion and makes ``update`` and ``update_many`` round identically.
    CUSUM signals no warnings.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)]
    >>> [int(p) for p in CUSUM().update_many(stream)]
    [1024, 1922]
    """

    __slots__ = (
        "_high",
        "_low",
        "_n",
        "_s_down",
        "_s_up",
        "_sum",
        "delta",
        "min_instances",
        "mode",
        "threshold",
    )
    _PARAMS = ("min_instances", "delta", "threshold", "mode")
    _STATE = ("_n", "_sum", "_s_up", "_low", "_s_down", "_high")

    def __init__(
        self,
        *,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        mode: str = "both",
    ) -> None:
        self.min_instances = check_int("CUSUM", "min_instances", min_instances)
        self.delta = check_real("CUSUM", "delta", delta, low=0.0)
        self.threshold = check_real("CUSUM", "threshold", threshold, low=0.0, low_open=True)
        self.mode = check_mode("CUSUM", mode)
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._sum = 0.0
        self._s_up = self._low = 0.0
        self._s_down = self._high = 0.0

    @property
    def statistics(self) -> tuple[float, float]:
        """:math:`(G^+, G^-)` after the last update.

        Examples
        --------
        >>> detector = CUSUM(delta=0.0).update(0.0).update(2.0)
        >>> detector.statistics
        (1.0, 0.0)
        """
        return self._s_up - self._low, self._high - self._s_down

    def update(self, x: float, /) -> Self:
        """Feed one value; return ``self``.

        Examples
        --------
        >>> CUSUM().update(0.5).drift_detected
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
        up = self._s_up = self._s_up + (dev - self.delta)
        down = self._s_down = self._s_down + (dev + self.delta)
        if up < self._low:
            self._low = up
        if down > self._high:
            self._high = down
        if n >= self.min_instances:
            rise = up - self._low > self.threshold
            fall = self._high - down > self.threshold
            mode = self.mode
            self._drift = (rise or fall) if mode == "both" else (rise if mode == "up" else fall)
        return self

    def _process_block(self, x: FloatArray) -> int:
        n = self._n + np.arange(1, x.size + 1, dtype=np.float64)
        total = sequential_cumsum(self._sum, x)
        dev = x - total / n
        up = sequential_cumsum(self._s_up, dev - self.delta)
        down = sequential_cumsum(self._s_down, dev + self.delta)
        low = np.minimum.accumulate(np.r_[self._low, up])[1:]
        high = np.maximum.accumulate(np.r_[self._high, down])[1:]
        rise = up - low > self.threshold
        fall = high - down > self.threshold
        drift = {"both": rise | fall, "up": rise, "down": fall}[self.mode]
        drift &= n >= self.min_instances
        k = int(np.argmax(drift)) if drift.any() else x.size - 1
        self._n, self._sum = int(n[k]), float(total[k])
        self._s_up, self._s_down = float(up[k]), float(down[k])
        self._low, self._high = float(low[k]), float(high[k])
        self._drift = bool(drift[k])
        return k if self._drift else -1

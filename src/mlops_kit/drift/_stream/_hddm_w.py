"""HDDM_W, the Hoeffding drift detector with the weighted-average test (Frías-Blanco et al.)."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    StreamDetectorBase,
    check_bool,
    check_real,
    last_true_index,
)

__all__ = ["HDDM_W"]


@functools.lru_cache(maxsize=32)
def _ibc_table(lam: float) -> FloatArray:
    """The independent bound condition after k updates, k = 0, 1, ... up to its fixed point."""
    values = [1.0]
    lam_sq, c_sq = lam * lam, (1 - lam) ** 2
    while len(values) < 1_000_000:
        following = lam_sq + c_sq * values[-1]
        if following == values[-1]:
            break
        values.append(following)
    table = np.asarray(values)
    table.setflags(write=False)
    return table


def _ewma_segment(x: FloatArray, lam: float, previous: float | None) -> FloatArray:
    """River's EWMean over ``x``: the first value seeds it unless ``previous`` is given."""
    c = 1 - lam
    out = np.empty(x.size)
    if previous is None:
        out[0] = previous = float(x[0])
        start = 1
    else:
        start = 0
    if x.size - start < 48:
        for i in range(start, x.size):
            out[i] = previous = lam * float(x[i]) + c * previous
    else:
        from scipy.signal import lfilter

        out[start:] = lfilter([lam], [1.0, -c], x[start:], zi=[c * previous])[0]
    return out


class HDDM_W(StreamDetectorBase):
    r"""Hoeffding's-bound drift detection on exponentially weighted averages (the W-test).

    HDDM_W tracks an EWMA of everything seen and, from the cut point where the EWMA plus its
    McDiarmid bound was smallest, a second EWMA of what came after; drift (warning) is
    signalled when the second exceeds the first by more than the bound at ``drift_confidence``
    (``warning_confidence``). With ``two_sided_test`` decreases are watched too.

    Parameters
    ----------
    drift_confidence
        Confidence of the drift test (River's default 0.001).
    warning_confidence
        Confidence of the warning test (0.005).
    lambda_val
        Weight of the newest value in the EWMAs (0.05).
    two_sided_test
        Also signal decreases (False).

    Notes
    -----
    Input: floats in [0, 1], typically 1 for an error and 0 otherwise. Signals the same
    positions as ``river.drift.binary.HDDMW``, whose EWMA starts at the first value.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> errors = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4]
    >>> [int(p) for p in HDDM_W().update_many(errors)]
    [1053]
    """

    __slots__ = (
        "_decr_cut",
        "_ewma",
        "_ibc",
        "_incr_cut",
        "_log_drift",
        "_log_warning",
        "_n",
        "_s1d_ewma",
        "_s1d_n",
        "_s1i_ewma",
        "_s1i_n",
        "_s2d_ewma",
        "_s2d_n",
        "_s2i_ewma",
        "_s2i_n",
        "drift_confidence",
        "lambda_val",
        "two_sided_test",
        "warning_confidence",
    )
    _PARAMS = ("drift_confidence", "warning_confidence", "lambda_val", "two_sided_test")
    _STATE = (
        "_n", "_ewma", "_incr_cut", "_s1i_ewma", "_s1i_n", "_s2i_ewma", "_s2i_n",
        "_decr_cut", "_s1d_ewma", "_s1d_n", "_s2d_ewma", "_s2d_n",
    )  # fmt: skip
    _INPUT = "unit"

    def __init__(
        self,
        *,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        lambda_val: float = 0.05,
        two_sided_test: bool = False,
    ) -> None:
        owner = "HDDM_W"
        unit: dict[str, Any] = {"low": 0.0, "high": 1.0, "low_open": True, "high_open": True}
        self.drift_confidence = check_real(owner, "drift_confidence", drift_confidence, **unit)
        self.warning_confidence = check_real(
            owner, "warning_confidence", warning_confidence, **unit
        )
        self.lambda_val = check_real(owner, "lambda_val", lambda_val, **unit)
        self.two_sided_test = check_bool(owner, "two_sided_test", two_sided_test)
        self._log_drift = math.log(1 / self.drift_confidence)
        self._log_warning = math.log(1 / self.warning_confidence)
        self._ibc = _ibc_table(self.lambda_val)
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._ewma = 0.0
        self._incr_cut = math.inf
        self._decr_cut = -math.inf
        self._s1i_ewma = self._s2i_ewma = self._s1d_ewma = self._s2d_ewma = 0.0
        self._s1i_n = self._s2i_n = self._s1d_n = self._s2d_n = 0

    def _ibc_of(self, k: int) -> float:
        table = self._ibc
        return float(table[k if k < table.size else -1])

    def update(self, x: float, /) -> Self:
        """Feed one value in [0, 1]; return ``self``.

        Examples
        --------
        >>> HDDM_W().update(0.0).warning_detected
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
        x = float(x)
        lam, c = self.lambda_val, 1 - self.lambda_val
        n = self._n = self._n + 1
        ewma = self._ewma = x if n == 1 else lam * x + c * self._ewma
        eps = math.sqrt(self._ibc_of(n) * self._log_drift / 2)
        drift = warning = False
        if ewma + eps < self._incr_cut:
            self._incr_cut = ewma + eps
            self._s1i_ewma, self._s1i_n, self._s2i_n = ewma, n, 0
        else:
            k = self._s2i_n = self._s2i_n + 1
            self._s2i_ewma = x if k == 1 else lam * x + c * self._s2i_ewma
        if self._s2i_n > 0:
            ibc = self._ibc_of(self._s1i_n) + self._ibc_of(self._s2i_n)
            diff = self._s2i_ewma - self._s1i_ewma
            if diff > math.sqrt(ibc * self._log_drift / 2):
                drift = True
            elif diff > math.sqrt(ibc * self._log_warning / 2):
                warning = True
        if ewma - eps > self._decr_cut:
            self._decr_cut = ewma - eps
            self._s1d_ewma, self._s1d_n, self._s2d_n = ewma, n, 0
        else:
            k = self._s2d_n = self._s2d_n + 1
            self._s2d_ewma = x if k == 1 else lam * x + c * self._s2d_ewma
        if self.two_sided_test and self._s2d_n > 0:
            ibc = self._ibc_of(self._s2d_n) + self._ibc_of(self._s1d_n)
            diff = self._s1d_ewma - self._s2d_ewma
            if diff > math.sqrt(ibc * self._log_drift / 2):
                drift = True
            elif diff > math.sqrt(ibc * self._log_warning / 2):
                warning = True
        self._drift, self._warning = drift, warning
        return self

    def _side(
        self, x: FloatArray, n: Any, ewma: FloatArray, key: FloatArray, lower: bool
    ) -> dict[str, Any]:
        """The cut point and the EWMA after it, for every value of the block."""
        tag = "i" if lower else "d"
        cut0 = self._incr_cut if lower else self._decr_cut
        s1e0, s1n0 = getattr(self, f"_s1{tag}_ewma"), getattr(self, f"_s1{tag}_n")
        s2e0, s2n0 = getattr(self, f"_s2{tag}_ewma"), getattr(self, f"_s2{tag}_n")
        acc = np.minimum.accumulate if lower else np.maximum.accumulate
        previous = acc(np.r_[cut0, key])[:-1]
        cut = key < previous if lower else key > previous
        at = last_true_index(cut)
        known = at >= 0
        index = np.arange(x.size)
        s2n = np.where(known, index - at, s2n0 + index + 1)
        s2e = np.zeros(x.size)
        edges = [-1, *np.flatnonzero(cut).tolist(), x.size]
        for i in range(len(edges) - 1):
            a, b = edges[i] + 1, edges[i + 1]
            if a < b:
                seed = s2e0 if (i == 0 and s2n0 > 0) else None
                s2e[a:b] = _ewma_segment(x[a:b], self.lambda_val, seed)
        return {
            "cut": np.where(cut, key, previous),
            "s1e": np.where(known, ewma[at], s1e0),
            "s1n": np.where(known, n[at], s1n0).astype(np.intp),
            "s2e": s2e,
            "s2n": s2n.astype(np.intp),
        }

    def _test(self, side: dict[str, Any], lower: bool) -> tuple[Any, Any]:
        table = self._ibc
        last = table.size - 1
        ibc = table[np.minimum(side["s1n"], last)] + table[np.minimum(side["s2n"], last)]
        diff = side["s2e"] - side["s1e"] if lower else side["s1e"] - side["s2e"]
        open_ = side["s2n"] > 0
        drift = open_ & (diff > np.sqrt(ibc * self._log_drift / 2))
        warning = open_ & ~drift & (diff > np.sqrt(ibc * self._log_warning / 2))
        return drift, warning

    def _process_block(self, x: FloatArray) -> int:
        warm = min(x.size, self._ibc.size - self._n)
        if warm > 0:  # while the bounds still shrink, cut points move almost every value
            for i in range(warm):
                self._n_seen -= 1  # update() counts; update_many counts once at the end
                self.update(float(x[i]))
                if self._drift:
                    return i
            if warm == x.size:
                return -1
            rest = self._process_block(x[warm:])
            return -1 if rest < 0 else warm + rest
        lam = self.lambda_val
        n = self._n + np.arange(1, x.size + 1)
        ewma = _ewma_segment(x, lam, self._ewma if self._n > 0 else None)
        table = self._ibc
        eps = np.sqrt(table[np.minimum(n, table.size - 1)] * self._log_drift / 2)
        up = self._side(x, n, ewma, ewma + eps, True)
        drift, warning = self._test(up, True)
        down = self._side(x, n, ewma, ewma - eps, False)
        if self.two_sided_test:
            d_drift, d_warning = self._test(down, False)
            warning = warning | d_warning  # _test's warning already excludes drift
            drift = drift | d_drift
        k = int(np.argmax(drift)) if drift.any() else x.size - 1
        self._n, self._ewma = int(n[k]), float(ewma[k])
        for tag, side in (("i", up), ("d", down)):
            setattr(self, "_incr_cut" if tag == "i" else "_decr_cut", float(side["cut"][k]))
            setattr(self, f"_s1{tag}_ewma", float(side["s1e"][k]))
            setattr(self, f"_s1{tag}_n", int(side["s1n"][k]))
            setattr(self, f"_s2{tag}_ewma", float(side["s2e"][k]))
            setattr(self, f"_s2{tag}_n", int(side["s2n"][k]))
        self._drift, self._warning = bool(drift[k]), bool(warning[k])
        return k if self._drift else -1

    def _after_load(self, state: Mapping[str, Any]) -> None:
        self._ibc = _ibc_table(self.lambda_val)

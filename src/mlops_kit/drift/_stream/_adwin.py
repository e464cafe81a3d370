"""ADWIN, adaptive windowing (Bifet & Gavaldà, 2007), with River 0.26.1's exact arithmetic."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    IntArray,
    StreamDetectorBase,
    check_int,
    check_real,
    sequential_cumsum,
)

__all__ = ["ADWIN"]


def _merges(received: Any, cap: int) -> Any:
    """How many merges a bucket row made after receiving ``received`` entries (cap = B + 1)."""
    return np.where(received < cap, 0, (received - cap) // 2 + 1)


class ADWIN(StreamDetectorBase):
    r"""Adaptive windowing: drop the oldest part of the window when its mean differs.

    ADWIN keeps a window of recent values compressed into exponential buckets (at most
    ``max_buckets`` per size). Every ``clock`` values it tries every bucket boundary as a cut
    into an older part :math:`W_0` and a newer part :math:`W_1`, and signals drift when
    :math:`|\hat\mu_{W_0} - \hat\mu_{W_1}| > \epsilon_{cut}` (a Bernstein-type bound at
    ``delta``), dropping old buckets until no cut holds.

    Parameters
    ----------
    delta
        Significance of the test (River's default 0.002).
    clock
        Check for change every ``clock`` values (32).
    max_buckets
        Buckets of each size kept before two are merged (5).
    min_window_length
        Smallest size of :math:`W_0` and :math:`W_1` tested (5).
    grace_period
        Values to see before the first check (10).

    Notes
    -----
    Every sum, variance and bound is computed in the same order as River's implementation, so
    drift is signalled at the same positions. ``update_many`` rebuilds the buckets of many
    checks at once with numpy (between detections the bucket layout depends only on the
    number of values seen) and evaluates every cut of every check in one pass.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(12345)
    >>> stream = np.r_[rng.integers(0, 2, 1000), rng.integers(4, 8, 1000)]
    >>> adwin = ADWIN()
    >>> [int(p) for p in adwin.update_many(stream)]
    [1023]
    >>> ADWIN().update(1.0).update(3.0).width
    2.0
    """

    __slots__ = (
        "_n_detections",
        "_rows_t",
        "_rows_v",
        "_tick",
        "_total",
        "_variance",
        "_width",
        "clock",
        "delta",
        "grace_period",
        "max_buckets",
        "min_window_length",
    )
    _PARAMS = ("delta", "clock", "max_buckets", "min_window_length", "grace_period")
    _STATE = ("_tick", "_width", "_total", "_variance", "_n_detections", "_rows_t", "_rows_v")
    _FIRST_BLOCK = 1024
    _MAX_BLOCK = 1 << 14

    def __init__(
        self,
        *,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        owner = "ADWIN"
        self.delta = check_real(owner, "delta", delta, low=0.0, high=1.0, low_open=True)
        self.clock = check_int(owner, "clock", clock, low=1)
        self.max_buckets = check_int(owner, "max_buckets", max_buckets, low=2)
        self.min_window_length = check_int(owner, "min_window_length", min_window_length, low=1)
        self.grace_period = check_int(owner, "grace_period", grace_period)
        self._n_seen = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._tick = 0
        self._width = 0.0
        self._total = 0.0
        self._variance = 0.0
        self._n_detections = 0
        self._rows_t: list[list[float]] = [[]]
        self._rows_v: list[list[float]] = [[]]

    # -- River's read-outs --------------------------------------------------------------------
    @property
    def width(self) -> float:
        """The number of values in the window."""
        return self._width

    @property
    def total(self) -> float:
        """The sum of the values in the window."""
        return self._total

    @property
    def variance(self) -> float:
        """The window's sum of squared deviations from its mean (River's ``variance``)."""
        return self._variance

    @property
    def estimation(self) -> float:
        """The mean of the window (0 when it is empty).

        Examples
        --------
        >>> ADWIN().update(1.0).update(3.0).estimation
        2.0
        """
        return self._total / self._width if self._width else 0.0

    @property
    def n_detections(self) -> int:
        """Detections since the last reset (River resets after each, so 0 or 1)."""
        return self._n_detections

    # -- the scalar path ----------------------------------------------------------------------
    def update(self, x: float, /) -> Self:
        """Feed one value; return ``self``.

        Examples
        --------
        >>> ADWIN().update(0.5).drift_detected
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
        value = float(x)
        rows_t, rows_v = self._rows_t, self._rows_v
        row = rows_t[0]
        row.append(value)
        rows_v[0].append(0.0)
        width = self._width = self._width + 1.0
        if width > 1.0:
            dv = value - self._total / (width - 1.0)
            self._variance += (width - 1.0) * dv * dv / width
        else:
            self._variance += 0.0
        self._total += value
        tick = self._tick = self._tick + 1
        if tick % self.clock == 0:
            self._settle()
            if width > self.grace_period:
                self._drift = self._detect()
        elif len(row) > 64:
            self._settle()
        return self

    def _settle(self) -> None:
        """Merge full bucket rows into the next, as River does after every insertion.

        ``update`` appends to the first row and merges lazily (before a check, or every 64
        values): merging always takes the two oldest buckets of a row, so merging k pairs at
        once leaves exactly the rows that k merges one insertion at a time leave.
        """
        rows_t, rows_v, cap = self._rows_t, self._rows_v, self.max_buckets + 1
        idx = 0
        while len(rows_t[idx]) >= cap:
            row_t, row_v = rows_t[idx], rows_v[idx]
            pairs = 2 * ((len(row_t) - cap) // 2 + 1)
            n1 = float(1 << idx)
            merged_t = [t0 + t1 for t0, t1 in zip(row_t[0:pairs:2], row_t[1:pairs:2])]
            merged_v = [
                v0 + v1 + n1 * 0.5 * (t0 / n1 - t1 / n1) * (t0 / n1 - t1 / n1)
                for t0, t1, v0, v1 in zip(
                    row_t[0:pairs:2], row_t[1:pairs:2], row_v[0:pairs:2], row_v[1:pairs:2]
                )
            ]
            del row_t[:pairs], row_v[:pairs]
            if idx + 1 == len(rows_t):
                rows_t.append([])
                rows_v.append([])
            rows_t[idx + 1].extend(merged_t)
            rows_v[idx + 1].extend(merged_v)
            idx += 1

    def to_dict(self) -> dict[str, Any]:
        """The parameters and the full state (buckets included), as strict JSON data.

        Examples
        --------
        >>> ADWIN().update(2.0).to_dict()["state"]["_rows_t"]
        [[2.0]]
        """
        self._settle()
        return super().to_dict()

    def _first_cut(self) -> bool:
        """Scan the cuts as River does; drop the oldest bucket at the first that holds."""
        mwl, width, rows_t = self.min_window_length, self._width, self._rows_t
        prime = math.log(2.0 * math.log(width) / self.delta)
        spread = self._variance / width
        n0, n1, u0, u1 = 0.0, width, 0.0, self._total
        sqrt, third = math.sqrt, 2.0 / 3.0 * prime
        for idx in range(len(rows_t) - 1, -1, -1):
            size = float(1 << idx)
            row = rows_t[idx]
            for t in row if idx else row[:-1]:  # River stops before the newest bucket
                n0 += size
                n1 -= size
                u0 += t
                u1 -= t
                if n1 >= mwl and n0 >= mwl:
                    m = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0)
                    if abs(u0 / n0 - u1 / n1) > sqrt(2.0 * m * spread * prime) + third * m:
                        self._delete_oldest()
                        return True
        return False  # pragma: no cover - row 0 always holds the newest value

    def _delete_oldest(self) -> None:
        last = len(self._rows_t) - 1
        n = float(1 << last)
        u, v = self._rows_t[last].pop(0), self._rows_v[last].pop(0)
        mu = u / n
        self._width -= n
        self._total -= u
        width = self._width
        mu_window = self._total / width if width else math.nan
        self._variance -= v + n * width * (mu - mu_window) * (mu - mu_window) / (n + width)
        if not self._rows_t[last]:
            self._rows_t.pop()
            self._rows_v.pop()

    def _detect(self) -> bool:
        change = False
        while self._first_cut():
            change = True
        if change:
            self._n_detections += 1
        return change

    # -- the vectorized path ------------------------------------------------------------------
    def _layout(self, counts: IntArray, depth: int) -> tuple[list[IntArray], list[IntArray]]:
        """For each row, the first present bucket index and one past the last, per count."""
        cap = self.max_buckets + 1
        received = counts.astype(np.int64)
        starts, stops = [], []
        for _ in range(depth):
            merged = _merges(received, cap)
            starts.append(2 * merged)
            stops.append(received)
            received = merged
        return starts, stops

    def _layout_of(self, n: int) -> tuple[list[int], list[int]]:
        """:meth:`_layout` of one count, in plain ints, for every row that exists."""
        cap = self.max_buckets + 1
        starts, stops = [], []
        received = n
        while True:
            merged = 0 if received < cap else (received - cap) // 2 + 1
            starts.append(2 * merged)
            stops.append(received)
            if merged == 0:
                return starts, stops
            received = merged

    def _is_regular(self) -> bool:
        """Whether the buckets are what ``_tick`` values give without deletions."""
        n = self._tick
        if self._width != n or n >= 2**52:
            return False
        starts, stops = self._layout_of(n)
        expected = [b - a for a, b in zip(starts, stops)] + [0]
        rows = len(self._rows_t)
        return expected[:rows] == [len(r) for r in self._rows_t] and (
            rows == 1 or (expected[rows - 1] > 0 and expected[rows] == 0)
        )

    def _process_block(self, x: FloatArray) -> int:
        self._settle()
        if not self._is_regular():
            for i in range(x.size):
                self._n_seen -= 1  # update() counts; update_many counts once at the end
                self.update(float(x[i]))
                if self._drift:
                    return i
            return -1
        n0, m, clock = self._tick, x.size, self.clock
        counts = n0 + np.arange(1, m + 1)
        widths = counts.astype(np.float64)
        totals = sequential_cumsum(self._total, x)
        before = np.r_[self._total, totals[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            dv = x - before / (widths - 1.0)
            inc = np.where(widths > 1.0, (widths - 1.0) * dv * dv / widths, 0.0)
        variances = sequential_cumsum(self._variance, inc)
        checks = np.flatnonzero((counts % clock == 0) & (counts > self.grace_period))
        depth = len(self._layout_of(int(counts[-1]))[0])
        levels = self._levels(x, n0, int(counts[-1]), depth)
        hit = self._scan(levels, counts[checks], widths[checks], totals[checks],
                         variances[checks], n0, depth)  # fmt: skip
        j = int(checks[hit]) if hit >= 0 else m - 1
        self._restore(levels, n0, int(counts[j]), depth)
        self._tick, self._width = int(counts[j]), float(widths[j])
        self._total, self._variance = float(totals[j]), float(variances[j])
        if hit < 0:
            return -1
        self._drift = self._detect()
        if self._drift or j + 1 == m:  # the scalar scan confirms what the vectorized one found
            return j if self._drift else -1
        rest = self._process_block(x[j + 1 :])  # pragma: no cover - never seen: they agree
        return -1 if rest < 0 else j + 1 + rest  # pragma: no cover

    def _levels(self, x: FloatArray, n0: int, n_end: int, depth: int) -> list[FloatArray]:
        """Per row, the totals and variances of every bucket present at some point of the block."""
        starts0 = self._layout_of(n0)[0] + [0] * depth
        starts1 = self._layout_of(n_end)[0] + [0] * depth
        levels: list[FloatArray] = []
        new_t, new_v = x, np.zeros(x.size)
        for r in range(depth):
            held_t = self._rows_t[r] if r < len(self._rows_t) else []
            held_v = self._rows_v[r] if r < len(self._rows_v) else []
            t = np.concatenate([np.asarray(held_t, dtype=np.float64), new_t])
            v = np.concatenate([np.asarray(held_v, dtype=np.float64), new_v])
            levels.append(np.stack([t, v]))
            pairs = (starts1[r] - starts0[r]) // 2
            t0, t1 = t[0 : 2 * pairs : 2], t[1 : 2 * pairs : 2]
            v0, v1 = v[0 : 2 * pairs : 2], v[1 : 2 * pairs : 2]
            n1 = float(1 << r)
            mu1, mu2 = t0 / n1, t1 / n1
            new_t, new_v = t0 + t1, v0 + v1 + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)
        return levels

    def _restore(self, levels: list[FloatArray], n0: int, n: int, depth: int) -> None:
        """Set the bucket rows to those present after ``n`` values."""
        offsets = self._layout_of(n0)[0] + [0] * depth
        starts, stops = self._layout_of(n)
        rows_t, rows_v = [], []
        for r in range(len(starts)):
            a, b = starts[r] - offsets[r], stops[r] - offsets[r]
            rows_t.append(levels[r][0, a:b].tolist())
            rows_v.append(levels[r][1, a:b].tolist())
        self._rows_t, self._rows_v = rows_t, rows_v

    def _scan(
        self,
        levels: list[FloatArray],
        counts: IntArray,
        widths: FloatArray,
        totals: FloatArray,
        variances: FloatArray,
        n0: int,
        depth: int,
    ) -> int:
        """Evaluate every cut of every check at once; return the first check with drift or -1."""
        if counts.size == 0:
            return -1
        cap, mwl = self.max_buckets, float(self.min_window_length)
        offsets = self._layout_of(n0)[0] + [0] * depth
        starts, stops = self._layout(counts, depth)
        slots = np.arange(cap)
        t_cols, n_cols, valid_cols = [], [], []
        for r in range(depth - 1, -1, -1):  # the oldest (largest) buckets first
            present = (stops[r] - starts[r])[:, None]
            valid = slots[None, :] < present
            where = np.where(valid, starts[r][:, None] + slots[None, :] - offsets[r], 0)
            level = levels[r][0] if levels[r].shape[1] else np.zeros(1)
            t = np.where(valid, level[np.minimum(where, level.size - 1)], 0.0)
            t_cols.append(t)
            n_cols.append(np.where(valid, float(1 << r), 0.0))
            valid_cols.append(valid)
        t = np.concatenate(t_cols, axis=1)
        sizes = np.concatenate(n_cols, axis=1)
        valid = np.concatenate(valid_cols, axis=1)
        last_row0 = (stops[0] - starts[0] - 1)[:, None]  # River stops before the newest bucket
        valid[:, -cap:] &= slots[None, :] != last_row0
        n0s = np.cumsum(sizes, axis=1)  # whole numbers: exact in any order
        n1s = widths[:, None] - n0s
        valid &= (n1s >= mwl) & (n0s >= mwl)
        u0 = np.cumsum(t, axis=1)  # sequential, as River adds
        u1 = np.cumsum(np.concatenate([totals[:, None], -t], axis=1), axis=1)[:, 1:]
        chosen = np.flatnonzero(valid)
        row = chosen // valid.shape[1]
        n0c, n1c = n0s.ravel()[chosen], n1s.ravel()[chosen]
        gap = np.abs(u0.ravel()[chosen] / n0c - u1.ravel()[chosen] / n1c)
        prime = np.array([math.log(2.0 * math.log(w) / self.delta) for w in widths.tolist()])
        spread = variances / widths
        m = 1.0 / (n0c - mwl + 1.0) + 1.0 / (n1c - mwl + 1.0)
        p = prime[row]
        eps = np.sqrt(2.0 * m * spread[row] * p) + 2.0 / 3.0 * p * m
        cut = gap > eps
        return int(row[np.argmax(cut)]) if cut.any() else -1

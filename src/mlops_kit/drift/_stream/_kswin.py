"""KSWIN, the Kolmogorov-Smirnov windowing detector (Raab et al., 2020), as River 0.26.1 runs it."""

from __future__ import annotations

import collections
import functools
import math
import random
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from typing_extensions import Self

from mlops_kit.drift._stream._base import (
    FloatArray,
    IntArray,
    StreamDetectorBase,
    bad_parameter,
    check_int,
    check_real,
)

__all__ = ["KSWIN"]


@functools.lru_cache(maxsize=4096)
def _ks_p_value(n: int, h: int) -> float:
    """scipy's two-sided ``ks_2samp`` p-value for two samples of size n at statistic h / n."""
    from scipy.stats import ks_2samp

    if h == 0:
        return 1.0
    base = np.arange(n, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return float(ks_2samp(base, base + h, method="auto").pvalue)


def _ks_h(sample: list[float], recent: list[float]) -> int:
    """n times the two-sample KS statistic of two samples of the same size n (an integer)."""
    a, b = sorted(sample), sorted(recent)
    n = len(a)
    i = j = best = 0
    while i < n and j < n:
        v = a[i] if a[i] < b[j] else b[j]
        while i < n and a[i] <= v:
            i += 1
        while j < n and b[j] <= v:
            j += 1
        d = i - j if i > j else j - i
        if d > best:
            best = d
    return best


def _ks_h_rows(sample: FloatArray, recent: FloatArray) -> IntArray:
    """:func:`_ks_h` for every row of two (rows, n) arrays."""
    n = sample.shape[1]
    values = np.concatenate([sample, recent], axis=1)
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    steps = np.where(order < n, 1, -1)
    walk = np.cumsum(steps, axis=1)
    last_of_tie = np.ones(ordered.shape, dtype=bool)
    last_of_tie[:, :-1] = ordered[:, 1:] != ordered[:, :-1]
    h: IntArray = np.max(np.where(last_of_tie, np.abs(walk), 0), axis=1).astype(np.intp)
    return h


class KSWIN(StreamDetectorBase):
    r"""Kolmogorov-Smirnov windowing: compare the newest values with a random draw of older ones.

    KSWIN keeps the last ``window_size`` values; once the window is full, every update draws
    ``stat_size`` values at random from its first ``window_size - stat_size`` and compares them
    with the ``stat_size`` newest by a two-sample KS test (scipy's ``ks_2samp``, method
    ``"auto"``). Drift is signalled when the p-value is at most ``alpha`` and the statistic
    exceeds 0.1; the window then keeps only its newest ``stat_size`` values.

    Parameters
    ----------
    alpha
        Level of the KS test (River's default 0.005).
    window_size
        Size of the sliding window (100).
    stat_size
        Size of the two samples compared (30).
    random_state
        An int seed (River's ``seed``: the same seed gives River's positions), a
        :class:`numpy.random.Generator` (one seed is drawn from it) or ``None`` (fresh entropy
        at every reset, as River does).
    window
        Values already collected, to avoid a cold start.

    Notes
    -----
    The random draws use Python's :class:`random.Random` exactly as River does, which is what
    makes the positions identical for a given seed; the KS p-value of the integer statistic
    is scipy's, cached.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> stream = np.r_[rng.normal(0, 1, 500), rng.normal(2, 1, 500)]
    >>> kswin = KSWIN(alpha=0.0001, random_state=42)
    >>> [int(p) for p in kswin.update_many(stream)]
    [522]
    """

    __slots__ = (
        "_n",
        "_p_value",
        "_rng",
        "_seed",
        "_window",
        "alpha",
        "random_state",
        "stat_size",
        "window",
        "window_size",
    )
    _PARAMS = ("alpha", "window_size", "stat_size", "random_state", "window")
    _STATE = ("_n", "_p_value")
    # Each value costs a random draw (~9 µs, in Python as River makes it); a block draws for all
    # its values, so those past a detection are wasted and those up to it replayed. Short blocks
    # keep that waste small and numpy gains little from longer ones: blocks of 128 instead of
    # 256 growing to 4096 made update_many about 2-3x faster on bench_stream.py's stream.
    _FIRST_BLOCK = 128
    _MAX_BLOCK = 128

    def __init__(
        self,
        *,
        alpha: float = 0.005,
        window_size: int = 100,
        stat_size: int = 30,
        random_state: int | np.random.Generator | None = None,
        window: Iterable[float] | None = None,
    ) -> None:
        owner = "KSWIN"
        self.alpha = check_real(owner, "alpha", alpha, low=0.0, high=1.0)
        self.window_size = check_int(owner, "window_size", window_size, low=2)
        self.stat_size = check_int(owner, "stat_size", stat_size, low=1)
        if self.stat_size > self.window_size // 2:
            raise bad_parameter(
                owner, "stat_size", f"an int <= window_size // 2 = {self.window_size // 2}",
                stat_size,
            )  # fmt: skip
        if isinstance(random_state, np.random.Generator):
            self._seed: int | None = int(random_state.integers(2**63))
        elif random_state is None or (
            isinstance(random_state, int | np.integer) and not isinstance(random_state, bool)
        ):
            self._seed = None if random_state is None else int(random_state)
        else:
            raise bad_parameter(
                owner, "random_state", "an int, a numpy Generator or None", random_state
            )
        self.random_state = random_state
        self.window = None if window is None else [float(v) for v in window]
        if self.window is not None and not all(math.isfinite(v) for v in self.window):
            raise bad_parameter(owner, "window", "finite numbers", window)
        self._n_seen = 0
        self._reset_state()
        if self.window:
            self._window.extend(self.window)

    @property
    def p_value(self) -> float:
        """The p-value of the last KS test (0 before the first test, as in River).

        Examples
        --------
        >>> KSWIN(random_state=1).p_value
        0.0
        """
        return self._p_value

    def _reset_state(self) -> None:
        self._drift = False
        self._warning = False
        self._n = 0
        self._p_value = 0.0
        self._window: collections.deque[float] = collections.deque(maxlen=self.window_size)
        self._rng = random.Random(self._seed)

    def _fires(self, h: int) -> bool:
        return _ks_p_value(self.stat_size, h) <= self.alpha and h * 1.0 / self.stat_size > 0.1

    def update(self, x: float, /) -> Self:
        """Feed one value; return ``self``.

        Examples
        --------
        >>> KSWIN(random_state=1).update(0.5).drift_detected
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
        self._n += 1
        window = self._window
        window.append(float(x))
        size, stat = self.window_size, self.stat_size
        if len(window) >= size:
            values = list(window)
            chosen = self._rng.sample(range(size - stat), stat)
            recent = values[size - stat :]
            h = _ks_h([values[i] for i in chosen], recent)
            self._p_value = _ks_p_value(stat, h)
            self._drift = self._fires(h)
            if self._drift:
                self._window = collections.deque(recent, maxlen=size)
        return self

    def _process_block(self, x: FloatArray) -> int:
        size, stat = self.window_size, self.stat_size
        held = np.fromiter(self._window, dtype=np.float64, count=len(self._window))
        values = np.concatenate([held, x])
        first = max(0, size - held.size - 1)  # the first block index with a full window
        rows = max(0, x.size - first)
        k = -1
        if rows:
            saved = self._rng.getstate()
            population = range(size - stat)
            draw = self._rng.sample
            chosen = np.array([draw(population, stat) for _ in range(rows)], dtype=np.intp)
            starts = held.size + first + 1 - size + np.arange(rows)
            sample = values[starts[:, None] + chosen]
            recent = np.lib.stride_tricks.sliding_window_view(values, stat)[starts + size - stat]
            h = _ks_h_rows(sample, recent)
            distinct = np.unique(h).tolist()  # few values: test each once, not once per row
            p_of = {v: _ks_p_value(stat, v) for v in distinct}
            fires = np.isin(h, [v for v in distinct if self._fires(v)])
            if fires.any():
                r = int(np.argmax(fires))
                self._rng.setstate(saved)  # rewind: the draws after the one that fired
                for _ in range(r + 1):  # were for nothing
                    draw(population, stat)
                k = first + r
                self._p_value = p_of[int(h[r])]
                self._window = collections.deque(recent[r].tolist(), maxlen=size)
                self._drift = True
            else:
                self._p_value = p_of[int(h[-1])]
        if k < 0:
            self._window.extend(x.tolist())
            self._n += x.size
            return -1
        self._n += k + 1
        return k

    def to_dict(self) -> dict[str, Any]:
        """The parameters and the full state (window and random generator), as JSON data.

        Examples
        --------
        >>> data = KSWIN(random_state=3).update(1.0).to_dict()
        >>> data["state"]["window"]
        [1.0]
        """
        data = super().to_dict()
        version, internal, gauss = self._rng.getstate()
        data["params"]["random_state"] = self._seed
        data["state"]["window"] = list(self._window)
        data["state"]["rng"] = [version, list(internal), gauss]
        return data

    def _after_load(self, state: Mapping[str, Any]) -> None:
        self._window = collections.deque(
            (float(v) for v in state["window"]), maxlen=self.window_size
        )
        version, internal, gauss = state["rng"]
        self._rng.setstate((version, tuple(internal), gauss))

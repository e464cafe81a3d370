"""Realized performance in production, when labels arrive late: windows, completeness, alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from typing_extensions import Self

from mlops_kit.exceptions import ValidationError
from mlops_kit.monitor._estimator import PerformanceEstimator
from mlops_kit.monitor._ids import (
    IdIndex,
    as_ids,
    as_nanoseconds,
    check_window,
    from_nanoseconds,
)
from mlops_kit.monitor._metrics import (
    METRICS,
    Clock,
    check_binary_labels,
    check_confidence,
    check_fraction,
    check_metric,
    check_scores,
    normal_quantile,
    realized_metric,
    to_utc,
    utc_now,
)
from mlops_kit.monitor._persist import Snapshots, load_monitor, save_monitor
from mlops_kit.monitor._records import LabelSummary, WindowMetric

__all__ = ["PerformanceMonitor"]


@attrs.define(kw_only=True, eq=False)  # stateful: equal only to itself
class PerformanceMonitor:
    """Realized performance of a binary classifier in production, with labels arriving late.

    Log each prediction when it is made (``log_predictions``) and its label when it arrives,
    matched by id (``log_labels``). ``realized()`` cuts the predictions into windows and reports,
    for each one, the metric on the labelled part with its confidence interval, the label
    completeness and an alert. Alerts are one-sided in the metric's direction: a
    higher-is-better metric alerts below the threshold, ``brier`` above it. The threshold is
    ``alert_threshold`` when given, else learned by :meth:`fit` from reference windows as
    ``mean ∓ n_std · sd`` of the reference windows' values.

    Parameters
    ----------
    metric
        ``"roc_auc"``, ``"accuracy"``, ``"precision"``, ``"recall"`` or ``"brier"``.
    window
        An int: predictions per window, in the order logged, across calls (the last, shorter
        window is reported too). A period (``"7D"``, ``timedelta(days=7)``): consecutive windows
        from the earliest timestamp, empty ones included.
    threshold
        The decision threshold on the score for predictions logged without ``y_pred``.
    alert_threshold
        A fixed alert threshold; overrides the one learned by :meth:`fit`.
    n_std
        Width of the learned threshold, in standard deviations of the reference windows.
    confidence
        Confidence level of the intervals.
    estimator
        A fitted :class:`PerformanceEstimator`; each window then carries its estimate too.
    clock
        Returns the current time (aware); stamps predictions logged without timestamps.

    Examples
    --------
    >>> monitor = PerformanceMonitor(metric="accuracy", window=3)
    >>> monitor.log_predictions(["a", "b", "c", "d"], [0.9, 0.2, 0.7, 0.4])
    >>> print(monitor.log_labels(["a", "b", "zz"], [1, 1, 0]))
    3 labels: 2 matched, 1 for unknown ids (zz), 0 relabelled
    >>> [(w.n_predictions, w.n_labelled, w.value) for w in monitor.realized()]
    [(3, 2, 0.5), (1, 0, None)]
    """

    metric: str = "roc_auc"
    window: int | str | timedelta = 5_000
    threshold: float = 0.5
    alert_threshold: float | None = None
    n_std: float = 3.0
    confidence: float = 0.95
    estimator: PerformanceEstimator | None = None
    clock: Clock | None = None

    alert_threshold_: float = attrs.field(init=False, repr=False, eq=False)
    reference_values_: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)
    _ids: IdIndex = attrs.field(init=False, repr=False, eq=False, factory=lambda: IdIndex())
    _scores: list[npt.NDArray[np.float64]] = attrs.field(init=False, repr=False, factory=list)
    _preds: list[npt.NDArray[np.int8]] = attrs.field(init=False, repr=False, factory=list)
    _times: list[npt.NDArray[np.int64]] = attrs.field(init=False, repr=False, factory=list)
    _features: list[pd.DataFrame] = attrs.field(init=False, repr=False, eq=False, factory=list)
    _labels: npt.NDArray[np.float64] = attrs.field(
        init=False, repr=False, eq=False, factory=lambda: np.empty(0)
    )
    _label_buffer: npt.NDArray[np.float64] = attrs.field(
        init=False, repr=False, eq=False, factory=lambda: np.empty(0)
    )
    _n_unknown_labels: int = attrs.field(init=False, repr=False, default=0)
    _period: int | pd.Timedelta = attrs.field(init=False, repr=False, eq=False)
    _snapshots: Snapshots = attrs.field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        owner = type(self).__name__
        check_metric(self.metric, owner)
        self._period = check_window(self.window)
        check_confidence(self.confidence, owner)
        check_fraction(self.threshold, "threshold", owner)
        if self.alert_threshold is not None and (
            isinstance(self.alert_threshold, bool)
            or not isinstance(self.alert_threshold, (int, float))
            or not np.isfinite(self.alert_threshold)
        ):
            raise ValidationError(
                f"The 'alert_threshold' parameter of {owner} must be a finite float or None. "
                f"Got {self.alert_threshold!r} instead."
            )
        if (
            isinstance(self.n_std, bool)
            or not isinstance(self.n_std, (int, float))
            or not self.n_std > 0
        ):
            raise ValidationError(
                f"The 'n_std' parameter of {owner} must be a positive float. "
                f"Got {self.n_std!r} instead."
            )
        if self.estimator is not None and self.estimator.metric != self.metric:
            raise ValidationError(
                f"The 'estimator' parameter of {owner} must estimate the monitored metric "
                f"{self.metric!r}. Got an estimator of {self.estimator.metric!r} instead."
            )

    # -- logging ---------------------------------------------------------------------------

    def log_predictions(
        self,
        ids: npt.ArrayLike,
        y_score: npt.ArrayLike,
        y_pred: npt.ArrayLike | None = None,
        timestamps: Any = None,
        *,
        features: pd.DataFrame | None = None,
    ) -> None:
        """Record predictions as they are made.

        Parameters
        ----------
        ids
            One unique id per prediction (ints or strings); labels are matched on it. An id
            seen before, in this call or an earlier one, is a ``ValidationError``.
        y_score
            The score of the positive class, in [0, 1].
        y_pred
            The decisions taken (0/1); by default ``y_score >= threshold``.
        timestamps
            When each prediction was made (aware datetimes or ISO strings, one per id, or a
            single value for all); by default the clock's current time. Needed for period
            windows to be meaningful.
        features
            The model's inputs, one row per id (kept for :meth:`features`, e.g. to check a
            window for drift).

        Examples
        --------
        >>> m = PerformanceMonitor(window=2)
        >>> m.log_predictions([1, 2], [0.3, 0.8], timestamps="2026-11-02T10:00:00Z")
        >>> m.n_predictions
        2
        """
        id_index = as_ids(ids)
        scores = check_scores(y_score, "y_score")
        n = len(id_index)
        if scores.size != n:
            raise ValidationError(
                f"'y_score' must have one score per id. Got {scores.size} scores for {n} ids."
            )
        if id_index.hasnans:
            raise ValidationError("'ids' holds missing values; every prediction needs an id.")
        if not id_index.is_unique:
            dup = id_index[id_index.duplicated()].unique()[:5].tolist()
            raise ValidationError(
                f"'ids' holds duplicate prediction ids {dup}; each prediction needs its own id "
                "(log a re-scored row under a new id)."
            )
        seen = self._ids.positions(id_index) >= 0
        if np.any(seen):
            dup = id_index[seen][:5].tolist()
            raise ValidationError(
                f"'ids' holds ids already logged in an earlier call: {dup}; each prediction "
                "needs its own id."
            )
        if y_pred is None:
            preds = (scores >= self.threshold).astype(np.int8)
        else:
            preds = check_binary_labels(y_pred, "y_pred")
            if preds.size != n:
                raise ValidationError(
                    f"'y_pred' must have one decision per id. Got {preds.size} for {n} ids."
                )
        times = self._timestamps(timestamps, n)
        if features is not None:
            if not isinstance(features, pd.DataFrame) or len(features) != n:
                shape = getattr(features, "shape", None)
                raise ValidationError(
                    f"'features' must be a DataFrame with one row per id ({n} rows). Got "
                    f"{type(features).__name__} of shape {shape} instead."
                )
            frame = features.reset_index(drop=True)
        else:
            frame = pd.DataFrame(index=pd.RangeIndex(n))
        self._ids.add(id_index)
        self._features.append(frame)
        self._scores.append(scores)
        self._preds.append(preds)
        self._times.append(times)
        size = self._ids.size
        if size > self._label_buffer.size:
            grown = np.full(max(size, 2 * self._label_buffer.size), np.nan)
            grown[: self._labels.size] = self._labels
            self._label_buffer = grown
        self._labels = self._label_buffer[:size]

    def _timestamps(self, timestamps: Any, n: int) -> npt.NDArray[np.int64]:
        if timestamps is None:
            timestamps = to_utc((self.clock or utc_now)(), "clock()", type(self).__name__)
        return as_nanoseconds(timestamps, n)

    def log_labels(self, ids: npt.ArrayLike, y_true: npt.ArrayLike) -> LabelSummary:
        """Record true labels as they arrive, matched to logged predictions by id.

        A label for an id no prediction carries is counted (``n_unknown_labels``) and reported
        in the returned summary, never silently dropped; a second label for the same prediction
        replaces the first.

        Examples
        --------
        >>> m = PerformanceMonitor(metric="accuracy", window=10)
        >>> m.log_predictions(["a"], [0.9])
        >>> m.log_labels(["a", "b"], [1, 0]).n_unknown
        1
        >>> m.n_unknown_labels
        1
        """
        id_index = as_ids(ids)
        labels = check_binary_labels(y_true, "y_true")
        if labels.size != len(id_index):
            raise ValidationError(
                f"'y_true' must have one label per id. Got {labels.size} labels for "
                f"{len(id_index)} ids."
            )
        positions = self._ids.positions(id_index)
        known = positions >= 0
        n_unknown = int(np.count_nonzero(~known))
        unknown_ids = tuple(str(i) for i in id_index[~known][:10].tolist())
        matched = positions[known]
        relabelled = int(np.count_nonzero(~np.isnan(self._labels[matched])))
        self._labels[matched] = labels[known]
        self._n_unknown_labels += n_unknown
        return LabelSummary(
            n_received=int(labels.size),
            n_matched=int(matched.size),
            n_unknown=n_unknown,
            n_relabelled=relabelled,
            unknown_ids=unknown_ids,
        )

    @property
    def n_predictions(self) -> int:
        """Predictions logged so far."""
        return self._ids.size

    @property
    def n_labelled(self) -> int:
        """Logged predictions whose label has arrived."""
        return int(np.count_nonzero(~np.isnan(self._labels)))

    @property
    def n_unknown_labels(self) -> int:
        """Labels received, over all calls, for ids that no prediction carries."""
        return self._n_unknown_labels

    # -- thresholds ------------------------------------------------------------------------

    def fit(
        self,
        y_true: npt.ArrayLike,
        y_score: npt.ArrayLike,
        *,
        y_pred: npt.ArrayLike | None = None,
        timestamps: Any = None,
    ) -> Self:
        """Learn the alert threshold from labelled reference predictions.

        The reference is cut into windows like production (a period window needs
        ``timestamps``; an incomplete last count window is left out), the metric is computed on
        each, and the threshold is ``mean - n_std · sd`` (``+`` for a lower-is-better metric),
        with the sample standard deviation (``ddof=1``), kept within the metric's range.

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> scores = rng.uniform(size=4_000)
        >>> labels = (rng.uniform(size=4_000) < scores).astype(int)
        >>> m = PerformanceMonitor(metric="accuracy", window=1_000).fit(labels, scores)
        >>> len(m.reference_values_), round(m.alert_threshold_, 2)
        (4, 0.71)
        """
        labels = check_binary_labels(y_true, "y_true")
        scores = check_scores(y_score, "y_score")
        if labels.size != scores.size:
            raise ValidationError(
                f"'y_true' and 'y_score' must have the same length. Got {labels.size} and "
                f"{scores.size} instead."
            )
        if y_pred is None:
            preds = (scores >= self.threshold).astype(np.int8)
        else:
            preds = check_binary_labels(y_pred, "y_pred")
            if preds.size != labels.size:
                raise ValidationError(
                    f"'y_pred' must have one decision per label. Got {preds.size} decisions "
                    f"for {labels.size} labels instead."
                )
        if isinstance(self._period, int):
            n_full = labels.size // self._period
            bins = np.arange(labels.size) // self._period
            bins = np.where(bins < n_full, bins, -1)
        else:
            if timestamps is None:
                raise ValidationError(
                    "PerformanceMonitor.fit needs 'timestamps' to cut the reference into "
                    f"{self.window!r} windows; pass them or use an integer window."
                )
            times = self._timestamps(timestamps, labels.size)
            bins = (times - times.min()) // int(self._period.value)
        z = normal_quantile(self.confidence)
        values = []
        for b in np.unique(bins[bins >= 0]):
            mask = bins == b
            value, _, _ = realized_metric(self.metric, labels[mask], scores[mask], preds[mask], z)
            if value is not None:
                values.append(value)
        if len(values) < 2:
            raise ValidationError(
                f"PerformanceMonitor.fit needs at least 2 reference windows with a defined "
                f"{self.metric}; got {len(values)}. Use a longer reference or a smaller window."
            )
        mean = float(np.mean(values))
        sd = float(np.std(values, ddof=1))
        spec = METRICS[self.metric]
        if spec.higher_is_better:
            threshold = max(spec.lower_bound, mean - self.n_std * sd)
        else:
            threshold = min(spec.upper_bound, mean + self.n_std * sd)
        self.reference_values_ = tuple(values)
        self.alert_threshold_ = threshold
        return self

    @property
    def effective_threshold(self) -> float | None:
        """The alert threshold in force: ``alert_threshold``, else the learned one, else None."""
        if self.alert_threshold is not None:
            return float(self.alert_threshold)
        return getattr(self, "alert_threshold_", None)

    # -- results ---------------------------------------------------------------------------

    def _bins(self, times: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], int, int, int]:
        """The window of each prediction, the number of windows, the origin and the step."""
        if isinstance(self._period, int):
            bins = np.arange(times.size, dtype=np.int64) // self._period
            return bins, int(bins[-1]) + 1, 0, 0
        origin = int(times.min())
        step = int(self._period.value)
        bins = (times - origin) // step
        return bins, int(bins.max()) + 1, origin, step

    def features(self, window: int | None = None) -> pd.DataFrame:
        """The features logged with the predictions, of every window or of one.

        The frame has the logged columns plus ``id`` and ``window``, in logging order; feed a
        window's rows to a drift detector. Predictions logged without features have missing
        values in these columns.

        Examples
        --------
        >>> import pandas as pd
        >>> m = PerformanceMonitor(window=2)
        >>> m.log_predictions([1, 2, 3], [0.2, 0.9, 0.4],
        ...                   features=pd.DataFrame({"amount": [10.0, 99.0, 5.0]}))
        >>> m.features(window=1)
           amount  id  window
        2     5.0   3       1
        """
        if not self._features:
            return pd.DataFrame({"id": [], "window": []})
        frame = pd.concat(self._features, ignore_index=True)
        frame["id"] = self._ids.values()
        bins, n_windows, _, _ = self._bins(np.concatenate(self._times))
        frame["window"] = bins
        if window is None:
            return frame
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)):
            raise ValidationError(
                f"The 'window' argument of features must be a window index (an int). Got "
                f"{window!r} instead."
            )
        if not 0 <= window < n_windows:
            raise ValidationError(
                f"There is no window {window}; the windows are 0 to {n_windows - 1}."
            )
        return frame[frame["window"] == window]

    def realized(self) -> list[WindowMetric]:
        """The realized metric of every window so far, unlabelled windows included.

        Examples
        --------
        >>> m = PerformanceMonitor(metric="accuracy", window="1D", alert_threshold=0.9)
        >>> m.log_predictions([1, 2], [0.8, 0.3], timestamps=["2026-11-02T09:00Z",
        ...                                                   "2026-11-03T09:00Z"])
        >>> _ = m.log_labels([1, 2], [1, 1])
        >>> [(w.start.day, w.value, w.alert) for w in m.realized()]
        [(2, 1.0, False), (3, 0.0, True)]
        """
        if not self._scores:
            return []
        scores = np.concatenate(self._scores)
        preds = np.concatenate(self._preds)
        times = np.concatenate(self._times)
        labels = self._labels
        z = normal_quantile(self.confidence)
        threshold = self.effective_threshold
        higher = METRICS[self.metric].higher_is_better
        bins, n_windows, origin, step = self._bins(times)
        order = np.argsort(bins, kind="stable")
        bounds = np.searchsorted(bins[order], np.arange(n_windows + 1))
        windows = []
        for index in range(n_windows):
            rows = order[bounds[index] : bounds[index + 1]]
            if step:
                start = from_nanoseconds(origin + index * step)
                end = from_nanoseconds(origin + (index + 1) * step)
            else:
                start = from_nanoseconds(int(times[rows].min()))
                end = from_nanoseconds(int(times[rows].max()))
            window_labels = labels[rows]
            labelled = ~np.isnan(window_labels)
            n_labelled = int(np.count_nonzero(labelled))
            value, low, high = realized_metric(
                self.metric,
                window_labels[labelled].astype(np.int8),
                scores[rows][labelled],
                preds[rows][labelled],
                z,
            )
            alert = (
                value is not None
                and threshold is not None
                and (value < threshold if higher else value > threshold)
            )
            estimate = None
            if self.estimator is not None and rows.size:
                estimate = self.estimator.estimate(scores[rows], preds[rows])
            windows.append(
                WindowMetric(
                    index=index,
                    metric=self.metric,
                    start=start,
                    end=end,
                    n_predictions=int(rows.size),
                    n_labelled=n_labelled,
                    completeness=n_labelled / rows.size if rows.size else 0.0,
                    value=value,
                    ci_low=low,
                    ci_high=high,
                    threshold=threshold,
                    alert=bool(alert),
                    estimate=estimate,
                )
            )
        return windows

    def alerts(self) -> list[WindowMetric]:
        """The windows whose realized value crossed the alert threshold.

        Examples
        --------
        >>> PerformanceMonitor().alerts()
        []
        """
        return [w for w in self.realized() if w.alert]

    # -- persistence -----------------------------------------------------------------------

    def save(self, store: Any, name: str, *, overwrite: bool = False) -> int:
        """Save a snapshot of the whole monitor under ``name``; returns the record's revision.

        The snapshot holds the parameters, the fitted threshold, the attached estimator, every
        logged prediction with its label so far, the unknown-label count and the features; the
        clock is not saved. It replaces the snapshot this monitor was loaded from or last saved
        as; if another process saved over it meanwhile (or, for a name this monitor never used,
        if one exists already) a ``ConflictError`` says so, unless ``overwrite=True``.

        Examples
        --------
        >>> from mlops_kit.storage import open_store
        >>> store = open_store("memory://")
        >>> monitor = PerformanceMonitor(window=100)
        >>> monitor.save(store, "fraud"), monitor.save(store, "fraud")
        (1, 2)
        >>> PerformanceMonitor(window=100).save(store, "fraud")
        Traceback (most recent call last):
        ...
        mlops_kit.exceptions.ConflictError: Not saved: a PerformanceMonitor is already saved ...
        """
        return save_monitor(self, store, name, overwrite=overwrite)

    @classmethod
    def load(cls, store: Any, name: str, *, clock: Clock | None = None) -> PerformanceMonitor:
        """The monitor saved under ``name``, as it was when saved; ``clock`` replaces its clock.

        Examples
        --------
        >>> from mlops_kit.storage import open_store
        >>> store = open_store("memory://")
        >>> m = PerformanceMonitor(metric="accuracy", window=2)
        >>> m.log_predictions(["a", "b"], [0.9, 0.2])
        >>> _ = m.save(store, "fraud")
        >>> restored = PerformanceMonitor.load(store, "fraud")
        >>> _ = restored.log_labels(["a", "b"], [1, 1])
        >>> restored.realized()[0].value
        0.5
        """
        return load_monitor(cls, store, name, clock=clock)

    def __str__(self) -> str:
        return (
            f"PerformanceMonitor({self.metric}, window={self.window!r}): "
            f"{self.n_predictions} predictions, {self.n_labelled} labelled, "
            f"{self.n_unknown_labels} labels for unknown ids"
        )

"""The values a performance monitor reports: :class:`WindowMetric` and :class:`LabelSummary`."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mlops_kit.monitor._estimator import Estimate
from mlops_kit.monitor._metrics import optional_float

__all__ = ["LabelSummary", "WindowMetric"]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


@attrs.frozen(kw_only=True)
class WindowMetric:
    """The realized metric of one monitoring window.

    Parameters
    ----------
    index
        The window's position, from 0.
    metric
        The metric's name.
    start, end
        For a count window, the timestamps of its first and last prediction; for a period
        window, its bounds ``[start, end)``.
    n_predictions, n_labelled
        Predictions logged in the window, and those of them whose label has arrived.
    completeness
        ``n_labelled / n_predictions`` (0.0 for an empty window).
    value, ci_low, ci_high
        The metric on the labelled predictions and its confidence interval; ``None`` until a
        label arrives or where the metric is undefined (ROC AUC needs both classes).
    threshold
        The alert threshold in force, if any.
    alert
        Whether the value is worse than the threshold, in the metric's direction.
    estimate
        The estimated metric from the scores alone, when the monitor has an estimator.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 11, 2, tzinfo=timezone.utc)
    >>> w = WindowMetric(index=0, metric="accuracy", start=t, end=t, n_predictions=10,
    ...                  n_labelled=5, completeness=0.5, value=0.8, ci_low=0.38, ci_high=0.96,
    ...                  threshold=0.9, alert=True)
    >>> print(w)
    window 0 2026-11-02 00:00 → 2026-11-02 00:00: accuracy 0.8000 [0.3800, 0.9600],
    5/10 labelled (50%) ALERT (threshold 0.9000)
    >>> WindowMetric.from_dict(w.to_dict()) == w
    True
    """

    index: int
    metric: str
    start: datetime
    end: datetime
    n_predictions: int
    n_labelled: int
    completeness: float
    value: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None = None
    alert: bool = False
    estimate: Estimate | None = None

    def to_dict(self) -> dict[str, Any]:
        """The window as JSON-compatible data.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> t = datetime(2026, 11, 2, tzinfo=timezone.utc)
        >>> WindowMetric(index=0, metric="roc_auc", start=t, end=t, n_predictions=1,
        ...              n_labelled=0, completeness=0.0, value=None, ci_low=None,
        ...              ci_high=None).to_dict()["start"]
        '2026-11-02T00:00:00+00:00'
        """
        data = attrs.asdict(self, recurse=False)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        data["estimate"] = None if self.estimate is None else self.estimate.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WindowMetric:
        """Rebuild a window from :meth:`to_dict`'s output.

        Examples
        --------
        >>> w = WindowMetric.from_dict({"index": 1, "metric": "accuracy",
        ...     "start": "2026-11-02T00:00:00+00:00", "end": "2026-11-09T00:00:00+00:00",
        ...     "n_predictions": 0, "n_labelled": 0, "completeness": 0.0, "value": None,
        ...     "ci_low": None, "ci_high": None})
        >>> w.alert
        False
        """
        estimate = data.get("estimate")
        return cls(
            index=int(data["index"]),
            metric=str(data["metric"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            n_predictions=int(data["n_predictions"]),
            n_labelled=int(data["n_labelled"]),
            completeness=float(data["completeness"]),
            value=optional_float(data["value"]),
            ci_low=optional_float(data["ci_low"]),
            ci_high=optional_float(data["ci_high"]),
            threshold=optional_float(data.get("threshold")),
            alert=bool(data.get("alert", False)),
            estimate=None if estimate is None else Estimate.from_dict(estimate),
        )

    def __str__(self) -> str:
        span = f"{self.start:%Y-%m-%d %H:%M} → {self.end:%Y-%m-%d %H:%M}"
        if self.value is None:
            measured = f"{self.metric} —"
        else:
            measured = f"{self.metric} {self.value:.4f}"
            if self.ci_low is not None and self.ci_high is not None:
                measured += f" [{self.ci_low:.4f}, {self.ci_high:.4f}]"
        text = (
            f"window {self.index} {span}: {measured}, {self.n_labelled}/{self.n_predictions} "
            f"labelled ({self.completeness:.0%})"
        )
        if self.estimate is not None and self.estimate.value is not None:
            text += f", estimated {self.estimate.value:.4f}"
        if self.alert:
            text += f" ALERT (threshold {_fmt(self.threshold)})"
        return text

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(str(self))}</code></p>"


@attrs.frozen(kw_only=True)
class LabelSummary:
    """What one :meth:`PerformanceMonitor.log_labels` call did.

    Parameters
    ----------
    n_received
        Labels passed in.
    n_matched
        Labels whose id matched a logged prediction.
    n_unknown
        Labels for ids that no prediction carries (kept out of every metric).
    n_relabelled
        Matched labels that replaced an earlier label of the same prediction.
    unknown_ids
        Up to 10 of the unknown ids, as strings, to help find the mismatch.

    Examples
    --------
    >>> print(LabelSummary(n_received=3, n_matched=2, n_unknown=1, n_relabelled=0,
    ...                    unknown_ids=("x9",)))
    3 labels: 2 matched, 1 for unknown ids (x9), 0 relabelled
    """

    n_received: int
    n_matched: int
    n_unknown: int
    n_relabelled: int
    unknown_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-compatible data.

        Examples
        --------
        >>> LabelSummary(n_received=1, n_matched=1, n_unknown=0, n_relabelled=0).to_dict()
        {'n_received': 1, 'n_matched': 1, 'n_unknown': 0, 'n_relabelled': 0, 'unknown_ids': []}
        """
        data = attrs.asdict(self)
        data["unknown_ids"] = list(self.unknown_ids)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabelSummary:
        """Rebuild a summary from :meth:`to_dict`'s output.

        Examples
        --------
        >>> LabelSummary.from_dict({"n_received": 1, "n_matched": 0, "n_unknown": 1,
        ...                         "n_relabelled": 0, "unknown_ids": ["7"]}).unknown_ids
        ('7',)
        """
        return cls(
            n_received=int(data["n_received"]),
            n_matched=int(data["n_matched"]),
            n_unknown=int(data["n_unknown"]),
            n_relabelled=int(data["n_relabelled"]),
            unknown_ids=tuple(str(i) for i in data.get("unknown_ids", ())),
        )

    def __str__(self) -> str:
        unknown = f" ({', '.join(self.unknown_ids)})" if self.unknown_ids else ""
        return (
            f"{self.n_received} labels: {self.n_matched} matched, {self.n_unknown} for unknown "
            f"ids{unknown}, {self.n_relabelled} relabelled"
        )

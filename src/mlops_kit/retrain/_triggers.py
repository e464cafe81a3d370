"""The built-in retrain triggers: drift, realized and estimated metrics, time, data, manual."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, ClassVar

import attrs
import numpy as np

from mlops_kit.exceptions import ValidationError
from mlops_kit.retrain._observation import Observation, TriggerResult

__all__ = [
    "DriftDetected",
    "DriftShare",
    "EstimatedMetricAbove",
    "EstimatedMetricBelow",
    "Every",
    "Manual",
    "MetricAbove",
    "MetricBelow",
    "MetricDrop",
    "ModelAge",
    "NewRows",
]

_SECONDS_PER_DAY = 86_400.0


def _number(owner: str, name: str, value: Any, *, low: float, high: float, rule: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be {rule}. Got {value!r} instead."
        )
    return float(value)


def _metric_name(owner: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"The 'metric' parameter of {owner} must be a metric name such as 'roc_auc'. "
            f"Got {value!r} instead."
        )
    return value


def _result(name: str, fired: bool, value: float, threshold: float, message: str) -> TriggerResult:
    return TriggerResult(
        trigger=name,
        status="fired" if fired else "not_fired",
        value=value,
        threshold=threshold,
        message=f"{name}: {message}",
    )


def _missing(name: str, what: str, threshold: float | None = None) -> TriggerResult:
    return TriggerResult(
        trigger=name,
        status="missing_input",
        threshold=threshold,
        message=f"{name}: cannot evaluate, the observation has no {what}",
    )


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / _SECONDS_PER_DAY


def _fmt_days(days: float) -> str:
    if abs(days) < 1.0:
        return f"{days * 24:.1f} h"
    return f"{days:.1f} days"


@attrs.define
class DriftShare:
    """Fires when the share of drifted columns reaches ``above``.

    Examples
    --------
    >>> from mlops_kit.retrain import DriftSummary, Observation
    >>> t = DriftShare(above=0.3)
    >>> print(t.evaluate(Observation(drift=DriftSummary(drifted=False, drift_share=0.4))))
    drift_share: drift share 0.400 ≥ 0.300
    """

    above: float = attrs.field(kw_only=True)
    name: str = attrs.field(default="drift_share", kw_only=True)

    def __attrs_post_init__(self) -> None:
        self.above = _number(
            "DriftShare", "above", self.above, low=0.0, high=1.0, rule="a float in [0, 1]"
        )

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Compare the observation's drift share with ``above``."""
        if observation.drift is None:
            return _missing(self.name, "drift report", self.above)
        share = observation.drift.drift_share
        fired = share >= self.above
        sign = "≥" if fired else "<"
        return _result(
            self.name, fired, share, self.above, f"drift share {share:.3f} {sign} {self.above:.3f}"
        )


def _columns(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)


@attrs.define
class DriftDetected:
    """Fires when the drift report's verdict is drift, or when one of ``columns`` drifted.

    Examples
    --------
    >>> from mlops_kit.retrain import DriftSummary, Observation
    >>> drift = DriftSummary(drifted=False, drift_share=0.2, drifted_columns=("amount",))
    >>> DriftDetected().evaluate(Observation(drift=drift)).fired
    False
    >>> DriftDetected(columns=["amount"]).evaluate(Observation(drift=drift)).fired
    True
    """

    columns: tuple[str, ...] | None = attrs.field(default=None, kw_only=True, converter=_columns)
    name: str = attrs.field(default="drift_detected", kw_only=True)

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Read the drift verdict (or the watched columns) of the observation."""
        drift = observation.drift
        if drift is None:
            return _missing(self.name, "drift report")
        if self.columns is None:
            fired = drift.drifted
            shown = ", ".join(drift.drifted_columns) or "none"
            message = (
                f"drift detected (share {drift.drift_share:.3f}; columns: {shown})"
                if fired
                else f"no drift (share {drift.drift_share:.3f})"
            )
        else:
            hit = [c for c in self.columns if c in drift.drifted_columns]
            fired = bool(hit)
            message = (
                f"watched columns drifted: {', '.join(hit)}"
                if fired
                else f"none of the watched columns drifted ({', '.join(self.columns)})"
            )
        return _result(self.name, fired, drift.drift_share, 1.0, message)


@attrs.define
class _MetricThreshold:
    """Compares a realized (or estimated) metric with a threshold, in one direction.

    Subclasses set ``_above`` (fire above the threshold rather than below it) and
    ``_estimated`` (read ``observation.estimated_metrics`` rather than ``metrics``).
    """

    metric: str
    threshold: float
    name: str = attrs.field(default="", kw_only=True)

    _above: ClassVar[bool] = False
    _estimated: ClassVar[bool] = False

    def __attrs_post_init__(self) -> None:
        owner = type(self).__name__
        self.metric = _metric_name(owner, self.metric)
        self.threshold = _number(
            owner, "threshold", self.threshold, low=-math.inf, high=math.inf, rule="a finite float"
        )
        if not self.name:
            prefix = "estimated_" if self._estimated else ""
            self.name = f"{prefix}{self.metric}_{'above' if self._above else 'below'}"

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Compare the observed metric with the threshold."""
        values = observation.estimated_metrics if self._estimated else observation.metrics
        what = "estimated" if self._estimated else "realized"
        if self.metric not in values:
            return _missing(self.name, f"{what} {self.metric!r} metric", self.threshold)
        value = values[self.metric]
        if self._above:
            fired = value > self.threshold
            sign = ">" if fired else "≤"
        else:
            fired = value < self.threshold
            sign = "<" if fired else "≥"
        label = f"estimated {self.metric}" if self._estimated else self.metric
        return _result(
            self.name,
            fired,
            value,
            self.threshold,
            f"{label} {value:.4f} {sign} {self.threshold:.4f}",
        )


@attrs.define
class MetricBelow(_MetricThreshold):
    """Fires when a realized metric falls below a threshold (a higher-is-better metric).

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> print(MetricBelow("roc_auc", 0.85).evaluate(Observation(metrics={"roc_auc": 0.81})))
    roc_auc_below: roc_auc 0.8100 < 0.8500
    """


@attrs.define
class EstimatedMetricBelow(MetricBelow):
    """Fires when a metric estimated without labels falls below a threshold.

    It reads ``observation.estimated_metrics`` (from a
    :class:`~mlops_kit.monitor.PerformanceEstimator`), so it can act before the labels arrive.

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> trigger = EstimatedMetricBelow("accuracy", 0.9)
    >>> print(trigger.evaluate(Observation(estimated_metrics={"accuracy": 0.87})))
    estimated_accuracy_below: estimated accuracy 0.8700 < 0.9000
    >>> print(trigger.evaluate(Observation(metrics={"accuracy": 0.87})))
    estimated_accuracy_below: cannot evaluate, the observation has no estimated 'accuracy' metric
    """

    _estimated: ClassVar[bool] = True


@attrs.define
class MetricAbove(_MetricThreshold):
    """Fires when a realized metric rises above a threshold (a lower-is-better metric).

    For error metrics such as rmse, mae, log_loss or the Brier score; a value equal to the
    threshold does not fire.

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> print(MetricAbove("rmse", 3.0).evaluate(Observation(metrics={"rmse": 3.2})))
    rmse_above: rmse 3.2000 > 3.0000
    >>> print(MetricAbove("rmse", 3.0).evaluate(Observation(metrics={"rmse": 2.5})))
    rmse_above: rmse 2.5000 ≤ 3.0000
    """

    _above: ClassVar[bool] = True


@attrs.define
class EstimatedMetricAbove(MetricAbove):
    """Fires when a lower-is-better metric estimated without labels rises above a threshold.

    It reads ``observation.estimated_metrics`` (e.g. the ``"brier"`` estimate of a
    :class:`~mlops_kit.monitor.PerformanceEstimator`), so it can act before the labels arrive.

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> obs = Observation(metrics={"brier": 0.12}, estimated_metrics={"brier": 0.25})
    >>> print(EstimatedMetricAbove("brier", 0.2).evaluate(obs))
    estimated_brier_above: estimated brier 0.2500 > 0.2000
    >>> EstimatedMetricAbove("brier", 0.2).evaluate(Observation(metrics={"brier": 0.25})).status
    'missing_input'
    """

    _estimated: ClassVar[bool] = True


def _flag(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a bool. Got {value!r} instead."
        )
    return bool(value)


@attrs.define
class MetricDrop:
    """Fires when a realized metric worsens by more than ``max_drop`` from the registered one.

    The baseline is ``observation.reference_metrics[metric]``, the metric recorded when the
    serving model was registered. With ``relative=True`` the drop is a fraction of it. For a
    lower-is-better metric (rmse, log_loss), pass ``higher_is_better=False``: the drop is then
    how far the metric rose, ``current - reference``.

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> obs = Observation(metrics={"roc_auc": 0.86}, reference_metrics={"roc_auc": 0.93})
    >>> print(MetricDrop("roc_auc", max_drop=0.05).evaluate(obs))
    roc_auc_drop: roc_auc dropped 0.0700 (0.9300 → 0.8600) > 0.0500
    >>> obs = Observation(metrics={"rmse": 3.0}, reference_metrics={"rmse": 2.6})
    >>> print(MetricDrop("rmse", max_drop=0.2, higher_is_better=False).evaluate(obs))
    rmse_drop: rmse worsened 0.4000 (2.6000 → 3.0000) > 0.2000
    """

    metric: str
    max_drop: float = attrs.field(kw_only=True)
    relative: bool = attrs.field(default=False, kw_only=True)
    higher_is_better: bool = attrs.field(default=True, kw_only=True)
    name: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        self.metric = _metric_name("MetricDrop", self.metric)
        self.max_drop = _number(
            "MetricDrop", "max_drop", self.max_drop, low=0.0, high=math.inf, rule="a float >= 0"
        )
        self.relative = _flag("MetricDrop", "relative", self.relative)
        self.higher_is_better = _flag("MetricDrop", "higher_is_better", self.higher_is_better)
        if not self.name:
            self.name = f"{self.metric}_drop"

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Compare the realized metric with the registered one."""
        if self.metric not in observation.metrics:
            return _missing(self.name, f"realized {self.metric!r} metric", self.max_drop)
        if self.metric not in observation.reference_metrics:
            return _missing(
                self.name, f"reference (registered) {self.metric!r} metric", self.max_drop
            )
        current = observation.metrics[self.metric]
        reference = observation.reference_metrics[self.metric]
        drop = reference - current if self.higher_is_better else current - reference
        if self.relative:
            if reference == 0:
                return _missing(self.name, f"non-zero reference {self.metric!r}", self.max_drop)
            drop = drop / abs(reference)
        fired = drop > self.max_drop
        sign = ">" if fired else "≤"
        unit = " (relative)" if self.relative else ""
        verb = "dropped" if self.higher_is_better else "worsened"
        return _result(
            self.name,
            fired,
            drop,
            self.max_drop,
            f"{self.metric} {verb} {drop:.4f}{unit} ({reference:.4f} → {current:.4f}) "
            f"{sign} {self.max_drop:.4f}",
        )


def _period(owner: str, days: float, hours: float) -> timedelta:
    for name, value in (("days", days), ("hours", hours)):
        _number(owner, name, value, low=0.0, high=math.inf, rule="a float >= 0")
    period = timedelta(days=days, hours=hours)
    if period <= timedelta(0):
        raise ValidationError(
            f"The 'days' parameter of {owner} must be positive (or give 'hours'). "
            f"Got days={days!r}, hours={hours!r} instead."
        )
    return period


@attrs.define
class Every:
    """A schedule: fires when at least the period has passed since the last retrain.

    The last retrain is the later of the policy's last retrain decision and the model's
    ``last_trained``; without either, the trigger reports missing input.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from mlops_kit.retrain import Observation
    >>> t0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
    >>> obs = Observation(now=datetime(2026, 12, 2, tzinfo=timezone.utc), last_retrain=t0)
    >>> print(Every(days=30).evaluate(obs))
    every: 31.0 days since the last retrain ≥ 30.0 days
    """

    days: float = attrs.field(default=0.0, kw_only=True)
    hours: float = attrs.field(default=0.0, kw_only=True)
    name: str = attrs.field(default="every", kw_only=True)

    def __attrs_post_init__(self) -> None:
        self._period_ = _period(type(self).__name__, self.days, self.hours)

    _period_: timedelta = attrs.field(init=False, repr=False, eq=False)

    @property
    def period(self) -> timedelta:
        """The period as a timedelta."""
        return self._period_

    def _since(self, observation: Observation) -> datetime | None:
        stamps = [t for t in (observation.last_retrain, observation.last_trained) if t is not None]
        return max(stamps) if stamps else None

    _since_what = "since the last retrain"
    _missing_what = "last retrain or training time"

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Compare the time elapsed with the period."""
        if observation.now is None:
            return _missing(self.name, "current time", _days(self.period))
        since = self._since(observation)
        if since is None:
            return _missing(self.name, self._missing_what, _days(self.period))
        elapsed = _days(observation.now - since)
        limit = _days(self.period)
        fired = elapsed >= limit
        sign = "≥" if fired else "<"
        return _result(
            self.name,
            fired,
            elapsed,
            limit,
            f"{_fmt_days(elapsed)} {self._since_what} {sign} {_fmt_days(limit)}",
        )


@attrs.define
class ModelAge(Every):
    """Fires when the serving model is older than the period (from ``last_trained``).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from mlops_kit.retrain import Observation
    >>> obs = Observation(now=datetime(2026, 11, 3, tzinfo=timezone.utc),
    ...                   last_trained=datetime(2026, 11, 1, tzinfo=timezone.utc))
    >>> print(ModelAge(days=90).evaluate(obs))
    model_age: model age 2.0 days < 90.0 days
    """

    name: str = attrs.field(default="model_age", kw_only=True)

    def _since(self, observation: Observation) -> datetime | None:
        return observation.last_trained

    _since_what = "model age"
    _missing_what = "training time of the model (last_trained)"

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Compare the model's age with the period."""
        result = super().evaluate(observation)
        if result.status == "missing_input" or result.value is None:
            return result
        sign = "≥" if result.fired else "<"
        assert result.threshold is not None
        message = (
            f"{self.name}: model age {_fmt_days(result.value)} {sign} {_fmt_days(result.threshold)}"
        )
        return attrs.evolve(result, message=message)


@attrs.define
class NewRows:
    """Fires when at least ``at_least`` new labelled rows have arrived since the last training.

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> print(NewRows(at_least=100_000).evaluate(Observation(new_rows=12_000)))
    new_rows: 12000 new rows < 100000
    """

    at_least: int = attrs.field(kw_only=True)
    name: str = attrs.field(default="new_rows", kw_only=True)

    def __attrs_post_init__(self) -> None:
        if (
            isinstance(self.at_least, bool)
            or not isinstance(self.at_least, int)
            or self.at_least < 1
        ):
            raise ValidationError(
                "The 'at_least' parameter of NewRows must be a positive int. "
                f"Got {self.at_least!r} instead."
            )

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Compare the count of new rows with ``at_least``."""
        if observation.new_rows is None:
            return _missing(self.name, "count of new rows (new_rows)", float(self.at_least))
        rows = observation.new_rows
        fired = rows >= self.at_least
        sign = "≥" if fired else "<"
        return _result(
            self.name,
            fired,
            float(rows),
            float(self.at_least),
            f"{rows} new rows {sign} {self.at_least}",
        )


@attrs.define
class Manual:
    """Fires when the observation carries a manual request (``Observation(manual="why")``).

    A manual request is an operator's decision: by default (``overrides_guards=True``) it
    skips the policy's hysteresis and cooldown. The retrain budget still applies.

    Examples
    --------
    >>> from mlops_kit.retrain import Observation
    >>> print(Manual().evaluate(Observation(manual="new fraud pattern reported by ops")))
    manual: requested: new fraud pattern reported by ops
    >>> Manual().evaluate(Observation()).status
    'not_fired'
    """

    overrides_guards: bool = attrs.field(default=True, kw_only=True)
    name: str = attrs.field(default="manual", kw_only=True)

    def evaluate(self, observation: Observation, /) -> TriggerResult:
        """Read the observation's manual request."""
        if observation.manual is None:
            return TriggerResult(
                trigger=self.name, status="not_fired", message=f"{self.name}: no manual request"
            )
        return TriggerResult(
            trigger=self.name,
            status="fired",
            message=f"{self.name}: requested: {observation.manual}",
        )

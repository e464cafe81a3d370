"""What a retrain policy looks at (:class:`Observation`) and what a trigger says about it."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from numbers import Real
from typing import Any

import attrs

from mlops_kit.exceptions import ValidationError

__all__ = ["DriftSummary", "Observation", "TriggerResult"]

_STATUSES = ("fired", "not_fired", "missing_input")


def aware(value: Any, name: str, owner: str) -> datetime | None:
    """``None``, or an aware datetime (ISO strings accepted) converted to UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise ValidationError(
                f"The '{name}' parameter of {owner} must be a datetime or an ISO 8601 string. "
                f"Got {value!r} instead."
            ) from error
    if not isinstance(value, datetime):
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a timezone-aware datetime. "
            f"Got {value!r} instead."
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a timezone-aware datetime. Got the naive "
            f"{value.isoformat()} instead; use e.g. datetime.now(timezone.utc)."
        )
    return value.astimezone(timezone.utc)


def iso(value: datetime | None) -> str | None:
    """The ISO 8601 text of a datetime, or ``None``."""
    return None if value is None else value.isoformat()


def _finite(value: Any, name: str, owner: str) -> float:
    # numbers.Real covers numpy's ints and floats too (numpy registers them); numpy.bool_ is not.
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a finite number. Got {value!r} instead."
        )
    return float(value)


def _metric_map(value: Any, name: str) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"The '{name}' parameter of Observation must be a mapping of metric name to "
            f"value, e.g. {{'roc_auc': 0.91}}. Got {value!r} instead."
        )
    return {str(k): _finite(v, f"{name}[{k!r}]", "Observation") for k, v in value.items()}


def _metrics(value: Any) -> dict[str, float]:
    return _metric_map(value, "metrics")


def _estimated(value: Any) -> dict[str, float]:
    return _metric_map(value, "estimated_metrics")


def _reference(value: Any) -> dict[str, float]:
    return _metric_map(value, "reference_metrics")


def _now(value: Any) -> datetime | None:
    return aware(value, "now", "Observation")


def _last_trained(value: Any) -> datetime | None:
    return aware(value, "last_trained", "Observation")


def _last_retrain(value: Any) -> datetime | None:
    return aware(value, "last_retrain", "Observation")


def _str_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


@attrs.frozen(kw_only=True)
class DriftSummary:
    """What a retrain policy keeps of a drift report: the verdict, the share and the columns.

    An :class:`Observation` turns any drift report (an object with ``drifted`` and
    ``drift_share``, and optionally ``columns`` or ``drifted_columns``, such as
    :class:`~mlops_kit.DriftReport`) into this summary, so observations and decisions stay small
    JSON records.

    Examples
    --------
    >>> s = DriftSummary(drifted=True, drift_share=0.6, drifted_columns=("amount",))
    >>> print(s)
    drifted (share 0.600: amount)
    """

    drifted: bool = attrs.field(converter=bool)
    drift_share: float
    drifted_columns: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)

    def __attrs_post_init__(self) -> None:
        share = _finite(self.drift_share, "drift_share", "DriftSummary")
        if not 0.0 <= share <= 1.0:
            raise ValidationError(
                "The 'drift_share' parameter of DriftSummary must be a float in [0, 1]. "
                f"Got {self.drift_share!r} instead."
            )
        object.__setattr__(self, "drift_share", share)

    @classmethod
    def from_report(cls, report: Any) -> DriftSummary:
        """Summarize a drift report (duck-typed: ``drifted``, ``drift_share``, ``columns``).

        Examples
        --------
        >>> from mlops_kit.drift import ColumnDrift, DriftReport
        >>> r = DriftReport(columns=[ColumnDrift(column="x", method="ks", statistic=0.4,
        ...                 p_value=0.001, threshold=0.05, drifted=True)], drifted=True,
        ...                 drift_share=1.0)
        >>> DriftSummary.from_report(r).drifted_columns
        ('x',)
        """
        if isinstance(report, DriftSummary):
            return report
        if isinstance(report, Mapping):
            return cls.from_dict(report)
        if not (hasattr(report, "drifted") and hasattr(report, "drift_share")):
            raise ValidationError(
                "The 'drift' parameter of Observation must be a drift report (an object with "
                f"'drifted' and 'drift_share', e.g. detector.detect(current)). Got {report!r} "
                "instead."
            )
        columns: tuple[str, ...]
        if hasattr(report, "drifted_columns"):
            columns = tuple(str(c) for c in report.drifted_columns)
        else:
            found = getattr(report, "columns", None) or {}
            items = found.items() if isinstance(found, Mapping) else []
            columns = tuple(str(k) for k, c in items if getattr(c, "drifted", False))
        return cls(
            drifted=bool(report.drifted),
            drift_share=report.drift_share,
            drifted_columns=columns,
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-compatible data.

        Examples
        --------
        >>> DriftSummary(drifted=False, drift_share=0.0).to_dict()
        {'drifted': False, 'drift_share': 0.0, 'drifted_columns': []}
        """
        return {
            "drifted": self.drifted,
            "drift_share": self.drift_share,
            "drifted_columns": list(self.drifted_columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftSummary:
        """Rebuild a summary from :meth:`to_dict`'s output.

        Examples
        --------
        >>> DriftSummary.from_dict({"drifted": True, "drift_share": 0.5}).drifted
        True
        """
        return cls(
            drifted=bool(data["drifted"]),
            drift_share=float(data["drift_share"]),
            drifted_columns=tuple(str(c) for c in data.get("drifted_columns", ())),
        )

    def __str__(self) -> str:
        verdict = "drifted" if self.drifted else "no drift"
        columns = f": {', '.join(self.drifted_columns)}" if self.drifted_columns else ""
        return f"{verdict} (share {self.drift_share:.3f}{columns})"


def _drift(value: Any) -> DriftSummary | None:
    return None if value is None else DriftSummary.from_report(value)


def _optional_rows(value: Any) -> int | None:
    if value is None:
        return None
    whole = not isinstance(value, bool) and isinstance(value, Real) and float(value).is_integer()
    if not whole or value < 0:
        raise ValidationError(
            "The 'new_rows' parameter of Observation must be a non-negative int. "
            f"Got {value!r} instead."
        )
    return int(value)


def _optional_loss(value: Any) -> float | None:
    if value is None:
        return None
    loss = _finite(value, "loss", "Observation")
    if loss < 0:
        raise ValidationError(
            f"The 'loss' parameter of Observation must be a finite number >= 0. Got {value!r} "
            "instead."
        )
    return loss


def _optional_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(
            "The 'manual' parameter of Observation must be a string saying why a retrain is "
            f"requested, or None. Got {value!r} instead."
        )
    return value


@attrs.frozen(kw_only=True)
class Observation:
    """Everything a retrain policy may look at, at one moment.

    Every input is optional except through the triggers that need it: a trigger whose input is
    missing reports ``missing_input`` instead of guessing.

    Parameters
    ----------
    now
        When the observation is made (aware datetime); ``None`` takes the policy's clock.
    last_trained
        When the serving model was trained.
    last_retrain
        When the policy last decided to retrain; filled from the policy's stored state.
    drift
        A drift report (any object with ``drifted`` and ``drift_share``), kept as a
        :class:`DriftSummary`.
    metrics
        Realized metrics of the serving model, e.g. ``{"roc_auc": 0.81}``.
    estimated_metrics
        Metrics estimated without labels (``PerformanceEstimator``).
    reference_metrics
        The serving model's registered metrics, the baseline of ``MetricDrop``.
    new_rows
        Rows of new labelled data since the last training.
    loss
        Estimated loss (in money or any unit) incurred since the previous observation, for the
        policy's cost rule.
    manual
        Why someone asks for a retrain now; fires the ``Manual`` trigger.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> obs = Observation(now=datetime(2026, 11, 26, tzinfo=timezone.utc),
    ...                   metrics={"roc_auc": 0.81}, new_rows=12_000)
    >>> obs.metrics["roc_auc"], obs.drift
    (0.81, None)
    >>> Observation.from_dict(obs.to_dict()) == obs
    True
    """

    now: datetime | None = attrs.field(default=None, converter=_now)
    last_trained: datetime | None = attrs.field(default=None, converter=_last_trained)
    last_retrain: datetime | None = attrs.field(default=None, converter=_last_retrain)
    drift: DriftSummary | None = attrs.field(default=None, converter=_drift)
    metrics: dict[str, float] = attrs.field(factory=dict, converter=_metrics)
    estimated_metrics: dict[str, float] = attrs.field(factory=dict, converter=_estimated)
    reference_metrics: dict[str, float] = attrs.field(factory=dict, converter=_reference)
    new_rows: int | None = attrs.field(default=None, converter=_optional_rows)
    loss: float | None = attrs.field(default=None, converter=_optional_loss)
    manual: str | None = attrs.field(default=None, converter=_optional_text)

    def to_dict(self) -> dict[str, Any]:
        """The observation as JSON-compatible data.

        Examples
        --------
        >>> Observation(new_rows=5).to_dict()["new_rows"]
        5
        """
        return {
            "now": iso(self.now),
            "last_trained": iso(self.last_trained),
            "last_retrain": iso(self.last_retrain),
            "drift": None if self.drift is None else self.drift.to_dict(),
            "metrics": dict(self.metrics),
            "estimated_metrics": dict(self.estimated_metrics),
            "reference_metrics": dict(self.reference_metrics),
            "new_rows": self.new_rows,
            "loss": self.loss,
            "manual": self.manual,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observation:
        """Rebuild an observation from :meth:`to_dict`'s output.

        Examples
        --------
        >>> Observation.from_dict({"now": "2026-11-26T00:00:00+00:00"}).now.year
        2026
        """
        known = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def __str__(self) -> str:
        parts = []
        if self.now is not None:
            parts.append(f"at {self.now:%Y-%m-%d %H:%M}")
        if self.drift is not None:
            parts.append(f"drift {self.drift}")
        for label, values in (
            ("metrics", self.metrics),
            ("estimated", self.estimated_metrics),
            ("reference", self.reference_metrics),
        ):
            if values:
                shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
                parts.append(f"{label} {shown}")
        if self.new_rows is not None:
            parts.append(f"{self.new_rows} new rows")
        if self.loss is not None:
            parts.append(f"loss {self.loss:.4g}")
        if self.manual is not None:
            parts.append(f"manual request: {self.manual}")
        return "Observation(" + "; ".join(parts) + ")"

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(str(self))}</code></p>"


def _check_status(instance: Any, attribute: Any, value: Any) -> None:
    if value not in _STATUSES:
        raise ValidationError(
            f"The 'status' parameter of TriggerResult must be one of {', '.join(_STATUSES)}. "
            f"Got {value!r} instead."
        )


@attrs.frozen(kw_only=True)
class TriggerResult:
    """What one trigger says about one observation.

    Parameters
    ----------
    trigger
        The trigger's name.
    status
        ``"fired"``, ``"not_fired"`` or ``"missing_input"`` (the observation lacks what the
        trigger measures).
    value
        The measured value (a drift share, a metric, an age in days, ...), if any.
    threshold
        The threshold it was compared with, if any.
    message
        One sentence naming the trigger, the value and the threshold.

    Examples
    --------
    >>> r = TriggerResult(trigger="drift_share", status="fired", value=0.6, threshold=0.3,
    ...                   message="drift_share: drift share 0.600 ≥ 0.300")
    >>> r.fired
    True
    >>> TriggerResult.from_dict(r.to_dict()) == r
    True
    """

    trigger: str
    status: str = attrs.field(validator=_check_status)
    value: float | None = None
    threshold: float | None = None
    message: str = ""

    @property
    def fired(self) -> bool:
        """Whether the trigger fired."""
        return self.status == "fired"

    @property
    def missing_input(self) -> bool:
        """Whether the observation lacked the trigger's input."""
        return self.status == "missing_input"

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-compatible data.

        Examples
        --------
        >>> TriggerResult(trigger="t", status="not_fired").to_dict()["status"]
        'not_fired'
        """
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TriggerResult:
        """Rebuild a result from :meth:`to_dict`'s output.

        Examples
        --------
        >>> TriggerResult.from_dict({"trigger": "t", "status": "missing_input"}).missing_input
        True
        """
        return cls(
            trigger=str(data["trigger"]),
            status=str(data["status"]),
            value=None if data.get("value") is None else float(data["value"]),
            threshold=None if data.get("threshold") is None else float(data["threshold"]),
            message=str(data.get("message", "")),
        )

    def __str__(self) -> str:
        return self.message or f"{self.trigger}: {self.status}"

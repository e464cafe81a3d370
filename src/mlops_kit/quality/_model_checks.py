"""Model checks: metric thresholds, slices, stability, calibration and latency."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality._base import BaseCheck, MissingInputError, integer, number
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._metrics import Metric, resolve_metric
from mlops_kit.quality._model_common import label_inputs, metric_name, single_class
from mlops_kit.quality._result import CheckResult

__all__ = ["Calibration", "LatencyBudget", "MetricAtLeast", "MetricAtMost", "SliceMetric"]

MetricLike = str | Callable[..., float]


def _metric(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    try:
        resolve_metric(value, uses=getattr(instance, "uses", None))
    except ValidationError as error:
        raise ValidationError(
            f"The 'metric' parameter of {type(instance).__name__} is invalid: {error}"
        ) from None


class _MetricCheck(BaseCheck):
    metric: MetricLike
    uses: str | None

    def _m(self) -> Metric:
        return resolve_metric(self.metric, uses=self.uses)

    def _default_name(self) -> str:
        return f"{type(self).__name__}({metric_name(self.metric)})"

    def _measure(self, evidence: Evidence) -> tuple[float | None, dict[str, int], str]:
        m = self._m()
        x = getattr(evidence, f"y_{m.uses}")
        if (evidence.y_true is None or x is None) and m.name in evidence.metrics:
            return evidence.metrics[m.name], {}, "Evidence.metrics"
        y, x = label_inputs(evidence, m)
        if single_class(m, y):
            return None, {"n_rows": len(y)}, "labels"
        return m(y, x), {"n_rows": len(y)}, "labels"


def _bound_check(check: _MetricCheck, evidence: Evidence, at_least: bool) -> CheckResult:
    name = metric_name(check.metric)
    threshold: float = check.threshold  # type: ignore[attr-defined]
    value, counts, source = check._measure(evidence)
    if value is None:
        return check._result(
            "insufficient_data",
            threshold=threshold,
            message=f"{name} is undefined: y_true has a single class",
            counts=counts,
        )
    ok = value >= threshold if at_least else value <= threshold
    word = ("at least" if ok else "below") if at_least else ("at most" if ok else "above")
    return check._result(
        "pass" if ok else "fail",
        value=value,
        threshold=threshold,
        message=f"{name} is {value:.4g}, {word} {threshold:.4g}",
        counts=counts,
        details={"source": source},
    )


@attrs.define(repr=False)
class MetricAtLeast(_MetricCheck):
    """A metric (by name, or a callable ``metric(y_true, x)``) is at least ``threshold``.

    Computed from ``y_true`` and ``y_pred`` or ``y_score`` (whichever the metric takes); when
    those are absent, read from ``Evidence.metrics``. A score metric on labels of a single
    class gives ``insufficient_data``.

    Examples
    --------
    >>> e = Evidence(y_true=[0, 1, 1, 0], y_score=[0.1, 0.8, 0.4, 0.3])
    >>> MetricAtLeast("roc_auc", 0.85).evaluate(e).message
    'roc_auc is 1, at least 0.85'
    """

    metric: MetricLike = attrs.field(validator=_metric)
    threshold: float = attrs.field(validator=number())
    uses: str | None = attrs.field(default=None, kw_only=True)

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        return _bound_check(self, evidence, at_least=True)


@attrs.define(repr=False)
class MetricAtMost(_MetricCheck):
    """A metric (a loss, an error rate, ...) is at most ``threshold``.

    Examples
    --------
    >>> e = Evidence(y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0])
    >>> MetricAtMost("error_rate", 0.1).evaluate(e).status
    'fail'
    """

    metric: MetricLike = attrs.field(validator=_metric)
    threshold: float = attrs.field(validator=number())
    uses: str | None = attrs.field(default=None, kw_only=True)

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        return _bound_check(self, evidence, at_least=False)


def _segment(evidence: Evidence, column: str, bins: int) -> pd.Series:
    for part in ("sensitive", "data"):
        frame = getattr(evidence, part)
        if frame is not None and column in frame.columns:
            s = frame[column].reset_index(drop=True)
            numeric = pd.api.types.is_numeric_dtype(s.dtype)
            if numeric and not pd.api.types.is_bool_dtype(s.dtype) and s.nunique() > 2 * bins:
                binned: pd.Series = pd.qcut(s, bins, duplicates="drop").astype(str)
                return binned
            out: pd.Series = s.astype(object).where(s.notna(), "<missing>").astype(str)
            return out
    raise MissingInputError(
        f"missing input: column {column!r} is in neither Evidence.sensitive nor Evidence.data"
    )


@attrs.define(repr=False)
class SliceMetric(_MetricCheck):
    """A metric holds up in every segment of a column: no slice is worse than ``threshold``,
    nor worse than the overall value by more than ``max_gap``.

    Parameters
    ----------
    metric
        A metric name or callable.
    column
        The column of ``Evidence.sensitive`` or ``Evidence.data`` to slice by; a numeric
        column with many values is cut into ``bins`` quantile bins.
    threshold
        The worst accepted value in any slice (in the metric's direction).
    max_gap
        The largest accepted shortfall of a slice from the overall value.
    min_support
        Slices with fewer rows are skipped (listed in the details); if no slice is left the
        result is ``insufficient_data``.
    n_weakest
        How many of the weakest slices the details list.

    Examples
    --------
    >>> import pandas as pd
    >>> e = Evidence(y_true=[1, 1, 0, 0, 1, 1, 0, 0], y_pred=[1, 1, 0, 0, 0, 0, 1, 0],
    ...              data=pd.DataFrame({"region": list("aaaabbbb")}))
    >>> r = SliceMetric("accuracy", "region", threshold=0.75, min_support=2).evaluate(e)
    >>> r.status, r.value, r.details["weakest"][0]["slice"]
    ('fail', 0.25, 'b')
    """

    metric: MetricLike = attrs.field(validator=_metric)
    column: str = attrs.field()
    threshold: float | None = attrs.field(
        default=None, kw_only=True, validator=number(optional=True)
    )
    max_gap: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, optional=True)
    )
    min_support: int = attrs.field(default=30, kw_only=True, validator=integer(low=1))
    bins: int = attrs.field(default=5, kw_only=True, validator=integer(low=2))
    n_weakest: int = attrs.field(default=5, kw_only=True, validator=integer(low=1))
    uses: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.threshold is None and self.max_gap is None:
            raise ValidationError(
                "SliceMetric needs threshold= or max_gap= (or both). Got neither instead."
            )
        super().__attrs_post_init__()

    def _default_name(self) -> str:
        return f"SliceMetric({metric_name(self.metric)},{self.column})"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        m = self._m()
        y, x = label_inputs(evidence, m)
        segments = _segment(evidence, self.column, self.bins)
        sign = 1.0 if m.greater_is_better else -1.0
        overall = None if single_class(m, y) else m(y, x)
        slices: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for key, positions in segments.groupby(segments, sort=True).indices.items():
            n = len(positions)
            if n < self.min_support or single_class(m, y[positions]):
                skipped.append({"slice": str(key), "n": n})
                continue
            slices.append({"slice": str(key), "n": n, "value": m(y[positions], x[positions])})
        if not slices:
            return self._result(
                "insufficient_data",
                message=f"no slice of {self.column!r} has {self.min_support} rows or more "
                "with a defined metric",
                details={"skipped": skipped},
            )
        slices.sort(key=lambda s: sign * s["value"])
        bounds: list[float] = []
        if self.threshold is not None:
            bounds.append(self.threshold)
        if self.max_gap is not None and overall is not None:
            bounds.append(overall - sign * self.max_gap)
        bound = (max(bounds) if sign > 0 else min(bounds)) if bounds else None
        failing = [s for s in slices if bound is not None and sign * (s["value"] - bound) < 0]
        worst = slices[0]
        name = metric_name(self.metric)
        message = (
            f"{len(failing)} of {len(slices)} slices of {self.column!r} have {name} worse than "
            f"{bound:.4g}; weakest {worst['slice']!r} at {worst['value']:.4g}"
            if bound is not None
            else f"weakest slice {worst['slice']!r} at {worst['value']:.4g}"
        )
        return self._result(
            "fail" if failing else "pass",
            value=worst["value"],
            threshold=bound,
            message=message,
            counts={"n_rows": len(y), "n_slices": len(slices), "n_failing": len(failing)},
            details={
                "overall": overall,
                "weakest": slices[: self.n_weakest],
                "failing": [s["slice"] for s in failing],
                "skipped": skipped,
            },
        )


@attrs.define(repr=False)
class Calibration(BaseCheck):
    """Predicted probabilities are calibrated: Brier score and expected calibration error.

    ``ECE = sum_b (n_b / n) |mean(y in b) - mean(p in b)|`` over ``n_bins`` equal-width bins
    of [0, 1] (a score of exactly 1 falls in the last bin). Binary labels, the larger is the
    positive class.

    Examples
    --------
    >>> e = Evidence(y_true=[0, 0, 1, 1], y_score=[0.1, 0.3, 0.6, 0.9])
    >>> r = Calibration(max_brier=0.1).evaluate(e)
    >>> r.value, r.details["ece"]
    (0.0675, 0.225)
    """

    max_brier: float | None = attrs.field(
        default=None, validator=number(low=0, high=1, optional=True)
    )
    max_ece: float | None = attrs.field(
        default=None, validator=number(low=0, high=1, optional=True)
    )
    n_bins: int = attrs.field(default=10, kw_only=True, validator=integer(low=1))

    def __attrs_post_init__(self) -> None:
        if self.max_brier is None and self.max_ece is None:
            raise ValidationError("Calibration needs max_brier= or max_ece=. Got neither instead.")
        super().__attrs_post_init__()

    def _default_name(self) -> str:
        return "Calibration"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        self._need(evidence, "y_true", "y_score")
        y_raw, p = np.asarray(evidence.y_true), np.asarray(evidence.y_score, dtype=float)
        labels = np.unique(y_raw)
        if len(labels) > 2 or p.ndim != 1:
            raise ValidationError(
                "Calibration needs binary labels and one probability per row; got labels "
                f"{labels.tolist()[:5]} and scores of shape {p.shape}."
            )
        if np.any((p < 0) | (p > 1)):
            raise ValidationError("Calibration needs probabilities in [0, 1] in y_score.")
        y = (y_raw == labels[-1]).astype(float)
        brier = float(np.mean((p - y) ** 2))
        idx = np.minimum((p * self.n_bins).astype(int), self.n_bins - 1)
        count = np.bincount(idx, minlength=self.n_bins)
        sum_p = np.bincount(idx, weights=p, minlength=self.n_bins)
        sum_y = np.bincount(idx, weights=y, minlength=self.n_bins)
        used = count > 0
        ece = float(np.sum(np.abs(sum_y[used] - sum_p[used])) / len(y))
        table = [
            {
                "bin": int(b),
                "n": int(count[b]),
                "mean_score": sum_p[b] / count[b],
                "positive_rate": sum_y[b] / count[b],
            }
            for b in np.flatnonzero(used)
        ]
        fails = []
        if self.max_brier is not None and brier > self.max_brier:
            fails.append(f"Brier {brier:.4g} > {self.max_brier:.4g}")
        if self.max_ece is not None and ece > self.max_ece:
            fails.append(f"ECE {ece:.4g} > {self.max_ece:.4g}")
        use_brier = self.max_brier is not None
        return self._result(
            "fail" if fails else "pass",
            value=brier if use_brier else ece,
            threshold=self.max_brier if use_brier else self.max_ece,
            message="; ".join(fails) if fails else f"Brier {brier:.4g}, ECE {ece:.4g}",
            counts={"n_rows": len(y)},
            details={"brier": brier, "ece": ece, "bins": table},
        )


@attrs.define(repr=False)
class LatencyBudget(BaseCheck):
    """The 95th percentile of prediction latency, on a sample of rows, is within budget.

    Calls ``getattr(Evidence.model, method)`` on ``sample_size`` batches of ``batch_size``
    rows drawn from ``Evidence.data`` (after one warm-up call) and times each call.

    Examples
    --------
    >>> import pandas as pd
    >>> class Model:
    ...     def predict(self, X): return [0] * len(X)
    >>> e = Evidence(data=pd.DataFrame({"x": range(10)}), model=Model())
    >>> LatencyBudget(max_p95_ms=100, sample_size=20).evaluate(e).status
    'pass'
    """

    max_p95_ms: float = attrs.field(validator=number(low=0, closed="(]"))
    sample_size: int = attrs.field(default=100, kw_only=True, validator=integer(low=1))
    batch_size: int = attrs.field(default=1, kw_only=True, validator=integer(low=1))
    method: str = attrs.field(default="predict", kw_only=True)
    random_state: int = attrs.field(default=0, kw_only=True, validator=integer())

    def _default_name(self) -> str:
        return "LatencyBudget"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        self._need(evidence, "model", "data")
        predict = getattr(evidence.model, self.method, None)
        if not callable(predict):
            raise MissingInputError(
                f"missing input: the model has no {self.method!r} method (set method=)"
            )
        data = self._frame(evidence)
        if len(data) == 0:
            return self._result("insufficient_data", message="no rows to time predictions on")
        rng = np.random.default_rng(self.random_state)
        starts = rng.integers(0, max(len(data) - self.batch_size, 0) + 1, self.sample_size)
        predict(data.iloc[: self.batch_size])
        times = np.empty(self.sample_size)
        for i, s in enumerate(starts):
            batch = data.iloc[s : s + self.batch_size]
            t0 = time.perf_counter()
            predict(batch)
            times[i] = (time.perf_counter() - t0) * 1000
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        ok = p95 <= self.max_p95_ms
        return self._result(
            "pass" if ok else "fail",
            value=float(p95),
            threshold=self.max_p95_ms,
            message=f"p95 latency {p95:.3g} ms for batches of {self.batch_size} "
            f"({'within' if ok else 'over'} {self.max_p95_ms:g} ms)",
            counts={"n_calls": self.sample_size, "batch_size": self.batch_size},
            details={"p50_ms": p50, "p99_ms": p99, "max_ms": times.max()},
        )

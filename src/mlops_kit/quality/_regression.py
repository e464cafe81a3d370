"""Checks against the champion and over time: :class:`NoRegression` and :class:`StableMetric`."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality import significance
from mlops_kit.quality._base import MissingInputError, integer, number, one_of
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._metrics import ACCURACY_LIKE, resolve_metric
from mlops_kit.quality._model_checks import MetricLike, _metric, _MetricCheck
from mlops_kit.quality._model_common import label_inputs, metric_name, single_class
from mlops_kit.quality._result import CheckResult

__all__ = ["NoRegression", "StableMetric"]


def _test_for(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    one_of("auto", "mcnemar", "delong", "bootstrap")(instance, attribute, value)
    if isinstance(instance.metric, str):
        name = resolve_metric(instance.metric).name
        if value == "mcnemar" and name not in ACCURACY_LIKE:
            raise ValidationError(
                f"The 'test' parameter of NoRegression: McNemar compares accuracy-like metrics "
                f"only; got metric {name!r}. Use test='bootstrap' or 'auto'."
            )
        if value == "delong" and name != "roc_auc":
            raise ValidationError(
                f"The 'test' parameter of NoRegression: DeLong compares ROC AUC only; got metric "
                f"{name!r}. Use test='bootstrap' or 'auto'."
            )


@attrs.define(repr=False)
class NoRegression(_MetricCheck):
    """The model is not worse than the baseline (the champion) on the same rows by more than
    ``max_drop``: a paired non-inferiority test.

    ``value`` is the improvement ``metric(model) - metric(baseline)``, signed so that positive
    is better (for a loss, the decrease). With a two-sided ``confidence`` interval
    ``[low, high]`` of the improvement:

    - ``low >= -max_drop``: non-inferiority shown, ``pass``;
    - ``high < -max_drop``: significantly worse than the margin, ``fail``;
    - otherwise the data cannot tell: the status is ``inconclusive`` (``"fail"`` by default,
      as a non-inferiority test demands; ``"warn"``, ``"insufficient_data"`` or ``"pass"``).

    The test: McNemar's paired interval for accuracy and error rate, DeLong for ROC AUC, a
    paired bootstrap for any other metric (``test="auto"``). Without a baseline (no champion
    yet) the check passes with a message saying so, unless ``require_baseline=True``. If the
    baseline has no predictions but carries the metric in ``Evidence.metrics``, the point values
    are compared (no interval).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> champion = Evidence(y_true=y, y_score=y * 0.5 + rng.random(400))
    >>> challenger = Evidence(y_true=y, y_score=y * 0.5 + rng.random(400), baseline=champion)
    >>> r = NoRegression("roc_auc", max_drop=0.05).evaluate(challenger)
    >>> r.details["test"], r.status in ("pass", "fail")
    ('delong', True)
    >>> NoRegression("roc_auc").evaluate(Evidence(y_true=y, y_score=y)).message
    'no baseline (no champion yet): nothing to regress against'
    """

    metric: MetricLike = attrs.field(validator=_metric)
    max_drop: float = attrs.field(default=0.0, kw_only=True, validator=number(low=0))
    test: str = attrs.field(default="auto", kw_only=True, validator=_test_for)
    confidence: float = attrs.field(
        default=0.95, kw_only=True, validator=number(low=0, high=1, closed="()")
    )
    inconclusive: str = attrs.field(
        default="fail",
        kw_only=True,
        validator=one_of("fail", "warn", "insufficient_data", "pass"),
    )
    require_baseline: bool = attrs.field(default=False, kw_only=True)
    n_resamples: int = attrs.field(default=2000, kw_only=True, validator=integer(low=100))
    random_state: int = attrs.field(default=0, kw_only=True, validator=integer())
    uses: str | None = attrs.field(default=None, kw_only=True)

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        m = self._m()
        name = metric_name(self.metric)
        base = evidence.baseline
        y, x_new = label_inputs(evidence, m)
        if base is None:
            if self.require_baseline:
                raise MissingInputError(
                    "missing input: Evidence(baseline=...) is needed (require_baseline=True)"
                )
            return self._result(
                "pass",
                threshold=-self.max_drop,
                message="no baseline (no champion yet): nothing to regress against",
                details={"baseline": None, "metric": name},
            )
        sign = 1.0 if m.greater_is_better else -1.0
        x_base = getattr(base, f"y_{m.uses}")
        if x_base is None and m.name in base.metrics:
            return self._point(evidence, m.name, sign, m(y, x_new), base.metrics[m.name])
        if x_base is None:
            raise MissingInputError(
                f"missing input: Evidence.baseline(y_{m.uses}=...) is needed for metric {m.name!r}"
            )
        if base.y_true is not None and not np.array_equal(base.y_true, y):
            raise ValidationError(
                "NoRegression compares the model and its baseline on the same rows, but "
                "baseline.y_true differs from y_true. Score the champion on the same rows."
            )
        if len(x_base) != len(y):
            raise ValidationError(
                f"The baseline has {len(x_base)} predictions for {len(y)} rows; score the "
                "champion on the same rows."
            )
        if single_class(m, y):
            return self._result(
                "insufficient_data", message=f"{name} is undefined: y_true has a single class"
            )
        test = self.test
        if test == "auto":
            test = (
                "mcnemar"
                if m.name in ACCURACY_LIKE
                else "delong"
                if m.name == "roc_auc"
                else "bootstrap"
            )
        p_equal: float
        if test == "mcnemar":
            mc = significance.mcnemar(y, x_new, x_base, confidence=self.confidence)
            value_new = m(y, x_new)
            value_base = m(y, x_base)
            diff, low, high, p_equal = mc.difference, mc.ci_low, mc.ci_high, mc.p_value
            extra: dict[str, Any] = {"b": mc.b, "c": mc.c, "statistic": mc.statistic}
        elif test == "delong":
            dl = significance.delong(y, x_new, x_base, confidence=self.confidence)
            value_new, value_base = dl.auc_a, dl.auc_b
            diff, low, high, p_equal = dl.difference, dl.ci_low, dl.ci_high, dl.p_value
            extra = {"z": dl.z}
        else:
            bs = significance.paired_bootstrap(
                m,
                y,
                x_new,
                x_base,
                n_resamples=self.n_resamples,
                confidence=self.confidence,
                random_state=self.random_state,
            )
            value_new, value_base = bs.value_a, bs.value_b
            diff = sign * bs.difference
            low, high = sorted((sign * bs.ci_low, sign * bs.ci_high))
            p_equal = bs.p_value
            extra = {"n_valid_resamples": bs.n_valid}
        p_noninferior = None
        if test != "bootstrap":
            from scipy.stats import norm

            se = (high - low) / (2 * float(norm.ppf(0.5 + self.confidence / 2)))
            if se > 0:
                p_noninferior = float(norm.sf((diff + self.max_drop) / se))
            else:
                p_noninferior = 0.0 if diff + self.max_drop >= 0 else 1.0
        margin = 0.0 - self.max_drop  # never -0.0 in messages
        if low >= margin:
            status, verdict = "pass", "not worse than the margin"
        elif high < margin:
            status, verdict = "fail", "worse than the margin"
        else:
            status = self.inconclusive
            verdict = "inconclusive: the interval straddles the margin (more rows would tell)"
        return self._result(
            status,
            value=diff,
            threshold=margin,
            confidence_interval=(low, high),
            message=f"{name} {value_new:.4g} vs baseline {value_base:.4g}: change {diff:+.4g}, "
            f"{self.confidence:.0%} CI [{low:+.4g}, {high:+.4g}], margin {margin:+.4g}; {verdict}",
            counts={"n_rows": len(y)},
            details={
                "metric": name,
                "test": test,
                "value": value_new,
                "baseline_value": value_base,
                "p_value": p_equal,
                "p_value_noninferiority": p_noninferior,
                **extra,
            },
        )

    def _point(
        self, evidence: Evidence, name: str, sign: float, new: float, old: float
    ) -> CheckResult:
        diff = sign * (new - old)
        ok = diff >= -self.max_drop
        return self._result(
            "pass" if ok else "fail",
            value=diff,
            threshold=-self.max_drop,
            message=f"{name} {new:.4g} vs baseline's recorded {old:.4g}: change {diff:+.4g} "
            "(point values, no interval: the baseline has no predictions on these rows)",
            details={"metric": name, "test": "point", "value": new, "baseline_value": old},
        )


def _window(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    try:
        ok = pd.Timedelta(value) > pd.Timedelta(0)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise ValidationError(
            "The 'window' parameter of StableMetric must be a positive duration such as '7D' "
            f"or a datetime.timedelta. Got {value!r} instead."
        )


@attrs.define(repr=False)
class StableMetric(_MetricCheck):
    """A metric is stable: its bootstrap confidence interval is narrow and it varies little
    across time windows.

    Parameters
    ----------
    metric
        A metric name or callable.
    max_ci_width
        The widest accepted bootstrap interval of the metric (at ``confidence``).
    max_spread
        The largest accepted ``max - min`` of the metric across windows: consecutive time
        windows of ``window`` (a duration, needs ``Evidence.timestamps``) or, without it,
        ``n_windows`` consecutive blocks of rows. Windows under ``min_window_size`` rows are
        skipped; fewer than two usable windows give ``insufficient_data``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = rng.integers(0, 2, 2000)
    >>> pred = np.where(rng.random(2000) < 0.9, y, 1 - y)
    >>> r = StableMetric("accuracy", max_ci_width=0.05, max_spread=0.05).evaluate(
    ...     Evidence(y_true=y, y_pred=pred))
    >>> r.status, r.confidence_interval[0] < 0.9 < r.confidence_interval[1]
    ('pass', True)
    """

    metric: MetricLike = attrs.field(validator=_metric)
    max_ci_width: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, optional=True)
    )
    max_spread: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, optional=True)
    )
    window: str | dt.timedelta | None = attrs.field(default=None, kw_only=True, validator=_window)
    n_windows: int = attrs.field(default=5, kw_only=True, validator=integer(low=2))
    min_window_size: int = attrs.field(default=30, kw_only=True, validator=integer(low=1))
    confidence: float = attrs.field(
        default=0.95, kw_only=True, validator=number(low=0, high=1, closed="()")
    )
    n_resamples: int = attrs.field(default=1000, kw_only=True, validator=integer(low=100))
    random_state: int = attrs.field(default=0, kw_only=True, validator=integer())
    uses: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.max_ci_width is None and self.max_spread is None:
            raise ValidationError(
                "StableMetric needs max_ci_width= or max_spread= (or both). Got neither instead."
            )
        super().__attrs_post_init__()

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        from mlops_kit.quality.significance import _resampled

        m = self._m()
        y, x = label_inputs(evidence, m)
        name = metric_name(self.metric)
        problems: list[str] = []
        details: dict[str, Any] = {}
        value: float | None = None
        ci = None
        if self.max_ci_width is not None:
            rng = np.random.default_rng(self.random_state)
            idx = rng.integers(0, len(y), size=(self.n_resamples, len(y)))
            values = _resampled(m, y, x, idx)
            values = values[np.isfinite(values)]
            if values.size < self.n_resamples // 2:
                return self._result(
                    "insufficient_data", message=f"{name} is undefined on most resamples"
                )
            alpha = 1 - self.confidence
            low, high = (float(v) for v in np.quantile(values, [alpha / 2, 1 - alpha / 2]))
            ci, value = (low, high), high - low
            details["ci_width"] = value
            if value > self.max_ci_width:
                problems.append(f"CI width {value:.4g} > {self.max_ci_width:.4g}")
        spread_missing = False
        if self.max_spread is not None:
            windows = self._windows(evidence, m, y, x)
            details["windows"] = windows
            if len(windows) < 2:
                spread_missing = True
            else:
                vals = [w["value"] for w in windows]
                spread = max(vals) - min(vals)
                details["spread"] = spread
                if value is None:
                    value = spread
                if spread > self.max_spread:
                    problems.append(f"spread across windows {spread:.4g} > {self.max_spread:.4g}")
        if problems:
            status, message = "fail", f"{name} unstable: " + "; ".join(problems)
        elif spread_missing:
            status = "insufficient_data"
            message = f"fewer than two windows of {self.min_window_size}+ rows to compare"
        else:
            status, message = (
                "pass",
                f"{name} stable: "
                + ", ".join(
                    f"{k} {v:.4g}" for k, v in details.items() if k in ("ci_width", "spread")
                ),
            )
        threshold = self.max_ci_width if self.max_ci_width is not None else self.max_spread
        return self._result(
            status,
            value=value,
            threshold=threshold,
            confidence_interval=ci,
            message=message,
            counts={"n_rows": len(y)},
            details=details,
        )

    def _windows(
        self, evidence: Evidence, m: Any, y: np.ndarray[Any, Any], x: np.ndarray[Any, Any]
    ) -> list[dict[str, Any]]:
        if self.window is not None:
            self._need(evidence, "timestamps")
            ts = evidence.timestamps
            assert ts is not None
            codes = ((ts - ts.min()) // pd.Timedelta(self.window)).to_numpy()
            starts = {int(c): ts.min() + int(c) * pd.Timedelta(self.window) for c in set(codes)}
            groups = [
                (str(starts[c].isoformat()), np.flatnonzero(codes == c)) for c in sorted(starts)
            ]
        else:
            splits = np.array_split(np.arange(len(y)), self.n_windows)
            groups = [(f"rows {s[0]}-{s[-1]}", s) for s in splits if len(s)]
        out = []
        for label, rows in groups:
            if len(rows) >= self.min_window_size and not single_class(m, y[rows]):
                value = m(y[rows], x[rows])
                if math.isfinite(value):
                    out.append({"window": label, "n": len(rows), "value": value})
        return out

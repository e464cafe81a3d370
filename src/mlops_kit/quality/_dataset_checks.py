"""Dataset-level data checks: row count, freshness, duplicates, outliers, drift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality._base import BaseCheck, MissingInputError, column_names, number, one_of
from mlops_kit.quality._data_checks import _rate_check_result
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._json import row_ids
from mlops_kit.quality._result import CheckResult

__all__ = ["Freshness", "MaxOutlierRate", "NoDrift", "NoDuplicateRows", "RowCount"]


@attrs.define(repr=False)
class RowCount(BaseCheck):
    """The number of rows lies within bounds, absolute or relative to the reference's.

    Parameters
    ----------
    min, max
        Absolute bounds on the number of rows (``None``: open).
    min_ratio, max_ratio
        Bounds on ``len(data) / len(reference)`` (needs ``Evidence(reference=...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> RowCount(min=100).evaluate(Evidence(data=pd.DataFrame({"x": range(50)}))).message
    '50 rows; expected at least 100'
    """

    min: int | None = attrs.field(default=None, validator=number(low=0, optional=True))
    max: int | None = attrs.field(default=None, validator=number(low=0, optional=True))
    min_ratio: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, optional=True)
    )
    max_ratio: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, optional=True)
    )

    def __attrs_post_init__(self) -> None:
        if all(v is None for v in (self.min, self.max, self.min_ratio, self.max_ratio)):
            raise ValidationError(
                "RowCount needs at least one bound: pass min=, max=, min_ratio= or max_ratio=. "
                "Got none instead."
            )
        super().__attrs_post_init__()

    def _default_name(self) -> str:
        return "RowCount"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        n = len(self._frame(evidence))
        low: float | None = self.min
        high: float | None = self.max
        details: dict[str, Any] = {"min": self.min, "max": self.max}
        if self.min_ratio is not None or self.max_ratio is not None:
            n_ref = len(self._frame(evidence, "reference"))
            details.update(n_reference=n_ref, min_ratio=self.min_ratio, max_ratio=self.max_ratio)
            if self.min_ratio is not None:
                r_low = self.min_ratio * n_ref
                low = r_low if low is None else max(low, r_low)
            if self.max_ratio is not None:
                r_high = self.max_ratio * n_ref
                high = r_high if high is None else min(high, r_high)
        threshold: float | None
        if low is not None and n < low:
            status, threshold, message = "fail", low, f"{n} rows; expected at least {low:g}"
        elif high is not None and n > high:
            status, threshold, message = "fail", high, f"{n} rows; expected at most {high:g}"
        else:
            status, threshold = "pass", (low if low is not None else high)
            message = f"{n} rows, within [{low if low is not None else 0:g}, "
            message += f"{high:g}]" if high is not None else "inf)"
        return self._result(
            status,
            value=n,
            threshold=threshold,
            message=message,
            counts={"n_rows": n},
            details=details,
        )


def _optional_tuple(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _timedelta(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise ValidationError(
            f"The {attribute.name!r} parameter of {type(instance).__name__} must be a positive "
            f"datetime.timedelta. Got {value!r} instead."
        )


@attrs.define(repr=False)
class Freshness(BaseCheck):
    """The newest timestamp is at most ``max_age`` old.

    Parameters
    ----------
    max_age
        The largest accepted age of the newest row.
    column
        A datetime column of the data; by default ``Evidence.timestamps``. Naive times are UTC.
    now
        The time to measure the age at (default: the current time, UTC).

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> data = pd.DataFrame({"at": pd.to_datetime(["2026-01-01", "2026-01-03"])})
    >>> check = Freshness(dt.timedelta(days=1), column="at", now=dt.datetime(2026, 1, 3, 12))
    >>> check.evaluate(Evidence(data=data)).value  # seconds
    43200.0
    """

    max_age: dt.timedelta = attrs.field(validator=_timedelta)
    column: str | None = attrs.field(default=None, kw_only=True)
    now: dt.datetime | None = attrs.field(default=None, kw_only=True)

    def _default_name(self) -> str:
        return f"Freshness({self.column})" if self.column else "Freshness"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        times: Any
        if self.column is not None:
            times = pd.to_datetime(self._column(evidence, self.column))
        else:
            self._need(evidence, "timestamps")
            times = evidence.timestamps
        newest: Any = times.max()
        if pd.isna(newest):
            return self._result(
                "insufficient_data", message="no timestamp to measure freshness", threshold=None
            )
        now = _utc(self.now if self.now is not None else dt.datetime.now(dt.timezone.utc))
        age = (now - _utc(newest)).total_seconds()
        limit = self.max_age.total_seconds()
        ok = age <= limit
        return self._result(
            "pass" if ok else "fail",
            value=age,
            threshold=limit,
            message=f"newest row is {dt.timedelta(seconds=round(age))} old; "
            f"{'within' if ok else 'over'} the limit of {self.max_age}",
            counts={"n_rows": len(times)},
            details={"newest": _utc(newest).isoformat(), "now": now.isoformat()},
        )


@attrs.define(repr=False)
class NoDuplicateRows(BaseCheck):
    """At most ``max_rate`` of the rows repeat an earlier row (on ``columns``, default all).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"a": [1, 1, 2], "b": ["x", "x", "y"]})
    >>> NoDuplicateRows().evaluate(Evidence(data=data)).failing_rows
    (1,)
    """

    columns: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    max_rate: float = attrs.field(default=0.0, kw_only=True, validator=number(low=0, high=1))

    def _default_name(self) -> str:
        return "NoDuplicateRows" + (f"({','.join(self.columns)})" if self.columns else "")

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        data = self._frame(evidence)
        if self.columns is not None:
            for c in self.columns:
                self._column(evidence, c)
        dup = data.duplicated(subset=list(self.columns) if self.columns else None).to_numpy()
        n, n_dup = len(data), int(dup.sum())
        rate = n_dup / n if n else 0.0
        rows, _ = row_ids(data.index, dup)
        ok = rate <= self.max_rate
        return self._result(
            "pass" if ok else "fail",
            value=rate,
            threshold=self.max_rate,
            message=f"{n_dup} of {n} rows repeat an earlier row (rate {rate:.4g})",
            counts={"n_rows": n, "n_failing": n_dup},
            failing_rows=rows,
        )


@attrs.define(repr=False)
class MaxOutlierRate(BaseCheck):
    """The share of outliers in a numeric column is at most ``max_rate``.

    Outliers are measured against the reference when ``Evidence.reference`` has the column,
    else against the data itself: ``method="iqr"`` flags values beyond ``factor`` (default 1.5)
    interquartile ranges outside the quartiles; ``method="zscore"`` flags values more than
    ``factor`` (default 3) standard deviations from the mean. Missing values are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100]})
    >>> MaxOutlierRate("x", 0.05).evaluate(Evidence(data=data)).value
    0.1
    """

    column: str = attrs.field(validator=column_names)
    max_rate: float = attrs.field(validator=number(low=0, high=1))
    method: str = attrs.field(default="iqr", kw_only=True, validator=one_of("iqr", "zscore"))
    factor: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, optional=True, closed="(]")
    )

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        s = self._column(evidence, self.column)
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            raise ValidationError(
                f"MaxOutlierRate needs a numeric column; column {self.column!r} has dtype "
                f"{s.dtype}."
            )
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        ref_frame = evidence.reference
        use_ref = ref_frame is not None and self.column in ref_frame.columns
        source = (
            ref_frame[self.column].to_numpy(dtype="float64", na_value=np.nan)  # type: ignore[index]
            if use_ref
            else values
        )
        source = source[np.isfinite(source)]
        if source.size < 2:
            return self._result(
                "insufficient_data",
                message=f"fewer than 2 finite values in column {self.column!r} to set bounds",
            )
        if self.method == "iqr":
            k = 1.5 if self.factor is None else self.factor
            q1, q3 = np.quantile(source, [0.25, 0.75])
            low, high = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
        else:
            k = 3.0 if self.factor is None else self.factor
            mean, std = float(source.mean()), float(source.std())
            low, high = mean - k * std, mean + k * std
        present = ~np.isnan(values)
        bad = present & ((values < low) | (values > high))
        return _rate_check_result(
            self,
            self._frame(evidence),
            bad,
            int(present.sum()),
            self.max_rate,
            f"outside [{low:.4g}, {high:.4g}]",
            {"low": low, "high": high, "bounds_from": "reference" if use_ref else "data"},
        )


@attrs.define(repr=False)
class NoDrift(BaseCheck):
    """A fitted drift detector finds no drift in the data.

    Parameters
    ----------
    detector
        Any fitted ``DriftDetector``; ``detector.detect(evidence.data)`` must return a report
        with ``drifted``, ``drift_share`` and ``columns`` (column -> drift with ``drifted``,
        ``statistic``, ``p_value``, ``method``).
    max_drift_share
        Fail when the share of drifted columns exceeds this; by default the report's own
        ``drifted`` verdict decides.
    columns
        Only pass these columns of the data to the detector.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> class Never:
    ...     def fit(self, reference): return self
    ...     def detect(self, current):
    ...         return SimpleNamespace(drifted=False, drift_share=0.0, columns={})
    >>> NoDrift(Never()).evaluate(Evidence(data=pd.DataFrame({"x": [1]}))).status
    'pass'
    """

    detector: Any
    max_drift_share: float | None = attrs.field(
        default=None, kw_only=True, validator=number(low=0, high=1, optional=True)
    )
    columns: tuple[str, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_optional_tuple
    )

    def __attrs_post_init__(self) -> None:
        if not callable(getattr(self.detector, "detect", None)):
            raise ValidationError(
                "The 'detector' parameter of NoDrift must be a fitted drift detector (with a "
                f"detect method). Got {type(self.detector).__name__} instead."
            )
        super().__attrs_post_init__()

    def _default_name(self) -> str:
        return "NoDrift"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        data = self._frame(evidence)
        if self.columns is not None:
            for c in self.columns:
                self._column(evidence, c)
            data = data[list(self.columns)]
        report = self.detector.detect(data)
        for attr in ("drifted", "drift_share", "columns"):
            if not hasattr(report, attr):
                raise MissingInputError(
                    f"the detector's report has no {attr!r}; NoDrift needs a DriftReport"
                )
        share = float(report.drift_share)
        raw = report.columns
        columns = (
            dict(raw)
            if isinstance(raw, Mapping)
            else {str(getattr(c, "column", i)): c for i, c in enumerate(raw)}
        )
        drifted = {
            str(name): {
                "method": getattr(c, "method", None),
                "statistic": getattr(c, "statistic", None),
                "p_value": getattr(c, "p_value", None),
            }
            for name, c in columns.items()
            if getattr(c, "drifted", False)
        }
        failed = (
            share > self.max_drift_share
            if self.max_drift_share is not None
            else bool(report.drifted)
        )
        names = ", ".join(list(drifted)[:10]) or "none"
        return self._result(
            "fail" if failed else "pass",
            value=share,
            threshold=self.max_drift_share,
            message=f"{len(drifted)} of {len(columns)} columns drifted (share {share:.3g}): "
            f"{names}",
            counts={"n_columns": len(columns), "n_drifted": len(drifted), "n_rows": len(data)},
            details={"drifted_columns": drifted, "report_drifted": bool(report.drifted)},
        )

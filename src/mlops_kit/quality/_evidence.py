"""What a quality gate looks at: :class:`Evidence`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError

__all__ = ["Evidence"]


def _frame(value: Any) -> pd.DataFrame | None:
    if value is None or isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame()
    return pd.DataFrame(value)


def _array(value: Any) -> np.ndarray[Any, Any] | None:
    if value is None:
        return None
    if isinstance(value, pd.Series | pd.DataFrame):
        value = value.to_numpy()
    return np.asarray(value)


def _score(value: Any) -> np.ndarray[Any, Any] | None:
    arr = _array(value)
    if arr is not None and arr.ndim == 2 and arr.shape[1] == 2:
        return arr[:, 1]  # predict_proba of a binary classifier: the positive class
    return arr


def _sensitive(value: Any) -> pd.DataFrame | None:
    if value is None or isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame(name=value.name if value.name is not None else "sensitive")
    arr = np.asarray(value)
    if arr.ndim == 1:
        return pd.DataFrame({"sensitive": arr})
    return pd.DataFrame(value)


def _timestamps(value: Any) -> pd.Series | None:
    if value is None:
        return None
    return pd.Series(pd.to_datetime(np.asarray(value), utc=True))


def _metrics(value: Mapping[str, float] | None) -> dict[str, float]:
    return {} if value is None else {str(k): float(v) for k, v in value.items()}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Evidence:
    """Everything a quality gate may look at; each check uses the parts it needs.

    A check whose inputs are missing reports ``error`` naming them; nothing here is required.

    Parameters
    ----------
    data
        The rows under test (a DataFrame; other tabular values are converted).
    reference
        Trusted rows to compare with (for relative row counts, outlier bounds, drift).
    y_true
        True labels or targets.
    y_pred
        Predicted labels (for accuracy-like metrics and fairness).
    y_score
        Scores or probabilities of the positive class (a two-column ``predict_proba`` output
        is reduced to its second column).
    sensitive
        Sensitive features for fairness checks (a DataFrame, a Series or an array);
        fairness checks also look in ``data``.
    timestamps
        One time per row (for :class:`~mlops_kit.quality.checks.Freshness` and time windows in
        :class:`~mlops_kit.quality.checks.StableMetric`); naive times are taken as UTC.
    metrics
        Metrics computed elsewhere, by name (used when labels are absent).
    baseline
        The same evidence for the champion model, on the same rows, for
        :class:`~mlops_kit.quality.checks.NoRegression`.
    model
        The model itself, for :class:`~mlops_kit.quality.checks.LatencyBudget`.
    sample_weight
        Weights of the rows, used by fairness checks.

    Examples
    --------
    >>> import pandas as pd
    >>> e = Evidence(data=pd.DataFrame({"x": [1, 2]}), y_true=[0, 1], y_score=[0.2, 0.9])
    >>> e.n_rows, e.y_score.tolist()
    (2, [0.2, 0.9])
    """

    data: pd.DataFrame | None = attrs.field(default=None, converter=_frame)
    reference: pd.DataFrame | None = attrs.field(default=None, converter=_frame)
    y_true: np.ndarray[Any, Any] | None = attrs.field(default=None, converter=_array)
    y_pred: np.ndarray[Any, Any] | None = attrs.field(default=None, converter=_array)
    y_score: np.ndarray[Any, Any] | None = attrs.field(default=None, converter=_score)
    sensitive: pd.DataFrame | None = attrs.field(default=None, converter=_sensitive)
    timestamps: pd.Series | None = attrs.field(default=None, converter=_timestamps)
    metrics: dict[str, float] = attrs.field(default=None, converter=_metrics)
    baseline: Evidence | None = None
    model: Any = None
    sample_weight: np.ndarray[Any, Any] | None = attrs.field(default=None, converter=_array)

    def __attrs_post_init__(self) -> None:
        lengths = {
            name: len(value)
            for name in ("y_true", "y_pred", "y_score", "sensitive", "timestamps", "sample_weight")
            if (value := getattr(self, name)) is not None
        }
        if self.data is not None and lengths:
            lengths = {"data": len(self.data), **lengths}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k}={v}" for k, v in lengths.items())
            raise ValidationError(
                f"The parts of Evidence must have one row each per sample; got {shown}. "
                "Pass arrays of the same length."
            )
        if self.baseline is not None and not isinstance(self.baseline, Evidence):
            raise ValidationError(
                "The 'baseline' parameter of Evidence must be an Evidence (the champion's "
                f"predictions on the same rows). Got {type(self.baseline).__name__} instead."
            )

    @property
    def n_rows(self) -> int | None:
        """The number of rows (of ``data``, else of the labels or predictions), or ``None``."""
        if self.data is not None:
            return len(self.data)
        for name in ("y_true", "y_pred", "y_score"):
            value = getattr(self, name)
            if value is not None:
                return len(value)
        return None

    def __repr__(self) -> str:
        parts = []
        for a in attrs.fields(type(self)):
            value = getattr(self, a.name)
            if value is None or (a.name == "metrics" and not value):
                continue
            if hasattr(value, "shape"):
                parts.append(f"{a.name}=<{type(value).__name__} {value.shape}>")
            elif a.name == "baseline":
                parts.append("baseline=Evidence(...)")
            else:
                parts.append(f"{a.name}={value!r}")
        return f"Evidence({', '.join(parts)})"

"""The metrics a performance monitor computes, with their direction and confidence intervals.

=============  ==========  ===============================================================
metric         direction   confidence interval of a realized value
=============  ==========  ===============================================================
``roc_auc``    higher      Hanley & McNeil (1982) standard error, normal approximation
``accuracy``   higher      Wilson score interval on (correct, n)
``precision``  higher      Wilson score interval on (TP, TP + FP)
``recall``     higher      Wilson score interval on (TP, TP + FN)
``brier``      lower       mean ± z · sd / √n of the squared errors
=============  ==========  ===============================================================

A value that is undefined on the data (ROC AUC with one class, precision without a positive
prediction) is ``None``, never a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from mlops_kit.exceptions import ValidationError

__all__ = [
    "METRICS",
    "Clock",
    "FloatArray",
    "MetricSpec",
    "check_binary_labels",
    "check_confidence",
    "check_fraction",
    "check_metric",
    "check_scores",
    "hanley_mcneil_se",
    "normal_quantile",
    "optional_float",
    "rank_auc",
    "realized_metric",
    "to_utc",
    "utc_now",
    "wilson_interval",
]

FloatArray = npt.NDArray[np.float64]


@attrs.frozen(kw_only=True)
class MetricSpec:
    """What the monitor needs to know about a metric."""

    name: str
    higher_is_better: bool
    lower_bound: float = 0.0
    upper_bound: float = 1.0


METRICS: dict[str, MetricSpec] = {
    "roc_auc": MetricSpec(name="roc_auc", higher_is_better=True),
    "accuracy": MetricSpec(name="accuracy", higher_is_better=True),
    "precision": MetricSpec(name="precision", higher_is_better=True),
    "recall": MetricSpec(name="recall", higher_is_better=True),
    "brier": MetricSpec(name="brier", higher_is_better=False),
}


def check_metric(metric: object, owner: str) -> MetricSpec:
    """The spec of a supported metric, or a ValidationError naming the choices."""
    if not isinstance(metric, str) or metric not in METRICS:
        choices = ", ".join(repr(name) for name in sorted(METRICS))
        raise ValidationError(
            f"The 'metric' parameter of {owner} must be one of {choices}. Got {metric!r} instead."
        )
    return METRICS[metric]


def check_fraction(value: object, name: str, owner: str) -> float:
    """A float in the open interval (0, 1): a decision threshold or a confidence level."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a float in (0, 1). Got {value!r} instead."
        )
    return float(value)


def check_confidence(confidence: object, owner: str) -> float:
    """A confidence level in (0, 1)."""
    return check_fraction(confidence, "confidence", owner)


def check_scores(values: npt.ArrayLike, name: str) -> FloatArray:
    """A 1-d float array of finite scores in [0, 1]."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValidationError(
            f"'{name}' must be one-dimensional (one score per prediction, the probability of "
            f"the positive class). Got an array of shape {array.shape} instead."
        )
    try:
        scores = array.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"'{name}' must hold numbers. Got {array.dtype} instead.") from error
    if not np.all(np.isfinite(scores)):
        n_bad = int(np.count_nonzero(~np.isfinite(scores)))
        raise ValidationError(
            f"'{name}' holds {n_bad} missing or infinite value(s); drop or impute them first."
        )
    if scores.size and (scores.min() < 0.0 or scores.max() > 1.0):
        raise ValidationError(
            f"'{name}' must be probabilities in [0, 1]. Got values in "
            f"[{scores.min():.4g}, {scores.max():.4g}]; pass predict_proba(X)[:, 1]."
        )
    return scores


def check_binary_labels(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int8]:
    """A 1-d array of 0/1 labels (booleans accepted)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValidationError(
            f"'{name}' must be one-dimensional. Got an array of shape {array.shape} instead."
        )
    if array.dtype == bool:
        return array.astype(np.int8)
    try:
        numeric = array.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"'{name}' must hold binary labels 0/1. Got {array.dtype} values instead."
        ) from error
    bad = ~np.isin(numeric, (0.0, 1.0))
    if np.any(bad):
        examples = ", ".join(repr(v) for v in np.unique(array[bad])[:5].tolist())
        raise ValidationError(
            f"'{name}' must hold binary labels 0/1 (the monitor handles binary classifiers). "
            f"Got {examples} instead; encode the positive class as 1."
        )
    return numeric.astype(np.int8)


def normal_quantile(confidence: float) -> float:
    """The two-sided standard normal quantile of a confidence level (1.96 for 0.95)."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(successes: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (Wilson, 1927)."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def rank_auc(y_true: npt.NDArray[np.int8], y_score: FloatArray) -> float | None:
    """ROC AUC as the Mann-Whitney statistic (ties count one half); None with one class."""
    from scipy.stats import rankdata

    n_pos = int(y_true.sum())
    n_neg = int(y_true.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(y_score)
    rank_sum = float(ranks[y_true == 1].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def hanley_mcneil_se(auc: float, n_pos: int, n_neg: int) -> float:
    """The standard error of an AUC by Hanley & McNeil (1982), equation 2."""
    q1 = auc / (2.0 - auc)
    q2 = 2.0 * auc * auc / (1.0 + auc)
    variance = (
        auc * (1.0 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)
    ) / (n_pos * n_neg)
    return math.sqrt(max(variance, 0.0))


Realized = tuple[float | None, float | None, float | None]


def _proportion(successes: int, n: int, z: float) -> Realized:
    if n == 0:
        return None, None, None
    low, high = wilson_interval(successes, n, z)
    return successes / n, low, high


def realized_metric(
    metric: str,
    y_true: npt.NDArray[np.int8],
    y_score: FloatArray,
    y_pred: npt.NDArray[np.int8],
    z: float,
) -> Realized:
    """The value of a metric on labelled rows with its confidence interval."""
    if y_true.size == 0:
        return None, None, None
    if metric == "roc_auc":
        auc = rank_auc(y_true, y_score)
        if auc is None:
            return None, None, None
        n_pos = int(y_true.sum())
        se = hanley_mcneil_se(auc, n_pos, int(y_true.size) - n_pos)
        return auc, max(0.0, auc - z * se), min(1.0, auc + z * se)
    tp = int(np.count_nonzero((y_true == 1) & (y_pred == 1)))
    if metric == "accuracy":
        return _proportion(int(np.count_nonzero(y_true == y_pred)), int(y_true.size), z)
    if metric == "precision":
        return _proportion(tp, int(np.count_nonzero(y_pred == 1)), z)
    if metric == "recall":
        return _proportion(tp, int(np.count_nonzero(y_true == 1)), z)
    # brier
    errors = (y_score - y_true) ** 2
    value = float(errors.mean())
    if errors.size < 2:
        return value, None, None
    half = z * float(errors.std(ddof=1)) / math.sqrt(errors.size)
    return value, max(0.0, value - half), min(1.0, value + half)


def to_utc(value: datetime, name: str, owner: str) -> datetime:
    """An aware datetime converted to UTC; a naive one is refused."""
    if not isinstance(value, datetime):
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a datetime. Got {value!r} instead."
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"The '{name}' parameter of {owner} must be a timezone-aware datetime. Got the naive "
            f"{value.isoformat()} instead; attach a zone, e.g. value.replace(tzinfo=timezone.utc)."
        )
    return value.astimezone(timezone.utc)


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def optional_float(value: Any) -> float | None:
    """``None`` stays ``None``; anything else becomes a float."""
    return None if value is None else float(value)


Clock = Callable[[], datetime]

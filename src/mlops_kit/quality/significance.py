"""Paired comparisons of two models on the same rows: McNemar, DeLong and a paired bootstrap.

These are what :class:`~mlops_kit.quality.checks.NoRegression` uses to tell a real drop from
noise. Each returns a frozen value with the two models' values, their difference (``a - b``),
a confidence interval of the difference and a two-sided p-value for "no difference".

Examples
--------
>>> import numpy as np
>>> y = np.array([1, 0, 1, 1, 0, 1, 0, 0])
>>> mcnemar(y, y, 1 - y).p_value  # a perfect model against a perfectly wrong one
0.0078125
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality._metrics import Metric, confusion_rows, resolve_metric, roc_auc_rows

__all__ = [
    "BootstrapResult",
    "DeLongResult",
    "McNemarResult",
    "delong",
    "mcnemar",
    "paired_bootstrap",
]


def _paired(name: str, y_true: Any, *arrays: Any) -> list[np.ndarray[Any, Any]]:
    out = [np.asarray(y_true)] + [np.asarray(a) for a in arrays]
    if any(a.ndim != 1 for a in out) or len({len(a) for a in out}) != 1:
        shapes = ", ".join(str(a.shape) for a in out)
        raise ValidationError(
            f"{name} needs one-dimensional arrays of the same length; got shapes {shapes}."
        )
    if len(out[0]) == 0:
        raise ValidationError(f"{name} needs at least one row; got empty arrays.")
    return out


def _z(confidence: float, name: str) -> float:
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ValidationError(
            f"The 'confidence' parameter of {name} must be a float in (0, 1). "
            f"Got {confidence!r} instead."
        )
    return float(norm.ppf(0.5 + confidence / 2))


@attrs.frozen(kw_only=True)
class McNemarResult:
    """McNemar's test on the discordant pairs of two classifiers.

    ``b`` counts rows only model a gets right, ``c`` rows only model b gets right;
    ``difference`` is accuracy(a) - accuracy(b) = (b - c) / n with a paired Wald interval.

    Examples
    --------
    >>> McNemarResult(statistic=1.0, p_value=0.125, b=1, c=6, n=20, exact=True,
    ...               correction=False, difference=-0.25, ci_low=-0.5, ci_high=0.0).b
    1
    """

    statistic: float
    p_value: float
    b: int
    c: int
    n: int
    exact: bool
    correction: bool
    difference: float
    ci_low: float
    ci_high: float


def mcnemar(
    y_true: Any,
    pred_a: Any,
    pred_b: Any,
    *,
    exact: bool | None = None,
    correction: bool = True,
    confidence: float = 0.95,
) -> McNemarResult:
    """McNemar's test of equal accuracy of two classifiers on the same rows.

    Parameters
    ----------
    y_true, pred_a, pred_b
        True labels and the two models' predicted labels.
    exact
        The exact binomial test on the discordant pairs (``scipy.stats.binomtest(b, b + c)``);
        by default when ``b + c < 25``. Otherwise the chi-squared test with one degree of
        freedom, ``(|b - c| - 1)² / (b + c)`` with ``correction`` (Edwards' continuity
        correction), ``(b - c)² / (b + c)`` without. The exact test's statistic is ``min(b, c)``.
    confidence
        Level of the Wald interval of the accuracy difference.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.ones(7, dtype=int)
    >>> a = np.array([1, 0, 0, 0, 0, 0, 0]); b = np.array([0, 1, 1, 1, 1, 1, 1])
    >>> r = mcnemar(y, a, b)
    >>> r.b, r.c, r.exact, r.p_value
    (1, 6, True, 0.125)
    """
    from scipy.stats import binomtest, chi2

    y, a, b_pred = _paired("mcnemar", y_true, pred_a, pred_b)
    z = _z(confidence, "mcnemar")
    right_a, right_b = a == y, b_pred == y
    b = int(np.count_nonzero(right_a & ~right_b))
    c = int(np.count_nonzero(~right_a & right_b))
    n = len(y)
    if exact is None:
        exact = b + c < 25
    if b + c == 0:
        statistic, p_value = 0.0, 1.0
    elif exact:
        statistic = float(min(b, c))
        p_value = float(binomtest(b, b + c, 0.5).pvalue)
    else:
        num = (abs(b - c) - 1) ** 2 if correction else (b - c) ** 2
        statistic = num / (b + c)
        p_value = float(chi2.sf(statistic, 1))
    diff = (b - c) / n
    se = math.sqrt(max(b + c - (b - c) ** 2 / n, 0.0)) / n
    return McNemarResult(
        statistic=float(statistic),
        p_value=min(p_value, 1.0),
        b=b,
        c=c,
        n=n,
        exact=bool(exact),
        correction=correction,
        difference=diff,
        ci_low=diff - z * se,
        ci_high=diff + z * se,
    )


@attrs.frozen(kw_only=True)
class DeLongResult:
    """DeLong's test of two correlated ROC AUCs.

    Examples
    --------
    >>> DeLongResult(auc_a=0.8, auc_b=0.7, difference=0.1, variance=0.001, z=3.16,
    ...              p_value=0.0016, ci_low=0.038, ci_high=0.162).difference
    0.1
    """

    auc_a: float
    auc_b: float
    difference: float
    variance: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float


def _midrank_components(
    y: np.ndarray[Any, Any], scores: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """AUCs and DeLong's structural components V10 (positives) and V01 (negatives), per row
    of ``scores`` (k x n), computed from midranks in O(k n log n) (Sun and Xu, 2014)."""
    from scipy.stats import rankdata

    pos, neg = scores[:, y], scores[:, ~y]
    m, n = pos.shape[1], neg.shape[1]
    r_all = rankdata(scores, axis=1)
    r_pos = rankdata(pos, axis=1)
    r_neg = rankdata(neg, axis=1)
    v10 = (r_all[:, y] - r_pos) / n
    v01 = 1.0 - (r_all[:, ~y] - r_neg) / m
    auc = v10.mean(axis=1)
    return auc, v10, v01


def delong(y_true: Any, score_a: Any, score_b: Any, *, confidence: float = 0.95) -> DeLongResult:
    """DeLong, DeLong and Clarke-Pearson's (1988) test of two correlated ROC AUCs.

    The variance of ``auc_a - auc_b`` comes from the structural components' covariance
    ``S = S10 / m + S01 / n`` (m positives, n negatives); ``z = difference / sqrt(var)`` and the
    p-value is two-sided. Labels are binary (the larger value is the positive class).

    Examples
    --------
    >>> y = [0, 0, 1, 1, 0, 1]
    >>> r = delong(y, [0.1, 0.4, 0.35, 0.8, 0.2, 0.9], [0.5, 0.4, 0.3, 0.8, 0.6, 0.2])
    >>> round(r.auc_a, 4), round(r.auc_b, 4)
    (0.8889, 0.3333)
    """
    from scipy.stats import norm

    y, a, b = _paired("delong", y_true, score_a, score_b)
    labels = np.unique(y)
    if len(labels) != 2:
        raise ValidationError(
            f"delong needs binary labels with both classes present; got labels {labels.tolist()}."
        )
    z_crit = _z(confidence, "delong")
    positive = y == labels[1]
    m, n = int(positive.sum()), int((~positive).sum())
    scores = np.vstack([a, b]).astype(float)
    auc, v10, v01 = _midrank_components(positive, scores)
    s10 = np.cov(v10) if m > 1 else np.zeros((2, 2))
    s01 = np.cov(v01) if n > 1 else np.zeros((2, 2))
    s = s10 / m + s01 / n
    var = float(s[0, 0] + s[1, 1] - 2 * s[0, 1])
    diff = float(auc[0] - auc[1])
    if var <= 1e-300:
        z = 0.0 if diff == 0 else math.copysign(math.inf, diff)
        p = 1.0 if diff == 0 else 0.0
        se = 0.0
    else:
        se = math.sqrt(var)
        z = diff / se
        p = float(2 * norm.sf(abs(z)))
    return DeLongResult(
        auc_a=float(auc[0]),
        auc_b=float(auc[1]),
        difference=diff,
        variance=max(var, 0.0),
        z=z,
        p_value=p,
        ci_low=diff - z_crit * se,
        ci_high=diff + z_crit * se,
    )


@attrs.frozen(kw_only=True)
class BootstrapResult:
    """A paired bootstrap of ``metric(a) - metric(b)``.

    ``n_valid`` counts resamples where the metric was defined (ROC AUC needs both classes);
    ``p_value`` is two-sided, from the share of resampled differences on each side of 0.

    Examples
    --------
    >>> BootstrapResult(metric="accuracy", value_a=0.8, value_b=0.7, difference=0.1,
    ...                 ci_low=0.02, ci_high=0.18, p_value=0.01, confidence=0.95,
    ...                 n_resamples=2000, n_valid=2000).ci_low
    0.02
    """

    metric: str
    value_a: float
    value_b: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence: float
    n_resamples: int
    n_valid: int


def _resampled(
    metric: Metric,
    y: np.ndarray[Any, Any],
    x: np.ndarray[Any, Any],
    idx: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """The metric on each resample (rows of ``idx``); NaN where it is undefined."""
    if metric.name == "roc_auc":
        out: np.ndarray[Any, Any] = roc_auc_rows(y[idx], x[idx])
        return out
    if metric.row_values is not None:
        return metric.row_values(y, x)[idx].mean(axis=1)  # type: ignore[no-any-return]
    fast = confusion_rows(metric, y[idx], x[idx]) if metric.confusion is not None else None
    if fast is not None:
        return np.asarray(fast, dtype=float)
    out = np.empty(len(idx))
    with warnings.catch_warnings():  # undefined resamples are counted in n_valid, not hidden
        warnings.simplefilter("ignore")
        for i, rows in enumerate(idx):
            try:
                out[i] = metric(y[rows], x[rows])
            except ValueError:
                out[i] = np.nan
    return out


def paired_bootstrap(
    metric: str | Callable[..., float],
    y_true: Any,
    a: Any,
    b: Any,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> BootstrapResult:
    """Paired bootstrap of ``metric(y_true, a) - metric(y_true, b)``: rows are resampled with
    replacement together, so both models see the same rows in each resample.

    Parameters
    ----------
    metric
        A metric name (``"accuracy"``, ``"roc_auc"``, ``"f1"``, any ``sklearn.metrics`` function
        name) or a callable ``metric(y_true, x) -> float``.
    y_true, a, b
        Labels and the two models' predictions or scores (whatever ``metric`` takes).
    n_resamples
        Number of resamples.
    confidence
        Level of the percentile interval.
    random_state
        Seed or generator; the same seed gives the same result.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 500)
    >>> a = np.where(rng.random(500) < 0.9, y, 1 - y)
    >>> b = np.where(rng.random(500) < 0.8, y, 1 - y)
    >>> r = paired_bootstrap("accuracy", y, a, b, random_state=0)
    >>> r.ci_low > 0
    True
    """
    y, xa, xb = _paired("paired_bootstrap", y_true, a, b)
    if not isinstance(n_resamples, int) or n_resamples < 1:
        raise ValidationError(
            "The 'n_resamples' parameter of paired_bootstrap must be an int >= 1. "
            f"Got {n_resamples!r} instead."
        )
    _z(confidence, "paired_bootstrap")
    m = resolve_metric(metric)
    rng = np.random.default_rng(random_state)
    try:
        value_a, value_b = m(y, xa), m(y, xb)
    except ValueError as error:
        raise ValidationError(
            f"paired_bootstrap: the metric {m.name!r} is undefined on these rows ({error})."
        ) from None
    n = len(y)
    chunk = max(1, min(n_resamples, 2_000_000 // max(n, 1)))
    diffs = []
    for start in range(0, n_resamples, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
        diffs.append(_resampled(m, y, xa, idx) - _resampled(m, y, xb, idx))
    d = np.concatenate(diffs)
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise ValidationError(
            f"paired_bootstrap: the metric {m.name!r} was undefined on every resample "
            "(too few rows or a single class). Provide more rows."
        )
    alpha = 1 - confidence
    low, high = np.quantile(d, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0)))
    return BootstrapResult(
        metric=m.name,
        value_a=float(value_a),
        value_b=float(value_b),
        difference=float(value_a - value_b),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(p),
        confidence=confidence,
        n_resamples=n_resamples,
        n_valid=int(d.size),
    )

"""Group fairness metrics with Fairlearn's definitions and signatures.

``demographic_parity_*`` compares selection rates ``P(pred = 1 | group)``;
``equal_opportunity_*`` compares true positive rates; ``equalized_odds_*`` compares both true
and false positive rates (the worse of the two, or their mean, with ``agg=``). A
``*_difference`` with ``method="between_groups"`` is the largest minus the smallest group value;
with ``method="to_overall"`` the largest absolute gap between a group and the overall value. A
``*_ratio`` is the smallest over the largest group value, or (``to_overall``) the smallest of
``group / overall`` taken below 1. Several sensitive features (a DataFrame, or a list of arrays)
form intersections. Sample weights weight every rate.

One difference from Fairlearn, on purpose: a rate that is undefined for a group (a true positive
rate for a group without positive labels, a ratio of zero over zero) raises a
:class:`~mlops_kit.exceptions.ValidationError` naming the group, where Fairlearn reports 0 or
NaN. :func:`rates_by_group` shows every group's counts and rates (NaN where undefined).

Examples
--------
>>> y_true = [1, 0, 1, 0, 1, 0, 1, 0]
>>> y_pred = [1, 0, 1, 1, 0, 0, 0, 1]
>>> group = ["a", "a", "a", "a", "b", "b", "b", "b"]
>>> demographic_parity_difference(y_true, y_pred, sensitive_features=group)
0.5
>>> equalized_odds_difference(y_true, y_pred, sensitive_features=group)
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError

__all__ = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "false_positive_rate",
    "rates_by_group",
    "selection_rate",
    "true_positive_rate",
]

_METHODS = ("between_groups", "to_overall")
_AGGS = ("worst_case", "mean")


def _binary(name: str, values: Any, pos_label: Any = 1) -> Any:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValidationError(f"{name} must be one-dimensional; got shape {arr.shape}.")
    bad = ~np.isin(arr, [0, 1, True, False, pos_label])
    if bad.any():
        raise ValidationError(
            f"{name} must hold binary labels (0/1 or booleans); found {arr[bad][:3].tolist()}."
        )
    return (arr == pos_label).astype(float)


def _features(sensitive_features: Any, n: int) -> pd.DataFrame:
    if isinstance(sensitive_features, pd.DataFrame):
        frame = sensitive_features.reset_index(drop=True)
    elif isinstance(sensitive_features, pd.Series):
        frame = sensitive_features.reset_index(drop=True).to_frame()
    elif isinstance(sensitive_features, dict):
        frame = pd.DataFrame(sensitive_features)
    else:
        arr = np.asarray(sensitive_features, dtype=object)
        if arr.ndim == 1:
            frame = pd.DataFrame({"sensitive_feature_0": arr})
        elif arr.ndim == 2 and arr.shape[0] == n:
            frame = pd.DataFrame(arr).add_prefix("sensitive_feature_")
        elif arr.ndim == 2 and arr.shape[1] == n:
            frame = pd.DataFrame(arr.T).add_prefix("sensitive_feature_")
        else:
            raise ValidationError(
                f"sensitive_features must have one value per row ({n}); got shape {arr.shape}."
            )
    if len(frame) != n:
        raise ValidationError(
            f"sensitive_features has {len(frame)} rows but y_pred has {n}; pass one per row."
        )
    if frame.isna().any().any():
        cols = [str(c) for c in frame.columns[frame.isna().any()]]
        raise ValidationError(
            f"sensitive feature(s) {cols} have missing values; fill them with a group label."
        )
    return frame


def rates_by_group(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
) -> pd.DataFrame:
    """Per group (intersection of the sensitive features): counts and rates.

    Columns: ``n`` (rows), ``n_positive`` and ``n_negative`` (rows with true label 1 / 0),
    ``weight``, ``selection_rate``, ``true_positive_rate``, ``false_positive_rate`` (weighted;
    NaN where the group has no positive or no negative label). The last row, ``overall``, is
    held in ``.attrs["overall"]``.

    Examples
    --------
    >>> t = rates_by_group([1, 0, 1, 1], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"])
    >>> t[["n", "selection_rate", "true_positive_rate"]]
                         n  selection_rate  true_positive_rate
    sensitive_feature_0
    a                    2             0.5                 1.0
    b                    2             0.5                 0.5
    """
    p = _binary("y_pred", y_pred)
    y = _binary("y_true", y_true) if y_true is not None else np.zeros(len(p))
    if len(y) != len(p):
        raise ValidationError(f"y_true has {len(y)} rows but y_pred has {len(p)}.")
    w = np.ones(len(p)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if w.shape != p.shape or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValidationError(
            "sample_weight must be finite, non-negative, one per row; "
            f"got shape {w.shape} for {len(p)} rows."
        )
    features = _features(sensitive_features, len(p))
    keys = list(features.columns)
    frame = features.assign(
        _n=1,
        _pos=(y == 1).astype(int),
        _w=w,
        _wp=w * p,
        _wy=w * y,
        _wyp=w * y * p,
        _wn=w * (1 - y),
        _wnp=w * (1 - y) * p,
    )
    sums = frame.groupby(keys if len(keys) > 1 else keys[0], sort=True).sum(numeric_only=True)
    total = frame[[c for c in frame.columns if c.startswith("_")]].sum()

    def table(s: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = {
                "n": s["_n"],
                "n_positive": s["_pos"],
                "n_negative": s["_n"] - s["_pos"],
                "weight": s["_w"],
                "selection_rate": s["_wp"] / s["_w"],
                "true_positive_rate": s["_wyp"] / s["_wy"],
                "false_positive_rate": s["_wnp"] / s["_wn"],
            }
        return out

    result = pd.DataFrame(table(sums))
    for c in ("selection_rate", "true_positive_rate", "false_positive_rate"):
        result[c] = result[c].astype(float).where(np.isfinite(result[c].astype(float)))
    overall = {k: float(v) if np.isfinite(v) else np.nan for k, v in table(total).items()}
    result.attrs["overall"] = overall
    return result


def _rates(
    rates: tuple[str, ...], y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any
) -> list[tuple[pd.Series, float]]:
    """Per-group values and the overall value of each of ``rates``, from one grouping pass."""
    table = rates_by_group(
        y_true, y_pred, sensitive_features=sensitive_features, sample_weight=sample_weight
    )
    out = []
    for rate in rates:
        values = table[rate]
        if values.isna().any():
            groups = [str(g) for g in values.index[values.isna()]]
            what = {
                "true_positive_rate": "no positive label",
                "false_positive_rate": "no negative label",
                "selection_rate": "no weight",
            }[rate]
            raise ValidationError(
                f"The {rate.replace('_', ' ')} is undefined for group(s) {groups}: {what}. "
                "Fairlearn would report 0 or NaN; drop or merge the group, or collect more data."
            )
        out.append((values, float(table.attrs["overall"][rate])))
    return out


def _rate(
    rate: str, y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any
) -> tuple[pd.Series, float]:
    return _rates((rate,), y_true, y_pred, sensitive_features, sample_weight)[0]


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValidationError(
            f"The 'method' parameter must be one of {list(_METHODS)}. Got {method!r}."
        )


def _difference(values: pd.Series, overall: float, method: str) -> float:
    _check_method(method)
    if method == "between_groups":
        return float(values.max() - values.min())
    return float((values - overall).abs().max())


def _ratio(values: pd.Series, overall: float, method: str, rate: str) -> float:
    _check_method(method)
    if method == "between_groups":
        top = values.max()
        if top == 0:
            raise ValidationError(f"The {rate.replace('_', ' ')} ratio is 0/0: every group is 0.")
        return float(values.min() / top)
    if overall == 0:
        raise ValidationError(f"The {rate.replace('_', ' ')} ratio to overall is undefined: 0.")
    r = values / overall
    with np.errstate(divide="ignore"):
        below = np.where(r > 1, 1 / r, r)
    return float(np.min(below))


def selection_rate(
    y_true: Any, y_pred: Any, *, pos_label: Any = 1, sample_weight: Any = None
) -> float:
    """The (weighted) share of predictions equal to ``pos_label``.

    Examples
    --------
    >>> selection_rate([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    p = np.asarray(y_pred) == pos_label
    w = np.ones(len(p)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    return float(np.sum(w * p) / np.sum(w))


def true_positive_rate(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Recall: the (weighted) share of positive rows predicted positive.

    Examples
    --------
    >>> true_positive_rate([1, 1, 0, 1], [1, 0, 1, 1])
    0.6666666666666666
    """
    values, _ = _rate("true_positive_rate", y_true, y_pred, np.zeros(len(y_pred)), sample_weight)
    return float(values.iloc[0])


def false_positive_rate(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """The (weighted) share of negative rows predicted positive.

    Examples
    --------
    >>> false_positive_rate([0, 0, 0, 1], [1, 0, 0, 1])
    0.3333333333333333
    """
    values, _ = _rate("false_positive_rate", y_true, y_pred, np.zeros(len(y_pred)), sample_weight)
    return float(values.iloc[0])


def demographic_parity_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """The largest gap in selection rate between groups (or to the overall rate).

    Examples
    --------
    >>> demographic_parity_difference(None, [1, 1, 0, 0], sensitive_features=["a", "a", "a", "b"])
    0.667
    """
    values, overall = _rate("selection_rate", y_true, y_pred, sensitive_features, sample_weight)
    return _difference(values, overall, method)


def demographic_parity_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """The smallest over the largest group selection rate (the disparate impact ratio).

    Examples
    --------
    >>> demographic_parity_ratio(None, [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    values, overall = _rate("selection_rate", y_true, y_pred, sensitive_features, sample_weight)
    return _ratio(values, overall, method, "selection_rate")


def equal_opportunity_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """The largest gap in true positive rate between groups (or to the overall rate).

    Examples
    --------
    >>> equal_opportunity_difference([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.5
    """
    values, overall = _rate("true_positive_rate", y_true, y_pred, sensitive_features, sample_weight)
    return _difference(values, overall, method)


def equal_opportunity_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """The smallest over the largest group true positive rate.

    Examples
    --------
    >>> equal_opportunity_ratio([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.5
    """
    values, overall = _rate("true_positive_rate", y_true, y_pred, sensitive_features, sample_weight)
    return _ratio(values, overall, method, "true_positive_rate")


def _agg(agg: str, a: float, b: float, worst: Any) -> float:
    if agg not in _AGGS:
        raise ValidationError(f"The 'agg' parameter must be one of {list(_AGGS)}. Got {agg!r}.")
    return float(worst(a, b)) if agg == "worst_case" else (a + b) / 2


def equalized_odds_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
    agg: str = "worst_case",
) -> float:
    """The larger (``agg="worst_case"``) or the mean (``agg="mean"``) of the true positive
    rate difference and the false positive rate difference.

    Examples
    --------
    >>> equalized_odds_difference([1, 0, 1, 0], [1, 0, 1, 1], sensitive_features=[0, 0, 1, 1])
    1.0
    """
    (tpr, tpr_all), (fpr, fpr_all) = _rates(
        ("true_positive_rate", "false_positive_rate"),
        y_true,
        y_pred,
        sensitive_features,
        sample_weight,
    )
    a, b = _difference(tpr, tpr_all, method), _difference(fpr, fpr_all, method)
    return _agg(agg, a, b, max)


def equalized_odds_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
    agg: str = "worst_case",
) -> float:
    """The smaller (``agg="worst_case"``) or the mean of the true and false positive rate
    ratios.

    Examples
    --------
    >>> equalized_odds_ratio([1, 0, 1, 0], [1, 1, 1, 1], sensitive_features=[0, 0, 1, 1])
    1.0
    """
    (tpr, tpr_all), (fpr, fpr_all) = _rates(
        ("true_positive_rate", "false_positive_rate"),
        y_true,
        y_pred,
        sensitive_features,
        sample_weight,
    )
    a = _ratio(tpr, tpr_all, method, "true_positive_rate")
    b = _ratio(fpr, fpr_all, method, "false_positive_rate")
    return _agg(agg, a, b, min)

"""Metrics by name: which prediction they take, which direction is better, fast paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from mlops_kit.exceptions import ValidationError

__all__ = ["Metric", "confusion_rows", "resolve_metric", "roc_auc_rows"]

Array = Any  # numpy arrays; numpy's stubs type most array arithmetic as Any


def roc_auc_rows(y: Array, s: Array) -> Array:
    """ROC AUC of each row of a (k x n) label matrix against a score matrix; NaN where a row
    has a single class. Ties count one half (the Mann-Whitney form).

    Examples
    --------
    >>> roc_auc_rows(np.array([[0, 1, 1], [1, 1, 1]]), np.array([[0.1, 0.2, 0.05], [1, 2, 3]]))
    array([0.5, nan])
    """
    from scipy.stats import rankdata

    y = np.atleast_2d(y).astype(bool)
    s = np.atleast_2d(s).astype(float)
    ranks = rankdata(s, axis=1)
    n_pos = y.sum(axis=1)
    n_neg = y.shape[1] - n_pos
    rank_sum = np.where(y, ranks, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def _roc_auc(y: Array, s: Array) -> float:
    labels = np.unique(y)
    if len(labels) != 2:
        raise ValueError(f"ROC AUC needs both classes in y_true; got {labels.tolist()}")
    return float(roc_auc_rows(y == labels[1], s)[0])


def _rmse(y: Array, x: Array) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, float) - np.asarray(x, float)) ** 2)))


@attrs.frozen(kw_only=True)
class Metric:
    """A metric with what it needs: ``uses`` is ``"pred"`` (labels or regression predictions)
    or ``"score"`` (probabilities); ``row_values`` is set when the metric is a mean over rows.

    Examples
    --------
    >>> m = resolve_metric("accuracy")
    >>> m.uses, m.greater_is_better, m([0, 1, 1], [0, 1, 0])
    ('pred', True, 0.6666666666666666)
    """

    name: str
    func: Callable[..., float]
    uses: str = "pred"
    greater_is_better: bool = True
    row_values: Callable[[Array, Array], Array] | None = None
    confusion: Callable[[Array, Array, Array, Array], Array] | None = None

    def __call__(self, y_true: Any, x: Any) -> float:
        return float(self.func(np.asarray(y_true), np.asarray(x)))


def _sk(name: str) -> Callable[..., float]:
    def call(y: Array, x: Array) -> float:
        import sklearn.metrics

        return float(getattr(sklearn.metrics, name)(y, x))

    call.__name__ = name
    return call


def _row_mean(values: Callable[[Array, Array], Array]) -> Callable[..., float]:
    return lambda y, x: float(np.mean(values(y, x)))


def _correct(y: Array, x: Array) -> Array:
    return (np.asarray(y) == np.asarray(x)).astype(float)


def _wrong(y: Array, x: Array) -> Array:
    return (np.asarray(y) != np.asarray(x)).astype(float)


def _sq(y: Array, x: Array) -> Array:
    return (np.asarray(y, float) - np.asarray(x, float)) ** 2


def _abs(y: Array, x: Array) -> Array:
    return np.abs(np.asarray(y, float) - np.asarray(x, float))


def _brier(y: Array, x: Array) -> Array:
    labels = np.unique(y)
    positive = labels[-1] if len(labels) else 1
    return (np.asarray(x, float) - (np.asarray(y) == positive)) ** 2


_ROWS: dict[str, tuple[Callable[[Array, Array], Array], str, bool]] = {
    "accuracy": (_correct, "pred", True),
    "error_rate": (_wrong, "pred", False),
    "zero_one_loss": (_wrong, "pred", False),
    "mean_squared_error": (_sq, "pred", False),
    "mse": (_sq, "pred", False),
    "mean_absolute_error": (_abs, "pred", False),
    "mae": (_abs, "pred", False),
    "brier_score_loss": (_brier, "score", False),
    "brier": (_brier, "score", False),
}


def _ratio(num: Array, den: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def _precision(tp: Array, fp: Array, fn: Array, tn: Array) -> Array:
    return _ratio(tp, tp + fp)


def _recall(tp: Array, fp: Array, fn: Array, tn: Array) -> Array:
    return _ratio(tp, tp + fn)


def _f1(tp: Array, fp: Array, fn: Array, tn: Array) -> Array:
    return _ratio(2 * tp, 2 * tp + fp + fn)


def _balanced(tp: Array, fp: Array, fn: Array, tn: Array) -> Array:
    # sklearn averages the recall of the classes present in y_true
    pos, neg = tp + fn > 0, tn + fp > 0
    total = _ratio(tp, tp + fn) * pos + _ratio(tn, tn + fp) * neg
    return _ratio(total, pos.astype(float) + neg)


#: Binary metrics computed from confusion counts, for fast resampling (sklearn's values with
#: ``zero_division=0``).
_CONFUSION = {
    "precision": _precision,
    "recall": _recall,
    "f1": _f1,
    "balanced_accuracy": _balanced,
}


def confusion_rows(metric: Metric, y: Array, x: Array) -> Array | None:
    """``metric`` on each row of a (k x n) matrix of binary labels and predictions, from the
    confusion counts; ``None`` when the metric or the labels do not allow it.

    Examples
    --------
    >>> confusion_rows(resolve_metric("recall"), np.array([[1, 1, 0]]), np.array([[1, 0, 0]]))
    array([0.5])
    """
    if metric.confusion is None:
        return None
    y, x = np.asarray(y), np.asarray(x)
    if not (np.isin(y, (0, 1)).all() and np.isin(x, (0, 1)).all()):
        return None
    y, x = y.astype(bool), x.astype(bool)
    tp = (y & x).sum(axis=-1)
    fp = (~y & x).sum(axis=-1)
    fn = (y & ~x).sum(axis=-1)
    tn = (~y & ~x).sum(axis=-1)
    return metric.confusion(tp, fp, fn, tn)


_NAMED: dict[str, tuple[Callable[..., float], str, bool]] = {
    "roc_auc": (_roc_auc, "score", True),
    "average_precision": (_sk("average_precision_score"), "score", True),
    "log_loss": (_sk("log_loss"), "score", False),
    "balanced_accuracy": (_sk("balanced_accuracy_score"), "pred", True),
    "precision": (_sk("precision_score"), "pred", True),
    "recall": (_sk("recall_score"), "pred", True),
    "f1": (_sk("f1_score"), "pred", True),
    "matthews_corrcoef": (_sk("matthews_corrcoef"), "pred", True),
    "cohen_kappa": (_sk("cohen_kappa_score"), "pred", True),
    "r2": (_sk("r2_score"), "pred", True),
    "rmse": (_rmse, "pred", False),
    "mape": (_sk("mean_absolute_percentage_error"), "pred", False),
}

#: Metric names that are compared with McNemar's test in ``NoRegression``.
ACCURACY_LIKE = frozenset({"accuracy", "error_rate", "zero_one_loss"})


def resolve_metric(
    metric: str | Callable[..., float] | Metric,
    *,
    uses: str | None = None,
    greater_is_better: bool | None = None,
) -> Metric:
    """A :class:`Metric` from a name or a callable ``metric(y_true, x) -> float``.

    Names: ``accuracy``, ``error_rate``, ``balanced_accuracy``, ``precision``, ``recall``,
    ``f1``, ``matthews_corrcoef``, ``cohen_kappa`` (on labels); ``roc_auc``,
    ``average_precision``, ``log_loss``, ``brier_score_loss`` (on scores); ``r2``, ``mse``,
    ``rmse``, ``mae``, ``mape`` (on regression predictions); otherwise any function of
    ``sklearn.metrics`` by name (with or without ``_score``), on labels. Names ending in
    ``_loss`` or ``_error`` are lower-is-better. A callable uses labels unless ``uses="score"``.

    Examples
    --------
    >>> resolve_metric("roc_auc").uses
    'score'
    >>> resolve_metric("hamming_loss").greater_is_better
    False
    """
    if isinstance(metric, Metric):
        m = metric
    elif callable(metric):
        m = Metric(name=getattr(metric, "__name__", "metric"), func=metric)
    elif not isinstance(metric, str):
        raise ValidationError(
            "A metric must be a metric name such as 'roc_auc' or a callable "
            f"metric(y_true, x) -> float. Got {metric!r} instead."
        )
    elif metric in _ROWS:
        values, kind, better = _ROWS[metric]
        m = Metric(
            name=metric,
            func=_row_mean(values),
            uses=kind,
            greater_is_better=better,
            row_values=values,
        )
    elif metric in _NAMED:
        func, kind, better = _NAMED[metric]
        m = Metric(
            name=metric,
            func=func,
            uses=kind,
            greater_is_better=better,
            confusion=_CONFUSION.get(metric),
        )
    else:
        import sklearn.metrics

        found = next(
            (n for n in (metric, f"{metric}_score") if callable(getattr(sklearn.metrics, n, None))),
            None,
        )
        if found is None or metric.startswith("_"):
            known = ", ".join(sorted({*_ROWS, *_NAMED}))
            raise ValidationError(
                f"Unknown metric {metric!r}. Use one of {known}, a function name of "
                "sklearn.metrics, or pass a callable metric(y_true, x)."
            )
        lower = metric.endswith(("_loss", "_error", "_deviance"))
        m = Metric(name=metric, func=_sk(found), greater_is_better=not lower)
    if uses is not None:
        if uses not in ("pred", "score"):
            raise ValidationError(f"The 'uses' parameter must be 'pred' or 'score'. Got {uses!r}.")
        m = attrs.evolve(m, uses=uses)
    if greater_is_better is not None:
        m = attrs.evolve(m, greater_is_better=bool(greater_is_better))
    return m

"""Performance estimation without labels: confidence-based (CBPE-style) for binary classifiers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from typing_extensions import Self

from mlops_kit.exceptions import NotFittedError, ValidationError
from mlops_kit.monitor._metrics import (
    FloatArray,
    check_binary_labels,
    check_confidence,
    check_fraction,
    check_metric,
    check_scores,
    normal_quantile,
)
from mlops_kit.monitor._persist import (
    Snapshots,
    estimator_from_dict,
    estimator_to_dict,
    load_estimator,
    save_estimator,
)

__all__ = ["Estimate", "PerformanceEstimator"]

# Monte Carlo draws are processed in blocks of at most this many cells, to bound memory.
_BLOCK_CELLS = 4_000_000


@attrs.frozen(kw_only=True)
class Estimate:
    """The expected value of a metric on unlabelled predictions, with its interval.

    Parameters
    ----------
    metric
        The metric's name.
    value
        The expected value, ``None`` where it is undefined (no predicted positive for precision).
    ci_low, ci_high
        The interval in which the realized value should fall once labels arrive, if the
        calibration learned on the reference still holds.
    n
        The number of predictions the estimate is made on.
    confidence
        The interval's confidence level.

    Examples
    --------
    >>> e = Estimate(metric="accuracy", value=0.91, ci_low=0.89, ci_high=0.93, n=1000)
    >>> print(e)
    estimated accuracy 0.9100 [0.8900, 0.9300] on 1000 predictions
    >>> Estimate.from_dict(e.to_dict()) == e
    True
    """

    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """The estimate as JSON-compatible data.

        Examples
        --------
        >>> Estimate(metric="recall", value=None, ci_low=None, ci_high=None, n=0).to_dict()["value"]
        """
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Estimate:
        """Rebuild an estimate from :meth:`to_dict`'s output.

        Examples
        --------
        >>> Estimate.from_dict({"metric": "accuracy", "value": 0.5, "ci_low": 0.4,
        ...                     "ci_high": 0.6, "n": 10, "confidence": 0.95}).value
        0.5
        """
        return cls(
            metric=str(data["metric"]),
            value=None if data["value"] is None else float(data["value"]),
            ci_low=None if data["ci_low"] is None else float(data["ci_low"]),
            ci_high=None if data["ci_high"] is None else float(data["ci_high"]),
            n=int(data["n"]),
            confidence=float(data.get("confidence", 0.95)),
        )

    def __str__(self) -> str:
        if self.value is None:
            return f"estimated {self.metric} undefined on {self.n} predictions"
        interval = ""
        if self.ci_low is not None and self.ci_high is not None:
            interval = f" [{self.ci_low:.4f}, {self.ci_high:.4f}]"
        return f"estimated {self.metric} {self.value:.4f}{interval} on {self.n} predictions"

    def _repr_html_(self) -> str:
        import html

        return f"<p><code>{html.escape(str(self))}</code></p>"


@attrs.define(kw_only=True)
class PerformanceEstimator:
    """Estimates a binary classifier's metric from its scores alone, before labels arrive.

    Confidence-based performance estimation (CBPE, as in NannyML): ``fit`` learns an isotonic
    calibration of the scores on a labelled reference; ``estimate`` turns the calibrated
    probabilities ``p`` of new predictions into the expected confusion matrix
    (``TP = Σ p·ŷ``, ``FP = Σ (1-p)·ŷ``, ``FN = Σ p·(1-ŷ)``, ``TN = Σ (1-p)·(1-ŷ)``) and the
    metric into its expectation. ROC AUC is estimated from the expected true and false positive
    rates along the sorted scores. The estimate holds under covariate shift (the inputs move,
    ``P(y | score)`` does not); it cannot see concept drift, which only labels reveal.

    The interval is where the realized value should fall once the labels arrive: exact
    Poisson-binomial variance with a normal approximation for accuracy, and quantiles of
    ``n_resamples`` label draws ``y ~ Bernoulli(p)`` for the other metrics.

    Parameters
    ----------
    metric
        ``"accuracy"``, ``"precision"``, ``"recall"``, ``"roc_auc"`` or ``"brier"``.
    threshold
        The decision threshold on the score, used when ``estimate`` gets no ``y_pred``.
    confidence
        The interval's confidence level.
    n_resamples
        Label draws for the Monte Carlo intervals.
    random_state
        Seed (an int or a ``numpy.random.Generator``) of the Monte Carlo draws.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ref_scores = rng.uniform(size=5_000)
    >>> ref_labels = (rng.uniform(size=5_000) < ref_scores).astype(int)   # calibrated scores
    >>> estimator = PerformanceEstimator(metric="accuracy").fit(ref_scores, ref_labels)
    >>> shifted = rng.choice([0.2, 0.8], size=2_000)                      # a shifted window
    >>> round(estimator.estimate(shifted).value, 1)
    0.8
    """

    metric: str = "accuracy"
    threshold: float = 0.5
    confidence: float = 0.95
    n_resamples: int = 500
    random_state: int | np.random.Generator | None = 0

    calibrator_: Any = attrs.field(init=False, repr=False, eq=False)
    n_reference_: int = attrs.field(init=False, repr=False, eq=False)
    _snapshots: Snapshots = attrs.field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        owner = type(self).__name__
        check_metric(self.metric, owner)
        check_confidence(self.confidence, owner)
        check_fraction(self.threshold, "threshold", owner)
        if (
            isinstance(self.n_resamples, bool)
            or not isinstance(self.n_resamples, int)
            or self.n_resamples < 10
        ):
            raise ValidationError(
                f"The 'n_resamples' parameter of {owner} must be an int >= 10. "
                f"Got {self.n_resamples!r} instead."
            )

    def fit(self, reference_scores: npt.ArrayLike, reference_labels: npt.ArrayLike) -> Self:
        """Learn the calibration ``score -> P(y = 1)`` on labelled reference predictions.

        Parameters
        ----------
        reference_scores
            The model's scores (probability of the positive class) on the reference.
        reference_labels
            The true 0/1 labels of the reference; both classes must be present.

        Returns
        -------
        PerformanceEstimator
            ``self``, fitted.

        Examples
        --------
        >>> est = PerformanceEstimator().fit([0.1, 0.4, 0.6, 0.9], [0, 0, 1, 1])
        >>> est.n_reference_
        4
        """
        from sklearn.isotonic import IsotonicRegression

        scores = check_scores(reference_scores, "reference_scores")
        labels = check_binary_labels(reference_labels, "reference_labels")
        if scores.size != labels.size:
            raise ValidationError(
                f"'reference_scores' and 'reference_labels' must have the same length. Got "
                f"{scores.size} and {labels.size} instead."
            )
        if labels.size == 0 or labels.min() == labels.max():
            raise ValidationError(
                "'reference_labels' must contain both classes to learn a calibration; "
                "use a larger reference."
            )
        calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        calibrator.fit(scores, labels.astype(np.float64))
        self.calibrator_ = calibrator
        self.n_reference_ = int(scores.size)
        return self

    def calibrate(self, scores: npt.ArrayLike) -> FloatArray:
        """The calibrated probability of the positive class for each score.

        Examples
        --------
        >>> est = PerformanceEstimator().fit([0.1, 0.2, 0.8, 0.9], [0, 1, 0, 1])
        >>> est.calibrate([0.1, 0.2, 0.9]).tolist()
        [0.0, 0.5, 1.0]
        """
        calibrator = getattr(self, "calibrator_", None)
        if calibrator is None:
            raise NotFittedError(
                "This PerformanceEstimator is not fitted yet; call fit(reference_scores, "
                "reference_labels) first."
            )
        values = check_scores(scores, "scores")
        return np.clip(np.asarray(calibrator.predict(values), dtype=np.float64), 0.0, 1.0)

    def estimate(self, scores: npt.ArrayLike, y_pred: npt.ArrayLike | None = None) -> Estimate:
        """The expected metric on predictions whose labels are not known yet.

        Parameters
        ----------
        scores
            The model's scores on the window.
        y_pred
            The decisions actually taken (0/1); by default ``scores >= threshold``.

        Returns
        -------
        Estimate

        Examples
        --------
        >>> est = PerformanceEstimator(metric="precision").fit([0.1, 0.3, 0.7, 0.9], [0, 0, 1, 1])
        >>> est.estimate([0.8, 0.9, 0.2]).value
        1.0
        """
        raw = check_scores(scores, "scores")
        p = self.calibrate(raw) if raw.size else np.empty(0)
        if y_pred is None:
            pred = (raw >= self.threshold).astype(np.int8)
        else:
            pred = check_binary_labels(y_pred, "y_pred")
            if pred.size != p.size:
                raise ValidationError(
                    f"'y_pred' must have one decision per score. Got {pred.size} decisions for "
                    f"{p.size} scores instead."
                )
        n = int(p.size)
        if n == 0:
            return Estimate(
                metric=self.metric, value=None, ci_low=None, ci_high=None, n=0,
                confidence=self.confidence,
            )  # fmt: skip
        if self.metric == "accuracy":
            correct = np.where(pred == 1, p, 1.0 - p)
            value = float(correct.mean())
            half = (
                normal_quantile(self.confidence)
                * math.sqrt(float(np.sum(correct * (1.0 - correct))))
                / n
            )
            return Estimate(
                metric=self.metric, value=value, ci_low=max(0.0, value - half),
                ci_high=min(1.0, value + half), n=n, confidence=self.confidence,
            )  # fmt: skip
        expected = _expected(self.metric, p, pred, raw)
        low, high = self._simulated_interval(p, pred, raw)
        return Estimate(
            metric=self.metric, value=expected, ci_low=low, ci_high=high, n=n,
            confidence=self.confidence,
        )  # fmt: skip

    def _simulated_interval(
        self, p: FloatArray, pred: npt.NDArray[np.int8], scores: FloatArray
    ) -> tuple[float | None, float | None]:
        rng = np.random.default_rng(self.random_state)
        n = p.size
        block = max(1, min(self.n_resamples, _BLOCK_CELLS // max(n, 1)))
        draws: list[FloatArray] = []
        ranks = None
        if self.metric == "roc_auc":
            from scipy.stats import rankdata

            ranks = rankdata(scores)
        done = 0
        while done < self.n_resamples:
            size = min(block, self.n_resamples - done)
            y = (rng.random((size, n)) < p).astype(np.float64)
            draws.append(_metric_rows(self.metric, y, pred, scores, ranks))
            done += size
        values = np.concatenate(draws)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None, None
        alpha = (1.0 - self.confidence) / 2.0
        low, high = np.quantile(values, [alpha, 1.0 - alpha])
        return float(low), float(high)

    # -- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The parameters and the fitted calibration (its knots) as JSON-compatible data.

        Raises
        ------
        ValidationError
            When ``random_state`` is a numpy ``Generator``, whose state is not kept.

        Examples
        --------
        >>> est = PerformanceEstimator().fit([0.1, 0.4, 0.6, 0.9], [0, 0, 1, 1])
        >>> est.to_dict()["fitted"]["x"]
        [0.1, 0.4, 0.6, 0.9]
        """
        return estimator_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerformanceEstimator:
        """Rebuild an estimator from :meth:`to_dict`'s output; it estimates exactly the same.

        Examples
        --------
        >>> est = PerformanceEstimator().fit([0.1, 0.4, 0.6, 0.9], [0, 0, 1, 1])
        >>> PerformanceEstimator.from_dict(est.to_dict()).calibrate([0.5]).tolist()
        [0.5]
        """
        return estimator_from_dict(cls, data)

    def save(self, store: Any, name: str, *, overwrite: bool = False) -> int:
        """Save the estimator under ``name`` (``monitor.estimators``); returns the revision.

        Like :meth:`PerformanceMonitor.save`: a save over a record someone else saved since
        this estimator was loaded or saved is a ``ConflictError``, unless ``overwrite=True``.

        Examples
        --------
        >>> from mlops_kit.storage import open_store
        >>> store = open_store("memory://")
        >>> PerformanceEstimator().fit([0.1, 0.4, 0.6, 0.9], [0, 0, 1, 1]).save(store, "fraud")
        1
        """
        return save_estimator(self, store, name, overwrite=overwrite)

    @classmethod
    def load(cls, store: Any, name: str) -> PerformanceEstimator:
        """The estimator saved under ``name`` with :meth:`save`.

        Examples
        --------
        >>> from mlops_kit.storage import open_store
        >>> store = open_store("memory://")
        >>> _ = PerformanceEstimator().fit([0.1, 0.4, 0.6, 0.9], [0, 0, 1, 1]).save(store, "fraud")
        >>> PerformanceEstimator.load(store, "fraud").estimate([0.9, 0.1]).value
        1.0
        """
        return load_estimator(cls, store, name)

    def __str__(self) -> str:
        state = f"fitted on {self.n_reference_}" if hasattr(self, "calibrator_") else "not fitted"
        return f"PerformanceEstimator(metric={self.metric!r}, {state})"


def _expected(
    metric: str, p: FloatArray, pred: npt.NDArray[np.int8], scores: FloatArray
) -> float | None:
    """The expected metric from the expected confusion matrix."""
    positive = pred == 1
    tp = float(p[positive].sum())
    fp = float((1.0 - p[positive]).sum())
    fn = float(p[~positive].sum())
    if metric == "precision":
        return None if tp + fp == 0 else tp / (tp + fp)
    if metric == "recall":
        return None if tp + fn <= 0 else tp / (tp + fn)
    if metric == "brier":
        return float(np.mean(p * (1.0 - scores) ** 2 + (1.0 - p) * scores**2))
    # roc_auc: expected TPR and FPR along the scores, ties grouped, trapezoids.
    total_pos = float(p.sum())
    total_neg = float((1.0 - p).sum())
    if total_pos <= 0 or total_neg <= 0:
        return None
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores = scores[order]
    cum_pos = np.cumsum(p[order])
    cum_neg = np.cumsum(1.0 - p[order])
    last_of_tie = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    tpr = np.r_[0.0, cum_pos[last_of_tie] / total_pos]
    fpr = np.r_[0.0, cum_neg[last_of_tie] / total_neg]
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2.0))


def _metric_rows(
    metric: str,
    y: FloatArray,
    pred: npt.NDArray[np.int8],
    scores: FloatArray,
    ranks: FloatArray | None,
) -> FloatArray:
    """The metric of each row of simulated labels ``y`` (shape ``(draws, n)``); NaN if undefined."""
    positive = pred == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "precision":
            tp = y[:, positive].sum(axis=1)
            return np.asarray(tp / positive.sum(), dtype=np.float64)
        if metric == "recall":
            tp = y[:, positive].sum(axis=1)
            return np.asarray(tp / y.sum(axis=1), dtype=np.float64)
        if metric == "brier":
            return np.asarray(((scores - y) ** 2).mean(axis=1), dtype=np.float64)
        assert ranks is not None
        n_pos = y.sum(axis=1)
        n_neg = y.shape[1] - n_pos
        rank_sum = y @ ranks
        return np.asarray(
            (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg), dtype=np.float64
        )

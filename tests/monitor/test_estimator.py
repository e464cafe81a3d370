"""PerformanceEstimator: hand-computed expectations and a synthetic covariate shift."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score

from mlops_kit.exceptions import NotFittedError, ValidationError
from mlops_kit.monitor import Estimate, PerformanceEstimator
from mlops_kit.monitor._estimator import _expected


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _population(rng: np.random.Generator, n: int, mean: float, sd: float) -> tuple:
    """y | x never changes (P(y=1|x) = sigmoid(3x)); the model's score is miscalibrated."""
    x = rng.normal(mean, sd, size=n)
    y = (rng.uniform(size=n) < _sigmoid(3.0 * x)).astype(int)
    score = _sigmoid(1.5 * x + 0.4)  # monotone in x but off: isotonic calibration must fix it
    return score, y


# The tolerance stated in the docs: with 20 000 reference and 20 000 shifted rows, the estimate
# and the realized value agree within 0.015 (accuracy, precision, recall) and 0.01 (ROC AUC).
TOLERANCE = {"accuracy": 0.015, "precision": 0.015, "recall": 0.015, "roc_auc": 0.01}
REALIZED = {
    "accuracy": lambda y, s, p: accuracy_score(y, p),
    "precision": lambda y, s, p: precision_score(y, p),
    "recall": lambda y, s, p: recall_score(y, p),
    "roc_auc": lambda y, s, p: roc_auc_score(y, s),
}


@pytest.mark.parametrize("metric", sorted(TOLERANCE))
@pytest.mark.parametrize(
    ("mean", "sd"), [(0.0, 0.4), (0.8, 1.0), (-0.5, 1.5)], ids=["narrow", "right", "wide"]
)
def test_estimate_tracks_realized_under_covariate_shift(
    metric: str, mean: float, sd: float
) -> None:
    rng = np.random.default_rng(42)
    ref_scores, ref_labels = _population(rng, 20_000, 0.0, 1.0)
    scores, labels = _population(rng, 20_000, mean, sd)
    estimator = PerformanceEstimator(metric=metric, n_resamples=100).fit(ref_scores, ref_labels)
    estimate = estimator.estimate(scores)
    preds = (scores >= 0.5).astype(int)
    realized = REALIZED[metric](labels, scores, preds)
    assert estimate.value == pytest.approx(realized, abs=TOLERANCE[metric])
    assert estimate.ci_low < estimate.value < estimate.ci_high
    assert estimate.n == 20_000


@pytest.mark.parametrize("metric", sorted(TOLERANCE))
def test_interval_covers_the_realized_value_about_95_percent(metric: str) -> None:
    # Perfectly calibrated scores, 300 windows of 400: the interval is about label sampling, so
    # about 95% of the realized values fall inside it (binomial 99.9% band: 0.91 to 0.98).
    rng = np.random.default_rng(11)
    ref = rng.uniform(size=20_000)
    estimator = PerformanceEstimator(metric=metric, n_resamples=200, random_state=0).fit(
        ref, rng.uniform(size=20_000) < ref
    )
    inside = 0
    for _ in range(300):
        scores = rng.beta(2, 2, size=400)
        labels = (rng.uniform(size=400) < scores).astype(int)
        e = estimator.estimate(scores)
        realized = REALIZED[metric](labels, scores, (scores >= 0.5).astype(int))
        inside += e.ci_low <= realized <= e.ci_high
    assert 0.91 <= inside / 300 <= 0.98


def test_shift_is_real_and_estimate_follows_it() -> None:
    rng = np.random.default_rng(1)
    ref_scores, ref_labels = _population(rng, 20_000, 0.0, 1.0)
    scores, labels = _population(rng, 20_000, 0.0, 0.3)  # mass moves to the decision boundary
    estimator = PerformanceEstimator().fit(ref_scores, ref_labels)
    before = estimator.estimate(ref_scores).value
    after = estimator.estimate(scores).value
    realized_before = accuracy_score(ref_labels, ref_scores >= 0.5)
    realized_after = accuracy_score(labels, scores >= 0.5)
    assert realized_before - realized_after > 0.15  # the shift costs real accuracy
    assert before - after == pytest.approx(realized_before - realized_after, abs=0.02)


def test_expected_confusion_matrix_by_hand() -> None:
    # calibrated p and decisions: TP = .9 + .6 = 1.5, FP = .1 + .4 = .5, FN = .2, TN = .8
    estimator = PerformanceEstimator(metric="accuracy").fit([0.0, 1.0], [0, 1])
    p = np.array([0.9, 0.6, 0.2])
    pred = np.array([1, 1, 0], dtype=np.int8)
    assert _expected("precision", p, pred, p) == pytest.approx(1.5 / 2.0)
    assert _expected("recall", p, pred, p) == pytest.approx(1.5 / 1.7)
    # accuracy = (TP + TN) / n = (1.5 + 0.8) / 3, through the public path with identity calib.
    assert estimator.estimate(p, y_pred=pred).value == pytest.approx(2.3 / 3)
    # brier = mean(p (1 - s)^2 + (1 - p) s^2) with s = p = mean(p (1 - p))
    assert _expected("brier", p, pred, p) == pytest.approx(np.mean(p * (1 - p)))


def test_accuracy_interval_is_poisson_binomial() -> None:
    estimator = PerformanceEstimator(metric="accuracy").fit([0.0, 1.0], [0, 1])
    p = np.tile([0.9, 0.6, 0.2, 0.7], 25)
    correct = np.where(p >= 0.5, p, 1 - p)
    half = 1.959963984540054 * np.sqrt(np.sum(correct * (1 - correct))) / 100
    e = estimator.estimate(p)
    assert (e.ci_low, e.ci_high) == pytest.approx((correct.mean() - half, correct.mean() + half))


@pytest.mark.parametrize("seed", [0, 1])
def test_expected_auc_is_realized_auc_when_labels_are_certain(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(size=300), 2)
    labels = (rng.uniform(size=300) < scores).astype(int)
    p = labels.astype(float)
    pred = (scores >= 0.5).astype(np.int8)
    assert _expected("roc_auc", p, pred, scores) == pytest.approx(roc_auc_score(labels, scores))


def test_undefined_estimates() -> None:
    estimator = PerformanceEstimator(metric="precision").fit([0.1, 0.9], [0, 1])
    e = estimator.estimate([0.1, 0.2])  # nothing predicted positive
    assert e.value is None
    assert e.ci_low is None
    empty = estimator.estimate([])
    assert (empty.value, empty.n) == (None, 0)
    assert "undefined" in str(empty)
    auc = PerformanceEstimator(metric="roc_auc").fit([0.1, 0.9], [0, 1])
    assert auc.estimate([0.05, 0.06]).value is None  # calibrated to 0: no expected positive


def test_y_pred_overrides_threshold() -> None:
    estimator = PerformanceEstimator(metric="accuracy").fit([0.0, 1.0], [0, 1])
    scores = np.array([0.3, 0.3])
    assert estimator.estimate(scores).value == pytest.approx(0.7)
    assert estimator.estimate(scores, y_pred=[1, 1]).value == pytest.approx(0.3)
    with pytest.raises(ValidationError, match="one decision per score"):
        estimator.estimate(scores, y_pred=[1])


def test_intervals_are_reproducible_and_seeded() -> None:
    rng = np.random.default_rng(5)
    ref_scores, ref_labels = _population(rng, 2_000, 0, 1)
    a = PerformanceEstimator(metric="recall", random_state=3).fit(ref_scores, ref_labels)
    b = PerformanceEstimator(metric="recall", random_state=3).fit(ref_scores, ref_labels)
    first = a.estimate(ref_scores[:500])
    assert first == b.estimate(ref_scores[:500])
    # the seed drives the draws: another seed moves the Monte Carlo interval, not the value
    c = PerformanceEstimator(metric="recall", random_state=4).fit(ref_scores, ref_labels)
    other = c.estimate(ref_scores[:500])
    assert other.value == first.value
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        PerformanceEstimator().estimate([0.5])
    assert "not fitted" in str(PerformanceEstimator())
    assert "fitted on 2" in str(PerformanceEstimator().fit([0.1, 0.9], [0, 1]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metric": "f1"}, "'metric' parameter"),
        ({"threshold": 1.5}, "'threshold' parameter of PerformanceEstimator must be a float in"),
        ({"threshold": True}, "'threshold' parameter"),
        ({"confidence": 2.0}, "'confidence' parameter"),
        ({"n_resamples": 5}, "'n_resamples' parameter"),
    ],
    ids=["metric", "threshold", "threshold-bool", "confidence", "n_resamples"],
)
def test_bad_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        PerformanceEstimator(**kwargs)


def test_bad_reference() -> None:
    with pytest.raises(ValidationError, match="same length"):
        PerformanceEstimator().fit([0.1, 0.2], [0])
    with pytest.raises(ValidationError, match="both classes"):
        PerformanceEstimator().fit([0.1, 0.2], [1, 1])


def test_fit_does_not_mutate_inputs() -> None:
    scores = np.array([0.9, 0.1, 0.5])
    labels = np.array([1, 0, 1])
    PerformanceEstimator().fit(scores, labels)
    assert scores.tolist() == [0.9, 0.1, 0.5]
    assert labels.tolist() == [1, 0, 1]


optional_unit = st.none() | st.floats(0, 1)


@settings(max_examples=50, deadline=None)
@given(
    metric=st.sampled_from(["accuracy", "roc_auc"]),
    value=optional_unit,
    low=optional_unit,
    high=optional_unit,
    n=st.integers(0, 10**9),
)
def test_estimate_round_trips_through_json(
    metric: str, value: float | None, low: float | None, high: float | None, n: int
) -> None:
    e = Estimate(metric=metric, value=value, ci_low=low, ci_high=high, n=n)
    assert Estimate.from_dict(json.loads(json.dumps(e.to_dict()))) == e
    assert metric in str(e)
    assert "<code>" in e._repr_html_()

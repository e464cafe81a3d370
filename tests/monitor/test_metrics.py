"""Realized metrics and their intervals, each against a reference implementation or formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from mlops_kit.exceptions import ValidationError
from mlops_kit.monitor._metrics import (
    check_binary_labels,
    check_confidence,
    check_metric,
    check_scores,
    hanley_mcneil_se,
    normal_quantile,
    rank_auc,
    realized_metric,
    to_utc,
    wilson_interval,
)

Z95 = 1.959963984540054


def _data(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(size=n), 2)  # rounding creates ties
    labels = (rng.uniform(size=n) < scores).astype(np.int8)
    preds = (scores >= 0.5).astype(np.int8)
    return labels, scores, preds


def test_normal_quantile_matches_the_usual_value() -> None:
    assert normal_quantile(0.95) == pytest.approx(Z95)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_auc_matches_sklearn_with_ties(seed: int) -> None:
    labels, scores, _ = _data(seed)
    assert rank_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))


def test_rank_auc_is_none_with_one_class() -> None:
    assert rank_auc(np.ones(3, dtype=np.int8), np.array([0.1, 0.2, 0.3])) is None


@pytest.mark.parametrize(("k", "n"), [(0, 10), (8, 10), (10, 10), (37, 120), (1, 1)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    reference = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(k, n, Z95)
    assert low == pytest.approx(reference.low, abs=1e-12)
    assert high == pytest.approx(reference.high, abs=1e-12)


def test_wilson_interval_refuses_empty() -> None:
    with pytest.raises(ValueError):
        wilson_interval(0, 0, Z95)


def test_hanley_mcneil_worked_example() -> None:
    # A = 0.8, 50 positives, 50 negatives: Q1 = 0.8 / 1.2 = 0.666667, Q2 = 1.28 / 1.8 = 0.711111,
    # var = (0.16 + 49 * 0.026667 + 49 * 0.071111) / 2500 = 4.951111 / 2500 = 0.00198044
    assert hanley_mcneil_se(0.8, 50, 50) == pytest.approx(math.sqrt(4.951111 / 2500), rel=1e-5)
    assert hanley_mcneil_se(0.8, 50, 50) == pytest.approx(0.044502, abs=1e-6)


@pytest.mark.parametrize(
    ("metric", "reference"),
    [
        ("accuracy", lambda y, s, p: accuracy_score(y, p)),
        ("precision", lambda y, s, p: precision_score(y, p)),
        ("recall", lambda y, s, p: recall_score(y, p)),
        ("roc_auc", lambda y, s, p: roc_auc_score(y, s)),
        ("brier", lambda y, s, p: brier_score_loss(y, s)),
    ],
)
def test_realized_values_match_sklearn(metric: str, reference: object) -> None:
    labels, scores, preds = _data(7)
    value, low, high = realized_metric(metric, labels, scores, preds, Z95)
    assert value == pytest.approx(reference(labels, scores, preds))  # type: ignore[operator]
    assert low is not None
    assert high is not None
    assert 0.0 <= low <= value <= high <= 1.0


def test_accuracy_interval_is_wilson_on_correct_count() -> None:
    labels, scores, preds = _data(3)
    _, low, high = realized_metric("accuracy", labels, scores, preds, Z95)
    k = int((labels == preds).sum())
    ref = binomtest(k, labels.size).proportion_ci(method="wilson")
    assert (low, high) == pytest.approx((ref.low, ref.high))


def test_brier_interval_is_normal_on_squared_errors() -> None:
    labels, scores, preds = _data(4)
    errors = (scores - labels) ** 2
    half = Z95 * errors.std(ddof=1) / math.sqrt(errors.size)
    _, low, high = realized_metric("brier", labels, scores, preds, Z95)
    assert (low, high) == pytest.approx((errors.mean() - half, errors.mean() + half))


@pytest.mark.parametrize(
    ("metric", "labels", "preds"),
    [
        ("precision", [1, 0], [0, 0]),  # no predicted positive
        ("recall", [0, 0], [1, 0]),  # no actual positive
        ("roc_auc", [1, 1], [1, 0]),  # one class
    ],
)
def test_undefined_values_are_none(metric: str, labels: list[int], preds: list[int]) -> None:
    y = np.array(labels, dtype=np.int8)
    assert realized_metric(metric, y, np.array([0.2, 0.7]), np.array(preds, np.int8), Z95) == (
        None,
        None,
        None,
    )


def test_empty_and_single_row() -> None:
    empty = np.array([], dtype=np.int8)
    assert realized_metric("accuracy", empty, np.array([]), empty, Z95) == (None, None, None)
    one = np.array([1], dtype=np.int8)
    assert realized_metric("brier", one, np.array([0.5]), one, Z95) == (0.25, None, None)


@pytest.mark.parametrize("metric", ["f1", "ROC_AUC", 3, None])
def test_unknown_metric_names_the_choices(metric: object) -> None:
    with pytest.raises(ValidationError, match=r"'metric' parameter of X must be one of"):
        check_metric(metric, "X")


@pytest.mark.parametrize("confidence", [0, 1, 1.5, True, "0.9"])
def test_bad_confidence(confidence: object) -> None:
    with pytest.raises(ValidationError, match="'confidence' parameter of X"):
        check_confidence(confidence, "X")


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([[0.1, 0.2]], "one-dimensional"),
        (["a", "b"], "must hold numbers"),
        ([0.1, float("nan")], "missing or infinite"),
        ([0.1, 1.5], r"probabilities in \[0, 1\]"),
    ],
    ids=["2d", "strings", "nan", "out-of-range"],
)
def test_bad_scores(values: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        check_scores(values, "y_score")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "match"),
    [([[1, 0]], "one-dimensional"), (["yes", "no"], "binary labels"), ([0, 2], "binary labels")],
    ids=["2d", "strings", "two"],
)
def test_bad_labels(values: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        check_binary_labels(values, "y_true")  # type: ignore[arg-type]


def test_boolean_labels_are_accepted() -> None:
    assert check_binary_labels(np.array([True, False]), "y").tolist() == [1, 0]


def test_naive_datetime_refused() -> None:
    from datetime import datetime

    with pytest.raises(ValidationError, match="timezone-aware"):
        to_utc(datetime(2026, 1, 1), "now", "Observation")
    with pytest.raises(ValidationError, match="must be a datetime"):
        to_utc("2026-01-01", "now", "Observation")  # type: ignore[arg-type]

"""PerformanceMonitor: windows, late labels, completeness, thresholds, alerts, bad input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, roc_auc_score

from mlops_kit.exceptions import ValidationError
from mlops_kit.monitor import (
    LabelSummary,
    PerformanceEstimator,
    PerformanceMonitor,
    WindowMetric,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _batch(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    scores = rng.uniform(size=n)
    labels = (rng.uniform(size=n) < scores).astype(int)
    return scores, labels


def test_count_windows_span_calls_and_report_the_short_last_one() -> None:
    rng = np.random.default_rng(0)
    monitor = PerformanceMonitor(metric="roc_auc", window=100)
    scores, labels = _batch(rng, 250)
    monitor.log_predictions(np.arange(0, 130), scores[:130])
    monitor.log_predictions(np.arange(130, 250), scores[130:])
    windows = monitor.realized()
    assert [w.n_predictions for w in windows] == [100, 100, 50]
    assert all(w.value is None and w.n_labelled == 0 for w in windows)
    monitor.log_labels(np.arange(250), labels)
    windows = monitor.realized()
    for w, lo in zip(windows, (0, 100, 200)):
        hi = min(lo + 100, 250)
        assert w.value == pytest.approx(roc_auc_score(labels[lo:hi], scores[lo:hi]))
        assert w.completeness == 1.0
        assert w.ci_low < w.value < w.ci_high
    assert [w.index for w in windows] == [0, 1, 2]


def test_late_labels_raise_completeness_window_by_window() -> None:
    rng = np.random.default_rng(1)
    monitor = PerformanceMonitor(metric="accuracy", window="7D")
    scores, labels = _batch(rng, 300)
    times = [T0 + timedelta(days=int(d)) for d in np.repeat([0, 7, 14], 100)]
    monitor.log_predictions([f"tx{i}" for i in range(300)], scores, timestamps=times)
    monitor.log_labels([f"tx{i}" for i in range(100)], labels[:100])  # week 0 fully labelled
    monitor.log_labels([f"tx{i}" for i in range(100, 150)], labels[100:150])  # week 1 half
    windows = monitor.realized()
    assert [w.completeness for w in windows] == [1.0, 0.5, 0.0]
    assert windows[0].value == pytest.approx(accuracy_score(labels[:100], scores[:100] >= 0.5))
    assert windows[1].value == pytest.approx(
        accuracy_score(labels[100:150], scores[100:150] >= 0.5)
    )
    assert windows[2].value is None
    assert windows[0].start == T0
    assert windows[0].end == T0 + timedelta(days=7)
    assert monitor.n_labelled == 150


def test_period_windows_include_empty_ones_and_accept_timedelta() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=timedelta(days=1))
    monitor.log_predictions([1, 2], [0.9, 0.1], timestamps=[T0, T0 + timedelta(days=2, hours=1)])
    windows = monitor.realized()
    assert [w.n_predictions for w in windows] == [1, 0, 1]
    assert windows[1].completeness == 0.0
    assert windows[1].start == T0 + timedelta(days=1)


def test_out_of_order_timestamps_land_in_their_window() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window="1D")
    monitor.log_predictions(["late"], [0.9], timestamps=[T0 + timedelta(days=1)])
    monitor.log_predictions(["early"], [0.1], timestamps=[T0])
    monitor.log_labels(["late", "early"], [1, 1])
    windows = monitor.realized()
    assert [w.value for w in windows] == [0.0, 1.0]


def test_labels_for_unknown_ids_are_counted_and_reported() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=10)
    monitor.log_predictions(["a", "b"], [0.9, 0.2])
    summary = monitor.log_labels(["a", "nope", "zz"], [1, 0, 1])
    assert summary == LabelSummary(
        n_received=3, n_matched=1, n_unknown=2, n_relabelled=0, unknown_ids=("nope", "zz")
    )
    assert monitor.n_unknown_labels == 2
    monitor.log_labels(["q"], [1])
    assert monitor.n_unknown_labels == 3
    assert "3 labels for unknown ids" in str(monitor)
    assert monitor.realized()[0].n_labelled == 1


def test_labels_before_any_prediction_are_unknown() -> None:
    monitor = PerformanceMonitor()
    assert monitor.log_labels([1, 2], [0, 1]).n_unknown == 2
    assert monitor.realized() == []


def test_a_second_label_replaces_the_first() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=10)
    monitor.log_predictions([1], [0.9])
    monitor.log_labels([1], [0])
    assert monitor.realized()[0].value == 0.0
    assert monitor.log_labels([1], [1]).n_relabelled == 1
    assert monitor.realized()[0].value == 1.0


@pytest.mark.parametrize(
    ("first", "second"),
    [(["a", "b", "a"], None), (["a", "b"], ["c", "b"])],
    ids=["within-a-call", "across-calls"],
)
def test_duplicate_prediction_ids_are_refused(first: list[str], second: list[str] | None) -> None:
    monitor = PerformanceMonitor(window=10)
    if second is None:
        with pytest.raises(ValidationError, match=r"duplicate prediction ids \['a'\]"):
            monitor.log_predictions(first, [0.5] * len(first))
        assert monitor.n_predictions == 0  # nothing half-logged
    else:
        monitor.log_predictions(first, [0.5] * len(first))
        with pytest.raises(ValidationError, match=r"already logged in an earlier call: \['b'\]"):
            monitor.log_predictions(second, [0.5] * len(second))
        assert monitor.n_predictions == 2


def test_default_timestamps_come_from_the_clock() -> None:
    monitor = PerformanceMonitor(window=10, clock=lambda: T0)
    monitor.log_predictions([1, 2], [0.4, 0.6])
    window = monitor.realized()[0]
    assert window.start == window.end == T0


def test_a_naive_clock_is_refused_by_name() -> None:
    monitor = PerformanceMonitor(window=10, clock=lambda: datetime(2026, 11, 2, 9))
    with pytest.raises(ValidationError, match=r"'clock\(\)' parameter of PerformanceMonitor"):
        monitor.log_predictions([1], [0.4])
    assert monitor.n_predictions == 0


def test_explicit_y_pred_is_the_decision_taken() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=10)
    monitor.log_predictions([1, 2], [0.9, 0.9], y_pred=[0, 1])
    monitor.log_labels([1, 2], [1, 1])
    assert monitor.realized()[0].value == 0.5


def test_fixed_threshold_alerts_in_the_metric_direction() -> None:
    acc = PerformanceMonitor(metric="accuracy", window=2, alert_threshold=0.75)
    brier = PerformanceMonitor(metric="brier", window=2, alert_threshold=0.1)
    for monitor in (acc, brier):
        monitor.log_predictions([1, 2, 3, 4], [0.9, 0.1, 0.9, 0.6])
        monitor.log_labels([1, 2, 3, 4], [1, 0, 1, 0])
    # accuracy: [1.0, 0.5] -> alert below 0.75 on window 1
    assert [w.alert for w in acc.realized()] == [False, True]
    # brier: [(0.01 + 0.01) / 2, (0.01 + 0.36) / 2] = [0.01, 0.185] -> alert above 0.1
    assert [w.value for w in brier.realized()] == pytest.approx([0.01, 0.185])
    assert [w.alert for w in brier.realized()] == [False, True]
    assert [w.index for w in brier.alerts()] == [1]


def test_unlabelled_window_never_alerts() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=2, alert_threshold=0.99)
    monitor.log_predictions([1, 2], [0.9, 0.1])
    assert monitor.alerts() == []


def test_fit_learns_a_one_sided_threshold_from_reference_windows() -> None:
    rng = np.random.default_rng(3)
    scores, labels = _batch(rng, 5_500)  # 5 full windows of 1000, the last 500 left out
    monitor = PerformanceMonitor(metric="accuracy", window=1_000, n_std=2.0)
    assert monitor.effective_threshold is None
    monitor.fit(labels, scores)
    values = [
        accuracy_score(labels[i : i + 1000], scores[i : i + 1000] >= 0.5)
        for i in range(0, 5000, 1000)
    ]
    assert monitor.reference_values_ == pytest.approx(values)
    expected = np.mean(values) - 2.0 * np.std(values, ddof=1)
    assert monitor.alert_threshold_ == pytest.approx(expected)
    assert monitor.effective_threshold == pytest.approx(expected)
    lower = PerformanceMonitor(metric="brier", window=1_000).fit(labels, scores)
    briers = [
        np.mean((scores[i : i + 1000] - labels[i : i + 1000]) ** 2) for i in range(0, 5000, 1000)
    ]
    assert lower.alert_threshold_ == pytest.approx(np.mean(briers) + 3 * np.std(briers, ddof=1))
    fixed = PerformanceMonitor(metric="accuracy", window=1_000, alert_threshold=0.5)
    assert fixed.fit(labels, scores).effective_threshold == 0.5


def test_fit_with_period_windows_needs_timestamps() -> None:
    rng = np.random.default_rng(4)
    scores, labels = _batch(rng, 300)
    monitor = PerformanceMonitor(metric="accuracy", window="1D")
    with pytest.raises(ValidationError, match="needs 'timestamps'"):
        monitor.fit(labels, scores)
    times = [T0 + timedelta(hours=int(h)) for h in range(0, 300 * 8, 8)][:300]
    monitor.fit(labels, scores, timestamps=times, y_pred=(scores > 0.5).astype(int))
    assert len(monitor.reference_values_) == 100


@pytest.mark.parametrize(
    ("labels", "scores", "match"),
    [
        ([0, 1], [0.1, 0.2, 0.3], "same length"),
        ([1] * 10, [0.7] * 10, "at least 2 reference windows"),
    ],
    ids=["lengths", "one-class"],
)
def test_fit_bad_reference(labels: list[int], scores: list[float], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        PerformanceMonitor(metric="roc_auc", window=5).fit(labels, scores)


def test_fit_refuses_y_pred_of_another_length() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=2)
    with pytest.raises(ValidationError, match=r"one decision per label\. Got 3 decisions for 4"):
        monitor.fit([0, 1, 0, 1], [0.2, 0.8, 0.3, 0.7], y_pred=[0, 1, 0])


def test_estimator_fills_each_window() -> None:
    rng = np.random.default_rng(6)
    ref_scores, ref_labels = _batch(rng, 2_000)
    estimator = PerformanceEstimator(metric="accuracy").fit(ref_scores, ref_labels)
    monitor = PerformanceMonitor(metric="accuracy", window=500, estimator=estimator)
    scores, _ = _batch(rng, 1_000)
    monitor.log_predictions(np.arange(1_000), scores)
    windows = monitor.realized()
    for w, lo in zip(windows, (0, 500)):
        assert w.estimate == estimator.estimate(scores[lo : lo + 500])
        assert "estimated" in str(w)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": 0}, "'window' parameter of PerformanceMonitor must be a positive int"),
        ({"window": True}, "'window' parameter"),
        ({"window": "soon"}, "'window' parameter"),
        ({"window": "-1D"}, "'window' parameter"),
        ({"window": 2.5}, "'window' parameter"),
        ({"metric": "f1"}, "'metric' parameter"),
        ({"threshold": 0}, "'threshold' parameter"),
        ({"alert_threshold": float("nan")}, "'alert_threshold' parameter"),
        ({"n_std": -1}, "'n_std' parameter"),
        ({"confidence": 1}, "'confidence' parameter"),
        (
            {"estimator": PerformanceEstimator(metric="recall")},
            "must estimate the monitored metric 'roc_auc'",
        ),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, str) else None,
)
def test_bad_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        PerformanceMonitor(**kwargs)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: m.log_predictions([1, 2], [0.5]), "one score per id"),
        (lambda m: m.log_predictions([1, None], [0.5, 0.5]), "missing values"),
        (lambda m: m.log_predictions([1, 2], [0.5, 0.5], y_pred=[1]), "one decision per id"),
        (lambda m: m.log_predictions([1], [0.5], timestamps="2026-11-02"), "timezone-aware"),
        (lambda m: m.log_predictions([1], [0.5], timestamps=[T0, T0]), "one time per id"),
        (lambda m: m.log_predictions([1], [0.5], timestamps=["never"]), "ISO strings"),
        (lambda m: m.log_predictions([1], [0.5], timestamps=[None]), "timezone-aware|missing"),
        (lambda m: m.log_predictions([[1]], [0.5]), "one-dimensional"),
        (lambda m: m.log_labels([1, 2], [1]), "one label per id"),
        (lambda m: m.log_labels([1], [3]), "binary labels"),
    ],
    ids=[
        "score-length",
        "missing-id",
        "pred-length",
        "naive-time",
        "time-length",
        "bad-time",
        "nat",
        "2d-ids",
        "label-length",
        "label-value",
    ],
)
def test_bad_input(call: object, match: str) -> None:
    monitor = PerformanceMonitor(window=10)
    with pytest.raises(ValidationError, match=match):
        call(monitor)  # type: ignore[operator]


def test_inputs_are_not_mutated() -> None:
    ids = np.array([3, 4])
    scores = np.array([0.2, 0.8])
    monitor = PerformanceMonitor(window=10)
    monitor.log_predictions(ids, scores)
    monitor.log_labels(ids, np.array([0, 1]))
    assert ids.tolist() == [3, 4]
    assert scores.tolist() == [0.2, 0.8]


optional_unit = st.none() | st.floats(0, 1)


@settings(max_examples=50, deadline=None)
@given(
    index=st.integers(0, 10_000),
    start=st.datetimes(timezones=st.just(timezone.utc)),
    n=st.integers(0, 10_000),
    value=optional_unit,
    low=optional_unit,
    threshold=optional_unit,
    alert=st.booleans(),
    with_estimate=st.booleans(),
)
def test_window_metric_round_trips_through_json(
    index: int,
    start: datetime,
    n: int,
    value: float | None,
    low: float | None,
    threshold: float | None,
    alert: bool,
    with_estimate: bool,
) -> None:
    from mlops_kit.monitor import Estimate

    estimate = (
        Estimate(metric="accuracy", value=value, ci_low=low, ci_high=None, n=n)
        if with_estimate
        else None
    )
    w = WindowMetric(
        index=index, metric="accuracy", start=start, end=start, n_predictions=n,
        n_labelled=n // 2, completeness=0.5, value=value, ci_low=low, ci_high=None,
        threshold=threshold, alert=alert, estimate=estimate,
    )  # fmt: skip
    assert WindowMetric.from_dict(json.loads(json.dumps(w.to_dict()))) == w
    assert f"window {index}" in str(w)
    assert "<code>" in w._repr_html_()


def test_label_summary_round_trips_through_json() -> None:
    s = LabelSummary(n_received=4, n_matched=3, n_unknown=1, n_relabelled=2, unknown_ids=("x",))
    assert LabelSummary.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_many_batches_keep_every_id_at_its_position() -> None:
    # ids are looked up in a log-structured stack of indexes: check every level answers
    rng = np.random.default_rng(8)
    sizes = rng.integers(1, 60, size=37)
    n = int(sizes.sum())
    ids = rng.permutation(10 * n)[:n]
    scores, labels = _batch(rng, n)
    monitor = PerformanceMonitor(metric="accuracy", window=50)
    start = 0
    for size in sizes:
        monitor.log_predictions(ids[start : start + size], scores[start : start + size])
        start += size
    order = rng.permutation(n)
    for chunk in np.array_split(order, 7):
        monitor.log_labels(ids[chunk], labels[chunk])
    windows = monitor.realized()
    for w in windows:
        lo = w.index * 50
        expected = accuracy_score(labels[lo : lo + 50], scores[lo : lo + 50] >= 0.5)
        assert w.value == pytest.approx(expected)
    with pytest.raises(ValidationError, match="already logged"):
        monitor.log_predictions([ids[0]], [0.5])
    assert monitor.n_predictions == n
    assert monitor.n_labelled == n


def test_features_are_kept_per_window() -> None:
    import pandas as pd

    monitor = PerformanceMonitor(window="1D")
    monitor.log_predictions(
        ["a", "b"], [0.1, 0.9], timestamps=[T0, T0 + timedelta(hours=1)],
        features=pd.DataFrame({"amount": [5.0, 7.0], "country": ["fr", "de"]}, index=[10, 11]),
    )  # fmt: skip
    monitor.log_predictions(["c"], [0.4], timestamps=[T0 + timedelta(days=1)])
    everything = monitor.features()
    assert everything["id"].tolist() == ["a", "b", "c"]
    assert everything["window"].tolist() == [0, 0, 1]
    assert everything["amount"].iloc[:2].tolist() == [5.0, 7.0]
    assert everything["amount"].isna().iloc[2]
    assert monitor.features(window=1)["id"].tolist() == ["c"]
    with pytest.raises(ValidationError, match="no window 2; the windows are 0 to 1"):
        monitor.features(window=2)
    with pytest.raises(ValidationError, match="'window' argument of features"):
        monitor.features(window="1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="one row per id"):
        monitor.log_predictions(["d"], [0.5], features=pd.DataFrame({"amount": [1.0, 2.0]}))
    with pytest.raises(ValidationError, match="one row per id"):
        monitor.log_predictions(["d"], [0.5], features=[1.0])  # type: ignore[arg-type]
    assert PerformanceMonitor().features().empty


def test_a_monitor_is_equal_only_to_itself() -> None:
    # its state (every logged prediction) is not part of a value comparison: identity it is
    first = PerformanceMonitor(metric="accuracy", window=3)
    first.log_predictions(["a", "b"], [0.9, 0.1])
    second = PerformanceMonitor(metric="accuracy", window=3)
    assert first == first
    assert first != second
    assert len({first, second}) == 2

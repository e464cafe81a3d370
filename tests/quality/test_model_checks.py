"""Model checks: metric bounds, no-regression, slices, stability, calibration and latency."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, roc_auc_score

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality import Evidence, checks, significance
from mlops_kit.quality._metrics import resolve_metric


@pytest.fixture
def binary() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(42)
    n = 1000
    y = rng.integers(0, 2, n)
    score = np.clip(y * 0.35 + rng.random(n) * 0.65, 0, 1)
    return {"y": y, "score": score, "pred": (score > 0.5).astype(int)}


class TestMetricBounds:
    def test_at_least_with_sklearn_values(self, binary: dict[str, np.ndarray]) -> None:
        e = Evidence(y_true=binary["y"], y_score=binary["score"], y_pred=binary["pred"])
        r = checks.MetricAtLeast("roc_auc", 0.5).evaluate(e)
        assert r.value == pytest.approx(roc_auc_score(binary["y"], binary["score"]))
        assert r.passed
        assert r.details["source"] == "labels"
        r = checks.MetricAtLeast("f1", 0.99).evaluate(e)
        assert r.value == pytest.approx(f1_score(binary["y"], binary["pred"]))
        assert r.status == "fail"
        assert "below 0.99" in r.message

    def test_at_most_and_callable(self, binary: dict[str, np.ndarray]) -> None:
        e = Evidence(y_true=binary["y"], y_pred=binary["pred"])
        r = checks.MetricAtMost("error_rate", 0.5).evaluate(e)
        assert r.value == pytest.approx(1 - accuracy_score(binary["y"], binary["pred"]))

        def share_positive(y: np.ndarray, p: np.ndarray) -> float:
            return float(np.mean(p))

        r = checks.MetricAtMost(share_positive, 0.9).evaluate(e)
        assert r.name == "MetricAtMost(share_positive)"
        assert r.value == pytest.approx(binary["pred"].mean())

    def test_from_recorded_metrics(self) -> None:
        r = checks.MetricAtLeast("roc_auc", 0.8).evaluate(Evidence(metrics={"roc_auc": 0.75}))
        assert r.status == "fail"
        assert r.details["source"] == "Evidence.metrics"

    def test_missing_inputs_are_named(self) -> None:
        r = checks.MetricAtLeast("roc_auc", 0.8).evaluate(Evidence(y_true=[0, 1]))
        assert r.status == "error"
        assert "y_score" in r.message
        assert "roc_auc" in r.message

    def test_single_class_is_insufficient(self) -> None:
        r = checks.MetricAtLeast("roc_auc", 0.8).evaluate(
            Evidence(y_true=[1, 1], y_score=[0.2, 0.4])
        )
        assert r.status == "insufficient_data"

    def test_unknown_metric(self) -> None:
        with pytest.raises(ValidationError, match="Unknown metric 'auc_roc'"):
            checks.MetricAtLeast("auc_roc", 0.8)
        with pytest.raises(ValidationError, match="metric"):
            checks.MetricAtLeast(3, 0.8)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "name,uses,better",
        [
            ("hamming_loss", "pred", False),
            ("jaccard", "pred", True),
            ("log_loss", "score", False),
            ("mse", "pred", False),
            ("r2", "pred", True),
        ],
    )
    def test_metric_resolution(self, name: str, uses: str, better: bool) -> None:
        m = resolve_metric(name)
        assert (m.uses, m.greater_is_better) == (uses, better)

    def test_metric_overrides(self) -> None:
        assert resolve_metric("accuracy", uses="score").uses == "score"
        assert resolve_metric("accuracy", greater_is_better=False).greater_is_better is False
        with pytest.raises(ValidationError, match="uses"):
            resolve_metric("accuracy", uses="proba")


def _models(seed: int, n: int, quality_a: float, quality_b: float) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    noise = rng.normal(size=n)
    a = y * quality_a + noise + rng.normal(scale=0.3, size=n)
    b = y * quality_b + noise + rng.normal(scale=0.3, size=n)
    return y, a, b


class TestNoRegression:
    def test_no_baseline_passes_and_says_so(self) -> None:
        r = checks.NoRegression("roc_auc", max_drop=0.01).evaluate(
            Evidence(y_true=[0, 1], y_score=[0.1, 0.9])
        )
        assert r.status == "pass"
        assert "no champion yet" in r.message
        assert r.details["baseline"] is None
        strict = checks.NoRegression("roc_auc", require_baseline=True)
        assert strict.evaluate(Evidence(y_true=[0, 1], y_score=[0.1, 0.9])).status == "error"

    def test_delong_pass_when_better(self) -> None:
        y, champion, challenger = _models(0, 3000, 1.0, 1.4)
        e = Evidence(y_true=y, y_score=challenger, baseline=Evidence(y_true=y, y_score=champion))
        r = checks.NoRegression("roc_auc", max_drop=0.01).evaluate(e)
        ref = significance.delong(y, challenger, champion)
        assert r.status == "pass"
        assert r.details["test"] == "delong"
        assert r.value == pytest.approx(ref.difference)
        assert r.value > 0
        assert r.confidence_interval == pytest.approx((ref.ci_low, ref.ci_high))
        assert r.threshold == -0.01
        assert r.details["p_value"] == pytest.approx(ref.p_value)

    def test_delong_fail_when_clearly_worse(self) -> None:
        y, champion, challenger = _models(1, 3000, 1.4, 0.8)
        e = Evidence(y_true=y, y_score=challenger, baseline=Evidence(y_score=champion))
        r = checks.NoRegression("roc_auc", max_drop=0.01).evaluate(e)
        assert r.status == "fail"
        assert r.confidence_interval[1] < -0.01
        assert "worse than the margin" in r.message

    def test_inconclusive_default_fails_and_is_configurable(self) -> None:
        y, champion, challenger = _models(2, 150, 1.0, 0.97)
        e = Evidence(y_true=y, y_score=challenger, baseline=Evidence(y_score=champion))
        r = checks.NoRegression("roc_auc", max_drop=0.01).evaluate(e)
        low, high = r.confidence_interval
        assert low < -0.01 <= high
        assert r.status == "fail"
        assert "inconclusive" in r.message
        lenient = checks.NoRegression("roc_auc", max_drop=0.01, inconclusive="insufficient_data")
        assert lenient.evaluate(e).status == "insufficient_data"

    def test_mcnemar_for_accuracy(self, binary: dict[str, np.ndarray]) -> None:
        y, pred = binary["y"], binary["pred"]
        worse = pred.copy()
        worse[:100] = 1 - y[:100]  # 100 rows made wrong on purpose
        e = Evidence(y_true=y, y_pred=worse, baseline=Evidence(y_true=y, y_pred=pred))
        r = checks.NoRegression("accuracy", max_drop=0.02).evaluate(e)
        ref = significance.mcnemar(y, worse, pred)
        assert r.details["test"] == "mcnemar"
        assert r.details["c"] == ref.c
        assert r.value == pytest.approx(accuracy_score(y, worse) - accuracy_score(y, pred))
        assert r.status == "fail"
        same = Evidence(y_true=y, y_pred=pred, baseline=Evidence(y_pred=pred))
        assert checks.NoRegression("accuracy").evaluate(same).status == "pass"

    def test_error_rate_orientation(self, binary: dict[str, np.ndarray]) -> None:
        y, pred = binary["y"], binary["pred"]
        better = y.copy()
        e = Evidence(y_true=y, y_pred=better, baseline=Evidence(y_pred=pred))
        r = checks.NoRegression("error_rate").evaluate(e)
        assert r.value > 0
        assert r.status == "pass"

    def test_bootstrap_for_other_metrics(self, binary: dict[str, np.ndarray]) -> None:
        y, pred = binary["y"], binary["pred"]
        e = Evidence(y_true=y, y_pred=pred, baseline=Evidence(y_pred=pred))
        r = checks.NoRegression("f1", n_resamples=200).evaluate(e)
        assert r.details["test"] == "bootstrap"
        assert r.value == 0
        assert r.status == "pass"
        assert r.details["p_value_noninferiority"] is None

    def test_bootstrap_loss_orientation(self, binary: dict[str, np.ndarray]) -> None:
        y, score = binary["y"], binary["score"]
        sharper = np.where(y == 1, np.maximum(score, 0.9), np.minimum(score, 0.1))
        e = Evidence(y_true=y, y_score=sharper, baseline=Evidence(y_score=score))
        r = checks.NoRegression("brier_score_loss", n_resamples=300).evaluate(e)
        assert r.value == pytest.approx(brier_score_loss(y, score) - brier_score_loss(y, sharper))
        assert r.value > 0
        assert r.status == "pass"
        assert r.confidence_interval[0] <= r.confidence_interval[1]

    def test_point_comparison_with_recorded_baseline(self) -> None:
        e = Evidence(
            y_true=[0, 1, 1, 0],
            y_score=[0.1, 0.9, 0.8, 0.3],
            baseline=Evidence(metrics={"roc_auc": 0.9}),
        )
        r = checks.NoRegression("roc_auc", max_drop=0.01).evaluate(e)
        assert r.details["test"] == "point"
        assert r.value == pytest.approx(0.1)
        assert r.passed
        e2 = Evidence(
            y_true=[0, 1, 1, 0],
            y_score=[0.9, 0.1, 0.8, 0.3],
            baseline=Evidence(metrics={"roc_auc": 0.9}),
        )
        assert checks.NoRegression("roc_auc").evaluate(e2).status == "fail"

    def test_baseline_on_other_rows(self) -> None:
        e = Evidence(
            y_true=[0, 1, 1],
            y_score=[0.1, 0.9, 0.8],
            baseline=Evidence(y_true=[1, 1, 0], y_score=[0.1, 0.9, 0.8]),
        )
        with pytest.raises(ValidationError, match="same rows"):
            checks.NoRegression("roc_auc").evaluate(e)
        e = Evidence(
            y_true=[0, 1, 1], y_score=[0.1, 0.9, 0.8], baseline=Evidence(y_score=[0.1, 0.9])
        )
        with pytest.raises(ValidationError, match="same rows"):
            checks.NoRegression("roc_auc").evaluate(e)

    def test_baseline_missing_predictions(self) -> None:
        e = Evidence(y_true=[0, 1], y_score=[0.1, 0.9], baseline=Evidence(y_pred=[0, 1]))
        r = checks.NoRegression("roc_auc").evaluate(e)
        assert r.status == "error"
        assert "baseline(y_score" in r.message

    def test_single_class(self) -> None:
        e = Evidence(y_true=[1, 1], y_score=[0.1, 0.9], baseline=Evidence(y_score=[0.2, 0.3]))
        assert checks.NoRegression("roc_auc").evaluate(e).status == "insufficient_data"

    def test_test_must_fit_the_metric(self) -> None:
        with pytest.raises(ValidationError, match="McNemar"):
            checks.NoRegression("roc_auc", test="mcnemar")
        with pytest.raises(ValidationError, match="DeLong"):
            checks.NoRegression("accuracy", test="delong")
        assert checks.NoRegression("roc_auc", test="bootstrap").test == "bootstrap"


class TestSliceMetric:
    def test_weakest_slices(self) -> None:
        rng = np.random.default_rng(0)
        region = np.repeat(["north", "south", "east", "tiny"], [200, 200, 200, 10])
        y = rng.integers(0, 2, len(region))
        flip = rng.random(len(region)) < np.where(region == "south", 0.4, 0.1)
        pred = np.where(flip, 1 - y, y)
        e = Evidence(y_true=y, y_pred=pred, data=pd.DataFrame({"region": region}))
        r = checks.SliceMetric("accuracy", "region", threshold=0.8).evaluate(e)
        south = region == "south"
        assert r.status == "fail"
        assert r.details["failing"] == ["south"]
        assert r.value == pytest.approx(accuracy_score(y[south], pred[south]))
        assert r.details["weakest"][0]["slice"] == "south"
        assert r.details["skipped"] == [{"slice": "tiny", "n": 10}]
        gap = checks.SliceMetric("accuracy", "region", max_gap=0.5).evaluate(e)
        assert gap.passed
        assert gap.threshold == pytest.approx(accuracy_score(y, pred) - 0.5)

    def test_numeric_column_is_binned(self, binary: dict[str, np.ndarray]) -> None:
        age = np.linspace(18, 90, len(binary["y"]))
        e = Evidence(y_true=binary["y"], y_score=binary["score"], sensitive={"age": age})
        r = checks.SliceMetric("roc_auc", "age", threshold=0.5, bins=4).evaluate(e)
        assert r.counts["n_slices"] == 4
        assert r.passed

    def test_no_slice_with_support(self) -> None:
        e = Evidence(y_true=[0, 1], y_pred=[0, 1], data=pd.DataFrame({"g": ["a", "b"]}))
        r = checks.SliceMetric("accuracy", "g", threshold=0.5).evaluate(e)
        assert r.status == "insufficient_data"

    def test_needs_a_bound_and_column(self) -> None:
        with pytest.raises(ValidationError, match="threshold= or max_gap="):
            checks.SliceMetric("accuracy", "g")
        r = checks.SliceMetric("accuracy", "g", threshold=0.5).evaluate(
            Evidence(y_true=[0], y_pred=[0])
        )
        assert r.status == "error"
        assert "'g'" in r.message


class TestStableMetric:
    def test_ci_width_matches_a_direct_bootstrap(self, binary: dict[str, np.ndarray]) -> None:
        y, pred = binary["y"], binary["pred"]
        r = checks.StableMetric("accuracy", max_ci_width=0.01, n_resamples=500).evaluate(
            Evidence(y_true=y, y_pred=pred)
        )
        idx = np.random.default_rng(0).integers(0, len(y), (500, len(y)))
        values = (pred == y)[idx].mean(axis=1)
        low, high = np.quantile(values, [0.025, 0.975])
        assert r.confidence_interval == pytest.approx((low, high))
        assert r.value == pytest.approx(high - low)
        assert r.status == "fail"

    def test_time_windows(self) -> None:
        rng = np.random.default_rng(3)
        n = 600
        times = pd.date_range("2026-01-01", periods=n, freq="h")
        y = rng.integers(0, 2, n)
        flip = rng.random(n) < np.where(np.arange(n) < 300, 0.05, 0.35)  # degrades
        e = Evidence(y_true=y, y_pred=np.where(flip, 1 - y, y), timestamps=times)
        r = checks.StableMetric("accuracy", max_spread=0.1, window="7D").evaluate(e)
        assert r.status == "fail"
        assert len(r.details["windows"]) == 4
        first = r.details["windows"][0]
        assert first["n"] == 168
        assert first["window"].startswith("2026-01-01")

    def test_row_blocks_and_insufficient(self, binary: dict[str, np.ndarray]) -> None:
        e = Evidence(y_true=binary["y"], y_pred=binary["pred"])
        r = checks.StableMetric("accuracy", max_spread=0.2, n_windows=4).evaluate(e)
        assert r.passed
        assert len(r.details["windows"]) == 4
        few = checks.StableMetric("accuracy", max_spread=0.2, min_window_size=600)
        assert few.evaluate(e).status == "insufficient_data"
        r = checks.StableMetric("roc_auc", max_ci_width=0.2).evaluate(
            Evidence(y_true=[1] * 50, y_score=np.linspace(0, 1, 50))
        )
        assert r.status == "insufficient_data"

    def test_validation(self) -> None:
        with pytest.raises(ValidationError, match="max_ci_width= or max_spread="):
            checks.StableMetric("accuracy")
        with pytest.raises(ValidationError, match="'window' parameter"):
            checks.StableMetric("accuracy", max_spread=0.1, window="often")
        r = checks.StableMetric("accuracy", max_spread=0.1, window="1D").evaluate(
            Evidence(y_true=[1], y_pred=[1])
        )
        assert r.status == "error"
        assert "timestamps" in r.message


class TestCalibration:
    def test_brier_and_ece(self, binary: dict[str, np.ndarray]) -> None:
        y, s = binary["y"], binary["score"]
        r = checks.Calibration(max_brier=0.5, max_ece=0.01, n_bins=5).evaluate(
            Evidence(y_true=y, y_score=s)
        )
        assert r.details["brier"] == pytest.approx(brier_score_loss(y, s))
        bins = np.minimum((s * 5).astype(int), 4)
        ece = sum(
            abs(y[bins == b].mean() - s[bins == b].mean()) * (bins == b).mean()
            for b in range(5)
            if (bins == b).any()
        )
        assert r.details["ece"] == pytest.approx(ece)
        assert r.status == "fail"
        assert "ECE" in r.message
        assert r.value == r.details["brier"]

    def test_perfect(self) -> None:
        r = checks.Calibration(max_ece=0.0).evaluate(
            Evidence(y_true=[0, 1, 0, 1], y_score=[0.0, 1.0, 0.0, 1.0])
        )
        assert r.passed
        assert r.value == 0

    def test_bad_input(self) -> None:
        with pytest.raises(ValidationError, match="max_brier= or max_ece="):
            checks.Calibration()
        with pytest.raises(ValidationError, match=r"\[0, 1\]"):
            checks.Calibration(max_brier=0.2).evaluate(Evidence(y_true=[0, 1], y_score=[0, 2]))
        with pytest.raises(ValidationError, match="binary"):
            checks.Calibration(max_brier=0.2).evaluate(
                Evidence(y_true=[0, 1, 2], y_score=[0, 0.5, 1])
            )


class TestLatencyBudget:
    class Slow:
        def __init__(self, seconds: float) -> None:
            self.seconds = seconds

        def predict(self, X: Any) -> list[int]:
            import time

            time.sleep(self.seconds)
            return [0] * len(X)

    def test_budget(self) -> None:
        data = pd.DataFrame({"x": range(50)})
        fast = checks.LatencyBudget(max_p95_ms=200, sample_size=5).evaluate(
            Evidence(data=data, model=self.Slow(0.0))
        )
        assert fast.passed
        assert fast.counts["n_calls"] == 5
        slow = checks.LatencyBudget(max_p95_ms=1, sample_size=5, batch_size=10).evaluate(
            Evidence(data=data, model=self.Slow(0.005))
        )
        assert slow.status == "fail"
        assert slow.value >= 5

    def test_missing_model_or_method(self) -> None:
        data = pd.DataFrame({"x": [1]})
        assert checks.LatencyBudget(max_p95_ms=1).evaluate(Evidence(data=data)).status == "error"
        r = checks.LatencyBudget(max_p95_ms=1, method="score").evaluate(
            Evidence(data=data, model=self.Slow(0))
        )
        assert r.status == "error"
        assert "'score'" in r.message
        r = checks.LatencyBudget(max_p95_ms=1).evaluate(
            Evidence(data=data.iloc[:0], model=self.Slow(0))
        )
        assert r.status == "insufficient_data"

"""Each built-in trigger: fired, not fired, and missing input, with value and threshold."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import numpy as np
import pytest

from mlops_kit.exceptions import ValidationError
from mlops_kit.protocols import Trigger
from mlops_kit.retrain import (
    DriftSummary,
    Observation,
    RetrainDecision,
    RetrainPolicy,
    TriggerResult,
    triggers,
)
from mlops_kit.storage import open_store

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)


class StandInReport:
    """A drift report from elsewhere: only the attributes the triggers read."""

    def __init__(self, share: float, drifted: bool, columns: dict[str, bool]) -> None:
        self.drift_share = share
        self.drifted = drifted
        self.columns = {name: type("C", (), {"drifted": d})() for name, d in columns.items()}


ALL = [
    triggers.DriftShare(above=0.3),
    triggers.DriftDetected(),
    triggers.MetricBelow("roc_auc", 0.85),
    triggers.MetricDrop("roc_auc", max_drop=0.05),
    triggers.EstimatedMetricBelow("accuracy", 0.9),
    triggers.MetricAbove("rmse", 3.0),
    triggers.EstimatedMetricAbove("rmse", 3.0),
    triggers.Every(days=7),
    triggers.ModelAge(days=30),
    triggers.NewRows(at_least=1000),
    triggers.Manual(),
]


@pytest.mark.parametrize("trigger", ALL, ids=lambda t: type(t).__name__)
def test_every_builtin_is_a_trigger(trigger: object) -> None:
    assert isinstance(trigger, Trigger)


@pytest.mark.parametrize(
    ("trigger", "observation", "status", "value", "threshold", "message"),
    [
        (
            triggers.DriftShare(above=0.3),
            Observation(drift=StandInReport(0.5, False, {"a": True, "b": False})),
            "fired", 0.5, 0.3, "drift_share: drift share 0.500 ≥ 0.300",
        ),
        (
            triggers.DriftShare(above=0.3),
            Observation(drift=DriftSummary(drifted=False, drift_share=0.1)),
            "not_fired", 0.1, 0.3, "drift_share: drift share 0.100 < 0.300",
        ),
        (
            triggers.DriftDetected(),
            Observation(drift=StandInReport(0.5, True, {"a": True, "b": False})),
            "fired", 0.5, 1.0, "drift_detected: drift detected (share 0.500; columns: a)",
        ),
        (
            triggers.DriftDetected(columns=["b"]),
            Observation(drift=StandInReport(0.5, True, {"a": True, "b": False})),
            "not_fired", 0.5, 1.0, "drift_detected: none of the watched columns drifted (b)",
        ),
        (
            triggers.MetricBelow("roc_auc", 0.85),
            Observation(metrics={"roc_auc": 0.9}),
            "not_fired", 0.9, 0.85, "roc_auc_below: roc_auc 0.9000 ≥ 0.8500",
        ),
        (
            triggers.MetricBelow("roc_auc", 0.85),
            Observation(metrics={"roc_auc": 0.85}),
            "not_fired", 0.85, 0.85, "roc_auc_below: roc_auc 0.8500 ≥ 0.8500",
        ),
        (
            triggers.MetricDrop("roc_auc", max_drop=0.1, relative=True),
            Observation(metrics={"roc_auc": 0.8}, reference_metrics={"roc_auc": 0.9}),
            "fired", pytest.approx(0.1 / 0.9), 0.1,
            "roc_auc_drop: roc_auc dropped 0.1111 (relative) (0.9000 → 0.8000) > 0.1000",
        ),
        (
            triggers.MetricDrop("roc_auc", max_drop=0.05),
            Observation(metrics={"roc_auc": 0.9}, reference_metrics={"roc_auc": 0.93}),
            "not_fired", pytest.approx(0.03), 0.05,
            "roc_auc_drop: roc_auc dropped 0.0300 (0.9300 → 0.9000) ≤ 0.0500",
        ),
        (
            triggers.EstimatedMetricBelow("accuracy", 0.9, name="est"),
            Observation(estimated_metrics={"accuracy": 0.95}),
            "not_fired", 0.95, 0.9, "est: estimated accuracy 0.9500 ≥ 0.9000",
        ),
        (
            triggers.Every(hours=12),
            Observation(now=T0 + timedelta(hours=6), last_trained=T0),
            "not_fired", 0.25, 0.5, "every: 6.0 h since the last retrain < 12.0 h",
        ),
        (
            triggers.Every(days=7),
            Observation(
                now=T0 + timedelta(days=8), last_trained=T0, last_retrain=T0 + timedelta(days=3)
            ),
            "not_fired", 5.0, 7.0, "every: 5.0 days since the last retrain < 7.0 days",
        ),
        (
            triggers.ModelAge(days=30),
            Observation(now=T0 + timedelta(days=31), last_trained=T0),
            "fired", 31.0, 30.0, "model_age: model age 31.0 days ≥ 30.0 days",
        ),
        (
            triggers.NewRows(at_least=1000),
            Observation(new_rows=1000),
            "fired", 1000.0, 1000.0, "new_rows: 1000 new rows ≥ 1000",
        ),
        (
            triggers.Manual(),
            Observation(manual="fraud ops saw a new pattern"),
            "fired", None, None, "manual: requested: fraud ops saw a new pattern",
        ),
    ],
    ids=[
        "drift-share-fired",
        "drift-share-quiet",
        "drift-detected",
        "drift-watched-columns",
        "metric-below-quiet",
        "metric-below-boundary",
        "metric-drop-relative",
        "metric-drop-quiet",
        "estimated-quiet",
        "every-hours",
        "every-from-last-retrain",
        "model-age",
        "new-rows-boundary",
        "manual",
    ],
)  # fmt: skip
def test_trigger_results(
    trigger: Trigger,
    observation: Observation,
    status: str,
    value: object,
    threshold: float | None,
    message: str,
) -> None:
    result = trigger.evaluate(observation)
    assert isinstance(result, TriggerResult)
    assert result.status == status
    assert result.value == value
    assert result.threshold == threshold
    assert result.message == message
    assert result.trigger == trigger.name


@pytest.mark.parametrize(
    ("trigger", "observation", "missing"),
    [
        (triggers.DriftShare(above=0.3), Observation(), "no drift report"),
        (triggers.DriftDetected(), Observation(), "no drift report"),
        (triggers.MetricBelow("roc_auc", 0.8), Observation(metrics={"f1": 0.2}), "'roc_auc'"),
        (triggers.MetricDrop("roc_auc", max_drop=0.1), Observation(), "realized 'roc_auc'"),
        (
            triggers.MetricDrop("roc_auc", max_drop=0.1),
            Observation(metrics={"roc_auc": 0.8}),
            "reference (registered) 'roc_auc'",
        ),
        (
            triggers.MetricDrop("roc_auc", max_drop=0.1, relative=True),
            Observation(metrics={"roc_auc": 0.8}, reference_metrics={"roc_auc": 0.0}),
            "non-zero reference",
        ),
        (
            triggers.EstimatedMetricBelow("accuracy", 0.9),
            Observation(metrics={"accuracy": 0.5}),
            "estimated 'accuracy'",
        ),
        (triggers.MetricAbove("rmse", 3.0), Observation(metrics={"mae": 0.2}), "realized 'rmse'"),
        (
            triggers.EstimatedMetricAbove("rmse", 3.0),
            Observation(metrics={"rmse": 5.0}),
            "estimated 'rmse'",
        ),
        (
            triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better=False),
            Observation(metrics={"rmse": 2.0}),
            "reference (registered) 'rmse'",
        ),
        (
            triggers.MetricDrop("rmse", max_drop=0.1, relative=True, higher_is_better=False),
            Observation(metrics={"rmse": 2.0}, reference_metrics={"rmse": 0.0}),
            "non-zero reference",
        ),
        (triggers.Every(days=1), Observation(last_trained=T0), "current time"),
        (triggers.Every(days=1), Observation(now=T0), "last retrain or training time"),
        (triggers.ModelAge(days=1), Observation(now=T0, last_retrain=T0), "last_trained"),
        (triggers.NewRows(at_least=5), Observation(), "new_rows"),
    ],
    ids=[
        "drift-share",
        "drift-detected",
        "metric-below",
        "metric-drop-current",
        "metric-drop-reference",
        "metric-drop-zero",
        "estimated",
        "metric-above",
        "estimated-above",
        "metric-worsened-reference",
        "metric-worsened-zero",
        "every-now",
        "every-since",
        "model-age",
        "new-rows",
    ],
)
def test_missing_input_says_so(trigger: Trigger, observation: Observation, missing: str) -> None:
    result = trigger.evaluate(observation)
    assert result.status == "missing_input"
    assert result.missing_input
    assert not result.fired
    assert result.value is None
    assert "cannot evaluate" in result.message
    assert missing in result.message


RMSE_ABOVE = triggers.MetricAbove("rmse", 3.0)
BRIER_ABOVE = triggers.EstimatedMetricAbove("brier", 0.2)
BRIER_HIGH = triggers.EstimatedMetricAbove("brier", 0.2, name="brier_high")


@pytest.mark.parametrize(
    ("trigger", "realized", "estimated", "status", "message"),
    [
        (RMSE_ABOVE, 3.2, 1.0, "fired", "rmse_above: rmse 3.2000 > 3.0000"),
        (RMSE_ABOVE, 2.5, 9.0, "not_fired", "rmse_above: rmse 2.5000 ≤ 3.0000"),
        (RMSE_ABOVE, 3.0, 9.0, "not_fired", "rmse_above: rmse 3.0000 ≤ 3.0000"),
        (BRIER_ABOVE, 0.1, 0.25, "fired", "estimated_brier_above: estimated brier 0.2500 > 0.2000"),
        (BRIER_HIGH, 0.9, 0.15, "not_fired", "brier_high: estimated brier 0.1500 ≤ 0.2000"),
        (BRIER_HIGH, 0.9, 0.2, "not_fired", "brier_high: estimated brier 0.2000 ≤ 0.2000"),
    ],
    ids=["fired", "quiet", "boundary", "estimated-fired", "estimated-quiet", "estimated-boundary"],
)  # fmt: skip
def test_metric_above_reads_its_own_source(
    trigger: triggers.MetricAbove, realized: float, estimated: float, status: str, message: str
) -> None:
    # the other source holds a value that would give the opposite verdict
    observation = Observation(
        metrics={trigger.metric: realized}, estimated_metrics={trigger.metric: estimated}
    )
    result = trigger.evaluate(observation)
    read = estimated if isinstance(trigger, triggers.EstimatedMetricAbove) else realized
    assert (result.status, result.value, result.threshold) == (status, read, trigger.threshold)
    assert result.message == message


@pytest.mark.parametrize(
    ("relative", "reference", "current", "status", "value", "detail"),
    [
        (False, 2.5, 3.0, "fired", 0.5, "0.5000 (2.5000 → 3.0000) > 0.2500"),
        (False, 2.5, 2.25, "not_fired", -0.25, "-0.2500 (2.5000 → 2.2500) ≤ 0.2500"),
        (False, 2.5, 2.75, "not_fired", 0.25, "0.2500 (2.5000 → 2.7500) ≤ 0.2500"),
        (True, 2.0, 2.75, "fired", 0.375, "0.3750 (relative) (2.0000 → 2.7500) > 0.2500"),
        (True, 2.0, 2.5, "not_fired", 0.25, "0.2500 (relative) (2.0000 → 2.5000) ≤ 0.2500"),
        (True, -2.0, -1.0, "fired", 0.5, "0.5000 (relative) (-2.0000 → -1.0000) > 0.2500"),
    ],
    ids=["fired", "improved", "boundary", "relative", "relative-boundary", "negative-reference"],
)  # fmt: skip
def test_metric_drop_of_a_lower_is_better_metric(
    relative: bool, reference: float, current: float, status: str, value: float, detail: str
) -> None:
    trigger = triggers.MetricDrop("rmse", max_drop=0.25, relative=relative, higher_is_better=False)
    result = trigger.evaluate(
        Observation(metrics={"rmse": current}, reference_metrics={"rmse": reference})
    )
    assert (result.status, result.value, result.threshold) == (status, value, 0.25)
    assert result.message == f"rmse_drop: rmse worsened {detail}"


@pytest.mark.parametrize(
    ("above", "below", "observation"),
    [
        (
            triggers.MetricAbove("rmse", 3.0, name="t"),
            triggers.MetricBelow("rmse", 3.0, name="t"),
            Observation(metrics={"mae": 1.0}),
        ),
        (
            triggers.EstimatedMetricAbove("rmse", 3.0, name="t"),
            triggers.EstimatedMetricBelow("rmse", 3.0, name="t"),
            Observation(metrics={"rmse": 1.0}),
        ),
    ],
    ids=["realized", "estimated"],
)
def test_above_misses_a_metric_as_below_does(
    above: Trigger, below: Trigger, observation: Observation
) -> None:
    assert above.evaluate(observation) == below.evaluate(observation)


@pytest.mark.parametrize(
    ("trigger", "name"),
    [
        (triggers.MetricAbove("rmse", 3.0), "rmse_above"),
        (triggers.EstimatedMetricAbove("rmse", 3.0), "estimated_rmse_above"),
        (triggers.MetricAbove("rmse", 3.0, name="rmse_high"), "rmse_high"),
        (triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better=False), "rmse_drop"),
    ],
    ids=["above", "estimated-above", "given", "worsened"],
)
def test_default_names(trigger: Trigger, name: str) -> None:
    assert trigger.name == name


def test_higher_is_better_is_an_attribute() -> None:
    assert triggers.MetricDrop("rmse", max_drop=0.1).higher_is_better is True
    worsened = triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better=False)
    assert worsened.higher_is_better is False
    assert worsened != triggers.MetricDrop("rmse", max_drop=0.1)


@pytest.mark.parametrize(
    "trigger",
    [
        triggers.MetricAbove("rmse", 3.0),
        triggers.EstimatedMetricAbove("log_loss", 0.4, name="est_log_loss"),
        triggers.MetricDrop("rmse", max_drop=0.1, relative=True, higher_is_better=False),
    ],
    ids=lambda t: type(t).__name__,
)
def test_new_triggers_rebuild_from_their_attributes(trigger: Any) -> None:
    again = type(trigger)(**json.loads(json.dumps(attrs.asdict(trigger))))
    assert again == trigger
    assert repr(again) == repr(trigger)


def test_lower_is_better_decisions_round_trip_through_the_store() -> None:
    def policy(store: object) -> RetrainPolicy:
        return RetrainPolicy.any_of(
            triggers.MetricAbove("rmse", 3.0),
            triggers.EstimatedMetricAbove("rmse", 3.0),
            triggers.MetricDrop("rmse", max_drop=0.1, relative=True, higher_is_better=False),
            name="regression",
            store=store,
        )

    store = open_store("memory://")
    decision = policy(store).decide(
        Observation(
            now=T0,
            metrics={"rmse": 2.9},
            estimated_metrics={"rmse": 3.1},
            reference_metrics={"rmse": 2.5},
        )
    )
    assert decision.retrain
    assert decision.reasons == (
        "estimated_rmse_above: estimated rmse 3.1000 > 3.0000",
        "rmse_drop: rmse worsened 0.1600 (relative) (2.5000 → 2.9000) > 0.1000",
    )
    assert [r.status for r in decision.triggers] == ["not_fired", "fired", "fired"]
    assert RetrainDecision.from_dict(json.loads(json.dumps(decision.to_dict()))) == decision
    assert policy(store).history() == [decision]


def test_manual_without_request_does_not_fire() -> None:
    result = triggers.Manual().evaluate(Observation())
    assert result.status == "not_fired"
    assert str(result) == "manual: no manual request"


def test_every_exposes_its_period() -> None:
    assert triggers.Every(days=1, hours=12).period == timedelta(hours=36)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: triggers.DriftShare(above=1.5), "'above' parameter of DriftShare"),
        (lambda: triggers.DriftShare(above=True), "'above' parameter of DriftShare"),
        (lambda: triggers.MetricBelow("", 0.5), "'metric' parameter of MetricBelow"),
        (lambda: triggers.MetricBelow("auc", float("nan")), "'threshold' parameter"),
        (lambda: triggers.EstimatedMetricBelow(3, 0.5), "EstimatedMetricBelow"),
        (lambda: triggers.MetricDrop("auc", max_drop=-0.1), "'max_drop' parameter"),
        (lambda: triggers.MetricAbove("", 3.0), "'metric' parameter of MetricAbove"),
        (
            lambda: triggers.EstimatedMetricAbove("rmse", float("inf")),
            "'threshold' parameter of EstimatedMetricAbove",
        ),
        (
            lambda: triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better="no"),
            r"The 'higher_is_better' parameter of MetricDrop must be a bool\. Got 'no' instead\.",
        ),
        (
            lambda: triggers.MetricDrop("rmse", max_drop=0.1, relative="yes"),
            "'relative' parameter of MetricDrop must be a bool",
        ),
        (
            lambda: triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better=0),
            "'higher_is_better' parameter of MetricDrop must be a bool. Got 0",
        ),
        (
            lambda: triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better=None),
            "'higher_is_better' parameter of MetricDrop must be a bool. Got None",
        ),
        (lambda: triggers.Every(), "'days' parameter of Every must be positive"),
        (lambda: triggers.Every(days=-1), "'days' parameter of Every must be a float >= 0"),
        (lambda: triggers.ModelAge(hours=0), "ModelAge"),
        (lambda: triggers.NewRows(at_least=0), "'at_least' parameter of NewRows"),
        (lambda: triggers.NewRows(at_least=2.5), "'at_least' parameter of NewRows"),
    ],
    ids=[
        "share-range",
        "share-bool",
        "metric-empty",
        "threshold-nan",
        "estimated-metric",
        "negative-drop",
        "above-metric-empty",
        "estimated-above-threshold-inf",
        "higher-is-better-str",
        "relative-str",
        "higher-is-better-int",
        "higher-is-better-none",
        "every-zero",
        "every-negative",
        "age-zero",
        "rows-zero",
        "rows-float",
    ],
)
def test_bad_parameters(build: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        build()  # type: ignore[operator]


def test_triggers_work_on_the_real_drift_report() -> None:
    from mlops_kit.drift import ColumnDrift, DriftReport

    report = DriftReport(
        columns=[
            ColumnDrift(column="amount", method="ks", statistic=0.3, p_value=0.001,
                        threshold=0.05, drifted=True),
            ColumnDrift(column="hour", method="ks", statistic=0.01, p_value=0.8,
                        threshold=0.05, drifted=False),
        ],
        drifted=True,
        drift_share=0.5,
    )  # fmt: skip
    observation = Observation(drift=report)
    assert observation.drift == DriftSummary(
        drifted=True, drift_share=0.5, drifted_columns=("amount",)
    )
    assert triggers.DriftShare(above=0.5).evaluate(observation).fired
    assert triggers.DriftDetected(columns=["amount"]).evaluate(observation).fired


def test_numpy_bools_are_bools() -> None:
    trigger = triggers.MetricDrop("rmse", max_drop=0.1, higher_is_better=np.bool_(False))
    assert trigger.higher_is_better is False
    assert triggers.MetricDrop("auc", max_drop=0.1, relative=np.True_).relative is True

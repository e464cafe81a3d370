"""check_trigger: every built-in passes it, and it catches each broken rule."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_kit.retrain import Observation, TriggerResult, check_trigger, triggers

BUILTINS = [
    triggers.DriftShare(above=0.3),
    triggers.DriftDetected(),
    triggers.DriftDetected(columns=["amount"]),
    triggers.MetricBelow("roc_auc", 0.85),
    triggers.MetricDrop("roc_auc", max_drop=0.05),
    triggers.MetricDrop("roc_auc", max_drop=0.05, relative=True),
    triggers.EstimatedMetricBelow("accuracy", 0.9),
    triggers.MetricAbove("roc_auc", 0.85),
    triggers.MetricAbove("accuracy", 0.95),
    triggers.EstimatedMetricAbove("accuracy", 0.9),
    triggers.MetricDrop("roc_auc", max_drop=0.05, higher_is_better=False, name="auc_worse"),
    triggers.MetricDrop(
        "accuracy", max_drop=0.05, relative=True, higher_is_better=False, name="acc_worse"
    ),
    triggers.Every(days=7),
    triggers.ModelAge(days=30),
    triggers.NewRows(at_least=1000),
    triggers.Manual(),
]


@pytest.mark.parametrize("trigger", BUILTINS, ids=lambda t: t.name)
def test_builtins_conform(trigger: Any) -> None:
    check_trigger(trigger)


def _result(name: str, **kwargs: Any) -> TriggerResult:
    return TriggerResult(
        trigger=name, **{"status": "not_fired", "message": f"{name}: ok", **kwargs}
    )


class Good:
    name = "good"

    def evaluate(self, observation: Observation) -> TriggerResult:
        return _result(self.name)


class WrongName(Good):
    def evaluate(self, observation: Observation) -> TriggerResult:
        return _result("other")


class Unnamed(Good):
    name = ""


class BadMessage(Good):
    def evaluate(self, observation: Observation) -> TriggerResult:
        return _result(self.name, message="something happened")


class MissingWithValue(Good):
    def evaluate(self, observation: Observation) -> TriggerResult:
        return _result(self.name, status="missing_input", value=1.0)


class Flaky(Good):
    calls = 0

    def evaluate(self, observation: Observation) -> TriggerResult:
        self.calls += 1
        return _result(self.name, value=float(self.calls))


class Raising(Good):
    def evaluate(self, observation: Observation) -> TriggerResult:
        return _result(self.name, value=observation.metrics["roc_auc"])


@pytest.mark.parametrize(
    ("trigger", "error", "match"),
    [
        (object(), AssertionError, "is not a Trigger"),
        (Unnamed(), AssertionError, "non-empty str"),
        (WrongName(), AssertionError, "its result is named 'other'"),
        (BadMessage(), AssertionError, "must start with the trigger's name"),
        (MissingWithValue(), AssertionError, "cannot carry a value"),
        (Flaky(), AssertionError, "twice gave different results"),
        (Raising(), KeyError, "roc_auc"),
    ],
    ids=["not-a-trigger", "unnamed", "wrong-name", "message", "missing-value", "flaky", "raises"],
)
def test_broken_triggers_are_caught(trigger: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        check_trigger(trigger)


def test_custom_observations() -> None:
    check_trigger(Good(), observations=[Observation(new_rows=1)])

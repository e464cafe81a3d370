"""retrain_cycle end to end on the real registry, data repository and quality gate."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier

from mlops_kit.data import DataRepository
from mlops_kit.exceptions import NotFoundError, ValidationError
from mlops_kit.quality import Evidence, QualityGate, checks
from mlops_kit.registry import ModelRegistry
from mlops_kit.retrain import (
    Observation,
    RetrainOutcome,
    RetrainPolicy,
    retrain_cycle,
    retrain_history,
    rollback,
    triggers,
)
from mlops_kit.storage import open_store

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def make_data(seed: int, n: int = 1_500, flip: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    signal = (x2 if flip else x1) * 2.5
    y = (signal + rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "label": y})


def fit_logistic(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
    return LogisticRegression().fit(X, y)


@pytest.fixture
def setup() -> dict[str, Any]:
    store = open_store("memory://")
    registry = ModelRegistry(store)
    policy = RetrainPolicy.any_of(
        triggers.Manual(), triggers.MetricDrop("roc_auc", max_drop=0.05), name="fraud-policy",
        store=store,
    )  # fmt: skip
    return {"store": store, "registry": registry, "policy": policy}


def cycle(setup: dict[str, Any], day: int, data: Any, **kwargs: Any) -> RetrainOutcome:
    options: dict[str, Any] = {
        "name": "fraud",
        "policy": setup["policy"],
        "registry": setup["registry"],
        "data": data,
        "target": "label",
        "train": fit_logistic,
        "random_state": 0,
        "observation": Observation(now=T0 + timedelta(days=day)),
    }
    options.update(kwargs)
    return retrain_cycle(**options)


def test_first_model_is_promoted_with_lineage(setup: dict[str, Any]) -> None:
    version = DataRepository(setup["store"]).commit("transactions", make_data(0))
    outcome = cycle(setup, 0, version, observation=Observation(now=T0, manual="first model"))
    assert outcome.action == "promoted"
    assert outcome.promoted
    assert outcome.retrained
    assert outcome.champion_before is None
    assert outcome.challenger == outcome.champion_after == "fraud/1"
    assert outcome.data_version == version.id
    assert (outcome.n_train, outcome.n_holdout) == (1_200, 300)
    assert outcome.gate.passed
    assert outcome.gate.results[0].message == (
        "no baseline (no champion yet): nothing to regress against"
    )
    mv = setup["registry"].get("fraud@champion")
    assert mv.data_version == version.id
    assert mv.parent is None
    assert mv.tags["gate"] == "passed"
    assert mv.metrics == outcome.challenger_metrics
    assert outcome.challenger_metrics["roc_auc"] > 0.9
    assert outcome.sequence == 1


def test_policy_says_keep(setup: dict[str, Any]) -> None:
    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="first"))
    kept = cycle(setup, 1, make_data(1), observation=Observation(now=T0 + timedelta(days=1)))
    assert kept.action == "kept"
    assert not kept.retrained
    assert kept.champion_before == kept.champion_after == "fraud/1"
    assert kept.gate is None
    assert [v.version for v in setup["registry"].versions("fraud")] == [1]
    assert "kept fraud/1" in str(kept)


def test_shift_retrains_and_promotes_a_better_challenger(setup: dict[str, Any]) -> None:
    first = cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="first"))
    registered = first.challenger_metrics["roc_auc"]
    # the relationship changes: the champion's realized AUC collapses
    obs = Observation(now=T0 + timedelta(days=7), metrics={"roc_auc": 0.55})
    outcome = cycle(setup, 7, make_data(2, flip=True), observation=obs)
    assert outcome.action == "promoted"
    assert outcome.decision.retrain
    # the champion's registered metrics were used as the reference of MetricDrop
    assert outcome.decision.observation.reference_metrics["roc_auc"] == registered
    assert outcome.decision.observation.last_trained is not None
    assert "roc_auc_drop: roc_auc dropped" in outcome.reason
    assert outcome.champion_before == "fraud/1"
    assert outcome.champion_after == "fraud/2"
    assert outcome.challenger_metrics["roc_auc"] > outcome.champion_metrics["roc_auc"] + 0.2
    assert setup["registry"].get("fraud@champion").version == 2
    assert setup["registry"].get("fraud/2").parent == "fraud/1"
    assert "promoted fraud/2 over fraud/1" in str(outcome)


def test_worse_challenger_is_registered_but_rejected(setup: dict[str, Any]) -> None:
    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="first"))
    outcome = cycle(
        setup, 1, make_data(1),
        observation=Observation(now=T0 + timedelta(days=1), manual="try a dummy"),
        train=lambda X, y: DummyClassifier(strategy="prior").fit(X, y),
    )  # fmt: skip
    assert outcome.action == "rejected"
    assert not outcome.promoted
    assert outcome.champion_after == "fraud/1"
    assert outcome.challenger == "fraud/2"
    assert not outcome.gate.passed
    assert "gate 'retrain' failed (NoRegression(roc_auc)); fraud/1 stays" in outcome.reason
    assert setup["registry"].get("fraud@champion").version == 1
    assert setup["registry"].get("fraud/2").tags["gate"] == "failed"
    assert "rejected fraud/2 in favour of fraud/1" in str(outcome)


def test_custom_gate_and_holdout_frame(setup: dict[str, Any]) -> None:
    gate = QualityGate([checks.MetricAtLeast("accuracy", 0.99)], name="strict")
    holdout = make_data(5, n=200)
    outcome = cycle(
        setup, 0, make_data(0), observation=Observation(now=T0, manual="x"), gate=gate,
        holdout=holdout,
    )  # fmt: skip
    assert outcome.action == "rejected"
    assert outcome.champion_before is None
    assert outcome.champion_after is None
    assert (outcome.n_train, outcome.n_holdout) == (1_500, 200)
    with pytest.raises(NotFoundError):
        setup["registry"].get("fraud@champion")


def test_classifier_without_predict_proba_is_gated_on_accuracy(setup: dict[str, Any]) -> None:
    fit_ridge = lambda X, y: RidgeClassifier().fit(X, y)  # noqa: E731
    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="a"), train=fit_ridge)
    outcome = cycle(
        setup, 1, make_data(1), observation=Observation(now=T0 + timedelta(days=1), manual="b"),
        train=fit_ridge, random_state=np.random.default_rng(3),
    )  # fmt: skip
    assert set(outcome.challenger_metrics) == {"accuracy"}
    assert outcome.gate.results[0].details["metric"] == "accuracy"


def test_rollback_undoes_a_promotion_and_is_recorded(setup: dict[str, Any]) -> None:
    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="first"))
    cycle(setup, 7, make_data(2, flip=True), observation=Observation(
        now=T0 + timedelta(days=7), metrics={"roc_auc": 0.5}))  # fmt: skip
    assert setup["registry"].get("fraud@champion").version == 2
    back = rollback(setup["registry"], "fraud", reason="false positives reported by ops")
    assert back.action == "rolled_back"
    assert (back.champion_before, back.champion_after) == ("fraud/2", "fraud/1")
    assert setup["registry"].get("fraud@champion").version == 1
    history = retrain_history(setup["registry"], "fraud")
    assert [o.action for o in history] == ["promoted", "promoted", "rolled_back"]
    assert [o.sequence for o in history] == [1, 2, 3]
    assert retrain_history(setup["store"], "fraud") == history
    assert retrain_history(setup["store"].metadata, "fraud") == history


def test_outcomes_round_trip_through_json(setup: dict[str, Any]) -> None:
    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="first"))
    cycle(setup, 1, make_data(1), observation=Observation(now=T0 + timedelta(days=1)))
    for outcome in retrain_history(setup["store"], "fraud"):
        again = RetrainOutcome.from_dict(json.loads(json.dumps(outcome.to_dict())))
        assert again.to_dict() == outcome.to_dict()
        assert "<div>" in outcome._repr_html_()


def test_without_a_metadata_store_outcomes_are_still_returned() -> None:
    class BareRegistry:
        """A registry-like object with no store: outcomes cannot be recorded, only returned."""

        def __init__(self) -> None:
            self.inner = ModelRegistry("memory://")

        def __getattr__(self, name: str) -> Any:
            if name == "store":
                raise AttributeError(name)
            return getattr(self.inner, name)

    registry = BareRegistry()
    policy = RetrainPolicy.any_of(triggers.Manual())
    outcome = retrain_cycle(
        name="m", policy=policy, observation=Observation(now=T0), registry=registry,
        data=make_data(0), target="label", train=fit_logistic,
    )  # fmt: skip
    assert outcome.action == "kept"
    assert outcome.sequence == 0
    with pytest.raises(ValidationError, match="retrain_history"):
        retrain_history(object(), "m")


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"name": ""}, "'name' parameter of retrain_cycle"),
        ({"alias": ""}, "'alias' parameter"),
        ({"policy": object()}, "'policy' parameter"),
        ({"observation": {"manual": "x"}}, "'observation' parameter"),
        ({"registry": object()}, "'registry' parameter"),
        ({"train": "fit"}, "'train' parameter"),
        ({"target": 3}, "'target' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
        ({"data": [1, 2, 3]}, "'data' parameter"),
        ({"target": "missing"}, "'target' column 'missing' is not in the data"),
        ({"holdout": 1.5}, "'holdout' parameter"),
        ({"holdout": pd.DataFrame({"x1": [1.0]})}, "'holdout' parameter"),
        ({"train": lambda X, y: "not a model"}, "has no predict"),
    ],
    ids=lambda v: None,
)
def test_bad_input(setup: dict[str, Any], override: dict[str, Any], match: str) -> None:
    options = {"observation": Observation(now=T0, manual="go"), "data": make_data(0), **override}
    data = options.pop("data")
    with pytest.raises(ValidationError, match=match):
        cycle(setup, 0, data, **options)


def test_evidence_baseline_is_the_champion_on_the_same_rows(setup: dict[str, Any]) -> None:
    seen: list[Evidence] = []

    class Spy:
        name = "spy"

        def evaluate(self, evidence: Evidence) -> Any:
            seen.append(evidence)
            return QualityGate([checks.NoRegression("roc_auc", max_drop=0.5)]).evaluate(evidence)

    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="a"))
    cycle(setup, 1, make_data(1), observation=Observation(
        now=T0 + timedelta(days=1), manual="b"), gate=Spy())  # fmt: skip
    evidence = seen[0]
    assert evidence.baseline is not None
    assert np.array_equal(evidence.baseline.y_true, evidence.y_true)
    assert len(evidence.baseline.y_score) == len(evidence.y_score) == 300


def test_a_failing_retrain_is_recorded_and_raised(setup: dict[str, Any]) -> None:
    cycle(setup, 0, make_data(0), observation=Observation(now=T0, manual="first"))

    def broken(X: pd.DataFrame, y: pd.Series) -> Any:
        raise RuntimeError("GPU on fire")

    with pytest.raises(RuntimeError, match="GPU on fire"):
        cycle(setup, 1, make_data(1), train=broken,
              observation=Observation(now=T0 + timedelta(days=1), manual="retry"))  # fmt: skip
    last = retrain_history(setup["store"], "fraud")[-1]
    assert last.action == "failed"
    assert last.reason == "RuntimeError: GPU on fire"
    assert last.decision.retrain
    assert "retrain failed, fraud/1 stays" in str(last)
    assert setup["registry"].get("fraud@champion").version == 1

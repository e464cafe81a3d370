"""RetrainPolicy: combination, hysteresis, cooldown, budget, cost rule, clock, persisted state."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import ConflictError, ValidationError
from mlops_kit.retrain import (
    Observation,
    PolicyState,
    RetrainDecision,
    RetrainPolicy,
    TriggerResult,
    triggers,
)
from mlops_kit.storage import InMemoryMetadataStore, open_store

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def drift(share: float) -> dict[str, Any]:
    return {"drifted": share >= 0.5, "drift_share": share}


def obs(day: float, **kwargs: Any) -> Observation:
    return Observation(now=T0 + day * DAY, **kwargs)


def test_any_of_fires_on_one_trigger_and_names_it() -> None:
    policy = RetrainPolicy.any_of(
        triggers.DriftShare(above=0.3), triggers.MetricBelow("roc_auc", 0.85)
    )
    d = policy.decide(obs(0, drift=drift(0.1), metrics={"roc_auc": 0.8}))
    assert d.retrain
    assert d.reasons == ("roc_auc_below: roc_auc 0.8000 < 0.8500",)
    assert [t.status for t in d.triggers] == ["not_fired", "fired"]
    assert d.sequence == 1


def test_all_of_needs_every_trigger() -> None:
    policy = RetrainPolicy.all_of(triggers.DriftDetected(), triggers.NewRows(at_least=100))
    d = policy.decide(obs(0, drift=drift(0.6), new_rows=10))
    assert not d.retrain
    assert "all_of: still waiting for new_rows" in d.reasons
    assert policy.decide(obs(1, drift=drift(0.6), new_rows=100)).retrain
    # a missing input never counts as fired
    assert not policy.decide(obs(2, drift=drift(0.6))).retrain


def test_nothing_fired_explains_missing_inputs() -> None:
    policy = RetrainPolicy.any_of(triggers.DriftShare(above=0.3), triggers.NewRows(at_least=5))
    d = policy.decide(obs(0, new_rows=1))
    assert not d.retrain
    assert d.reasons == (
        "no trigger fired",
        "drift_share: cannot evaluate, the observation has no drift report",
    )
    assert d.blocked_by is None


def test_hysteresis_needs_consecutive_observations() -> None:
    policy = RetrainPolicy.any_of(triggers.DriftShare(above=0.3), for_consecutive=3)
    decisions = [
        policy.decide(obs(day, drift=drift(share)))
        for day, share in enumerate([0.4, 0.4, 0.1, 0.4, 0.4, 0.4, 0.4])
    ]
    assert [d.retrain for d in decisions] == [False, False, False, False, False, True, False]
    assert decisions[1].reasons == (
        "drift_share: drift share 0.400 ≥ 0.300 (fired 2 of 3 consecutive observations needed)",
    )
    # the streak restarts after a retrain
    assert policy.state.streaks == {"drift_share": 1}


def test_missing_input_breaks_a_streak() -> None:
    policy = RetrainPolicy.any_of(triggers.DriftShare(above=0.3), for_consecutive=2)
    assert not policy.decide(obs(0, drift=drift(0.4))).retrain
    assert not policy.decide(obs(1)).retrain
    assert not policy.decide(obs(2, drift=drift(0.4))).retrain
    assert policy.decide(obs(3, drift=drift(0.4))).retrain


def test_cooldown_runs_from_the_last_retrain_decision() -> None:
    policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1), cooldown=timedelta(days=2))
    assert policy.decide(obs(0, new_rows=5)).retrain
    held = policy.decide(obs(1.5, new_rows=5))
    assert not held.retrain
    assert held.blocked_by == "cooldown"
    assert held.reasons[-1] == "cooldown: 1.5 days since the last retrain < 2.0 days"
    assert policy.decide(obs(2, new_rows=5)).retrain


def test_cooldown_runs_from_last_trained_when_later() -> None:
    policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1), cooldown=timedelta(hours=12))
    d = policy.decide(obs(1, new_rows=5, last_trained=T0 + timedelta(hours=18)))
    assert d.blocked_by == "cooldown"
    assert d.reasons[-1] == "cooldown: 6.0 h since the last retrain < 12.0 h"


def test_budget_caps_retrains_per_period() -> None:
    policy = RetrainPolicy.any_of(
        triggers.NewRows(at_least=1), max_retrains=2, budget_period=timedelta(days=10)
    )
    verdicts = [policy.decide(obs(day, new_rows=1)) for day in (0, 1, 2, 9, 10, 11, 12)]
    assert [d.retrain for d in verdicts] == [True, True, False, False, True, True, False]
    assert verdicts[2].blocked_by == "budget"
    assert verdicts[2].reasons[-1] == "budget: 2 retrains in the last 10.0 days, at most 2"


def test_cost_rule_accumulates_loss_until_the_retrain_cost() -> None:
    policy = RetrainPolicy(triggers=(), retrain_cost=1_000.0)
    losses = [300.0, 400.0, 350.0, 100.0]
    decisions = [policy.decide(obs(day, loss=loss)) for day, loss in enumerate(losses)]
    assert [d.retrain for d in decisions] == [False, False, True, False]
    assert [d.accumulated_loss for d in decisions] == [300.0, 700.0, 1050.0, 100.0]
    assert decisions[2].reasons == (
        "cost: accumulated estimated loss 1,050.00 ≥ retrain cost 1,000.00",
    )
    assert policy.decide(obs(4)).accumulated_loss == 100.0  # no loss observed adds nothing


def test_cost_rule_combines_with_triggers_and_respects_cooldown() -> None:
    policy = RetrainPolicy.any_of(
        triggers.MetricBelow("roc_auc", 0.5), retrain_cost=100.0, cooldown=timedelta(days=5)
    )
    assert policy.decide(obs(0, loss=150.0, metrics={"roc_auc": 0.9})).retrain
    blocked = policy.decide(obs(1, loss=150.0, metrics={"roc_auc": 0.9}))
    assert blocked.blocked_by == "cooldown"
    assert blocked.accumulated_loss == 150.0
    assert policy.decide(obs(5, loss=10.0)).accumulated_loss == 160.0


def test_manual_overrides_hysteresis_and_cooldown_but_not_budget() -> None:
    policy = RetrainPolicy.any_of(
        triggers.DriftShare(above=0.3),
        triggers.Manual(),
        for_consecutive=3,
        cooldown=timedelta(days=7),
        max_retrains=2,
        budget_period=timedelta(days=30),
    )
    assert policy.decide(obs(0, manual="first model")).retrain
    d = policy.decide(obs(1, manual="ops request #42"))
    assert d.retrain
    assert d.reasons == ("manual: requested: ops request #42",)
    third = policy.decide(obs(2, manual="again"))
    assert third.blocked_by == "budget"


def test_manual_can_be_told_to_respect_guards() -> None:
    policy = RetrainPolicy.any_of(
        triggers.Manual(overrides_guards=False), cooldown=timedelta(days=7)
    )
    assert policy.decide(obs(0, manual="a")).retrain
    assert policy.decide(obs(1, manual="b")).blocked_by == "cooldown"


def test_clock_going_backwards_is_refused() -> None:
    policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1), name="fraud")
    policy.decide(obs(3, new_rows=0))
    with pytest.raises(ValidationError, match="clock went backwards"):
        policy.decide(obs(2, new_rows=0))
    # the same time again is fine (two observations in the same second)
    policy.decide(obs(3, new_rows=0))
    assert policy.state.n_decisions == 2


def test_injected_clock_supplies_the_time() -> None:
    times = iter([T0, T0 + DAY, T0 - DAY])
    policy = RetrainPolicy.any_of(triggers.Every(days=1), clock=lambda: next(times))
    first = policy.decide(Observation(last_trained=T0 - 2 * DAY))
    assert first.at == T0
    assert first.retrain
    second = policy.decide(Observation())
    assert second.at == T0 + DAY
    assert second.reasons == ("every: 1.0 days since the last retrain ≥ 1.0 days",)
    with pytest.raises(ValidationError, match="clock went backwards"):
        policy.decide(Observation())


def test_naive_clock_is_refused() -> None:
    policy = RetrainPolicy.any_of(triggers.Manual(), clock=lambda: datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="timezone-aware"):
        policy.decide(Observation())


SCRIPT = [
    {"drift": drift(0.4), "metrics": {"roc_auc": 0.9}, "loss": 50.0},
    {"drift": drift(0.6), "metrics": {"roc_auc": 0.84}, "loss": 60.0},
    {"drift": drift(0.6), "loss": 500.0},
    {"drift": drift(0.1), "metrics": {"roc_auc": 0.8}},
    {"drift": drift(0.7), "new_rows": 10},
    {"manual": "ops"},
    {"drift": drift(0.7), "loss": 900.0},
    {"drift": drift(0.7), "loss": 900.0},
    {"manual": "again"},
    {"drift": drift(0.9)},
]


def _policy(store: Any) -> RetrainPolicy:
    return RetrainPolicy.any_of(
        triggers.DriftShare(above=0.5),
        triggers.MetricBelow("roc_auc", 0.85),
        triggers.Manual(),
        for_consecutive=2,
        cooldown=timedelta(days=2),
        max_retrains=2,
        budget_period=timedelta(days=5),
        retrain_cost=1_000.0,
        name="fraud",
        store=store,
    )


def test_a_restart_changes_no_decision(tmp_path: Any) -> None:
    uninterrupted = _policy(open_store("memory://"))
    expected = [uninterrupted.decide(obs(day, **kw)).to_dict() for day, kw in enumerate(SCRIPT)]

    path = tmp_path / "store"
    got = []
    for day, kw in enumerate(SCRIPT):
        policy = _policy(open_store(str(path)))  # a new process every time
        got.append(policy.decide(obs(day, **kw)).to_dict())
    assert got == expected
    assert any(d["retrain"] for d in got)
    assert any(d["blocked_by"] for d in got)
    restarted = _policy(open_store(str(path)))
    assert [d.to_dict() for d in restarted.history()] == expected
    assert restarted.state.n_decisions == len(SCRIPT)
    # and a policy without a store keeps its state in the object, deciding the same way
    local = _policy(None)
    assert [local.decide(obs(d, **kw)).to_dict() for d, kw in enumerate(SCRIPT)] == expected
    assert local.history() == []


def test_state_is_stored_under_the_policy_name() -> None:
    metadata = InMemoryMetadataStore()
    policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1), name="churn", store=metadata)
    policy.decide(obs(0, new_rows=3))
    document = metadata.get("retrain.policies", "churn")
    assert document is not None
    assert document.value["last_retrain"] == T0.isoformat()
    assert document.value["schema_version"] == 1
    assert [key for key, _ in metadata.scan("retrain.decisions")] == ["churn/00000001"]
    other = RetrainPolicy.any_of(triggers.NewRows(at_least=1), name="fraud", store=metadata)
    assert other.state == PolicyState()


class RacingStore(InMemoryMetadataStore):
    """Another process writes the policy state between our read and our write, once."""

    raced = False

    def put(self, collection: str, key: str, value: Any, *, expected_revision: Any = None) -> int:
        if collection == "retrain.policies" and not self.raced and expected_revision is not None:
            self.raced = True
            other = PolicyState(last_observed=T0, n_decisions=7).to_dict()
            super().put(collection, key, other)
        return super().put(collection, key, value, expected_revision=expected_revision)


def test_a_concurrent_writer_makes_the_policy_decide_again() -> None:
    store = RacingStore()
    policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1), store=store)
    d = policy.decide(obs(1, new_rows=2))
    assert d.sequence == 8  # decided again on the other writer's state


class AlwaysRacing(InMemoryMetadataStore):
    def put(self, collection: str, key: str, value: Any, *, expected_revision: Any = None) -> int:
        if collection == "retrain.policies":
            raise ConflictError("someone else won")
        return super().put(collection, key, value, expected_revision=expected_revision)


def test_endless_conflicts_surface() -> None:
    policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1), store=AlwaysRacing())
    with pytest.raises(ConflictError, match="kept changing"):
        policy.decide(obs(0, new_rows=1))


class Broken:
    name = "broken"

    def evaluate(self, observation: Observation) -> Any:
        return {"fired": True}


class Renamed:
    name = "mine"

    def evaluate(self, observation: Observation) -> TriggerResult:
        return TriggerResult(trigger="other", status="fired", message="mine: always")


def test_custom_triggers() -> None:
    with pytest.raises(ValidationError, match="must return a TriggerResult"):
        RetrainPolicy.any_of(Broken()).decide(obs(0))
    d = RetrainPolicy.any_of(Renamed()).decide(obs(0))
    assert d.triggers[0].trigger == "mine"
    assert d.retrain


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "some"}, "'mode' parameter of RetrainPolicy"),
        ({"triggers": ()}, "'triggers' parameter"),
        ({"triggers": (object(),)}, "must hold triggers"),
        (
            {"triggers": (triggers.Every(days=1), triggers.Every(days=2))},
            "two triggers named 'every'",
        ),
        ({"for_consecutive": 0}, "'for_consecutive' parameter"),
        ({"cooldown": 3}, "'cooldown' parameter"),
        ({"max_retrains": 0}, "'max_retrains' parameter"),
        ({"budget_period": timedelta(0)}, "'budget_period' parameter"),
        ({"retrain_cost": -1}, "'retrain_cost' parameter"),
        ({"name": "a/b"}, "'name' parameter"),
        ({"name": ""}, "'name' parameter"),
        ({"store": "memory://"}, "'store' parameter"),
    ],
    ids=lambda v: None,
)
def test_bad_parameters(kwargs: dict[str, Any], match: str) -> None:
    options = {"triggers": (triggers.Manual(),), **kwargs}
    with pytest.raises(ValidationError, match=match):
        RetrainPolicy(**options)


def test_decide_wants_an_observation() -> None:
    with pytest.raises(ValidationError, match="takes an Observation"):
        RetrainPolicy.any_of(triggers.Manual()).decide({"now": T0})  # type: ignore[arg-type]


def test_policy_str_and_iteration() -> None:
    policy = _policy(None)
    assert str(policy) == (
        "RetrainPolicy 'fraud': any of (drift_share, roc_auc_below, manual); for 2 consecutive "
        "observations, cooldown 2.0 days, at most 2 per 5.0 days, retrain cost 1,000.00"
    )
    assert [t.name for t in policy] == ["drift_share", "roc_auc_below", "manual"]


def test_decision_is_a_json_record() -> None:
    policy = _policy(None)
    for day, kw in enumerate(SCRIPT):
        d = policy.decide(obs(day, **kw))
        again = RetrainDecision.from_dict(json.loads(json.dumps(d.to_dict())))
        assert again == d
        assert "policy 'fraud'" in str(d)
        assert "<table>" in d._repr_html_()


def test_newer_state_schema_is_refused() -> None:
    with pytest.raises(ValidationError, match="upgrade mlops_kit"):
        PolicyState.from_dict({"schema_version": 99})


observation_steps = st.lists(
    st.tuples(
        st.floats(0.0, 3.0),  # days since the previous observation
        st.none() | st.floats(0.0, 1.0),  # drift share
        st.none() | st.floats(0.5, 1.0),  # realized roc_auc
        st.none() | st.floats(0.0, 800.0),  # loss
        st.booleans(),  # manual request
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(steps=observation_steps, restart_every=st.integers(1, 4))
def test_restarts_never_change_decisions(steps: list[tuple], restart_every: int) -> None:
    def observations() -> list[Observation]:
        day = 0.0
        out = []
        for gap, share, auc, loss, manual in steps:
            day += gap
            out.append(
                obs(
                    day,
                    drift=None if share is None else drift(share),
                    metrics={} if auc is None else {"roc_auc": auc},
                    loss=loss,
                    manual="ops" if manual else None,
                )
            )
        return out

    reference = _policy(None)
    expected = [reference.decide(o).to_dict() for o in observations()]
    store = InMemoryMetadataStore()
    got = []
    policy = _policy(store)
    for i, o in enumerate(observations()):
        if i % restart_every == 0:
            policy = _policy(store)
        got.append(policy.decide(o).to_dict())
    assert got == expected
    # invariants: the budget is never exceeded, and every retrain has a reason
    retrains = [d for d in expected if d["retrain"]]
    for d in retrains:
        at = datetime.fromisoformat(d["at"])
        window = [
            r for r in retrains if at - timedelta(days=5) < datetime.fromisoformat(r["at"]) <= at
        ]
        assert len(window) <= 2
        assert d["reasons"]

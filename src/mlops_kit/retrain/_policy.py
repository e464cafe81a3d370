"""RetrainPolicy: triggers combined with hysteresis, cooldown, a budget and a cost rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from mlops_kit.exceptions import ConflictError, ValidationError
from mlops_kit.protocols import MetadataStore, Trigger
from mlops_kit.retrain._decision import PolicyState, RetrainDecision
from mlops_kit.retrain._observation import Observation, TriggerResult, aware
from mlops_kit.retrain._triggers import _days, _fmt_days
from mlops_kit.storage._validation import NAME_PATTERN

__all__ = ["RetrainPolicy"]

STATE_COLLECTION = "retrain.policies"
DECISION_COLLECTION = "retrain.decisions"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _fmt_delta(delta: timedelta) -> str:
    return _fmt_days(_days(delta))


def _metadata(store: Any) -> MetadataStore | None:
    if store is None:
        return None
    metadata = getattr(store, "metadata", store)
    if not isinstance(metadata, MetadataStore):
        raise ValidationError(
            "The 'store' parameter of RetrainPolicy must be a Store (from open_store) or a "
            f"MetadataStore, or None. Got {store!r} instead."
        )
    return metadata


def _check_triggers(value: Any) -> tuple[Trigger, ...]:
    triggers = tuple(value)
    names: set[str] = set()
    for trigger in triggers:
        if not isinstance(trigger, Trigger):
            raise ValidationError(
                "The 'triggers' parameter of RetrainPolicy must hold triggers (objects with "
                f"'name' and 'evaluate(observation)'). Got {trigger!r} instead."
            )
        if trigger.name in names:
            raise ValidationError(
                f"The 'triggers' parameter of RetrainPolicy holds two triggers named "
                f"{trigger.name!r}; give one of them another name=..."
            )
        names.add(trigger.name)
    return triggers


@attrs.define(kw_only=True)
class RetrainPolicy:
    """Decides when to retrain, from triggers, with hysteresis, cooldown, budget and cost.

    On each observation every trigger is evaluated; a trigger counts once it has fired on
    ``for_consecutive`` consecutive observations (hysteresis; a ``missing_input`` breaks the
    streak). In ``"any"`` mode one counting trigger asks for a retrain, in ``"all"`` mode every
    trigger must. Independently, the cost rule asks for a retrain when the loss accumulated
    since the last retrain reaches ``retrain_cost``. A request is then held back by the
    ``cooldown`` (measured from the later of the last retrain decision and the model's
    ``last_trained``) and by the budget (at most ``max_retrains`` per rolling
    ``budget_period``). A trigger with ``overrides_guards = True`` (``Manual``) skips hysteresis
    and cooldown.

    The state (last observation, last retrain, streaks, retrains in the budget period,
    accumulated loss) lives in the store's metadata under ``retrain.policies/<name>``, written
    with compare-and-swap, so a restarted service (a new policy object with the same name and
    store) makes exactly the decisions the old one would have. Each decision is recorded under
    ``retrain.decisions/<name>/<sequence>``. Without a store the state lives in the object.

    Parameters
    ----------
    triggers
        The triggers, each with a unique ``name``.
    mode
        ``"any"`` or ``"all"``.
    for_consecutive
        Observations in a row a trigger must fire on before it counts.
    cooldown
        Minimum time between retrains.
    max_retrains, budget_period
        At most ``max_retrains`` retrain decisions in any window of ``budget_period``.
    retrain_cost
        The cost of one retrain, in the unit of ``Observation.loss``.
    name
        The policy's name: the key of its state.
    store
        A :class:`~mlops_kit.storage.Store` or a :class:`~mlops_kit.protocols.MetadataStore`.
    clock
        Returns the current time (aware), for observations without ``now``.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from mlops_kit.retrain import Observation, RetrainPolicy, triggers
    >>> policy = RetrainPolicy.any_of(triggers.DriftShare(above=0.3), for_consecutive=2,
    ...                               cooldown=timedelta(days=2))
    >>> t = datetime(2026, 11, 2, tzinfo=timezone.utc)
    >>> drift = {"drifted": False, "drift_share": 0.4}
    >>> policy.decide(Observation(now=t, drift=drift)).retrain
    False
    >>> policy.decide(Observation(now=t + timedelta(days=1), drift=drift)).retrain
    True
    """

    triggers: tuple[Trigger, ...] = attrs.field(converter=_check_triggers)
    mode: str = "any"
    for_consecutive: int = 1
    cooldown: timedelta | None = None
    max_retrains: int | None = None
    budget_period: timedelta = timedelta(days=30)
    retrain_cost: float | None = None
    name: str = "default"
    store: Any = None
    clock: Callable[[], datetime] | None = None

    _metadata: MetadataStore | None = attrs.field(init=False, repr=False, eq=False, default=None)
    _local_state: PolicyState = attrs.field(init=False, repr=False, eq=False, factory=PolicyState)

    def __attrs_post_init__(self) -> None:
        def bad(name: str, rule: str, value: Any) -> ValidationError:
            return ValidationError(
                f"The '{name}' parameter of RetrainPolicy must be {rule}. Got {value!r} instead."
            )

        if self.mode not in ("any", "all"):
            raise bad("mode", "'any' or 'all'", self.mode)
        if not self.triggers and self.retrain_cost is None:
            raise bad("triggers", "a non-empty sequence (or give a retrain_cost)", self.triggers)
        if (
            isinstance(self.for_consecutive, bool)
            or not isinstance(self.for_consecutive, int)
            or self.for_consecutive < 1
        ):
            raise bad("for_consecutive", "an int >= 1", self.for_consecutive)
        if self.cooldown is not None and (
            not isinstance(self.cooldown, timedelta) or self.cooldown < timedelta(0)
        ):
            raise bad("cooldown", "a timedelta >= 0 or None", self.cooldown)
        if self.max_retrains is not None and (
            isinstance(self.max_retrains, bool)
            or not isinstance(self.max_retrains, int)
            or self.max_retrains < 1
        ):
            raise bad("max_retrains", "an int >= 1 or None", self.max_retrains)
        if not isinstance(self.budget_period, timedelta) or self.budget_period <= timedelta(0):
            raise bad("budget_period", "a positive timedelta", self.budget_period)
        if self.retrain_cost is not None and (
            isinstance(self.retrain_cost, bool)
            or not isinstance(self.retrain_cost, (int, float))
            or not 0 < self.retrain_cost < float("inf")
        ):
            raise bad("retrain_cost", "a positive finite number or None", self.retrain_cost)
        if not isinstance(self.name, str) or NAME_PATTERN.fullmatch(self.name) is None:
            raise bad("name", f"a name matching {NAME_PATTERN.pattern}", self.name)
        self._metadata = _metadata(self.store)

    @classmethod
    def any_of(cls, *triggers: Trigger, **options: Any) -> RetrainPolicy:
        """A policy that retrains when any trigger counts.

        Examples
        --------
        >>> from mlops_kit.retrain import triggers
        >>> RetrainPolicy.any_of(triggers.Every(days=30), name="fraud").mode
        'any'
        """
        return cls(triggers=triggers, mode="any", **options)

    @classmethod
    def all_of(cls, *triggers: Trigger, **options: Any) -> RetrainPolicy:
        """A policy that retrains only when every trigger counts.

        Examples
        --------
        >>> from mlops_kit.retrain import triggers
        >>> RetrainPolicy.all_of(triggers.DriftDetected(), triggers.NewRows(at_least=10)).mode
        'all'
        """
        return cls(triggers=triggers, mode="all", **options)

    # -- state ------------------------------------------------------------------------------

    def _read(self) -> tuple[PolicyState, int]:
        if self._metadata is None:
            return self._local_state, -1
        document = self._metadata.get(STATE_COLLECTION, self.name)
        if document is None:
            return PolicyState(), 0
        return PolicyState.from_dict(document.value), document.revision

    @property
    def state(self) -> PolicyState:
        """The policy's current state (read from the store when it has one).

        Examples
        --------
        >>> from mlops_kit.retrain import triggers
        >>> RetrainPolicy.any_of(triggers.Manual()).state.n_decisions
        0
        """
        return self._read()[0]

    def history(self) -> list[RetrainDecision]:
        """Every recorded decision of this policy, oldest first (empty without a store).

        Examples
        --------
        >>> from mlops_kit.retrain import triggers
        >>> RetrainPolicy.any_of(triggers.Manual()).history()
        []
        """
        if self._metadata is None:
            return []
        return [
            RetrainDecision.from_dict(doc.value)
            for _, doc in self._metadata.scan(DECISION_COLLECTION, prefix=f"{self.name}/")
        ]

    # -- deciding ---------------------------------------------------------------------------

    def decide(self, observation: Observation, /) -> RetrainDecision:
        """Decide on one observation, update the stored state and record the decision.

        Raises
        ------
        ValidationError
            When the observation's time is earlier than the last one this policy saw (a clock
            going backwards), or naive.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> from mlops_kit.retrain import Observation, triggers
        >>> policy = RetrainPolicy.any_of(triggers.DriftShare(above=0.3))
        >>> print(policy.decide(Observation(now=datetime(2026, 11, 2, tzinfo=timezone.utc))))
        2026-11-02 00:00 policy 'default' #1: keep — no trigger fired; drift_share: cannot
        evaluate, the observation has no drift report
        """
        if not isinstance(observation, Observation):
            raise ValidationError(
                "RetrainPolicy.decide takes an Observation, e.g. Observation(now=..., "
                f"drift=report). Got {observation!r} instead."
            )
        for _ in range(8):
            state, revision = self._read()
            decision, new_state = self._decide(observation, state)
            if self._metadata is None:
                self._local_state = new_state
                return decision
            try:
                self._metadata.put(
                    STATE_COLLECTION,
                    self.name,
                    new_state.to_dict(),
                    expected_revision=revision,
                )
            except ConflictError:
                continue  # another process decided meanwhile: decide again on its state
            self._metadata.put(
                DECISION_COLLECTION,
                f"{self.name}/{decision.sequence:08d}",
                decision.to_dict(),
                expected_revision=0,
            )
            return decision
        raise ConflictError(
            f"Retrain policy {self.name!r}: its stored state kept changing under concurrent "
            "writers; retry the decision."
        )

    def _decide(
        self, observation: Observation, state: PolicyState
    ) -> tuple[RetrainDecision, PolicyState]:
        now = observation.now
        if now is None:
            now = aware((self.clock or _utc_now)(), "clock()", "RetrainPolicy")
        assert now is not None
        if state.last_observed is not None and now < state.last_observed:
            raise ValidationError(
                f"Retrain policy {self.name!r}: the clock went backwards — the observation at "
                f"{now.isoformat()} is earlier than the last one this policy saw, at "
                f"{state.last_observed.isoformat()}. Decide observations in time order, or "
                "use another policy name for a replay."
            )
        stamps = [t for t in (state.last_retrain, observation.last_retrain) if t is not None]
        last_retrain = max(stamps) if stamps else None
        observation = attrs.evolve(observation, now=now, last_retrain=last_retrain)

        results = tuple(self._evaluate(trigger, observation) for trigger in self.triggers)
        streaks = {
            r.trigger: (state.streaks.get(r.trigger, 0) + 1 if r.fired else 0) for r in results
        }
        counting = []
        overriding = False
        for trigger, result in zip(self.triggers, results):
            bypass = result.fired and bool(getattr(trigger, "overrides_guards", False))
            counts = result.fired and (streaks[result.trigger] >= self.for_consecutive or bypass)
            counting.append(counts)
            overriding = overriding or bypass

        reasons: list[str] = []
        for result, counts in zip(results, counting):
            if counts:
                reasons.append(result.message)
            elif result.fired:
                reasons.append(
                    f"{result.message} (fired {streaks[result.trigger]} of "
                    f"{self.for_consecutive} consecutive observations needed)"
                )
        if self.mode == "any":
            wanted = any(counting)
        else:
            wanted = bool(counting) and all(counting)
            if counting and not wanted and any(counting):
                waiting = [r.trigger for r, c in zip(results, counting) if not c]
                reasons.append(f"all_of: still waiting for {', '.join(waiting)}")

        accumulated = None
        if self.retrain_cost is not None:
            accumulated = state.accumulated_loss + (observation.loss or 0.0)
            if accumulated >= self.retrain_cost:
                wanted = True
                reasons.append(
                    f"cost: accumulated estimated loss {accumulated:,.2f} ≥ retrain cost "
                    f"{self.retrain_cost:,.2f}"
                )

        blocked_by = None
        recent = tuple(t for t in state.retrains if now - t < self.budget_period)
        if wanted:
            since = [t for t in (last_retrain, observation.last_trained) if t is not None]
            if self.cooldown is not None and since and not overriding:
                elapsed = now - max(since)
                if elapsed < self.cooldown:
                    blocked_by = "cooldown"
                    reasons.append(
                        f"cooldown: {_fmt_delta(elapsed)} since the last retrain < "
                        f"{_fmt_delta(self.cooldown)}"
                    )
            if (
                blocked_by is None
                and self.max_retrains is not None
                and len(recent) >= self.max_retrains
            ):
                blocked_by = "budget"
                reasons.append(
                    f"budget: {len(recent)} retrains in the last "
                    f"{_fmt_delta(self.budget_period)}, at most {self.max_retrains}"
                )
        retrain = wanted and blocked_by is None
        if not reasons:
            reasons.append("no trigger fired")
            reasons.extend(r.message for r in results if r.missing_input)
        if retrain:
            new_state = PolicyState(
                last_observed=now,
                last_retrain=now,
                streaks=dict.fromkeys(streaks, 0),
                retrains=(*recent, now),
                accumulated_loss=0.0,
                n_decisions=state.n_decisions + 1,
            )
        else:
            new_state = PolicyState(
                last_observed=now,
                last_retrain=state.last_retrain,
                streaks=streaks,
                retrains=recent,
                accumulated_loss=accumulated if accumulated is not None else 0.0,
                n_decisions=state.n_decisions + 1,
            )
        decision = RetrainDecision(
            policy=self.name,
            at=now,
            retrain=retrain,
            reasons=tuple(reasons),
            triggers=results,
            blocked_by=blocked_by,
            accumulated_loss=accumulated,
            observation=observation,
            sequence=new_state.n_decisions,
        )
        return decision, new_state

    def _evaluate(self, trigger: Trigger, observation: Observation) -> TriggerResult:
        result = trigger.evaluate(observation)
        if not isinstance(result, TriggerResult):
            raise ValidationError(
                f"Trigger {trigger.name!r} returned {result!r}; a trigger's evaluate must "
                "return a TriggerResult."
            )
        if result.trigger != trigger.name:
            result = attrs.evolve(result, trigger=trigger.name)
        return result

    def __iter__(self) -> Iterator[Trigger]:
        return iter(self.triggers)

    def __str__(self) -> str:
        names = ", ".join(t.name for t in self.triggers)
        guards = []
        if self.for_consecutive > 1:
            guards.append(f"for {self.for_consecutive} consecutive observations")
        if self.cooldown is not None:
            guards.append(f"cooldown {_fmt_delta(self.cooldown)}")
        if self.max_retrains is not None:
            guards.append(f"at most {self.max_retrains} per {_fmt_delta(self.budget_period)}")
        if self.retrain_cost is not None:
            guards.append(f"retrain cost {self.retrain_cost:,.2f}")
        extra = f"; {', '.join(guards)}" if guards else ""
        return f"RetrainPolicy {self.name!r}: {self.mode} of ({names}){extra}"

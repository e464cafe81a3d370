"""Deciding when to retrain, and the retrain cycle around the decision.

A :class:`RetrainPolicy` combines triggers (:mod:`mlops_kit.retrain.triggers`) with hysteresis,
a cooldown, a budget and a cost rule, and keeps its state in a metadata store; each
:class:`RetrainDecision` is a record with its reasons. :func:`retrain_cycle` decides, trains a
challenger, gates it against the champion, registers it and promotes it only if the gate
passes, and records the :class:`RetrainOutcome`; :func:`rollback` undoes a promotion.

Examples
--------
>>> from datetime import datetime, timezone
>>> from mlops_kit.retrain import Observation, RetrainPolicy, triggers
>>> policy = RetrainPolicy.any_of(triggers.MetricBelow("roc_auc", 0.85))
>>> decision = policy.decide(Observation(now=datetime(2026, 11, 26, tzinfo=timezone.utc),
...                                      metrics={"roc_auc": 0.81}))
>>> decision.retrain, decision.reasons
(True, ('roc_auc_below: roc_auc 0.8100 < 0.8500',))
"""

from mlops_kit.retrain import triggers
from mlops_kit.retrain._checks import check_trigger
from mlops_kit.retrain._cycle import retrain_cycle, rollback
from mlops_kit.retrain._decision import PolicyState, RetrainDecision
from mlops_kit.retrain._observation import DriftSummary, Observation, TriggerResult
from mlops_kit.retrain._outcome import RetrainOutcome, retrain_history
from mlops_kit.retrain._policy import RetrainPolicy

__all__ = [
    "DriftSummary",
    "Observation",
    "PolicyState",
    "RetrainDecision",
    "RetrainOutcome",
    "RetrainPolicy",
    "TriggerResult",
    "check_trigger",
    "retrain_cycle",
    "retrain_history",
    "rollback",
    "triggers",
]

"""A conformance check for triggers: run it on your own trigger in your tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from mlops_kit.protocols import Trigger
from mlops_kit.retrain._observation import DriftSummary, Observation, TriggerResult

__all__ = ["check_trigger"]

_NOW = datetime(2026, 1, 5, tzinfo=timezone.utc)

#: Observations every trigger must handle: empty, partial and full.
SAMPLE_OBSERVATIONS: tuple[Observation, ...] = (
    Observation(),
    Observation(now=_NOW),
    Observation(now=_NOW, new_rows=0, loss=0.0),
    Observation(
        now=_NOW,
        last_trained=_NOW - timedelta(days=40),
        last_retrain=_NOW - timedelta(days=10),
        drift=DriftSummary(drifted=True, drift_share=0.75, drifted_columns=("amount",)),
        metrics={"roc_auc": 0.7, "accuracy": 0.8},
        estimated_metrics={"roc_auc": 0.72, "accuracy": 0.81},
        reference_metrics={"roc_auc": 0.9, "accuracy": 0.9},
        new_rows=1_000_000,
        loss=100.0,
        manual="conformance check",
    ),
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def check_trigger(trigger: Any, observations: Sequence[Observation] | None = None) -> None:
    """Check that an object follows the trigger contract; raise ``AssertionError`` if not.

    The checks: it is a :class:`~mlops_kit.protocols.Trigger` with a non-empty string
    ``name``; on every observation (an empty one included) ``evaluate`` returns a
    :class:`TriggerResult` without raising, named after the trigger, with a non-empty message
    that starts with the name; a ``missing_input`` result has no value; a result round-trips
    through JSON; evaluating twice gives the same result.

    Parameters
    ----------
    trigger
        The trigger to check.
    observations
        Observations to evaluate it on; by default an empty, two partial and a full one.

    Examples
    --------
    >>> from mlops_kit.retrain import triggers
    >>> check_trigger(triggers.DriftShare(above=0.3))
    >>> class Bad:
    ...     name = "bad"
    ...     def evaluate(self, observation): return True
    >>> check_trigger(Bad())
    Traceback (most recent call last):
    ...
    AssertionError: trigger 'bad': evaluate returned True, not a TriggerResult
    """
    _require(
        isinstance(trigger, Trigger),
        f"{trigger!r} is not a Trigger: it needs a 'name' and an 'evaluate(observation)' method",
    )
    name = trigger.name
    _require(
        isinstance(name, str) and bool(name), f"a trigger's name must be a non-empty str: {name!r}"
    )
    for observation in SAMPLE_OBSERVATIONS if observations is None else observations:
        result = trigger.evaluate(observation)
        _require(
            isinstance(result, TriggerResult),
            f"trigger {name!r}: evaluate returned {result!r}, not a TriggerResult",
        )
        _require(
            result.trigger == name,
            f"trigger {name!r}: its result is named {result.trigger!r}; use the trigger's name",
        )
        _require(
            result.message.startswith(name),
            f"trigger {name!r}: the message {result.message!r} must start with the trigger's "
            "name, so a decision's reasons say which trigger spoke",
        )
        _require(
            not result.missing_input or result.value is None,
            f"trigger {name!r}: a missing_input result cannot carry a value ({result.value})",
        )
        again = TriggerResult.from_dict(json.loads(json.dumps(result.to_dict())))
        _require(again == result, f"trigger {name!r}: the result does not round-trip through JSON")
        _require(
            trigger.evaluate(observation) == result,
            f"trigger {name!r}: evaluating the same observation twice gave different results",
        )

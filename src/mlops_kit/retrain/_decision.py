"""The records of a retrain policy: its persisted :class:`PolicyState` and each decision."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mlops_kit._version import __version__
from mlops_kit.exceptions import ValidationError
from mlops_kit.retrain._observation import Observation, TriggerResult, aware, iso

__all__ = ["SCHEMA_VERSION", "PolicyState", "RetrainDecision"]

SCHEMA_VERSION = 1


@attrs.frozen(kw_only=True)
class PolicyState:
    """What a retrain policy remembers between decisions; persisted under the policy's name.

    Examples
    --------
    >>> PolicyState().n_decisions
    0
    >>> PolicyState.from_dict(PolicyState(streaks={"drift_share": 2}).to_dict()).streaks
    {'drift_share': 2}
    """

    last_observed: datetime | None = None
    last_retrain: datetime | None = None
    streaks: dict[str, int] = attrs.field(factory=dict)
    retrains: tuple[datetime, ...] = ()
    accumulated_loss: float = 0.0
    n_decisions: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-compatible data, with the schema and library versions.

        Examples
        --------
        >>> PolicyState().to_dict()["schema_version"]
        1
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "mlops_kit_version": __version__,
            "last_observed": iso(self.last_observed),
            "last_retrain": iso(self.last_retrain),
            "streaks": dict(self.streaks),
            "retrains": [t.isoformat() for t in self.retrains],
            "accumulated_loss": self.accumulated_loss,
            "n_decisions": self.n_decisions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyState:
        """Rebuild a state from :meth:`to_dict`'s output.

        Examples
        --------
        >>> PolicyState.from_dict({"n_decisions": 3}).n_decisions
        3
        """
        version = int(data.get("schema_version", SCHEMA_VERSION))
        if version > SCHEMA_VERSION:
            raise ValidationError(
                f"This retrain policy state has schema version {version}, newer than this "
                f"mlops_kit ({__version__}) understands; upgrade mlops_kit."
            )
        return cls(
            last_observed=aware(data.get("last_observed"), "last_observed", "PolicyState"),
            last_retrain=aware(data.get("last_retrain"), "last_retrain", "PolicyState"),
            streaks={str(k): int(v) for k, v in data.get("streaks", {}).items()},
            retrains=tuple(
                t
                for t in (aware(v, "retrains", "PolicyState") for v in data.get("retrains", ()))
                if t is not None
            ),
            accumulated_loss=float(data.get("accumulated_loss", 0.0)),
            n_decisions=int(data.get("n_decisions", 0)),
        )


@attrs.frozen(kw_only=True)
class RetrainDecision:
    """A retrain policy's decision on one observation, with its reasons: a record.

    Parameters
    ----------
    policy
        The policy's name.
    at
        The observation's time.
    retrain
        Whether to retrain now.
    reasons
        Why, one sentence each: every fired trigger with its value and threshold, the cost
        rule, and what blocked a retrain (hysteresis, cooldown, budget).
    triggers
        The result of every trigger, in the policy's order (missing inputs included).
    blocked_by
        ``"cooldown"`` or ``"budget"`` when the triggers asked for a retrain that a guard held
        back, else ``None``.
    accumulated_loss
        The loss accumulated since the last retrain, when the policy has a cost rule.
    observation
        The observation decided on (the policy's time and last retrain filled in).
    sequence
        The decision's number for this policy, from 1.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from mlops_kit.retrain import RetrainPolicy, Observation, triggers
    >>> policy = RetrainPolicy.any_of(triggers.NewRows(at_least=1_000))
    >>> d = policy.decide(Observation(now=datetime(2026, 11, 26, tzinfo=timezone.utc),
    ...                               new_rows=5_000))
    >>> print(d)
    2026-11-26 00:00 policy 'default' #1: RETRAIN — new_rows: 5000 new rows ≥ 1000
    >>> RetrainDecision.from_dict(d.to_dict()) == d
    True
    """

    policy: str
    at: datetime
    retrain: bool
    reasons: tuple[str, ...]
    triggers: tuple[TriggerResult, ...]
    blocked_by: str | None = None
    accumulated_loss: float | None = None
    observation: Observation = attrs.field(factory=Observation)
    sequence: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-compatible data.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> d = RetrainDecision(policy="p", at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        ...                     retrain=False, reasons=("no trigger fired",), triggers=())
        >>> d.to_dict()["at"]
        '2026-01-01T00:00:00+00:00'
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "policy": self.policy,
            "at": self.at.isoformat(),
            "retrain": self.retrain,
            "reasons": list(self.reasons),
            "triggers": [t.to_dict() for t in self.triggers],
            "blocked_by": self.blocked_by,
            "accumulated_loss": self.accumulated_loss,
            "observation": self.observation.to_dict(),
            "sequence": self.sequence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetrainDecision:
        """Rebuild a decision from :meth:`to_dict`'s output.

        Examples
        --------
        >>> RetrainDecision.from_dict({"policy": "p", "at": "2026-01-01T00:00:00+00:00",
        ...     "retrain": True, "reasons": ["manual: requested: test"], "triggers": []}).retrain
        True
        """
        at = aware(data["at"], "at", "RetrainDecision")
        assert at is not None
        loss = data.get("accumulated_loss")
        return cls(
            policy=str(data["policy"]),
            at=at,
            retrain=bool(data["retrain"]),
            reasons=tuple(str(r) for r in data["reasons"]),
            triggers=tuple(TriggerResult.from_dict(t) for t in data["triggers"]),
            blocked_by=data.get("blocked_by"),
            accumulated_loss=None if loss is None else float(loss),
            observation=Observation.from_dict(data.get("observation", {})),
            sequence=int(data.get("sequence", 0)),
        )

    @property
    def summary(self) -> str:
        """The verdict and its reasons in one line."""
        verdict = "RETRAIN" if self.retrain else "keep"
        return f"{verdict} — {'; '.join(self.reasons)}"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} policy '{self.policy}' #{self.sequence}: {self.summary}"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(t.trigger)}</td><td>{html.escape(t.status)}</td>"
            f"<td>{html.escape(t.message)}</td></tr>"
            for t in self.triggers
        )
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in self.reasons)
        verdict = "retrain" if self.retrain else "keep"
        return (
            f"<div><p><b>{verdict}</b> — policy {html.escape(self.policy)}, "
            f"{self.at:%Y-%m-%d %H:%M} UTC</p><ul>{reasons}</ul>"
            f"<table><tr><th>trigger</th><th>status</th><th>detail</th></tr>{rows}</table></div>"
        )

"""The recorded outcome of a retrain cycle (or a rollback), kept in the metadata store."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mlops_kit._version import __version__
from mlops_kit.exceptions import ConflictError, ValidationError
from mlops_kit.protocols import MetadataStore
from mlops_kit.retrain._decision import SCHEMA_VERSION, RetrainDecision
from mlops_kit.retrain._observation import aware

__all__ = ["OUTCOME_COLLECTION", "RetrainOutcome", "record_outcome", "retrain_history"]

OUTCOME_COLLECTION = "retrain.outcomes"
_ACTIONS = ("kept", "promoted", "rejected", "failed", "rolled_back")


def _check_action(instance: Any, attribute: Any, value: Any) -> None:
    if value not in _ACTIONS:
        raise ValidationError(
            f"The 'action' parameter of RetrainOutcome must be one of {', '.join(_ACTIONS)}. "
            f"Got {value!r} instead."
        )


def _fmt_metrics(metrics: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())


@attrs.frozen(kw_only=True)
class RetrainOutcome:
    """What a retrain cycle did, and why: a record kept under ``retrain.outcomes/<name>/``.

    Parameters
    ----------
    name, alias
        The model and the alias the cycle manages.
    action
        ``"kept"`` (the policy did not ask for a retrain), ``"promoted"`` (the challenger passed
        the gate and the alias moved), ``"rejected"`` (registered, but the gate kept the
        champion), ``"failed"`` (the retrain raised; ``reason`` holds the error, which
        ``retrain_cycle`` re-raises) or ``"rolled_back"``.
    at
        The decision's time (the rollback's, for a rollback).
    decision
        The policy's decision, with its reasons.
    gate
        The gate's :class:`~mlops_kit.quality.GateResult`, when a challenger was trained.
    champion_before, champion_after
        The alias's target before and after, as references (``"fraud/3"``).
    challenger
        The registered challenger's reference.
    challenger_metrics, champion_metrics
        Both models' metrics on the same holdout.
    data_version
        The id of the data version trained on.
    n_train, n_holdout
        Rows used for training and for the comparison.
    reason
        One line: why this outcome.
    sequence
        The outcome's number for this model, from 1 (set when recorded).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> o = RetrainOutcome(name="fraud", action="rolled_back",
    ...                    at=datetime(2026, 11, 26, tzinfo=timezone.utc),
    ...                    champion_before="fraud/2", champion_after="fraud/1",
    ...                    reason="false positives reported")
    >>> print(o)
    2026-11-26 00:00 fraud@champion: rolled back fraud/2 → fraud/1 — false positives reported
    >>> RetrainOutcome.from_dict(o.to_dict()) == o
    True
    """

    name: str
    action: str = attrs.field(validator=_check_action)
    at: datetime
    alias: str = "champion"
    decision: RetrainDecision | None = None
    gate: Any = None
    champion_before: str | None = None
    champion_after: str | None = None
    challenger: str | None = None
    challenger_metrics: dict[str, float] = attrs.field(factory=dict)
    champion_metrics: dict[str, float] = attrs.field(factory=dict)
    data_version: str | None = None
    n_train: int = 0
    n_holdout: int = 0
    reason: str = ""
    sequence: int = 0

    @property
    def promoted(self) -> bool:
        """Whether the challenger replaced the champion."""
        return self.action == "promoted"

    @property
    def retrained(self) -> bool:
        """Whether a challenger was trained and registered."""
        return self.challenger is not None

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON-compatible data.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> RetrainOutcome(name="m", action="kept",
        ...                at=datetime(2026, 1, 1, tzinfo=timezone.utc)).to_dict()["action"]
        'kept'
        """
        return {
            "schema_version": SCHEMA_VERSION,
            "mlops_kit_version": __version__,
            "name": self.name,
            "action": self.action,
            "at": self.at.isoformat(),
            "alias": self.alias,
            "decision": None if self.decision is None else self.decision.to_dict(),
            "gate": None if self.gate is None else self.gate.to_dict(),
            "champion_before": self.champion_before,
            "champion_after": self.champion_after,
            "challenger": self.challenger,
            "challenger_metrics": dict(self.challenger_metrics),
            "champion_metrics": dict(self.champion_metrics),
            "data_version": self.data_version,
            "n_train": self.n_train,
            "n_holdout": self.n_holdout,
            "reason": self.reason,
            "sequence": self.sequence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetrainOutcome:
        """Rebuild an outcome from :meth:`to_dict`'s output.

        Examples
        --------
        >>> RetrainOutcome.from_dict({"name": "m", "action": "kept",
        ...                           "at": "2026-01-01T00:00:00+00:00"}).promoted
        False
        """
        at = aware(data["at"], "at", "RetrainOutcome")
        assert at is not None
        gate = data.get("gate")
        if gate is not None:
            from mlops_kit.quality import GateResult

            gate = GateResult.from_dict(gate)
        decision = data.get("decision")
        return cls(
            name=str(data["name"]),
            action=str(data["action"]),
            at=at,
            alias=str(data.get("alias", "champion")),
            decision=None if decision is None else RetrainDecision.from_dict(decision),
            gate=gate,
            champion_before=data.get("champion_before"),
            champion_after=data.get("champion_after"),
            challenger=data.get("challenger"),
            challenger_metrics={k: float(v) for k, v in data.get("challenger_metrics", {}).items()},
            champion_metrics={k: float(v) for k, v in data.get("champion_metrics", {}).items()},
            data_version=data.get("data_version"),
            n_train=int(data.get("n_train", 0)),
            n_holdout=int(data.get("n_holdout", 0)),
            reason=str(data.get("reason", "")),
            sequence=int(data.get("sequence", 0)),
        )

    def __str__(self) -> str:
        head = f"{self.at:%Y-%m-%d %H:%M} {self.name}@{self.alias}: "
        if self.action == "kept":
            body = f"kept {self.champion_before or 'no champion'}"
        elif self.action == "failed":
            body = f"retrain failed, {self.champion_before or 'no champion'} stays"
        elif self.action == "rolled_back":
            body = f"rolled back {self.champion_before} → {self.champion_after}"
        else:
            verb = "promoted" if self.promoted else "rejected"
            body = f"{verb} {self.challenger}"
            if self.champion_before is not None:
                body += f" {'over' if self.promoted else 'in favour of'} {self.champion_before}"
            if self.challenger_metrics:
                body += f" ({_fmt_metrics(self.challenger_metrics)}"
                if self.champion_metrics:
                    body += f" vs {_fmt_metrics(self.champion_metrics)}"
                body += ")"
        return head + body + (f" — {self.reason}" if self.reason else "")

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(str(self))}</b></p>"]
        if self.decision is not None:
            parts.append(self.decision._repr_html_())
        if self.gate is not None and hasattr(self.gate, "_repr_html_"):
            parts.append(str(self.gate._repr_html_()))
        return "<div>" + "".join(parts) + "</div>"


def record_outcome(metadata: MetadataStore, outcome: RetrainOutcome) -> RetrainOutcome:
    """Append an outcome to the model's record, numbering it; return it with its number."""
    for _ in range(20):
        last = 0
        for key, _document in metadata.scan(OUTCOME_COLLECTION, prefix=f"{outcome.name}/"):
            last = max(last, int(key.rsplit("/", 1)[1]))
        numbered = attrs.evolve(outcome, sequence=last + 1)
        try:
            metadata.put(
                OUTCOME_COLLECTION,
                f"{outcome.name}/{numbered.sequence:08d}",
                numbered.to_dict(),
                expected_revision=0,
            )
        except ConflictError:
            continue
        return numbered
    raise ConflictError(  # pragma: no cover - needs 20 lost races in a row
        f"Could not record the retrain outcome of {outcome.name!r}: too many concurrent writers."
    )


def _metadata_of(store: Any) -> Any:
    if isinstance(store, MetadataStore):
        return store
    inner = getattr(store, "store", store)  # a ModelRegistry holds its Store as .store
    return getattr(inner, "metadata", None)


def retrain_history(store: Any, name: str) -> list[RetrainOutcome]:
    """Every recorded retrain outcome (and rollback) of a model, oldest first.

    ``store`` is a :class:`~mlops_kit.storage.Store`, a ``MetadataStore`` or a model registry.

    Examples
    --------
    >>> from mlops_kit.storage import open_store
    >>> retrain_history(open_store("memory://"), "fraud")
    []
    """
    metadata = _metadata_of(store)
    if not isinstance(metadata, MetadataStore):
        raise ValidationError(
            "The 'store' parameter of retrain_history must be a Store, a MetadataStore or a "
            f"ModelRegistry. Got {store!r} instead."
        )
    return [
        RetrainOutcome.from_dict(doc.value)
        for _, doc in metadata.scan(OUTCOME_COLLECTION, prefix=f"{name}/")
    ]

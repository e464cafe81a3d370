"""The registry's result values: frozen, JSON round-tripping, printable."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from mlops_kit._version import __version__
from mlops_kit.registry._common import format_time, html_table, parse_time
from mlops_kit.registry._signature import Signature

__all__ = ["AliasEvent", "GCReport", "ModelVersion", "RegisteredModel"]


def _time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


def _format_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


@attrs.frozen(kw_only=True)
class ModelVersion:
    """One registered version of a model: where its artifact is, and what produced it.

    Attributes
    ----------
    name, version
        The model's name and its version number (1, 2, 3, ... never reused).
    digest, size
        The SHA-256 hex digest and byte size of the serialized artifact.
    serializer
        The format's registered name (``skops``, ``joblib``, ``pickle``, ...).
    model_type
        The fully qualified class of the model.
    created_at
        When it was registered (UTC).
    data_version, data_name
        The id (and dataset name, when known) of the data it was trained on.
    parent
        The model version it derives from, as ``"name/version"``.
    metrics, params, tags
        Finite numbers, JSON-safe parameters, string tags.
    signature
        The input signature inferred at registration, or ``None``.
    environment
        Package versions at registration (``python``, ``scikit-learn``, ...).
    description
        Free text.
    deleted_at, delete_reason
        When (and why) the version was deleted (its number stays taken), or ``None``.
    mlops_kit_version
        The mlops_kit that wrote the record.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> mv = ModelVersion(name="fraud", version=3, digest="ab" * 32, size=100,
    ...                   serializer="skops", model_type="sklearn.linear_model.LogisticRegression",
    ...                   created_at=datetime(2026, 11, 26, tzinfo=timezone.utc),
    ...                   metrics={"roc_auc": 0.93})
    >>> mv.ref
    'fraud/3'
    >>> ModelVersion.from_dict(mv.to_dict()) == mv
    True
    >>> print(mv)
    fraud/3: LogisticRegression (skops, 100 bytes), roc_auc=0.93, registered 2026-11-26 00:00 UTC
    """

    name: str
    version: int
    digest: str
    size: int
    serializer: str
    model_type: str
    created_at: datetime
    data_version: str | None = None
    data_name: str | None = None
    parent: str | None = None
    metrics: dict[str, float] = attrs.field(factory=dict)
    params: dict[str, Any] = attrs.field(factory=dict)
    tags: dict[str, str] = attrs.field(factory=dict)
    signature: Signature | None = None
    environment: dict[str, str] = attrs.field(factory=dict)
    description: str | None = None
    deleted_at: datetime | None = None
    delete_reason: str | None = None
    mlops_kit_version: str = __version__

    @property
    def ref(self) -> str:
        """The reference ``"name/version"`` that :meth:`ModelRegistry.get` accepts."""
        return f"{self.name}/{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the record."""
        return {
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "size": self.size,
            "serializer": self.serializer,
            "model_type": self.model_type,
            "created_at": format_time(self.created_at),
            "data_version": self.data_version,
            "data_name": self.data_name,
            "parent": self.parent,
            "metrics": dict(self.metrics),
            "params": dict(self.params),
            "tags": dict(self.tags),
            "signature": None if self.signature is None else self.signature.to_dict(),
            "environment": dict(self.environment),
            "description": self.description,
            "deleted_at": _format_or_none(self.deleted_at),
            "delete_reason": self.delete_reason,
            "mlops_kit_version": self.mlops_kit_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelVersion:
        """Rebuild a record from :meth:`to_dict`'s output (or a stored document)."""
        signature = data.get("signature")
        return cls(
            name=data["name"],
            version=data["version"],
            digest=data["digest"],
            size=data["size"],
            serializer=data["serializer"],
            model_type=data["model_type"],
            created_at=parse_time(data["created_at"]),
            data_version=data.get("data_version"),
            data_name=data.get("data_name"),
            parent=data.get("parent"),
            metrics=dict(data.get("metrics") or {}),
            params=dict(data.get("params") or {}),
            tags=dict(data.get("tags") or {}),
            signature=None if signature is None else Signature.from_dict(signature),
            environment=dict(data.get("environment") or {}),
            description=data.get("description"),
            deleted_at=_time_or_none(data.get("deleted_at")),
            delete_reason=data.get("delete_reason"),
            mlops_kit_version=data.get("mlops_kit_version", __version__),
        )

    def __str__(self) -> str:
        parts = [
            f"{self.ref}: {self.model_type.rsplit('.', 1)[-1]} "
            f"({self.serializer}, {self.size} bytes)"
        ]
        parts += [f"{key}={value:.4g}" for key, value in sorted(self.metrics.items())]
        if self.data_version is not None:
            data = self.data_version[:12]
            parts.append(f"data {self.data_name}@{data}" if self.data_name else f"data {data}")
        parts.append(f"registered {self.created_at:%Y-%m-%d %H:%M} UTC")
        if self.deleted_at is not None:
            parts.append(f"DELETED {self.deleted_at:%Y-%m-%d %H:%M} UTC")
        return ", ".join(parts)

    def _repr_html_(self) -> str:
        rows: dict[str, object] = {
            "model": self.model_type,
            "digest": self.digest,
            "size": f"{self.size} bytes ({self.serializer})",
            "registered": format_time(self.created_at),
            "data version": self.data_version or "-",
            "parent": self.parent or "-",
        }
        rows.update({f"metric {k}": v for k, v in sorted(self.metrics.items())})
        rows.update({f"tag {k}": v for k, v in sorted(self.tags.items())})
        if self.signature is not None:
            rows["signature"] = str(self.signature)
        return html_table(self.ref, rows)


@attrs.frozen(kw_only=True)
class AliasEvent:
    """One move of an alias, as kept in its append-only history.

    ``action`` is ``"set"``, ``"rollback"``, ``"remove"`` or ``"revert"`` (a move undone because
    its target was deleted concurrently); ``previous`` and ``version`` are the targets before
    and after (``None`` when the alias pointed nowhere).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> event = AliasEvent(name="fraud", alias="champion", seq=2, action="set", previous=1,
    ...                    version=2, time=datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc),
    ...                    reason="better AUC", actor="ci")
    >>> print(event)
    #2 2026-11-26 09:30:00 UTC fraud@champion set 1 -> 2 by ci: better AUC
    >>> AliasEvent.from_dict(event.to_dict()) == event
    True
    """

    name: str
    alias: str
    seq: int
    action: str
    previous: int | None
    version: int | None
    time: datetime
    reason: str | None = None
    actor: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the event."""
        return {
            "name": self.name,
            "alias": self.alias,
            "seq": self.seq,
            "action": self.action,
            "previous": self.previous,
            "version": self.version,
            "time": format_time(self.time),
            "reason": self.reason,
            "actor": self.actor,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AliasEvent:
        """Rebuild an event from :meth:`to_dict`'s output."""
        return cls(
            name=data["name"],
            alias=data["alias"],
            seq=data["seq"],
            action=data["action"],
            previous=data.get("previous"),
            version=data.get("version"),
            time=parse_time(data["time"]),
            reason=data.get("reason"),
            actor=data.get("actor"),
        )

    def __str__(self) -> str:
        before = "-" if self.previous is None else str(self.previous)
        after = "-" if self.version is None else str(self.version)
        text = (
            f"#{self.seq} {self.time:%Y-%m-%d %H:%M:%S} UTC {self.name}@{self.alias} "
            f"{self.action} {before} -> {after}"
        )
        if self.actor:
            text += f" by {self.actor}"
        if self.reason:
            text += f": {self.reason}"
        return text

    def _repr_html_(self) -> str:
        return html_table(f"{self.name}@{self.alias} #{self.seq}", self.to_dict())


@attrs.frozen(kw_only=True)
class RegisteredModel:
    """A model name with its description, tags, latest version and current aliases.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> model = RegisteredModel(name="fraud", description="card fraud", tags={"team": "risk"},
    ...                         created_at=datetime(2026, 11, 26, tzinfo=timezone.utc),
    ...                         latest_version=3, aliases={"champion": 2})
    >>> print(model)
    fraud: 3 versions, champion -> 2 (card fraud)
    >>> RegisteredModel.from_dict(model.to_dict()) == model
    True
    """

    name: str
    created_at: datetime
    description: str | None = None
    tags: dict[str, str] = attrs.field(factory=dict)
    latest_version: int | None = None
    aliases: dict[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the record."""
        return {
            "name": self.name,
            "created_at": format_time(self.created_at),
            "description": self.description,
            "tags": dict(self.tags),
            "latest_version": self.latest_version,
            "aliases": dict(self.aliases),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegisteredModel:
        """Rebuild a record from :meth:`to_dict`'s output."""
        return cls(
            name=data["name"],
            created_at=parse_time(data["created_at"]),
            description=data.get("description"),
            tags=dict(data.get("tags") or {}),
            latest_version=data.get("latest_version"),
            aliases=dict(data.get("aliases") or {}),
        )

    def __str__(self) -> str:
        count = self.latest_version or 0
        text = f"{self.name}: {count} version{'s' if count != 1 else ''}"
        if self.aliases:
            text += ", " + ", ".join(f"{a} -> {v}" for a, v in sorted(self.aliases.items()))
        if self.description:
            text += f" ({self.description})"
        return text

    def _repr_html_(self) -> str:
        return html_table(self.name, self.to_dict())


@attrs.frozen(kw_only=True)
class GCReport:
    """What :meth:`ModelRegistry.gc` found (and deleted, unless it was a dry run).

    Examples
    --------
    >>> report = GCReport(digests=("ab" * 32,), bytes=2048, dry_run=True)
    >>> print(report)
    gc (dry run): 1 unreferenced artifact blob, 2048 bytes; run gc(dry_run=False) to delete it
    >>> GCReport.from_dict(report.to_dict()) == report
    True
    """

    digests: tuple[str, ...]
    bytes: int
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`from_dict` rebuilds the report."""
        return {"digests": list(self.digests), "bytes": self.bytes, "dry_run": self.dry_run}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GCReport:
        """Rebuild a report from :meth:`to_dict`'s output."""
        return cls(digests=tuple(data["digests"]), bytes=data["bytes"], dry_run=data["dry_run"])

    def __str__(self) -> str:
        n = len(self.digests)
        blobs = f"{n} unreferenced artifact blob{'s' if n != 1 else ''}, {self.bytes} bytes"
        if not self.dry_run:
            return f"gc: deleted {blobs}"
        if n == 0:
            return f"gc (dry run): {blobs}"
        return (
            f"gc (dry run): {blobs}; run gc(dry_run=False) to delete {'it' if n == 1 else 'them'}"
        )

    def _repr_html_(self) -> str:
        return html_table(
            "gc", {"blobs": len(self.digests), "bytes": self.bytes, "dry run": self.dry_run}
        )

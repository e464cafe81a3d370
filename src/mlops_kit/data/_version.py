"""``DataVersion`` and ``LogEntry``: the records a :class:`DataRepository` keeps."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from mlops_kit._version import __version__
from mlops_kit.data._profile import Profile
from mlops_kit.data._schema import Schema
from mlops_kit.exceptions import ValidationError

__all__ = ["VERSION_FORMAT", "DataVersion", "LogEntry"]

VERSION_FORMAT = 1


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(
            f"The 'created_at' of a DataVersion must be timezone-aware. Got {value!r} instead."
        )
    return value.astimezone(timezone.utc)


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time written by mlops_kit (always UTC-aware)."""
    return _utc(datetime.fromisoformat(text))


@attrs.frozen(kw_only=True)
class DataVersion:
    """One committed version of a dataset: its content id, lineage and summary.

    Parameters
    ----------
    id
        The 64-character SHA-256 hex digest of the content, equal to ``fingerprint(df)``.
    name
        The dataset's name.
    n_rows
        The number of rows.
    schema
        The columns, dtypes and nullability.
    created_at
        When this version was first committed to the dataset (UTC).
    parents
        The ids of the versions it derives from (the dataset's latest, by default).
    message
        A free-text description.
    metadata
        JSON-compatible user data (source, query, ...).
    profile
        Per-column statistics.
    mlops_kit_version
        The library version that wrote the record.

    Examples
    --------
    >>> import mlops_kit as mk, pandas as pd
    >>> from mlops_kit.data import DataRepository
    >>> from mlops_kit.storage import open_store
    >>> repo = DataRepository(open_store("memory://"))
    >>> v = repo.commit("prices", pd.DataFrame({"p": [1.0, 2.0]}), message="first")
    >>> v.n_rows, v.message, v.parents
    (2, 'first', ())
    >>> DataVersion.from_dict(v.to_dict()) == v
    True
    """

    id: str
    name: str
    n_rows: int
    schema: Schema
    created_at: datetime = attrs.field(converter=_utc)
    parents: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    message: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict, converter=dict)
    profile: Profile | None = None
    mlops_kit_version: str = __version__

    @property
    def short_id(self) -> str:
        """The first 12 characters of the id.

        Examples
        --------
        >>> from mlops_kit.data import Schema
        >>> from datetime import datetime, timezone
        >>> DataVersion(id="ab" * 32, name="d", n_rows=0, schema=Schema(columns=()),
        ...             created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)).short_id
        'abababababab'
        """
        return self.id[:12]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict (``created_at`` in ISO 8601).

        Examples
        --------
        >>> from mlops_kit.data import Schema
        >>> from datetime import datetime, timezone
        >>> v = DataVersion(id="0" * 64, name="d", n_rows=0, schema=Schema(columns=()),
        ...                 created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
        >>> v.to_dict()["created_at"]
        '2026-01-01T00:00:00+00:00'
        """
        return {
            "format": VERSION_FORMAT,
            "id": self.id,
            "name": self.name,
            "n_rows": self.n_rows,
            "schema": self.schema.to_dict(),
            "created_at": self.created_at.isoformat(),
            "parents": list(self.parents),
            "message": self.message,
            "metadata": dict(self.metadata),
            "profile": None if self.profile is None else self.profile.to_dict(),
            "mlops_kit_version": self.mlops_kit_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataVersion:
        """Rebuild from :meth:`to_dict`'s output.

        Examples
        --------
        >>> from mlops_kit.data import Schema
        >>> from datetime import datetime, timezone
        >>> v = DataVersion(id="0" * 64, name="d", n_rows=0, schema=Schema(columns=()),
        ...                 created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
        >>> DataVersion.from_dict(v.to_dict()) == v
        True
        """
        profile = data.get("profile")
        return cls(
            id=data["id"],
            name=data["name"],
            n_rows=int(data["n_rows"]),
            schema=Schema.from_dict(data["schema"]),
            created_at=parse_time(data["created_at"]),
            parents=tuple(data.get("parents", ())),
            message=data.get("message"),
            metadata=dict(data.get("metadata") or {}),
            profile=None if profile is None else Profile.from_dict(profile),
            mlops_kit_version=data.get("mlops_kit_version", __version__),
        )

    def __str__(self) -> str:
        parents = ", ".join(p[:12] for p in self.parents) or "none"
        text = (
            f"DataVersion {self.name}@{self.short_id}: {self.n_rows} rows × "
            f"{len(self.schema.columns)} columns, created {self.created_at:%Y-%m-%d %H:%M:%S} "
            f"UTC, parents: {parents}"
        )
        return text + (f"\n  {self.message}" if self.message else "")

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>{html.escape(self.name)}</strong> "
            f"<code>{self.short_id}</code>: {self.n_rows} rows, "
            f"{len(self.schema.columns)} columns, {html.escape(self.message or '')}</div>"
            + self.schema._repr_html_()
        )


@attrs.frozen(kw_only=True)
class LogEntry:
    """One move of a dataset's ``latest``: a new version, or a return to an older one.

    ``action`` is ``"commit"`` (a version new to the dataset) or ``"revert"`` (the content of
    an older version committed again).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> e = LogEntry(version_id="0" * 64, action="commit",
    ...              at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> LogEntry.from_dict(e.to_dict()) == e
    True
    """

    version_id: str
    action: str
    at: datetime = attrs.field(converter=_utc)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict."""
        return {"id": self.version_id, "action": self.action, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogEntry:
        """Rebuild from :meth:`to_dict`'s output."""
        return cls(version_id=data["id"], action=data["action"], at=parse_time(data["at"]))

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.version_id[:12]}"

"""``DataDiff``: what changed between two data versions."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from mlops_kit.data._version import DataVersion
from mlops_kit.exceptions import ValidationError

if TYPE_CHECKING:
    from mlops_kit.data._repository import DataRepository

__all__ = ["ColumnChange", "DataDiff", "SchemaChange", "compute_diff"]

STATISTICS = ("count", "nulls", "min", "max", "mean", "std", "n_unique")


@attrs.frozen(kw_only=True)
class SchemaChange:
    """A column ``added``, ``removed``, or whose ``dtype`` changed (before/after are dtypes).

    Examples
    --------
    >>> SchemaChange(column="x", kind="dtype", before="int64", after="float64").kind
    'dtype'
    """

    column: str
    kind: str
    before: str | None = None
    after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict."""
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class ColumnChange:
    """A profile statistic of a column present in both versions that changed.

    Examples
    --------
    >>> ColumnChange(column="x", statistic="mean", before=1.0, after=1.5).after
    1.5
    """

    column: str
    statistic: str
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict."""
        return attrs.asdict(self)


def _records(value: Any) -> tuple[dict[str, Any], ...]:
    return tuple(dict(item) for item in value)


def _key(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _schema_tuple(value: Iterable[SchemaChange]) -> tuple[SchemaChange, ...]:
    return tuple(value)


def _column_tuple(value: Iterable[ColumnChange]) -> tuple[ColumnChange, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class DataDiff:
    """The difference between data versions ``a`` (before) and ``b`` (after).

    Rows are compared by content (all columns the versions share, index left out) as
    multisets: ``rows_added`` rows of ``b`` have no counterpart in ``a``, ``rows_removed`` rows
    of ``a`` none in ``b``. With a ``key``, a key found among both the removed and the added
    rows counts once in ``rows_changed`` instead. Samples hold at most ``sample_size`` rows as
    JSON records; ``changed_sample`` items are ``{"key", "before", "after"}``.

    Examples
    --------
    >>> d = DataDiff(a="0" * 64, b="1" * 64, n_rows_a=2, n_rows_b=3, rows_added=1,
    ...              rows_removed=0)
    >>> d.changed
    True
    >>> DataDiff.from_dict(d.to_dict()) == d
    True
    """

    a: str
    b: str
    n_rows_a: int
    n_rows_b: int
    rows_added: int
    rows_removed: int
    rows_changed: int | None = None
    key: tuple[str, ...] | None = attrs.field(default=None, converter=_key)
    schema_changes: tuple[SchemaChange, ...] = attrs.field(default=(), converter=_schema_tuple)
    column_changes: tuple[ColumnChange, ...] = attrs.field(default=(), converter=_column_tuple)
    added_sample: tuple[dict[str, Any], ...] = attrs.field(default=(), converter=_records)
    removed_sample: tuple[dict[str, Any], ...] = attrs.field(default=(), converter=_records)
    changed_sample: tuple[dict[str, Any], ...] = attrs.field(default=(), converter=_records)

    @property
    def changed(self) -> bool:
        """Whether anything differs (schema or rows).

        Examples
        --------
        >>> DataDiff(a="0" * 64, b="0" * 64, n_rows_a=1, n_rows_b=1, rows_added=0,
        ...          rows_removed=0).changed
        False
        """
        return bool(
            self.schema_changes or self.rows_added or self.rows_removed or self.rows_changed
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict."""
        return {
            "a": self.a,
            "b": self.b,
            "n_rows_a": self.n_rows_a,
            "n_rows_b": self.n_rows_b,
            "rows_added": self.rows_added,
            "rows_removed": self.rows_removed,
            "rows_changed": self.rows_changed,
            "key": None if self.key is None else list(self.key),
            "schema_changes": [c.to_dict() for c in self.schema_changes],
            "column_changes": [c.to_dict() for c in self.column_changes],
            "added_sample": [dict(r) for r in self.added_sample],
            "removed_sample": [dict(r) for r in self.removed_sample],
            "changed_sample": [dict(r) for r in self.changed_sample],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataDiff:
        """Rebuild from :meth:`to_dict`'s output."""
        fields = dict(data)
        fields["schema_changes"] = [SchemaChange(**c) for c in data.get("schema_changes", ())]
        fields["column_changes"] = [ColumnChange(**c) for c in data.get("column_changes", ())]
        return cls(**fields)

    def __str__(self) -> str:
        lines = [
            f"DataDiff {self.a[:12]} -> {self.b[:12]}: {self.n_rows_a} -> {self.n_rows_b} rows, "
            f"+{self.rows_added} -{self.rows_removed}"
            + ("" if self.rows_changed is None else f" ~{self.rows_changed}")
        ]
        for change in self.schema_changes:
            detail = {"added": change.after, "removed": change.before}.get(
                change.kind, f"{change.before} -> {change.after}"
            )
            lines.append(f"  schema: {change.kind} {change.column!r} ({detail})")
        for stat in self.column_changes:
            lines.append(f"  {stat.column}.{stat.statistic}: {stat.before} -> {stat.after}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in str(self).split("\n"))
        return f"<ul>{items}</ul>"


def _json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    text = frame.to_json(orient="records", date_format="iso", default_handler=str)
    return list(json.loads(text))


def _excess(mine: npt.NDArray[np.uint64], other: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    """Rows of ``mine`` left over after matching equal hashes of ``other`` one to one."""
    if len(mine) == 0:
        return np.zeros(0, dtype=bool)
    series = pd.Series(mine)
    rank = series.groupby(mine).cumcount().to_numpy()
    allowed = series.map(pd.Series(other).value_counts()).fillna(0).to_numpy()
    return np.asarray(rank >= allowed)


def _hash(frame: pd.DataFrame) -> npt.NDArray[np.uint64]:
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.uint64)
    hashes: Any = pd.util.hash_pandas_object(frame, index=False)
    return np.asarray(hashes, dtype=np.uint64)


def _unshared(mine: Sequence[Mapping[str, Any]], other: Sequence[Mapping[str, Any]]) -> list[int]:
    available = Counter(chunk["digest"] for chunk in other)
    out = []
    for i, chunk in enumerate(mine):
        if available[chunk["digest"]]:
            available[chunk["digest"]] -= 1
        else:
            out.append(i)
    return out


def _schema_changes(a: DataVersion, b: DataVersion) -> list[SchemaChange]:
    changes = [
        SchemaChange(column=c.name, kind="removed", before=c.dtype)
        for c in a.schema.columns
        if c.name not in b.schema
    ]
    changes += [
        SchemaChange(column=c.name, kind="added", after=c.dtype)
        for c in b.schema.columns
        if c.name not in a.schema
    ]
    changes += [
        SchemaChange(column=c.name, kind="dtype", before=c.dtype, after=b.schema[c.name].dtype)
        for c in a.schema.columns
        if c.name in b.schema and b.schema[c.name].dtype != c.dtype
    ]
    return changes


def _column_changes(a: DataVersion, b: DataVersion) -> list[ColumnChange]:
    if a.profile is None or b.profile is None:
        return []
    after = {c.name: c for c in b.profile.columns}
    changes = []
    for before in a.profile.columns:
        if before.name not in after:
            continue
        for statistic in STATISTICS:
            x, y = getattr(before, statistic), getattr(after[before.name], statistic)
            if x != y:
                changes.append(
                    ColumnChange(column=before.name, statistic=statistic, before=x, after=y)
                )
    return changes


def compute_diff(
    repo: DataRepository,
    a: DataVersion,
    b: DataVersion,
    *,
    key: str | Sequence[str] | None,
    sample_size: int,
) -> DataDiff:
    """Compute the :class:`DataDiff` of two versions, reading only the chunks they don't share."""
    if not isinstance(sample_size, int) or sample_size < 0:
        raise ValidationError(
            f"The 'sample_size' parameter of diff must be an int >= 0. Got {sample_size!r} instead."
        )
    common = [name for name in a.schema.names if name in b.schema]
    keys = None if key is None else ([key] if isinstance(key, str) else list(key))
    if keys is not None:
        absent = [k for k in keys if k not in common]
        if absent or not keys:
            raise ValidationError(
                f"The key column(s) {absent or keys!r} must be in both versions; shared "
                f"columns: {common!r}."
            )
    ma, mb = repo.manifest(a), repo.manifest(b)
    fa = repo.read_chunks(ma, _unshared(ma["chunks"], mb["chunks"]))
    fb = repo.read_chunks(mb, _unshared(mb["chunks"], ma["chunks"]))
    fa, fb = fa.reset_index(drop=True), fb.reset_index(drop=True)
    if common:
        ha, hb = _hash(fa[common]), _hash(fb[common])
        removed, added = fa[_excess(ha, hb)], fb[_excess(hb, ha)]
    else:  # nothing in common: every row differs
        removed, added = fa, fb
    changed_count = None
    changed_sample: list[dict[str, Any]] = []
    if keys is not None:
        key_removed, key_added = _hash(removed[keys]), _hash(added[keys])
        both = np.intersect1d(key_removed, key_added)
        changed_count = len(both)
        in_removed, in_added = np.isin(key_removed, both), np.isin(key_added, both)
        old, new = removed[in_removed], added[in_added]
        removed, added = removed[~in_removed], added[~in_added]
        if sample_size and len(both):
            new_by_key = new.assign(_k=key_added[in_added]).drop_duplicates("_k").set_index("_k")
            for position, row_key in enumerate(key_removed[in_removed][:sample_size]):
                before_row = old.iloc[[position]]
                after_row = new_by_key.loc[[row_key]].reset_index(drop=True)
                changed_sample.append(
                    {
                        "key": _json_records(before_row[keys])[0],
                        "before": _json_records(before_row)[0],
                        "after": _json_records(after_row)[0],
                    }
                )
    return DataDiff(
        a=a.id,
        b=b.id,
        n_rows_a=a.n_rows,
        n_rows_b=b.n_rows,
        rows_added=len(added),
        rows_removed=len(removed),
        rows_changed=changed_count,
        key=keys,
        schema_changes=_schema_changes(a, b),
        column_changes=_column_changes(a, b),
        added_sample=_json_records(added.head(sample_size)),
        removed_sample=_json_records(removed.head(sample_size)),
        changed_sample=changed_sample,
    )

"""``Schema``: the columns of a frame, their dtypes and nullability, as a value."""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import pandas as pd

from mlops_kit.data._fingerprint import dtype_name
from mlops_kit.exceptions import ValidationError

__all__ = ["ColumnSchema", "Schema"]

SCHEMA_FORMAT = 1


@attrs.frozen(kw_only=True)
class ColumnSchema:
    """One column of a :class:`Schema`.

    Parameters
    ----------
    name
        The column name.
    dtype
        The dtype as pandas prints it (``"int64"``, ``"datetime64[ns, UTC]"``, ``"category"``,
        ``"str"``; string columns are ``"str"`` or ``"string"`` whatever their storage).
    nullable
        Whether the column may hold missing values.

    Examples
    --------
    >>> ColumnSchema(name="amount", dtype="float64", nullable=False).dtype
    'float64'
    """

    name: str
    dtype: str
    nullable: bool

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "dtype": ..., "nullable": ...}``.

        Examples
        --------
        >>> ColumnSchema(name="a", dtype="int64", nullable=True).to_dict()
        {'name': 'a', 'dtype': 'int64', 'nullable': True}
        """
        return {"name": self.name, "dtype": self.dtype, "nullable": self.nullable}


def html_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain HTML table (for ``_repr_html_``), every cell escaped."""
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _columns(value: Iterable[ColumnSchema]) -> tuple[ColumnSchema, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Schema:
    """The columns of a frame in order, each with its dtype and nullability.

    A schema is inferred from a frame (:meth:`infer`), stored with every
    :class:`~mlops_kit.DataVersion`, and checks other frames (:meth:`validate`).

    Parameters
    ----------
    columns
        The columns, in order.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = Schema.infer(pd.DataFrame({"id": [1, 2], "amount": [9.5, None]}))
    >>> [(c.name, c.dtype, c.nullable) for c in schema.columns]
    [('id', 'int64', False), ('amount', 'float64', True)]
    >>> schema.validate(pd.DataFrame({"id": [3], "amount": [1.0]}))
    """

    columns: tuple[ColumnSchema, ...] = attrs.field(converter=_columns)

    @classmethod
    def infer(cls, df: pd.DataFrame) -> Schema:
        """The schema of ``df``: a column is nullable when it holds a missing value.

        Examples
        --------
        >>> import pandas as pd
        >>> Schema.infer(pd.DataFrame({"s": ["a", None]})).columns[0].nullable
        True
        """
        if not isinstance(df, pd.DataFrame):
            raise ValidationError(
                f"Schema.infer takes a pandas DataFrame. Got {type(df).__name__} instead."
            )
        nulls: list[bool] = df.isna().any(axis=0).tolist() if df.shape[1] else []
        return cls(
            columns=tuple(
                ColumnSchema(name=str(name), dtype=dtype_name(dtype), nullable=bool(null))
                for name, dtype, null in zip(df.columns, df.dtypes, nulls)
            )
        )

    from_frame = infer

    @property
    def names(self) -> list[str]:
        """The column names, in order.

        Examples
        --------
        >>> Schema(columns=[ColumnSchema(name="a", dtype="int64", nullable=False)]).names
        ['a']
        """
        return [column.name for column in self.columns]

    def __getitem__(self, name: str) -> ColumnSchema:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(column.name == name for column in self.columns)

    def __iter__(self) -> Iterator[ColumnSchema]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def problems(self, df: pd.DataFrame) -> list[str]:
        """Every way ``df`` departs from the schema, as readable sentences (empty when none).

        Examples
        --------
        >>> import pandas as pd
        >>> schema = Schema.infer(pd.DataFrame({"a": [1]}))
        >>> schema.problems(pd.DataFrame({"a": [1.5], "b": [1]}))
        ["extra column 'b'", "column 'a' has dtype float64, expected int64"]
        """
        actual = {str(name): dtype for name, dtype in zip(df.columns, df.dtypes)}
        found = []
        missing = [c.name for c in self.columns if c.name not in actual]
        extra = [name for name in actual if name not in self]
        found += [f"missing column {name!r}" for name in missing]
        found += [f"extra column {name!r}" for name in extra]
        for column in self.columns:
            if column.name not in actual:
                continue
            dtype = dtype_name(actual[column.name])
            if dtype != column.dtype:
                found.append(f"column {column.name!r} has dtype {dtype}, expected {column.dtype}")
            elif not column.nullable:
                count = int(df[column.name].isna().sum())
                if count:
                    found.append(f"column {column.name!r} is not nullable but has {count} missing")
        return found

    def validate(self, df: pd.DataFrame) -> None:
        """Raise :class:`~mlops_kit.exceptions.ValidationError` naming every departure.

        Missing and extra columns, dtype mismatches, and missing values in a non-nullable
        column are reported together in one message.

        Examples
        --------
        >>> import pandas as pd
        >>> schema = Schema.infer(pd.DataFrame({"a": [1]}))
        >>> try:
        ...     schema.validate(pd.DataFrame({"b": [1]}))
        ... except ValueError as error:
        ...     print(str(error)[:70])
        The frame does not match the schema: missing column 'a'; extra column
        """
        if not isinstance(df, pd.DataFrame):
            raise ValidationError(
                f"Schema.validate takes a pandas DataFrame. Got {type(df).__name__} instead."
            )
        found = self.problems(df)
        if found:
            raise ValidationError(
                "The frame does not match the schema: "
                + "; ".join(found)
                + ". Fix the frame (rename, cast or fill the columns) or infer a new schema."
            )

    def to_dict(self) -> dict[str, Any]:
        """``{"columns": [{"name", "dtype", "nullable"}, ...], "format": 1}``.

        Examples
        --------
        >>> Schema(columns=[ColumnSchema(name="a", dtype="int64", nullable=False)]).to_dict()
        {'columns': [{'name': 'a', 'dtype': 'int64', 'nullable': False}], 'format': 1}
        """
        return {"columns": [c.to_dict() for c in self.columns], "format": SCHEMA_FORMAT}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Rebuild a schema from :meth:`to_dict`'s output.

        Examples
        --------
        >>> schema = Schema(columns=[ColumnSchema(name="a", dtype="int64", nullable=False)])
        >>> Schema.from_dict(schema.to_dict()) == schema
        True
        """
        try:
            return cls(
                columns=tuple(
                    ColumnSchema(
                        name=str(c["name"]), dtype=str(c["dtype"]), nullable=bool(c["nullable"])
                    )
                    for c in data["columns"]
                )
            )
        except (KeyError, TypeError) as error:
            raise ValidationError(
                "A schema dict needs 'columns': a list of {'name', 'dtype', 'nullable'}. "
                f"Got {dict(data)!r} instead."
            ) from error

    def __str__(self) -> str:
        lines = [f"Schema ({len(self.columns)} columns)"]
        lines += [
            f"  {c.name}: {c.dtype}{'' if c.nullable else ' (not null)'}" for c in self.columns
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(
            ("column", "dtype", "nullable"),
            ((c.name, c.dtype, "yes" if c.nullable else "no") for c in self.columns),
        )

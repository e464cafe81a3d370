"""Column-level data checks: schema, missing values, ranges, categories, uniqueness, patterns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality._base import BaseCheck, column_names, number, to_columns
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._json import row_ids
from mlops_kit.quality._result import CheckResult

__all__ = [
    "AllowedValues",
    "InRange",
    "MatchesRegex",
    "MatchesSchema",
    "MaxMissingRate",
    "Unique",
]


def _dtype_name(dtype: Any) -> str:
    """``str(dtype)``, with numpy dtypes by name (``float64`` whatever the byte order) and
    ``category`` for every categorical, as data schemas record them."""
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, np.dtype):
        return dtype.name
    return str(dtype)


def _normalize_schema(schema: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """``(column -> dtype, non-nullable columns)`` from a Schema, a mapping or a DataFrame."""
    if isinstance(schema, pd.DataFrame):
        return {str(c): _dtype_name(t) for c, t in schema.dtypes.items()}, ()
    if hasattr(schema, "to_dict") and not isinstance(schema, Mapping):
        schema = schema.to_dict()
    if isinstance(schema, Mapping) and isinstance(schema.get("columns"), list):
        columns = {str(c["name"]): str(c["dtype"]) for c in schema["columns"]}
        not_null = tuple(str(c["name"]) for c in schema["columns"] if not c.get("nullable", True))
        return columns, not_null
    if isinstance(schema, Mapping) and all(isinstance(v, str) for v in schema.values()):
        return {str(k): v for k, v in schema.items()}, ()
    raise ValidationError(
        "The 'schema' parameter of MatchesSchema must be a data Schema, a mapping of column "
        f"name to dtype string, or a DataFrame to take it from. Got {type(schema).__name__} "
        "instead."
    )


@attrs.define(repr=False)
class MatchesSchema(BaseCheck):
    """The data has exactly these columns with these dtypes (and no missing values where a
    column is not nullable).

    Parameters
    ----------
    schema
        A data ``Schema`` (anything whose ``to_dict()`` gives ``{"columns": [{"name", "dtype",
        "nullable"}, ...]}``), a mapping of column name to dtype string (``str(dtype)``), or a
        DataFrame to take the dtypes from.
    not_null
        Columns that must have no missing value; by default the schema's non-nullable columns.
    allow_extra_columns
        Whether columns not in the schema are accepted.
    check_order
        Whether the columns must come in the schema's order.

    Examples
    --------
    >>> import pandas as pd
    >>> check = MatchesSchema({"id": "int64", "amount": "float64"})
    >>> result = check.evaluate(Evidence(data=pd.DataFrame({"id": [1, 2], "amount": [1, 2]})))
    >>> result.status, result.message
    ('fail', "1 schema problem: column 'amount' has dtype int64, expected float64")
    """

    schema: Any
    not_null: tuple[str, ...] | None = attrs.field(default=None, kw_only=True)
    allow_extra_columns: bool = attrs.field(default=False, kw_only=True)
    check_order: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        columns, not_null = _normalize_schema(self.schema)
        self.schema = columns
        self.not_null = not_null if self.not_null is None else tuple(self.not_null)
        unknown = [c for c in self.not_null if c not in columns]
        if unknown:
            raise ValidationError(
                f"The 'not_null' parameter of MatchesSchema names columns not in the schema: "
                f"{unknown}. Add them to the schema or remove them."
            )
        super().__attrs_post_init__()

    def _default_name(self) -> str:
        return "MatchesSchema"

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        data = self._frame(evidence)
        problems: list[str] = []
        actual = {str(c): _dtype_name(t) for c, t in data.dtypes.items()}
        missing = [c for c in self.schema if c not in actual]
        extra = [c for c in actual if c not in self.schema]
        problems += [f"column {c!r} is missing" for c in missing]
        if not self.allow_extra_columns:
            problems += [f"column {c!r} is not in the schema" for c in extra]
        for column, dtype in self.schema.items():
            if column in actual and actual[column] != dtype:
                problems.append(f"column {column!r} has dtype {actual[column]}, expected {dtype}")
        if self.check_order:
            present = [c for c in actual if c in self.schema]
            if present != [c for c in self.schema if c in actual]:
                problems.append("the columns are not in the schema's order")
        mask = np.zeros(len(data), dtype=bool)
        null_counts: dict[str, int] = {}
        for column in self.not_null or ():
            if column in actual:
                isna = data[column].isna().to_numpy()
                if isna.any():
                    null_counts[column] = int(isna.sum())
                    problems.append(f"column {column!r} has {null_counts[column]} missing values")
                    mask |= isna
        rows, n_failing = row_ids(data.index, mask)
        n = len(problems)
        message = (
            "the data matches the schema"
            if n == 0
            else f"{n} schema problem{'s' * (n != 1)}: " + "; ".join(problems[:5])
        )
        return self._result(
            "pass" if n == 0 else "fail",
            value=n,
            threshold=0,
            message=message,
            counts={"n_rows": len(data), "n_problems": n, "n_failing": n_failing},
            failing_rows=rows,
            details={"problems": problems, "missing_columns": missing, "extra_columns": extra},
        )


def _rate_check_result(
    check: BaseCheck,
    data: pd.DataFrame,
    mask: np.ndarray[Any, Any],
    n_considered: int,
    max_rate: float,
    what: str,
    details: dict[str, Any] | None = None,
) -> CheckResult:
    n_bad = int(mask.sum())
    rate = n_bad / n_considered if n_considered else 0.0
    rows, _ = row_ids(data.index, mask)
    ok = rate <= max_rate
    comparison = "at most" if ok else "above the maximum"
    return check._result(
        "pass" if ok else "fail",
        value=rate,
        threshold=max_rate,
        message=f"{n_bad} of {n_considered} values {what} (rate {rate:.4g}, {comparison} "
        f"{max_rate:.4g})",
        counts={"n_rows": len(data), "n_considered": n_considered, "n_failing": n_bad},
        failing_rows=rows,
        details=details or {},
    )


@attrs.define(repr=False)
class MaxMissingRate(BaseCheck):
    """The share of missing values in a column (each of several columns) is at most
    ``max_rate``.

    Parameters
    ----------
    column
        A column name or a list of them; each is checked, the worst rate is the value.
    max_rate
        The largest accepted share of missing values, in [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"amount": [1.0, None, 3.0, 4.0]})
    >>> MaxMissingRate("amount", 0.1).evaluate(Evidence(data=data)).value
    0.25
    """

    column: str | tuple[str, ...] = attrs.field(converter=to_columns, validator=column_names)
    max_rate: float = attrs.field(validator=number(low=0, high=1))

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        columns = self.column if isinstance(self.column, tuple) else (self.column,)
        data = self._frame(evidence)
        series = [self._column(evidence, c) for c in columns]
        n = len(data)
        rates = {}
        worst_mask = np.zeros(n, dtype=bool)
        worst = -1.0
        for column, s in zip(columns, series):
            isna = s.isna().to_numpy()
            rates[column] = float(isna.mean()) if n else 0.0
            if rates[column] > worst:
                worst, worst_mask = rates[column], isna
        return _rate_check_result(
            self, data, worst_mask, n, self.max_rate, "are missing", {"rates": rates}
        )


@attrs.define(repr=False)
class InRange(BaseCheck):
    """Non-missing values of a numeric column lie within ``[min, max]``.

    Parameters
    ----------
    column
        The column.
    min, max
        The bounds; ``None`` leaves that side open.
    inclusive
        Whether values equal to a bound are inside.
    max_violation_rate
        The share of non-missing values allowed outside (default 0).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"amount": [5.0, -1.0, None, 80.0]}, index=["a", "b", "c", "d"])
    >>> result = InRange("amount", 0, 50).evaluate(Evidence(data=data))
    >>> result.status, result.failing_rows, result.counts["n_considered"]
    ('fail', ('b', 'd'), 3)
    """

    column: str = attrs.field(validator=column_names)
    min: float | None = attrs.field(default=None, validator=number(optional=True))
    max: float | None = attrs.field(default=None, validator=number(optional=True))
    inclusive: bool = attrs.field(default=True, kw_only=True)
    max_violation_rate: float = attrs.field(
        default=0.0, kw_only=True, validator=number(low=0, high=1)
    )

    def __attrs_post_init__(self) -> None:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValidationError(
                f"The 'min' parameter of InRange must not exceed 'max'. Got min={self.min!r}, "
                f"max={self.max!r} instead."
            )
        super().__attrs_post_init__()

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        s = self._column(evidence, self.column)
        if not (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)):
            raise ValidationError(
                f"InRange needs a numeric column; column {self.column!r} has dtype {s.dtype}. "
                "Use AllowedValues for categories."
            )
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.zeros(len(values), dtype=bool)
        if self.min is not None:
            bad |= values < self.min if self.inclusive else values <= self.min
        if self.max is not None:
            bad |= values > self.max if self.inclusive else values >= self.max
        n_considered = int(np.count_nonzero(~np.isnan(values)))
        return _rate_check_result(
            self,
            self._frame(evidence),
            bad,
            n_considered,
            self.max_violation_rate,
            f"are outside [{self.min}, {self.max}]",
            {"min": self.min, "max": self.max},
        )


@attrs.define(repr=False)
class AllowedValues(BaseCheck):
    """Non-missing values of a column are among ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"country": ["FR", "DE", "XX", None]})
    >>> result = AllowedValues("country", ["FR", "DE"]).evaluate(Evidence(data=data))
    >>> result.status, result.details["unexpected"]
    ('fail', {'XX': 1})
    """

    column: str = attrs.field(validator=column_names)
    values: tuple[Any, ...] = attrs.field(converter=tuple)
    max_violation_rate: float = attrs.field(
        default=0.0, kw_only=True, validator=number(low=0, high=1)
    )

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        s = self._column(evidence, self.column)
        present = s.notna().to_numpy()
        bad = present & ~s.isin(list(self.values)).to_numpy()
        unexpected = s[bad].value_counts().head(10)
        return _rate_check_result(
            self,
            self._frame(evidence),
            bad,
            int(present.sum()),
            self.max_violation_rate,
            "are not allowed",
            {"unexpected": {str(k): int(v) for k, v in unexpected.items()}},
        )


@attrs.define(repr=False)
class Unique(BaseCheck):
    """No two rows share a value of ``column`` (or a combination of several columns); rows with
    a missing value are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"id": [1, 2, 2, None]})
    >>> result = Unique("id").evaluate(Evidence(data=data))
    >>> result.status, result.failing_rows
    ('fail', (1, 2))
    """

    column: str | tuple[str, ...] = attrs.field(converter=to_columns, validator=column_names)

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        columns = self.column if isinstance(self.column, tuple) else (self.column,)
        for c in columns:
            self._column(evidence, c)
        data = self._frame(evidence)
        if len(columns) == 1:
            s = data[columns[0]]
            present = s.notna().to_numpy()
            dup = s.duplicated(keep=False).to_numpy() & present
        else:
            sub = data[list(columns)]
            present = sub.notna().all(axis=1).to_numpy()
            dup = sub.duplicated(keep=False).to_numpy() & present
        n_dup = int(dup.sum())
        rows, _ = row_ids(data.index, dup)
        return self._result(
            "pass" if n_dup == 0 else "fail",
            value=n_dup,
            threshold=0,
            message=f"{n_dup} rows share a value of {', '.join(columns)} with another row",
            counts={"n_rows": len(data), "n_considered": int(present.sum()), "n_failing": n_dup},
            failing_rows=rows,
        )


def _pattern(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    try:
        re.compile(value)
    except (re.error, TypeError) as error:
        raise ValidationError(
            f"The 'pattern' parameter of MatchesRegex must be a valid regular expression. "
            f"Got {value!r} instead ({error})."
        ) from None


@attrs.define(repr=False)
class MatchesRegex(BaseCheck):
    """Non-missing values of a column (as strings) fully match ``pattern``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"zip": ["75001", "7500A", None]})
    >>> MatchesRegex("zip", r"\\d{5}").evaluate(Evidence(data=data)).failing_rows
    (1,)
    """

    column: str = attrs.field(validator=column_names)
    pattern: str = attrs.field(validator=_pattern)
    max_violation_rate: float = attrs.field(
        default=0.0, kw_only=True, validator=number(low=0, high=1)
    )

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        s = self._column(evidence, self.column)
        present = s.notna().to_numpy()
        matched = np.zeros(len(s), dtype=bool)
        values = s[present].astype(str)
        matched[present] = values.str.fullmatch(self.pattern).to_numpy(dtype=bool)
        bad = present & ~matched
        return _rate_check_result(
            self,
            self._frame(evidence),
            bad,
            int(present.sum()),
            self.max_violation_rate,
            f"do not match {self.pattern!r}",
        )

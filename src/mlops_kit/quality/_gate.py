"""The quality gate: run checks on evidence, never stop on a broken one."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import pandas as pd

from mlops_kit.exceptions import ValidationError
from mlops_kit.protocols import Check
from mlops_kit.quality._data_checks import (
    AllowedValues,
    InRange,
    MatchesSchema,
    MaxMissingRate,
    Unique,
)
from mlops_kit.quality._dataset_checks import RowCount
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._result import (
    DEFAULT_FAIL_ON,
    SEVERITIES,
    CheckResult,
    GateResult,
    _fail_on,
)

__all__ = ["QualityGate"]


def _checks(value: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            "The 'checks' parameter of QualityGate must be a list of checks. "
            f"Got {type(value).__name__} instead."
        )
    checks = tuple(value)
    for check in checks:
        if not isinstance(check, Check):
            raise ValidationError(
                "Every item of the 'checks' parameter of QualityGate must be a check (an object "
                f"with name, severity and evaluate). Got {check!r} instead."
            )
        if check.severity not in SEVERITIES:
            raise ValidationError(
                f"Check {check.name!r} has severity {check.severity!r}; it must be one of "
                f"{list(SEVERITIES)}."
            )
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValidationError(
            f"The checks of a QualityGate need distinct names; {duplicates} appear more than "
            "once. Pass name= to tell them apart."
        )
    return checks


def _round_out(value: float, step: float, up: bool) -> float:
    rounded = (math.ceil if up else math.floor)(round(value / step, 9)) * step
    return float(f"{rounded:.12g}")


@attrs.define(repr=False)
class QualityGate:
    """Checks run together on one piece of evidence.

    Every check runs, in order, even when an earlier one fails or raises: a check that raises
    is reported as ``error`` with the exception. The gate passes when no check of severity
    ``"fail"`` has a status in ``fail_on``.

    Parameters
    ----------
    checks
        The checks (built-in from :mod:`mlops_kit.quality.checks`, or any object with
        ``name``, ``severity`` and ``evaluate``). Names must be distinct.
    name
        The gate's name in reports.
    fail_on
        The statuses of fail-severity checks that fail the gate: ``("fail", "error")`` by
        default; add ``"insufficient_data"`` to demand enough data for every check, or use
        ``("fail",)`` to let broken checks through.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlops_kit.quality import checks
    >>> gate = QualityGate([checks.MaxMissingRate("amount", 0.1),
    ...                     checks.InRange("amount", 0, 100, severity="warn")], name="nightly")
    >>> result = gate.evaluate(pd.DataFrame({"amount": [1.0, 2.0, 300.0]}))
    >>> result.passed, [r.status for r in result.warnings]
    (True, ['warn'])
    """

    checks: tuple[Any, ...] = attrs.field(converter=_checks)
    name: str = attrs.field(default="quality_gate", kw_only=True)
    fail_on: tuple[str, ...] = attrs.field(
        default=DEFAULT_FAIL_ON, kw_only=True, converter=_fail_on
    )

    def __iter__(self) -> Iterator[Any]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def evaluate(
        self, evidence: Evidence | pd.DataFrame | None = None, /, **parts: Any
    ) -> GateResult:
        """Run every check on the evidence and collect the results.

        Parameters
        ----------
        evidence
            An :class:`Evidence`, or a DataFrame (taken as ``Evidence(data=...)``); or pass the
            parts of an Evidence as keywords: ``gate.evaluate(data=df, reference=ref)``.

        Examples
        --------
        >>> import pandas as pd
        >>> from mlops_kit.quality import checks
        >>> gate = QualityGate([checks.RowCount(min_ratio=0.5)])
        >>> data, reference = pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [1, 2]})
        >>> gate.evaluate(data=data, reference=reference).passed
        True
        """
        if evidence is None:
            evidence = Evidence(**parts)
        elif parts:
            raise ValidationError(
                "QualityGate.evaluate takes an Evidence or keyword parts of one, not both."
            )
        elif isinstance(evidence, pd.DataFrame):
            evidence = Evidence(data=evidence)
        elif not isinstance(evidence, Evidence):
            raise ValidationError(
                "QualityGate.evaluate takes an Evidence (or a DataFrame). Got "
                f"{type(evidence).__name__} instead."
            )
        started = dt.datetime.now(dt.timezone.utc)
        t0 = time.perf_counter()
        results = [self._run(check, evidence) for check in self.checks]
        return GateResult(
            name=self.name,
            results=tuple(results),
            fail_on=self.fail_on,
            created_at=started,
            duration=time.perf_counter() - t0,
        )

    @staticmethod
    def _run(check: Any, evidence: Evidence) -> CheckResult:
        t0 = time.perf_counter()
        kind = type(check).__name__
        try:
            result = check.evaluate(evidence)
            if not isinstance(result, CheckResult):
                raise TypeError(
                    f"{kind}.evaluate returned {type(result).__name__}, not a CheckResult"
                )
        except Exception as error:  # a broken check never stops the gate
            result = CheckResult(
                name=check.name,
                status="error",
                severity=check.severity,
                check=kind,
                message=f"the check raised {type(error).__name__}: {error}",
                exception=f"{type(error).__name__}: {error}",
            )
        status = result.status
        if status == "fail" and check.severity == "warn":
            status = "warn"
        return attrs.evolve(
            result,
            name=check.name,
            severity=check.severity,
            status=status,
            check=result.check or kind,
            duration=time.perf_counter() - t0,
        )

    @classmethod
    def from_reference(
        cls,
        reference: pd.DataFrame,
        *,
        tolerance: float = 0.1,
        max_categories: int = 20,
        name: str = "from_reference",
        fail_on: Iterable[str] = DEFAULT_FAIL_ON,
    ) -> QualityGate:
        """Derive data checks from a trusted dataset; print the gate to read or edit it.

        The gate holds: the schema (dtypes); per column, a maximum missing rate (the observed
        rate, plus ``tolerance`` of it, plus four binomial standard errors); per identifier (an
        integer or string column whose values are all distinct, more than ``max_categories`` of
        them) a uniqueness check; per other numeric column a range widened by ``tolerance`` of
        the observed range on each side (rounded outwards); per string, categorical or boolean
        column with at most ``max_categories`` values, the allowed values; and a row-count band
        of ``± tolerance`` around the reference's row count. It passes on the reference and on
        fresh samples of the same process.

        Examples
        --------
        >>> import pandas as pd
        >>> ref = pd.DataFrame({"id": [1, 2, 3, 4], "amount": [10.0, 20.0, None, 40.0],
        ...                     "country": ["FR", "DE", "FR", "FR"]})
        >>> gate = QualityGate.from_reference(ref, max_categories=2)
        >>> print(gate)  # doctest: +NORMALIZE_WHITESPACE
        QualityGate([
            checks.MatchesSchema({'id': 'int64', 'amount': 'float64', 'country': 'str'}),
            checks.MaxMissingRate('id', 0.0),
            checks.Unique('id'),
            checks.MaxMissingRate('amount', 1.0),
            checks.InRange('amount', min=7.0, max=43.0),
            checks.MaxMissingRate('country', 0.0),
            checks.AllowedValues('country', ['DE', 'FR']),
            checks.RowCount(min=3, max=5),
        ], name='from_reference')
        >>> gate.evaluate(ref).passed
        True
        """
        if not isinstance(reference, pd.DataFrame):
            raise ValidationError(
                "QualityGate.from_reference takes a DataFrame. Got "
                f"{type(reference).__name__} instead."
            )
        if not isinstance(tolerance, int | float) or not 0 <= tolerance <= 1:
            raise ValidationError(
                "The 'tolerance' parameter of QualityGate.from_reference must be a float in "
                f"[0, 1]. Got {tolerance!r} instead."
            )
        n = len(reference)
        checks: list[Any] = [MatchesSchema(reference)]
        for column in reference.columns:
            s = reference[column]
            col = str(column)
            p = float(s.isna().mean()) if n else 0.0
            slack = tolerance * p + 4 * math.sqrt(p * (1 - p) / max(n, 1))
            checks.append(MaxMissingRate(col, min(1.0, _round_out(p + slack, 1e-4, up=True))))
            values = s.dropna()
            is_bool = pd.api.types.is_bool_dtype(s.dtype)
            keyish = not is_bool and (
                pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
            )
            if keyish and len(values) > max_categories and values.is_unique:
                checks.append(Unique(col))  # an identifier: unique, and no range or categories
            elif pd.api.types.is_numeric_dtype(s.dtype) and not is_bool and len(values):
                lo, hi = float(values.min()), float(values.max())
                margin = tolerance * (hi - lo) or tolerance * max(abs(lo), abs(hi), 1.0)
                step = 10.0 ** math.floor(math.log10(margin)) if margin > 0 else 1.0
                low, high = (
                    _round_out(lo - margin, step, False),
                    _round_out(hi + margin, step, True),
                )
                checks.append(InRange(col, low, high))
            elif (
                is_bool
                or pd.api.types.is_string_dtype(s.dtype)
                or isinstance(s.dtype, pd.CategoricalDtype)
            ) and 0 < values.nunique() <= max_categories:
                checks.append(AllowedValues(col, sorted(values.unique().tolist(), key=str)))
        checks.append(
            RowCount(min=math.floor(n * (1 - tolerance)), max=math.ceil(n * (1 + tolerance)))
        )
        return cls(checks, name=name, fail_on=tuple(fail_on))

    def __repr__(self) -> str:
        lines = ["QualityGate(["]
        for check in self.checks:
            text = repr(check)
            module = type(check).__module__
            if module.startswith("mlops_kit.quality"):
                text = "checks." + text
            lines.append(f"    {text},")
        extra = f"], name={self.name!r}"
        if self.fail_on != DEFAULT_FAIL_ON:
            extra += f", fail_on={list(self.fail_on)!r}"
        lines.append(extra + ")")
        return "\n".join(lines)

    __str__ = __repr__

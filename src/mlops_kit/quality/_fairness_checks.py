"""Fairness checks with a minimum group size: a group too small gives ``insufficient_data``."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.quality import fairness
from mlops_kit.quality._base import (
    BaseCheck,
    MissingInputError,
    column_names,
    integer,
    number,
    one_of,
    to_columns,
)
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._result import CheckResult

__all__ = [
    "MaxDemographicParityDifference",
    "MaxEqualOpportunityDifference",
    "MaxEqualizedOddsDifference",
    "MinDisparateImpactRatio",
]

_RATES = {
    "dp": ("selection_rate",),
    "eo": ("true_positive_rate",),
    "eodds": ("true_positive_rate", "false_positive_rate"),
}


class _FairnessCheck(BaseCheck):
    column: str | tuple[str, ...]
    method: str
    min_group_size: int
    ignore_small_groups: bool
    _kind = "dp"
    _ratio = False

    def _needs(self) -> dict[str, int]:
        return {"n": self.min_group_size}

    def _features(self, evidence: Evidence) -> pd.DataFrame:
        columns = self.column if isinstance(self.column, tuple) else (self.column,)
        out = {}
        for c in columns:
            for part in ("sensitive", "data"):
                frame = getattr(evidence, part)
                if frame is not None and c in frame.columns:
                    out[c] = frame[c].to_numpy()
                    break
            else:
                raise MissingInputError(
                    f"missing input: sensitive column {c!r} is in neither Evidence.sensitive "
                    "nor Evidence.data"
                )
        return pd.DataFrame(out)

    def _evaluate(self, evidence: Evidence) -> CheckResult:
        self._need(evidence, "y_pred")
        if self._kind != "dp":
            self._need(evidence, "y_true")
        table = fairness.rates_by_group(
            evidence.y_true if self._kind != "dp" else None,
            evidence.y_pred,
            sensitive_features=self._features(evidence),
            sample_weight=evidence.sample_weight,
        )
        overall = table.attrs["overall"]
        needs = self._needs()
        small = np.zeros(len(table), dtype=bool)
        for col, minimum in needs.items():
            small |= table[col].to_numpy() < minimum
        groups = [
            {
                "group": str(g),
                "n": int(row["n"]),
                "n_positive": int(row["n_positive"]),
                "n_negative": int(row["n_negative"]),
                **{r: row[r] for r in _RATES[self._kind]},
            }
            for g, row in table.iterrows()
        ]
        small_groups = [g for g, s in zip(groups, small) if s]
        need_text = ", ".join(f"{k} >= {v}" for k, v in needs.items())
        counts = {"n_rows": int(table["n"].sum()), "n_groups": len(table)}
        details: dict[str, Any] = {
            "groups": groups,
            "small_groups": small_groups,
            "overall": {r: overall[r] for r in _RATES[self._kind]},
        }
        if small.any() and not self.ignore_small_groups:
            names = ", ".join(g["group"] for g in small_groups[:10])
            return self._result(
                "insufficient_data",
                message=f"{len(small_groups)} group(s) below the minimum ({need_text}): {names}",
                counts=counts,
                details=details,
            )
        kept = table[~small]
        if len(kept) < 2:
            return self._result(
                "insufficient_data",
                message=f"fewer than two groups meet the minimum ({need_text})",
                counts=counts,
                details=details,
            )
        values = []
        for rate in _RATES[self._kind]:
            series, total = kept[rate], overall[rate]
            if self._ratio:
                values.append(fairness._ratio(series, total, self.method, rate))
            else:
                values.append(fairness._difference(series, total, self.method))
        value = self._combine(values)
        return self._decide(value, counts, details)

    def _combine(self, values: list[float]) -> float:
        return values[0]

    def _decide(self, value: float, counts: dict[str, int], details: dict[str, Any]) -> CheckResult:
        raise NotImplementedError  # pragma: no cover


def _difference_result(
    check: _FairnessCheck, what: str, value: float, limit: float, counts: Any, details: Any
) -> CheckResult:
    ok = value <= limit
    return check._result(
        "pass" if ok else "fail",
        value=value,
        threshold=limit,
        message=f"{what} {value:.4g} ({check.method}), {'at most' if ok else 'above'} {limit:.4g}",
        counts=counts,
        details=details,
    )


def _method() -> Any:
    return attrs.field(
        default="between_groups", kw_only=True, validator=one_of("between_groups", "to_overall")
    )


@attrs.define(repr=False)
class MaxDemographicParityDifference(_FairnessCheck):
    """The selection rates of the groups of ``column`` (several columns: their intersections)
    differ by at most ``max_difference``.

    Groups come from ``Evidence.sensitive`` (else ``Evidence.data``); rates are weighted by
    ``Evidence.sample_weight``. A group with fewer than ``min_group_size`` rows gives
    ``insufficient_data`` (or is left out with ``ignore_small_groups=True``).

    Examples
    --------
    >>> e = Evidence(y_pred=[1, 1, 0, 0, 1, 0, 0, 0], sensitive={"sex": list("ffffmmmm")})
    >>> r = MaxDemographicParityDifference("sex", 0.1, min_group_size=4).evaluate(e)
    >>> r.status, r.value
    ('fail', 0.25)
    >>> MaxDemographicParityDifference("sex", 0.1).evaluate(e).status
    'insufficient_data'
    """

    column: str | tuple[str, ...] = attrs.field(converter=to_columns, validator=column_names)
    max_difference: float = attrs.field(validator=number(low=0, high=1))
    method: str = _method()
    min_group_size: int = attrs.field(default=30, kw_only=True, validator=integer(low=1))
    ignore_small_groups: bool = attrs.field(default=False, kw_only=True)

    def _decide(self, value: float, counts: Any, details: Any) -> CheckResult:
        return _difference_result(
            self, "demographic parity difference", value, self.max_difference, counts, details
        )


@attrs.define(repr=False)
class MinDisparateImpactRatio(_FairnessCheck):
    """The smallest group selection rate is at least ``min_ratio`` of the largest (the
    four-fifths rule with the default 0.8).

    Examples
    --------
    >>> e = Evidence(y_pred=[1, 1, 1, 0, 1, 0, 0, 0], sensitive={"sex": list("ffffmmmm")})
    >>> r = MinDisparateImpactRatio("sex", min_group_size=4).evaluate(e)
    >>> r.status, round(r.value, 4)
    ('fail', 0.3333)
    """

    column: str | tuple[str, ...] = attrs.field(converter=to_columns, validator=column_names)
    min_ratio: float = attrs.field(default=0.8, validator=number(low=0, high=1))
    method: str = _method()
    min_group_size: int = attrs.field(default=30, kw_only=True, validator=integer(low=1))
    ignore_small_groups: bool = attrs.field(default=False, kw_only=True)
    _ratio = True

    def _decide(self, value: float, counts: Any, details: Any) -> CheckResult:
        ok = value >= self.min_ratio
        return self._result(
            "pass" if ok else "fail",
            value=value,
            threshold=self.min_ratio,
            message=f"disparate impact ratio {value:.4g} ({self.method}), "
            f"{'at least' if ok else 'below'} {self.min_ratio:.4g}",
            counts=counts,
            details=details,
        )


@attrs.define(repr=False)
class MaxEqualOpportunityDifference(_FairnessCheck):
    """The true positive rates of the groups differ by at most ``max_difference``; every group
    needs ``min_group_size`` rows and ``min_positives`` positive labels.

    Examples
    --------
    >>> e = Evidence(y_true=[1, 1, 0, 0, 1, 1, 0, 0], y_pred=[1, 1, 0, 0, 1, 0, 0, 0],
    ...              sensitive={"sex": list("ffffmmmm")})
    >>> MaxEqualOpportunityDifference("sex", 0.2, min_group_size=4, min_positives=2
    ...                               ).evaluate(e).value
    0.5
    """

    column: str | tuple[str, ...] = attrs.field(converter=to_columns, validator=column_names)
    max_difference: float = attrs.field(validator=number(low=0, high=1))
    method: str = _method()
    min_group_size: int = attrs.field(default=30, kw_only=True, validator=integer(low=1))
    min_positives: int = attrs.field(default=10, kw_only=True, validator=integer(low=1))
    ignore_small_groups: bool = attrs.field(default=False, kw_only=True)
    _kind = "eo"

    def _needs(self) -> dict[str, int]:
        return {"n": self.min_group_size, "n_positive": self.min_positives}

    def _decide(self, value: float, counts: Any, details: Any) -> CheckResult:
        return _difference_result(
            self, "equal opportunity difference", value, self.max_difference, counts, details
        )


@attrs.define(repr=False)
class MaxEqualizedOddsDifference(_FairnessCheck):
    """The larger (``agg="worst_case"``) or mean of the true and false positive rate
    differences between groups is at most ``max_difference``; every group needs
    ``min_group_size`` rows, ``min_positives`` positive and ``min_negatives`` negative labels.

    Examples
    --------
    >>> e = Evidence(y_true=[1, 1, 0, 0, 1, 1, 0, 0], y_pred=[1, 1, 0, 0, 1, 0, 1, 0],
    ...              sensitive={"sex": list("ffffmmmm")})
    >>> MaxEqualizedOddsDifference("sex", 0.2, min_group_size=4, min_positives=2,
    ...                            min_negatives=2).evaluate(e).value
    0.5
    """

    column: str | tuple[str, ...] = attrs.field(converter=to_columns, validator=column_names)
    max_difference: float = attrs.field(validator=number(low=0, high=1))
    method: str = _method()
    agg: str = attrs.field(
        default="worst_case", kw_only=True, validator=one_of("worst_case", "mean")
    )
    min_group_size: int = attrs.field(default=30, kw_only=True, validator=integer(low=1))
    min_positives: int = attrs.field(default=10, kw_only=True, validator=integer(low=1))
    min_negatives: int = attrs.field(default=10, kw_only=True, validator=integer(low=1))
    ignore_small_groups: bool = attrs.field(default=False, kw_only=True)
    _kind = "eodds"

    def _needs(self) -> dict[str, int]:
        return {
            "n": self.min_group_size,
            "n_positive": self.min_positives,
            "n_negative": self.min_negatives,
        }

    def _combine(self, values: list[float]) -> float:
        return max(values) if self.agg == "worst_case" else sum(values) / len(values)

    def _decide(self, value: float, counts: Any, details: Any) -> CheckResult:
        return _difference_result(
            self, "equalized odds difference", value, self.max_difference, counts, details
        )

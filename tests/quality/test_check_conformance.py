"""Every built-in check passes the public conformance suite; broken checks are caught."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mlops_kit.quality import CheckResult, Evidence, checks
from mlops_kit.testing import FixedDriftDetector, check_check

BUILT_IN = [
    checks.MatchesSchema({"amount": "float64"}, allow_extra_columns=True),
    checks.MaxMissingRate("amount", 0.1),
    checks.InRange("amount", 0, 10_000),
    checks.AllowedValues("country", ["DE", "FR"], severity="warn"),
    checks.Unique("quantity"),
    checks.MatchesRegex("country", "[A-Z]{2}"),
    checks.RowCount(min=10, max_ratio=2.0),
    checks.Freshness(dt.timedelta(days=1), column="at", now=dt.datetime(2026, 1, 18)),
    checks.NoDuplicateRows(),
    checks.MaxOutlierRate("amount", 0.05),
    checks.NoDrift(FixedDriftDetector(drift_at=[]).fit(None)),
    checks.MetricAtLeast("roc_auc", 0.6),
    checks.MetricAtMost("log_loss", 0.7),
    checks.NoRegression("roc_auc", max_drop=0.05),
    checks.NoRegression("accuracy", max_drop=0.05),
    checks.NoRegression("f1", max_drop=0.05, n_resamples=200),
    checks.SliceMetric("accuracy", "country", threshold=0.5),
    checks.StableMetric("roc_auc", max_ci_width=0.2, max_spread=0.2, n_resamples=200),
    checks.Calibration(max_brier=0.3, max_ece=0.2),
    checks.MaxDemographicParityDifference("sex", 0.2),
    checks.MinDisparateImpactRatio("sex"),
    checks.MaxEqualOpportunityDifference("sex", 0.2),
    checks.MaxEqualizedOddsDifference(["sex", "country"], 0.3),
]


@pytest.mark.parametrize("check", BUILT_IN, ids=[c.name + f"-{i}" for i, c in enumerate(BUILT_IN)])
def test_builtin_checks_conform(check: Any) -> None:
    check_check(check)


def test_latency_budget_conforms() -> None:
    check_check(checks.LatencyBudget(max_p95_ms=1000.0, sample_size=5), deterministic=False)


class _Custom:
    def __init__(self, **overrides: Any) -> None:
        self.name = overrides.pop("name", "custom")
        self.severity = overrides.pop("severity", "fail")
        self.overrides = overrides
        self.calls = 0

    def evaluate(self, evidence: Evidence) -> Any:
        self.calls += 1
        if "result" in self.overrides:
            return self.overrides["result"]
        if self.overrides.get("mutate") and evidence.data is not None:
            evidence.data["amount"] = 0.0
        status = self.overrides.get("status", "pass" if evidence.data is not None else "error")
        value = self.calls if self.overrides.get("flaky") else 1.0
        return CheckResult(
            name=self.overrides.get("result_name", self.name),
            status=status,
            severity=self.severity,
            value=value,
        )


@pytest.mark.parametrize(
    "check,what",
    [
        (object(), "protocol"),
        (_Custom(name=""), "name"),
        (_Custom(severity="high"), "severity"),
        (_Custom(result=42), "result type"),
        (_Custom(result_name="other"), "result identity"),
        (_Custom(severity="warn", status="fail"), "warn severity"),
        (_Custom(mutate=True), "no mutation"),
        (_Custom(flaky=True), "determinism"),
        (_Custom(status="pass"), "empty evidence"),
    ],
    ids=["protocol", "name", "severity", "type", "identity", "warn", "mutation", "flaky", "empty"],
)
def test_conformance_catches_broken_checks(check: Any, what: str) -> None:
    with pytest.raises(AssertionError, match=f"fails '{what}'"):
        check_check(check)


def test_a_well_behaved_custom_check_conforms() -> None:
    check_check(_Custom())

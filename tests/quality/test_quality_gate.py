"""QualityGate: every check runs, broken checks are errors, from_reference, printable gates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_kit.exceptions import ValidationError
from mlops_kit.protocols import Check
from mlops_kit.quality import CheckResult, Evidence, GateResult, QualityGate, checks


class Boom:
    name = "boom"
    severity = "fail"

    def evaluate(self, evidence: Evidence) -> CheckResult:
        raise RuntimeError("disk on fire")


class Custom:
    """A user's check, not built on BaseCheck."""

    def __init__(self, status: str, severity: str = "fail", name: str = "custom") -> None:
        self.status, self.severity, self.name = status, severity, name

    def evaluate(self, evidence: Evidence) -> Any:
        return CheckResult(name="whatever", status=self.status, message="custom says so")


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.DataFrame({"amount": [1.0, 2.0, 300.0], "id": [1, 2, 3]})


def test_a_raising_check_is_an_error_and_never_stops_the_gate(data: pd.DataFrame) -> None:
    gate = QualityGate([Boom(), checks.InRange("amount", 0, 1000)], name="g")
    r = gate.evaluate(data)
    assert [x.status for x in r.results] == ["error", "pass"]
    assert r.results[0].exception == "RuntimeError: disk on fire"
    assert r.results[0].check == "Boom"
    assert not r.passed


def test_fail_on_decides_errors_and_insufficient_data(data: pd.DataFrame) -> None:
    gate_checks = [Boom(), Custom("insufficient_data", name="thin")]
    assert not QualityGate(gate_checks).evaluate(data).passed
    assert QualityGate(gate_checks, fail_on=["fail"]).evaluate(data).passed
    strict = QualityGate([Custom("insufficient_data")], fail_on=("fail", "insufficient_data"))
    assert not strict.evaluate(data).passed
    assert QualityGate([Custom("insufficient_data")]).evaluate(data).passed


def test_results_take_the_checks_name_and_severity(data: pd.DataFrame) -> None:
    r = QualityGate([Custom("fail", severity="warn")]).evaluate(data)
    only = r.results[0]
    assert (only.name, only.status, only.severity, only.check) == (
        "custom",
        "warn",
        "warn",
        "Custom",
    )
    assert r.passed
    assert r.warnings == (only,)
    assert only.duration >= 0
    assert 0 < only.duration <= r.duration  # measured by the gate, within the gate's time


def test_a_check_returning_garbage_is_an_error(data: pd.DataFrame) -> None:
    class Garbage:
        name, severity = "garbage", "fail"

        def evaluate(self, evidence: Evidence) -> Any:
            return True

    r = QualityGate([Garbage()]).evaluate(data)
    assert r.results[0].status == "error"
    assert "not a CheckResult" in r.results[0].message


def test_results_keep_the_gates_order(data: pd.DataFrame) -> None:
    gate = QualityGate(
        [checks.RowCount(min=1), checks.MaxMissingRate("amount", 0.0), checks.Unique("id")],
        name="ordered",
    )
    r = gate.evaluate(Evidence(data=data))
    assert [x.name for x in r.results] == ["RowCount", "MaxMissingRate(amount)", "Unique(id)"]
    assert r.name == "ordered"
    assert isinstance(r, GateResult)
    assert len(gate) == 3
    assert list(gate) == list(gate.checks)


def test_evaluate_forms(data: pd.DataFrame) -> None:
    gate = QualityGate([checks.RowCount(min_ratio=1.0)])
    assert gate.evaluate(data=data, reference=data).passed
    with pytest.raises(ValidationError, match="not both"):
        gate.evaluate(Evidence(data=data), reference=data)
    with pytest.raises(ValidationError, match="takes an Evidence"):
        gate.evaluate([1, 2])  # type: ignore[arg-type]


def test_gate_validation() -> None:
    with pytest.raises(ValidationError, match="distinct names"):
        QualityGate([checks.Unique("id"), checks.Unique("id")])
    assert len(QualityGate([checks.Unique("id"), checks.Unique("id", name="id again")])) == 2
    with pytest.raises(ValidationError, match="must be a check"):
        QualityGate([object()])
    with pytest.raises(ValidationError, match="list of checks"):
        QualityGate("checks")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="severity 'fatal'"):
        QualityGate([Custom("pass", severity="fatal")])
    with pytest.raises(ValidationError, match="'fail_on' parameter"):
        QualityGate([], fail_on=["warn"])


def test_builtin_checks_satisfy_the_protocol() -> None:
    built = [
        checks.InRange("a", 0, 1),
        checks.NoRegression("roc_auc"),
        checks.MaxEqualizedOddsDifference("g", 0.1),
        checks.Calibration(max_ece=0.1),
    ]
    assert all(isinstance(c, Check) for c in built)
    with pytest.raises(ValidationError, match="'name' parameter"):
        checks.InRange("a", 0, 1, name=3)  # type: ignore[arg-type]


def _all_checks() -> QualityGate:
    return QualityGate(
        [
            checks.MatchesSchema({"amount": "float64"}, allow_extra_columns=True),
            checks.MaxMissingRate(["amount", "id"], 0.01),
            checks.InRange("amount", 0, 50_000.5, severity="warn"),
            checks.AllowedValues("country", ["DE", "FR"]),
            checks.Unique("id"),
            checks.MatchesRegex("zip", r"\d{5}", max_violation_rate=0.1),
            checks.RowCount(min=10, max_ratio=1.5),
            checks.Freshness(dt.timedelta(days=1), column="at"),
            checks.NoDuplicateRows(["id", "zip"]),
            checks.MaxOutlierRate("amount", 0.05, method="zscore"),
            checks.MetricAtLeast("roc_auc", 0.85),
            checks.MetricAtMost("log_loss", 0.5),
            checks.NoRegression("roc_auc", max_drop=0.01),
            checks.SliceMetric("accuracy", "country", threshold=0.7),
            checks.StableMetric("roc_auc", max_ci_width=0.05, window="7D"),
            checks.Calibration(max_ece=0.05),
            checks.LatencyBudget(max_p95_ms=50.0),
            checks.MaxDemographicParityDifference("gender", 0.1),
            checks.MinDisparateImpactRatio(["gender", "age"]),
            checks.MaxEqualOpportunityDifference("gender", 0.1, min_positives=5),
            checks.MaxEqualizedOddsDifference("gender", 0.1, agg="mean"),
        ],
        name="everything",
        fail_on=["fail"],
    )


def test_repr_is_python_that_rebuilds_the_gate() -> None:
    gate = _all_checks()
    text = repr(gate)
    assert "checks.InRange('amount', min=0, max=50000.5, severity='warn')" in text
    assert "checks.StableMetric('roc_auc', max_ci_width=0.05, window='7D')" in text
    rebuilt = eval(text, {"checks": checks, "QualityGate": QualityGate, "datetime": dt})
    assert rebuilt == gate
    assert str(rebuilt) == text


def _reference(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "order_id": np.arange(n) + 1_000_000 * seed,
            "amount": rng.uniform(0, 500, n).round(2),
            "quantity": rng.integers(1, 10, n),
            "score": np.where(rng.random(n) < 0.05, np.nan, rng.beta(2, 5, n)),
            "country": rng.choice(["DE", "FR", "IT", "ES"], n),
            "code": [f"C{i:06d}" for i in rng.permutation(n) + seed * n],
            "flag": rng.random(n) < 0.3,
        }
    )


class TestFromReference:
    def test_derives_a_readable_gate(self) -> None:
        gate = QualityGate.from_reference(_reference(2000, 0))
        text = str(gate)
        assert "checks.AllowedValues('country', ['DE', 'ES', 'FR', 'IT'])" in text
        assert "checks.AllowedValues('flag', [False, True])" in text
        assert "checks.Unique('order_id')" in text
        assert "checks.Unique('code')" in text
        assert "checks.RowCount(min=1800, max=2200)" in text
        assert "checks.InRange('amount', min=-50.0, max=550.0)" in text
        assert "Unique('amount')" not in text  # continuous floats are not keys
        rebuilt = eval(text, {"checks": checks, "QualityGate": QualityGate})
        assert rebuilt == gate

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_passes_on_the_reference_and_fresh_samples(self, seed: int) -> None:
        reference = _reference(2000, 0)
        gate = QualityGate.from_reference(reference)
        assert gate.evaluate(reference).passed
        fresh = _reference(2000, seed)
        result = gate.evaluate(fresh)
        assert result.passed, str(result)
        subsample = reference.sample(frac=0.95, random_state=seed)
        assert gate.evaluate(subsample).passed

    def test_catches_broken_data(self) -> None:
        reference = _reference(1000, 0)
        gate = QualityGate.from_reference(reference)
        broken = reference.copy()
        broken.loc[:50, "amount"] = np.nan
        broken.loc[60, "amount"] = 10_000.0
        broken.loc[70, "country"] = "XX"
        broken.loc[80, "order_id"] = broken.loc[81, "order_id"]
        result = gate.evaluate(broken)
        failed = {r.name for r in result.failures}
        assert failed == {
            "MaxMissingRate(amount)",
            "InRange(amount)",
            "AllowedValues(country)",
            "Unique(order_id)",
        }
        wrong_type = reference.assign(quantity=reference["quantity"].astype(float))
        assert [r.name for r in gate.evaluate(wrong_type).failures] == ["MatchesSchema"]
        assert not gate.evaluate(reference.iloc[:500]).passed

    def test_constant_and_empty_columns(self) -> None:
        ref = pd.DataFrame({"c": [5.0] * 10, "e": [np.nan] * 10, "z": [0] * 10})
        gate = QualityGate.from_reference(ref, tolerance=0.1)
        assert gate.evaluate(ref).passed
        assert "checks.InRange('c', min=4.5, max=5.5)" in str(gate)
        assert "checks.InRange('z', min=-0.1, max=0.1)" in str(gate)

    def test_validation(self) -> None:
        with pytest.raises(ValidationError, match="'tolerance' parameter"):
            QualityGate.from_reference(pd.DataFrame({"a": [1]}), tolerance=2)
        with pytest.raises(ValidationError, match="takes a DataFrame"):
            QualityGate.from_reference([1, 2])  # type: ignore[arg-type]


def test_evidence_validation() -> None:
    with pytest.raises(ValidationError, match="y_true=3, y_pred=2"):
        Evidence(y_true=[0, 1, 1], y_pred=[0, 1])
    with pytest.raises(ValidationError, match="data=2, y_true=3"):
        Evidence(data=pd.DataFrame({"a": [1, 2]}), y_true=[0, 1, 1])
    with pytest.raises(ValidationError, match="'baseline' parameter of Evidence"):
        Evidence(baseline={"y_score": [0.1]})  # type: ignore[arg-type]


def test_evidence_conversions() -> None:
    e = Evidence(
        data={"a": [1, 2]},
        y_score=np.array([[0.3, 0.7], [0.9, 0.1]]),
        sensitive=pd.Series(["f", "m"]),
        timestamps=["2026-01-01", "2026-01-02"],
        metrics={"auc": np.float64(0.9)},
        baseline=Evidence(metrics={"auc": 0.8}),
    )
    assert isinstance(e.data, pd.DataFrame)
    assert e.y_score.tolist() == [0.7, 0.1]
    assert list(e.sensitive.columns) == ["sensitive"]
    assert e.timestamps.dt.tz is not None
    assert e.metrics == {"auc": 0.9}
    assert e.n_rows == 2
    assert Evidence(y_pred=[1, 0, 1]).n_rows == 3
    assert Evidence().n_rows is None
    assert repr(e).startswith("Evidence(data=<DataFrame (2, 1)>, y_score=<ndarray (2,)>")
    assert "baseline=Evidence(...)" in repr(e)
    assert list(Evidence(sensitive=np.array(["a", "b"])).sensitive.columns) == ["sensitive"]
    assert Evidence(sensitive=np.array([["a", 1], ["b", 2]])).sensitive.shape == (2, 2)
    assert Evidence(data=pd.Series([1, 2], name="s")).data.columns.tolist() == ["s"]

"""Data checks against hand-computed counts and pandas."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality import Evidence, checks


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "amount": [10.0, -5.0, np.nan, 120.0, 50.0, 60.0],
            "country": ["FR", "DE", "FR", None, "XX", "FR"],
            "zip": ["75001", "1000", "75002", "75003", None, "7500A"],
        },
        index=[f"r{i}" for i in range(6)],
    )


def ev(data: pd.DataFrame, **kw: Any) -> Evidence:
    return Evidence(data=data, **kw)


class TestMatchesSchema:
    def test_pass_and_dtype_problem(self, df: pd.DataFrame) -> None:
        schema = {c: str(t) for c, t in df.dtypes.items()}
        assert checks.MatchesSchema(schema).evaluate(ev(df)).status == "pass"
        r = checks.MatchesSchema({**schema, "id": "float64"}).evaluate(ev(df))
        assert r.status == "fail"
        assert r.value == 1
        assert r.details["problems"] == ["column 'id' has dtype int64, expected float64"]

    def test_missing_extra_order(self, df: pd.DataFrame) -> None:
        schema = {"amount": "float64", "id": "int64", "other": "str"}
        r = checks.MatchesSchema(schema, check_order=True).evaluate(ev(df))
        assert r.details["missing_columns"] == ["other"]
        assert r.details["extra_columns"] == ["country", "zip"]
        assert "the columns are not in the schema's order" in r.details["problems"]
        r = checks.MatchesSchema(schema, allow_extra_columns=True).evaluate(ev(df))
        assert r.value == 1

    def test_from_a_schema_object_with_nullability(self, df: pd.DataFrame) -> None:
        class Schema:
            def to_dict(self) -> dict[str, Any]:
                return {
                    "columns": [
                        {"name": "id", "dtype": "int64", "nullable": False},
                        {"name": "amount", "dtype": "float64", "nullable": False},
                        {"name": "country", "dtype": "str", "nullable": True},
                        {"name": "zip", "dtype": "str", "nullable": True},
                    ]
                }

        check = checks.MatchesSchema(Schema())
        assert check.not_null == ("id", "amount")
        r = check.evaluate(ev(df))
        assert r.status == "fail"
        assert r.failing_rows == ("r2",)
        assert "column 'amount' has 1 missing values" in r.message

    def test_from_a_frame(self, df: pd.DataFrame) -> None:
        assert checks.MatchesSchema(df).schema["amount"] == "float64"

    def test_bad_schema(self) -> None:
        with pytest.raises(ValidationError, match="'schema' parameter of MatchesSchema"):
            checks.MatchesSchema(42)
        with pytest.raises(ValidationError, match="not_null"):
            checks.MatchesSchema({"a": "int64"}, not_null=["b"])


def test_max_missing_rate(df: pd.DataFrame) -> None:
    r = checks.MaxMissingRate("amount", 0.1).evaluate(ev(df))
    assert r.status == "fail"
    assert r.value == pytest.approx(1 / 6)
    assert r.failing_rows == ("r2",)
    multi = checks.MaxMissingRate(["amount", "id", "zip"], 0.2).evaluate(ev(df))
    assert multi.status == "pass"
    assert multi.details["rates"] == {
        "amount": pytest.approx(1 / 6),
        "id": 0.0,
        "zip": pytest.approx(1 / 6),
    }
    assert multi.name == "MaxMissingRate(amount,id,zip)"


class TestInRange:
    def test_ignores_missing(self, df: pd.DataFrame) -> None:
        r = checks.InRange("amount", 0, 100).evaluate(ev(df))
        assert r.counts == {"n_rows": 6, "n_considered": 5, "n_failing": 2}
        assert r.failing_rows == ("r1", "r3")
        assert r.value == pytest.approx(2 / 5)

    def test_rate_tolerance_and_exclusive(self, df: pd.DataFrame) -> None:
        assert checks.InRange("amount", 0, 100, max_violation_rate=0.4).evaluate(ev(df)).passed
        r = checks.InRange("amount", 10, 120, inclusive=False).evaluate(ev(df))
        assert r.failing_rows == ("r0", "r1", "r3")
        assert checks.InRange("amount", max=100).evaluate(ev(df)).failing_rows == ("r3",)

    def test_non_numeric_column_is_an_error(self, df: pd.DataFrame) -> None:
        with pytest.raises(ValidationError, match="numeric column"):
            checks.InRange("country", 0, 1).evaluate(ev(df))

    def test_validation(self) -> None:
        with pytest.raises(ValidationError, match="'min' parameter of InRange must not exceed"):
            checks.InRange("a", 5, 1)
        with pytest.raises(ValidationError, match="'max_violation_rate' parameter of InRange"):
            checks.InRange("a", 0, 1, max_violation_rate=2)
        with pytest.raises(ValidationError, match="'min' parameter"):
            checks.InRange("a", "zero", 1)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="'severity' parameter"):
            checks.InRange("a", 0, 1, severity="fatal")


def test_allowed_values(df: pd.DataFrame) -> None:
    r = checks.AllowedValues("country", ["FR", "DE"]).evaluate(ev(df))
    assert r.failing_rows == ("r4",)
    assert r.counts["n_considered"] == 5
    assert r.details["unexpected"] == {"XX": 1}


def test_unique(df: pd.DataFrame) -> None:
    assert checks.Unique("id").evaluate(ev(df)).passed
    r = checks.Unique("country").evaluate(ev(df))
    assert r.failing_rows == ("r0", "r2", "r5")
    assert r.value == 3
    pair = pd.DataFrame({"a": [1, 1, 1, None], "b": ["x", "x", "y", "x"]})
    r = checks.Unique(["a", "b"]).evaluate(ev(pair))
    assert r.failing_rows == (0, 1)
    assert r.counts["n_considered"] == 3


def test_matches_regex(df: pd.DataFrame) -> None:
    r = checks.MatchesRegex("zip", r"\d{5}").evaluate(ev(df))
    assert r.failing_rows == ("r1", "r5")
    assert r.counts["n_considered"] == 5
    with pytest.raises(ValidationError, match="valid regular expression"):
        checks.MatchesRegex("zip", "(")


class TestRowCount:
    def test_absolute(self, df: pd.DataFrame) -> None:
        assert checks.RowCount(min=6, max=6).evaluate(ev(df)).passed
        r = checks.RowCount(max=5).evaluate(ev(df))
        assert r.status == "fail"
        assert r.threshold == 5
        assert r.message == "6 rows; expected at most 5"

    def test_relative(self, df: pd.DataFrame) -> None:
        check = checks.RowCount(min_ratio=0.9, max_ratio=1.1)
        assert check.evaluate(ev(df, reference=pd.concat([df, df]))).status == "fail"
        assert check.evaluate(ev(df, reference=df)).passed
        r = check.evaluate(ev(df))
        assert r.status == "error"
        assert "reference" in r.message

    def test_needs_a_bound(self) -> None:
        with pytest.raises(ValidationError, match="at least one bound"):
            checks.RowCount()


class TestFreshness:
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)

    def test_column(self) -> None:
        data = pd.DataFrame({"at": pd.to_datetime(["2026-02-28 12:00", "2026-03-01 06:00"])})
        r = checks.Freshness(dt.timedelta(hours=3), column="at", now=self.now).evaluate(ev(data))
        assert r.status == "fail"
        assert r.value == 6 * 3600
        assert r.threshold == 3 * 3600

    def test_evidence_timestamps_aware(self) -> None:
        times = pd.to_datetime(["2026-03-01T13:00+02:00"])  # 11:00 UTC
        r = checks.Freshness(dt.timedelta(hours=2), now=self.now).evaluate(
            Evidence(timestamps=times)
        )
        assert r.passed
        assert r.value == 3600

    def test_no_timestamps(self) -> None:
        data = pd.DataFrame({"at": pd.to_datetime([None, None])})
        r = checks.Freshness(dt.timedelta(hours=2), column="at").evaluate(ev(data))
        assert r.status == "insufficient_data"
        assert checks.Freshness(dt.timedelta(hours=2)).evaluate(ev(data)).status == "error"

    def test_default_now(self) -> None:
        recent = pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=5)
        assert (
            checks.Freshness(dt.timedelta(hours=1)).evaluate(Evidence(timestamps=[recent])).passed
        )

    def test_validation(self) -> None:
        with pytest.raises(ValidationError, match=r"positive datetime\.timedelta"):
            checks.Freshness(3600)  # type: ignore[arg-type]


def test_no_duplicate_rows() -> None:
    data = pd.DataFrame({"a": [1, 1, 2, 1], "b": ["x", "x", "y", "z"]})
    r = checks.NoDuplicateRows().evaluate(ev(data))
    assert r.failing_rows == (1,)
    assert r.value == 0.25
    r = checks.NoDuplicateRows(["a"], max_rate=0.4).evaluate(ev(data))
    assert r.status == "fail"
    assert r.failing_rows == (1, 3)
    assert r.name == "NoDuplicateRows(a)"


class TestMaxOutlierRate:
    def test_iqr_by_hand(self) -> None:
        data = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100, np.nan]})
        r = checks.MaxOutlierRate("x", 0.05).evaluate(ev(data))
        q1, q3 = np.quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], [0.25, 0.75])
        assert r.details["low"] == pytest.approx(q1 - 1.5 * (q3 - q1))
        assert r.details["bounds_from"] == "data"
        assert r.failing_rows == (9,)

    def test_zscore_from_reference(self) -> None:
        ref = pd.DataFrame({"x": np.linspace(-1, 1, 101)})
        data = pd.DataFrame({"x": [0.0, 0.5, 3.0]})
        r = checks.MaxOutlierRate("x", 0.1, method="zscore", factor=2).evaluate(
            ev(data, reference=ref)
        )
        std = ref["x"].std(ddof=0)
        assert r.details["high"] == pytest.approx(2 * std)
        assert r.details["bounds_from"] == "reference"
        assert r.failing_rows == (2,)

    def test_insufficient_and_errors(self) -> None:
        r = checks.MaxOutlierRate("x", 0.1).evaluate(ev(pd.DataFrame({"x": [1.0]})))
        assert r.status == "insufficient_data"
        with pytest.raises(ValidationError, match="numeric column"):
            checks.MaxOutlierRate("x", 0.1).evaluate(ev(pd.DataFrame({"x": ["a", "b"]})))


class FakeDetector:
    def __init__(self, drifted_columns: list[str], n_columns: int = 4) -> None:
        self.drifted_columns = drifted_columns
        self.n_columns = n_columns
        self.seen: pd.DataFrame | None = None

    def fit(self, reference: Any) -> FakeDetector:
        return self

    def detect(self, current: pd.DataFrame) -> Any:
        self.seen = current
        cols = {
            f"c{i}": SimpleNamespace(
                drifted=f"c{i}" in self.drifted_columns, statistic=0.5, p_value=0.001, method="ks"
            )
            for i in range(self.n_columns)
        }
        share = len(self.drifted_columns) / self.n_columns
        return SimpleNamespace(drifted=share >= 0.5, drift_share=share, columns=cols)


class TestNoDrift:
    def test_fake_detector(self, df: pd.DataFrame) -> None:
        r = checks.NoDrift(FakeDetector(["c1", "c2"])).evaluate(ev(df))
        assert r.status == "fail"
        assert r.value == 0.5
        assert set(r.details["drifted_columns"]) == {"c1", "c2"}
        assert r.details["drifted_columns"]["c1"]["p_value"] == 0.001
        assert checks.NoDrift(FakeDetector(["c1"])).evaluate(ev(df)).passed
        strict = checks.NoDrift(FakeDetector(["c1"]), max_drift_share=0.2)
        assert strict.evaluate(ev(df)).status == "fail"

    def test_columns_subset(self, df: pd.DataFrame) -> None:
        det = FakeDetector([])
        checks.NoDrift(det, columns=["amount"]).evaluate(ev(df))
        assert det.seen is not None
        assert list(det.seen.columns) == ["amount"]

    def test_not_a_detector(self) -> None:
        with pytest.raises(ValidationError, match="'detector' parameter of NoDrift"):
            checks.NoDrift(object())

    def test_report_without_fields(self, df: pd.DataFrame) -> None:
        class Bad:
            def detect(self, current: Any) -> Any:
                return SimpleNamespace(drifted=True)

        r = checks.NoDrift(Bad()).evaluate(ev(df))
        assert r.status == "error"
        assert "drift_share" in r.message

    def test_real_tabular_detector(self) -> None:
        drift = pytest.importorskip("mlops_kit.drift")
        rng = np.random.default_rng(0)
        ref = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
        same = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
        moved = pd.DataFrame({"a": rng.normal(2, 1, 500), "b": rng.normal(2, 1, 500)})
        detector = drift.TabularDriftDetector().fit(ref)
        assert checks.NoDrift(detector).evaluate(ev(same)).passed
        r = checks.NoDrift(detector).evaluate(ev(moved))
        assert r.status == "fail"
        assert set(r.details["drifted_columns"]) == {"a", "b"}

    def test_testing_fixed_detector(self, df: pd.DataFrame) -> None:
        from mlops_kit.testing import FixedDriftDetector

        det = FixedDriftDetector(drift_at=[1], columns=["amount", "id"]).fit(df)
        gate_check = checks.NoDrift(det)
        first, second = gate_check.evaluate(ev(df)), gate_check.evaluate(ev(df))
        assert first.passed
        assert first.counts["n_drifted"] == 0
        assert second.status == "fail"
        assert set(second.details["drifted_columns"]) == {
            "amount",
            "id",
        }
        unfitted = checks.NoDrift(FixedDriftDetector())
        from mlops_kit.quality import QualityGate

        result = QualityGate([unfitted]).evaluate(df)
        assert result.results[0].status == "error"
        assert "NotFittedError" in (result.results[0].exception or "")


def test_missing_column_is_an_error_naming_it(df: pd.DataFrame) -> None:
    r = checks.InRange("nope", 0, 1).evaluate(ev(df))
    assert r.status == "error"
    assert "column 'nope' is not in Evidence.data" in r.message
    r = checks.InRange("amount", 0, 1).evaluate(Evidence())
    assert r.status == "error"
    assert r.message == "missing input: Evidence(data=...) is needed"


def test_evaluate_needs_evidence(df: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="wrap it"):
        checks.InRange("amount", 0, 1).evaluate(df)  # type: ignore[arg-type]


def test_warn_severity_turns_fail_into_warn(df: pd.DataFrame) -> None:
    r = checks.InRange("amount", 0, 100, severity="warn").evaluate(ev(df))
    assert r.status == "warn"
    assert r.severity == "warn"


def test_failing_rows_are_bounded() -> None:
    data = pd.DataFrame({"x": np.arange(1000.0)})
    r = checks.InRange("x", max=10).evaluate(ev(data))
    assert len(r.failing_rows) == 20
    assert r.counts["n_failing"] == 989


def test_matches_schema_takes_the_data_packages_schema() -> None:
    data_pkg = pytest.importorskip("mlops_kit.data")
    frame = pd.DataFrame(
        {
            "s": pd.Series(["a", None], dtype="str"),
            "c": pd.Categorical(["x", "y"]),
            "t": pd.to_datetime(["2026-01-01", "2026-01-02"], utc=True),
            "i": pd.array([1, None], dtype="Int64"),
            "f": np.array([1.0, 2.0], dtype=">f8"),
        }
    )
    schema = data_pkg.Schema.infer(frame)
    check = checks.MatchesSchema(schema)
    assert check.evaluate(ev(frame)).passed
    assert check.not_null == ("c", "t", "f")
    changed = frame.assign(c=frame["c"].astype(str), f=[1.0, None])
    r = check.evaluate(ev(changed))
    assert r.details["problems"] == [
        "column 'c' has dtype str, expected category",
        "column 'f' has 1 missing values",
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=0, max_size=60),
    st.floats(-1e3, 1e3),
    st.floats(0, 1e3),
)
def test_in_range_and_missing_rate_agree_with_pandas(
    values: list[float | None], low: float, width: float
) -> None:
    s = pd.Series(values, dtype="float64")
    data = pd.DataFrame({"x": s})
    r = checks.InRange("x", low, low + width).evaluate(ev(data))
    outside = (s < low) | (s > low + width)
    assert r.counts["n_failing"] == int(outside.sum())
    assert r.counts["n_considered"] == int(s.notna().sum())
    assert r.passed is (not outside.any())
    m = checks.MaxMissingRate("x", 0.5).evaluate(ev(data))
    assert m.value == pytest.approx(float(s.isna().mean()) if len(s) else 0.0)

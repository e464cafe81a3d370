"""CheckResult and GateResult: values, JSON round trips, gate verdict rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import GateFailedError, NotFoundError, ValidationError
from mlops_kit.quality import CheckResult, GateResult

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), finite, st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)

results = st.builds(
    CheckResult,
    name=st.text(min_size=1, max_size=20),
    status=st.sampled_from(["pass", "warn", "fail", "error", "insufficient_data"]),
    severity=st.sampled_from(["fail", "warn"]),
    check=st.text(max_size=10),
    value=st.one_of(st.none(), finite, st.integers(-1000, 1000)),
    threshold=st.one_of(st.none(), finite),
    message=st.text(max_size=40),
    counts=st.dictionaries(st.text(max_size=5), st.integers(0, 10**9), max_size=3),
    confidence_interval=st.one_of(st.none(), st.tuples(finite, finite)),
    failing_rows=st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=5),
    details=st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    exception=st.one_of(st.none(), st.text(max_size=10)),
    duration=st.floats(0, 10),
)


@settings(max_examples=60, deadline=None)
@given(results)
def test_check_result_round_trips_through_json(result: CheckResult) -> None:
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert CheckResult.from_dict(json.loads(text)) == result


@settings(max_examples=30, deadline=None)
@given(
    st.lists(results, max_size=5),
    st.sampled_from([("fail",), ("fail", "error"), ("fail", "error", "insufficient_data")]),
)
def test_gate_result_round_trips_and_verdict(
    rs: list[CheckResult], fail_on: tuple[str, ...]
) -> None:
    gate = GateResult(name="g", results=rs, fail_on=fail_on)
    back = GateResult.from_dict(json.loads(gate.to_json()))
    assert back == gate
    assert back.passed == gate.passed
    expected_fail = [r for r in rs if r.severity == "fail" and r.status in fail_on]
    assert list(gate.failures) == expected_fail
    assert gate.passed is (not expected_fail)
    assert set(map(id, gate.failures)).isdisjoint(map(id, gate.warnings))
    assert len(gate.failures) + len(gate.warnings) == sum(r.status != "pass" for r in rs)


def test_non_finite_values_become_none() -> None:
    r = CheckResult(
        name="x",
        status="pass",
        value=float("nan"),
        threshold=float("inf"),
        confidence_interval=(float("-inf"), 1.0),
        details={"a": float("nan")},
    )
    assert r.value is None
    assert r.threshold is None
    assert r.confidence_interval == (None, 1.0)
    assert r.details == {"a": None}
    json.dumps(r.to_dict(), allow_nan=False)


def test_numpy_values_are_plain() -> None:
    import numpy as np

    r = CheckResult(
        name="x",
        status="pass",
        value=np.int64(3),
        threshold=np.float32(0.5),
        counts={"n": np.int64(4)},
        failing_rows=[np.int64(1), np.str_("a")],
    )
    assert type(r.value) is int
    assert r.failing_rows == (1, "a")
    assert r.counts == {"n": 4}


@pytest.mark.parametrize("field,value", [("status", "ok"), ("severity", "error")])
def test_check_result_validation(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        CheckResult(name="x", **{"status": "pass", field: value})  # type: ignore[arg-type]


def _gate() -> GateResult:
    return GateResult(
        name="promotion",
        results=[
            CheckResult(name="auc", status="pass"),
            CheckResult(name="drift", status="fail", message="3 columns drifted"),
            CheckResult(name="schema", status="error", exception="KeyError: 'x'"),
            CheckResult(name="fair", status="insufficient_data"),
            CheckResult(name="latency", status="warn", severity="warn"),
            CheckResult(name="broken-warn", status="error", severity="warn"),
        ],
        created_at=dt.datetime(2026, 1, 2, 3, 4, 5),
    )


def test_default_fail_on() -> None:
    g = _gate()
    assert [r.name for r in g.failures] == ["drift", "schema"]
    assert [r.name for r in g.warnings] == ["fair", "latency", "broken-warn"]
    assert g.exit_code == 1
    assert g["auc"].passed
    assert g.created_at.tzinfo is dt.timezone.utc
    with pytest.raises(NotFoundError, match="No check named 'nope'"):
        g["nope"]


def test_raise_if_failed() -> None:
    g = _gate()
    with pytest.raises(GateFailedError, match=r"'promotion' failed: 2 checks failed") as info:
        g.raise_if_failed()
    assert info.value.result is g
    ok = GateResult(name="g", results=[CheckResult(name="a", status="pass")])
    assert ok.raise_if_failed() is ok
    assert ok.exit_code == 0


def test_fail_on_validation_and_order() -> None:
    g = GateResult(name="g", results=[], fail_on=["insufficient_data", "fail"])
    assert g.fail_on == ("fail", "insufficient_data")
    assert GateResult(name="g", results=[], fail_on="fail").fail_on == ("fail",)
    for bad in (["error"], ["fail", "warn"]):
        with pytest.raises(ValidationError, match="'fail_on' parameter of QualityGate"):
            GateResult(name="g", results=[], fail_on=bad)


def test_str() -> None:
    text = str(_gate())
    assert text.splitlines()[0] == (
        "Quality gate 'promotion': FAILED (1 passed, 2 failing, 3 warnings)"
    )
    assert "FAIL              drift: 3 columns drifted" in text
    assert str(CheckResult(name="a", status="pass")) == "PASS              a"


def test_from_dict_refuses_other_schema_versions() -> None:
    data = _gate().to_dict()
    data["schema_version"] = 99
    with pytest.raises(ValidationError, match="schema version 99"):
        GateResult.from_dict(data)


def test_to_dict_names_the_library_version() -> None:
    import mlops_kit

    data = _gate().to_dict()
    assert data["mlops_kit_version"] == mlops_kit.__version__
    assert data["passed"] is False

"""Fairness metrics equal Fairlearn 0.15 on worked vectors; checks refuse to guess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality import Evidence, checks, fairness

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "fairlearn_vectors.json").read_text(encoding="utf-8")
)
CALLS = [
    pytest.param(
        case,
        call,
        id=f"{case['name']}-{call['function']}-"
        + "-".join(str(v) for v in call["kwargs"].values()),
    )
    for case in VECTORS["cases"]
    for call in case["results"]
]


def _sensitive(case: dict[str, Any]) -> Any:
    s = case["sensitive"]
    return pd.DataFrame(s) if len(s) > 1 else next(iter(s.values()))


@pytest.mark.parametrize("case,call", CALLS)
def test_equals_fairlearn(case: dict[str, Any], call: dict[str, Any]) -> None:
    fn = getattr(fairness, call["function"])
    got = fn(
        case["y_true"],
        case["y_pred"],
        sensitive_features=_sensitive(case),
        sample_weight=case["sample_weight"],
        **call["kwargs"],
    )
    assert got == pytest.approx(call["expected"], rel=1e-12, abs=1e-12)


def test_vectors_cover_the_api() -> None:
    functions = {c["function"] for case in VECTORS["cases"] for c in case["results"]}
    assert len(functions) == 6
    assert len(CALLS) >= 5 * 16
    assert any(len(case["sensitive"]) == 2 for case in VECTORS["cases"])
    assert any(case["sample_weight"] for case in VECTORS["cases"])


def test_intersections_from_a_list_of_arrays() -> None:
    case = next(c for c in VECTORS["cases"] if c["name"] == "intersection")
    as_frame = fairness.demographic_parity_difference(
        case["y_true"], case["y_pred"], sensitive_features=pd.DataFrame(case["sensitive"])
    )
    as_dict = fairness.demographic_parity_difference(
        case["y_true"], case["y_pred"], sensitive_features=case["sensitive"]
    )
    as_rows = fairness.demographic_parity_difference(
        case["y_true"],
        case["y_pred"],
        sensitive_features=np.array([case["sensitive"]["sex"], case["sensitive"]["age"]]).T,
    )
    as_columns = fairness.demographic_parity_difference(
        case["y_true"],
        case["y_pred"],
        sensitive_features=[case["sensitive"]["sex"], case["sensitive"]["age"]],
    )
    assert as_frame == as_dict == as_rows == as_columns


def test_group_without_positives_raises_where_fairlearn_reports_zero() -> None:
    d = VECTORS["degenerate_no_positives"]
    assert d["true_positive_rate_by_group"]["b"] == 0.0  # Fairlearn's silent 0
    with pytest.raises(ValidationError, match=r"undefined for group\(s\) \['b'\]"):
        fairness.equal_opportunity_difference(
            d["y_true"], d["y_pred"], sensitive_features=d["sensitive"]
        )
    table = fairness.rates_by_group(d["y_true"], d["y_pred"], sensitive_features=d["sensitive"])
    assert np.isnan(table.loc["b", "true_positive_rate"])
    assert table.loc["b", "n_positive"] == 0


def test_rates_by_group_by_hand() -> None:
    t = fairness.rates_by_group(
        [1, 0, 1, 0, 1],
        [1, 1, 0, 0, 1],
        sensitive_features=["a", "a", "a", "b", "b"],
        sample_weight=[1, 1, 2, 1, 1],
    )
    assert t.loc["a", "selection_rate"] == pytest.approx(2 / 4)  # weights 1+1 of 1+1+2
    assert t.loc["a", "true_positive_rate"] == pytest.approx(1 / 3)
    assert t.loc["a", "false_positive_rate"] == 1.0
    assert t.loc["b", "selection_rate"] == 0.5
    assert t.attrs["overall"]["selection_rate"] == 0.5


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: fairness.demographic_parity_ratio(None, [0, 0], sensitive_features=[0, 1]), "0/0"),
        (
            lambda: fairness.demographic_parity_ratio(
                None, [0, 0], sensitive_features=[0, 1], method="to_overall"
            ),
            "undefined",
        ),
        (
            lambda: fairness.demographic_parity_difference(
                None, [0, 1], sensitive_features=[0, 1], method="nope"
            ),
            "method",
        ),
        (
            lambda: fairness.demographic_parity_ratio(
                None, [0, 1], sensitive_features=[0, 1], method="nope"
            ),
            "method",
        ),
        (
            lambda: fairness.equalized_odds_difference(
                [0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=[0, 0, 1, 1], agg="max"
            ),
            "agg",
        ),
        (
            lambda: fairness.demographic_parity_difference(None, [0, 2], sensitive_features=[0, 1]),
            "binary",
        ),
        (
            lambda: fairness.demographic_parity_difference(None, [0, 1], sensitive_features=[0]),
            "one value per row|rows",
        ),
        (
            lambda: fairness.demographic_parity_difference(
                None, [0, 1], sensitive_features=[0, None]
            ),
            "missing",
        ),
        (
            lambda: fairness.demographic_parity_difference(
                [0, 1, 1], [0, 1], sensitive_features=[0, 1]
            ),
            "rows",
        ),
        (
            lambda: fairness.demographic_parity_difference(
                None, [0, 1], sensitive_features=[0, 1], sample_weight=[1, -1]
            ),
            "sample_weight",
        ),
        (
            lambda: fairness.demographic_parity_difference(
                None, [[0, 1]], sensitive_features=[0, 1]
            ),
            "one-dimensional",
        ),
        (
            lambda: fairness.demographic_parity_difference(
                None, [0, 1], sensitive_features=np.zeros((3, 3))
            ),
            "one value per row",
        ),
    ],
    ids=[
        "ratio-zero",
        "to-overall-zero",
        "bad-method-diff",
        "bad-method-ratio",
        "bad-agg",
        "not-binary",
        "short-features",
        "missing-group",
        "length",
        "negative-weight",
        "2d-pred",
        "bad-shape",
    ],
)
def test_bad_input(call: Any, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        call()


def test_single_rates() -> None:
    assert fairness.selection_rate([0, 1], [1, 1], sample_weight=[1, 3]) == 1.0
    assert fairness.true_positive_rate([1, 1, 0], [1, 0, 1]) == 0.5
    assert fairness.false_positive_rate([1, 0, 0], [1, 0, 1]) == 0.5


def _evidence(n_per_group: int = 100, gap: float = 0.3, seed: int = 0) -> Evidence:
    rng = np.random.default_rng(seed)
    g = np.repeat(["f", "m"], n_per_group)
    y = rng.integers(0, 2, 2 * n_per_group)
    rate = np.where(g == "m", 0.5 + gap / 2, 0.5 - gap / 2)
    pred = (rng.random(2 * n_per_group) < rate).astype(int)
    return Evidence(y_true=y, y_pred=pred, data=pd.DataFrame({"sex": g, "x": y}))


@pytest.mark.parametrize(
    "check_factory,fn",
    [
        (
            lambda: checks.MaxDemographicParityDifference("sex", 0.1),
            fairness.demographic_parity_difference,
        ),
        (
            lambda: checks.MaxEqualOpportunityDifference("sex", 0.1),
            fairness.equal_opportunity_difference,
        ),
        (lambda: checks.MaxEqualizedOddsDifference("sex", 0.1), fairness.equalized_odds_difference),
    ],
    ids=["demographic-parity", "equal-opportunity", "equalized-odds"],
)
def test_checks_match_functions(check_factory: Any, fn: Any) -> None:
    e = _evidence()
    r = check_factory().evaluate(e)
    expected = fn(e.y_true, e.y_pred, sensitive_features=e.data["sex"])
    assert r.value == pytest.approx(expected)
    assert r.status == ("fail" if expected > 0.1 else "pass")
    assert {g["group"] for g in r.details["groups"]} == {"f", "m"}


def test_disparate_impact_four_fifths() -> None:
    e = _evidence(gap=0.3)
    r = checks.MinDisparateImpactRatio("sex").evaluate(e)
    assert r.value == pytest.approx(
        fairness.demographic_parity_ratio(None, e.y_pred, sensitive_features=e.data["sex"])
    )
    assert r.threshold == 0.8
    assert r.status == "fail"
    fair = checks.MinDisparateImpactRatio("sex", 0.5).evaluate(_evidence(gap=0.0))
    assert fair.status == "pass"


def test_small_group_is_insufficient_never_zero() -> None:
    y = np.r_[np.ones(50), np.zeros(50), np.zeros(40)].astype(int)  # group c has no positive
    pred = np.r_[np.ones(100), np.zeros(40)].astype(int)
    sex = np.r_[np.repeat(["a", "b"], 50), np.repeat("c", 40)]
    sex[:25], sex[50:75] = "b", "a"
    e = Evidence(y_true=y, y_pred=pred, sensitive=pd.Series(sex, name="sex"))
    r = checks.MaxEqualOpportunityDifference("sex", 0.1).evaluate(e)
    assert r.status == "insufficient_data"
    assert r.value is None
    assert [g["group"] for g in r.details["small_groups"]] == ["c"]
    assert "n_positive >= 10" in r.message
    ignored = checks.MaxEqualOpportunityDifference("sex", 0.1, ignore_small_groups=True)
    assert ignored.evaluate(e).status == "pass"  # a and b both have TPR 1


def test_fewer_than_two_groups_left() -> None:
    e = Evidence(y_pred=[1] * 40 + [0] * 3, sensitive={"g": ["a"] * 40 + ["b"] * 3})
    r = checks.MaxDemographicParityDifference("g", 0.1, ignore_small_groups=True).evaluate(e)
    assert r.status == "insufficient_data"
    assert "fewer than two groups" in r.message


def test_intersection_check_and_weights() -> None:
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame({"sex": rng.choice(["f", "m"], n), "age": rng.choice(["o", "y"], n)})
    pred = rng.integers(0, 2, n)
    w = rng.uniform(0.5, 2, n)
    e = Evidence(y_pred=pred, sensitive=frame, sample_weight=w)
    r = checks.MaxDemographicParityDifference(["sex", "age"], 0.5).evaluate(e)
    assert r.name == "MaxDemographicParityDifference(sex,age)"
    assert r.value == pytest.approx(
        fairness.demographic_parity_difference(
            None, pred, sensitive_features=frame, sample_weight=w
        )
    )
    assert r.counts["n_groups"] == 4


def test_missing_inputs() -> None:
    r = checks.MaxEqualOpportunityDifference("sex", 0.1).evaluate(Evidence(y_pred=[1, 0]))
    assert r.status == "error"
    assert "y_true" in r.message
    r = checks.MaxDemographicParityDifference("sex", 0.1).evaluate(Evidence(y_pred=[1, 0]))
    assert r.status == "error"
    assert "'sex'" in r.message


def test_validation() -> None:
    with pytest.raises(ValidationError, match="'max_difference' parameter of Max"):
        checks.MaxDemographicParityDifference("sex", 1.5)
    with pytest.raises(ValidationError, match="'method'"):
        checks.MaxDemographicParityDifference("sex", 0.1, method="worst")
    with pytest.raises(ValidationError, match="'column'"):
        checks.MinDisparateImpactRatio([])

"""The streaming detectors signal drift and warnings exactly where River 0.26.1 does.

The golden vectors in ``fixtures/river_golden.json`` were produced by
``fixtures/make_river_fixtures.py`` with River 0.26.1 (River is not a dependency).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from mlops_kit.drift import _stream

GOLDEN = json.loads((pathlib.Path(__file__).parent / "fixtures" / "river_golden.json").read_text())
CASES = GOLDEN["cases"]


def _case_id(case: dict) -> str:
    params = ",".join(f"{k}={v}" for k, v in case["params"].items()) or "defaults"
    return f"{case['detector']}({params})-{case['stream']}"


def test_fixtures_come_from_river_0_26_1() -> None:
    assert GOLDEN["river_version"] == "0.26.1"
    assert {c["detector"] for c in CASES} == {
        "ADWIN",
        "DDM",
        "EDDM",
        "HDDM_A",
        "HDDM_W",
        "PageHinkley",
        "KSWIN",
    }
    # the fixtures are not trivial: drifts and warnings were signalled
    assert sum(len(c["drift"]) for c in CASES) > 200
    assert sum(len(c["warning"]) for c in CASES) > 200


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_update_matches_river(case: dict) -> None:
    detector = getattr(_stream, case["detector"])(**case["params"])
    drifts, warnings = [], []
    for i, x in enumerate(GOLDEN["streams"][case["stream"]]["values"]):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
        if detector.warning_detected:
            warnings.append(i)
    assert drifts == case["drift"]
    assert warnings == case["warning"]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_update_many_matches_river(case: dict) -> None:
    values = np.asarray(GOLDEN["streams"][case["stream"]]["values"], dtype=np.float64)
    detector = getattr(_stream, case["detector"])(**case["params"])
    third = values.size // 3
    positions = np.concatenate(
        [detector.update_many(values[:third]), detector.update_many(values[third:])]
    )
    assert positions.tolist() == case["drift"]
    last = values.size - 1
    assert detector.warning_detected == (last in case["warning"])
    assert detector.drift_detected == (last in case["drift"])

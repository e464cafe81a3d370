"""Observation, DriftSummary and TriggerResult: validation and JSON round trips."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.exceptions import ValidationError
from mlops_kit.retrain import DriftSummary, Observation, TriggerResult

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def test_times_are_converted_to_utc_and_iso_strings_accepted() -> None:
    paris = timezone(timedelta(hours=1))
    o = Observation(now=datetime(2026, 11, 2, 1, tzinfo=paris), last_trained="2026-11-01T00:00Z")
    assert o.now == T0
    assert o.now.tzinfo == timezone.utc
    assert o.last_trained == T0 - timedelta(days=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"now": datetime(2026, 1, 1)}, "'now' parameter of Observation must be a timezone-aware"),
        ({"last_trained": "yesterday"}, "'last_trained' parameter .* ISO 8601"),
        ({"last_retrain": 5}, "'last_retrain' parameter"),
        ({"metrics": [0.8]}, "'metrics' parameter of Observation must be a mapping"),
        ({"metrics": {"auc": float("nan")}}, r"'metrics\['auc'\]' parameter"),
        ({"estimated_metrics": {"auc": "high"}}, "estimated_metrics"),
        ({"reference_metrics": {"auc": True}}, "reference_metrics"),
        ({"new_rows": -1}, "'new_rows' parameter"),
        ({"new_rows": 2.5}, "'new_rows' parameter"),
        ({"new_rows": "many"}, "'new_rows' parameter"),
        ({"new_rows": float("nan")}, "'new_rows' parameter"),
        ({"metrics": {"auc": np.bool_(True)}}, r"'metrics\['auc'\]' parameter"),
        ({"loss": -3.0}, "'loss' parameter"),
        ({"loss": float("inf")}, "'loss' parameter"),
        ({"manual": True}, "'manual' parameter"),
        ({"drift": 0.4}, "'drift' parameter of Observation must be a drift report"),
    ],
    ids=lambda v: None,
)
def test_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Observation(**kwargs)


def test_numpy_numbers_are_accepted() -> None:
    o = Observation(
        metrics={"auc": np.float64(0.8)},
        estimated_metrics={"auc": np.float32(0.5), "n": np.int64(3)},
        new_rows=np.int64(5),
    )
    assert o.metrics == {"auc": 0.8}
    assert o.estimated_metrics == {"auc": 0.5, "n": 3.0}
    assert all(type(v) is float for v in o.estimated_metrics.values())
    assert o.new_rows == 5
    assert Observation(manual="").manual is None


def test_drift_summary_validation_and_sources() -> None:
    with pytest.raises(ValidationError, match="'drift_share' parameter of DriftSummary"):
        DriftSummary(drifted=True, drift_share=1.5)

    class NoColumns:
        drifted = True
        drift_share = 1.0

    assert DriftSummary.from_report(NoColumns()).drifted_columns == ()
    s = DriftSummary(drifted=False, drift_share=0.2)
    assert DriftSummary.from_report(s) is s
    assert str(s) == "no drift (share 0.200)"


def test_trigger_result_status_is_checked() -> None:
    with pytest.raises(ValidationError, match="'status' parameter of TriggerResult"):
        TriggerResult(trigger="t", status="maybe")
    assert str(TriggerResult(trigger="t", status="not_fired")) == "t: not_fired"


def test_observation_str() -> None:
    o = Observation(
        now=T0,
        drift={"drifted": True, "drift_share": 0.5, "drifted_columns": ["amount"]},
        metrics={"roc_auc": 0.81},
        estimated_metrics={"roc_auc": 0.8},
        reference_metrics={"roc_auc": 0.9},
        new_rows=10,
        loss=12.5,
        manual="ops",
    )
    assert str(o) == (
        "Observation(at 2026-11-02 00:00; drift drifted (share 0.500: amount); metrics "
        "roc_auc=0.81; estimated roc_auc=0.8; reference roc_auc=0.9; 10 new rows; loss 12.5; "
        "manual request: ops)"
    )
    assert "<code>" in o._repr_html_()


times = st.none() | st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)
metric_maps = st.dictionaries(st.text(min_size=1, max_size=8), st.floats(-1e6, 1e6), max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    now=times,
    last_trained=times,
    share=st.none() | st.floats(0, 1),
    metrics=metric_maps,
    estimated=metric_maps,
    new_rows=st.none() | st.integers(0, 10**12),
    loss=st.none() | st.floats(0, 1e9),
    manual=st.none() | st.text(min_size=1, max_size=20),
)
def test_observation_round_trips_through_json(
    now: datetime | None,
    last_trained: datetime | None,
    share: float | None,
    metrics: dict[str, float],
    estimated: dict[str, float],
    new_rows: int | None,
    loss: float | None,
    manual: str | None,
) -> None:
    o = Observation(
        now=now,
        last_trained=last_trained,
        drift=None if share is None else DriftSummary(drifted=share > 0.5, drift_share=share),
        metrics=metrics,
        estimated_metrics=estimated,
        new_rows=new_rows,
        loss=loss,
        manual=manual,
    )
    assert Observation.from_dict(json.loads(json.dumps(o.to_dict()))) == o


@settings(max_examples=40, deadline=None)
@given(
    status=st.sampled_from(["fired", "not_fired", "missing_input"]),
    value=st.none() | st.floats(-1e9, 1e9),
    threshold=st.none() | st.floats(-1e9, 1e9),
    message=st.text(max_size=40),
)
def test_trigger_result_round_trips_through_json(
    status: str, value: float | None, threshold: float | None, message: str
) -> None:
    r = TriggerResult(trigger="x", status=status, value=value, threshold=threshold, message=message)
    assert TriggerResult.from_dict(json.loads(json.dumps(r.to_dict()))) == r

"""Unit tests of the streaming detectors: parameters, input checks, state, properties."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.drift._stream import (
    ADWIN,
    CUSUM,
    DDM,
    EDDM,
    HDDM_A,
    HDDM_W,
    KSWIN,
    PageHinkley,
)
from mlops_kit.exceptions import ValidationError
from mlops_kit.protocols import StreamDetector
from mlops_kit.testing._stream import check_stream_detector

SENSITIVE = {
    "ADWIN": lambda: ADWIN(delta=0.3, clock=4, grace_period=4),
    "ADWIN-clock1": lambda: ADWIN(delta=0.1, clock=1, max_buckets=2, min_window_length=2),
    "DDM": lambda: DDM(warm_start=5),
    "EDDM": lambda: EDDM(warm_start=3),
    "HDDM_A": lambda: HDDM_A(drift_confidence=0.05, warning_confidence=0.2),
    "HDDM_A-two-sided": lambda: HDDM_A(two_sided_test=True, drift_confidence=0.05),
    "HDDM_W": lambda: HDDM_W(drift_confidence=0.05, lambda_val=0.2),
    "HDDM_W-two-sided": lambda: HDDM_W(two_sided_test=True, drift_confidence=0.05),
    "PageHinkley": lambda: PageHinkley(threshold=3.0, min_instances=5),
    "PageHinkley-up": lambda: PageHinkley(threshold=2.0, mode="up", alpha=0.99),
    "PageHinkley-down": lambda: PageHinkley(threshold=2.0, mode="down"),
    "CUSUM": lambda: CUSUM(threshold=3.0, min_instances=5),
    "CUSUM-up": lambda: CUSUM(threshold=2.0, mode="up"),
    "CUSUM-down": lambda: CUSUM(threshold=2.0, mode="down"),
    "KSWIN": lambda: KSWIN(random_state=5, window_size=20, stat_size=6, alpha=0.05),
}
DEFAULTS = [ADWIN, DDM, EDDM, HDDM_A, HDDM_W, PageHinkley, CUSUM]


def _run(detector, values):
    drifts, warnings = [], []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
        if detector.warning_detected:
            warnings.append(i)
    return drifts, warnings


@pytest.mark.parametrize("name", sorted(SENSITIVE))
def test_every_detector_passes_the_conformance_check(name: str) -> None:
    detector = SENSITIVE[name]()
    assert isinstance(detector, StreamDetector)
    check_stream_detector(detector)


@pytest.mark.parametrize("name", sorted(SENSITIVE))
@settings(max_examples=15, deadline=None)
@given(
    bits=st.lists(st.booleans(), min_size=1, max_size=400),
    weights=st.lists(st.floats(0, 1), min_size=1, max_size=400),
    splits=st.lists(st.integers(0, 400), max_size=4),
)
def test_update_many_equals_update_one_by_one(name, bits, weights, splits) -> None:
    unit = name.startswith(("HDDM", "ADWIN", "PageHinkley", "CUSUM", "KSWIN"))
    values = np.asarray(weights if unit else bits, dtype=np.float64)
    values = np.tile(values, 3)  # long enough for warm-ups and windows
    one = SENSITIVE[name]()
    drifts, _ = _run(one, values.tolist())
    many = SENSITIVE[name]()
    cuts = sorted({0, values.size, *(min(s * 3, values.size) for s in splits)})
    found = [many.update_many(values[a:b]) for a, b in itertools.pairwise(cuts)]
    assert np.concatenate(found).tolist() == drifts
    assert many.to_dict() == one.to_dict()


@pytest.mark.parametrize("cls", DEFAULTS, ids=lambda c: c.__name__)
def test_to_dict_is_strict_json_and_round_trips(cls) -> None:
    detector = cls()
    rng = np.random.default_rng(3)
    detector.update_many((rng.random(700) < 0.2).astype(float))
    data = detector.to_dict()
    text = json.dumps(data, allow_nan=False)
    again = cls.from_dict(json.loads(text))
    assert again.to_dict() == data
    assert repr(again) == repr(detector)
    assert data["type"] == cls.__name__
    assert data["state"]["_n_seen"] == 700


@pytest.mark.parametrize("cls", DEFAULTS, ids=lambda c: c.__name__)
def test_reset_forgets_and_restarts_the_position_count(cls) -> None:
    detector = cls()
    detector.update_many(np.ones(50))
    detector.reset()
    assert detector.n_seen == 0
    assert detector.to_dict() == cls().to_dict()


def test_from_dict_refuses_other_data() -> None:
    data = DDM().to_dict()
    with pytest.raises(ValidationError, match="its 'type' is 'DDM'"):
        EDDM.from_dict(data)
    with pytest.raises(ValidationError, match="state version 99"):
        DDM.from_dict({**data, "state_version": 99})
    with pytest.raises(ValidationError, match="lacks"):
        DDM.from_dict({**data, "state": {}})
    with pytest.raises(ValidationError, match="'type' is 'list'"):
        DDM.from_dict([])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: ADWIN(delta=0.0), r"'delta' parameter of ADWIN must be a float in \(0, 1\]"),
        (lambda: ADWIN(clock=0), "'clock' parameter of ADWIN must be an int >= 1. Got 0"),
        (lambda: ADWIN(max_buckets=1), "'max_buckets' parameter of ADWIN"),
        (lambda: ADWIN(grace_period=True), "'grace_period' parameter of ADWIN"),
        (lambda: DDM(warm_start=-1), "'warm_start' parameter of DDM"),
        (lambda: DDM(drift_threshold="3"), "'drift_threshold' parameter of DDM"),
        (lambda: DDM(warning_threshold=math.nan), "'warning_threshold' parameter of DDM"),
        (lambda: EDDM(alpha=0.5, beta=0.9), "'beta' parameter of EDDM must be at most alpha"),
        (lambda: EDDM(alpha=1.5), "'alpha' parameter of EDDM"),
        (lambda: HDDM_A(drift_confidence=1.0), "'drift_confidence' parameter of HDDM_A"),
        (lambda: HDDM_A(two_sided_test=1), "'two_sided_test' parameter of HDDM_A must be a bool"),
        (lambda: HDDM_W(lambda_val=0.0), "'lambda_val' parameter of HDDM_W"),
        (lambda: HDDM_W(two_sided_test="no"), "'two_sided_test' parameter of HDDM_W"),
        (lambda: PageHinkley(mode="sideways"), "'mode' parameter of PageHinkley must be one of"),
        (lambda: PageHinkley(threshold=0), "'threshold' parameter of PageHinkley"),
        (lambda: PageHinkley(alpha=1.5), "'alpha' parameter of PageHinkley"),
        (lambda: CUSUM(delta=-1.0), "'delta' parameter of CUSUM"),
        (lambda: CUSUM(mode="x"), "'mode' parameter of CUSUM"),
        (lambda: KSWIN(stat_size=60), "'stat_size' parameter of KSWIN must be an int <= "),
        (lambda: KSWIN(random_state="seed"), "'random_state' parameter of KSWIN"),
        (lambda: KSWIN(window=[1.0, math.inf]), "'window' parameter of KSWIN"),
        (lambda: KSWIN(window_size=1), "'window_size' parameter of KSWIN"),
    ],
)
def test_bad_parameters_are_refused_with_the_house_message(factory, message) -> None:
    with pytest.raises(ValidationError, match=message):
        factory()


@pytest.mark.parametrize(
    ("cls", "bad"),
    [
        (DDM, 0.5),
        (DDM, 2),
        (EDDM, -1),
        (HDDM_A, 1.5),
        (HDDM_A, "x"),
        (HDDM_W, math.nan),
        (HDDM_W, None),
        (PageHinkley, math.inf),
        (PageHinkley, "1"),
        (CUSUM, math.nan),
        (CUSUM, "1"),
        (ADWIN, -math.inf),
        (ADWIN, None),
        (KSWIN, math.nan),
        (KSWIN, object()),
    ],
    ids=repr,
)
def test_bad_values_are_refused(cls, bad) -> None:
    detector = cls(random_state=0) if cls is KSWIN else cls()
    with pytest.raises(ValidationError, match=f"{cls.__name__} takes"):
        detector.update(bad)
    numeric = isinstance(bad, float | int)
    if numeric:
        with pytest.raises(ValidationError, match="at position 2 of the values"):
            detector.update_many([0.0, 1.0, bad])
        assert detector.n_seen == 0


def test_update_many_refuses_arrays_that_are_not_1d() -> None:
    with pytest.raises(ValidationError, match=r"shape \(2, 2\)"):
        PageHinkley().update_many(np.zeros((2, 2)))
    with pytest.raises(ValidationError, match="1-D sequence of numbers"):
        PageHinkley().update_many(["a", "b"])


def test_binary_detectors_take_bools() -> None:
    one, two = DDM(warm_start=2), DDM(warm_start=2)
    stream = [False, False, True, False, True, True, True, True, True, True]
    assert _run(one, stream) == _run(two, [float(v) for v in stream])


def test_update_many_of_nothing_is_empty() -> None:
    positions = ADWIN().update_many([])
    assert positions.dtype == np.intp
    assert positions.size == 0


# -- CUSUM against hand-computed values and the textbook recursion ----------------------------
def test_cusum_hand_computed_vector() -> None:
    # delta 0.5, threshold 2: x = 0, 0, 4 gives running means 0, 0, 4/3, deviations 0, 0, 8/3,
    # so G+ = max(0, 0 - 0.5) = 0, then 0, then max(0, 8/3 - 0.5) = 13/6 > 2: drift at 2.
    detector = CUSUM(delta=0.5, threshold=2.0, min_instances=1)
    assert _run(detector, [0.0, 0.0, 4.0])[0] == [2]
    up, down = detector.statistics
    assert up == pytest.approx(13 / 6)
    assert down == 0.0
    detector.update(4.0)  # the update after a detection starts afresh
    assert detector.statistics == (0.0, 0.0)
    assert not detector.drift_detected
    # a fall: x = 0, 0, -4 mirrors it on the lower side
    assert _run(CUSUM(delta=0.5, threshold=2.0, min_instances=1), [0.0, 0.0, -4.0])[0] == [2]
    assert _run(CUSUM(delta=0.5, threshold=2.0, mode="up"), [0.0, 0.0, -4.0])[0] == []


def _textbook_cusum(values, delta, threshold, min_instances):
    g_up = g_down = total = 0.0
    n, found = 0, []
    for i, x in enumerate(values):
        if found and found[-1] == i - 1:
            g_up = g_down = total = 0.0
            n = 0
        n += 1
        total += x
        dev = x - total / n
        g_up = max(0.0, g_up + dev - delta)
        g_down = max(0.0, g_down - dev - delta)
        if n >= min_instances and (g_up > threshold or g_down > threshold):
            found.append(i)
    return found


def test_cusum_equals_the_textbook_recursion() -> None:
    rng = np.random.default_rng(7)
    values = np.r_[rng.normal(0, 1, 3000), rng.normal(0.7, 1, 3000), rng.normal(-0.5, 2, 3000)]
    expected = _textbook_cusum(values.tolist(), 0.05, 12.0, 30)
    assert len(expected) > 5
    assert CUSUM(delta=0.05, threshold=12.0).update_many(values).tolist() == expected


# -- detector-specific read-outs ----------------------------------------------------------------
def test_adwin_window_statistics_match_numpy() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(3, 2, 500)
    adwin = ADWIN()
    assert adwin.update_many(values).size == 0
    assert adwin.width == 500.0
    assert adwin.total == pytest.approx(values.sum())
    assert adwin.estimation == pytest.approx(values.mean())
    assert adwin.variance == pytest.approx(((values - values.mean()) ** 2).sum())
    assert adwin.n_detections == 0
    assert ADWIN().estimation == 0.0


def test_adwin_drops_old_buckets_on_detection() -> None:
    adwin = ADWIN()
    positions = ADWIN().update_many(np.r_[np.zeros(1000), np.ones(200)])
    assert positions.size == 1
    adwin.update_many(np.r_[np.zeros(1000), np.ones(200)][: positions[0] + 1])
    assert adwin.drift_detected
    assert adwin.n_detections == 1
    assert adwin.width < 1000 + 200
    adwin.update(1.0)
    assert adwin.width == 1.0
    assert adwin.n_detections == 0


def test_adwin_update_many_resumes_from_a_state_after_deletions() -> None:
    """A state whose buckets were cut (not reachable by counting) takes the scalar path."""
    stream = np.r_[np.zeros(500), np.ones(100)]
    position = int(ADWIN(clock=8).update_many(stream)[0])
    detector = ADWIN(clock=8)
    detector.update_many(stream[: position + 1])
    assert detector.drift_detected
    data = detector.to_dict()
    data["state"]["_drift"] = False  # pretend the restart did not happen
    rng = np.random.default_rng(2)
    values = np.r_[rng.random(300) < 0.5, rng.random(300) < 0.9].astype(float)
    one, many = ADWIN.from_dict(data), ADWIN.from_dict(data)
    offset = position + 1
    assert many.update_many(values).tolist() == [offset + p for p in _run(one, values)[0]]
    assert one.to_dict() == many.to_dict()


def test_kswin_seeds_generators_and_reports_its_p_value() -> None:
    rng = np.random.default_rng(0)
    stream = np.r_[rng.normal(0, 1, 300), rng.normal(3, 1, 300)]
    a = KSWIN(random_state=np.random.default_rng(1))
    b = KSWIN(random_state=np.random.default_rng(1))
    assert a.update_many(stream).tolist() == b.update_many(stream).tolist()
    assert a.to_dict()["params"]["random_state"] == b.to_dict()["params"]["random_state"]
    # one seed is drawn from the generator, as documented
    drawn = int(np.random.default_rng(1).integers(2**63))
    assert a.to_dict()["params"]["random_state"] == drawn
    seeded = KSWIN(random_state=3)
    assert seeded.p_value == 0.0
    seeded.update_many(stream[:150])
    assert 0.0 < seeded.p_value <= 1.0


def test_kswin_starts_from_a_given_window() -> None:
    warm = KSWIN(random_state=4, window=np.zeros(99).tolist())
    warm.update(0.0)
    assert warm.p_value == 1.0  # a full window of equal values: KS statistic 0
    assert KSWIN(random_state=4, window=[0.5]).to_dict()["state"]["window"] == [0.5]


def test_ddm_signals_warnings_before_drift() -> None:
    rng = np.random.default_rng(42)
    stream = np.r_[rng.random(1000) < 0.1, rng.random(1000) < 0.4].astype(float)
    drifts, warnings = _run(DDM(), stream.tolist())
    assert drifts
    assert warnings
    assert min(warnings) < drifts[0]


def test_kswin_update_many_leaves_the_generator_where_update_does() -> None:
    """At each drift, update_many rewinds its random draws to the one that fired."""
    rng = np.random.default_rng(5)
    stream = np.r_[rng.normal(0, 1, 1500), rng.normal(1, 1, 1500)]
    positions = KSWIN(random_state=1).update_many(stream).tolist()
    assert len(positions) >= 3
    assert any(
        b - a > 164 for a, b in itertools.pairwise(positions)
    )  # not all right after a restart
    for p in positions[:3]:
        many, one = KSWIN(random_state=1), KSWIN(random_state=1)
        many.update_many(stream[: p + 1])
        _run(one, stream[: p + 1].tolist())
        assert many.drift_detected
        assert many.to_dict() == one.to_dict()

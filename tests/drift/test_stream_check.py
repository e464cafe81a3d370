"""``check_stream_detector`` catches every broken promise it lists."""

from __future__ import annotations

import numpy as np
import pytest

from mlops_kit.drift._stream import DDM, PageHinkley
from mlops_kit.exceptions import ValidationError
from mlops_kit.testing._stream import check_stream_detector


class ReturnsNone(PageHinkley):
    def update(self, x):  # type: ignore[override]
        super().update(x)


class IntFlags(PageHinkley):
    @property
    def drift_detected(self):  # type: ignore[override]
        return int(self._drift)


class ListPositions(PageHinkley):
    def update_many(self, values):  # type: ignore[override]
        return super().update_many(values).tolist()


class LateByOne(PageHinkley):
    def update_many(self, values):  # type: ignore[override]
        return super().update_many(values) + 1


class CountsFromZero(PageHinkley):
    def update_many(self, values):  # type: ignore[override]
        start = self._n_seen
        return super().update_many(values) - start


class ForgetsOnLoad(PageHinkley):
    @classmethod
    def from_dict(cls, data):  # type: ignore[override]
        detector = super().from_dict(data)
        detector._min_increase, detector._max_decrease = 0.0, 0.0
        return detector


class ResetKeepsMean(PageHinkley):
    def reset(self) -> None:
        n, total = self._n, self._sum
        super().reset()
        self._n, self._sum = n, total


class NotJSON(PageHinkley):
    def to_dict(self):  # type: ignore[override]
        data = super().to_dict()
        data["state"]["extra"] = float("nan")
        return data


SENSITIVE = {"threshold": 3.0, "min_instances": 5}


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (ReturnsNone, "must return the detector itself"),
        (IntFlags, "must be bools"),
        (ListPositions, "numpy array of integer positions"),
        (LateByOne, "update_many\\(\\) gave positions"),
        (CountsFromZero, "count across calls"),
        (ForgetsOnLoad, "resume identically"),
        (ResetKeepsMean, "forget everything"),
        (NotJSON, "not strict JSON"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_each_broken_promise_is_named(cls, message) -> None:
    with pytest.raises(AssertionError, match=message):
        check_stream_detector(cls(**SENSITIVE))


def test_objects_that_are_not_stream_detectors_are_refused() -> None:
    with pytest.raises(AssertionError, match="StreamDetector protocol"):
        check_stream_detector(object())


def test_a_custom_stream_can_be_given() -> None:
    rng = np.random.default_rng(0)
    check_stream_detector(PageHinkley(**SENSITIVE), values=rng.normal(0, 1, 600))
    # the stream given is the one fed: Gaussian values are no errors for DDM, the default 0/1 are
    check_stream_detector(DDM())
    with pytest.raises(ValidationError, match="DDM takes 0 or 1"):
        check_stream_detector(DDM(), values=rng.normal(0, 1, 600))

"""check_drift_detector catches each broken behaviour; FixedDriftDetector is scripted."""

from __future__ import annotations

import importlib
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_kit.drift import DriftReport, TabularDriftDetector
from mlops_kit.exceptions import NotFittedError
from mlops_kit.testing import FixedDriftDetector, check_drift_detector


class MeanShift:
    """A small correct detector: drift when a column mean moves by more than 0.5 std."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def fit(self, reference: pd.DataFrame) -> MeanShift:
        self.mean_ = reference.mean()
        self.std_ = reference.std()
        return self

    def detect(self, current: pd.DataFrame) -> DriftReport:
        if not hasattr(self, "mean_"):
            raise NotFittedError("fit first")
        shift = float(((current.mean() - self.mean_).abs() / self.std_).max())
        return DriftReport(
            drifted=shift > self.threshold,
            drift_share=float(shift > self.threshold),
            method="mean_shift",
            statistic=shift,
            threshold=self.threshold,
        )


class NoNotFitted(MeanShift):
    def detect(self, current: pd.DataFrame) -> DriftReport:
        if not hasattr(self, "mean_"):
            raise RuntimeError("fit first")
        return super().detect(current)


class SilentBeforeFit(MeanShift):
    def detect(self, current: pd.DataFrame) -> DriftReport:
        if not hasattr(self, "mean_"):
            return DriftReport(drifted=False, drift_share=0.0)
        return super().detect(current)


class ReturnsCopy(MeanShift):
    def fit(self, reference: pd.DataFrame) -> MeanShift:
        super().fit(reference)
        return MeanShift().fit(reference)


class ReturnsDict(MeanShift):
    def detect(self, current: pd.DataFrame) -> Any:
        return super().detect(current).to_dict()


class AlwaysDrift(MeanShift):
    def detect(self, current: pd.DataFrame) -> DriftReport:
        super().detect(current)
        return DriftReport(drifted=True, drift_share=1.0)


class NeverDrift(MeanShift):
    def detect(self, current: pd.DataFrame) -> DriftReport:
        super().detect(current)
        return DriftReport(drifted=False, drift_share=0.0)


class Mutates(MeanShift):
    def detect(self, current: pd.DataFrame) -> DriftReport:
        report = super().detect(current)
        current.iloc[0, 0] = 1e9
        return report


class Random(MeanShift):
    random_state = None

    def detect(self, current: pd.DataFrame) -> DriftReport:
        report = super().detect(current)
        noise = np.random.default_rng().random()  # ignores random_state
        return DriftReport(drifted=report.drifted, drift_share=report.drift_share,
                           statistic=noise)  # fmt: skip


class BadDetails(MeanShift):
    def detect(self, current: pd.DataFrame) -> DriftReport:
        report = super().detect(current)
        return _LossyReport(drifted=report.drifted, drift_share=report.drift_share)


class _LossyReport(DriftReport):
    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["drift_share"] = 0.123
        return data


class Unpicklable(MeanShift):
    def fit(self, reference: pd.DataFrame) -> MeanShift:
        super().fit(reference)
        self.hook_ = lambda x: x  # a lambda cannot be pickled
        return self


@pytest.mark.parametrize(
    ("detector", "check"),
    [
        (object(), "protocol"),
        (NoNotFitted(), "not_fitted"),
        (SilentBeforeFit(), "not_fitted"),
        (ReturnsCopy(), "fit_returns_self"),
        (ReturnsDict(), "report_type"),
        (AlwaysDrift(), "no_drift_on_identical_data"),
        (NeverDrift(), "drift_on_shifted_data"),
        (Mutates(), "inputs_not_mutated"),
        (Random(), "deterministic"),
        (BadDetails(), "report_json_round_trip"),
        (Unpicklable(), "pickle"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_each_broken_behaviour_is_named(detector: Any, check: str) -> None:
    with pytest.raises(AssertionError, match=f"fails '{check}'"):
        check_drift_detector(detector)


def test_a_small_custom_detector_passes() -> None:
    check_drift_detector(MeanShift())


def test_the_detector_given_is_not_fitted_in_place() -> None:
    detector = TabularDriftDetector()
    check_drift_detector(detector)
    assert not hasattr(detector, "reference_")


@pytest.mark.parametrize(
    "name",
    ["MMDDriftDetector", "ClassifierDriftDetector", "ReconstructionDriftDetector"],
)
def test_every_builtin_batch_detector_passes(name: str) -> None:
    drift = importlib.import_module("mlops_kit.drift")
    check_drift_detector(getattr(drift, name)(random_state=0))  # AttributeError when absent


def test_fixed_drift_detector() -> None:
    fake = FixedDriftDetector(drift_at=[0, 2], columns=["a", "b"])
    with pytest.raises(NotFittedError):
        fake.detect(None)
    assert fake.fit(None) is fake
    reports = [fake.detect(None) for _ in range(4)]
    assert [r.drifted for r in reports] == [True, False, True, False]
    assert reports[0].drift_share == 1.0
    assert reports[0].drifted_columns == ("a", "b")
    assert reports[1].drift_share == 0.0
    assert fake.n_calls_ == 4
    restored = pickle.loads(pickle.dumps(fake))
    assert not restored.detect(None).drifted  # call 4 is not in drift_at
    assert restored.n_calls_ == 5


def test_fixed_drift_detector_counts_across_calls() -> None:
    fake = FixedDriftDetector(drift_at=(3,)).fit(None)
    assert [fake.detect(None).drifted for _ in range(5)] == [False, False, False, True, False]
    assert fake.drift_at == frozenset({3})


def test_classes_that_cannot_be_imported_are_checked_on_their_state() -> None:
    namespace: dict[str, Any] = {"__name__": "defined_in_exec"}
    source = "class Local(MeanShift):\n    pass\n"
    namespace["MeanShift"] = MeanShift
    exec(source, namespace)
    check_drift_detector(namespace["Local"]())


def test_numpy_inputs() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(300, 2))
    check_drift_detector(TabularDriftDetector(), reference=reference, shifted=reference + 2.0)

"""Drift detection: batch (column-wise and multivariate) and streaming detectors.

Examples
--------
>>> from mlops_kit.drift import ColumnDrift, DriftReport
>>> report = DriftReport(columns=[ColumnDrift(column="x", method="ks", statistic=0.4,
...                                           p_value=0.001, threshold=0.05, drifted=True)],
...                      drifted=True, drift_share=1.0)
>>> report.drifted_columns
('x',)
"""

from mlops_kit.drift import stattests
from mlops_kit.drift._multivariate import MMDDriftDetector  # issue 5 (multivariate)
from mlops_kit.drift._multivariate_classifier import ClassifierDriftDetector  # issue 5
from mlops_kit.drift._multivariate_reconstruction import ReconstructionDriftDetector  # issue 5
from mlops_kit.drift._reference import ReferenceProfile
from mlops_kit.drift._registry import StatResult, StatTest, register_test, unregister_test
from mlops_kit.drift._report import ColumnDistribution, ColumnDrift, DriftReport
from mlops_kit.drift._stream import (  # issue 5 (streaming)
    ADWIN,
    CUSUM,
    DDM,
    EDDM,
    HDDM_A,
    HDDM_W,
    KSWIN,
    PageHinkley,
)
from mlops_kit.drift._tabular import TabularDriftDetector

__all__ = [
    "ADWIN",
    "CUSUM",
    "ClassifierDriftDetector",
    "ColumnDistribution",
    "ColumnDrift",
    "DDM",
    "DriftReport",
    "EDDM",
    "HDDM_A",
    "HDDM_W",
    "KSWIN",
    "MMDDriftDetector",
    "PageHinkley",
    "ReconstructionDriftDetector",
    "ReferenceProfile",
    "StatResult",
    "StatTest",
    "TabularDriftDetector",
    "register_test",
    "stattests",
    "unregister_test",
]

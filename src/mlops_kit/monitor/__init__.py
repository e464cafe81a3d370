"""Production monitoring: realized performance with late labels, and estimation without labels.

``PerformanceMonitor`` logs predictions, matches labels that arrive later by id, and reports the
realized metric per window with its label completeness, confidence interval and alert.
``PerformanceEstimator`` estimates the metric from the scores alone (confidence-based, as
NannyML's CBPE), so a drop shows before the labels do.

Examples
--------
>>> from mlops_kit.monitor import PerformanceMonitor
>>> monitor = PerformanceMonitor(metric="accuracy", window=2)
>>> monitor.log_predictions(["t1", "t2"], [0.9, 0.1])
>>> _ = monitor.log_labels(["t1", "t2"], [1, 0])
>>> monitor.realized()[0].value
1.0
"""

from mlops_kit.monitor._estimator import Estimate, PerformanceEstimator
from mlops_kit.monitor._metrics import METRICS
from mlops_kit.monitor._monitor import PerformanceMonitor
from mlops_kit.monitor._records import LabelSummary, WindowMetric

__all__ = [
    "Estimate",
    "LabelSummary",
    "METRICS",
    "PerformanceEstimator",
    "PerformanceMonitor",
    "WindowMetric",
]

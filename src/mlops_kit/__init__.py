"""mlops_kit: composable MLOps primitives on pluggable storage.

``DataVersion`` (which data trained this model?), ``ModelRegistry`` (which model serves, and how
do I roll back?), ``DriftDetector`` (has the data changed?), ``QualityGate`` (is it good enough
to ship?) and ``RetrainPolicy`` (should we retrain now, and why?), each a small object built
from plain arguments and a :class:`~mlops_kit.storage.Store`.

Examples
--------
>>> import mlops_kit as mk
>>> store = mk.open_store("memory://")
>>> import pandas as pd
>>> v1 = mk.DataRepository(store).commit("demo", pd.DataFrame({"x": [1, 2, 3]}))
>>> v1.n_rows
3
"""

from mlops_kit import (
    data,
    drift,
    exceptions,
    monitor,
    protocols,
    quality,
    registry,
    report,
    retrain,
    storage,
    testing,
)
from mlops_kit._version import __version__
from mlops_kit.data import DataDiff, DataRepository, DataVersion, Schema, fingerprint
from mlops_kit.drift import ColumnDrift, DriftReport, TabularDriftDetector
from mlops_kit.monitor import Estimate, PerformanceEstimator, PerformanceMonitor, WindowMetric
from mlops_kit.quality import CheckResult, Evidence, GateResult, QualityGate, checks
from mlops_kit.registry import (
    AliasEvent,
    Lineage,
    ModelRegistry,
    ModelVersion,
    RegisteredModel,
    Signature,
    VersionMismatchWarning,
    register_serializer,
)
from mlops_kit.retrain import (
    Observation,
    RetrainDecision,
    RetrainOutcome,
    RetrainPolicy,
    TriggerResult,
    retrain_cycle,
    retrain_history,
    triggers,
)
from mlops_kit.storage import Store, open_store

__all__ = [
    "AliasEvent",
    "CheckResult",
    "ColumnDrift",
    "DataDiff",
    "DataRepository",
    "DataVersion",
    "DriftReport",
    "Estimate",
    "Evidence",
    "GateResult",
    "Lineage",
    "ModelRegistry",
    "ModelVersion",
    "Observation",
    "PerformanceEstimator",
    "PerformanceMonitor",
    "QualityGate",
    "RegisteredModel",
    "RetrainDecision",
    "RetrainOutcome",
    "RetrainPolicy",
    "Schema",
    "Signature",
    "Store",
    "TabularDriftDetector",
    "TriggerResult",
    "VersionMismatchWarning",
    "WindowMetric",
    "__version__",
    "checks",
    "data",
    "drift",
    "exceptions",
    "fingerprint",
    "monitor",
    "open_store",
    "protocols",
    "quality",
    "register_serializer",
    "registry",
    "report",
    "retrain",
    "retrain_cycle",
    "retrain_history",
    "storage",
    "testing",
    "triggers",
]

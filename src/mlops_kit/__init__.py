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

# Every public name is imported on first use (PEP 562), so ``import mlops_kit`` costs
# milliseconds and a service that only loads a model never imports pandas or the drift code.

import importlib
from typing import TYPE_CHECKING, Any

from mlops_kit._version import __version__

if TYPE_CHECKING:
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

_LAZY: dict[str, tuple[str, str | None]] = {
    "AliasEvent": ("mlops_kit.registry", "AliasEvent"),
    "CheckResult": ("mlops_kit.quality", "CheckResult"),
    "ColumnDrift": ("mlops_kit.drift", "ColumnDrift"),
    "DataDiff": ("mlops_kit.data", "DataDiff"),
    "DataRepository": ("mlops_kit.data", "DataRepository"),
    "DataVersion": ("mlops_kit.data", "DataVersion"),
    "DriftReport": ("mlops_kit.drift", "DriftReport"),
    "Estimate": ("mlops_kit.monitor", "Estimate"),
    "Evidence": ("mlops_kit.quality", "Evidence"),
    "GateResult": ("mlops_kit.quality", "GateResult"),
    "Lineage": ("mlops_kit.registry", "Lineage"),
    "ModelRegistry": ("mlops_kit.registry", "ModelRegistry"),
    "ModelVersion": ("mlops_kit.registry", "ModelVersion"),
    "Observation": ("mlops_kit.retrain", "Observation"),
    "PerformanceEstimator": ("mlops_kit.monitor", "PerformanceEstimator"),
    "PerformanceMonitor": ("mlops_kit.monitor", "PerformanceMonitor"),
    "QualityGate": ("mlops_kit.quality", "QualityGate"),
    "RegisteredModel": ("mlops_kit.registry", "RegisteredModel"),
    "RetrainDecision": ("mlops_kit.retrain", "RetrainDecision"),
    "RetrainOutcome": ("mlops_kit.retrain", "RetrainOutcome"),
    "RetrainPolicy": ("mlops_kit.retrain", "RetrainPolicy"),
    "Schema": ("mlops_kit.data", "Schema"),
    "Signature": ("mlops_kit.registry", "Signature"),
    "Store": ("mlops_kit.storage", "Store"),
    "TabularDriftDetector": ("mlops_kit.drift", "TabularDriftDetector"),
    "TriggerResult": ("mlops_kit.retrain", "TriggerResult"),
    "VersionMismatchWarning": ("mlops_kit.registry", "VersionMismatchWarning"),
    "WindowMetric": ("mlops_kit.monitor", "WindowMetric"),
    "checks": ("mlops_kit.quality.checks", None),
    "data": ("mlops_kit.data", None),
    "drift": ("mlops_kit.drift", None),
    "exceptions": ("mlops_kit.exceptions", None),
    "fingerprint": ("mlops_kit.data", "fingerprint"),
    "monitor": ("mlops_kit.monitor", None),
    "open_store": ("mlops_kit.storage", "open_store"),
    "protocols": ("mlops_kit.protocols", None),
    "quality": ("mlops_kit.quality", None),
    "register_serializer": ("mlops_kit.registry", "register_serializer"),
    "registry": ("mlops_kit.registry", None),
    "report": ("mlops_kit.report", None),
    "retrain": ("mlops_kit.retrain", None),
    "retrain_cycle": ("mlops_kit.retrain", "retrain_cycle"),
    "retrain_history": ("mlops_kit.retrain", "retrain_history"),
    "storage": ("mlops_kit.storage", None),
    "testing": ("mlops_kit.testing", None),
    "triggers": ("mlops_kit.retrain.triggers", None),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'mlops_kit' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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

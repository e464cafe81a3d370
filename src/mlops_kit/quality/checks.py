"""Every built-in check, as ``mlops_kit.checks`` (also ``mlops_kit.quality.checks``).

==================================  ==========================================================
data                                ``MatchesSchema``, ``MaxMissingRate``, ``InRange``,
                                    ``AllowedValues``, ``Unique``, ``MatchesRegex``,
                                    ``RowCount``, ``Freshness``, ``NoDuplicateRows``,
                                    ``MaxOutlierRate``, ``NoDrift``
model                               ``MetricAtLeast``, ``MetricAtMost``, ``NoRegression``,
                                    ``SliceMetric``, ``StableMetric``, ``Calibration``,
                                    ``LatencyBudget``
fairness                            ``MaxDemographicParityDifference``,
                                    ``MinDisparateImpactRatio``,
                                    ``MaxEqualOpportunityDifference``,
                                    ``MaxEqualizedOddsDifference``
==================================  ==========================================================

A check of your own is any object with ``name``, ``severity`` and ``evaluate(evidence)``
returning a :class:`~mlops_kit.quality.CheckResult`; ``BaseCheck`` is an optional helper.

Examples
--------
>>> from mlops_kit.quality import checks
>>> checks.InRange("amount", 0, 50_000)
InRange('amount', min=0, max=50000)
"""

from mlops_kit.quality._base import BaseCheck, MissingInputError
from mlops_kit.quality._data_checks import (
    AllowedValues,
    InRange,
    MatchesRegex,
    MatchesSchema,
    MaxMissingRate,
    Unique,
)
from mlops_kit.quality._dataset_checks import (
    Freshness,
    MaxOutlierRate,
    NoDrift,
    NoDuplicateRows,
    RowCount,
)
from mlops_kit.quality._fairness_checks import (
    MaxDemographicParityDifference,
    MaxEqualizedOddsDifference,
    MaxEqualOpportunityDifference,
    MinDisparateImpactRatio,
)
from mlops_kit.quality._model_checks import (
    Calibration,
    LatencyBudget,
    MetricAtLeast,
    MetricAtMost,
    SliceMetric,
)
from mlops_kit.quality._regression import NoRegression, StableMetric

__all__ = [
    "AllowedValues",
    "BaseCheck",
    "Calibration",
    "Freshness",
    "InRange",
    "LatencyBudget",
    "MatchesRegex",
    "MatchesSchema",
    "MaxDemographicParityDifference",
    "MaxEqualOpportunityDifference",
    "MaxEqualizedOddsDifference",
    "MaxMissingRate",
    "MaxOutlierRate",
    "MetricAtLeast",
    "MetricAtMost",
    "MinDisparateImpactRatio",
    "MissingInputError",
    "NoDrift",
    "NoDuplicateRows",
    "NoRegression",
    "RowCount",
    "SliceMetric",
    "StableMetric",
    "Unique",
]

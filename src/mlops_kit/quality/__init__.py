"""Quality gates: data quality, model accuracy, no regression, fairness and stability.

A :class:`QualityGate` runs a list of checks (from :mod:`mlops_kit.quality.checks`, or your own)
on an :class:`Evidence` and returns a :class:`GateResult` of :class:`CheckResult` values, ready
for CI (JUnit XML), JSON and HTML. :mod:`mlops_kit.quality.fairness` and
:mod:`mlops_kit.quality.significance` hold the statistics the checks use.

Examples
--------
>>> import pandas as pd
>>> from mlops_kit.quality import Evidence, QualityGate, checks
>>> gate = QualityGate([checks.InRange("amount", 0, 100), checks.RowCount(min=2)], name="data")
>>> result = gate.evaluate(Evidence(data=pd.DataFrame({"amount": [5.0, 250.0]})))
>>> result.passed, [r.status for r in result.results]
(False, ['fail', 'pass'])
"""

from mlops_kit.quality import checks, fairness, significance
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._gate import QualityGate
from mlops_kit.quality._result import CheckResult, GateResult

__all__ = [
    "CheckResult",
    "Evidence",
    "GateResult",
    "QualityGate",
    "checks",
    "fairness",
    "significance",
]

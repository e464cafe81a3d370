"""The built-in retrain triggers.

===========================  =================================================================
trigger                      fires when
===========================  =================================================================
``DriftShare(above=)``       the drift report's share of drifted columns reaches ``above``
``DriftDetected()``          the report says drift (or a watched column drifted)
``MetricBelow(m, t)``        the realized metric ``m`` is below ``t``
``MetricAbove(m, t)``        the realized metric ``m`` (lower is better) is above ``t``
``MetricDrop(m, max_drop)``  the realized metric fell ``max_drop`` below the registered one
                             (rose above it, with ``higher_is_better=False``)
``EstimatedMetricBelow``     the metric estimated without labels is below ``t``
``EstimatedMetricAbove``     the metric estimated without labels is above ``t``
``Every(days=)``             the period has passed since the last retrain
``ModelAge(days=)``          the serving model is older than the period
``NewRows(at_least=)``       that many new labelled rows have arrived
``Manual()``                 the observation carries a manual request
===========================  =================================================================

Any object with a ``name`` and ``evaluate(observation) -> TriggerResult`` is a trigger too
(:class:`mlops_kit.protocols.Trigger`).

Examples
--------
>>> from mlops_kit.retrain import Observation, triggers
>>> triggers.NewRows(at_least=10).evaluate(Observation(new_rows=3)).status
'not_fired'
"""

from mlops_kit.retrain._triggers import (
    DriftDetected,
    DriftShare,
    EstimatedMetricAbove,
    EstimatedMetricBelow,
    Every,
    Manual,
    MetricAbove,
    MetricBelow,
    MetricDrop,
    ModelAge,
    NewRows,
)

__all__ = [
    "DriftDetected",
    "DriftShare",
    "EstimatedMetricAbove",
    "EstimatedMetricBelow",
    "Every",
    "Manual",
    "MetricAbove",
    "MetricBelow",
    "MetricDrop",
    "ModelAge",
    "NewRows",
]

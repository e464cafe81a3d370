"""Shared helpers of the model checks: picking labels and predictions out of the evidence."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlops_kit.quality._base import MissingInputError
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._metrics import Metric

__all__ = ["label_inputs", "metric_name", "single_class"]


def metric_name(metric: Any) -> str:
    """A metric's display name."""
    return metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")


def label_inputs(
    evidence: Evidence, m: Metric, part: str = ""
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """``(y_true, y_pred or y_score)`` for metric ``m``; a :class:`MissingInputError` names what
    is absent."""
    x_name = f"y_{m.uses}"
    missing = [n for n in ("y_true", x_name) if getattr(evidence, n) is None]
    if missing:
        where = f"Evidence.{part}" if part else "Evidence"
        raise MissingInputError(
            f"missing input: {where}({', '.join(f'{n}=...' for n in missing)}) is needed "
            f"for metric {m.name!r}"
        )
    return evidence.y_true, getattr(evidence, x_name)  # type: ignore[return-value]


def single_class(m: Metric, y: np.ndarray[Any, Any]) -> bool:
    """Whether ``m`` is a score metric that is undefined because ``y`` has one class."""
    return m.uses == "score" and len(np.unique(y)) < 2

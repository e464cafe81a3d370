"""Filters and ordering for :meth:`ModelRegistry.search`."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from mlops_kit.exceptions import ValidationError
from mlops_kit.registry._common import to_json_value
from mlops_kit.registry._records import ModelVersion

__all__ = ["build_filter", "order_versions"]

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*")
_ORDER_FIELDS = ("name", "version", "created_at", "size")
_ORDER_GROUPS = ("metrics", "params", "tags")

Predicate = Callable[[ModelVersion], bool]


def _metric_condition(name: str, condition: Any) -> Callable[[float], bool]:
    if callable(condition):
        return lambda value: bool(condition(value))
    if isinstance(condition, tuple) and len(condition) == 2:
        op_text, threshold = condition
    elif isinstance(condition, str):
        match = _CONDITION.fullmatch(condition)
        if match is None:
            raise ValidationError(
                f"Cannot read the condition {condition!r} on metric {name!r}: write it as "
                "'>= 0.9' (operators >=, <=, >, <, ==, !=), a number, a (operator, number) "
                "tuple or a function of the value."
            )
        op_text, threshold = match.group(1), match.group(2)
    else:
        op_text, threshold = "==", condition
    compare = _OPERATORS.get(op_text) if isinstance(op_text, str) else None
    try:
        number = float(threshold)
    except (TypeError, ValueError):
        number = math.nan
    if compare is None or isinstance(threshold, bool) or not math.isfinite(number):
        raise ValidationError(
            f"The condition on metric {name!r} needs an operator among "
            f"{', '.join(_OPERATORS)} and a finite number. Got {condition!r} instead."
        )
    return lambda value: compare(value, number)


def _field_check(group: str, key: str, wanted: Any) -> Predicate:
    """A predicate: the version has ``key`` in ``group`` and its value matches ``wanted``."""

    def check(mv: ModelVersion) -> bool:
        values: Mapping[str, Any] = getattr(mv, group)
        if key not in values:
            return False
        return bool(wanted(values[key])) if callable(wanted) else bool(values[key] == wanted)

    return check


def build_filter(
    *,
    tags: Mapping[str, Any] | None,
    metrics: Mapping[str, Any] | None,
    params: Mapping[str, Any] | None,
) -> Predicate:
    """One predicate on a ModelVersion from the tag, metric and parameter filters."""
    checks: list[Predicate] = []
    for label, given in (("tags", tags), ("metrics", metrics), ("params", params)):
        if given is not None and not isinstance(given, Mapping):
            raise ValidationError(
                f"The {label!r} parameter of search must be a mapping. "
                f"Got {type(given).__name__} instead."
            )
    for key, wanted in (tags or {}).items():
        checks.append(_field_check("tags", key, wanted))
    for key, condition in (metrics or {}).items():
        checks.append(_field_check("metrics", key, _metric_condition(key, condition)))
    for key, wanted in (params or {}).items():
        checks.append(
            _field_check("params", key, wanted if callable(wanted) else to_json_value(wanted))
        )
    return lambda mv: all(check(mv) for check in checks)


def _sort_value(value: Any) -> tuple[int, Any]:
    if isinstance(value, (bool, int, float)):
        return (0, float(value))
    if isinstance(value, datetime):
        return (0, value.timestamp())
    if isinstance(value, str):
        return (1, value)
    return (2, repr(value))


def _order_key(text: str) -> tuple[Callable[[ModelVersion], Any], bool]:
    if not isinstance(text, str) or not text.lstrip("-"):
        raise ValidationError(f"order_by entries must be non-empty strings. Got {text!r}.")
    descending = text.startswith("-")
    field = text.lstrip("-")
    group, _, key = field.partition(".")
    if field in _ORDER_FIELDS:
        return (lambda mv: getattr(mv, field)), descending
    if group in _ORDER_GROUPS and key:
        return (lambda mv: getattr(mv, group).get(key)), descending
    raise ValidationError(
        f"Cannot order by {text!r}: use one of {', '.join(_ORDER_FIELDS)}, or 'metrics.<name>', "
        "'params.<name>', 'tags.<name>', with a leading '-' for descending order."
    )


def order_versions(
    versions: Iterable[ModelVersion], order_by: str | Sequence[str] | None
) -> list[ModelVersion]:
    """Sort versions by the ``order_by`` keys; versions missing a key sort last either way."""
    result = sorted(versions, key=lambda mv: (mv.name, mv.version))
    keys = [order_by] if isinstance(order_by, str) else list(order_by or [])
    for text in reversed(keys):
        get, descending = _order_key(text)
        present = [mv for mv in result if get(mv) is not None]
        missing = [mv for mv in result if get(mv) is None]
        present.sort(key=lambda mv: _sort_value(get(mv)), reverse=descending)
        result = present + missing
    return result

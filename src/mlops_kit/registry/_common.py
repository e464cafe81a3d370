"""Small helpers shared by the registry modules: time stamps, record headers, HTML."""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from mlops_kit._version import __version__
from mlops_kit.exceptions import ValidationError

__all__ = [
    "SCHEMA_VERSION",
    "check_schema",
    "format_time",
    "header",
    "html_table",
    "parse_time",
    "utc_now",
]

SCHEMA_VERSION = 1
"""The version of the registry's persisted documents; bumped on any incompatible change."""


def utc_now() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    """ISO 8601 text of a UTC-aware datetime."""
    return moment.astimezone(timezone.utc).isoformat()


def parse_time(text: str) -> datetime:
    """The UTC-aware datetime of :func:`format_time`'s text."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def header() -> dict[str, Any]:
    """The fields every persisted registry document starts with (STYLE rule 11)."""
    return {"schema_version": SCHEMA_VERSION, "mlops_kit_version": __version__}


def check_schema(document: Mapping[str, Any], what: str) -> None:
    """Warn when a document was written by a newer mlops_kit with a newer schema."""
    schema = document.get("schema_version", SCHEMA_VERSION)
    if isinstance(schema, int) and schema > SCHEMA_VERSION:
        warnings.warn(
            f"{what} was written by mlops_kit {document.get('mlops_kit_version', '?')} with "
            f"registry schema {schema}; this mlops_kit {__version__} knows schema "
            f"{SCHEMA_VERSION} and may misread it. Upgrade mlops_kit.",
            UserWarning,
            stacklevel=3,
        )


def _check_mapping(value: object, parameter: str, contents: str, keys: str) -> Mapping[str, Any]:
    """``value`` if it is a mapping keyed by non-empty strings, else a ValidationError."""
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"The {parameter!r} parameter must be a mapping of {contents}. "
            f"Got {type(value).__name__} instead."
        )
    for key in value:
        if not isinstance(key, str) or not key:
            raise ValidationError(f"{keys} names must be non-empty strings. Got {key!r}.")
    return value


def check_metrics(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    """Metrics as finite floats keyed by non-empty strings, or a ValidationError."""
    if metrics is None:
        return {}
    checked = _check_mapping(metrics, "metrics", "metric names to numbers", "Metric")
    result: dict[str, float] = {}
    for key, value in checked.items():
        finite = False
        if not isinstance(value, (bool, str)):
            try:
                number = float(value)
            except (TypeError, ValueError):
                pass
            else:
                finite = math.isfinite(number)
        if not finite:
            raise ValidationError(
                f"The metric {key!r} must be a finite number. Got {value!r} instead; "
                "record a failed evaluation as a tag rather than a NaN metric."
            )
        result[key] = number
    return result


def check_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    """Tags as a dict of non-empty string keys to string values, or a ValidationError."""
    if tags is None:
        return {}
    for key, value in _check_mapping(tags, "tags", "strings to strings", "Tag").items():
        if not isinstance(value, str):
            raise ValidationError(
                f"The tag {key!r} must have a string value. Got {value!r} instead; "
                f"pass str(value) to record it."
            )
    return dict(tags)


def to_json_value(value: Any) -> Any:
    """A JSON-safe copy of a parameter value: non-JSON values become their ``repr``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else repr(float(value))
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "ndim", None) == 0:
        return to_json_value(item())
    return repr(value)


def check_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Params as a JSON-safe dict (see :func:`to_json_value`)."""
    if params is None:
        return {}
    checked = _check_mapping(params, "params", "parameter names to values", "Parameter")
    return {key: to_json_value(value) for key, value in checked.items()}


def html_table(title: str, rows: Mapping[str, object]) -> str:
    """A small two-column HTML table for notebooks."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td>{html.escape(str(v))}</td></tr>"
        for k, v in rows.items()
    )
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"

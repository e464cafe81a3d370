"""The values a quality gate returns: :class:`CheckResult` and :class:`GateResult`."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from mlops_kit._version import __version__
from mlops_kit.exceptions import GateFailedError, ValidationError
from mlops_kit.quality._json import jsonable

__all__ = ["DEFAULT_FAIL_ON", "SEVERITIES", "STATUSES", "CheckResult", "GateResult"]

#: Every status a check can report.
STATUSES = ("pass", "warn", "fail", "error", "insufficient_data")
#: Every severity a check can have.
SEVERITIES = ("fail", "warn")
#: The statuses of a fail-severity check that fail the gate, unless ``fail_on=`` says otherwise.
DEFAULT_FAIL_ON = ("fail", "error")
_SCHEMA_VERSION = 1


def _finite_or_none(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_ | int | np.integer):
        return int(value)
    f = float(value)
    return f if math.isfinite(f) else None


def _ci(value: Any) -> tuple[float | None, float | None] | None:
    if value is None:
        return None
    low, high = value
    return (_finite_or_none(low), _finite_or_none(high))


def _counts(value: Mapping[str, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in value.items()}


def _rows(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(jsonable(list(value)))


def _results(value: Iterable[CheckResult]) -> tuple[CheckResult, ...]:
    return tuple(value)


def _status(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in STATUSES:
        raise ValidationError(
            f"The '{attribute.name}' of CheckResult must be one of {list(STATUSES)}. "
            f"Got {value!r} instead."
        )


def _severity(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in SEVERITIES:
        raise ValidationError(
            f"The '{attribute.name}' of CheckResult must be one of {list(SEVERITIES)}. "
            f"Got {value!r} instead."
        )


@attrs.frozen(kw_only=True)
class CheckResult:
    """The outcome of one check: its status, what was measured, and the evidence for it.

    Parameters
    ----------
    name
        The check's name, unique within its gate.
    status
        ``"pass"``, ``"warn"`` (a warn-severity check that was violated), ``"fail"`` (a
        fail-severity check that was violated), ``"error"`` (the check raised, or its inputs are
        missing) or ``"insufficient_data"`` (too few rows, a group too small, ...).
    severity
        ``"fail"`` or ``"warn"``.
    check
        The kind of check (its class name), used as the JUnit class name.
    value
        The measured value (a rate, a metric, a count, ...), or ``None``.
    threshold
        The bound it was compared with, or ``None``.
    message
        One readable sentence.
    counts
        Counts behind the value (``n_rows``, ``n_failing``, ...).
    confidence_interval
        ``(low, high)`` of the value where one was computed.
    failing_rows
        Index labels of the first failing rows (at most 20; ``counts["n_failing"]`` has them all).
    details
        Any further JSON data (per-column or per-group values, test statistics, ...).
    exception
        ``"TypeName: message"`` of the exception when the check raised.
    duration
        Seconds the check took.

    Examples
    --------
    >>> r = CheckResult(name="rows", status="pass", severity="fail", value=120, threshold=100,
    ...                 message="120 rows, at least 100 expected")
    >>> r.passed
    True
    >>> CheckResult.from_dict(r.to_dict()) == r
    True
    """

    name: str
    status: str = attrs.field(validator=_status)
    severity: str = attrs.field(default="fail", validator=_severity)
    check: str = ""
    value: float | int | None = attrs.field(default=None, converter=_finite_or_none)
    threshold: float | int | None = attrs.field(default=None, converter=_finite_or_none)
    message: str = ""
    counts: dict[str, int] = attrs.field(factory=dict, converter=_counts)
    confidence_interval: tuple[float | None, float | None] | None = attrs.field(
        default=None, converter=_ci
    )
    failing_rows: tuple[Any, ...] = attrs.field(default=(), converter=_rows)
    details: dict[str, Any] = attrs.field(factory=dict, converter=jsonable)
    exception: str | None = None
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether the status is ``"pass"``."""
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        """The result as strict JSON data; :meth:`from_dict` reverses it."""
        return jsonable(attrs.asdict(self, recurse=False))  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        """Rebuild a result from :meth:`to_dict`'s output."""
        known = {a.name for a in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def __str__(self) -> str:
        parts = [f"{self.status.upper():<17} {self.name}"]
        if self.message:
            parts.append(f": {self.message}")
        return "".join(parts)

    def _repr_html_(self) -> str:
        from mlops_kit.report._gate import check_result_html

        return check_result_html(self.to_dict())


def _fail_on(value: Any) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else tuple(value)
    allowed = ("fail", "error", "insufficient_data")
    if "fail" not in values or any(v not in allowed for v in values):
        raise ValidationError(
            "The 'fail_on' parameter of QualityGate must be a collection of statuses that "
            "includes 'fail', taken from 'fail', 'error' and 'insufficient_data'. "
            f"Got {list(values)!r} instead."
        )
    return tuple(s for s in allowed if s in values)


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class GateResult:
    """The outcome of a quality gate: every check's result, and whether the gate passed.

    A gate passes when no check of severity ``"fail"`` has a status in ``fail_on`` (by default
    ``("fail", "error")``: a failed or broken fail-severity check fails the gate, while
    ``insufficient_data`` does not unless it is listed). Warn-severity checks never fail it.

    Parameters
    ----------
    name
        The gate's name.
    results
        Every check's result, in the gate's order.
    fail_on
        The statuses of fail-severity checks that fail the gate.
    created_at
        When the gate was evaluated (UTC).
    duration
        Seconds the whole evaluation took.

    Examples
    --------
    >>> ok = CheckResult(name="rows", status="pass")
    >>> bad = CheckResult(name="auc", status="fail", value=0.7, threshold=0.8,
    ...                   message="roc_auc 0.7 is below 0.8")
    >>> result = GateResult(name="promotion", results=(ok, bad))
    >>> result.passed, [r.name for r in result.failures], result.exit_code
    (False, ['auc'], 1)
    >>> GateResult.from_dict(result.to_dict()) == result
    True
    """

    name: str
    results: tuple[CheckResult, ...] = attrs.field(converter=_results)
    fail_on: tuple[str, ...] = attrs.field(default=DEFAULT_FAIL_ON, converter=_fail_on)
    created_at: dt.datetime = attrs.field(
        factory=lambda: dt.datetime.now(dt.timezone.utc), converter=_utc
    )
    duration: float = 0.0

    def _fails_gate(self, result: CheckResult) -> bool:
        return result.severity == "fail" and result.status in self.fail_on

    @property
    def passed(self) -> bool:
        """Whether no fail-severity check has a status in ``fail_on``."""
        return not any(self._fails_gate(r) for r in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The results that fail the gate."""
        return tuple(r for r in self.results if self._fails_gate(r))

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        """Every other result that did not pass: ``warn``, and non-gating ``error`` /
        ``insufficient_data``."""
        return tuple(r for r in self.results if r.status != "pass" and not self._fails_gate(r))

    @property
    def exit_code(self) -> int:
        """``0`` when the gate passed, ``1`` otherwise (for ``sys.exit`` in CI)."""
        return 0 if self.passed else 1

    def __getitem__(self, name: str) -> CheckResult:
        for r in self.results:
            if r.name == name:
                return r
        from mlops_kit.exceptions import NotFoundError

        known = ", ".join(repr(r.name) for r in self.results)
        raise NotFoundError(f"No check named {name!r} in gate {self.name!r}. Known: {known}.")

    def raise_if_failed(self) -> GateResult:
        """Raise :class:`~mlops_kit.exceptions.GateFailedError` when the gate failed.

        Returns the result itself when it passed, so calls chain.

        Examples
        --------
        >>> GateResult(name="g", results=[CheckResult(name="a", status="pass")]).raise_if_failed()
        GateResult(name='g', ...)
        """
        if not self.passed:
            names = ", ".join(f"{r.name} ({r.status})" for r in self.failures)
            n = len(self.failures)
            raise GateFailedError(
                f"Quality gate {self.name!r} failed: {n} check{'s' * (n != 1)} failed: {names}.",
                result=self,
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """The result as strict JSON data, with ``passed`` and the library version."""
        return {
            "schema_version": _SCHEMA_VERSION,
            "mlops_kit_version": __version__,
            "name": self.name,
            "passed": self.passed,
            "fail_on": list(self.fail_on),
            "created_at": self.created_at.isoformat(),
            "duration": self.duration,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateResult:
        """Rebuild a result from :meth:`to_dict`'s output."""
        version = data.get("schema_version", _SCHEMA_VERSION)
        if version != _SCHEMA_VERSION:
            raise ValidationError(
                f"Cannot read a GateResult of schema version {version!r}; this mlops_kit "
                f"({__version__}) reads version {_SCHEMA_VERSION}. Upgrade mlops_kit."
            )
        return cls(
            name=data["name"],
            results=tuple(CheckResult.from_dict(r) for r in data["results"]),
            fail_on=tuple(data.get("fail_on", DEFAULT_FAIL_ON)),
            created_at=data["created_at"],
            duration=float(data.get("duration", 0.0)),
        )

    def to_json(self, path: str | Path | None = None, *, indent: int | None = 2) -> str:
        """The result as a JSON string; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_junit_xml(self, path: str | Path | None = None) -> str:
        """JUnit XML (one testcase per check) as a string; also written to ``path`` when given.

        Gate-failing results become ``<failure>`` (or ``<error>`` for ``error``); non-gating
        ``insufficient_data`` and ``error`` become ``<skipped>``; warnings pass with their
        message in ``<system-out>``.
        """
        from mlops_kit.report._junit import gate_junit_xml

        text = gate_junit_xml(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_html(self, path: str | Path | None = None) -> str:
        """A self-contained HTML page; also written to ``path`` when given."""
        from mlops_kit.report._gate import gate_html

        text = gate_html(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        from mlops_kit.report._gate import gate_html_fragment

        return gate_html_fragment(self.to_dict())

    def __str__(self) -> str:
        n_fail, n_warn = len(self.failures), len(self.warnings)
        n_pass = sum(r.passed for r in self.results)
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"Quality gate {self.name!r}: {verdict} "
            f"({n_pass} passed, {n_fail} failing, {n_warn} warnings)"
        ]
        lines.extend(f"  {r}" for r in self.results)
        return "\n".join(lines)

"""The optional base of the built-in checks: naming, severity, validation, missing inputs."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from mlops_kit.exceptions import ValidationError
from mlops_kit.quality._evidence import Evidence
from mlops_kit.quality._result import SEVERITIES, CheckResult

__all__ = ["BaseCheck", "MissingInputError"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


class MissingInputError(Exception):
    """Raised inside a check when the evidence lacks what it needs; reported as ``error``.

    Examples
    --------
    >>> try:
    ...     BaseCheck._need(Evidence(), "y_true")
    ... except MissingInputError as error:
    ...     print(error)
    missing input: Evidence(y_true=...) is needed
    """


def _fail(instance: Any, attribute: attrs.Attribute[Any], what: str, value: Any) -> None:
    raise ValidationError(
        f"The {attribute.name!r} parameter of {type(instance).__name__} must be {what}. "
        f"Got {value!r} instead."
    )


def number(
    *,
    low: float | None = None,
    high: float | None = None,
    optional: bool = False,
    closed: str = "[]",
) -> Validator:
    """A validator of a finite real number within bounds (``closed`` says which ends count)."""
    lo_br, hi_br = ("[" if closed[0] == "[" else "("), ("]" if closed[1] == "]" else ")")
    if low is not None or high is not None:
        what = f"a number in {lo_br}{low if low is not None else '-inf'}, "
        what += f"{high if high is not None else 'inf'}{hi_br}"
    else:
        what = "a finite number"
    what += " or None" if optional else ""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        )
        ok = ok and math.isfinite(float(value))
        if ok and low is not None:
            ok = value >= low if lo_br == "[" else value > low
        if ok and high is not None:
            ok = value <= high if hi_br == "]" else value < high
        if not ok:
            _fail(instance, attribute, what, value)

    return check


def integer(*, low: int = 0, optional: bool = False) -> Validator:
    """A validator of an integer at least ``low``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
            _fail(instance, attribute, f"an int >= {low}", value)

    return check


def one_of(*choices: Any) -> Validator:
    """A validator of a value among ``choices``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in choices:
            _fail(instance, attribute, f"one of {list(choices)}", value)

    return check


def column_names(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator of a column name or a non-empty tuple of them."""
    names = value if isinstance(value, tuple) else (value,)
    if not names or not all(isinstance(n, str) and n for n in names):
        _fail(instance, attribute, "a column name or a non-empty list of column names", value)


def to_columns(value: str | Sequence[str]) -> str | tuple[str, ...]:
    """Keep a single name as is; turn a list of names into a tuple."""
    if isinstance(value, str):
        return value
    return tuple(value)


def _severity(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in SEVERITIES:
        _fail(instance, attribute, f"one of {list(SEVERITIES)}", value)


def _label(value: Any) -> str:
    if not isinstance(value, tuple):
        return str(value)
    if len(value) > 4:
        return ",".join(value[:3]) + f",+{len(value) - 3} more"
    return ",".join(value)


@attrs.define(kw_only=True, repr=False)
class BaseCheck:
    """A helper base for checks (optional: any object with ``name``, ``severity`` and
    ``evaluate`` is a check).

    Subclasses implement ``_evaluate(evidence)`` and return ``self._result(...)``; a
    :class:`MissingInputError` raised inside becomes an ``error`` result naming the input.
    ``repr`` shows the check as the Python that builds it, without default arguments.

    Examples
    --------
    >>> @attrs.define(repr=False)
    ... class Positive(BaseCheck):
    ...     column: str
    ...     def _evaluate(self, evidence):
    ...         bad = int((self._column(evidence, self.column) <= 0).sum())
    ...         return self._result("pass" if bad == 0 else "fail", value=bad, threshold=0)
    >>> import pandas as pd
    >>> Positive("x").evaluate(Evidence(data=pd.DataFrame({"x": [1, -1]}))).status
    'fail'
    >>> Positive("x", severity="warn")
    Positive('x', severity='warn')
    """

    severity: str = attrs.field(default="fail", kw_only=True, validator=_severity)
    name: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValidationError(
                f"The 'name' parameter of {type(self).__name__} must be a str. "
                f"Got {self.name!r} instead."
            )
        if not self.name:
            self.name = self._default_name()

    def _default_name(self) -> str:
        first = attrs.fields(type(self))[2] if len(attrs.fields(type(self))) > 2 else None
        if first is None:
            return type(self).__name__
        return f"{type(self).__name__}({_label(getattr(self, first.name))})"

    def evaluate(self, evidence: Evidence, /) -> CheckResult:
        """Run the check; missing inputs give an ``error`` result that names them."""
        if not isinstance(evidence, Evidence):
            raise ValidationError(
                f"{type(self).__name__}.evaluate takes an Evidence. Got "
                f"{type(evidence).__name__} instead; wrap it: Evidence(data=...)."
            )
        try:
            return self._evaluate(evidence)
        except MissingInputError as error:
            return self._result("error", message=str(error))

    def _evaluate(self, evidence: Evidence) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def _result(self, status: str, **fields: Any) -> CheckResult:
        if status == "fail" and self.severity == "warn":
            status = "warn"
        return CheckResult(
            name=self.name,
            status=status,
            severity=self.severity,
            check=type(self).__name__,
            **fields,
        )

    @staticmethod
    def _need(evidence: Evidence, *names: str) -> None:
        missing = [n for n in names if getattr(evidence, n) is None]
        if missing:
            raise MissingInputError(
                f"missing input: Evidence({', '.join(f'{n}=...' for n in missing)}) is needed"
            )

    @staticmethod
    def _frame(evidence: Evidence, part: str = "data") -> pd.DataFrame:
        frame = getattr(evidence, part)
        if frame is None:
            raise MissingInputError(f"missing input: Evidence({part}=...) is needed")
        return frame  # type: ignore[no-any-return]

    def _column(self, evidence: Evidence, column: str, part: str = "data") -> pd.Series:
        frame = self._frame(evidence, part)
        if column not in frame.columns:
            shown = ", ".join(map(repr, list(frame.columns)[:20]))
            raise MissingInputError(
                f"missing input: column {column!r} is not in Evidence.{part} (columns: {shown})"
            )
        return frame[column]

    def __repr__(self) -> str:
        args: list[str] = []
        keywords: list[str] = []
        fields = attrs.fields(type(self))
        for a in [*fields[2:], *fields[:2]]:  # severity and name (the base's) come last
            if not a.init:
                continue
            value = getattr(self, a.name)
            if a.name == "name" and value == self._default_name():
                continue
            default = a.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if default is not attrs.NOTHING and _same(value, default):
                continue
            if default is None and value == ():
                continue
            text = _code(value)
            if a.kw_only or default is not attrs.NOTHING:
                keywords.append(f"{a.name}={text}")
            else:
                args.append(text)
        return f"{type(self).__name__}({', '.join(args + keywords)})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return False


def _code(value: Any) -> str:
    if isinstance(value, float):
        return repr(round(value, 12))
    if isinstance(value, tuple):
        return "[" + ", ".join(_code(v) for v in value) + "]"
    return repr(value)

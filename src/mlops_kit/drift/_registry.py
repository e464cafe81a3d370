"""The registry of two-sample tests and distances: ``StatTest``, ``register_test``, ``get``."""

from __future__ import annotations

import contextlib
import inspect
import math
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from mlops_kit.drift import _binning
from mlops_kit.drift._json import _opt_float
from mlops_kit.exceptions import NotFoundError, ValidationError

__all__ = [
    "ENTRY_POINT_GROUP",
    "StatResult",
    "StatTest",
    "available",
    "get",
    "register_test",
    "unregister_test",
]

#: The entry-point group scanned for third-party tests (each entry point names a
#: :class:`StatTest` or a function decorated with :func:`register_test`).
ENTRY_POINT_GROUP = "mlops_kit.drift_tests"

KINDS = ("p_value", "distance")
DATA_TYPES = ("numerical", "categorical", "binary")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")

F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen(kw_only=True)
class StatResult:
    """The outcome of one test or distance: ``statistic`` and ``p_value`` (``None`` for distances).

    Examples
    --------
    >>> r = StatResult(statistic=0.5, p_value=0.01)
    >>> statistic, p_value = r
    >>> statistic
    0.5
    """

    statistic: float = attrs.field(converter=float)
    p_value: float | None = attrs.field(default=None, converter=_opt_float)

    def __iter__(self) -> Any:
        return iter((self.statistic, self.p_value))


def _parse_data(data: str | Iterable[str]) -> frozenset[str]:
    if isinstance(data, str):
        items: set[str] = set(DATA_TYPES) if data in ("both", "any") else {data}
        if data == "categorical":
            items.add("binary")  # every categorical measure applies to a two-category column
    else:
        items = set(data)
    bad = sorted(items - set(DATA_TYPES))
    if bad or not items:
        raise ValidationError(
            "The 'data' parameter of register_test must be 'numerical', 'categorical', "
            f"'binary', 'both' or a collection of these. Got {data!r} instead."
        )
    return frozenset(items)


@attrs.frozen(kw_only=True, eq=False)
class StatTest:
    """A named two-sample test or distance, as kept in the registry.

    Call it with the reference and the current values to get a :class:`StatResult`.
    Built-in tests work on sorted values (``input="sorted"``) or on counts per shared bin
    (``input="counts"``); registered functions get the raw values (``input="values"``).

    Parameters
    ----------
    name
        The registered name.
    kind
        ``"p_value"`` (drift when the p-value is below the threshold) or ``"distance"``
        (drift when the distance reaches the threshold).
    data
        The column types it applies to: a subset of numerical, categorical and binary.
    default_threshold
        The threshold used when the detector is given none.
    func
        The implementation, called with the prepared inputs.
    input
        What ``func`` takes: ``"values"``, ``"sorted"`` or ``"counts"``.
    description
        One line for documentation.

    Examples
    --------
    >>> from mlops_kit.drift import stattests
    >>> ks = stattests.get("ks")
    >>> ks.kind, sorted(ks.data), ks.default_threshold
    ('p_value', ['numerical'], 0.05)
    >>> ks([1.0, 2.0, 3.0], [1.5, 2.5, 3.5]).p_value
    1.0
    """

    name: str
    kind: str
    data: frozenset[str] = attrs.field(converter=_parse_data)
    default_threshold: float = attrs.field(converter=float)
    func: Callable[..., Any]
    input: str = "values"
    description: str = ""

    def __attrs_post_init__(self) -> None:
        where = f"StatTest {self.name!r}"
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValidationError(
                f"The 'name' parameter of register_test must be a letter followed by up to 63 "
                f"letters, digits, '_', '.' or '-'. Got {self.name!r} instead."
            )
        if self.kind not in KINDS:
            raise ValidationError(
                f"The 'kind' parameter of register_test must be 'p_value' or 'distance'. "
                f"Got {self.kind!r} instead ({where})."
            )
        t = self.default_threshold
        if not math.isfinite(t) or t <= 0 or (self.kind == "p_value" and t >= 1):
            rng = "(0, 1)" if self.kind == "p_value" else "(0, inf)"
            raise ValidationError(
                f"The 'default_threshold' parameter of register_test must be a float in {rng}. "
                f"Got {t!r} instead ({where})."
            )
        if not callable(self.func):
            raise ValidationError(
                f"register_test needs a callable taking (reference, current). Got "
                f"{self.func!r} instead ({where})."
            )
        if self.input not in ("values", "sorted", "counts"):
            raise ValidationError(
                f"The 'input' parameter of StatTest must be 'values', 'sorted' or 'counts'. "
                f"Got {self.input!r} instead ({where})."
            )
        try:
            inspect.signature(self.func).bind(np.zeros(1), np.zeros(1))
        except TypeError as error:
            raise ValidationError(
                f"register_test needs a callable taking two positional arguments "
                f"(reference, current); {self.func!r} does not: {error}."
            ) from None
        except ValueError:  # pragma: no cover - builtins without a signature
            pass

    def _wrap(self, out: Any) -> StatResult:
        if isinstance(out, StatResult):
            result = out
        elif self.kind == "distance" and np.ndim(out) == 0 and not isinstance(out, tuple):
            result = StatResult(statistic=float(out))
        elif isinstance(out, tuple) and len(out) == 2:
            result = StatResult(statistic=out[0], p_value=out[1])
        elif hasattr(out, "statistic"):
            result = StatResult(statistic=out.statistic, p_value=getattr(out, "pvalue", None))
        else:
            raise ValidationError(
                f"The test {self.name!r} returned {out!r}; a test must return a StatResult, a "
                "(statistic, p_value) pair, or (for a distance) a float."
            )
        if self.kind == "p_value" and result.p_value is None:
            raise ValidationError(f"The p-value test {self.name!r} returned no p-value.")
        if self.kind == "distance" and result.p_value is not None:
            result = StatResult(statistic=result.statistic)
        return result

    def __call__(
        self,
        reference: npt.ArrayLike,
        current: npt.ArrayLike,
        *,
        bins: int | None = None,
    ) -> StatResult:
        """Compare raw reference and current values.

        Numerical values must be finite (drop NaN first; :class:`~mlops_kit.TabularDriftDetector`
        counts them for you). Binned measures on numerical values use ``bins`` quantile bins of
        the reference (10 by default) with an overflow bin on each side; on categorical values,
        the reference categories plus a bin for unseen ones.
        """
        if self.input == "values":
            return self._wrap(self.func(np.asarray(reference), np.asarray(current)))
        if self.input == "sorted":
            ref = _binning.finite_values(reference, "reference", self.name)
            cur = _binning.finite_values(current, "current", self.name)
            return self._wrap(self.func(np.sort(ref), np.sort(cur)))
        ref_counts, cur_counts = _binning.shared_counts(
            reference, current, bins=bins, name=self.name
        )
        return self._wrap(self.func(ref_counts, cur_counts))

    def from_counts(self, reference: npt.ArrayLike, current: npt.ArrayLike) -> StatResult:
        """Apply a binned measure to counts over the same bins (reference first).

        Examples
        --------
        >>> from mlops_kit.drift import stattests
        >>> round(stattests.get("tvd").from_counts([5, 5], [2, 8]).statistic, 6)
        0.3
        """
        if self.input != "counts":
            raise ValidationError(
                f"The test {self.name!r} does not work on counts; call it on the values."
            )
        ref = np.asarray(reference, dtype=np.float64)
        cur = np.asarray(current, dtype=np.float64)
        if ref.shape != cur.shape or ref.ndim != 1:
            raise ValidationError(
                f"{self.name}: the reference and current counts must be 1-d and of the same "
                f"length. Got shapes {ref.shape} and {cur.shape}."
            )
        if (ref < 0).any() or (cur < 0).any() or ref.sum() <= 0 or cur.sum() <= 0:
            raise ValidationError(
                f"{self.name}: counts must be non-negative with a positive total on each side."
            )
        return self._wrap(self.func(ref, cur))


_lock = threading.RLock()
_REGISTRY: dict[str, StatTest] = {}
_entry_points_loaded = False


def _add(test: StatTest, *, replace: bool) -> None:
    with _lock:
        existing = _REGISTRY.get(test.name)
        if existing is not None and not replace and existing.func is not test.func:
            raise ValidationError(
                f"A drift test named {test.name!r} is already registered. Choose another name "
                "or pass replace=True."
            )
        _REGISTRY[test.name] = test


def register_test(
    name: str,
    *,
    kind: str,
    data: str | Iterable[str] = "numerical",
    default_threshold: float | None = None,
    replace: bool = False,
    description: str = "",
) -> Callable[[F], F]:
    """Register a two-sample test or distance under ``name`` (a decorator).

    The function takes ``(reference, current)`` numpy arrays (NaN already left out) and returns
    a float (a distance), a ``(statistic, p_value)`` pair, or a :class:`StatResult`. It is
    checked when it registers; the decorated function is returned unchanged.

    Parameters
    ----------
    name
        The name to use in ``TabularDriftDetector(method=...)``.
    kind
        ``"p_value"`` or ``"distance"``.
    data
        ``"numerical"``, ``"categorical"`` (also binary columns), ``"binary"``, ``"both"``, or
        a collection of these.
    default_threshold
        Default 0.05 for p-value tests; required for distances.
    replace
        Allow replacing a test already registered under this name.
    description
        One line for documentation.

    Returns
    -------
    Callable
        The decorator.

    Raises
    ------
    ValidationError
        On a duplicate name without ``replace=True``, or a bad parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from mlops_kit.drift import register_test, stattests
    >>> @register_test("mean_shift", kind="distance", default_threshold=0.5)
    ... def mean_shift(reference, current):
    ...     return abs(current.mean() - reference.mean()) / reference.std()
    >>> stattests.get("mean_shift")(np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0]))
    StatResult(statistic=1.224744871391589, p_value=None)
    >>> unregister_test("mean_shift")
    """
    if default_threshold is None:
        if kind != "p_value":
            raise ValidationError(
                f"register_test({name!r}) needs a default_threshold for a distance."
            )
        default_threshold = 0.05

    def decorator(func: F) -> F:
        test = StatTest(
            name=name,
            kind=kind,
            data=data,
            default_threshold=default_threshold,
            func=func,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
        )
        _add(test, replace=replace)
        with contextlib.suppress(AttributeError, TypeError):  # objects without a __dict__
            func.__mlops_kit_test__ = test  # type: ignore[attr-defined]
        return func

    return decorator


def unregister_test(name: str) -> None:
    """Remove a registered test (a no-op when it is absent).

    Examples
    --------
    >>> unregister_test("no-such-test")
    """
    with _lock:
        _REGISTRY.pop(name, None)


def _load_entry_points() -> None:
    global _entry_points_loaded
    with _lock:
        if _entry_points_loaded:
            return
        _entry_points_loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            registered = _REGISTRY.get(ep.name)
            obj = ep.load()
            test = obj if isinstance(obj, StatTest) else getattr(obj, "__mlops_kit_test__", None)
            if not isinstance(test, StatTest):
                raise ValidationError(
                    f"The entry point {ep.name!r} of group {ENTRY_POINT_GROUP!r} ({ep.value}) "
                    "must name a StatTest or a function decorated with register_test."
                )
            if test.name != ep.name:
                test = attrs.evolve(test, name=ep.name)
            if registered is None or registered.func is not test.func:
                _add(test, replace=False)


def reload_entry_points() -> None:
    """Scan the ``mlops_kit.drift_tests`` entry points again (after installing a plug-in).

    Examples
    --------
    >>> reload_entry_points()
    """
    global _entry_points_loaded
    with _lock:
        _entry_points_loaded = False
    _load_entry_points()


def get(name: str) -> StatTest:
    """The registered test named ``name``.

    Raises
    ------
    NotFoundError
        When no test has this name; the message lists the known names.

    Examples
    --------
    >>> get("psi").kind
    'distance'
    """
    with _lock:
        test = _REGISTRY.get(name)
    if test is None:
        _load_entry_points()
        with _lock:
            test = _REGISTRY.get(name)
    if test is None:
        raise NotFoundError(
            f"No drift test named {name!r}. Known tests: {', '.join(available())}. Register "
            "one with mlops_kit.drift.register_test."
        )
    return test


def available(*, kind: str | None = None, data: str | None = None) -> list[str]:
    """The sorted names of the registered tests, optionally of one kind or column type.

    Examples
    --------
    >>> available(kind="p_value", data="binary")
    ['chi2', 'fisher', 'gtest', 'ztest']
    """
    _load_entry_points()
    with _lock:
        tests = list(_REGISTRY.values())
    return sorted(
        t.name
        for t in tests
        if (kind is None or t.kind == kind) and (data is None or data in t.data)
    )


def _register_builtin(test: StatTest) -> StatTest:
    _add(test, replace=True)
    return test

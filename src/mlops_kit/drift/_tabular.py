"""TabularDriftDetector: one test per column, a correction across them, a verdict by share."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs
import numpy as np

from mlops_kit._version import __version__
from mlops_kit.drift import _registry
from mlops_kit.drift._columns import compare_column
from mlops_kit.drift._corrections import CORRECTIONS, adjust_p_values
from mlops_kit.drift._dask import compare_dask, is_dask_frame, refuse_dask_reference
from mlops_kit.drift._profile import (
    Profile,
    profile_column,
)
from mlops_kit.drift._reference import ReferenceProfile, as_frame, check_columns_present
from mlops_kit.drift._report import ColumnDrift, DriftReport
from mlops_kit.exceptions import NotFittedError, NotFoundError, ValidationError

__all__ = ["AUTO_SIZE_LIMIT", "TabularDriftDetector"]

#: ``method="auto"`` uses tests up to this many reference values and distances above it.
AUTO_SIZE_LIMIT = 1000

#: The ``auto`` table: column type -> (test for small references, distance for large ones).
AUTO_TABLE = {
    "numerical": ("ks", "wasserstein"),
    "categorical": ("chi2", "jensenshannon"),
    "binary": ("fisher", "jensenshannon"),
}

T = TypeVar("T")

_COLLECTION = "drift.detectors"
_CLS = "TabularDriftDetector"


def _bad(param: str, expected: str, got: Any) -> ValidationError:
    return ValidationError(
        f"The {param!r} parameter of {_CLS} must be {expected}. Got {got!r} instead."
    )


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_method(instance: Any, attribute: Any, value: Any) -> None:
    names = value.values() if isinstance(value, Mapping) else [value]
    for name in names:
        if not isinstance(name, str):
            raise _bad("method", "'auto', a test name or a mapping column -> test name", value)
        if name != "auto":
            try:
                _registry.get(name)
            except NotFoundError as error:
                raise ValidationError(
                    f"The 'method' parameter of {_CLS} names an unknown test: {error}"
                ) from None


def _check_threshold(instance: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    values = value.values() if isinstance(value, Mapping) else [value]
    for v in values:
        if not _is_real(v) or v <= 0:
            raise _bad("threshold", "None, a positive float or a mapping column -> float", value)
    method = instance.method
    if not isinstance(value, Mapping) and isinstance(method, str):
        p_value_only = method == "auto" or _registry.get(method).kind == "p_value"
        if p_value_only and value >= 1:
            raise _bad("threshold", "a float in (0, 1)", value)


def _check_correction(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and value not in CORRECTIONS:
        raise _bad("correction", "None, 'bonferroni', 'holm' or 'fdr_bh'", value)


def _check_share(instance: Any, attribute: Any, value: Any) -> None:
    if not _is_real(value) or not 0 < value <= 1:
        raise _bad("drift_share", "a float in (0, 1]", value)


def _check_names(instance: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise _bad(attribute.name, "None or a sequence of column names (strings)", value)


def _check_positive_int(minimum: int) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value is None and attribute.name == "max_reference_rows":
            return
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
            raise _bad(attribute.name, f"an integer >= {minimum}", value)

    return check


def _check_n_jobs(instance: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value == 0 or value < -1:
        raise _bad("n_jobs", "None, -1 or a positive integer", value)


def _check_random_state(instance: Any, attribute: Any, value: Any) -> None:
    ok = value is None or isinstance(value, np.random.Generator)
    ok = ok or bool(
        isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0
    )
    if not ok:
        raise _bad("random_state", "None, a non-negative int or a numpy.random.Generator", value)


@attrs.define(kw_only=True, slots=False)
class TabularDriftDetector:
    """Column-wise drift between a reference and a current DataFrame.

    Each column gets a test or a distance chosen by its type and the reference size (the
    ``auto`` table below), a p-value correction across the columns tested by p-value, and a
    verdict; the dataset drifts when the share of drifted columns reaches ``drift_share``.

    ===========  =============================  ==============================
    column type  reference of <= 1000 values     larger reference
    ===========  =============================  ==============================
    numerical    ``ks`` (p-value, 0.05)          ``wasserstein`` (0.1 std)
    categorical  ``chi2`` (p-value, 0.05)        ``jensenshannon`` (0.1)
    binary       ``fisher`` (p-value, 0.05)      ``jensenshannon`` (0.1)
    ===========  =============================  ==============================

    Types are inferred from the reference: booleans and columns with exactly two distinct
    values are binary; strings, categories and columns named in ``categorical`` are
    categorical; other numbers, datetimes and timedeltas (as seconds) are numerical.
    NaN and inf are left out of the tests and counted in each :class:`ColumnDrift`, with a test
    of the change of the missing rate.

    Parameters
    ----------
    method
        ``"auto"``, a registered test name (applied to every column whose type it supports;
        the others use ``auto``), or a mapping column -> name (other columns use ``auto``).
    threshold
        ``None`` (each test's default), one float, or a mapping column -> float.
    correction
        ``None``, ``"bonferroni"``, ``"holm"`` or ``"fdr_bh"``, across p-value columns.
    drift_share
        The share of drifted columns at which the dataset is called drifted, in (0, 1].
    categorical
        Numeric columns to treat as categories (codes, ratings).
    columns
        The columns to compare; all reference columns by default.
    max_reference_rows
        Keep a seeded random sample of at most this many reference rows in the profile.
    bins
        Quantile bins of the reference for binned measures on numerical columns.
    max_categories
        Categories kept per column; rarer reference categories are counted in one
        "other" bin, shared with categories unseen in the reference.
    random_state
        Seeds the sample of ``max_reference_rows``.
    n_jobs
        Threads comparing columns in parallel: ``None`` or ``-1`` for one per CPU, ``1`` to
        stay in the calling thread. Results do not depend on it.

    Attributes
    ----------
    reference_ : ReferenceProfile
        The compact reference profile, after ``fit``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> reference = pd.DataFrame({"amount": rng.normal(size=500),
    ...                           "country": rng.choice(["fr", "de", "it"], size=500)})
    >>> current = pd.DataFrame({"amount": rng.normal(0.8, 1.0, size=500),
    ...                         "country": rng.choice(["fr", "de", "it"], size=500)})
    >>> report = TabularDriftDetector(correction="holm").fit(reference).detect(current)
    >>> report.drifted, report.drifted_columns
    (True, ('amount',))
    >>> report.columns["country"].method
    'chi2'
    """

    method: str | Mapping[str, str] = attrs.field(default="auto", validator=_check_method)
    threshold: float | Mapping[str, float] | None = attrs.field(
        default=None, validator=_check_threshold
    )
    correction: str | None = attrs.field(default=None, validator=_check_correction)
    drift_share: float = attrs.field(default=0.5, validator=_check_share)
    categorical: Sequence[str] | None = attrs.field(default=None, validator=_check_names)
    columns: Sequence[str] | None = attrs.field(default=None, validator=_check_names)
    max_reference_rows: int | None = attrs.field(default=None, validator=_check_positive_int(1))
    bins: int = attrs.field(default=10, validator=_check_positive_int(2))
    max_categories: int = attrs.field(default=1000, validator=_check_positive_int(2))
    random_state: int | np.random.Generator | None = attrs.field(
        default=None, validator=_check_random_state
    )
    n_jobs: int | None = attrs.field(default=None, validator=_check_n_jobs)

    def _map(self, func: Callable[[Any], T], items: list[Any]) -> list[T]:
        """``[func(item) for item in items]``, on ``n_jobs`` threads (numpy releases the GIL)."""
        workers = self.n_jobs if self.n_jobs and self.n_jobs > 0 else (os.cpu_count() or 1)
        workers = min(workers, len(items))
        if workers <= 1:
            return [func(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlops-drift") as pool:
            return list(pool.map(func, items))

    # ------------------------------------------------------------------ fit
    def _method_for(self, profile: Profile) -> str:
        column, ctype = profile.column, profile.column_type
        small, large = AUTO_TABLE[ctype]
        auto = small if profile.n <= AUTO_SIZE_LIMIT else large
        if isinstance(self.method, Mapping):
            name = self.method.get(column, "auto")
            if name != "auto" and ctype not in _registry.get(name).data:
                raise ValidationError(
                    f"The test {name!r} chosen for column {column!r} does not apply to "
                    f"{ctype} columns (it takes {', '.join(sorted(_registry.get(name).data))} "
                    "data). Choose another test or declare the column's type with categorical=."
                )
            return auto if name == "auto" else name
        if self.method == "auto" or ctype not in _registry.get(self.method).data:
            return auto
        return self.method

    def fit(self, reference: Any, /) -> TabularDriftDetector:
        """Profile the reference data; return ``self``.

        Parameters
        ----------
        reference
            A DataFrame (or a Series, a mapping of columns, a 2-d array) of reference data.

        Returns
        -------
        TabularDriftDetector
            ``self``, fitted.
        """
        refuse_dask_reference(reference)
        frame = as_frame(reference, "reference")
        names = list(frame.columns) if self.columns is None else list(self.columns)
        for name in names:
            if name not in frame.columns:
                raise ValidationError(
                    f"Column {name!r} given in columns= is not in the reference data. "
                    f"Its columns are: {', '.join(map(repr, map(str, frame.columns)))}."
                )
        for name in [*(self.categorical or []), *self._mapping_keys()]:
            if name not in names:
                raise ValidationError(
                    f"Column {name!r} named in the parameters of {_CLS} is not among the "
                    "compared columns. Check its spelling or add it to columns=."
                )
        if len(frame) == 0:
            raise ValidationError("The reference data has no rows; fit on a non-empty sample.")
        n_rows = len(frame)
        if self.max_reference_rows is not None and n_rows > self.max_reference_rows:
            rng = np.random.default_rng(self.random_state)
            rows = np.sort(rng.choice(n_rows, size=self.max_reference_rows, replace=False))
            frame = frame.iloc[rows]
        categorical = set(self.categorical or [])

        def one(item: tuple[str, Any]) -> Profile:
            name, series = item
            profile = profile_column(
                series,
                str(name),
                bins=self.bins,
                categorical=name in categorical,
                max_categories=self.max_categories,
            )
            return attrs.evolve(profile, method=self._method_for(profile))

        items = [(name, frame[name]) for name in names]
        profiles = {p.column: p for p in self._map(one, items)}
        for column, profile in profiles.items():
            threshold = self._threshold_for(column, profile.method)
            if _registry.get(profile.method).kind == "p_value" and threshold >= 1:
                raise ValidationError(
                    f"The threshold of column {column!r} must be in (0, 1) for the p-value test "
                    f"{profile.method!r}. Got {threshold!r} instead."
                )
        self.reference_ = ReferenceProfile(columns=profiles, n_rows=len(frame), n_rows_seen=n_rows)
        return self

    def _mapping_keys(self) -> list[str]:
        keys: list[str] = []
        for param in (self.method, self.threshold):
            if isinstance(param, Mapping):
                keys.extend(param)
        return keys

    def _threshold_for(self, column: str, method: str) -> float:
        if isinstance(self.threshold, Mapping) and column in self.threshold:
            return float(self.threshold[column])
        if _is_real(self.threshold):
            return float(self.threshold)  # type: ignore[arg-type]
        return _registry.get(method).default_threshold

    # --------------------------------------------------------------- detect
    def detect(self, current: Any, /) -> DriftReport:
        """Compare current data with the reference profile.

        Parameters
        ----------
        current
            Data with (at least) the reference's compared columns, of the same kinds.

        Returns
        -------
        DriftReport
            The dataset verdict and one :class:`ColumnDrift` per column.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValidationError
            On an empty current sample, a missing column or a column of another kind.
        """
        reference = self.__dict__.get("reference_")
        if reference is None:
            raise NotFittedError(
                f"This {_CLS} is not fitted yet. Call fit(reference) first, or load a saved one."
            )
        if is_dask_frame(current):  # counts per partition over the bins fixed at fit
            results, n_current = compare_dask(reference, current, self._threshold_for)
        else:
            results, n_current = self._compare(reference, current)
        results = self._correct(results)
        n_drifted = sum(1 for c in results if c.drifted)
        share = n_drifted / len(results) if results else 0.0
        return DriftReport(
            columns=results,
            drifted=bool(results) and share >= self.drift_share,
            drift_share=share,
            drift_share_threshold=self.drift_share,
            method="columnwise",
            n_reference=reference.n_rows,
            n_current=n_current,
            detector=_CLS,
            details={"correction": self.correction} if self.correction else {},
        )

    def _compare(self, reference: ReferenceProfile, current: Any) -> tuple[list[ColumnDrift], int]:
        """The column results and the row count for in-memory current data."""
        frame = as_frame(current, "current")
        if len(frame) == 0:
            raise ValidationError(
                "The current data has no rows; drift cannot be measured on an empty sample."
            )
        check_columns_present(reference, frame.columns)
        items = [(p, frame[name]) for name, p in reference.columns.items()]
        results = self._map(
            lambda item: compare_column(
                item[0], item[1], self._threshold_for(item[0].column, item[0].method)
            ),
            items,
        )
        return results, len(frame)

    def _correct(self, results: list[ColumnDrift]) -> list[ColumnDrift]:
        if self.correction is None:
            return results
        keep = [
            (i, c.p_value)
            for i, c in enumerate(results)
            if c.kind == "p_value" and c.p_value is not None and not math.isnan(c.p_value)
        ]
        adjusted = adjust_p_values([p for _, p in keep], self.correction)
        out = list(results)
        for (i, _), adj in zip(keep, adjusted):
            c = out[i]
            out[i] = attrs.evolve(c, adjusted_p_value=adj, drifted=adj < c.threshold)
        return out

    # ---------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        """The configuration and the fitted reference profile as JSON-compatible data.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        """
        reference = self.__dict__.get("reference_")
        if reference is None:
            raise NotFittedError(f"This {_CLS} is not fitted yet; there is nothing to save.")
        rs = self.random_state
        return {
            "type": _CLS,
            "schema_version": 1,
            "mlops_kit_version": __version__,
            "params": {
                "method": dict(self.method) if isinstance(self.method, Mapping) else self.method,
                "threshold": (
                    dict(self.threshold) if isinstance(self.threshold, Mapping) else self.threshold
                ),
                "correction": self.correction,
                "drift_share": self.drift_share,
                "categorical": None if self.categorical is None else list(self.categorical),
                "columns": None if self.columns is None else list(self.columns),
                "max_reference_rows": self.max_reference_rows,
                "bins": self.bins,
                "max_categories": self.max_categories,
                "random_state": int(rs) if isinstance(rs, int | np.integer) else None,
                "n_jobs": self.n_jobs,
            },
            "reference": reference.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TabularDriftDetector:
        """A fitted detector from :meth:`to_dict`'s output; the raw reference is not needed.

        Raises
        ------
        ValidationError
            When the data is not a saved TabularDriftDetector or has a newer schema.
        """
        if data.get("type") != _CLS:
            raise ValidationError(f"This is not a saved {_CLS} (type {data.get('type')!r}).")
        if int(data.get("schema_version", 1)) > 1:
            raise ValidationError(
                f"This {_CLS} was saved with schema version {data['schema_version']}, newer "
                f"than this mlops_kit {__version__} understands. Upgrade mlops_kit."
            )
        detector = cls(**data["params"])
        detector.reference_ = ReferenceProfile.from_dict(data["reference"])
        return detector

    def save(self, store: Any, name: str) -> str:
        """Save the fitted detector in a store: a profile blob and a ``drift.detectors`` record.

        Parameters
        ----------
        store
            A :class:`~mlops_kit.storage.Store` (anything with ``blobs`` and ``metadata``).
        name
            The key of the record (e.g. ``"fraud/inputs"``).

        Returns
        -------
        str
            The digest of the profile blob.
        """
        payload = json.dumps(self.to_dict(), separators=(",", ":")).encode("utf-8")
        digest: str = store.blobs.put(payload)
        reference = self.reference_
        store.metadata.put(
            _COLLECTION,
            name,
            {
                "type": _CLS,
                "digest": digest,
                "schema_version": 1,
                "mlops_kit_version": __version__,
                "columns": list(reference.columns),
                "n_reference": reference.n_rows,
            },
        )
        return digest

    @classmethod
    def load(cls, store: Any, name: str) -> TabularDriftDetector:
        """Load a detector saved with :meth:`save`; its profile blob is verified by the store.

        Raises
        ------
        NotFoundError
            When no detector was saved under ``name``.
        """
        doc = store.metadata.get(_COLLECTION, name)
        if doc is None:
            raise NotFoundError(
                f"No drift detector saved under {name!r} in this store. Save one with "
                f"{_CLS}.save(store, {name!r})."
            )
        data = json.loads(store.blobs.get(doc.value["digest"]))
        return cls.from_dict(data)

"""The results of batch drift detection: :class:`ColumnDrift` and :class:`DriftReport`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from mlops_kit._version import __version__
from mlops_kit.drift._json import (
    _encode_float,
    _float_tuple,
    _int_tuple,
    _json_restore,
    _json_safe,
    _nan_free,
    _nan_key,
    _opt_float,
    _plain,
    _str_tuple,
)
from mlops_kit.drift._registry import KINDS
from mlops_kit.exceptions import ValidationError

__all__ = ["ColumnDistribution", "ColumnDrift", "DriftReport"]

#: Version of the dictionary layout written by ``to_dict``; bumped on incompatible changes.
SCHEMA_VERSION = 1


@attrs.frozen(kw_only=True)
class ColumnDistribution:
    """The binned distribution of one column on both sides, for charts and binned measures.

    A numerical column has ``edges`` (the finite, increasing bin edges fixed from the reference)
    and ``len(edges) + 1`` counts: the first and the last bin are the overflow bins below the
    first edge and at or above the last one. A categorical column has ``categories`` (the labels,
    the last one being the bin of categories unseen in the reference) and one count per
    category.

    Parameters
    ----------
    edges
        Increasing finite bin edges (numerical columns), else empty.
    categories
        Category labels (categorical columns), else empty.
    reference_counts, current_counts
        Counts per bin, same length on both sides.

    Examples
    --------
    >>> d = ColumnDistribution(edges=(0.0, 1.0), reference_counts=(0, 10, 0),
    ...                        current_counts=(2, 7, 1))
    >>> d.labels
    ('< 0', '[0, 1)', '>= 1')
    """

    edges: tuple[float, ...] = attrs.field(default=(), converter=_float_tuple)
    categories: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    reference_counts: tuple[int, ...] = attrs.field(converter=_int_tuple)
    current_counts: tuple[int, ...] = attrs.field(converter=_int_tuple)

    def __attrs_post_init__(self) -> None:
        n = len(self.reference_counts)
        if len(self.current_counts) != n:
            raise ValidationError(
                "ColumnDistribution needs as many current counts as reference counts. "
                f"Got {len(self.current_counts)} and {n}."
            )
        expected = len(self.edges) + 1 if self.edges else len(self.categories)
        if (self.edges or self.categories) and expected != n:
            raise ValidationError(
                f"ColumnDistribution needs {expected} counts for its bins. Got {n} instead."
            )

    @property
    def labels(self) -> tuple[str, ...]:
        """A readable label per bin."""
        if self.categories:
            return self.categories
        if not self.edges:
            return tuple(str(i) for i in range(len(self.reference_counts)))
        e = [f"{x:.4g}" for x in self.edges]
        inner = tuple(f"[{a}, {b})" for a, b in itertools.pairwise(e))
        return (f"< {e[0]}", *inner, f">= {e[-1]}")

    def to_dict(self) -> dict[str, Any]:
        """The distribution as JSON-compatible data."""
        return {
            "edges": list(self.edges),
            "categories": list(self.categories),
            "reference_counts": list(self.reference_counts),
            "current_counts": list(self.current_counts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnDistribution:
        """Rebuild a distribution from :meth:`to_dict`'s output."""
        return cls(
            edges=data.get("edges", ()),
            categories=data.get("categories", ()),
            reference_counts=data["reference_counts"],
            current_counts=data["current_counts"],
        )


def _check_kind(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in KINDS:
        raise ValidationError(
            f"The '{attribute.name}' parameter of ColumnDrift must be one of "
            f"{', '.join(map(repr, KINDS))}. Got {value!r} instead."
        )


@attrs.frozen(kw_only=True)
class ColumnDrift:
    """The drift verdict on one column.

    Parameters
    ----------
    column
        The column's name.
    method
        The registered name of the measure (``"ks"``, ``"psi"``, ...).
    statistic
        The test statistic or the distance.
    p_value
        The raw p-value, ``None`` for a distance.
    threshold
        The p-value level (drift when the adjusted p-value is below it) or the distance level
        (drift when the distance reaches it).
    drifted
        The verdict.
    kind
        ``"p_value"`` or ``"distance"``; by default ``"p_value"`` when a p-value is given.
    adjusted_p_value
        The p-value after the detector's multiple-testing correction; equal to ``p_value``
        without one.
    column_type
        ``"numerical"``, ``"categorical"`` or ``"binary"`` (empty when not applicable).
    n_reference, n_current
        The number of values compared on each side (NaN and inf left out).
    nan_reference, nan_current, inf_reference, inf_current
        The NaN (missing) and infinite values left out on each side.
    missing_p_value
        Two-sided p-value of a pooled two-proportion z-test that the missing rate (NaN share)
        is the same on both sides; ``None`` when no side has missing values.
    distribution
        The binned distributions on both sides, for charts.
    note
        A short human remark (e.g. why a column could not be tested).

    Examples
    --------
    >>> c = ColumnDrift(column="amount", method="ks", statistic=0.31, p_value=0.002,
    ...                 threshold=0.05, drifted=True)
    >>> c.kind, c.adjusted_p_value
    ('p_value', 0.002)
    >>> print(c)
    amount: drift (ks statistic=0.31, p=0.002 < 0.05)
    """

    column: str
    method: str
    statistic: float = attrs.field(converter=float, eq=_nan_key)
    p_value: float | None = attrs.field(default=None, converter=_opt_float, eq=_nan_key)
    threshold: float = attrs.field(converter=float)
    drifted: bool = attrs.field(converter=bool)
    kind: str = attrs.field(validator=_check_kind)
    adjusted_p_value: float | None = attrs.field(converter=_opt_float, eq=_nan_key)
    column_type: str = ""
    n_reference: int = attrs.field(default=0, converter=int)
    n_current: int = attrs.field(default=0, converter=int)
    nan_reference: int = attrs.field(default=0, converter=int)
    nan_current: int = attrs.field(default=0, converter=int)
    inf_reference: int = attrs.field(default=0, converter=int)
    inf_current: int = attrs.field(default=0, converter=int)
    missing_p_value: float | None = attrs.field(default=None, converter=_opt_float, eq=_nan_key)
    distribution: ColumnDistribution | None = None
    note: str = ""

    @kind.default
    def _kind_default(self) -> str:
        return "distance" if self.p_value is None else "p_value"

    @adjusted_p_value.default
    def _adjusted_default(self) -> float | None:
        return self.p_value

    @property
    def missing_rate_reference(self) -> float:
        """Share of NaN among the reference values of the column (0 when there are none)."""
        total = self.n_reference + self.nan_reference + self.inf_reference
        return self.nan_reference / total if total else 0.0

    @property
    def missing_rate_current(self) -> float:
        """Share of NaN among the current values of the column (0 when there are none)."""
        total = self.n_current + self.nan_current + self.inf_current
        return self.nan_current / total if total else 0.0

    @property
    def severity(self) -> float:
        """How far past its threshold the column is; 1 is the threshold, larger is worse.

        ``statistic / threshold`` for distances, ``log(p) / log(threshold)`` on the adjusted
        p-value for tests.

        Examples
        --------
        >>> ColumnDrift(column="x", method="psi", statistic=0.4, threshold=0.2,
        ...             drifted=True).severity
        2.0
        """
        if self.kind == "distance":
            if self.threshold <= 0:
                return math.inf if self.statistic > 0 else 0.0
            return self.statistic / self.threshold
        p = self.adjusted_p_value
        if p is None or math.isnan(p) or not 0.0 < self.threshold < 1.0:
            return 0.0
        if p <= 0.0:
            return math.inf
        return math.log(p) / math.log(self.threshold)

    def to_dict(self) -> dict[str, Any]:
        """The verdict as strict-JSON-compatible data (non-finite floats as strings)."""
        return {
            "column": self.column,
            "method": self.method,
            "kind": self.kind,
            "column_type": self.column_type,
            "statistic": _encode_float(self.statistic),
            "p_value": _encode_float(self.p_value),
            "adjusted_p_value": _encode_float(self.adjusted_p_value),
            "threshold": _encode_float(self.threshold),
            "drifted": self.drifted,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "nan_reference": self.nan_reference,
            "nan_current": self.nan_current,
            "inf_reference": self.inf_reference,
            "inf_current": self.inf_current,
            "missing_p_value": _encode_float(self.missing_p_value),
            "distribution": None if self.distribution is None else self.distribution.to_dict(),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnDrift:
        """Rebuild a verdict from :meth:`to_dict`'s output.

        Examples
        --------
        >>> c = ColumnDrift(column="x", method="psi", statistic=0.1, threshold=0.2,
        ...                 drifted=False)
        >>> ColumnDrift.from_dict(c.to_dict()) == c
        True
        """
        dist = data.get("distribution")
        return cls(
            column=data["column"],
            method=data["method"],
            kind=data["kind"],
            column_type=data.get("column_type", ""),
            statistic=_opt_float(data["statistic"]),  # type: ignore[arg-type]
            p_value=_opt_float(data.get("p_value")),
            adjusted_p_value=_opt_float(data.get("adjusted_p_value")),
            threshold=_opt_float(data["threshold"]),  # type: ignore[arg-type]
            drifted=data["drifted"],
            n_reference=data.get("n_reference", 0),
            n_current=data.get("n_current", 0),
            nan_reference=data.get("nan_reference", 0),
            nan_current=data.get("nan_current", 0),
            inf_reference=data.get("inf_reference", 0),
            inf_current=data.get("inf_current", 0),
            missing_p_value=_opt_float(data.get("missing_p_value")),
            distribution=None if dist is None else ColumnDistribution.from_dict(dist),
            note=data.get("note", ""),
        )

    def __str__(self) -> str:
        verdict = "drift" if self.drifted else "no drift"
        if self.kind == "p_value":
            p = self.adjusted_p_value
            cmp = "<" if self.drifted else ">="
            detail = f"p={p:.4g} {cmp} {self.threshold:.4g}"
            if self.p_value != p and self.p_value is not None:
                detail = f"raw p={self.p_value:.4g}, adjusted {detail}"
        else:
            cmp = ">=" if self.drifted else "<"
            detail = f"{self.statistic:.4g} {cmp} {self.threshold:.4g}"
            return f"{self.column}: {verdict} ({self.method} {detail})"
        return f"{self.column}: {verdict} ({self.method} statistic={self.statistic:.4g}, {detail})"

    def _repr_html_(self) -> str:
        from mlops_kit.report._drift import render_column_fragment

        return render_column_fragment(self.to_dict())


def _columns_converter(value: Mapping[str, ColumnDrift] | Sequence[ColumnDrift]) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    return {c.column: c for c in value}


def _details_converter(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return {} if value is None else dict(_plain(dict(value)))


def _check_share(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        raise ValidationError(
            f"The '{attribute.name}' parameter of DriftReport must be a float in [0, 1]. "
            f"Got {value!r} instead."
        )


@attrs.frozen(kw_only=True)
class DriftReport:
    """The result of a batch drift detector: the dataset verdict and a verdict per column.

    Column-wise detectors (:class:`~mlops_kit.TabularDriftDetector`) fill ``columns`` and decide
    ``drifted`` by the share of drifted columns. Dataset-level (multivariate) detectors fill the
    dataset ``statistic``, ``p_value``, ``method`` and ``threshold``, may leave ``columns`` empty,
    put extra numbers (e.g. feature importances) in ``details`` and set ``drift_share`` to
    ``1.0`` when they find drift and ``0.0`` otherwise, so retrain triggers that read
    ``drift_share`` work with both.

    Parameters
    ----------
    columns
        Column name -> :class:`ColumnDrift` (a sequence of them is accepted too), in the order
        the detector tested them.
    drifted
        The dataset verdict.
    drift_share
        The observed share of drifted columns, in [0, 1].
    drift_share_threshold
        The configured share at which the dataset is called drifted.
    method
        The dataset-level method (``"columnwise"`` for column-wise detectors).
    statistic, p_value, threshold
        The dataset-level statistic, p-value and threshold, where there are.
    n_reference, n_current
        Rows on each side.
    detector
        The name of the detector that produced the report.
    details
        Extra JSON-compatible values (floats, strings, lists, dicts).
    mlops_kit_version
        The version of mlops_kit that produced the report.

    Examples
    --------
    >>> import json
    >>> report = DriftReport(
    ...     columns=[ColumnDrift(column="amount", method="ks", statistic=0.31, p_value=0.002,
    ...                          threshold=0.05, drifted=True),
    ...              ColumnDrift(column="country", method="chi2", statistic=1.2, p_value=0.55,
    ...                          threshold=0.05, drifted=False)],
    ...     drifted=True, drift_share=0.5, drift_share_threshold=0.5)
    >>> report.drifted_columns
    ('amount',)
    >>> DriftReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report
    True
    """

    columns: dict[str, ColumnDrift] = attrs.field(factory=dict, converter=_columns_converter)
    drifted: bool = attrs.field(converter=bool)
    drift_share: float = attrs.field(converter=float, validator=_check_share)
    drift_share_threshold: float = attrs.field(default=0.5, converter=float, validator=_check_share)
    method: str = "columnwise"
    statistic: float | None = attrs.field(default=None, converter=_opt_float, eq=_nan_key)
    p_value: float | None = attrs.field(default=None, converter=_opt_float, eq=_nan_key)
    threshold: float | None = attrs.field(default=None, converter=_opt_float)
    n_reference: int = attrs.field(default=0, converter=int)
    n_current: int = attrs.field(default=0, converter=int)
    detector: str = ""
    details: dict[str, Any] = attrs.field(factory=dict, converter=_details_converter, eq=_nan_free)
    mlops_kit_version: str = __version__

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """The names of the drifted columns, in the detector's order."""
        return tuple(name for name, c in self.columns.items() if c.drifted)

    @property
    def n_drifted(self) -> int:
        """The number of drifted columns."""
        return len(self.drifted_columns)

    def by_severity(self) -> list[ColumnDrift]:
        """The column verdicts, most severe first (drifted before not drifted).

        Examples
        --------
        >>> r = DriftReport(columns=[
        ...     ColumnDrift(column="a", method="psi", statistic=0.1, threshold=0.2, drifted=False),
        ...     ColumnDrift(column="b", method="psi", statistic=0.5, threshold=0.2, drifted=True)],
        ...     drifted=True, drift_share=0.5)
        >>> [c.column for c in r.by_severity()]
        ['b', 'a']
        """
        return sorted(
            self.columns.values(),
            key=lambda c: (not c.drifted, -(c.severity if not math.isnan(c.severity) else 0.0)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as strict-JSON-compatible data, with a schema version."""
        return {
            "schema_version": SCHEMA_VERSION,
            "mlops_kit_version": self.mlops_kit_version,
            "detector": self.detector,
            "method": self.method,
            "drifted": self.drifted,
            "drift_share": self.drift_share,
            "drift_share_threshold": self.drift_share_threshold,
            "statistic": _encode_float(self.statistic),
            "p_value": _encode_float(self.p_value),
            "threshold": _encode_float(self.threshold),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "details": _json_safe(self.details),
            "columns": [c.to_dict() for c in self.columns.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftReport:
        """Rebuild a report from :meth:`to_dict`'s output.

        Raises
        ------
        ValidationError
            When the data was written with a newer, unknown schema version.
        """
        version = data.get("schema_version", SCHEMA_VERSION)
        if version > SCHEMA_VERSION:
            raise ValidationError(
                f"This DriftReport was written with schema version {version}, newer than "
                f"{SCHEMA_VERSION} understood by mlops_kit {__version__}. Upgrade mlops_kit."
            )
        return cls(
            columns=[ColumnDrift.from_dict(c) for c in data.get("columns", [])],
            drifted=data["drifted"],
            drift_share=data["drift_share"],
            drift_share_threshold=data.get("drift_share_threshold", 0.5),
            method=data.get("method", "columnwise"),
            statistic=_opt_float(data.get("statistic")),
            p_value=_opt_float(data.get("p_value")),
            threshold=_opt_float(data.get("threshold")),
            n_reference=data.get("n_reference", 0),
            n_current=data.get("n_current", 0),
            detector=data.get("detector", ""),
            details=_json_restore(data.get("details") or {}),
            mlops_kit_version=data.get("mlops_kit_version", __version__),
        )

    def to_frame(self) -> Any:
        """One row per column verdict as a :class:`pandas.DataFrame`, most severe first.

        Examples
        --------
        >>> r = DriftReport(columns=[ColumnDrift(column="a", method="psi", statistic=0.1,
        ...                                      threshold=0.2, drifted=False)],
        ...                 drifted=False, drift_share=0.0)
        >>> list(r.to_frame()["column"])
        ['a']
        """
        import pandas as pd

        rows = []
        for c in self.by_severity():
            row = c.to_dict()
            del row["distribution"]
            for key in ("statistic", "p_value", "adjusted_p_value", "threshold", "missing_p_value"):
                row[key] = getattr(c, key)
            rows.append(row)
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        head = "drift" if self.drifted else "no drift"
        lines = []
        if self.columns:
            lines.append(
                f"DriftReport: {head}: {self.n_drifted} of {len(self.columns)} columns drifted "
                f"(share {self.drift_share:.3g}, threshold {self.drift_share_threshold:.3g})"
            )
        else:
            lines.append(f"DriftReport: {head}")
        if self.statistic is not None:
            extra = f", p={self.p_value:.4g}" if self.p_value is not None else ""
            thr = f", threshold={self.threshold:.4g}" if self.threshold is not None else ""
            lines.append(f"  {self.method}: statistic={self.statistic:.4g}{extra}{thr}")
        lines.extend(f"  {c}" for c in self.by_severity())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from mlops_kit.report._drift import render_drift_fragment

        return render_drift_fragment(self.to_dict())

    def to_html(self, path: str | Path | None = None, *, title: str | None = None) -> str:
        """A self-contained HTML page (no network resources) with a summary and a chart per column.

        Parameters
        ----------
        path
            Where to write the page; ``None`` only returns it.
        title
            The page title; by default "Drift report".

        Returns
        -------
        str
            The page.

        Examples
        --------
        >>> r = DriftReport(columns=[ColumnDrift(column="a", method="psi", statistic=0.1,
        ...                                      threshold=0.2, drifted=False)],
        ...                 drifted=False, drift_share=0.0)
        >>> r.to_html().startswith("<!DOCTYPE html>")
        True
        """
        from mlops_kit.report._drift import render_drift_page

        page = render_drift_page(self.to_dict(), title=title or "Drift report")
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page

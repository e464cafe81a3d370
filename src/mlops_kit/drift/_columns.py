"""Comparing one current column with its reference profile."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlops_kit.drift import _registry
from mlops_kit.drift._binning import bin_counts, category_counts, sorted_counts
from mlops_kit.drift._builtin import _ztest
from mlops_kit.drift._profile import (
    CategoricalProfile,
    NumericalProfile,
    Profile,
    column_kind,
    extract_numbers,
    split_finite,
)
from mlops_kit.drift._report import ColumnDistribution, ColumnDrift
from mlops_kit.exceptions import ValidationError

__all__ = ["categorical_method", "check_kind", "compare_column", "distribution_of"]


def check_kind(profile: Profile, series: Any) -> None:
    kind = column_kind(series.dtype)
    expected = profile.kind
    ok = kind == expected or (
        isinstance(profile, CategoricalProfile) and {kind, expected} <= {"category", "bool"}
    )
    if not ok:
        raise ValidationError(
            f"Column {profile.column!r} holds {expected} values in the reference but "
            f"{kind} values (dtype {series.dtype}) in the current data. Convert it to the "
            "reference's type before detect."
        )


def compare_column(profile: Profile, series: Any, threshold: float) -> ColumnDrift:
    """Compare one current column with its reference profile."""
    check_kind(profile, series)
    if isinstance(profile, NumericalProfile):
        return _numerical(profile, series, threshold)
    return _categorical(profile, series, threshold)


def _verdict(
    profile: Profile,
    threshold: float,
    method: str,
    ref_counts: Any,
    cur_counts: Any,
    *,
    ref_sorted: Any = None,
    cur_sorted: Any = None,
    ref_values: Any = None,
    cur_values: Any = None,
    n_current: int,
    nan_current: int,
    inf_current: int,
    distribution: ColumnDistribution,
    note: str = "",
) -> ColumnDrift:
    test = _registry.get(method)
    common: dict[str, Any] = {
        "column": profile.column,
        "column_type": profile.column_type,
        "threshold": threshold,
        "n_reference": profile.n,
        "n_current": n_current,
        "nan_reference": profile.n_nan,
        "nan_current": nan_current,
        "inf_reference": profile.n_inf,
        "inf_current": inf_current,
        "missing_p_value": _missing_p_value(
            profile.n + profile.n_inf, profile.n_nan, n_current + inf_current, nan_current
        ),
        "distribution": distribution,
    }
    if n_current == 0:
        # nothing to compare: test the share of non-finite values instead
        r = _ztest(
            np.array([profile.n, profile.n_nan + profile.n_inf], float),
            np.array([0.0, nan_current + inf_current], float),
        )
        return ColumnDrift(
            method="missing_rate",
            kind="p_value",
            statistic=r.statistic,
            p_value=r.p_value,
            drifted=bool(r.p_value is not None and r.p_value < threshold),
            note="no finite current value; the share of NaN/inf was tested instead",
            **common,
        )
    if test.input == "sorted":
        result = test._wrap(test.func(ref_sorted, cur_sorted))
    elif test.input == "counts":
        result = test._wrap(test.func(ref_counts.astype(float), cur_counts.astype(float)))
    else:
        result = test._wrap(test.func(ref_values, cur_values))
    if test.kind == "p_value":
        p = result.p_value
        drifted = p is not None and not math.isnan(p) and p < threshold
    else:
        drifted = not math.isnan(result.statistic) and result.statistic >= threshold
    if math.isnan(result.statistic):
        note = note or "the statistic is undefined here (e.g. constant values on both sides)"
    return ColumnDrift(
        method=method,
        kind=test.kind,
        statistic=result.statistic,
        p_value=result.p_value,
        drifted=drifted,
        note=note,
        **common,
    )


def distribution_of(profile: Profile, cur_counts: Any) -> ColumnDistribution:
    """The binned distributions of both sides over the bins (or categories) fixed at fit."""
    if isinstance(profile, NumericalProfile):
        return ColumnDistribution(
            edges=tuple(profile.edges),
            reference_counts=tuple(profile.counts),
            current_counts=tuple(cur_counts),
        )
    return ColumnDistribution(
        categories=(*(str(c) for c in profile.categories), "(other)"),
        reference_counts=tuple(profile.counts),
        current_counts=tuple(cur_counts),
    )


def categorical_method(profile: CategoricalProfile, cur_counts: Any) -> tuple[str, str]:
    """The method for a categorical column and a note: chi2 when a binary-only test meets
    categories unseen in the reference."""
    test = _registry.get(profile.method)
    unseen = int(cur_counts[-1])
    if unseen and test.kind == "p_value" and "categorical" not in test.data:
        return "chi2", (
            f"{unseen} current values of categories unseen in the reference: tested with "
            f"chi2 instead of {profile.method}"
        )
    return profile.method, ""


def _numerical(profile: NumericalProfile, series: Any, threshold: float) -> ColumnDrift:
    values, nan_current, inf_current = split_finite(extract_numbers(series, profile.kind))
    n_finite = values.size
    test = _registry.get(profile.method)
    cur_sorted = None
    if test.input in ("sorted", "values") and n_finite:
        cur_sorted = np.sort(values)
        cur_counts = sorted_counts(profile.edges, cur_sorted)
    else:
        cur_counts = bin_counts(profile.edges, values)
    return _verdict(
        profile,
        threshold,
        profile.method,
        profile.counts,
        cur_counts,
        ref_sorted=profile.values,
        cur_sorted=cur_sorted,
        ref_values=profile.values,
        cur_values=cur_sorted,
        n_current=n_finite,
        nan_current=nan_current,
        inf_current=inf_current,
        distribution=distribution_of(profile, cur_counts),
    )


def _categorical(profile: CategoricalProfile, series: Any, threshold: float) -> ColumnDrift:
    inf_current = 0
    categories: list[Any] = profile.categories
    if profile.kind == "number":
        values, nan_current, inf_current = split_finite(extract_numbers(series, "number"))
        categories = [float(c) for c in categories]
    else:
        values = series
    cur_counts = category_counts(categories, values)
    if profile.kind != "number":
        nan_current = len(series) - int(cur_counts.sum())
    ref_counts = profile.counts
    method, note = categorical_method(profile, cur_counts)
    ref_values = cur_values = None
    if _registry.get(profile.method).input == "values":
        ref_values = np.repeat(np.asarray(profile.categories, dtype=object), ref_counts[:-1])
        cur_values = np.asarray(values)
        cur_values = cur_values[~_isna(cur_values)]
    return _verdict(
        profile,
        threshold,
        method,
        ref_counts,
        cur_counts,
        ref_values=ref_values,
        cur_values=cur_values,
        n_current=int(cur_counts.sum()),
        nan_current=nan_current,
        inf_current=inf_current,
        distribution=distribution_of(profile, cur_counts),
        note=note,
    )


def _isna(values: Any) -> Any:
    import pandas as pd

    return np.asarray(pd.isna(values), dtype=bool)


def _missing_p_value(n1_present: int, n1_nan: int, n2_present: int, n2_nan: int) -> float | None:
    if n1_nan == 0 and n2_nan == 0:
        return None
    if n1_present + n1_nan == 0 or n2_present + n2_nan == 0:
        return None
    r = _ztest(np.array([n1_present, n1_nan], float), np.array([n2_present, n2_nan], float))
    return r.p_value

"""Drift of a Dask DataFrame: current counts per partition over the bins fixed at fit, summed."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from mlops_kit.drift import _registry
from mlops_kit.drift._binning import IntArray, bin_counts, category_counts
from mlops_kit.drift._columns import _verdict, categorical_method, check_kind, distribution_of
from mlops_kit.drift._profile import NumericalProfile, Profile, extract_numbers, split_finite
from mlops_kit.drift._reference import ReferenceProfile, check_columns_present
from mlops_kit.drift._report import ColumnDrift
from mlops_kit.exceptions import ValidationError

__all__ = ["BINNED", "compare_dask", "is_dask_frame", "refuse_dask_reference"]

#: What one partition contributes for one column: bin counts, NaN and inf counts.
Counts = tuple[IntArray, int, int]

#: The built-in methods that work on counts over bins fixed at fit.
BINNED = ("chi2", "fisher", "gtest", "hellinger", "jensenshannon", "kl", "psi", "tvd", "ztest")


def is_dask_frame(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame (without importing Dask when it is not)."""
    if not type(data).__module__.startswith(("dask.", "dask_expr.")):  # dask-expr: 2024.3-12
        return False
    return isinstance(data, importlib.import_module("dask.dataframe").DataFrame)


def refuse_dask_reference(data: Any) -> None:
    """Refuse a Dask reference for ``fit`` with a way out."""
    if is_dask_frame(data):
        raise ValidationError(
            "TabularDriftDetector.fit takes an in-memory reference: it keeps the sorted "
            "reference values of numerical columns. Pass reference.compute(), or a sample "
            "such as reference.sample(frac=0.01, random_state=0).compute(). (detect accepts "
            "a Dask DataFrame as current data for binned methods.)"
        )


def _spec(profile: Profile) -> tuple[str, str, Any]:
    """What a partition needs of a column's profile: how to count, the column, the bins."""
    if isinstance(profile, NumericalProfile):
        return profile.kind, profile.column, profile.edges
    if profile.kind == "number":
        return "codes", profile.column, [float(c) for c in profile.categories]
    return "category", profile.column, profile.categories


def _partition_counts(part: Any, specs: list[tuple[str, str, Any]]) -> tuple[int, list[Counts]]:
    """One partition's row count and, per column, its counts over the reference's bins."""
    out: list[Counts] = []
    for how, column, bins in specs:
        series = part[column]
        if how == "category":
            counts = category_counts(bins, series)
            out.append((counts, len(series) - int(counts.sum()), 0))
            continue
        values, n_nan, n_inf = split_finite(
            extract_numbers(series, "number" if how == "codes" else how)
        )
        counts = category_counts(bins, values) if how == "codes" else bin_counts(bins, values)
        out.append((counts, n_nan, n_inf))
    return len(part), out


def _sum(results: list[tuple[int, list[Counts]]], n_columns: int) -> tuple[int, list[Counts]]:
    n_rows = sum(n for n, _ in results)
    totals: list[Counts] = []
    for i in range(n_columns):
        counts = np.sum([r[1][i][0] for r in results], axis=0).astype(np.int64)
        totals.append((counts, sum(r[1][i][1] for r in results), sum(r[1][i][2] for r in results)))
    return n_rows, totals


def _check_binned(profile: Profile) -> None:
    test = _registry.get(profile.method)
    if test.input != "counts":
        raise ValidationError(
            f"Column {profile.column!r} is compared with {profile.method!r}, which needs the "
            "raw current values, so it cannot run partition by partition on a Dask DataFrame. "
            "Choose a binned method, e.g. TabularDriftDetector(method='psi') or "
            f"method={{{profile.column!r}: 'jensenshannon'}} (binned: {', '.join(BINNED)}), "
            "or pass current.compute()."
        )


def _column(profile: Profile, counts: Counts, threshold: float) -> ColumnDrift:
    """The same verdict as ``compare_column`` on the whole column, from its summed counts."""
    cur_counts, nan_current, inf_current = counts
    method, note = profile.method, ""
    if not isinstance(profile, NumericalProfile):
        method, note = categorical_method(profile, cur_counts)
    return _verdict(
        profile,
        threshold,
        method,
        profile.counts,
        cur_counts,
        n_current=int(cur_counts.sum()),
        nan_current=nan_current,
        inf_current=inf_current,
        distribution=distribution_of(profile, cur_counts),
        note=note,
    )


def compare_dask(
    reference: ReferenceProfile, ddf: Any, threshold_for: Callable[[str, str], float]
) -> tuple[list[ColumnDrift], int]:
    """Compare a Dask DataFrame with the reference: the column results and the row count.

    One pass over the data: each partition is reduced to its counts over the bins (or
    categories) fixed at fit, the counts are summed on the client, and each column gets the
    same statistic as pandas input.
    """
    dask = importlib.import_module("dask")
    check_columns_present(reference, ddf.columns)
    profiles = list(reference.columns.values())
    for profile in profiles:
        check_kind(profile, ddf[profile.column])
        _check_binned(profile)
    frame = ddf[[p.column for p in profiles]]
    delayed = dask.delayed(_partition_counts)
    specs = [_spec(p) for p in profiles]
    results = dask.compute(*[delayed(part, specs) for part in frame.to_delayed()])
    n_rows, totals = _sum(list(results), len(profiles))
    if n_rows == 0:
        raise ValidationError(
            "The current data has no rows; drift cannot be measured on an empty sample."
        )
    columns = [
        _column(p, counts, threshold_for(p.column, p.method)) for p, counts in zip(profiles, totals)
    ]
    return columns, n_rows

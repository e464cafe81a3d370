"""Mergeable profiles, and profiles of Dask DataFrames partition by partition."""

from __future__ import annotations

import itertools
import json
import math

import attrs
import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.data import ColumnProfile, Profile, profile_dask, profile_frame
from mlops_kit.exceptions import ValidationError

EXACT = ("name", "dtype", "count", "nulls", "n_inf", "min", "max")


def assert_exact_equal(merged: Profile, whole: Profile) -> None:
    """Counts and extremes identical; mean and std equal up to rounding."""
    assert merged.n_rows == whole.n_rows
    assert [c.name for c in merged.columns] == [c.name for c in whole.columns]
    for m, w in zip(merged.columns, whole.columns):
        for field in EXACT:
            assert getattr(m, field) == getattr(w, field), (m.name, field)
        for field in ("mean", "std"):
            got, want = getattr(m, field), getattr(w, field)
            assert (got is None) == (want is None), (m.name, field)
            if want is not None:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (m.name, field)


def _mixed_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(5.0, 2.0, n)
    x[rng.random(n) < 0.1] = np.nan
    x[rng.random(n) < 0.02] = np.inf
    return pd.DataFrame(
        {
            "x": x,
            "i": rng.integers(-3, 40, n),
            "nullable": pd.array(rng.integers(0, 9, n), dtype="Int64"),
            "s": rng.choice(["a", "b", "c", "d"], n),
            "b": rng.random(n) > 0.3,
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "d": pd.to_timedelta(rng.integers(0, 1000, n), "s"),
        }
    )


# --------------------------------------------------------------------------- worked example
def test_worked_example_by_hand() -> None:
    # part a: 1, 2, 3, NaN   -> n=3, mean 2, M2 = 1 + 0 + 1 = 2 (std 1)
    # part b: 7, 9           -> n=2, mean 8, M2 = 1 + 1 = 2      (std sqrt 2)
    # Chan: delta = 6, M2 = 2 + 2 + 36 * 3 * 2 / 5 = 47.2, n = 5 -> var = 47.2 / 4 = 11.8
    # mean = 2 + 6 * 2 / 5 = 4.4 (= 22 / 5)
    a = profile_frame(pd.DataFrame({"x": [1.0, 2.0, 3.0, None], "s": ["u", "v", "u", None]}))
    b = profile_frame(pd.DataFrame({"x": [7.0, 9.0], "s": ["v", "v"]}))
    assert a["x"].std == 1.0
    assert b["x"].std == pytest.approx(math.sqrt(2))
    m = a.merge(b)
    assert m.n_rows == 6
    assert (m["x"].count, m["x"].nulls, m["x"].min, m["x"].max) == (5, 1, 1.0, 9.0)
    assert m["x"].mean == pytest.approx(4.4)
    assert m["x"].std == pytest.approx(math.sqrt(11.8))
    assert m["x"].std == pytest.approx(float(np.std([1, 2, 3, 7, 9], ddof=1)))
    assert m["s"].top == (("v", 3), ("u", 2))
    assert (m["s"].count, m["s"].nulls, m["s"].n_unique) == (5, 1, 2)


def test_merge_with_an_empty_or_single_value_part() -> None:
    whole = pd.DataFrame({"x": [4.0, 1.0, 2.5, 8.0]})
    empty = profile_frame(whole.iloc[:0])
    assert empty.merge(profile_frame(whole)) == profile_frame(whole)  # quantiles kept as is
    one = profile_frame(whole.iloc[:1])
    assert one["x"].std is None
    merged = one.merge(profile_frame(whole.iloc[1:]))
    assert merged["x"].std == pytest.approx(whole["x"].std())
    assert merged["x"].mean == pytest.approx(whole["x"].mean())
    ones = Profile.merge_all(profile_frame(whole.iloc[i : i + 1]) for i in range(4))
    assert_exact_equal(ones, profile_frame(whole))


def test_merge_keeps_infinities_out_of_the_statistics() -> None:
    df = pd.DataFrame({"x": [1.0, np.inf, 3.0, -np.inf, None, 5.0]})
    merged = profile_frame(df.iloc[:3]).merge(profile_frame(df.iloc[3:]))
    assert (merged["x"].count, merged["x"].n_inf, merged["x"].nulls) == (5, 2, 1)
    assert merged["x"].mean == pytest.approx(3.0)
    assert merged["x"].std == pytest.approx(2.0)
    assert_exact_equal(merged, profile_frame(df))
    assert ColumnProfile.from_dict(json.loads(json.dumps(merged["x"].to_dict()))) == merged["x"]
    assert "n_inf" not in profile_frame(df.iloc[:1])["x"].to_dict()  # stored form unchanged


def test_unknown_statistics_stay_unknown() -> None:
    huge = profile_frame(pd.DataFrame({"x": [1e308, 1e308]}))
    assert huge["x"].mean is None  # the sum overflowed
    merged = huge.merge(profile_frame(pd.DataFrame({"x": [1.0, 2.0]})))
    assert merged["x"].mean is None
    assert merged["x"].std is None
    assert merged["x"].max == 1e308
    # profiles saved without quantiles (or with other levels) merge to no quantiles
    bare = ColumnProfile(name="x", dtype="float64", count=2, nulls=0, min=1.0, max=2.0, mean=1.5)
    assert bare.merge(bare).quantiles == ()
    assert bare.merge(bare).mean == 1.5
    other = attrs.evolve(bare, quantiles=[(0.5, 1.5)])
    assert attrs.evolve(other, quantiles=[(0.1, 1.5)]).merge(other).quantiles == ()
    assert other.merge(other).quantiles == ((0.5, 1.5),)
    assert attrs.evolve(other, quantiles=[(0.5, None)]).merge(other).quantiles == ()


def test_datetime_extremes_compare_as_times() -> None:
    df = pd.DataFrame(
        {"t": pd.to_datetime(["2024-03-01 00:00", "2023-12-31 23:00", None, "2024-10-02 00:00"])}
    )
    merged = Profile.merge_all([profile_frame(df.iloc[:1]), profile_frame(df.iloc[1:])])
    assert merged["t"].min == "2023-12-31T23:00:00"
    assert merged["t"].max == "2024-10-02T00:00:00"
    assert merged["t"].nulls == 1


def test_top_is_exact_when_each_part_lists_all_its_categories() -> None:
    rng = np.random.default_rng(1)
    s = pd.Series(rng.choice(list("abcdefgh"), 500, p=np.linspace(1, 8, 8) / 36))
    df = pd.DataFrame({"s": s})
    merged = Profile.merge_all(profile_frame(df.iloc[i : i + 70]) for i in range(0, 500, 70))
    whole = profile_frame(df)
    assert dict(merged["s"].top) == dict(whole["s"].top)
    assert merged["s"].n_unique == whole["s"].n_unique == 8


def test_top_counts_are_lower_bounds_when_parts_truncate() -> None:
    # 12 categories per part: each part's top 10 drops two, so the merged counts undercount
    part1 = pd.DataFrame({"s": [f"c{i:02d}" for i in range(12) for _ in range(12 - i)]})
    part2 = pd.DataFrame({"s": [f"c{i:02d}" for i in range(12) for _ in range(i + 1)]})
    merged = profile_frame(part1).merge(profile_frame(part2))
    whole = dict(profile_frame(pd.concat([part1, part2], ignore_index=True))["s"].top)
    assert merged["s"].n_unique is None
    assert len(merged["s"].top) == 10
    for value, n in merged["s"].top:
        assert n <= whole.get(value, 13)
    assert any(n < whole.get(value, 13) for value, n in merged["s"].top)
    assert merged["s"].count == 2 * 78


def test_merge_refuses_different_columns_or_dtypes() -> None:
    a = profile_frame(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValidationError, match="same columns"):
        a.merge(profile_frame(pd.DataFrame({"y": [1.0]})))
    with pytest.raises(ValidationError, match=r"'x' \(float64\) and 'x' \(int64\)"):
        a.merge(profile_frame(pd.DataFrame({"x": [1]})))
    with pytest.raises(ValidationError, match="at least one"):
        Profile.merge_all([])


# ------------------------------------------------------------------------- property: splits
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 120),
    cuts=st.lists(st.integers(0, 120), max_size=5),
    seed=st.integers(0, 2**16),
)
def test_merging_random_splits_equals_the_whole_for_exact_statistics(
    n: int, cuts: list[int], seed: int
) -> None:
    df = _mixed_frame(n, seed)
    bounds = [0, *sorted(min(c, n) for c in cuts), n]
    parts = [profile_frame(df.iloc[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
    whole = profile_frame(df)
    merged = Profile.merge_all(parts)
    assert_exact_equal(merged, whole)
    assert merged["s"].n_unique == whole["s"].n_unique
    assert dict(merged["s"].top) == dict(whole["s"].top)  # 4 categories: no truncation
    assert Profile.from_dict(json.loads(json.dumps(merged.to_dict()))) == merged


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 300), min_size=2, max_size=6),
    locs=st.lists(st.floats(-50, 50), min_size=6, max_size=6),
    seed=st.integers(0, 2**16),
)
def test_merged_quantiles_are_within_the_documented_rank_bound(
    sizes: list[int], locs: list[float], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    parts = [rng.normal(loc, 1 + i, size) for i, (size, loc) in enumerate(zip(sizes, locs))]
    merged = Profile.merge_all(profile_frame(pd.DataFrame({"x": p})) for p in parts)
    whole = np.sort(np.concatenate(parts))
    n = whole.size
    for q, value in merged["x"].quantiles:
        assert value is not None
        below = np.searchsorted(whole, value, side="left") / n
        at_or_below = np.searchsorted(whole, value, side="right") / n
        # rank of the merged quantile within 0.25 of its level (plus 1/n_i per part for
        # numpy's interpolation between order statistics)
        slack = 0.25 + sum(1 / s for s in sizes)
        assert below - slack <= q <= at_or_below + slack


def test_merged_quantiles_are_close_for_parts_of_one_distribution() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=8000)
    df = pd.DataFrame({"x": values})
    merged = Profile.merge_all(profile_frame(df.iloc[i : i + 1000]) for i in range(0, 8000, 1000))
    ranks = np.sort(values)
    for q, value in merged["x"].quantiles:
        assert abs(np.searchsorted(ranks, value) / values.size - q) < 0.02


# ------------------------------------------------------------------------------------- dask
def test_profile_dask_equals_the_pandas_profile_for_exact_statistics() -> None:
    df = _mixed_frame(400, seed=3)
    ddf = dd.from_pandas(df, npartitions=5)
    with dask.config.set(scheduler="synchronous"):
        profile = profile_dask(ddf)
        whole = profile_frame(ddf.compute())
    assert ddf.npartitions == 5
    assert_exact_equal(profile, whole)
    assert dict(profile["s"].top) == dict(whole["s"].top)
    assert profile["s"].n_unique == 4


def test_profile_dask_refuses_other_inputs() -> None:
    with pytest.raises(ValidationError, match="profile_frame for a pandas DataFrame"):
        profile_dask(pd.DataFrame({"x": [1]}))

"""Content-defined chunking: boundaries follow content, within the size limits."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_kit.data import _chunking, _layout


def physical(frame: pd.DataFrame) -> _layout.Physical:
    return _layout.to_physical(frame, lambda categories: {})[1]


def bounds_of(frame: pd.DataFrame, target: int) -> list[tuple[int, int]]:
    return _chunking.chunk_bounds(_chunking.row_hashes(physical(frame), len(frame)), target)


@settings(max_examples=30, deadline=None)
@given(
    hashes=st.lists(st.integers(0, 2**64 - 1), max_size=400),
    target=st.sampled_from([16, 32, 64]),
)
def test_bounds_cover_every_row_within_limits(hashes: list[int], target: int) -> None:
    array = np.array(hashes, dtype=np.uint64)
    bounds = _chunking.chunk_bounds(array, target)
    assert bounds[0][0] == 0
    assert bounds[-1][1] == len(array)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    sizes = [stop - start for start, stop in bounds]
    assert all(size <= 4 * target for size in sizes)
    # every chunk but the last is at least a quarter of the target
    assert all(size >= target // 4 for size in sizes[:-1])


def test_boundaries_are_where_row_hashes_say() -> None:
    hashes = np.ones(100, dtype=np.uint64)
    hashes[[9, 10, 50, 51]] = 0  # rows ending a chunk (multiples of 16)
    bounds = _chunking.chunk_bounds(hashes, 16)
    # row 10 is closer than the minimum of 4 rows after row 9's boundary
    assert bounds == [(0, 10), (10, 51), (51, 100)]


def test_maximum_cuts_when_no_row_qualifies() -> None:
    bounds = _chunking.chunk_bounds(np.ones(100, dtype=np.uint64), 8)
    assert bounds == [(0, 32), (32, 64), (64, 96), (96, 100)]


def test_empty_input_has_one_empty_chunk() -> None:
    assert _chunking.chunk_bounds(np.zeros(0, dtype=np.uint64), 16) == [(0, 0)]


def test_inserting_rows_moves_only_nearby_boundaries() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pd.DataFrame({"x": rng.standard_normal(n), "s": rng.integers(0, 99, n).astype(str)})
    inserted = pd.concat(
        [frame.iloc[:10_000], frame.sample(50, random_state=0), frame.iloc[10_000:]],
        ignore_index=True,
    )
    before = bounds_of(frame, 256)
    after = bounds_of(inserted, 256)
    sizes_before = {(a, b - a) for a, b in before if b <= 10_000}
    sizes_after = {(a, b - a) for a, b in after if b <= 10_000}
    assert sizes_before == sizes_after  # nothing before the insert moved
    tail_before = {b - n for a, b in before if a > 11_000}
    tail_after = {b - (n + 50) for a, b in after if a > 11_000}
    assert len(tail_before & tail_after) >= len(tail_before) - 1  # shifted, not re-cut


def test_row_hashes_depend_on_content_not_position() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 1.0], "s": ["a", "bc", "a"], "b": [True, False, True]})
    hashes = _chunking.row_hashes(physical(frame), 3)
    assert hashes[0] == hashes[2] != hashes[1]
    shifted = pd.concat([frame.iloc[[1]], frame], ignore_index=True)
    assert list(_chunking.row_hashes(physical(shifted), 4)[1:]) == list(hashes)


def test_text_hashes_handle_long_values_and_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_chunking, "_BLOCK_BYTES", 64)
    monkeypatch.setattr(_chunking, "_POWERS", {})
    values = ["x" * 200, "", None, "abc", "x" * 200, "abc", "é" * 70]
    column = physical(pd.DataFrame({"s": pd.Series(values, dtype=object)}))["c0"]
    assert isinstance(column, _layout.Text)
    hashes = _chunking._text_hashes(column)
    assert hashes[0] == hashes[4]
    assert hashes[3] == hashes[5]
    assert len({int(h) for h in hashes}) == 5
    assert hashes[1] != hashes[2]  # "" and missing differ


def test_hashes_of_every_physical_width() -> None:
    frame = pd.DataFrame(
        {
            "f16": np.array([1, 2], dtype="f2"),
            "f32": np.array([1, 2], dtype="f4"),
            "i8": np.array([-1, 2], dtype="i1"),
            "u64": np.array([1, 2**64 - 1], dtype="u8"),
            "ts": pd.to_datetime(["2024-01-01", None]),
        }
    )
    hashes = _chunking.row_hashes(physical(frame), 2)
    assert hashes.dtype == np.uint64
    assert hashes[0] != hashes[1]


@pytest.mark.parametrize(
    ("bytes_per_row", "rows"), [(1.0, 2097152), (8.0, 262144), (300.0, 8192), (10**9, 16)]
)
def test_target_rows_is_a_power_of_two(bytes_per_row: float, rows: int) -> None:
    assert _chunking.target_rows(bytes_per_row) == rows


def test_bytes_per_row_counts_text_lengths() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "s": ["ab", "abcd"]})
    assert _chunking.bytes_per_row(physical(frame), 2) == 8 + 9 + 3

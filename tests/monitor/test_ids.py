"""The id index under PerformanceMonitor: exact ids, a logarithmic number of levels."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from mlops_kit.monitor import PerformanceMonitor
from mlops_kit.monitor._ids import IdIndex

BIG = 2**53 + 1  # the first int a float64 cannot hold


def _batches(kind: str, n: int) -> list[pd.Index]:
    rng = random.Random(0)
    if kind == "hash-ids":  # 64-bit ids as Python ints: uint64 from 2**63, int64 below
        return [pd.Index(np.asarray([rng.getrandbits(64)])) for _ in range(n)]
    # big ints and floats, one a call
    return [
        pd.Index(np.array([BIG + 10 * i])) if i % 2 == 0 else pd.Index([i + 0.5]) for i in range(n)
    ]


@pytest.mark.parametrize("kind", ["hash-ids", "big-ints-and-floats"])
def test_mixed_id_dtypes_keep_the_levels_logarithmic_and_every_id_exact(kind: str) -> None:
    batches = _batches(kind, 2000)
    index = IdIndex()
    for batch in batches:
        index.add(batch)
    assert len(index._levels) <= math.log2(len(batches)) + 1
    flat = [value for batch in batches for value in batch.tolist()]
    assert index.values() == flat
    query = pd.Index(np.asarray(flat[::7], dtype=object))
    assert index.positions(query).tolist() == list(range(0, len(flat), 7))


def test_a_lookup_never_meets_an_id_that_only_rounds_to_it() -> None:
    index = IdIndex()
    index.add(pd.Index(np.array([BIG, 5])))
    index.add(pd.Index([float(BIG - 1), 7.5]))  # 2**53: the float BIG rounds to
    index.add(pd.Index([9.5]))  # stays a level of its own, float64, above the rest
    assert index.positions(pd.Index(np.array([BIG]))).tolist() == [0]
    assert index.positions(pd.Index(np.array([BIG - 1]))).tolist() == [2]
    assert index.positions(pd.Index([float(BIG - 1), 5.0, 7.5])).tolist() == [2, 1, 3]
    assert index.positions(pd.Index(np.array([BIG + 1, 8]))).tolist() == [-1, -1]


def test_a_monitor_matches_labels_of_big_hash_ids_logged_one_at_a_time() -> None:
    monitor = PerformanceMonitor(metric="accuracy", window=100)
    ids = [2**64 - 1 - i if i % 2 else 2**62 + i for i in range(200)]
    for i, id_ in enumerate(ids):
        monitor.log_predictions([id_], [0.9 if i % 2 else 0.1])
    summary = monitor.log_labels(ids, [1 if i % 2 else 0 for i in range(200)])
    assert (summary.n_matched, summary.n_unknown) == (200, 0)
    assert [w.value for w in monitor.realized()] == [1.0, 1.0]

"""Benchmark of TabularDriftDetector against a plain scipy loop (prints figures and ratios).

Workloads (issue 4):
1. 1,000,000 rows x (20 float + 5 categorical columns of 10 categories), reference and current:
   ``method="ks"``/``"chi2"`` against a loop of ``scipy.stats.ks_2samp`` and
   ``chi2_contingency`` over the same columns (same verdicts required), then ``method="auto"``
   with its peak memory against the size of the two frames.
2. 100,000 rows x 1,000 numerical columns with ``method="auto"``.

Run: ``python benchmarks/bench_drift.py`` (``--rows N`` to scale the first workload down).
"""

from __future__ import annotations

import argparse
import gc
import os
import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from mlops_kit.drift import TabularDriftDetector


def make_frames(n_rows: int, n_float: int, n_cat: int, seed: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    labels = np.array([f"cat_{i}" for i in range(10)], dtype=object)

    def frame(shift: float) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for j in range(n_float):
            # every fourth column drifts by half a standard deviation in the current frame
            data[f"f{j}"] = rng.normal(shift if j % 4 == 0 else 0.0, 1.0, size=n_rows)
        for j in range(n_cat):
            p = np.full(10, 0.1)
            if shift and j == 0:
                p = np.linspace(0.05, 0.15, 10) / np.linspace(0.05, 0.15, 10).sum()
            data[f"c{j}"] = labels[rng.choice(10, size=n_rows, p=p)]
        return pd.DataFrame(data)

    return frame(0.0), frame(0.5)


def scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame, threshold: float = 0.05) -> dict[str, bool]:
    from scipy.stats import chi2_contingency, ks_2samp

    verdicts = {}
    for col in ref.columns:
        if ref[col].dtype.kind == "f":
            verdicts[col] = ks_2samp(ref[col].to_numpy(), cur[col].to_numpy()).pvalue < threshold
        else:
            r = ref[col].value_counts()
            c = cur[col].value_counts()
            table = pd.concat([r, c], axis=1).fillna(0).to_numpy().T
            table = table[:, table.sum(axis=0) > 0]
            verdicts[col] = chi2_contingency(table, correction=False).pvalue < threshold
    return verdicts


class PeakRSS:
    """Samples the resident set size (Linux /proc) in a thread, to find the peak."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> PeakRSS:
        self.base = self.rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--wide-rows", type=int, default=100_000)
    parser.add_argument("--wide-cols", type=int, default=1_000)
    args = parser.parse_args()

    ref, cur = make_frames(args.rows, 20, 5, seed=0)
    frames_mb = (ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum()) / 1e6
    print(
        f"workload 1: {args.rows:,} rows x 25 columns (20 float, 5 categorical), "
        f"two frames {frames_mb:,.0f} MB"
    )

    t0 = time.perf_counter()
    base = scipy_loop(ref, cur)
    t_scipy = time.perf_counter() - t0
    print(f"  scipy loop (ks_2samp + chi2_contingency):       {t_scipy:7.2f} s")

    methods = {c: ("ks" if ref[c].dtype.kind == "f" else "chi2") for c in ref.columns}
    t0 = time.perf_counter()
    report = TabularDriftDetector(method=methods).fit(ref).detect(cur)
    t_ours = time.perf_counter() - t0
    same = all(report.columns[c].drifted == v for c, v in base.items())
    print(
        f"  mlops_kit ks/chi2 (fit + detect):                {t_ours:7.2f} s  "
        f"-> {t_scipy / t_ours:.1f}x faster, same verdicts: {same}"
    )

    t0 = time.perf_counter()
    TabularDriftDetector(method=methods, n_jobs=1).fit(ref).detect(cur)
    t_one = time.perf_counter() - t0
    print(
        f"  mlops_kit ks/chi2, one thread (n_jobs=1):        {t_one:7.2f} s  "
        f"-> {t_scipy / t_one:.1f}x faster"
    )

    gc.collect()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        auto = TabularDriftDetector().fit(ref).detect(cur)
        t_auto = time.perf_counter() - t0
    extra_mb = (mem.peak - mem.base) / 1e6
    print(
        f"  mlops_kit auto (fit + detect):                   {t_auto:7.2f} s  "
        f"(target < 5 s; {auto.n_drifted} of {len(auto.columns)} columns drifted)"
    )
    print(
        f"  peak memory above the frames during auto:        {extra_mb:7.0f} MB "
        f"= {extra_mb / frames_mb:.2f}x the frames; frames + peak = "
        f"{(frames_mb + extra_mb) / frames_mb:.2f}x (target <= 3x)"
    )
    del ref, cur
    gc.collect()

    rng = np.random.default_rng(1)
    n, k = args.wide_rows, args.wide_cols
    wide_ref = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"x{i}" for i in range(k)])
    wide_cur = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"x{i}" for i in range(k)])
    t0 = time.perf_counter()
    wide = TabularDriftDetector().fit(wide_ref).detect(wide_cur)
    t_wide = time.perf_counter() - t0
    print(
        f"workload 2: {n:,} rows x {k:,} numerical columns, auto: {t_wide:7.2f} s "
        f"(target < 60 s; {wide.n_drifted} drifted)"
    )


if __name__ == "__main__":
    main()

"""Benchmark: a QualityGate of 12 data checks on 1M rows x 25 columns against a bare pandas pass
computing the same statistics (missing rates, violation counts, duplicates, ...).

Target (issue 7): the gate takes at most 3x the bare pandas pass, measured in the same run.

    python benchmarks/bench_gate.py [n_rows]
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mlops_kit.quality import Evidence, QualityGate, checks

N_ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def make_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cols: dict[str, Any] = {"id": np.arange(n)}
    for i in range(12):
        values = rng.normal(100, 15, n)
        values[rng.random(n) < 0.01] = np.nan
        cols[f"f{i}"] = values
    for i in range(5):
        cols[f"i{i}"] = rng.integers(0, 1000, n)
    for i in range(4):
        cols[f"cat{i}"] = pd.Series(rng.choice(["a", "b", "c", "d", "e"], n), dtype="str")
    cols["code"] = pd.Series(
        np.char.add("C", rng.integers(100000, 999999, n).astype(str)), dtype="str"
    )
    cols["ts"] = pd.Timestamp("2026-05-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 30 * 86400, n), unit="s"
    )
    cols["flag"] = rng.random(n) < 0.5
    return pd.DataFrame(cols)


def gate_for(df: pd.DataFrame) -> QualityGate:
    return QualityGate(
        [
            checks.MatchesSchema(df),
            checks.MaxMissingRate(list(df.columns), 0.05),
            checks.InRange("f0", 0, 200),
            checks.InRange("f1", 0, 200),
            checks.InRange("i0", 0, 999),
            checks.AllowedValues("cat0", ["a", "b", "c", "d", "e"]),
            checks.AllowedValues("cat1", ["a", "b", "c", "d", "e"]),
            checks.Unique("id"),
            checks.MatchesRegex("code", r"C\d{6}"),
            checks.RowCount(min=1),
            checks.Freshness(dt.timedelta(days=3), column="ts", now=NOW),
            checks.MaxOutlierRate("f2", 0.05),
        ],
        name="bench",
    )


def bare_pandas(df: pd.DataFrame) -> dict[str, Any]:
    """The same statistics, computed directly."""
    out: dict[str, Any] = {"dtypes": {c: str(t) for c, t in df.dtypes.items()}}
    out["missing"] = df.isna().mean()
    for c, lo, hi in (("f0", 0, 200), ("f1", 0, 200), ("i0", 0, 999)):
        s = df[c]
        out[c] = int(((s < lo) | (s > hi)).sum()), int(s.notna().sum())
    for c in ("cat0", "cat1"):
        s = df[c]
        out[c] = int((s.notna() & ~s.isin(["a", "b", "c", "d", "e"])).sum())
    out["id"] = int(df["id"].duplicated(keep=False).sum())
    out["code"] = int((~df["code"].dropna().str.fullmatch(r"C\d{6}")).sum())
    out["rows"] = len(df)
    out["ts"] = df["ts"].max()
    s = df["f2"]
    q1, q3 = s.quantile([0.25, 0.75])
    out["f2"] = int(((s < q1 - 1.5 * (q3 - q1)) | (s > q3 + 1.5 * (q3 - q1))).sum())
    return out


def best_of(fn: Callable[[], Any], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    t0 = time.perf_counter()
    df = make_frame(N_ROWS)
    print(
        f"data: {len(df):,} rows x {df.shape[1]} columns (built in "
        f"{time.perf_counter() - t0:.1f} s)"
    )
    gate = gate_for(df)
    evidence = Evidence(data=df)
    result = gate.evaluate(evidence)
    assert len(result.results) == 12
    failing = [f"{r.name}={r.status}" for r in result.results if not r.passed]
    print(f"gate verdict: {'passed' if result.passed else 'failed'} {failing or ''}")
    pandas_s = best_of(lambda: bare_pandas(df))
    gate_s = best_of(lambda: gate.evaluate(evidence))
    print(f"bare pandas pass (same statistics): {pandas_s:.3f} s")
    print(f"QualityGate, 12 data checks:        {gate_s:.3f} s")
    ratio = gate_s / pandas_s
    print(f"ratio gate / pandas: {ratio:.2f}x (target <= 3x): {'OK' if ratio <= 3 else 'MISSED'}")
    slowest = sorted(gate.evaluate(evidence).results, key=lambda r: -r.duration)[:4]
    print("slowest checks: " + ", ".join(f"{r.name} {r.duration:.3f} s" for r in slowest))


if __name__ == "__main__":
    main()

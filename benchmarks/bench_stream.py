"""Benchmark of the streaming detectors (and of the MMD test), next to River when available.

Streams: 1,000,000 Bernoulli errors (rate 0.1, then 0.3) and 1,000,000 Gaussian values (mean 0,
then 1). For each detector it prints the cost per element of ``update`` (one call per value)
and of ``update_many`` (one call for the whole stream), and River 0.26.1's ``update`` when River
can be run: imported here, or from the interpreter named by ``RIVER_PYTHON`` (by default
``/tmp/river-venv/bin/python`` when it exists), fed the very same values. Targets (issue 5):
``update_many`` at least 3x River for DDM, EDDM, HDDM_A, HDDM_W, PageHinkley and CUSUM (CUSUM is
compared with River's PageHinkley), ADWIN at least 0.5x, ``update`` under 3 µs, and MMD on
5,000 x 20 with 500 permutations under 10 s.

Run: ``python benchmarks/bench_stream.py [--n 1000000] [--update-n 200000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

from mlops_kit.drift._multivariate import MMDDriftDetector
from mlops_kit.drift._stream import ADWIN, CUSUM, DDM, EDDM, HDDM_A, HDDM_W, KSWIN, PageHinkley

DETECTORS = {
    "ADWIN": (ADWIN, ("bernoulli", "gaussian"), "ADWIN"),
    "DDM": (DDM, ("bernoulli",), "DDM"),
    "EDDM": (EDDM, ("bernoulli",), "EDDM"),
    "HDDM_A": (HDDM_A, ("bernoulli",), "HDDM_A"),
    "HDDM_W": (HDDM_W, ("bernoulli",), "HDDM_W"),
    "PageHinkley": (PageHinkley, ("bernoulli", "gaussian"), "PageHinkley"),
    "CUSUM": (CUSUM, ("bernoulli", "gaussian"), "PageHinkley"),
    "KSWIN": (KSWIN, ("gaussian",), "KSWIN"),
}
KSWIN_N = 20_000  # KSWIN runs a KS test per value: measured on a prefix

RIVER_SCRIPT = """
import json, sys, time
import numpy as np
from river import drift
factories = {"ADWIN": drift.ADWIN, "DDM": drift.binary.DDM, "EDDM": drift.binary.EDDM,
             "HDDM_A": drift.binary.HDDMA, "HDDM_W": drift.binary.HDDMW,
             "PageHinkley": drift.PageHinkley, "KSWIN": lambda: drift.KSWIN(seed=1)}
jobs = json.loads(sys.argv[1])
out = {}
for name, stream, path, n in jobs:
    values = np.load(path)[:n].tolist()
    detector = factories[name]()
    update = detector.update
    start = time.perf_counter()
    for x in values:
        update(x)
    out[f"{name}/{stream}"] = (time.perf_counter() - start) / len(values)
print(json.dumps(out))
"""


def make_streams(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    half = n // 2
    bernoulli = np.r_[rng.random(half) < 0.1, rng.random(n - half) < 0.3].astype(np.float64)
    gaussian = np.r_[rng.normal(0.0, 1.0, half), rng.normal(1.0, 1.0, n - half)]
    return {"bernoulli": bernoulli, "gaussian": gaussian}


def per_element(seconds: float, n: int) -> float:
    return seconds / n * 1e6


def time_ours(name: str, stream: np.ndarray, update_n: int) -> tuple[float, float, int]:
    cls = DETECTORS[name][0]
    make = (lambda: cls(random_state=1)) if name == "KSWIN" else cls
    if name == "KSWIN":
        stream = stream[:KSWIN_N]
        update_n = min(update_n, KSWIN_N)
    best_many, found = np.inf, 0
    for _ in range(2):
        detector = make()
        start = time.perf_counter()
        found = detector.update_many(stream).size
        best_many = min(best_many, time.perf_counter() - start)
    values = stream[:update_n].tolist()
    detector = make()
    update = detector.update
    start = time.perf_counter()
    for x in values:
        update(x)
    one = time.perf_counter() - start
    return per_element(one, len(values)), per_element(best_many, stream.size), found


def river_rates(streams: dict[str, np.ndarray], update_n: int) -> dict[str, float]:
    """River's seconds per ``update``, keyed ``"name/stream"``; empty when River is absent."""
    python = os.environ.get("RIVER_PYTHON", "/tmp/river-venv/bin/python")
    try:
        import river  # noqa: F401

        python = sys.executable
    except ImportError:
        if not pathlib.Path(python).exists():
            return {}
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for key, values in streams.items():
            paths[key] = str(pathlib.Path(folder) / f"{key}.npy")
            np.save(paths[key], values)
        jobs = sorted(
            {
                (river_name, stream, paths[stream], KSWIN_N if river_name == "KSWIN" else update_n)
                for name, (_, kinds, river_name) in DETECTORS.items()
                for stream in kinds
            }
        )
        done = subprocess.run(
            [python, "-c", RIVER_SCRIPT, json.dumps(jobs)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(f"(River could not run: {done.stderr.strip().splitlines()[-1:]})")
        return {}
    rates: dict[str, float] = json.loads(done.stdout)
    return rates


def bench_mmd() -> float:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(5000, 20))
    current = rng.normal(size=(5000, 20))
    current[:, :2] += 0.05
    detector = MMDDriftDetector(n_permutations=500, random_state=0).fit(reference)
    start = time.perf_counter()
    report = detector.detect(current)
    seconds = time.perf_counter() - start
    print(
        f"MMD 5,000 x 20 vs 5,000 x 20, 500 permutations: {seconds:.2f} s "
        f"(MMD²={report.statistic:.3g}, p={report.p_value:.3g})  target < 10 s: "
        f"{'met' if seconds < 10 else 'MISSED'}"
    )
    return seconds


def false_alarms(n: int) -> None:
    """Detections per 100,000 values on stationary streams, with default parameters."""
    rng = np.random.default_rng(7)
    streams = {
        "Bernoulli(0.1)": (rng.random(n) < 0.1).astype(np.float64),
        "Bernoulli(0.3)": (rng.random(n) < 0.3).astype(np.float64),
        "N(0, 1)": rng.normal(0.0, 1.0, n),
        "U(0, 1)": rng.random(n),
    }
    print(f"false alarms per 100,000 values on stationary streams of {n:,} values")
    print(f"{'detector':12} " + " ".join(f"{name:>15}" for name in streams))
    for name, (cls, _, _) in DETECTORS.items():
        cells = []
        for stream_name, values in streams.items():
            binary = stream_name.startswith("Bernoulli")
            if name in ("DDM", "EDDM") and not binary:
                cells.append(f"{'-':>15}")
                continue
            if name in ("HDDM_A", "HDDM_W") and stream_name == "N(0, 1)":
                cells.append(f"{'-':>15}")
                continue
            detector = cls(random_state=1) if name == "KSWIN" else cls()
            used = values[: n // 10] if name == "KSWIN" else values
            rate = detector.update_many(used).size / used.size * 100_000
            cells.append(f"{rate:15.1f}")
        print(f"{name:12} " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values per stream")
    parser.add_argument("--update-n", type=int, default=200_000, help="values fed one by one")
    parser.add_argument(
        "--false-alarms", action="store_true", help="measure false alarms on stationary streams"
    )
    args = parser.parse_args()
    if args.false_alarms:
        false_alarms(args.n)
        return
    streams = make_streams(args.n)
    river = river_rates(streams, args.update_n)
    header = (
        f"{'detector':12} {'stream':10} {'update µs':>10} {'many µs':>9} {'River µs':>9} "
        f"{'many/River':>10} {'drifts':>6}  targets"
    )
    print(f"streams of {args.n:,} values; update() timed on the first {args.update_n:,}")
    print(f"(KSWIN on the first {KSWIN_N:,} Gaussian values)")
    print(header)
    print("-" * len(header))
    for name, (_, kinds, river_name) in DETECTORS.items():
        for stream in kinds:
            one, many, found = time_ours(name, streams[stream], args.update_n)
            river_rate = river.get(f"{river_name}/{stream}")
            river_us = per_element(river_rate, 1) if river_rate else float("nan")
            speedup = river_us / many if river_rate else float("nan")
            need = 0.5 if name == "ADWIN" else (None if name == "KSWIN" else 3.0)
            notes = [f"update<3µs {'met' if one < 3 else 'MISSED'}"]
            if need is not None and river_rate:
                notes.append(f"many>={need}xRiver {'met' if speedup >= need else 'MISSED'}")
            print(
                f"{name:12} {stream:10} {one:10.3f} {many:9.3f} {river_us:9.3f} "
                f"{speedup:9.1f}x {found:6d}  {', '.join(notes)}"
            )
    if not river:
        print("(River is not available: install river==0.26.1 or set RIVER_PYTHON)")
    bench_mmd()


if __name__ == "__main__":
    main()

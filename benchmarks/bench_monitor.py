"""Benchmark of production monitoring: logging, realized windows, and CBPE estimation.

Baselines, measured in the same run: a dict of id -> label joined with pandas and scikit-learn's
``roc_auc_score`` per window (what a hand-written monitor does), and ``roc_auc_score`` on the
same number of rows for the estimator.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from mlops_kit.monitor import PerformanceEstimator, PerformanceMonitor
from mlops_kit.storage import open_store

N = 1_000_000
BATCH = 10_000
WINDOW = 10_000


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=N)
    labels = (rng.uniform(size=N) < scores).astype(np.int8)
    ids = np.arange(N)

    def log() -> PerformanceMonitor:
        monitor = PerformanceMonitor(metric="roc_auc", window=WINDOW)
        for start in range(0, N, BATCH):
            sl = slice(start, start + BATCH)
            monitor.log_predictions(ids[sl], scores[sl])
        return monitor

    t_log, monitor = timed(log)
    # labels arrive in another order, in batches
    order = rng.permutation(N)

    def label() -> None:
        for start in range(0, N, BATCH):
            chosen = order[start : start + BATCH]
            monitor.log_labels(ids[chosen], labels[chosen])

    t_label, _ = timed(label)
    t_realized, windows = timed(monitor.realized)

    def baseline() -> list[float]:
        frame = pd.DataFrame({"id": ids, "score": scores})
        truth = pd.DataFrame({"id": ids[order], "y": labels[order]})
        joined = frame.merge(truth, on="id", how="left")
        window = np.arange(N) // WINDOW
        return [roc_auc_score(part["y"], part["score"]) for _, part in joined.groupby(window)]

    t_base, reference = timed(baseline)
    assert np.allclose([w.value for w in windows], reference)

    print(f"PerformanceMonitor, {N:,} predictions, batches of {BATCH:,}, windows of {WINDOW:,}")
    print(f"  log_predictions   {t_log:7.3f} s  ({N / t_log / 1e6:.2f} M rows/s)")
    print(f"  log_labels        {t_label:7.3f} s  ({N / t_label / 1e6:.2f} M rows/s)")
    print(f"  realized()        {t_realized:7.3f} s  ({len(windows)} windows with CIs)")
    print(f"  baseline (merge + roc_auc_score per window) {t_base:7.3f} s")
    print(f"  realized / baseline: {t_realized / t_base:.2f}x the time")
    # the baseline joins the labels too, which the monitor does in log_labels
    print(f"  (log_labels + realized) / baseline: {(t_label + t_realized) / t_base:.2f}x the time")

    # a snapshot to a local folder store, against writing the same arrays with numpy
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "store")
        t_save, _ = timed(lambda: monitor.save(store, "bench", overwrite=True))
        t_load, loaded = timed(lambda: PerformanceMonitor.load(store, "bench"))
        assert [w.to_dict() for w in loaded.realized()] == [w.to_dict() for w in windows]
        raw = Path(folder) / "raw.npz"
        state = {"ids": ids, "scores": scores, "labels": labels.astype(np.float64)}
        t_np_save, _ = timed(lambda: np.savez(raw, **state))
        t_np_load, _ = timed(lambda: dict(np.load(raw, allow_pickle=False)))
    print(f"  save (snapshot)   {t_save:7.3f} s  (numpy.savez of the arrays {t_np_save:.3f} s)")
    print(f"  load (snapshot)   {t_load:7.3f} s  (numpy.load of the same {t_np_load:.3f} s)")

    n = 100_000
    est_auc = PerformanceEstimator(metric="roc_auc", n_resamples=200).fit(scores[:n], labels[:n])
    est_acc = PerformanceEstimator(metric="accuracy").fit(scores[:n], labels[:n])
    window_scores = scores[n : 2 * n]
    t_acc, _ = timed(lambda: est_acc.estimate(window_scores))
    t_auc, _ = timed(lambda: est_auc.estimate(window_scores))
    t_ref, _ = timed(lambda: roc_auc_score(labels[n : 2 * n], window_scores))
    print(f"PerformanceEstimator on {n:,} predictions")
    print(f"  accuracy (analytic interval)        {t_acc:7.3f} s")
    print(f"  roc_auc (200 Monte Carlo draws)      {t_auc:7.3f} s")
    print(f"  baseline roc_auc_score, once         {t_ref:7.3f} s")
    print(f"  accuracy estimate / roc_auc_score: {t_acc / t_ref:.2f}x the time")
    print(f"  roc_auc estimate / roc_auc_score: {t_auc / t_ref:.2f}x the time")


if __name__ == "__main__":
    main()

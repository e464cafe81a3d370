"""Batch and streaming drift on a week of transactions: the detector a service keeps and reuses.

Fit a TabularDriftDetector on the training data, save its compact reference profile in the
store, load it back as a restarted service would, check one normal and one shifted week, and
watch the model's errors with ADWIN. Writes drift.html.

Run: python examples/drift_monitoring.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import mlops_kit as mk


def week(rng: np.random.Generator, n: int, *, shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": rng.lognormal(3.0 + shift, 1.0, n),
            "hour": rng.integers(0, 24, n),
            "channel": rng.choice(
                ["web", "app", "shop"], n, p=[0.5 - shift / 2, 0.3, 0.2 + shift / 2]
            ),
            "is_new_customer": rng.random(n) < 0.1 + shift / 4,
        }
    )


def main() -> None:
    rng = np.random.default_rng(7)
    store = mk.open_store("./.mlops")

    detector = mk.TabularDriftDetector(correction="fdr_bh").fit(week(rng, 50_000))
    detector.save(store, "transactions/inputs")
    service = mk.TabularDriftDetector.load(store, "transactions/inputs")  # after a restart

    for label, current in [
        ("normal week", week(rng, 20_000)),
        ("shifted week", week(rng, 20_000, shift=0.4)),
    ]:
        report = service.detect(current)
        print(f"{label}: drifted={report.drifted}, share={report.drift_share:.2f}")
        print(report)
    report.to_html("drift.html")
    print("wrote drift.html")

    # concept drift shows first in the stream of errors: the error rate jumps from 5% to 20%
    errors = np.r_[rng.random(5_000) < 0.05, rng.random(5_000) < 0.20].astype(float)
    positions = mk.drift.ADWIN().update_many(errors)
    print(f"ADWIN signalled drift at positions {positions.tolist()} (the change is at 5000)")
    assert positions.size > 0
    assert positions[0] >= 5_000
    store.close()


if __name__ == "__main__":
    main()

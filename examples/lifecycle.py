"""The whole lifecycle of a fraud model over 12 simulated weeks, on the embedded local store.

Week 0: version the historical data, check it, train, gate, register and promote ``fraud/1``.
Then every week: score 4 000 transactions with the champion, log the predictions, receive the
labels of two weeks ago, compare the week's inputs with the champion's reference (drift),
estimate the metric without labels (CBPE), and call ``retrain_cycle``: the policy decides, a
challenger is trained and gated against the champion, and promoted only if it is better.
From week 6 a new fraud pattern arrives (card testing from abroad: smaller amounts, more
transactions per card, more foreign cards). At the end, a rollback and its record.

Run it with ``make demo`` or ``python examples/lifecycle.py [output-folder]``; it writes the
store and the HTML reports to the folder (default ``./lifecycle-demo``).
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlops_kit.data import DataRepository
from mlops_kit.drift import TabularDriftDetector
from mlops_kit.monitor import PerformanceEstimator, PerformanceMonitor
from mlops_kit.quality import Evidence, QualityGate, checks
from mlops_kit.registry import ModelRegistry
from mlops_kit.retrain import (
    Observation,
    RetrainPolicy,
    retrain_cycle,
    retrain_history,
    rollback,
    triggers,
)
from mlops_kit.storage import open_store

WEEKS = 12
SHIFT_WEEK = 6  # the new fraud pattern starts this week
LABEL_DELAY = 2  # weeks until a transaction's label (chargeback or not) is known
PER_WEEK = 4_000
HISTORY_WEEKS = 6  # labelled history before week 1
TRAIN_WEEKS = 8  # sliding window of labelled weeks a model is trained on
START = datetime(2026, 9, 7, tzinfo=timezone.utc)  # a Monday: week 1 starts here
FEATURES = ["amount", "hour", "distance_km", "merchant_risk", "velocity_24h", "foreign"]
TARGET = "is_fraud"
MODEL = "fraud"


# -- the simulated world ---------------------------------------------------------------------


def week_start(week: int) -> datetime:
    return START + timedelta(weeks=week - 1)


def transactions(rng: np.random.Generator, week: int) -> pd.DataFrame:
    """One week of card transactions; from SHIFT_WEEK a card-testing ring is active."""
    n = PER_WEEK
    new = rng.uniform(size=n) < (0.35 if week >= SHIFT_WEEK else 0.0)
    amount = np.where(new, rng.lognormal(2.4, 0.6, n), rng.lognormal(3.6, 0.9, n))
    velocity = np.where(new, rng.poisson(5.0, n), rng.poisson(2.0, n))
    foreign = np.where(new, rng.uniform(size=n) < 0.40, rng.uniform(size=n) < 0.08)
    distance = np.where(new, rng.lognormal(3.2, 1.0, n), rng.lognormal(2.0, 1.0, n))
    hour = rng.integers(0, 24, n)
    merchant_risk = rng.beta(2, 6, n)
    log_amount = np.log(amount)
    old_logit = (
        -5.2
        + 1.6 * (log_amount - 3.6)
        + 7.0 * (merchant_risk - 0.25)
        + 0.6 * (velocity - 2)
        + 1.6 * foreign
        + 1.6 * (hour < 5)
    )
    # the ring: small payments far from the card's home; the old model thinks small is safe
    new_logit = -3.6 - 2.5 * (log_amount - 2.4) + 1.5 * (np.log(distance) - 3.2)
    p = 1.0 / (1.0 + np.exp(-np.where(new, new_logit, old_logit)))
    offsets = np.sort(rng.uniform(0, 7 * 86_400, n))
    first_id = (week + HISTORY_WEEKS) * 100_000
    return pd.DataFrame(
        {
            "tx_id": np.arange(first_id, first_id + n),
            "ts": pd.Timestamp(week_start(week)) + pd.to_timedelta(offsets, unit="s"),
            "amount": np.round(amount, 2),
            "hour": hour,
            "distance_km": np.round(distance, 1),
            "merchant_risk": merchant_risk,
            "velocity_24h": velocity,
            "foreign": foreign.astype(np.int64),
            TARGET: (rng.uniform(size=n) < p).astype(np.int64),
        }
    )


def train(X: pd.DataFrame, y: pd.Series) -> Any:
    """The team's training function: gradient-boosted trees on the six features."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_iter=60, learning_rate=0.15, max_leaf_nodes=15, early_stopping=False, random_state=0
    )
    return model.fit(X[FEATURES], y)


def build_policy(store: Any) -> RetrainPolicy:
    """Built every week from the store, as a restarted service would: the state is stored."""
    return RetrainPolicy.any_of(
        triggers.DriftShare(above=0.4),
        triggers.MetricBelow("roc_auc", 0.80),
        triggers.EstimatedMetricBelow("roc_auc", 0.80),
        triggers.Every(days=91),
        triggers.Manual(),
        for_consecutive=2,
        cooldown=timedelta(days=14),
        max_retrains=3,
        budget_period=timedelta(days=90),
        name="fraud-weekly",
        store=store,
    )


PROMOTION_GATE = QualityGate(
    [
        checks.MetricAtLeast("roc_auc", 0.80),
        checks.NoRegression("roc_auc", max_drop=0.0),
    ],
    name="promotion",
)


# -- serving: what the team keeps for the current champion -----------------------------------


class Serving:
    """The champion, its drift reference, its calibrated estimator and its own monitor."""

    def __init__(self, registry: ModelRegistry, reference: pd.DataFrame, since: int) -> None:
        self.version = registry.get(f"{MODEL}@champion")
        self.model = registry.load(f"{MODEL}@champion")
        self.since = since
        self.detector = TabularDriftDetector().fit(reference[FEATURES])
        ref_scores = self.model.predict_proba(reference[FEATURES])[:, 1]
        self.estimator = PerformanceEstimator(metric="roc_auc", n_resamples=200).fit(
            ref_scores, reference[TARGET]
        )
        self.monitor = PerformanceMonitor(
            metric="roc_auc", window="7D", alert_threshold=0.80, estimator=self.estimator
        )

    @property
    def ref(self) -> str:
        return f"{self.version.name}/{self.version.version}"


def fmt(value: float | None, alert: bool = False) -> str:
    return "   —  " if value is None else f"{value:.3f}{'!' if alert else ' '} "


def main(out: Path) -> None:
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    reports = out / "reports"
    reports.mkdir(parents=True)
    store = open_store(out / "store")  # the embedded default: a folder + SQLite
    data = DataRepository(store)
    clock = [START - timedelta(days=1)]  # simulated time, for the registry's records too
    registry = ModelRegistry(store, clock=lambda: clock[0])
    rng = np.random.default_rng(2026)

    # -- week 0: history, data gate, first model ---------------------------------------------
    weeks = {w: transactions(rng, w) for w in range(1 - HISTORY_WEEKS, 1)}
    history = pd.concat(weeks.values(), ignore_index=True)
    data_gate = QualityGate.from_reference(history[FEATURES], name="transactions")
    data_result = data_gate.evaluate(Evidence(data=history[FEATURES]))
    data_result.to_html(reports / "data-gate.html")
    train_frame = pd.concat([weeks[w] for w in range(1 - HISTORY_WEEKS, 0)], ignore_index=True)
    reference = weeks[0]
    v1 = data.commit(
        "fraud-training", train_frame[[*FEATURES, TARGET]], message="history, weeks -5..-1"
    )
    outcome = retrain_cycle(
        name=MODEL,
        policy=build_policy(store),
        observation=Observation(now=START - timedelta(days=1), manual="initial model"),
        registry=registry,
        data=v1,
        holdout=reference[[*FEATURES, TARGET]],
        train=train,
        target=TARGET,
        gate=PROMOTION_GATE,
        random_state=0,
    )
    outcome.gate.to_html(reports / "gate-week-00.html")
    print("Week 0: the first model")
    print(f"  data    fraud-training {v1.id[:12]}: {v1.n_rows} rows, weeks -5..-1")
    print(
        f"  gate    {data_result.name}: {'passed' if data_result.passed else 'FAILED'} "
        f"({len(data_result.results)} data checks derived from the history)"
    )
    print(f"  model   {outcome}")
    serving = Serving(registry, reference, since=1)
    monitors = {}  # week -> the monitor that logged it, for the labels arriving later

    # -- weeks 1..12 --------------------------------------------------------------------------
    header = (
        f"{'week':>4}  {'starts':10}  {'champion':8}  {'drift':>5}  {'realized':>8}  "
        f"{'estimated':>9}  decision"
    )
    rows = [header, "-" * len(header)]
    details = []
    for week in range(1, WEEKS + 1):
        clock[0] = week_start(week + 1)
        batch = transactions(rng, week)
        weeks[week] = batch
        X = batch[FEATURES]
        scores = serving.model.predict_proba(X)[:, 1]
        serving.monitor.log_predictions(batch["tx_id"], scores, timestamps=batch["ts"])
        monitors[week] = serving.monitor

        # labels of LABEL_DELAY weeks ago arrive now
        labelled_week = week - LABEL_DELAY
        realized = None
        alert = False
        if labelled_week >= 1:
            arrived = weeks[labelled_week]
            monitors[labelled_week].log_labels(arrived["tx_id"], arrived[TARGET])
            if monitors[labelled_week] is serving.monitor:
                windows = serving.monitor.realized()
                window = windows[labelled_week - serving.since]
                realized, alert = window.value, window.alert

        report = serving.detector.detect(X)
        report.to_html(reports / f"drift-week-{week:02d}.html")
        estimate = serving.estimator.estimate(scores)
        newest = week - LABEL_DELAY  # the newest labelled week
        window_weeks = range(max(newest - TRAIN_WEEKS + 1, 1 - HISTORY_WEEKS), newest)
        train_frame = pd.concat([weeks[w] for w in window_weeks], ignore_index=True)
        version = data.commit(
            "fraud-training",
            train_frame[[*FEATURES, TARGET]],
            message=f"weeks {window_weeks.start}..{window_weeks.stop - 1}, labelled at week {week}",
        )
        observation = Observation(
            now=week_start(week + 1),
            drift=report,
            metrics={} if realized is None else {"roc_auc": realized},
            estimated_metrics={"roc_auc": estimate.value},
            new_rows=sum(len(weeks[w]) for w in range(serving.since, newest + 1)),
        )
        outcome = retrain_cycle(
            name=MODEL,
            policy=build_policy(store),
            observation=observation,
            registry=registry,
            data=version,
            holdout=weeks[newest][[*FEATURES, TARGET]],
            train=train,
            target=TARGET,
            gate=PROMOTION_GATE,
            random_state=0,
        )
        champion = serving.ref
        if outcome.retrained:
            outcome.gate.to_html(reports / f"gate-week-{week:02d}.html")
            details.append(f"week {week:>2}: {outcome}")
        if outcome.promoted:
            serving = Serving(registry, weeks[newest], since=week + 1)
        decision = outcome.decision
        verdict = {"kept": "keep", "promoted": "PROMOTED", "rejected": "REJECTED"}[outcome.action]
        if outcome.retrained:
            verdict += f" {outcome.challenger}"
        reasons = [
            re.sub(r" \(fired (\d+) of (\d+) consecutive observations needed\)", r" (\1 of \2)", r)
            for r in decision.reasons
            if "cannot evaluate" not in r
        ]
        rows.append(
            f"{week:>4}  {week_start(week):%Y-%m-%d}  {champion:8}  "
            f"{report.drift_share:5.2f}  {fmt(realized, alert):>8}  {fmt(estimate.value):>9}  "
            f"{verdict}: {'; '.join(reasons)}"
        )

    print()
    print("Weekly timeline. drift: share of drifted columns against the champion's reference;")
    print(
        f"realized: ROC AUC of the week served {LABEL_DELAY} weeks ago, now that its labels are in"
    )
    print("('!' = below the 0.80 alert); estimated: ROC AUC estimated from this week's scores")
    print("alone (CBPE). The new fraud pattern starts in week 6: CBPE cannot see it (the")
    print("relation between inputs and fraud changed, not just the inputs), drift sees it at")
    print("once, the labels confirm it two weeks later.")
    print()
    print("\n".join(rows))
    print()
    print("Retrain cycles:")
    print("\n".join(details))

    # -- a rollback -----------------------------------------------------------------------------
    print()
    clock[0] += timedelta(hours=2)
    before = registry.get(f"{MODEL}@champion")
    back = rollback(registry, MODEL, reason="on-call drill: restore the previous champion")
    print(f"Rollback: {back}")
    clock[0] += timedelta(hours=1)
    registry.set_alias(MODEL, "champion", before.version, reason="drill over: roll forward")
    print(f"Alias history of {MODEL}@champion:")
    for event in registry.alias_history(MODEL, "champion"):
        print(
            f"  {event.time:%Y-%m-%d %H:%M}  {event.previous!s:>4} → {event.version!s:<4} "
            f"{event.reason}"
        )
    print()
    outcomes = retrain_history(store, MODEL)
    promotion = next(o for o in outcomes if o.promoted and o.champion_before)
    print(f"Why did {promotion.challenger} replace {promotion.champion_before}? The records say:")
    for result in promotion.decision.triggers:
        print(f"  {result.status:13} {result}")
    for check in promotion.gate.results:
        print(f"  gate          {check}")
    print()
    print(f"Recorded outcomes: {len(outcomes)} (query them with retrain_history(store, {MODEL!r}))")
    print(f"Reports: {len(list(reports.glob('*.html')))} HTML files in {reports}")
    print(f"Done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    from threadpoolctl import threadpool_limits

    # One thread for the tree models: on a busy shared machine, OpenMP threads fighting for
    # the cores make the demo several times slower, and one thread costs little when idle.
    with threadpool_limits(limits=1):
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("lifecycle-demo"))

"""Gate a candidate model against the champion, as a CI job would: JUnit XML and an exit code.

Two models are trained on the same data; the candidate is evaluated on a holdout together with
the champion (same rows), and the gate checks data quality, accuracy, no regression against the
champion (DeLong on ROC AUC) and demographic parity. Writes gate.xml and gate.html and exits
with the gate's exit code.

Run: python examples/gate_in_ci.py
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import mlops_kit as mk


def make_data(rng: np.random.Generator, n: int) -> pd.DataFrame:
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    gender = rng.choice(["f", "m"], n)
    logit = 1.5 * x1 - x2 + 0.8 * x1 * x2 - 2.0
    return pd.DataFrame(
        {"x1": x1, "x2": x2, "gender": gender, "y": rng.random(n) < 1 / (1 + np.exp(-logit))}
    )


def main() -> int:
    rng = np.random.default_rng(3)
    data = make_data(rng, 8_000)
    train, test = train_test_split(data, test_size=0.4, random_state=0)
    features = ["x1", "x2"]
    champion = LogisticRegression().fit(train[features], train["y"])
    candidate = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(
        train[features], train["y"]
    )

    def evidence(model: object, baseline: mk.Evidence | None = None) -> mk.Evidence:
        score = model.predict_proba(test[features])[:, 1]  # type: ignore[attr-defined]
        return mk.Evidence(
            data=test[features],
            y_true=test["y"].to_numpy(),
            y_score=score,
            y_pred=score >= 0.5,
            sensitive=test[["gender"]],
            baseline=baseline,
        )

    gate = mk.QualityGate(
        [
            mk.checks.MaxMissingRate("x1", 0.0),
            mk.checks.InRange("x2", -10, 10),
            mk.checks.MetricAtLeast("roc_auc", 0.70),
            mk.checks.NoRegression("roc_auc", max_drop=0.01),
            mk.checks.MaxDemographicParityDifference("gender", 0.10),
        ],
        name="promotion",
    )
    result = gate.evaluate(evidence(candidate, baseline=evidence(champion)))
    print(result)
    result.to_junit_xml("gate.xml")
    result.to_html("gate.html")
    print("wrote gate.xml and gate.html")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())

"""Generate fairlearn_vectors.json: Fairlearn's fairness metrics on worked examples.

Fairlearn is not a dependency of mlops_kit. This script ran once in a private venv with
fairlearn==0.15.0, scikit-learn 1.9.1, pandas 3.1.1, numpy 2.x; its output is committed:

    python -m venv /tmp/fairvenv && /tmp/fairvenv/bin/pip install fairlearn==0.15.0
    /tmp/fairvenv/bin/python tests/quality/vectors/make_fairlearn_vectors.py
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FUNCTIONS = {
    "demographic_parity_difference": {},
    "demographic_parity_ratio": {},
    "equal_opportunity_difference": {},
    "equal_opportunity_ratio": {},
    "equalized_odds_difference": {"agg": ["worst_case", "mean"]},
    "equalized_odds_ratio": {"agg": ["worst_case", "mean"]},
}


def case(
    name: str, y_true: Any, y_pred: Any, sensitive: dict[str, Any], sample_weight: Any = None
) -> dict[str, Any]:
    import fairlearn.metrics as fm  # only in the generator's private venv

    results = []
    sf = (
        pd.DataFrame(sensitive)
        if len(sensitive) > 1
        else np.asarray(next(iter(sensitive.values())))
    )
    for fn_name, extra in FUNCTIONS.items():
        fn = getattr(fm, fn_name)
        for method in ("between_groups", "to_overall"):
            for agg in extra.get("agg", [None]):
                kwargs = {"method": method}
                if agg is not None:
                    kwargs["agg"] = agg
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = fn(
                        np.asarray(y_true),
                        np.asarray(y_pred),
                        sensitive_features=sf,
                        sample_weight=None if sample_weight is None else np.asarray(sample_weight),
                        **kwargs,
                    )
                results.append({"function": fn_name, "kwargs": kwargs, "expected": float(value)})
    return {
        "name": name,
        "y_true": [int(v) for v in y_true],
        "y_pred": [int(v) for v in y_pred],
        "sensitive": {
            k: [v.item() if hasattr(v, "item") else v for v in vals]
            for k, vals in sensitive.items()
        },
        "sample_weight": None if sample_weight is None else [float(w) for w in sample_weight],
        "results": results,
    }


def main() -> None:
    import fairlearn
    import fairlearn.metrics as fm

    rng = np.random.default_rng(20261126)
    cases = []
    # 1. A hand-sized example: two groups of four.
    cases.append(
        case(
            "hand_two_groups",
            [1, 0, 1, 0, 1, 0, 1, 0],
            [1, 0, 1, 1, 0, 0, 0, 1],
            {"group": ["a", "a", "a", "a", "b", "b", "b", "b"]},
        )
    )
    # 2. Three groups, random labels and predictions.
    n = 150
    g = rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    p = np.where(rng.random(n) < np.where(g == "x", 0.8, 0.6), y, 1 - y)
    cases.append(case("three_groups", y, p, {"group": list(g)}))
    # 3. The same with sample weights.
    w = rng.uniform(0.2, 3.0, n).round(3)
    cases.append(case("three_groups_weighted", y, p, {"group": list(g)}, w))
    # 4. Two sensitive features: intersections.
    n = 200
    sex = rng.choice(["f", "m"], n)
    age = rng.choice(["young", "old"], n, p=[0.6, 0.4])
    y = rng.integers(0, 2, n)
    base = 0.55 + 0.2 * (sex == "m") + 0.1 * (age == "old")
    p = np.where(rng.random(n) < base, y, 1 - y)
    cases.append(case("intersection", y, p, {"sex": list(sex), "age": list(age)}))
    # 5. Integer group codes, weighted, imbalanced.
    n = 120
    g = rng.choice([0, 1, 2, 3], n, p=[0.4, 0.3, 0.2, 0.1])
    y = (rng.random(n) < 0.35).astype(int)
    p = (rng.random(n) < 0.3 + 0.1 * g).astype(int)
    w = rng.integers(1, 5, n)
    cases.append(case("int_groups_weighted", y, p, {"group": [int(v) for v in g]}, w))

    # Fairlearn's behaviour on a group without positive labels (mlops_kit raises instead).
    y = [1, 1, 0, 0, 0, 0]
    p = [1, 0, 1, 0, 0, 1]
    s = ["a", "a", "a", "b", "b", "b"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        degenerate = {
            "y_true": y,
            "y_pred": p,
            "sensitive": s,
            "true_positive_rate_by_group": fm.MetricFrame(
                metrics=fm.true_positive_rate, y_true=y, y_pred=p, sensitive_features=s
            ).by_group.to_dict(),
            "equal_opportunity_difference": float(
                fm.equal_opportunity_difference(y, p, sensitive_features=s)
            ),
        }
    out = {
        "generator": "tests/quality/vectors/make_fairlearn_vectors.py",
        "fairlearn_version": fairlearn.__version__,
        "cases": cases,
        "degenerate_no_positives": degenerate,
    }
    path = Path(__file__).with_name("fairlearn_vectors.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
